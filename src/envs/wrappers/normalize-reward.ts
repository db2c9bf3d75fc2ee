import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import { EnvStateError, type EnvState } from '../core/env-state.ts';
import { Wrapper } from './wrapper.ts';

export interface NormalizeRewardOptions {
  /** Discount of the running return whose variance scales the rewards. Default 0.99. */
  gamma?: number;
  /** Added to the variance before the square root. Default 1e-8. */
  epsilon?: number;
}

/** `NormalizeReward.getState()`: JSON-serialisable. */
export interface NormalizeRewardState extends EnvState {
  kind: 'NormalizeReward';
  /** The inner env's state; null when it has none. */
  inner: EnvState | null;
  returnRms: RunningMeanStdState;
  /** The running discounted return G at the time of saving. */
  discountedReward: number;
}

/**
 * Scales rewards by the standard deviation of a running discounted return (Gymnasium 1.x's
 * NormalizeReward). Each step:
 *   G ← G·γ·(1 − terminated) + r,   update the running variance with G,   return r / sqrt(var + epsilon).
 * Rewards are only scaled, never shifted. As in Gymnasium, `terminated` is the flag of the step itself,
 * so a terminal step's G is its own reward; a truncation or a `reset` carries G over into the next episode.
 *
 * Set `updateRunningMean = false` to freeze the statistics (G is still tracked); `getState()` saves
 * them together with G.
 */
export class NormalizeReward<O, A> extends Wrapper<O, A> {
  readonly gamma: number;
  readonly epsilon: number;
  readonly returnRms = new RunningMeanStd([]);
  /** The running discounted return G. */
  discountedReward = 0;
  /** When false, rewards are scaled with the statistics as they are, without updating them. */
  updateRunningMean = true;
  private readonly g = new Float64Array(1); // G as a one-entry sample for returnRms
  private readonly result: StepResult<O> = newStepResult<O>();

  constructor(env: Env<O, A>, options: NormalizeRewardOptions = {}) {
    super(env);
    const { gamma = 0.99, epsilon = 1e-8 } = options;
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`NormalizeReward: gamma must be in [0, 1], got ${String(gamma)}`);
    if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`NormalizeReward: epsilon must be a finite number ≥ 0, got ${String(epsilon)}`);
    this.gamma = gamma;
    this.epsilon = epsilon;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    const g = this.discountedReward * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    this.discountedReward = g;
    if (this.updateRunningMean) {
      this.g[0] = g;
      this.returnRms.updateOne(this.g);
    }
    return copyStepResult(this.result, r, r.obs, r.reward / Math.sqrt(this.returnRms.var[0]! + this.epsilon));
  }

  override getState(): NormalizeRewardState {
    return { kind: 'NormalizeReward', returnRms: this.returnRms.getState(), discountedReward: this.discountedReward, inner: this.innerState(false) };
  }

  /** Restore `getState()` output (and the inner env's state when it was saved); throws naming the bad field, and then changes nothing. */
  override setState(state: EnvState | Omit<NormalizeRewardState, 'kind' | 'inner'>): void {
    if (typeof state !== 'object' || state === null || !('returnRms' in state)) {
      throw new TypeError(`NormalizeReward.setState: expected { returnRms, discountedReward }, got ${String(state)}`);
    }
    const g = state.discountedReward;
    if (typeof g !== 'number' || !Number.isFinite(g)) {
      throw new RangeError(`NormalizeReward.setState: discountedReward must be a finite number, got ${String(g)}`);
    }
    const s = state as Partial<NormalizeRewardState>;
    if (s.kind !== undefined && s.kind !== 'NormalizeReward') throw new EnvStateError(`NormalizeReward.setState: this is a state of ${String(s.kind)}, not of NormalizeReward`);
    new RunningMeanStd([]).setState(s.returnRms!); // checks it before anything is written
    if (s.inner) this.setInnerState(s.inner);
    this.returnRms.setState(s.returnRms!);
    this.discountedReward = g;
  }
}
