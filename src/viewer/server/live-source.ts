/**
 * A live training run as the viewer sees it. The trainer passes `live.tap` as PPO's `tap` option and calls
 * `live.attachRudder(redistribution)`; the viewer subscribes to a sub-env and gets that sub-env's next whole
 * episode with RUDDER's view of it (rewards, redistributed reward, predictions, trust), then the next one
 * (re-armed after each). With no subscriber the tap stays off (env −1): PPO pays one comparison per step.
 * Listeners are called synchronously from the trainer's loop and must return at once (the server only
 * queues the episode for its player); a throwing listener is dropped, never the training.
 */
import { EpisodeTap, type CapturedEpisode, type RolloutTap } from '../../agents/ppo/episode-tap.ts';
import type { Env } from '../../envs/core/env.ts';
import { make } from '../../envs/core/registry.ts';
import { hasScene } from '../../envs/core/scene.ts';
import type { MetricValue } from '../../agents/run/metrics.ts';
import type { RudderEpisode } from '../../rudder/ppo-redistribution.ts';

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

/** A captured episode and, when RUDDER runs, its output for that very episode. */
export interface LiveEpisode {
  captured: CapturedEpisode;
  rudder: RudderEpisode | null;
}

export type LiveListener = (episode: LiveEpisode) => void;
export type MetricsRow = Record<string, MetricValue>;

/** What `attachRudder` needs of a redistributor: RUDDER's per-episode hook. */
export interface EpisodeHookHolder {
  onEpisode: ((e: RudderEpisode) => void) | null;
}

/**
 * PPO's tap for the viewer: an EpisodeTap, plus bookkeeping that tells which of RUDDER's per-episode reports
 * is the captured episode. After arming, the sub-env may first finish the episode it was in (not recorded);
 * counting those ends gives the captured episode's index among RUDDER's reports for that sub-env.
 */
class LiveTap implements RolloutTap {
  env = -1;
  /** The sub-env armed for (stays set after the inner tap finishes, until the capture is delivered). */
  armedFor = -1;
  private started = false;
  private endsBefore = 0;
  /** How many of RUDDER's reports for `armedFor` precede the captured episode. */
  skip = 0;
  readonly rudderSeen: RudderEpisode[] = [];

  constructor(private readonly inner: EpisodeTap) {}

  arm(env: number): void {
    this.inner.arm(env);
    this.env = env;
    this.armedFor = env;
    this.started = false;
    this.endsBefore = this.skip = 0;
    this.rudderSeen.length = 0;
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

export class LiveSource {
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly numEnvs: number;
  readonly runDir: string | null;
  readonly runId: string | undefined;
  /** Pass as PPO's `tap` option. */
  readonly tap: RolloutTap;
  private readonly liveTap: LiveTap;
  private readonly listeners = new Map<number, Set<LiveListener>>();
  private readonly metricListeners = new Set<(row: MetricsRow) => void>();
  /** Episodes captured and delivered so far. */
  delivered = 0;

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

  /** Chains onto RUDDER's `onEpisode` (keeping a listener already there) to pair its reports with captures. */
  attachRudder(red: EpisodeHookHolder): void {
    const before = red.onEpisode;
    red.onEpisode = (e) => {
      before?.(e);
      if (e.env === this.liveTap.armedFor) this.liveTap.rudderSeen.push(e);
    };
  }

  private drawable: boolean | null = null;

  /** Calls `listener` with each next episode of sub-env `subEnv`; returns the unsubscribe function. */
  subscribe(subEnv: number, listener: LiveListener): () => void {
    if (!Number.isInteger(subEnv) || subEnv < 0 || subEnv >= this.numEnvs) throw new RangeError(`sub-env ${subEnv} does not exist: this run has sub-envs 0..${this.numEnvs - 1}`);
    if (this.drawable === null) {
      const env = make(this.envId, this.envKwargs);
      this.drawable = hasScene(env);
      env.close();
    }
    if (!this.drawable) throw new TypeError(`${this.envId} has no scene(), so its episodes cannot be shown live`);
    let set = this.listeners.get(subEnv);
    if (!set) this.listeners.set(subEnv, (set = new Set()));
    set.add(listener);
    if (this.liveTap.armedFor === -1) this.liveTap.arm(subEnv);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(subEnv);
      if (this.liveTap.armedFor === subEnv && !this.listeners.has(subEnv)) this.armNext(subEnv);
    };
  }

  /** Subscribers over all sub-envs. */
  get subscribers(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
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
    const fits = (e: RudderEpisode | undefined): e is RudderEpisode => e !== undefined && e.length === T && Math.abs(e.ret - c.return) <= 1e-6 * Math.max(1, Math.abs(c.return));
    const byCount = t.rudderSeen[t.skip];
    const rudder = fits(byCount) ? byCount : t.rudderSeen.find(fits) ?? null;
    const set = this.listeners.get(c.env);
    this.armNext(c.env);
    this.delivered++;
    for (const l of [...(set ?? [])]) {
      try {
        l({ captured: c, rudder });
      } catch {
        set!.delete(l);
      }
    }
  }

  // Arms the next sub-env with subscribers after `after` (round robin), or switches the tap off.
  private armNext(after: number): void {
    const envs = [...this.listeners.keys()].sort((a, b) => a - b);
    if (envs.length === 0) {
      this.liveTap.arm(-1); // off: PPO pays one comparison per step
      return;
    }
    this.liveTap.arm(envs.find((e) => e > after) ?? envs[0]!);
  }
}
