import { EMPTY_INFO, type Info, invalidActionError, type RenderMode } from '../core/env.ts';
import { InvalidActionError, ResetNeededError } from '../core/errors.ts';
import { Rng, type RngState } from '../core/rng.ts';
import { checkStateConfig, EnvStateError, stateOfKind, type EnvState } from '../core/env-state.ts';
import { loadFields, saveFields, checkFields } from '../core/state-fields.ts';
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
import { CARTPOLE } from './cartpole-physics.ts';

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

/** What CartPoleVectorEnv.getState saves besides the RNGs (doneList: its first doneCount entries matter). */
const CARTPOLE_VECTOR_FIELDS = { scalars: ['doneCount', 'hasReset'], arrays: ['state', 'elapsedSteps', 'doneList', 'obs'] } as const;

// CARTPOLE's constants as module constants, which the step loops read as immediates.
const { gravity: GRAVITY, massPole: MASS_POLE, totalMass: TOTAL_MASS, length: LENGTH, poleMassLength: POLE_MASS_LENGTH } = CARTPOLE;
const { forceMag: FORCE_MAG, tau: TAU, xThreshold: X_THRESHOLD, thetaThresholdRadians: THETA_THRESHOLD } = CARTPOLE;

/**
 * CartPole natively vectorised (Gymnasium's CartPoleVectorEnv): the state of all sub-envs lives in one
 * Float64Array, stepped by the physics of `cartPoleStep` (the same operations as {@link CartPoleEnv}),
 * with the time limit built in.
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
   * `[numEnvs * 4]`: sub-env i's `[x, ẋ, θ, θ̇]` at 4i, float64: `state.subarray(4 * i, 4 * i + 4)` is
   * what CartPoleEnv's `state` would hold.
   */
  readonly state: Float64Array;
  /** `[numEnvs]`: steps since the sub-env's last reset. */
  readonly elapsedSteps: Int32Array;
  private readonly rngs: (Rng | null)[];
  /**
   * The sub-envs to autoreset, in increasing order: `doneList[0 … doneCount − 1]`. Under next_step, those
   * that finished last step and reset on this one; under same_step, those that finished this step.
   */
  private doneList: Int32Array;
  private doneCount = 0;
  /** next_step: where the step loop lists the sub-envs finishing this step (swapped with doneList). */
  private nextDoneList: Int32Array;
  /** `[numEnvs * 2]`: cos θ, sin θ of each sub-env, computed before the physics pass (see `trigPass`). */
  private readonly trig: Float64Array;
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
    this.doneList = new Int32Array(n);
    this.nextDoneList = new Int32Array(n);
    this.trig = new Float64Array(2 * n);
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
      this.drawInitialState(i, lo, hi);
      this.rewards[i] = 0;
      this.terminations[i] = 0;
      this.truncations[i] = 0;
      if (this.finalMask) this.finalMask[i] = 0;
      if (this.finalInfos) this.finalInfos[i] = null;
    }
    this.doneCount = 0;
    this.hasReset = true;
    return this.resetResult;
  }

  step(actions: Int32Array): VectorStepResult<Float32Array> {
    if (!this.hasReset) {
      if (this.isClosed) throw new Error('CartPoleVectorEnv: cannot call step() after close()');
      throw new ResetNeededError('CartPoleVectorEnv: cannot call step() before reset(); call reset({ seed }) first');
    }
    this.checkActions(actions);
    if (this.sameStep) {
      this.trigPass();
      this.stepSameStep(actions);
      if (this.doneCount > 0) this.autoreset(); // the sub-envs that finished just now
    } else {
      if (this.doneCount > 0) this.autoreset(); // the sub-envs that finished last step; the loop skips them
      this.trigPass();
      this.stepNextStep(actions);
    }
    return this.stepResult;
  }

  close(): void {
    this.isClosed = true;
    this.hasReset = false;
  }

  /** The env-state contract: every sub-env's physics, step count and RNG, and which sub-envs autoreset next. */
  getState(): EnvState {
    return {
      kind: 'CartPoleVectorEnv', config: this.stateConfig(), rngs: this.rngs.map((r) => r?.getState() ?? null),
      fields: saveFields(this, CARTPOLE_VECTOR_FIELDS, 'CartPoleVectorEnv.getState'),
    };
  }

  setState(state: EnvState): void {
    if (this.isClosed) throw new Error('CartPoleVectorEnv: cannot call setState() after close()');
    const s = stateOfKind(state, 'CartPoleVectorEnv', 'CartPoleVectorEnv');
    checkStateConfig(s.config, this.stateConfig(), 'CartPoleVectorEnv');
    const rngs = s.rngs;
    if (!Array.isArray(rngs) || rngs.length !== this.numEnvs) throw new EnvStateError(`CartPoleVectorEnv.setState: expected ${this.numEnvs} RNG states`);
    rngs.forEach((r: unknown, i) => {
      if (r === null) return;
      try {
        new Rng(0).setState(r as RngState);
      } catch (e) {
        throw new EnvStateError(`CartPoleVectorEnv.setState: rngs[${i}]: ${(e as Error).message}`);
      }
    });
    checkFields(this, CARTPOLE_VECTOR_FIELDS, s.fields, 'CartPoleVectorEnv.setState: fields');
    const doneCount = (s.fields as { doneCount?: unknown }).doneCount;
    if (!(Number.isInteger(doneCount) && (doneCount as number) >= 0 && (doneCount as number) <= this.numEnvs)) throw new EnvStateError(`CartPoleVectorEnv.setState: doneCount ${String(doneCount)} is outside 0..${this.numEnvs}`);
    loadFields(this, CARTPOLE_VECTOR_FIELDS, s.fields, 'CartPoleVectorEnv.setState: fields');
    rngs.forEach((r: unknown, i) => {
      if (r === null) this.rngs[i] = null;
      else (this.rngs[i] ??= new Rng(0)).setState(r as RngState);
    });
  }

  private stateConfig(): Record<string, unknown> {
    return { numEnvs: this.numEnvs, maxEpisodeSteps: this.maxEpisodeSteps, autoresetMode: this.metadata.autoresetMode, suttonBartoReward: this.suttonBarto };
  }

  toString(): string {
    return `CartPoleVectorEnv×${this.numEnvs}`;
  }

  /** Every action is 0 or 1 (under next_step, except where this step resets the sub-env), else nothing is stepped. */
  private checkActions(actions: Int32Array): void {
    const n = this.numEnvs;
    if (actions instanceof Int32Array && actions.length === n) {
      // One branch-free pass: `a & ~1` is non-zero exactly when an int32 is not 0 or 1.
      let bad = 0;
      for (let i = 0; i < n; i++) bad |= actions[i]! & ~1;
      if (bad === 0) return;
    } else if (actions === null || actions === undefined || actions.length !== n) {
      throw new InvalidActionError(`CartPoleVectorEnv: actions ${actions?.length === undefined ? `is ${show(actions)}` : `has length ${actions.length}`}, expected ${n} (one 0/1 per sub-env)`);
    }
    // Some action is not 0/1 (or not an int32): find the first one that counts.
    for (let i = 0; i < n; i++) {
      const a = actions[i];
      if (a !== 0 && a !== 1 && !this.resetsThisStep(i)) throw invalidActionError(`CartPoleVectorEnv: sub-env ${i}`, this.singleActionSpace, a);
    }
  }

  /** Under next_step, whether sub-env i finished last step (this step resets it and ignores its action). */
  private resetsThisStep(i: number): boolean {
    if (this.sameStep) return false;
    for (let p = 0; p < this.doneCount; p++) if (this.doneList[p] === i) return true;
    return false;
  }

  // The step is three passes over the sub-envs. `trigPass` first computes cos θ and sin θ of every
  // sub-env: a loop of Math.cos/Math.sin calls alone and a physics loop without calls measured a few per
  // cent faster than one loop with both (V8 spills the live floats around each call; without calls the
  // divisions of consecutive sub-envs overlap better). The physics loops are `cartPoleStep` written out
  // with the same floating-point operations in the same order, so the state stays bit for bit that of
  // CartPoleEnv (test/cartpole-vector.test.ts checks it against make()). The autoreset pass draws the
  // initial states of the listed sub-envs only, so RNG calls happen only at resets.

  private trigPass(): void {
    const n = this.numEnvs, state = this.state, trig = this.trig;
    for (let i = 0; i < n; i++) {
      const theta = state[4 * i + 2]!;
      trig[2 * i] = Math.cos(theta);
      trig[2 * i + 1] = Math.sin(theta);
    }
  }

  /** Steps every sub-env except those in doneList (reset by `autoreset` just before); lists those that finish. */
  private stepNextStep(actions: Int32Array): void {
    const n = this.numEnvs, state = this.state, trig = this.trig, steps = this.elapsedSteps, obs = this.obs;
    const rewards = this.rewards, terms = this.terminations, truncs = this.truncations;
    const max = this.maxEpisodeSteps ?? 0x7fffffff;
    const rewardAlive = this.suttonBarto ? 0 : 1, rewardFell = this.suttonBarto ? -1 : 1;
    const skipList = this.doneList, skipCount = this.doneCount, done = this.nextDoneList;
    let p = 0, skip = skipCount > 0 ? skipList[0]! : -1, count = 0;
    for (let i = 0; i < n; i++) {
      if (i === skip) {
        skip = ++p < skipCount ? skipList[p]! : -1;
        continue;
      }
      const o = 4 * i;
      const x = state[o]!, xDot = state[o + 1]!, theta = state[o + 2]!, thetaDot = state[o + 3]!;
      const force = FORCE_MAG * ((actions[i]! << 1) - 1); // ±forceMag for action 1/0, exactly; no branch to mispredict on random actions
      const cos = trig[2 * i]!, sin = trig[2 * i + 1]!;
      const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
      const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * cos * cos) / TOTAL_MASS));
      const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
      const nx = x + TAU * xDot;
      const nxDot = xDot + TAU * xAcc;
      const nTheta = theta + TAU * thetaDot;
      const nThetaDot = thetaDot + TAU * thetaAcc;
      state[o] = nx;
      state[o + 1] = nxDot;
      state[o + 2] = nTheta;
      state[o + 3] = nThetaDot;
      obs[o] = nx;
      obs[o + 1] = nxDot;
      obs[o + 2] = nTheta;
      obs[o + 3] = nThetaDot;
      const terminated = nx < -X_THRESHOLD || nx > X_THRESHOLD || nTheta < -THETA_THRESHOLD || nTheta > THETA_THRESHOLD;
      const truncated = ++steps[i]! >= max;
      rewards[i] = terminated ? rewardFell : rewardAlive;
      terms[i] = terminated ? 1 : 0;
      truncs[i] = truncated ? 1 : 0;
      if (terminated || truncated) done[count++] = i;
    }
    this.nextDoneList = skipList;
    this.doneList = done;
    this.doneCount = count;
  }

  /** Steps every sub-env; those that finish get their final obs here and are listed for `autoreset`. */
  private stepSameStep(actions: Int32Array): void {
    const n = this.numEnvs, state = this.state, trig = this.trig, steps = this.elapsedSteps, obs = this.obs;
    const finalObs = this.finalObs!, finalMask = this.finalMask!, finalInfos = this.finalInfos!;
    const rewards = this.rewards, terms = this.terminations, truncs = this.truncations;
    const max = this.maxEpisodeSteps ?? 0x7fffffff;
    const rewardAlive = this.suttonBarto ? 0 : 1, rewardFell = this.suttonBarto ? -1 : 1;
    const done = this.doneList;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      const x = state[o]!, xDot = state[o + 1]!, theta = state[o + 2]!, thetaDot = state[o + 3]!;
      const force = FORCE_MAG * ((actions[i]! << 1) - 1);
      const cos = trig[2 * i]!, sin = trig[2 * i + 1]!;
      const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
      const thetaAcc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * cos * cos) / TOTAL_MASS));
      const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
      const nx = x + TAU * xDot;
      const nxDot = xDot + TAU * xAcc;
      const nTheta = theta + TAU * thetaDot;
      const nThetaDot = thetaDot + TAU * thetaAcc;
      state[o] = nx;
      state[o + 1] = nxDot;
      state[o + 2] = nTheta;
      state[o + 3] = nThetaDot;
      const terminated = nx < -X_THRESHOLD || nx > X_THRESHOLD || nTheta < -THETA_THRESHOLD || nTheta > THETA_THRESHOLD;
      const truncated = ++steps[i]! >= max;
      rewards[i] = terminated ? rewardFell : rewardAlive;
      terms[i] = terminated ? 1 : 0;
      truncs[i] = truncated ? 1 : 0;
      if (terminated || truncated) {
        // obs gets the reset obs in autoreset
        finalObs[o] = nx;
        finalObs[o + 1] = nxDot;
        finalObs[o + 2] = nTheta;
        finalObs[o + 3] = nThetaDot;
        finalMask[i] = 1;
        finalInfos[i] = EMPTY_INFO;
        done[count++] = i;
      } else {
        obs[o] = nx;
        obs[o + 1] = nxDot;
        obs[o + 2] = nTheta;
        obs[o + 3] = nThetaDot;
        finalMask[i] = 0;
        if (finalInfos[i] !== null) finalInfos[i] = null;
      }
    }
    this.doneCount = count;
  }

  /**
   * Autoreset of the sub-envs in doneList: a fresh initial state and its obs, and (the next_step reset
   * step) reward 0 and no flags. Kept out of the step loops so that V8 inlines the Rng here, where it is
   * called often, and no draw returns a boxed double.
   */
  private autoreset(): void {
    const list = this.doneList, count = this.doneCount, nextStep = !this.sameStep;
    const rewards = this.rewards, terms = this.terminations, truncs = this.truncations;
    for (let p = 0; p < count; p++) {
      const i = list[p]!;
      this.drawInitialState(i, -0.05, 0.05);
      if (nextStep) {
        rewards[i] = 0;
        terms[i] = 0;
        truncs[i] = 0;
      }
    }
  }

  /** CartPoleEnv.reset's draw: four uniforms in state order from the sub-env's own Rng; sets obs and the step count. */
  private drawInitialState(i: number, lo: number, hi: number): void {
    const rng = (this.rngs[i] ??= new Rng());
    const state = this.state, obs = this.obs, o = 4 * i;
    for (let j = o; j < o + 4; j++) obs[j] = state[j] = rng.uniform(lo, hi);
    this.elapsedSteps[i] = 0;
  }
}
