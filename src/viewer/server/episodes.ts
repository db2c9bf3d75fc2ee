/**
 * Episodes as the viewer streams them: a whole episode in memory (scenes s_0…s_T, actions, rewards),
 * turned into protocol messages lazily (start, the redistribution when there is one, a step per action with
 * only the scene's changed part, end), and the re-simulation of a demonstration file into one.
 */
import { readFileSync } from 'node:fs';
import { checkDemonstration, parseDemonstration, type Demonstration } from '../../envs/core/demonstration.ts';
import { hasScene, sceneOf, type Scene } from '../../envs/core/scene.ts';
import { sceneDelta, type EpisodeLabel, type RedistributionMessage, type ServerMessage } from '../protocol.ts';

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

/** Episode `index` of a `.jsonl` file's text: its index-th non-empty line. */
function jsonlLine(text: string, index: number, label: string): string {
  let k = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (k++ === index) return line;
  }
  throw new Error(`${label}: the file holds ${k} episodes, none with index ${index}`);
}

/**
 * Reads a demonstration file (with `index`: episode `index` of a `.jsonl` file) and re-simulates it through `make` (demonstration.ts checks every reward on the
 * way), keeping the scene after reset and after each step. Throws a DemonstrationError naming the problem.
 */
export function replayDemonstration(path: string, label: string, index: number | null = null): { demo: Demonstration; scenes: Scene[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${label}: cannot read (${(e as Error).message})`);
  }
  if (index !== null) text = jsonlLine(text, index, label);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${label}: not ${index === null ? 'a JSON file' : 'a JSON line'} (${(e as Error).message})`);
  }
  const demo = parseDemonstration(raw, label);
  const scenes: Scene[] = [];
  const grab = (env: unknown): void => {
    if (!hasScene(env)) throw new Error(`${label}: ${demo.envId} has no scene() for the viewer to draw`);
    scenes.push(sceneOf(env));
  };
  checkDemonstration(demo, label, { onReset: (env) => grab(env), onStep: (s) => grab(s.env) });
  return { demo, scenes };
}
