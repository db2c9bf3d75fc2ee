import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
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
  private readonly result: StepResult<O> = { obs: undefined as unknown as O, reward: 0, terminated: false, truncated: false, info: {} };

  constructor(env: Env<O, A>) {
    super(env);
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.pending = 0;
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    const out = this.result;
    this.pending += r.reward;
    const done = r.terminated || r.truncated;
    out.obs = r.obs;
    out.reward = done ? this.pending : 0;
    out.terminated = r.terminated;
    out.truncated = r.truncated;
    out.info = r.info;
    if (done) this.pending = 0;
    return out;
  }
}
