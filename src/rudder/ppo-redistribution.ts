import { Rng } from '../envs/core/rng.ts';
import { Discrete, make } from '../envs/index.ts'; // the index registers the built-in envs
import type { RewardRedistribution, RolloutView } from '../agents/ppo/redistribution.ts';
import { encodeEpisode } from './encode.ts';
import { LessonsBuffer } from './lessons-buffer.ts';
import { ReturnDecomposition, type DecompositionConfig } from './return-decomposition.ts';
import { gridCodeCounts } from './grid-features.ts';
import type { FeatureName } from './settings.ts';
import type { Env } from '../envs/core/env.ts';

/** RUDDER for PPO: settings (see RUDDER_DEFAULTS; the Atari code's are in rudder.md §1.5–1.8). */
export interface RudderConfig {
  /** Actions of the (Discrete) action space: the LSTM sees them one-hot. */
  numActions: number;
  /** LSTM units (the Atari code: 64; the demo: 16). */
  units: number;
  outputGate: boolean;
  forgetGate: boolean;
  /** Every gate sees x_t and h_{t−1}: lets the input gate open on the step an event happens. */
  fullyConnected: boolean;
  /** Feed state differences Δs_t (true, the demo after its fix) or raw states. */
  delta: boolean;
  /**
   * What the LSTM sees of an observation (default: the flat observation itself). The Atari code fed it
   * conv features; a grid env can pass position-invariant counts, so that "the door opened" is one input
   * wherever the door is.
   */
  features: ObservationFeatures | null;
  decomposition: Partial<DecompositionConfig>;
  /** Lessons buffer: loss-prioritised with 64 episodes (Atari), or a FIFO ring. */
  buffer: 'prioritized' | 'fifo';
  bufferCapacity: number;
  /** Episodes the model trains on before its redistribution is used (Atari: 20). */
  warmupEpisodes: number;
  /** Buffer episodes replayed for training after each finished episode (Atari: 1). */
  replaysPerEpisode: number;
  /** Eligibility trace on the redistributed reward, e_t = r_t + λ·e_{t+1} (Atari: 0.5). */
  trace: number;
  /** The redistribution is trusted only when (G − ŷ)² / (G² + ε) is below this (Atari: 0.2). */
  maxError: number;
  /**
   * The gate's ε. A number κ: ε = κ·E[G²] (an EMA of squared returns), in the error's own units, so the
   * gate decides the same at any return scale and a model that predicts the mean is refused on a task
   * with varied returns. `atari`: ε = √max(|avg return|, 1e-5), the Atari code's, which at returns ≲ 1
   * is about G² and lets a mean predictor through (measurements-2026-12.md §1).
   */
  trustEps: number | 'atari';
  /**
   * Divide the LSTM's targets by this (the model's `returnScale`). `auto`: the first non-zero |G| seen,
   * fixed from then on, so the model, its losses and the lessons buffer's loss priorities are the same
   * at any return scale.
   */
  returnScale: number | 'auto';
  /**
   * `advantage`: in PPO's advantage mix, RR is divided by the same std that normalises the minibatch's
   * environment advantages, so both are of the same order whatever the return scale. `none`: RR raw in
   * reward units, as the Atari code (where it is ~1/100 of the normalised advantage at returns ≲ 1).
   */
  rrNormalization: 'advantage' | 'none';
  /** Weight of the plain environment advantage in PPO's mix (Atari: 0.5). */
  vfContrib: number;
  /** Mix RR into PPO's advantages (`advantage`, the Atari code) or replace the reward before GAE (`reward`). */
  mode: 'advantage' | 'reward';
  seed: number;
}

/** Features of observation `obs[at … at + obsDim)` written to `out[outAt … outAt + dim)`. */
export interface ObservationFeatures {
  dim: number;
  write(obs: Float32Array, at: number, out: Float32Array, outAt: number): void;
}

/**
 * The defaults: the Atari code's buffer, gate threshold and vf_contrib, with the scale-free choices, and
 * the redistributed reward replacing the reward before GAE (`mode: 'reward'`, fully connected gates, no
 * trace). That variant was the best measured: on KeyDoorTreasure 12×12 delayed (10 seeds, BENCHMARKS.md)
 * a median success of 27 % against plain PPO's 16 %, better on 7 seeds, where the Atari code's advantage
 * mix made scale-free got 14 % (better on 4): the LSTM's redistribution is still noisy there, and the
 * advantage mix at full scale passes the noise on.
 */
export const RUDDER_DEFAULTS: Omit<RudderConfig, 'numActions'> = {
  features: null,
  units: 32, outputGate: false, forgetGate: false, fullyConnected: true, delta: true, decomposition: { learningRate: 1e-3, maxGradNorm: 0.5, l2: 1e-6 },
  buffer: 'prioritized', bufferCapacity: 64, warmupEpisodes: 20, replaysPerEpisode: 1, trace: 0, maxError: 0.2, vfContrib: 0.5, mode: 'reward', seed: 0,
  trustEps: 0.1, returnScale: 'auto', rrNormalization: 'advantage',
};

/**
 * One env's episode in progress: what the agent saw (as the LSTM's features, `width` per step) and did, and
 * where this rollout's steps of it sit.
 */
class EpisodeTrace {
  obs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  length = 0;
  /** Episode index of its first step in the current rollout, and the rollout row t of each of those steps. */
  start = 0;
  rows: Int32Array;
  count = 0;
  /** Redistributed reward already written for this episode in earlier rollouts (before tracing). */
  paid = 0;

  constructor(readonly width: number, numSteps: number, private readonly features: ObservationFeatures | null) {
    this.obs = new Float32Array(256 * width);
    this.actions = new Int32Array(256);
    this.rewards = new Float32Array(256);
    this.rows = new Int32Array(numSteps);
  }

  push(obs: Float32Array, at: number, action: number, reward: number, row: number): void {
    if (this.length === this.actions.length) {
      const grow = <A extends Float32Array | Int32Array>(a: A, make: (n: number) => A): A => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.obs = grow(this.obs, (n) => new Float32Array(n));
      this.actions = grow(this.actions, (n) => new Int32Array(n));
      this.rewards = grow(this.rewards, (n) => new Float32Array(n));
    }
    if (this.features) this.features.write(obs, at, this.obs, this.length * this.width);
    else this.obs.set(obs.subarray(at, at + this.width), this.length * this.width);
    this.actions[this.length] = action;
    this.rewards[this.length] = reward;
    this.length++;
    this.rows[this.count++] = row;
  }

  /** A new rollout starts: the steps so far belong to earlier ones. */
  nextRollout(): void {
    this.start = this.length;
    this.count = 0;
  }

  clear(): void {
    this.length = 0;
    this.start = 0;
    this.count = 0;
    this.paid = 0;
  }
}

/** What RUDDER made of one finished episode, for a listener (`onEpisode`): the viewer plots it. */
export interface RudderEpisode {
  /** Which sub-env of the vector env it ran in, and the env steps taken so far (at the end of its rollout). */
  env: number;
  globalStep: number;
  length: number;
  /** Its return G, and the model's prediction ŷ_{T−1} before training on it. */
  ret: number;
  predicted: number;
  /** The model's return prediction after each step, ŷ_t [length]. */
  predictions: Float32Array;
  /**
   * Redistributed reward per step [length] (before the trace): the current model's prediction
   * differences, plus at the last step the correction that makes them sum to G. (Steps from earlier
   * rollouts were paid by earlier models, and PPO's rows get the trace of these.)
   */
  redistributed: Float32Array;
  /** The trust q it was given (0 while RUDDER is not active or the gate refused it), and its error. */
  quality: number;
  error: number;
  active: boolean;
}

export interface RudderStats {
  episodes: number;
  /** Whether the redistribution is in use (warm-up done, at least two distinct returns seen). */
  active: boolean;
  /** Main loss (scaled units) of the last finished episode, before training on it. */
  lastLoss: number;
  /** Running mean of the trust weight q over finished episodes. */
  quality: number;
  bufferSize: number;
}

/**
 * RUDDER plugged into PPO through the {@link RewardRedistribution} seam (rudder.md §1.7).
 *
 * After each rollout, every env's steps are appended to its episode in progress. When an episode ends,
 * the return-decomposition model first redistributes it: prediction differences, plus at the last step the
 * correction G − (everything paid for the episode so far, in this rollout and earlier ones), trusted at
 * q = 1 − err when err = (G − ŷ)² / (G² + ε) < `maxError`, ε = √max(|avg return|, 1e-5) with the average
 * an EMA of decay 0.99, as in the Atari code; then it goes into the lessons buffer and the
 * model trains on it and on `replaysPerEpisode` buffer samples. Steps of episodes still running at the end
 * of the rollout get the prediction differences of their prefix (the LSTM is causal, so these are the
 * values the whole episode will give them) with the running mean of q as trust: PPO cannot wait for long
 * episodes to end. The redistributed reward is then traced (λ = `trace`) within the rollout.
 *
 * Only steps in the current rollout can be written: the earlier steps of a long episode were already used
 * by earlier updates.
 */
export class RudderRedistribution implements RewardRedistribution {
  readonly name = 'RUDDER';
  readonly cfg: RudderConfig;
  readonly vfContrib: number;
  readonly mode: 'advantage' | 'reward';
  readonly normalizeRr: boolean;
  readonly model: ReturnDecomposition;
  readonly buffer: LessonsBuffer;
  private readonly rng: Rng;
  private traces: EpisodeTrace[] = [];
  private obsDim = 0; // of the rollout's observations
  private featDim = 0; // of what the LSTM sees of them
  private episodes = 0;
  private lastLoss = NaN;
  private qualityMean = 0;
  private avgReturn = 0; // EMA (decay 0.99) of episode returns: the Atari code's ε
  private avgSquaredReturn = 0; // EMA (decay 0.99) of G²: the scale-free ε
  private scaleFixed: boolean; // whether the model's returnScale is set (always, unless `auto` saw no return yet)
  private inputs = new Float32Array(0);
  private r = new Float32Array(0);
  private globalStep = 0;
  /** Called with every finished episode's redistribution (copies are made only when it is set). */
  onEpisode: ((e: RudderEpisode) => void) | null = null;

  constructor(obsDim: number, cfg: Partial<RudderConfig> & Pick<RudderConfig, 'numActions'>) {
    // A returnScale given with the decomposition settings (as before `returnScale` was here) still counts.
    const scale = cfg.returnScale ?? cfg.decomposition?.returnScale ?? RUDDER_DEFAULTS.returnScale;
    this.cfg = { ...RUDDER_DEFAULTS, ...cfg, returnScale: scale, decomposition: { ...RUDDER_DEFAULTS.decomposition, ...cfg.decomposition } };
    const c = this.cfg;
    if (!(Number.isInteger(c.numActions) && c.numActions >= 1)) throw new RangeError(`RUDDER: numActions must be a positive integer, got ${c.numActions}`);
    if (!(c.trace >= 0 && c.trace <= 1)) throw new RangeError(`RUDDER: trace must be in [0, 1], got ${c.trace}`);
    this.vfContrib = c.vfContrib;
    this.mode = c.mode;
    this.normalizeRr = c.rrNormalization === 'advantage';
    if (!(c.trustEps === 'atari' || (typeof c.trustEps === 'number' && c.trustEps >= 0))) throw new RangeError(`RUDDER: trustEps must be a number ≥ 0 or 'atari', got ${JSON.stringify(c.trustEps)}`);
    if (!(c.returnScale === 'auto' || (typeof c.returnScale === 'number' && c.returnScale > 0))) throw new RangeError(`RUDDER: returnScale must be a positive number or 'auto', got ${JSON.stringify(c.returnScale)}`);
    this.scaleFixed = c.returnScale !== 'auto';
    this.obsDim = obsDim;
    this.featDim = c.features ? c.features.dim : obsDim;
    this.model = new ReturnDecomposition({ inputDim: this.featDim + c.numActions, units: c.units, outputGate: c.outputGate, forgetGate: c.forgetGate, fullyConnected: c.fullyConnected, init: 'atari', seed: c.seed }, { ...c.decomposition, returnScale: c.returnScale === 'auto' ? 1 : c.returnScale });
    this.buffer = new LessonsBuffer(c.buffer, c.bufferCapacity);
    this.rng = new Rng(c.seed + 1);
  }

  /**
   * RUDDER for PPO on `envId` (made with `envKwargs`): the observation size and the number of actions come
   * from the env's spaces. Only Discrete action spaces are supported.
   */
  static forEnv(envId: string, envKwargs: Record<string, unknown>, cfg: Partial<Omit<RudderConfig, 'features'>> & { features?: ObservationFeatures | FeatureName | null } = {}): RudderRedistribution {
    const env = make(envId, envKwargs);
    try {
      if (!(env.actionSpace instanceof Discrete)) throw new Error(`RUDDER needs a Discrete action space; ${envId} has ${env.actionSpace.constructor.name}`);
      const obsDim = (env.observationSpace.shape ?? []).reduce((a, b) => a * b, 1);
      const features = typeof cfg.features === 'string' ? namedFeatures(cfg.features, envId, env.unwrapped, obsDim) : (cfg.features ?? null);
      return new RudderRedistribution(obsDim, { ...cfg, features, numActions: env.actionSpace.n });
    } finally {
      env.close();
    }
  }

  get active(): boolean {
    return this.episodes >= this.cfg.warmupEpisodes && this.buffer.distinctReturns >= 2;
  }

  stats(): RudderStats {
    return { episodes: this.episodes, active: this.active, lastLoss: this.lastLoss, quality: this.qualityMean, bufferSize: this.buffer.size };
  }

  redistribute(v: RolloutView, rr: Float32Array, quality: Float32Array): void {
    const { numSteps: T, numEnvs: N, obsDim: D } = v;
    if (D !== this.obsDim) throw new RangeError(`RUDDER: the model was built for observations of ${this.obsDim} values, the rollout has ${D}`);
    this.globalStep = v.globalStep;
    while (this.traces.length < N) this.traces.push(new EpisodeTrace(this.featDim, T, this.cfg.features));
    for (let n = 0; n < N; n++) {
      const ep = this.traces[n]!;
      for (let t = 0; t < T; t++) {
        const k = t * N + n;
        if (!v.valid[k]) continue;
        const a = v.actions[k]!;
        if (!(a >= 0 && a < this.cfg.numActions)) throw new RangeError(`RUDDER: action ${a} at rollout step ${t}, env ${n} is outside 0..${this.cfg.numActions - 1}`);
        ep.push(v.obs, k * D, a, v.rewards[k]!, t);
        if (v.terminated[k] || v.truncated[k]) {
          this.finish(ep, n, N, rr, quality);
          ep.clear();
        }
      }
      if (ep.count > 0) this.writePrefix(ep, n, N, rr, quality);
      ep.nextRollout();
    }
  }

  private encode(ep: EpisodeTrace): Float32Array {
    const W = this.featDim + this.cfg.numActions;
    if (this.inputs.length < ep.length * W) this.inputs = new Float32Array(2 * ep.length * W);
    return encodeEpisode(ep.obs, this.featDim, ep.actions, [this.cfg.numActions], ep.length, { delta: this.cfg.delta, out: this.inputs });
  }

  private scratch(n: number): Float32Array {
    if (this.r.length < n) this.r = new Float32Array(2 * n);
    return this.r;
  }

  /** A finished episode: redistribute it, then learn from it. */
  private finish(ep: EpisodeTrace, n: number, N: number, rr: Float32Array, quality: Float32Array): void {
    const L = ep.length;
    let ret = 0;
    for (let i = 0; i < L; i++) ret += ep.rewards[i]!;
    const sample = { inputs: this.encode(ep), length: L, ret };
    // Until the first non-zero return every target is 0 at any scale; that return then sets the scale.
    if (!this.scaleFixed && ret !== 0) {
      this.model.setReturnScale(Math.abs(ret));
      this.scaleFixed = true;
    }
    if (this.active || this.onEpisode) {
      const r = this.scratch(L);
      const eps = this.cfg.trustEps === 'atari' ? Math.sqrt(Math.max(Math.abs(this.avgReturn), 1e-5)) : this.cfg.trustEps * this.avgSquaredReturn;
      const { quality: gate, predicted, error } = this.model.redistribute(sample, r, { correction: 'none', maxError: this.cfg.maxError, eps });
      const q = this.active ? gate : 0;
      // For a listener: the current model's view of the whole episode, corrected to pay exactly G.
      // (ŷ_t is the running sum of the uncorrected differences: no second forward pass.)
      const predictions = this.onEpisode ? new Float32Array(L) : null;
      const whole = this.onEpisode ? r.slice(0, L) : null;
      if (whole && predictions) {
        let all = 0;
        for (let i = 0; i < L; i++) predictions[i] = all += whole[i]!;
        whole[L - 1]! += ret - all;
      }
      // The papers' correction R_{T+2} = G − Σ R, paid at the last step: what this episode was paid in
      // earlier rollouts (by earlier versions of the model) counts, so the whole episode pays exactly G.
      let sum = ep.paid;
      for (let i = ep.start; i < L; i++) sum += r[i]!;
      r[L - 1]! += ret - sum;
      if (this.active) {
        this.qualityMean += 0.05 * (q - this.qualityMean);
        this.write(ep, r, q, n, N, rr, quality);
      }
      this.onEpisode?.({ env: n, globalStep: this.globalStep, length: L, ret, predicted, predictions: predictions!, redistributed: whole!, quality: q, error, active: this.active });
    }
    // Learn: the new episode (its loss before the step is its priority), then replays from the buffer.
    const lesson = { inputs: sample.inputs.slice(0, L * (this.featDim + this.cfg.numActions)), length: L, ret, loss: 0 };
    lesson.loss = this.model.trainBatch([lesson]).main;
    this.lastLoss = lesson.loss;
    this.buffer.add(lesson);
    for (let k = 0; k < this.cfg.replaysPerEpisode; k++) {
      const [old] = this.buffer.sample(1, this.rng);
      old!.loss = this.model.trainBatch([old!]).main;
    }
    this.avgReturn = this.episodes === 0 ? ret : 0.99 * this.avgReturn + 0.01 * ret;
    this.avgSquaredReturn = this.episodes === 0 ? ret * ret : 0.99 * this.avgSquaredReturn + 0.01 * ret * ret;
    this.episodes++;
  }

  /** A running episode's steps in this rollout: the prediction differences of its prefix, trusted at the running q. */
  private writePrefix(ep: EpisodeTrace, n: number, N: number, rr: Float32Array, quality: Float32Array): void {
    if (!this.active) return;
    const L = ep.length, r = this.scratch(L);
    this.model.predict({ inputs: this.encode(ep), length: L }, r);
    for (let t = L - 1; t > 0; t--) r[t] = r[t]! - r[t - 1]!;
    for (let i = ep.start; i < L; i++) ep.paid += r[i]!;
    this.write(ep, r, this.qualityMean, n, N, rr, quality);
  }

  /** Trace this rollout's part of r backwards and write it, with trust q, at the steps' rollout rows. */
  private write(ep: EpisodeTrace, r: Float32Array, q: number, n: number, N: number, rr: Float32Array, quality: Float32Array): void {
    let e = 0;
    for (let i = ep.count - 1; i >= 0; i--) {
      e = r[ep.start + i]! + this.cfg.trace * e;
      const k = ep.rows[i]! * N + n;
      rr[k] = e;
      quality[k] = q;
    }
  }
}

/** Observation features chosen by name (settings files, the CLI) for an env of `obsDim` flat values. */
function namedFeatures(name: FeatureName, envId: string, env: Env<unknown, unknown>, obsDim: number): ObservationFeatures | null {
  if (name === 'observation') return null;
  // gridCodeCounts: a grid env's `codes` observation, [size²] cell codes then its extras.
  const size = (env as { size?: unknown }).size;
  if (typeof size !== 'number' || !(obsDim > size * size && obsDim - size * size < size * size)) { // extras are few; onehot/image are not codes
    throw new Error(`RUDDER features "gridCodeCounts" need a grid env with a \`codes\` observation (size² cell codes, then extras); ${envId} has ${obsDim} observation values${typeof size === 'number' ? ` for size ${size}` : ' and no size'}`);
  }
  return gridCodeCounts(size, obsDim - size * size);
}
