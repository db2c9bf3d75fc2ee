/**
 * Episodes as the viewer streams them: a whole episode in memory (scenes s_0…s_T, actions, rewards),
 * turned into protocol messages lazily (start, the redistribution when there is one, a step per action with
 * only the scene's changed part, end), and the re-simulation of a demonstration file into one.
 */
import { readFileSync } from 'node:fs';
import { checkDemonstration, parseDemonstration, type Demonstration } from '../../envs/core/demonstration.ts';
import { hasScene, sceneOf, type Scene } from '../../envs/core/scene.ts';
import { captureScenes } from '../../agents/ppo/episode-tap.ts';
import { sceneDelta, type EpisodeLabel, type RedistributionMessage, type ServerMessage } from '../protocol.ts';
import { isTrainingEpisode, parseTrainingEpisode, startState } from './training-episode.ts';

/** One whole episode with what the page needs to label it. */
export interface EpisodeData extends EpisodeLabel {
  /** s_0 … s_T, taken one at a time as the episode plays (a live capture re-makes them then: captureScenes). */
  scenes: Iterable<Scene>;
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
  terminated: boolean;
  truncated: boolean;
  /** A method's per-step view of it (RUDDER's), without the message's type and episode id. */
  redistribution: Omit<RedistributionMessage, 'type' | 'episode'> | null;
}

/**
 * The messages of `ep` under the connection's episode id `id`, made one at a time (a long episode is never
 * packed whole). The redistribution comes right after the start, so the page can plot it while playing.
 */
export function* episodeMessages(ep: EpisodeData, id: number): Generator<ServerMessage, void, void> {
  const scenes = ep.scenes[Symbol.iterator]();
  const T = ep.actions.length;
  const scene = (t: number): Scene => {
    const n = scenes.next();
    if (n.done) throw new Error(`episode ${id}: no scene for step ${t} of ${T}`);
    return n.value;
  };
  let prev = scene(0);
  yield {
    type: 'episode_start', episode: id, source: ep.source, runId: ep.runId, envId: ep.envId, subEnv: ep.subEnv, seed: ep.seed,
    globalStep: ep.globalStep, actionNames: ep.actionNames, fps: ep.fps, scene: prev,
  };
  if (ep.redistribution) yield { type: 'redistribution', episode: id, ...ep.redistribution };
  let ret = 0;
  for (let t = 1; t <= T; t++) {
    const reward = ep.rewards[t - 1]!;
    ret += reward;
    const next = scene(t);
    yield { type: 'step', episode: id, t, action: ep.actions[t - 1]!, reward, delta: sceneDelta(prev, next) };
    prev = next;
  }
  yield { type: 'episode_end', episode: id, length: T, return: ret, terminated: ep.terminated, truncated: ep.truncated };
}

/**
 * One episode's messages made once and shared by every page that plays it (a live episode that several pages
 * watch): each page walks it at its own pace with {@link SharedEpisode.reader}; the first to need message k
 * makes it (scene re-made, delta taken), the others get the same object (packed once: codec.ts `encodeShared`).
 */
export class SharedEpisode {
  private readonly made: ServerMessage[] = [];
  private source: Iterator<ServerMessage, void, void> | null;
  private failure: Error | null = null;

  constructor(ep: EpisodeData, readonly id: number) {
    this.source = episodeMessages(ep, id);
  }

  /** Message k, or null past the end; a frame that could not be made throws for every reader. */
  at(k: number): ServerMessage | null {
    while (this.made.length <= k && this.source) {
      if (this.failure) throw this.failure;
      let n: IteratorResult<ServerMessage, void>;
      try {
        n = this.source.next();
      } catch (e) {
        this.failure = e as Error;
        this.source = null;
        throw e;
      }
      if (n.done) this.source = null;
      else this.made.push(n.value);
    }
    if (this.failure && k >= this.made.length) throw this.failure;
    return this.made[k] ?? null;
  }

  /** A reader from the first message on. */
  *reader(): Generator<ServerMessage, void, void> {
    for (let k = 0; ; k++) {
      const m = this.at(k);
      if (m === null) return;
      yield m;
    }
  }
}

/** Episode `index` of a `.jsonl` file's text: its index-th non-empty line. */
function jsonlLine(text: string, index: number, label: string): string {
  let k = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (k++ === index) return line;
  }
  throw new Error(`${label}: the file holds ${k} episodes, none with index ${index}`);
}

/** A recorded episode read back from disk: what `open_replay` plays. */
export interface RecordedEpisode {
  envId: string;
  envKwargs: Record<string, unknown>;
  /** The reset seed (demonstrations), or null (a training episode starts from a stored state). */
  seed: number | null;
  subEnv: number;
  globalStep: number | null;
  actions: number[];
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
  scenes: Scene[];
  redistribution: EpisodeData['redistribution'];
}

/**
 * Reads a recorded episode file (with `index`: episode `index` of a `.jsonl` file): a demonstration
 * (re-simulated from its seed) or a training episode (training-episode.ts: re-simulated from its stored
 * start state, with RUDDER's redistribution as recorded). Every reward is checked on the way; an error
 * names the file and the problem.
 */
export function readRecordedEpisode(path: string, label: string, index: number | null = null): RecordedEpisode {
  const raw = readJson(path, label, index);
  if (isTrainingEpisode(raw)) {
    const e = parseTrainingEpisode(raw, label);
    let scenes: Scene[];
    try {
      scenes = [...captureScenes({ env: e.subEnv, globalStep: e.globalStep, start: startState(e), scenes: null, actions: Int32Array.from(e.actions), rewards: Float64Array.from(e.rewards), return: e.return, terminated: e.terminated, truncated: e.truncated }, e.envId, e.envKwargs)];
    } catch (err) {
      throw new Error(`${label}: does not replay: ${(err as Error).message}`);
    }
    const rd = e.redistribution;
    return {
      envId: e.envId, envKwargs: e.envKwargs, seed: e.seed ?? null, subEnv: e.subEnv, globalStep: e.globalStep, actions: e.actions, rewards: e.rewards,
      terminated: e.terminated, truncated: e.truncated, scenes,
      redistribution: rd ? { method: rd.method, rewards: e.rewards, redistributed: rd.redistributed, predictions: rd.predictions, quality: rd.quality, error: rd.error ?? NaN } : null,
    };
  }
  const { demo, scenes } = replayParsedDemonstration(raw, label);
  return {
    envId: demo.envId, envKwargs: demo.envKwargs, seed: demo.seed, subEnv: -1, globalStep: null, actions: demo.actions, rewards: demo.rewards,
    terminated: demo.terminated, truncated: demo.truncated, scenes, redistribution: null,
  };
}

function readJson(path: string, label: string, index: number | null): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${label}: cannot read (${(e as Error).message})`);
  }
  if (index !== null) text = jsonlLine(text, index, label);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${label}: not ${index === null ? 'a JSON file' : 'a JSON line'} (${(e as Error).message})`);
  }
}

/**
 * Reads a demonstration file (with `index`: episode `index` of a `.jsonl` file) and re-simulates it through `make` (demonstration.ts checks every reward on the
 * way), keeping the scene after reset and after each step. Throws a DemonstrationError naming the problem.
 */
export function replayDemonstration(path: string, label: string, index: number | null = null): { demo: Demonstration; scenes: Scene[] } {
  return replayParsedDemonstration(readJson(path, label, index), label);
}

function replayParsedDemonstration(raw: unknown, label: string): { demo: Demonstration; scenes: Scene[] } {
  const demo = parseDemonstration(raw, label);
  const scenes: Scene[] = [];
  const grab = (env: unknown): void => {
    if (!hasScene(env)) throw new Error(`${label}: ${demo.envId} has no scene() for the viewer to draw`);
    scenes.push(sceneOf(env));
  };
  checkDemonstration(demo, label, { onReset: (env) => grab(env), onStep: (s) => grab(s.env) });
  return { demo, scenes };
}
