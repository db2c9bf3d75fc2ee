import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import { Wrapper } from './wrapper.ts';

/**
 * Turns any env into its delayed-reward version (RUDDER's setting): every step pays 0, and the step that
 * ends the episode (terminated or truncated) pays the episode's whole return. `make(id, { reward:
 * 'delayed' })` puts it outside TimeLimit, so that a TimeLimit truncation ends the sum too; wrapping by
 * hand, do the same. It is the only delayed reward: no env implements its own.
 */
export class DelayedReward<O, A> extends Wrapper<O, A> {
  /** The return collected so far in this episode, not yet paid. */
  pending = 0;
  private readonly result: StepResult<O> = newStepResult<O>();

  constructor(env: Env<O, A>) {
    super(env);
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.pending = 0;
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.pending += r.reward;
    const done = r.terminated || r.truncated;
    const out = copyStepResult(this.result, r, r.obs, done ? this.pending : 0);
    if (done) this.pending = 0;
    return out;
  }
}
