import { Rng } from '../envs/core/rng.ts';
import { Discrete, make } from '../envs/index.ts'; // the index registers the built-in envs
import type { RedistributedEpisode, RewardRedistribution, RolloutView } from '../agents/ppo/redistribution.ts';
import { StepEncoder, TimeEncoding } from './encode.ts';
import { EpisodeTrace, type ObservationFeatures } from './episode-trace.ts';
import { LessonsBuffer } from './lessons-buffer.ts';
import { LstmBatch } from './lstm-batch.ts';
import { ReturnDecomposition, type DecompositionConfig } from './return-decomposition.ts';
import { gridCodeCounts, gridEvents } from './grid-features.ts';
import { eventFeaturesFor } from '../envs/core/event-features.ts';
import type { FeatureName } from './settings.ts';
import type { Env } from '../envs/core/env.ts';

export type { ObservationFeatures } from './episode-trace.ts';

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
  /** Clip dL/dh_{t−1} through the recurrent weights to ±this in backpropagation (0: off); see LstmConfig. */
  recurrentGradClip: number;
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
   * How trust is measured. `episode`: per finished episode from its own error, as above (the papers').
   * `explained`: the share of the returns' variance the model explains, R² = 1 − E[(G − ŷ)²] / Var(G) (EMAs
   * over episodes, ŷ predicted before the model trains on the episode), the same q for every episode, 0
   * while R² < `minExplained`. Where the return holds noise no input can predict (distractor rewards paid
   * at the end), the per-episode error stays near the noise's share of G² however good the model is, and the
   * `episode` gate refuses it; R² still rises with what the model learns and is 0 for a mean predictor.
   * `none`: no gate, q = 1 for every episode once the warm-up is over (the tutorial's and the watch-repair
   * demo's form); each episode still pays exactly G, its last step taking what the prediction missed.
   */
  trustGate: 'episode' | 'explained' | 'none';
  /** The `explained` gate's threshold on R² (trust 0 below it). */
  minExplained: number;
  /**
   * Divide the LSTM's targets by this (the model's `returnScale`). `auto`: the first non-zero |G| seen,
   * then the RMS of the non-zero returns (an EMA) whenever it has moved more than 2× away, the head and
   * Adam's moments rescaled so predictions stay as they are; so the model, its losses and the lessons
   * buffer's loss priorities are the same at any return scale, and a first return that was noise (a
   * distractor's 0.03 on a task that pays 1) does not leave the targets at ×30.
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
  /**
   * Feed the terminal observation as a last input without an action, so the LSTM sees what the episode's
   * last action did (reaching the treasure, the last pins falling); its prediction step is paid to that action.
   */
  terminalObservation: boolean;
  /**
   * Feed each step's action one-hot to the LSTM (the papers' input). Without it the prediction can only
   * move with the observations, so PPO cannot be paid for actions that change nothing in the env.
   */
  actionInput: boolean;
  /** The Atari code's triangular time encoding appended to every input (max 10000, span 500 there), or none. */
  timeEncoding: { max: number; span: number } | null;
  /**
   * Extra training after each PPO update, as the watch-repair demo trains: minibatches of `batchSize`
   * buffer episodes until an EMA (decay 0.9) of their main loss falls below `lossThreshold` (in the model's
   * scaled units), at most `maxBatches`. null: only the per-episode steps above.
   */
  updateTraining: { batchSize: number; maxBatches: number; lossThreshold: number } | null;
  seed: number;
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
  units: 32, outputGate: false, forgetGate: false, fullyConnected: true, recurrentGradClip: 0, delta: true, decomposition: { learningRate: 1e-2, maxGradNorm: 0.5, l2: 1e-6 },
  buffer: 'prioritized', bufferCapacity: 64, warmupEpisodes: 20, replaysPerEpisode: 1, trace: 0, maxError: 0.2, vfContrib: 0.5, mode: 'reward', seed: 0,
  trustEps: 0.1, trustGate: 'episode', minExplained: 0.2, returnScale: 'auto', rrNormalization: 'advantage', terminalObservation: true, actionInput: true, timeEncoding: null, updateTraining: null,
};

/**
 * What RUDDER made of one finished episode, for a listener (`onEpisode`): the viewer plots it. Here
 * `predicted` is ŷ at the episode's end before training on it; `predictions` ŷ_t after each step (the last
 * one after the terminal observation, when fed); `redistributed` the current model's prediction differences
 * before the trace, plus at the last step the correction that makes them sum to G (steps from earlier
 * rollouts were paid by earlier models); `quality` 0 while RUDDER is not active or the gate refused it.
 */
export type RudderEpisode = RedistributedEpisode;

export interface RudderStats {
  episodes: number;
  /** Whether the redistribution is in use (warm-up done, at least two distinct returns seen). */
  active: boolean;
  /** Main loss (scaled units) of the last finished episode, before training on it. */
  lastLoss: number;
  /** Running mean of the trust weight q over finished episodes. */
  quality: number;
  bufferSize: number;
  /** Adam steps taken by the return-decomposition model. */
  trainSteps: number;
  /** Its steps dropped because the gradient overflowed (see ReturnDecomposition.skippedSteps). */
  skippedSteps: number;
}

/** RUDDER's learning state in a checkpoint (the arrays go in as tensors, see {@link RudderRedistribution.saveState}). */
export interface RudderCheckpointState {
  kind: 'rudder';
  version: 1;
  /** The settings it was built with (data only): a resume must use the same. */
  settings: RudderSavedSettings;
  episodes: number;
  lastLoss: number | null;
  qualityMean: number;
  avgReturn: number;
  avgSquaredReturn: number;
  /** EMA of (G − ŷ)² (the `explained` gate); absent in older checkpoints. */
  avgSquaredError?: number;
  /** EMA of G² over the episodes with G ≠ 0 (returnScale `auto`); absent in older checkpoints. */
  nonzeroSquaredReturn?: number;
  scaleFixed: boolean;
  returnScale: number;
  lossEma: number | null;
  adamStep: number;
  /** Absent in older checkpoints. */
  skippedSteps?: number;
  rng: ReturnType<Rng['getState']>;
  buffer: { next: number; lessons: { length: number; ret: number; loss: number }[] };
  traces: { length: number; paid: number; given?: number; carried: number; lastY: number; fresh: boolean }[];
}

/** RudderConfig's data (what a settings file can say), with the observation features by name or size. */
export type RudderSavedSettings = Omit<RudderConfig, 'features'> & { features: FeatureName | { dim: number } | null };

/**
 * RUDDER plugged into PPO through the {@link RewardRedistribution} seam (rudder.md §1.7).
 *
 * After each rollout, every env's steps are appended to its episode in progress (each step encoded once).
 * When an episode ends, the return-decomposition model takes one Adam step on it, and the same forward
 * pass redistributes it: prediction differences, plus at the last step the correction G − (everything paid
 * for the episode so far, in this rollout and earlier ones), trusted at q = 1 − err when
 * err = (G − ŷ)² / (G² + ε) < `maxError`; then it goes into the lessons buffer and the model trains on
 * `replaysPerEpisode` buffer samples. Steps of episodes still running at the end of the rollout get the
 * prediction differences of the LSTM run on from the state it reached at the previous rollout's end
 * (so the prefix is not re-run) with the running mean of q as trust: PPO cannot wait for long episodes to
 * end. The redistributed reward is then traced (λ = `trace`) within the rollout.
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
  /** The features by name when built by {@link forEnv} from a name (saved in checkpoints). */
  featureName: FeatureName | null = null;
  private readonly rng: Rng;
  private readonly encoder: StepEncoder;
  private traces: EpisodeTrace[] = [];
  private readonly running: number[] = []; // envs whose episode runs past this rollout
  private carryPass: LstmBatch | null = null;
  private readonly obsDim: number; // of the rollout's observations
  private episodes = 0;
  private lastLoss = NaN;
  private qualityMean = 0;
  private avgReturn = 0; // EMA (decay 0.99) of episode returns: the Atari code's ε
  private avgSquaredReturn = 0; // EMA (decay 0.99) of G²: the scale-free ε
  private avgSquaredError = 0; // EMA (decay 0.99) of (G − ŷ)²: the `explained` gate
  private nonzeroSquaredReturn = 0; // EMA (decay 0.99) of G² over episodes with G ≠ 0: `auto`'s scale
  private scaleFixed: boolean; // whether the model's returnScale is set (always, unless `auto` saw no return yet)
  private lossEma = NaN; // updateTraining's EMA of minibatch main losses
  private preds = new Float32Array(0);
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
    if (c.trustGate !== 'episode' && c.trustGate !== 'explained' && c.trustGate !== 'none') throw new RangeError(`RUDDER: trustGate must be 'episode', 'explained' or 'none', got ${JSON.stringify(c.trustGate)}`);
    if (!(c.minExplained >= 0 && c.minExplained <= 1)) throw new RangeError(`RUDDER: minExplained must be in [0, 1], got ${c.minExplained}`);
    if (!(c.returnScale === 'auto' || (typeof c.returnScale === 'number' && c.returnScale > 0))) throw new RangeError(`RUDDER: returnScale must be a positive number or 'auto', got ${JSON.stringify(c.returnScale)}`);
    const u = c.updateTraining;
    if (u && !(Number.isInteger(u.batchSize) && u.batchSize >= 1 && Number.isInteger(u.maxBatches) && u.maxBatches >= 0 && u.lossThreshold >= 0)) {
      throw new RangeError(`RUDDER: updateTraining needs a positive integer batchSize, an integer maxBatches ≥ 0 and a lossThreshold ≥ 0, got ${JSON.stringify(u)}`);
    }
    this.scaleFixed = c.returnScale !== 'auto';
    this.obsDim = obsDim;
    const featDim = c.features ? c.features.dim : obsDim;
    const time = c.timeEncoding ? new TimeEncoding(c.timeEncoding.max, c.timeEncoding.span) : null;
    this.encoder = new StepEncoder(featDim, c.actionInput ? [c.numActions] : [], { delta: c.delta, time });
    this.model = new ReturnDecomposition({ inputDim: this.encoder.width, units: c.units, outputGate: c.outputGate, forgetGate: c.forgetGate, fullyConnected: c.fullyConnected, recurrentGradClip: c.recurrentGradClip, init: 'atari', seed: c.seed }, { ...c.decomposition, returnScale: c.returnScale === 'auto' ? 1 : c.returnScale });
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
      const features = typeof cfg.features === 'string' ? namedFeatures(cfg.features, envId, envKwargs, env.unwrapped, obsDim) : (cfg.features ?? null);
      const red = new RudderRedistribution(obsDim, { ...cfg, features, numActions: env.actionSpace.n });
      if (typeof cfg.features === 'string') red.featureName = cfg.features;
      return red;
    } finally {
      env.close();
    }
  }

  get active(): boolean {
    return this.episodes >= this.cfg.warmupEpisodes && this.buffer.distinctReturns >= 2;
  }

  stats(): RudderStats {
    return { episodes: this.episodes, active: this.active, lastLoss: this.lastLoss, quality: this.qualityMean, bufferSize: this.buffer.size, trainSteps: this.model.adam.step, skippedSteps: this.model.skippedSteps };
  }

  redistribute(v: RolloutView, rr: Float32Array, quality: Float32Array): void {
    const { numSteps: T, numEnvs: N, obsDim: D } = v;
    if (D !== this.obsDim) throw new RangeError(`RUDDER: the model was built for observations of ${this.obsDim} values, the rollout has ${D}`);
    this.globalStep = v.globalStep;
    while (this.traces.length < N) this.traces.push(new EpisodeTrace(this.encoder, this.cfg.features, T, this.cfg.units));
    for (let n = 0; n < N; n++) {
      const ep = this.traces[n]!;
      ep.fitRollout(T);
      for (let t = 0; t < T; t++) {
        const k = t * N + n;
        if (!v.valid[k]) continue;
        const a = v.actions[k]!;
        if (!(a >= 0 && a < this.cfg.numActions)) throw new RangeError(`RUDDER: action ${a} at rollout step ${t}, env ${n} is outside 0..${this.cfg.numActions - 1}`);
        ep.push(v.obs, k * D, a, v.rewards[k]!, t);
        if (v.terminated[k] || v.truncated[k]) {
          // NEXT_STEP autoreset: the next row (or, at the rollout's end, nextObs) holds the terminal observation.
          if (this.cfg.terminalObservation) {
            if (t + 1 < T) ep.pushTerminal(v.obs, (k + N) * D);
            else ep.pushTerminal(v.nextObs, n * D);
          }
          this.finish(ep, n, N, rr, quality);
          ep.clear();
        }
      }
      if (ep.count > 0 && this.active) this.running.push(n);
    }
    // The episodes still running: their new steps, all envs in one batched pass from their carried states.
    if (this.running.length > 0) this.writePrefixes(N, rr, quality);
    this.running.length = 0;
    for (let n = 0; n < N; n++) {
      const ep = this.traces[n]!;
      // What PPO is given for the running episode's steps in this rollout (the closure at its end counts it).
      for (let i = 0; i < ep.count; i++) {
        const k = ep.rows[i]! * N + n;
        ep.given += quality[k]! * rr[k]! + (1 - quality[k]!) * ep.rewards[ep.start + i]!;
      }
      ep.nextRollout();
    }
  }

  /**
   * Reward mode: PPO mixes each step as q·rr + (1 − q)·r_env, and the steps of a long episode were mixed
   * at the running trust (earlier rollouts) and at the episode's own (this one). Unless the two agree the
   * mix no longer sums to G: an episode whose gate refused it (q = 0) got G on its last step on top of the
   * prediction differences paid while it ran (Bowling-v0, 10 seeds: median 170 then, 248 with this). So the
   * last step is paid, untouched by the mix (q = 1), exactly G minus what every other step was given.
   */
  private closeEpisode(ep: EpisodeTrace, ret: number, n: number, N: number, rr: Float32Array, quality: Float32Array): void {
    let given = ep.given;
    for (let i = 0; i < ep.count - 1; i++) {
      const k = ep.rows[i]! * N + n;
      given += quality[k]! * rr[k]! + (1 - quality[k]!) * ep.rewards[ep.start + i]!;
    }
    const last = ep.rows[ep.count - 1]! * N + n;
    rr[last] = ret - given;
    quality[last] = 1;
  }

  /** After PPO's update: the demo's training until the loss is low, when asked (`updateTraining`). */
  afterUpdate(): void {
    const u = this.cfg.updateTraining;
    if (!u || this.buffer.size === 0 || !(this.episodes >= this.cfg.warmupEpisodes)) return;
    for (let b = 0; b < u.maxBatches && !(this.lossEma < u.lossThreshold); b++) {
      const loss = this.model.trainBatch(this.buffer.sample(u.batchSize, this.rng)).main;
      this.lossEma = Number.isNaN(this.lossEma) ? loss : 0.9 * this.lossEma + 0.1 * loss;
    }
    // A new batch of episodes arrives with the next rollout: judge the model afresh on it.
    if (this.lossEma < u.lossThreshold) this.lossEma = NaN;
  }

  /** PPO restarted its envs (a resume): the episodes in progress are gone. */
  resetEpisodes(): void {
    for (const ep of this.traces) ep.clear();
  }

  private scratch(n: number): { preds: Float32Array; r: Float32Array } {
    if (this.r.length < n) {
      this.r = new Float32Array(2 * n);
      this.preds = new Float32Array(2 * n);
    }
    return { preds: this.preds, r: this.r };
  }

  /** New target units for the model (returnScale `auto`), and everything kept in the old ones with it. */
  private rescale(scale: number): void {
    const k = this.model.rescaleReturns(scale), k2 = k * k;
    for (const ep of this.traces) ep.lastY *= k;
    for (const l of this.buffer.all()) l.loss *= k2;
    this.lossEma *= k2;
    this.lastLoss *= k2;
  }

  /** A finished episode: one Adam step on it, whose forward pass also redistributes it; then replays. */
  private finish(ep: EpisodeTrace, n: number, N: number, rr: Float32Array, quality: Float32Array): void {
    const L = ep.length, rows = L + (this.cfg.terminalObservation ? 1 : 0), W = ep.width;
    let ret = 0;
    for (let i = 0; i < L; i++) ret += ep.rewards[i]!;
    // Until the first non-zero return every target is 0 at any scale; that return then sets the scale.
    if (!this.scaleFixed && ret !== 0) {
      this.model.setReturnScale(Math.abs(ret));
      this.scaleFixed = true;
      this.nonzeroSquaredReturn = ret * ret;
    } else if (ret !== 0 && this.cfg.returnScale === 'auto') {
      this.nonzeroSquaredReturn = 0.99 * this.nonzeroSquaredReturn + 0.01 * ret * ret;
      const rms = Math.sqrt(this.nonzeroSquaredReturn), scale = this.model.cfg.returnScale;
      if (rms > 2 * scale || rms < 0.5 * scale) this.rescale(rms);
    }
    const { preds, r } = this.scratch(rows);
    // The lesson keeps its own copy of the inputs; the model's step reads them and writes ŷ before the step.
    const lesson = { inputs: ep.inputs.slice(0, rows * W), length: rows, ret, loss: 0 };
    lesson.loss = this.model.trainEpisode(lesson, preds).main;
    this.lastLoss = lesson.loss;
    predictionDifferences(preds, L, rows, r);
    const predicted = preds[rows - 1]!, rest = ret - predicted;
    // Never hand PPO a NaN: 0·NaN is NaN, so even an untrusted one would poison every weight.
    if (!Number.isFinite(predicted)) throw new Error(`RUDDER: the LSTM's return prediction is ${predicted} (its weights are not finite); the run cannot go on with RUDDER`);
    const error = this.relativeError(ret, rest);
    const q = this.active ? this.trust(error) : 0;
    let whole: Float32Array | null = null, predictions: Float32Array | null = null;
    if (this.onEpisode) {
      predictions = preds.slice(0, L);
      predictions[L - 1] = predicted; // after the terminal observation, when fed: the running sum of r
      // For a listener: the current model's view of the whole episode, corrected to pay exactly G.
      whole = r.slice(0, L);
      whole[L - 1]! += rest;
    }
    // The papers' correction R_{T+2} = G − Σ R, paid at the last step: what this episode was paid in
    // earlier rollouts (by earlier versions of the model) counts, so the whole episode pays exactly G.
    if (this.active) {
      let sum = ep.paid;
      for (let i = ep.start; i < L; i++) sum += r[i]!;
      r[L - 1]! += ret - sum;
      this.qualityMean += 0.05 * (q - this.qualityMean);
      this.write(ep, r, q, n, N, rr, quality);
      if (this.mode === 'reward') this.closeEpisode(ep, ret, n, N, rr, quality);
    }
    this.onEpisode?.({ env: n, globalStep: this.globalStep, length: L, ret, predicted, predictions: predictions!, redistributed: whole!, quality: q, error, active: this.active });
    this.buffer.add(lesson);
    for (let k = 0; k < this.cfg.replaysPerEpisode; k++) {
      const [old] = this.buffer.sample(1, this.rng);
      old!.loss = this.model.trainBatch([old!]).main;
    }
    this.avgReturn = this.episodes === 0 ? ret : 0.99 * this.avgReturn + 0.01 * ret;
    this.avgSquaredReturn = this.episodes === 0 ? ret * ret : 0.99 * this.avgSquaredReturn + 0.01 * ret * ret;
    this.avgSquaredError = this.episodes === 0 ? rest * rest : 0.99 * this.avgSquaredError + 0.01 * rest * rest;
    this.episodes++;
  }

  /**
   * The current model's view of one finished episode that PPO did not play (`rudder eval --record`), as
   * `onEpisode` reports a training episode: prediction differences, the last step corrected to pay G, the
   * trust it would get. Forward only: the model, its statistics and the buffer are untouched.
   * `obs` [(T + 1) · obsDim]: s_0 … s_T (s_T the terminal observation); `actions`, `rewards` [T].
   */
  episodeView(obs: Float32Array, actions: ArrayLike<number>, rewards: ArrayLike<number>, env = 0): RudderEpisode {
    const L = actions.length, D = this.obsDim;
    if (L < 1 || rewards.length !== L || obs.length !== (L + 1) * D) {
      throw new RangeError(`RUDDER episodeView: ${L} actions, ${rewards.length} rewards and ${obs.length} observation values; expected T ≥ 1 actions, T rewards and (T + 1) × ${D} values`);
    }
    const ep = new EpisodeTrace(this.encoder, this.cfg.features, L, this.cfg.units);
    let ret = 0;
    for (let t = 0; t < L; t++) {
      const a = actions[t]!;
      if (!(Number.isInteger(a) && a >= 0 && a < this.cfg.numActions)) throw new RangeError(`RUDDER episodeView: action ${a} at step ${t} is outside 0..${this.cfg.numActions - 1}`);
      ep.push(obs, t * D, a, rewards[t]!, t);
      ret += rewards[t]!;
    }
    if (this.cfg.terminalObservation) ep.pushTerminal(obs, L * D);
    const rows = L + (this.cfg.terminalObservation ? 1 : 0);
    const preds = this.model.predict({ inputs: ep.inputs, length: rows });
    // As finish(): differences, the terminal input's difference to the last action, G − ŷ paid at the end.
    const r = predictionDifferences(preds, L, rows, new Float32Array(L));
    const predicted = preds[rows - 1]!, rest = ret - predicted;
    r[L - 1]! += rest;
    const predictions = preds.slice(0, L);
    predictions[L - 1] = predicted;
    const error = this.relativeError(ret, rest);
    return { env, globalStep: this.globalStep, length: L, ret, predicted, predictions, redistributed: r, quality: this.active ? this.trust(error) : 0, error, active: this.active };
  }

  /** The gate's relative squared error (G − ŷ)² / (G² + ε) of an episode with return `ret` and residual `rest` = G − ŷ. */
  private relativeError(ret: number, rest: number): number {
    const eps = this.cfg.trustEps === 'atari' ? Math.sqrt(Math.max(Math.abs(this.avgReturn), 1e-5)) : this.cfg.trustEps * this.avgSquaredReturn;
    return (rest * rest) / (ret * ret + eps);
  }

  /** The trust q of a finished episode with relative error `error` (the `explained` gate: of the episodes before it). */
  private trust(error: number): number {
    if (this.cfg.trustGate === 'none') return 1;
    if (this.cfg.trustGate === 'episode') return error < this.cfg.maxError ? 1 - error : 0;
    const variance = this.avgSquaredReturn - this.avgReturn * this.avgReturn;
    const explained = variance > 0 ? 1 - this.avgSquaredError / variance : 0;
    return explained >= this.cfg.minExplained ? Math.min(1, explained) : 0;
  }

  /**
   * The running episodes' steps in this rollout: the LSTM runs on from the state each reached over its
   * earlier rows (each row once in the episode's life; all envs together on LstmBatch), and the prediction
   * differences are trusted at the running q.
   */
  private writePrefixes(N: number, rr: Float32Array, quality: Float32Array): void {
    const eps = this.running.map((n) => this.traces[n]!), W = this.encoder.width;
    const pass = (this.carryPass ??= new LstmBatch(this.model.lstm));
    pass.forward(eps.map((ep) => ep.inputs.subarray(ep.carried * W, ep.length * W)), eps.map((ep) => ep.length - ep.carried), eps.map((ep) => ep.state));
    const y = pass.out, scale = this.model.cfg.returnScale;
    eps.forEach((ep, b) => {
      const L = ep.length, from = ep.carried, { r } = this.scratch(L);
      let prev = ep.lastY;
      for (let i = from; i < L; i++) {
        const yi = y[pass.index(b, i - from)]!;
        r[i] = (yi - prev) * scale; // model units to return units
        prev = yi;
      }
      ep.lastY = prev;
      pass.finalState(b, ep.state);
      ep.carried = L;
      for (let i = ep.start; i < L; i++) ep.paid += r[i]!;
      this.write(ep, r, this.qualityMean, this.running[b]!, N, rr, quality);
    });
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

  /** The settings as data, for a checkpoint (features by name, or by size when given as code). */
  savedSettings(): RudderSavedSettings {
    const { features, ...rest } = this.cfg;
    return JSON.parse(JSON.stringify({ ...rest, features: this.featureName ?? (features ? { dim: features.dim } : null) })) as RudderSavedSettings;
  }

  /**
   * Everything RUDDER has learned and is in the middle of, for a checkpoint: the LSTM, its Adam moments,
   * the lessons buffer, the trust statistics, the RNG and the episodes in progress. Tensors are named
   * `lstm/i`, `adam_m/i`, `adam_v/i`, `lessons` (the buffer's inputs back to back) and `trace/n/…`.
   */
  saveState(): { state: RudderCheckpointState; tensors: Record<string, Float32Array> } {
    const tensors: Record<string, Float32Array> = {};
    const params = this.model.lstm.params();
    params.forEach((p, i) => {
      tensors[`lstm/${i}`] = p;
      tensors[`adam_m/${i}`] = this.model.adam.m[i]!;
      tensors[`adam_v/${i}`] = this.model.adam.v[i]!;
    });
    const lessons = this.buffer.all(), W = this.encoder.width;
    const all = new Float32Array(lessons.reduce((s, l) => s + l.length * W, 0));
    let at = 0;
    for (const l of lessons) {
      all.set(l.inputs.subarray(0, l.length * W), at);
      at += l.length * W;
    }
    tensors.lessons = all;
    this.traces.forEach((ep, n) => {
      tensors[`trace/${n}/inputs`] = ep.inputs.slice(0, ep.length * W);
      tensors[`trace/${n}/rewards`] = ep.rewards.slice(0, ep.length);
      tensors[`trace/${n}/prev`] = ep.prev;
      tensors[`trace/${n}/c`] = ep.state.c;
      tensors[`trace/${n}/h`] = ep.state.h;
    });
    const state: RudderCheckpointState = {
      kind: 'rudder', version: 1, settings: this.savedSettings(), episodes: this.episodes, lastLoss: Number.isNaN(this.lastLoss) ? null : this.lastLoss,
      qualityMean: this.qualityMean, avgReturn: this.avgReturn, avgSquaredReturn: this.avgSquaredReturn, avgSquaredError: this.avgSquaredError, nonzeroSquaredReturn: this.nonzeroSquaredReturn, scaleFixed: this.scaleFixed,
      returnScale: this.model.cfg.returnScale, lossEma: Number.isNaN(this.lossEma) ? null : this.lossEma, adamStep: this.model.adam.step, skippedSteps: this.model.skippedSteps,
      rng: this.rng.getState(), buffer: { next: this.buffer.nextSlot, lessons: lessons.map((l) => ({ length: l.length, ret: l.ret, loss: l.loss })) },
      traces: this.traces.map((ep) => ({ length: ep.length, paid: ep.paid, given: ep.given, carried: ep.carried, lastY: ep.lastY, fresh: ep.state.fresh })),
    };
    return { state, tensors };
  }

  /** Put a {@link saveState} back (into a RUDDER built with the same settings); `label` names the checkpoint in errors. */
  restoreState(state: RudderCheckpointState, tensors: Record<string, Float32Array>, label = 'checkpoint'): void {
    if (state?.kind !== 'rudder' || state.version !== 1) throw new Error(`${label}: not a RUDDER state (kind ${JSON.stringify(state?.kind)}, version ${JSON.stringify(state?.version)})`);
    const mine = this.savedSettings();
    for (const k of Object.keys(mine) as (keyof RudderSavedSettings)[]) {
      // A setting added since the checkpoint was written counts as its default there.
      const saved = k in state.settings ? state.settings[k] : (RUDDER_DEFAULTS as Partial<RudderSavedSettings>)[k];
      if (JSON.stringify(mine[k]) !== JSON.stringify(saved)) {
        throw new Error(`${label}: RUDDER was trained with ${k} = ${JSON.stringify(saved)}, this run has ${JSON.stringify(mine[k])}`);
      }
    }
    const need = (name: string, len: number): Float32Array => {
      const t = tensors[name];
      if (!t || t.length !== len) throw new Error(`${label}: RUDDER tensor ${name} has ${t?.length ?? 'no'} values, ${len} expected`);
      return t;
    };
    const W = this.encoder.width;
    this.model.lstm.params().forEach((p, i) => {
      p.set(need(`lstm/${i}`, p.length));
      this.model.adam.m[i]!.set(need(`adam_m/${i}`, p.length));
      this.model.adam.v[i]!.set(need(`adam_v/${i}`, p.length));
    });
    this.model.adam.step = state.adamStep;
    this.model.skippedSteps = state.skippedSteps ?? 0;
    this.model.setReturnScale(state.returnScale);
    const all = need('lessons', state.buffer.lessons.reduce((s, l) => s + l.length * W, 0));
    let at = 0;
    this.buffer.restore(state.buffer.lessons.map((l) => {
      const inputs = all.slice(at, at + l.length * W);
      at += l.length * W;
      return { inputs, length: l.length, ret: l.ret, loss: l.loss };
    }), state.buffer.next);
    this.traces = state.traces.map((s, n) => {
      const ep = new EpisodeTrace(this.encoder, this.cfg.features, 1, this.cfg.units);
      ep.reserve(s.length);
      ep.inputs.set(need(`trace/${n}/inputs`, s.length * W));
      ep.rewards.set(need(`trace/${n}/rewards`, s.length));
      ep.prev.set(need(`trace/${n}/prev`, ep.prev.length));
      ep.state.c.set(need(`trace/${n}/c`, this.cfg.units));
      ep.state.h.set(need(`trace/${n}/h`, this.cfg.units));
      ep.state.fresh = s.fresh;
      ep.length = ep.start = s.length;
      ep.paid = s.paid;
      ep.given = s.given ?? 0;
      ep.carried = s.carried;
      ep.lastY = s.lastY;
      return ep;
    });
    this.episodes = state.episodes;
    this.lastLoss = state.lastLoss ?? NaN;
    this.qualityMean = state.qualityMean;
    this.avgReturn = state.avgReturn;
    this.avgSquaredReturn = state.avgSquaredReturn;
    this.avgSquaredError = state.avgSquaredError ?? 0;
    this.nonzeroSquaredReturn = state.nonzeroSquaredReturn ?? state.returnScale * state.returnScale;
    this.scaleFixed = state.scaleFixed;
    this.lossEma = state.lossEma ?? NaN;
    this.rng.setState(state.rng);
  }
}

/**
 * Prediction differences per step into `r` [L] from predictions `preds` [rows]: r_0 = ŷ_0, r_t = ŷ_t − ŷ_{t−1};
 * with the terminal input (rows = L + 1) its difference goes to the last action.
 */
function predictionDifferences(preds: Float32Array, L: number, rows: number, r: Float32Array): Float32Array {
  for (let i = 0; i < L; i++) r[i] = preds[i]! - (i > 0 ? preds[i - 1]! : 0);
  if (rows > L) r[L - 1]! += preds[L]! - preds[L - 1]!;
  return r;
}

/** Observation features chosen by name (settings files, the CLI) for an env of `obsDim` flat values. */
function namedFeatures(name: FeatureName, envId: string, envKwargs: Record<string, unknown>, env: Env<unknown, unknown>, obsDim: number): ObservationFeatures | null {
  if (name === 'observation') return null;
  if (name === 'declared') {
    // The slice the env declares as its events (`register(id, factory, { eventFeatures })`, as Align-RUDDER reads it).
    const slice = eventFeaturesFor(envId, envKwargs);
    if (!slice) throw new Error(`RUDDER features "declared": ${envId} declares no event features (register(id, factory, { eventFeatures }))`);
    const { offset, length } = slice;
    return { dim: length, write: (obs, at, out, outAt) => { for (let j = 0; j < length; j++) out[outAt + j] = obs[at + offset + j]!; } };
  }
  // gridCodeCounts: a grid env's `codes` observation, [size²] cell codes then its extras.
  const size = (env as { size?: unknown }).size;
  if (typeof size !== 'number' || !(obsDim > size * size && obsDim - size * size < size * size)) { // extras are few; onehot/image are not codes
    throw new Error(`RUDDER features "${name}" need a grid env with a \`codes\` observation (size² cell codes, then extras); ${envId} has ${obsDim} observation values${typeof size === 'number' ? ` for size ${size}` : ' and no size'}`);
  }
  return name === 'gridEvents' ? gridEvents(size, obsDim - size * size) : gridCodeCounts(size, obsDim - size * size);
}
