/**
 * The live run between two threads (`rudder train --view`): the trainer keeps its {@link LiveSource} (PPO's
 * tap, RUDDER's reports) and a {@link LiveChannel}; the viewer's server runs in a worker (viewer-worker.ts)
 * with a {@link RemoteLiveSource}, which the server uses as it would the LiveSource. What crosses is small:
 * subscriptions and requests one way; captured episodes (start state, actions, rewards, the redistribution:
 * a few kB) and metrics rows the other. The scenes are re-made, packed and sent in the worker, so the
 * trainer's thread never touches a socket.
 *
 * The trainer → worker direction is bounded: at most `capacity` messages unacknowledged by the worker; past
 * that, a message is dropped, not queued (a dropped episode re-asks its subscriptions for the next one, as a
 * page that fell behind skips episodes). The trainer never waits for the worker.
 */
import type { MessagePort } from 'node:worker_threads';
import { checkSubscription, type LiveEpisode, type LiveFeed, type LiveListener, type LiveSource, type LiveSubscription, type MetricsRow } from './live-source.ts';

/** What the worker needs to know of the live run up front. */
export interface LiveInfo {
  envId: string;
  envKwargs: Record<string, unknown>;
  numEnvs: number;
  runDir: string | null;
  runId: string | undefined;
  finished: boolean;
}

/** Trainer → worker. `episode` and `metrics` count against the capacity; the worker acknowledges them. */
export type ToViewer =
  | { type: 'episode'; subs: number[]; episode: LiveEpisode }
  | { type: 'metrics'; rows: MetricsRow[] }
  | { type: 'finished' }
  | { type: 'subscribe_failed'; sub: number; message: string };

/** Worker → trainer. */
export type ToTrainer =
  | { type: 'subscribe'; sub: number; subEnv: number; onDemand: boolean }
  | { type: 'request'; sub: number }
  | { type: 'unsubscribe'; sub: number }
  | { type: 'ack'; count: number };

/** Default bound on unacknowledged messages to the worker. */
export const LIVE_CHANNEL_CAPACITY = 16;
/** Most metrics rows held for one message (a PPO iteration writes one row per finished episode, and a few more). */
const MAX_ROWS = 2000;

export function liveInfo(live: LiveSource): LiveInfo {
  return { envId: live.envId, envKwargs: live.envKwargs, numEnvs: live.numEnvs, runDir: live.runDir, runId: live.runId, finished: live.finished };
}

/** The trainer's end: subscribes on the worker's behalf, forwards captures and metrics rows, bounded. */
export class LiveChannel {
  /** Messages posted, and dropped because the worker had `capacity` unacknowledged. */
  posted = 0;
  dropped = 0;
  private inFlight = 0;
  private readonly subs = new Map<number, LiveSubscription>();
  private readonly unmetric: () => void;
  // Subscriptions that got the same capture: posted once (so the worker packs it once for all its pages).
  private batch: { episode: LiveEpisode; subs: number[] } | null = null;
  // Rows written since the loop last yielded: one message, not one per row.
  private rows: MetricsRow[] = [];
  /** Metrics rows dropped (the worker behind, or more than MAX_ROWS between two yields of the trainer). */
  droppedRows = 0;
  private closed = false;

  constructor(private readonly live: LiveSource, private readonly port: MessagePort, readonly capacity = LIVE_CHANNEL_CAPACITY) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new RangeError(`LiveChannel: capacity must be an integer ≥ 1, got ${capacity}`);
    port.on('message', (m: ToTrainer) => this.handle(m));
    this.unmetric = live.onMetric((row) => this.metric(row));
  }

  /** Training is over: tells the worker (unbounded: one message). */
  finish(): void {
    if (this.closed) return;
    this.port.postMessage({ type: 'finished' } satisfies ToViewer);
  }

  close(): void {
    this.closed = true;
    this.unmetric();
    for (const s of this.subs.values()) s.close();
    this.subs.clear();
    this.port.close();
  }

  private handle(m: ToTrainer): void {
    if (this.closed) return;
    switch (m.type) {
      case 'ack':
        this.inFlight = Math.max(0, this.inFlight - m.count);
        break;
      case 'subscribe':
        try {
          this.subs.set(m.sub, this.live.subscribe(m.subEnv, (e) => this.captured(m.sub, e), { onDemand: m.onDemand }));
        } catch (e) {
          this.port.postMessage({ type: 'subscribe_failed', sub: m.sub, message: (e as Error).message } satisfies ToViewer);
        }
        break;
      case 'request':
        this.subs.get(m.sub)?.request();
        break;
      case 'unsubscribe':
        this.subs.get(m.sub)?.close();
        this.subs.delete(m.sub);
        break;
    }
  }

  // Called from the trainer's loop, once per subscription that waits for this capture: collected, posted
  // once when the loop yields (a microtask), never waited on.
  private captured(sub: number, episode: LiveEpisode): void {
    if (this.batch?.episode.captured === episode.captured) { // LiveSource hands each subscriber its own wrapper of one capture
      this.batch.subs.push(sub);
      return;
    }
    this.flush();
    this.batch = { episode, subs: [sub] };
    queueMicrotask(() => this.flush());
  }

  private metric(row: MetricsRow): void {
    if (this.rows.length >= MAX_ROWS) {
      this.droppedRows++;
      return;
    }
    this.rows.push(row);
    if (this.rows.length > 1) return;
    queueMicrotask(() => {
      const rows = this.rows;
      this.rows = [];
      if (!this.post({ type: 'metrics', rows })) this.droppedRows += rows.length;
    });
  }

  private flush(): void {
    const b = this.batch;
    if (!b) return;
    this.batch = null;
    if (this.post({ type: 'episode', subs: b.subs, episode: b.episode })) return;
    for (const s of b.subs) this.subs.get(s)?.request(); // dropped: those pages wait for the next one instead
  }

  private post(m: ToViewer): boolean {
    if (this.closed) return false;
    if (this.inFlight >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.inFlight++;
    this.posted++;
    this.port.postMessage(m);
    return true;
  }
}

/** The worker's end: stands in for the trainer's LiveSource in the viewer's server. */
export class RemoteLiveSource implements LiveFeed {
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly numEnvs: number;
  readonly runDir: string | null;
  readonly runId: string | undefined;
  finished: boolean;
  private nextSub = 0;
  private readonly listeners = new Map<number, LiveListener>();
  private readonly metricListeners = new Set<(row: MetricsRow) => void>();
  private drawable: boolean | null = null;
  private acks = 0;

  constructor(info: LiveInfo, private readonly port: MessagePort) {
    this.envId = info.envId;
    this.envKwargs = info.envKwargs;
    this.numEnvs = info.numEnvs;
    this.runDir = info.runDir;
    this.runId = info.runId;
    this.finished = info.finished;
    port.on('message', (m: ToViewer) => this.handle(m));
  }

  /** As LiveSource.subscribe (the same checks, here); the episodes come from the trainer's thread. */
  subscribe(subEnv: number, listener: LiveListener, opts: { onDemand?: boolean } = {}): LiveSubscription {
    this.drawable = checkSubscription(this, this.drawable, subEnv);
    const sub = ++this.nextSub;
    this.listeners.set(sub, listener);
    this.send({ type: 'subscribe', sub, subEnv, onDemand: opts.onDemand ?? false });
    return {
      close: () => {
        if (this.listeners.delete(sub)) this.send({ type: 'unsubscribe', sub });
      },
      request: () => {
        if (this.listeners.has(sub)) this.send({ type: 'request', sub });
      },
    };
  }

  onMetric(listener: (row: MetricsRow) => void): () => void {
    this.metricListeners.add(listener);
    return () => void this.metricListeners.delete(listener);
  }

  private send(m: ToTrainer): void {
    this.port.postMessage(m);
  }

  private handle(m: ToViewer): void {
    switch (m.type) {
      case 'episode':
        for (const s of m.subs) {
          try {
            this.listeners.get(s)?.(m.episode);
          } catch {
            this.listeners.delete(s);
          }
        }
        this.ack();
        break;
      case 'metrics':
        for (const row of m.rows) {
          for (const l of this.metricListeners) {
            try {
              l(row);
            } catch {
              this.metricListeners.delete(l);
            }
          }
        }
        this.ack();
        break;
      case 'finished':
        this.finished = true;
        this.listeners.clear();
        break;
      case 'subscribe_failed':
        this.listeners.delete(m.sub);
        break;
    }
  }

  // Acknowledged in one message per turn of the worker's event loop, not one per message.
  private ack(): void {
    if (this.acks++ > 0) return;
    setImmediate(() => {
      const count = this.acks;
      this.acks = 0;
      this.send({ type: 'ack', count });
    });
  }
}
