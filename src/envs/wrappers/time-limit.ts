import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import type { FieldList } from '../core/state-fields.ts';
import { Wrapper } from './wrapper.ts';

/** Truncates the episode after `maxEpisodeSteps` steps; `terminated` is left as the env said (both may be true). */
export class TimeLimit<O, A> extends Wrapper<O, A> {
  elapsedSteps = 0;
  private readonly result: StepResult<O> = newStepResult<O>();

  constructor(env: Env<O, A>, readonly maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${String(maxEpisodeSteps)}`);
    }
  }

  protected override stateFields(): FieldList {
    return { scalars: ['elapsedSteps'] };
  }

  protected override stateConfig(): Record<string, unknown> {
    return { maxEpisodeSteps: this.maxEpisodeSteps };
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.elapsedSteps = 0;
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    const elapsed = ++this.elapsedSteps;
    const out = copyStepResult(this.result, r, r.obs, r.reward);
    if (elapsed >= this.maxEpisodeSteps) out.truncated = true;
    return out;
  }
}
