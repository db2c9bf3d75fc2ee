import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { Box } from '../spaces/box.ts';
import type { TypedArray } from '../spaces/space.ts';
import { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import { EnvStateError, type EnvState } from '../core/env-state.ts';
import { Wrapper } from './wrapper.ts';

export interface NormalizeObservationOptions {
  /** Added to the variance before the square root, so constant entries do not divide by 0. Default 1e-8. */
  epsilon?: number;
}

/** `NormalizeObservation.getState()`: the running statistics and the inner env's state (null when it has none), JSON-serialisable. */
export interface NormalizeObservationState extends EnvState {
  kind: 'NormalizeObservation';
  obsRms: RunningMeanStdState;
  inner: EnvState | null;
}

/**
 * Normalises each observation entry by running statistics (Gymnasium 1.x's NormalizeObservation): on
 * every `reset` and `step` the running mean and variance are first updated with the observation, then
 * the wrapper returns `(obs − mean) / sqrt(var + epsilon)` as float32.
 *
 * The inner observation space must be a Box; the outer one is an unbounded float32 Box of the same
 * shape. Set `updateRunningMean = false` to freeze the statistics (evaluation), and save them with
 * `getState()` alongside the policy. The returned array is one buffer reused by every call.
 */
export class NormalizeObservation<IO extends TypedArray, A> extends Wrapper<Float32Array, A, IO, A> {
  override observationSpace: Box;
  readonly epsilon: number;
  readonly obsRms: RunningMeanStd;
  /** When false, observations are normalised with the statistics as they are, without updating them. */
  updateRunningMean = true;
  private readonly obs: Float32Array; // [size]
  private readonly result: StepResult<Float32Array>;

  constructor(env: Env<IO, A>, options: NormalizeObservationOptions = {}) {
    super(env);
    const { epsilon = 1e-8 } = options;
    const inner = env.observationSpace;
    if (!(inner instanceof Box)) {
      throw new TypeError(`NormalizeObservation: the observation space must be a Box, got ${String(inner)} (wrap with FlattenObservation first)`);
    }
    if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`NormalizeObservation: epsilon must be a finite number ≥ 0, got ${String(epsilon)}`);
    this.epsilon = epsilon;
    this.obsRms = new RunningMeanStd(inner.shape);
    this.observationSpace = new Box(-Infinity, Infinity, inner.shape, 'float32');
    this.obs = new Float32Array(inner.size);
    this.result = newStepResult(this.obs);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const r = this.env.reset(options);
    this.normalize(r.obs);
    return { obs: this.obs, info: r.info };
  }

  step(action: A): StepResult<Float32Array> {
    const r = this.env.step(action);
    this.normalize(r.obs);
    return copyStepResult(this.result, r, this.obs, r.reward);
  }

  override getState(): NormalizeObservationState {
    return { kind: 'NormalizeObservation', obsRms: this.obsRms.getState(), inner: this.innerState(false) };
  }

  /**
   * Restore `getState()` output (the statistics, and the inner env's state when it was saved); throws naming
   * the bad field when it does not fit this observation shape, and then changes nothing.
   */
  override setState(state: EnvState | Omit<NormalizeObservationState, 'kind' | 'inner'>): void {
    if (typeof state !== 'object' || state === null || !('obsRms' in state)) {
      throw new TypeError(`NormalizeObservation.setState: expected { obsRms }, got ${String(state)}`);
    }
    const s = state as Partial<NormalizeObservationState>;
    if (s.kind !== undefined && s.kind !== 'NormalizeObservation') throw new EnvStateError(`NormalizeObservation.setState: this is a state of ${String(s.kind)}, not of NormalizeObservation`);
    new RunningMeanStd(this.obsRms.shape).setState(s.obsRms!); // checks it before anything is written
    if (s.inner) this.setInnerState(s.inner);
    this.obsRms.setState(s.obsRms!);
  }

  private normalize(x: IO): void {
    const rms = this.obsRms;
    if (this.updateRunningMean) rms.updateOne(x);
    const mean = rms.mean, variance = rms.var, eps = this.epsilon, out = this.obs;
    for (let i = 0; i < out.length; i++) out[i] = (x[i]! - mean[i]!) / Math.sqrt(variance[i]! + eps);
  }
}
