/**
 * One page's connection: decodes and validates each inbound frame (a bad one gets an `error` reply and the
 * connection stays open), runs its requests (replays, keyboard play, live subscription, metrics), and sends
 * with bounds: droppable messages are dropped while the socket's unsent bytes exceed SOFT_BUFFER_BYTES, and a
 * client that stops reading past HARD_BUFFER_BYTES is cut off, so no client makes the server hold memory
 * without bound. A token bucket caps the messages a client may send per second.
 */
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { PROTOCOL_VERSION, sceneDelta as sceneDeltaOf, type ClientMessage, type RunInfo, type ServerMessage } from '../protocol.ts';
import { SCENE_VERSION } from '../../envs/core/scene.ts';
import { decodeClientMessage, encodeBatch } from './codec.ts';
import { episodeMessages, readRecordedEpisode, SharedEpisode, type EpisodeData, type RecordedEpisode } from './episodes.ts';
import type { CapturedEpisode } from '../../agents/ppo/episode-tap.ts';
import { captureScenes } from '../../agents/ppo/episode-tap.ts';
import type { LiveEpisode, LiveFeed, LiveSubscription, MetricsRow } from './live-source.ts';
import { METRICS_CHUNK, readMetricsRows } from './metrics-file.ts';
import { BusyClock, Playback, SOFT_BUFFER_BYTES } from './playback.ts';
import { PlayError, PlaySession } from './play-session.ts';
import { pathSegments, resolveInside } from './safe-path.ts';
import { envFacts as envFactsOf, splitEpisodePath, type ServedRun } from './runs.ts';

/** Unsent bytes past which a client that does not read is disconnected. */
export const HARD_BUFFER_BYTES = 8 * 1024 * 1024;
/** Messages a client may send per second on average, and in a burst. */
export const MESSAGE_RATE = 200;
export const MESSAGE_BURST = 400;

/** What a connection needs of the server. */
export interface ServerContext {
  runs(): ServedRun[];
  run(id: string): ServedRun | undefined;
  live: LiveFeed | null;
  /** The live run's id, when a live source is attached. */
  liveRunId: string | null;
  /** Something in the run folders changed (a demonstration saved): look again now, tell every page. */
  runsChanged(): void;
  /** A new episode id, unique on this server (so pages watching the same live episode share its messages). */
  nextEpisodeId(): number;
  /** A live capture's messages, made once for every page that plays it. */
  sharedLive(c: CapturedEpisode, make: (id: number) => SharedEpisode): SharedEpisode;
}

type ErrorCode = 'bad_message' | 'too_large' | 'unknown_run' | 'not_found' | 'invalid_action' | 'invalid_file' | 'busy' | 'internal';

export class Connection {
  private readonly playback: Playback;
  private play: PlaySession | null = null;
  private playEpisode = -1;
  private subscription: LiveSubscription | null = null;
  private unfollow: (() => void) | null = null;
  private tokens = MESSAGE_BURST;
  private lastRefill = performance.now();
  private closed = false;
  private readonly clock = new BusyClock();

  constructor(private readonly ws: WebSocket, private readonly ctx: ServerContext) {
    this.playback = new Playback((msgs) => this.send(msgs), () => this.ws.bufferedAmount, this.clock);
  }

  hello(): void {
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, sceneVersion: SCENE_VERSION, runs: this.ctx.runs().map((r) => r.info()), live: this.ctx.live !== null && !this.ctx.live.finished });
  }

  /** The run list again (after a change the server noticed). */
  runs(runs: RunInfo[], live: boolean): void {
    this.send({ type: 'runs', runs, live });
  }

  /** Time this connection has spent on its thread (ms): requests, making and sending frames. */
  get busyMs(): number {
    return this.clock.ms;
  }

  /**
   * Sends `msg` (or several, as one frame) unless the socket is closed; droppable ones are dropped while the
   * client is behind.
   */
  send(msg: ServerMessage | ServerMessage[], droppable = false): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    const buffered = this.ws.bufferedAmount;
    if (buffered > HARD_BUFFER_BYTES) {
      this.ws.terminate(); // it stopped reading: holding more for it would be unbounded
      return false;
    }
    if (droppable && buffered > SOFT_BUFFER_BYTES) return false;
    this.clock.time(() => this.ws.send(encodeBatch(Array.isArray(msg) ? msg : [msg]), { binary: true })); // never waits: ws queues what the socket cannot take yet
    return true;
  }

  private error(code: ErrorCode, message: string): void {
    this.send({ type: 'error', code, message }, true);
  }

  onMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.clock.time(() => this.receive(data, isBinary));
  }

  private receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const now = performance.now();
    this.tokens = Math.min(MESSAGE_BURST, this.tokens + ((now - this.lastRefill) / 1000) * MESSAGE_RATE);
    this.lastRefill = now;
    if (this.tokens < 1) {
      this.error('busy', `too many messages: at most ${MESSAGE_RATE} per second`);
      return;
    }
    this.tokens--;
    const d = decodeClientMessage(data, isBinary);
    if (!d.ok) {
      this.error('bad_message', d.error);
      return;
    }
    try {
      this.handle(d.message);
    } catch (e) {
      if (e instanceof PlayError) this.error(e.code, e.message);
      else if (d.message.type === 'subscribe') this.error('bad_message', (e as Error).message);
      else this.error('internal', `${d.message.type}: ${(e as Error).message}`);
    }
  }

  private handle(m: ClientMessage): void {
    switch (m.type) {
      case 'subscribe': return this.subscribe(m.runId, m.subEnv);
      case 'unsubscribe':
        this.subscription?.close();
        this.subscription = null;
        return;
      case 'open_replay': return this.openReplay(m.runId, m.path);
      case 'get_metrics': return this.getMetrics(m.runId);
      case 'play_reset': return this.playReset(m.runId, m.envId);
      case 'play_act': return this.playAct(m.action);
      case 'play_save': return this.playSave(m.note);
      case 'pause': return this.playback.setPaused(m.paused);
      case 'speed': return this.playback.setSpeed(m.factor);
    }
  }

  private runOrError(id: string): ServedRun | null {
    const run = this.ctx.run(id);
    if (!run) this.error('unknown_run', `no run "${id}" here (runs: ${this.ctx.runs().map((r) => r.id).join(', ') || 'none'})`);
    return run ?? null;
  }

  private subscribe(runId: string, subEnv: number): void {
    const live = this.ctx.live;
    if (!live || runId !== this.ctx.liveRunId) {
      this.error('unknown_run', `run "${runId}" is not live${this.ctx.liveRunId ? ` (the live run is "${this.ctx.liveRunId}")` : ' (no training run is attached to this viewer)'}`);
      return;
    }
    if (subEnv >= live.numEnvs) {
      this.error('bad_message', `subEnv: ${subEnv} does not exist, the live run has sub-envs 0..${live.numEnvs - 1}`);
      return;
    }
    const run = this.ctx.run(runId)!;
    const { actionNames, fps } = run.envFacts();
    this.subscription?.close();
    this.subscription = null;
    // On demand: the next episode is captured when this one starts to play, so the trainer records only
    // episodes this page will show (one waits while one plays).
    // Every page that gets this capture plays the same messages, made once (SharedEpisode), packed once.
    const sub: LiveSubscription = live.subscribe(subEnv, (e) => this.playback.enqueue({
      frames: this.ctx.sharedLive(e.captured, (id) => new SharedEpisode(liveEpisodeData(e, runId, live.envId, live.envKwargs, actionNames, fps), id)).reader(),
      fps, onStart: () => sub.request(),
    }), { onDemand: true });
    this.subscription = sub;
  }

  private openReplay(runId: string, path: string): void {
    const run = this.runOrError(runId);
    if (!run) return;
    // Only the episodes the run lists (its demos/ and episodes/ files), then confined to its folder.
    const { file: filePath, index } = splitEpisodePath(path);
    const seg = pathSegments(`/${filePath}`);
    if (!run.dir || !seg.ok || !run.episodes().includes(index === null ? seg.segments.join('/') : `${seg.segments.join('/')}#${index}`)) {
      this.error('not_found', `run "${runId}" has no recorded episode "${path}" (see RunInfo.episodes)`);
      return;
    }
    const file = resolveInside(run.dir, seg.segments);
    if (!file.ok) {
      this.error('not_found', `run "${runId}": ${path}: ${file.reason}`);
      return;
    }
    let rec: RecordedEpisode;
    try {
      rec = readRecordedEpisode(file.path, path, index);
    } catch (e) {
      this.error('invalid_file', (e as Error).message);
      return;
    }
    const facts = rec.envId === run.envId ? run.envFacts() : null;
    const { actionNames, fps } = facts ?? envFactsOf(rec.envId, rec.envKwargs);
    // A training episode comes with RUDDER's redistribution as recorded: plotted beside it as in the live view.
    const ep: EpisodeData = {
      source: 'replay', runId, envId: rec.envId, subEnv: rec.subEnv, seed: rec.seed, globalStep: rec.globalStep, actionNames, fps, scenes: rec.scenes,
      actions: rec.actions, rewards: rec.rewards, terminated: rec.terminated, truncated: rec.truncated, redistribution: rec.redistribution,
    };
    this.playback.playNow({ frames: episodeMessages(ep, this.ctx.nextEpisodeId()), fps });
  }

  private getMetrics(runId: string): void {
    const run = this.runOrError(runId);
    if (!run) return;
    const rows = run.dir ? readMetricsRows(join(run.dir, 'metrics.jsonl')) : [];
    for (let i = 0; i === 0 || i < rows.length; i += METRICS_CHUNK) this.send({ type: 'metrics', runId, rows: rows.slice(i, i + METRICS_CHUNK) });
    // A live run's rows keep coming as the trainer writes them.
    if (this.ctx.live && runId === this.ctx.liveRunId && !this.unfollow) {
      this.unfollow = this.ctx.live.onMetric((row: MetricsRow) => void this.send({ type: 'metrics', runId, rows: [row] }, true));
    }
  }

  private playReset(runId: string, envId: string): void {
    const run = this.runOrError(runId);
    if (!run) return;
    const session = PlaySession.start(run, envId);
    this.play?.close();
    this.play = session;
    this.playEpisode = this.ctx.nextEpisodeId();
    const { actionNames, fps } = envId === run.envId ? run.envFacts() : envFactsOf(envId, session.envKwargs);
    this.send({
      type: 'episode_start', episode: this.playEpisode, source: 'play', runId, envId, subEnv: -1, seed: session.seed, globalStep: null,
      actionNames, fps, scene: session.firstScene,
    });
  }

  private playAct(action: number): void {
    const s = this.play;
    if (!s) throw new PlayError('bad_message', 'no episode in play: send play_reset first');
    const r = s.act(action);
    this.send({ type: 'step', episode: this.playEpisode, t: r.t, action: r.action, reward: r.reward, delta: sceneDeltaOf(r.prev, r.scene) });
    if (s.done) {
      const ret = s.rewards.reduce((a, b) => a + b, 0);
      this.send({ type: 'episode_end', episode: this.playEpisode, length: s.actions.length, return: ret, terminated: s.terminated, truncated: s.truncated });
    }
  }

  private playSave(note: string | undefined): void {
    const s = this.play;
    if (!s) throw new PlayError('bad_message', 'no episode in play: send play_reset, play, then play_save');
    const saved = s.save(note);
    this.send({ type: 'saved', ...saved });
    this.ctx.runsChanged();
  }

  close(): void {
    this.closed = true;
    this.playback.clear();
    this.subscription?.close();
    this.unfollow?.();
    this.play?.close();
    this.subscription = null;
    this.unfollow = null;
    this.play = null;
  }
}

/** A live capture as an episode to play (the redistribution's arrays become plain numbers: msgpack has no Float32Array). */
export function liveEpisodeData(e: LiveEpisode, runId: string, envId: string, envKwargs: Record<string, unknown>, actionNames: string[], fps: number): EpisodeData {
  const c = e.captured, r = e.redistribution;
  return {
    source: 'live', runId, envId, subEnv: c.env, seed: null, globalStep: c.globalStep, actionNames, fps,
    scenes: { [Symbol.iterator]: () => captureScenes(c, envId, envKwargs) }, // re-made as it plays, off the trainer's rollout
    actions: c.actions, rewards: c.rewards, terminated: c.terminated, truncated: c.truncated,
    redistribution: r ? {
      method: e.method ?? 'rudder', rewards: Array.from(c.rewards), redistributed: Array.from(r.redistributed), predictions: Array.from(r.predictions), quality: r.quality, error: r.error,
    } : null,
  };
}
