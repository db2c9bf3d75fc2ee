/**
 * A live training run as the viewer sees it. The trainer passes `live.tap` as PPO's `tap` option and calls
 * `live.attachRedistribution(redistribution, method)` (RUDDER's or Align-RUDDER's); the viewer subscribes to a
 * sub-env and gets that sub-env's next whole episode with the method's view of it (rewards, redistributed reward,
 * predictions, trust), then the next one
 * (re-armed after each). With no subscriber the tap stays off (env −1): PPO pays one comparison per step.
 * Listeners are called synchronously from the trainer's loop and must return at once (the server only
 * queues the episode for its player); a throwing listener is dropped, never the training.
 */
import { EpisodeTap, type CapturedEpisode, type RolloutTap } from '../../agents/ppo/episode-tap.ts';
import type { Env } from '../../envs/core/env.ts';
import { make } from '../../envs/core/registry.ts';
import { hasScene } from '../../envs/core/scene.ts';
import type { MetricValue } from '../../agents/run/metrics.ts';
import type { RedistributedEpisode } from '../../agents/ppo/redistribution.ts';
import type { RedistributionMessage } from '../protocol.ts';

export interface LiveSourceOptions {
  envId: string;
  envKwargs?: Record<string, unknown>;
  /** PPO's numEnvs: subscriptions name a sub-env below it. */
  numEnvs: number;
  /** The run folder (metrics, model, demos), or null for a run that writes nothing. */
  runDir?: string | null;
  /** The id the page knows the run by (default: the run folder's name, or `live`). */
  runId?: string;
}

/** Which method redistributed the reward. */
export type RedistributionMethod = RedistributionMessage['method'];

/** A captured episode and, when RUDDER or Align-RUDDER runs, its output for that very episode. */
export interface LiveEpisode {
  captured: CapturedEpisode;
  redistribution: RedistributedEpisode | null;
  /** Which method made `redistribution` (null with it). */
  method: RedistributionMethod | null;
}

export type LiveListener = (episode: LiveEpisode) => void;

/** What `subscribe` returns. */
export interface LiveSubscription {
  /** Stop receiving (the tap switches off when nobody waits for an episode). */
  close(): void;
  /** An `onDemand` subscription's ask for its next episode. */
  request(): void;
}

interface Subscriber {
  subEnv: number;
  listener: LiveListener;
  onDemand: boolean;
  /** Whether it waits for an episode (always, unless on demand and served since its last request). */
  wanting: boolean;
}
export type MetricsRow = Record<string, MetricValue>;

/** What `attachRedistribution` needs of a redistributor: its per-episode hook (RUDDER's, Align-RUDDER's). */
export interface EpisodeHookHolder {
  onEpisode: ((e: RedistributedEpisode) => void) | null;
}

/**
 * PPO's tap for the viewer: an EpisodeTap, plus bookkeeping that tells which of the redistributor's per-episode reports
 * is the captured episode. After arming, the sub-env may first finish the episode it was in (not recorded);
 * counting those ends gives the captured episode's index among its reports for that sub-env.
 */
class LiveTap implements RolloutTap {
  env = -1;
  /** The sub-env armed for (stays set after the inner tap finishes, until the capture is delivered). */
  armedFor = -1;
  private started = false;
  private endsBefore = 0;
  /** How many of the redistributor's reports for `armedFor` precede the captured episode. */
  skip = 0;
  readonly reports: RedistributedEpisode[] = [];

  constructor(private readonly inner: EpisodeTap) {}

  arm(env: number): void {
    this.inner.arm(env);
    this.env = env;
    this.armedFor = env;
    this.started = false;
    this.endsBefore = this.skip = 0;
    this.reports.length = 0;
  }

  /** Why capture stopped, if recording ever failed (it never propagates into the trainer). */
  failure: string | null = null;

  step(sub: Env, wasReset: boolean, action: number, reward: number, terminated: boolean, truncated: boolean, globalStep: number): void {
    try {
      this.record(sub, wasReset, action, reward, terminated, truncated, globalStep);
    } catch (e) {
      this.failure = (e as Error).message;
      this.arm(-1); // a viewer must never stop training
    }
  }

  private record(sub: Env, wasReset: boolean, action: number, reward: number, terminated: boolean, truncated: boolean, globalStep: number): void {
    if (!this.started) {
      if (wasReset) {
        this.started = true;
        this.skip = this.endsBefore;
      } else if (terminated || truncated) this.endsBefore++;
    }
    this.inner.step(sub, wasReset, action, reward, terminated, truncated, globalStep);
    this.env = this.inner.env; // the inner tap switches itself off after one episode
  }

  flush(): void {
    this.inner.flush();
  }
}

/**
 * What the viewer's server needs of a live run: a {@link LiveSource} in the same thread, or, when the server
 * runs in a worker (`rudder train --view`), its stand-in there (live-channel.ts `RemoteLiveSource`).
 */
export interface LiveFeed {
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly numEnvs: number;
  readonly runDir: string | null;
  readonly runId: string | undefined;
  /** Training is over: nothing more will come. */
  readonly finished: boolean;
  subscribe(subEnv: number, listener: LiveListener, opts?: { onDemand?: boolean }): LiveSubscription;
  onMetric(listener: (row: MetricsRow) => void): () => void;
}

export class LiveSource implements LiveFeed {
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly numEnvs: number;
  readonly runDir: string | null;
  readonly runId: string | undefined;
  /** Pass as PPO's `tap` option. */
  readonly tap: RolloutTap;
  private readonly liveTap: LiveTap;
  private readonly subs = new Set<Subscriber>();
  private readonly metricListeners = new Set<(row: MetricsRow) => void>();
  /** Episodes captured and delivered so far. */
  delivered = 0;
  /** Set by `finish()`: training is over, nothing more will come. */
  finished = false;

  constructor(opts: LiveSourceOptions) {
    if (!Number.isInteger(opts.numEnvs) || opts.numEnvs < 1) throw new RangeError(`LiveSource: numEnvs must be an integer ≥ 1, got ${opts.numEnvs}`);
    this.envId = opts.envId;
    this.envKwargs = opts.envKwargs ?? {};
    this.numEnvs = opts.numEnvs;
    this.runDir = opts.runDir ?? null;
    this.runId = opts.runId;
    this.liveTap = new LiveTap(new EpisodeTap((c) => this.captured(c)));
    this.tap = this.liveTap;
  }

  private method: RedistributionMethod | null = null;

  /** RUDDER's: `attachRedistribution(red, 'rudder')`. */
  attachRudder(red: EpisodeHookHolder): void {
    this.attachRedistribution(red, 'rudder');
  }

  /** Chains onto the redistributor's `onEpisode` (keeping a listener already there) to pair its reports with captures. */
  attachRedistribution(red: EpisodeHookHolder, method: RedistributionMethod): void {
    this.method = method;
    const before = red.onEpisode;
    red.onEpisode = (e) => {
      before?.(e);
      if (e.env === this.liveTap.armedFor) this.liveTap.reports.push(e);
    };
  }

  private drawable: boolean | null = null;

  /**
   * Calls `listener` with the next episodes of sub-env `subEnv`. By default with every one captured (the
   * tap re-arms at once); `onDemand` subscriptions get one episode per `request()` (the first needs none),
   * so a page that plays at 10 fps makes the trainer record only the episodes it will show.
   */
  subscribe(subEnv: number, listener: LiveListener, opts: { onDemand?: boolean } = {}): LiveSubscription {
    this.drawable = checkSubscription(this, this.drawable, subEnv);
    const sub: Subscriber = { subEnv, listener, onDemand: opts.onDemand ?? false, wanting: true };
    this.subs.add(sub);
    if (this.liveTap.armedFor === -1) this.armNext(-1);
    return {
      close: () => {
        if (!this.subs.delete(sub)) return;
        if (this.liveTap.armedFor === subEnv && !this.wanted(subEnv)) this.armNext(subEnv);
      },
      request: () => {
        if (!this.subs.has(sub) || sub.wanting) return;
        sub.wanting = true;
        if (this.liveTap.armedFor === -1) this.armNext(-1);
      },
    };
  }

  /** Training is over: the tap switches off, and new subscriptions are refused (the run stays served as files). */
  finish(): void {
    this.finished = true;
    this.subs.clear();
    this.liveTap.arm(-1);
  }

  /** Subscribers over all sub-envs. */
  get subscribers(): number {
    return this.subs.size;
  }

  /** Why capture stopped, when recording failed in the trainer's loop (caught there: training goes on). */
  get failure(): string | null {
    return this.liveTap.failure;
  }

  /** The sub-env being captured, or −1 (the tap is off). */
  get armedEnv(): number {
    return this.liveTap.env;
  }

  /** A metrics row as the trainer writes it (metrics.jsonl), passed on to followers. */
  metric(row: MetricsRow): void {
    for (const l of this.metricListeners) {
      try {
        l(row);
      } catch {
        this.metricListeners.delete(l);
      }
    }
  }

  onMetric(listener: (row: MetricsRow) => void): () => void {
    this.metricListeners.add(listener);
    return () => void this.metricListeners.delete(listener);
  }

  private captured(c: CapturedEpisode): void {
    const t = this.liveTap;
    const T = c.actions.length;
    const fits = (e: RedistributedEpisode | undefined): e is RedistributedEpisode => e !== undefined && e.length === T && Math.abs(e.ret - c.return) <= 1e-6 * Math.max(1, Math.abs(c.return));
    const byCount = t.reports[t.skip];
    const redistribution = fits(byCount) ? byCount : t.reports.find(fits) ?? null;
    const method = redistribution ? this.method : null;
    this.delivered++;
    for (const sub of [...this.subs]) {
      if (sub.subEnv !== c.env || !sub.wanting) continue;
      if (sub.onDemand) sub.wanting = false;
      try {
        sub.listener({ captured: c, redistribution, method });
      } catch {
        this.subs.delete(sub);
      }
    }
    this.armNext(c.env);
  }

  private wanted(subEnv: number): boolean {
    for (const s of this.subs) if (s.subEnv === subEnv && s.wanting) return true;
    return false;
  }

  // Arms the next sub-env that someone waits for after `after` (round robin), or switches the tap off.
  private armNext(after: number): void {
    const envs = [...new Set([...this.subs].filter((s) => s.wanting).map((s) => s.subEnv))].sort((a, b) => a - b);
    if (envs.length === 0) {
      this.liveTap.arm(-1); // off: PPO pays one comparison per step
      return;
    }
    this.liveTap.arm(envs.find((e) => e > after) ?? envs[0]!);
  }
}

/**
 * The checks before a live subscription (LiveSource's and the worker thread's stand-in alike): the sub-env
 * exists, the env draws a scene (`drawable`, found once and returned to be kept), training still runs.
 */
export function checkSubscription(live: { numEnvs: number; envId: string; envKwargs: Record<string, unknown>; finished: boolean }, drawable: boolean | null, subEnv: number): boolean {
  if (!Number.isInteger(subEnv) || subEnv < 0 || subEnv >= live.numEnvs) throw new RangeError(`sub-env ${subEnv} does not exist: this run has sub-envs 0..${live.numEnvs - 1}`);
  if (drawable === null) {
    const env = make(live.envId, live.envKwargs);
    drawable = hasScene(env);
    env.close();
  }
  if (!drawable) throw new TypeError(`${live.envId} has no scene(), so its episodes cannot be shown live`);
  if (live.finished) throw new Error('training has finished: nothing more to show live (open its recorded episodes instead)');
  return drawable;
}
