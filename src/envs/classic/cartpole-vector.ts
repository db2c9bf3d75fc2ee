import { invalidActionError, type Info, type RenderMode } from '../core/env.ts';
import { InvalidActionError, ResetNeededError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { EnvSpec } from '../core/spec.ts';
import type { Box } from '../spaces/box.ts';
import type { Discrete } from '../spaces/discrete.ts';
import type { MultiDiscrete } from '../spaces/multi-discrete.ts';
import { show } from '../spaces/space.ts';
import {
  AutoresetMode, parseAutoresetMode, subEnvSeeds,
  type VectorEnv, type VectorEnvMetadata, type VectorResetOptions, type VectorResetResult, type VectorStepResult,
} from '../vector/vector-env.ts';
import { CartPoleEnv } from './cartpole.ts';
import { cartPoleStep } from './cartpole-physics.ts';

export interface CartPoleVectorOptions {
  /** Default `next_step`, as Gymnasium 1.x. */
  autoresetMode?: AutoresetMode;
  /** Truncate after this many steps (CartPole-v1: 500, v0: 200); null: never. Default 500. */
  maxEpisodeSteps?: number | null;
  /** Sutton & Barto's reward: 0 per step and −1 on termination. */
  suttonBartoReward?: boolean;
  /** Only null: the native vector env does not render. */
  renderMode?: RenderMode | null;
}

const EMPTY_INFO: Info = Object.freeze({}) as Info;

/**
 * CartPole natively vectorised (Gymnasium's CartPoleVectorEnv): the state of all sub-envs lives in one
 * Float64Array, stepped by the same `cartPoleStep` as {@link CartPoleEnv}, with the time limit built in.
 * Sub-env i owns its Rng (seeded seed + i), drawn in the same order as CartPoleEnv's, so a run is bit for
 * bit the run of SyncVectorEnv over `make('CartPole-v1')` with the same seeds and actions, only faster.
 * Actions are an Int32Array `[numEnvs]` of 0/1; results and buffers are reused (no allocation per step).
 */
export class CartPoleVectorEnv implements VectorEnv<Float32Array, Int32Array> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete;
  readonly observationSpace: Box;
  readonly actionSpace: MultiDiscrete;
  readonly metadata: VectorEnvMetadata;
  readonly renderMode: RenderMode | null = null;
  spec: EnvSpec | null = null;
  readonly maxEpisodeSteps: number | null;
  /**
   * `[numEnvs * 4]`: sub-env i's `[x, ẋ, θ, θ̇]` at 4i. One typed array for all sub-envs rather than one
   * per field, because `cartPoleStep` (shared with the single env for bit-identical physics) reads a
   * contiguous state.
   */
  readonly state: Float64Array;
  /** `[numEnvs]`: steps since the sub-env's last reset. */
  readonly elapsedSteps: Int32Array;
  private readonly rngs: (Rng | null)[];
  private readonly needsReset: Uint8Array;
  private readonly obs: Float32Array;
  private readonly finalObs: Float32Array | null;
  private readonly rewards: Float64Array;
  private readonly terminations: Uint8Array;
  private readonly truncations: Uint8Array;
  private readonly finalMask: Uint8Array | null;
  private readonly finalInfos: (Info | null)[] | null;
  private readonly infos: Info[];
  private readonly sameStep: boolean;
  private readonly suttonBarto: boolean;
  private readonly resetResult: VectorResetResult<Float32Array>;
  private readonly stepResult: VectorStepResult<Float32Array>;
  private hasReset = false;
  private isClosed = false;

  constructor(numEnvs: number, options: CartPoleVectorOptions = {}) {
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`CartPoleVectorEnv: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    if (options.renderMode !== undefined && options.renderMode !== null) {
      throw new RangeError(`CartPoleVectorEnv: renderMode "${options.renderMode}" is not supported; use makeVec(id, n, { vectorizationMode: 'sync' }) to render`);
    }
    const max = options.maxEpisodeSteps === undefined ? 500 : options.maxEpisodeSteps;
    if (max !== null && (!Number.isInteger(max) || max <= 0)) throw new RangeError(`CartPoleVectorEnv: maxEpisodeSteps must be a positive integer or null, got ${String(max)}`);
    const mode = parseAutoresetMode(options.autoresetMode, 'CartPoleVectorEnv');
    const single = new CartPoleEnv();
    const n = numEnvs;
    this.numEnvs = n;
    this.maxEpisodeSteps = max;
    this.singleObservationSpace = single.observationSpace;
    this.singleActionSpace = single.actionSpace;
    this.observationSpace = single.observationSpace.batch(n);
    this.actionSpace = single.actionSpace.batch(n);
    this.metadata = { renderModes: [], renderFps: 50, autoresetMode: mode };
    this.sameStep = mode === AutoresetMode.SAME_STEP;
    this.suttonBarto = options.suttonBartoReward ?? false;
    this.state = new Float64Array(4 * n);
    this.elapsedSteps = new Int32Array(n);
    this.rngs = new Array<Rng | null>(n).fill(null);
    this.needsReset = new Uint8Array(n);
    this.obs = new Float32Array(4 * n);
    this.finalObs = this.sameStep ? new Float32Array(4 * n) : null;
    this.rewards = new Float64Array(n);
    this.terminations = new Uint8Array(n);
    this.truncations = new Uint8Array(n);
    this.finalMask = this.sameStep ? new Uint8Array(n) : null;
    this.finalInfos = this.sameStep ? new Array<Info | null>(n).fill(null) : null;
    this.infos = new Array<Info>(n).fill(EMPTY_INFO);
    this.resetResult = { obs: this.obs, infos: this.infos };
    this.stepResult = {
      obs: this.obs, rewards: this.rewards, terminations: this.terminations, truncations: this.truncations,
      infos: this.infos, finalObs: this.finalObs, finalMask: this.finalMask, finalInfos: this.finalInfos,
    };
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** `options.options.low` / `high` set the uniform bounds of the initial state, as CartPoleEnv's. */
  reset(options: VectorResetOptions = {}): VectorResetResult<Float32Array> {
    if (this.isClosed) throw new Error('CartPoleVectorEnv: cannot call reset() after close()');
    const seeds = subEnvSeeds(options.seed, this.numEnvs, 'CartPoleVectorEnv');
    const o = options.options;
    const lo = typeof o?.low === 'number' ? o.low : -0.05;
    const hi = typeof o?.high === 'number' ? o.high : 0.05;
    for (let i = 0; i < this.numEnvs; i++) {
      const s = seeds[i];
      if (s !== undefined) {
        const r = this.rngs[i];
        if (r) r.reseed(s);
        else this.rngs[i] = new Rng(s);
      }
      this.resetOne(i, lo, hi);
      this.writeObs(this.obs, i);
      this.rewards[i] = 0;
      this.terminations[i] = 0;
      this.truncations[i] = 0;
      this.needsReset[i] = 0;
      if (this.finalMask) this.finalMask[i] = 0;
      if (this.finalInfos) this.finalInfos[i] = null;
    }
    this.hasReset = true;
    return this.resetResult;
  }

  step(actions: Int32Array): VectorStepResult<Float32Array> {
    if (!this.hasReset) {
      if (this.isClosed) throw new Error('CartPoleVectorEnv: cannot call step() after close()');
      throw new ResetNeededError('CartPoleVectorEnv: cannot call step() before reset(); call reset({ seed }) first');
    }
    const n = this.numEnvs;
    if (actions === null || actions === undefined || actions.length !== n) {
      throw new InvalidActionError(`CartPoleVectorEnv: actions ${actions?.length === undefined ? `is ${show(actions)}` : `has length ${actions.length}`}, expected ${n} (one 0/1 per sub-env)`);
    }
    const needsReset = this.needsReset, sameStep = this.sameStep;
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      if (a !== 0 && a !== 1 && (sameStep || needsReset[i] === 0)) throw invalidActionError(`CartPoleVectorEnv: sub-env ${i}`, this.singleActionSpace, a);
    }
    if (sameStep) this.stepSameStep(actions);
    else this.stepNextStep(actions);
    return this.stepResult;
  }

  // The two modes get their own tight loops (locals only, no per-sub-env branching on the mode).

  private stepNextStep(actions: Int32Array): void {
    const n = this.numEnvs, state = this.state, steps = this.elapsedSteps, obs = this.obs, needsReset = this.needsReset;
    const rewards = this.rewards, terms = this.terminations, truncs = this.truncations;
    const max = this.maxEpisodeSteps ?? 0x7fffffff, sb = this.suttonBarto;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      if (needsReset[i] === 1) {
        // The step after a done resets; the action is ignored.
        this.resetOne(i, -0.05, 0.05);
        rewards[i] = 0;
        terms[i] = 0;
        truncs[i] = 0;
        needsReset[i] = 0;
      } else {
        const terminated = cartPoleStep(state, o, actions[i]!);
        const truncated = ++steps[i]! >= max;
        rewards[i] = sb ? (terminated ? -1 : 0) : 1;
        terms[i] = terminated ? 1 : 0;
        truncs[i] = truncated ? 1 : 0;
        needsReset[i] = terminated || truncated ? 1 : 0;
      }
      obs[o] = state[o]!;
      obs[o + 1] = state[o + 1]!;
      obs[o + 2] = state[o + 2]!;
      obs[o + 3] = state[o + 3]!;
    }
  }

  private stepSameStep(actions: Int32Array): void {
    const n = this.numEnvs, state = this.state, steps = this.elapsedSteps, obs = this.obs;
    const finalObs = this.finalObs!, finalMask = this.finalMask!, finalInfos = this.finalInfos!;
    const rewards = this.rewards, terms = this.terminations, truncs = this.truncations;
    const max = this.maxEpisodeSteps ?? 0x7fffffff, sb = this.suttonBarto;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      const terminated = cartPoleStep(state, o, actions[i]!);
      const truncated = ++steps[i]! >= max;
      rewards[i] = sb ? (terminated ? -1 : 0) : 1;
      terms[i] = terminated ? 1 : 0;
      truncs[i] = truncated ? 1 : 0;
      if (terminated || truncated) {
        finalObs[o] = state[o]!;
        finalObs[o + 1] = state[o + 1]!;
        finalObs[o + 2] = state[o + 2]!;
        finalObs[o + 3] = state[o + 3]!;
        finalMask[i] = 1;
        finalInfos[i] = EMPTY_INFO;
        this.resetOne(i, -0.05, 0.05);
      } else {
        finalMask[i] = 0;
        finalInfos[i] = null;
      }
      obs[o] = state[o]!;
      obs[o + 1] = state[o + 1]!;
      obs[o + 2] = state[o + 2]!;
      obs[o + 3] = state[o + 3]!;
    }
  }

  close(): void {
    this.isClosed = true;
    this.hasReset = false;
  }

  toString(): string {
    return `CartPoleVectorEnv×${this.numEnvs}`;
  }

  /** CartPoleEnv.reset's draw: four uniforms in state order from the sub-env's own Rng. */
  private resetOne(i: number, lo: number, hi: number): void {
    const rng = (this.rngs[i] ??= new Rng());
    const o = 4 * i;
    for (let j = 0; j < 4; j++) this.state[o + j] = rng.uniform(lo, hi);
    this.elapsedSteps[i] = 0;
  }

  private writeObs(out: Float32Array, i: number): void {
    const o = 4 * i, s = this.state;
    out[o] = s[o]!;
    out[o + 1] = s[o + 1]!;
    out[o + 2] = s[o + 2]!;
    out[o + 3] = s[o + 3]!;
  }
}
