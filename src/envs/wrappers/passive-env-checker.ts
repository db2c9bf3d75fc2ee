import type { RenderResult, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { invalidActionError } from '../core/env.ts';
import { checkResetResult, checkStepResult, renderResultProblems } from '../core/passive-checks.ts';
import { Wrapper } from './wrapper.ts';

/**
 * Checks the env against its declared spaces on the first `reset` and `step` (observation shape and
 * dtype, result types), the first `render` frame against `renderMode`, and every action on every step: an invalid action is a clear error for any env,
 * a user's own included. `make` adds it unless `disableEnvChecker`.
 */
export class PassiveEnvChecker<O, A> extends Wrapper<O, A> {
  private checkedReset = false;
  private checkedStep = false;
  private checkedRender = false;

  reset(options?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(options);
    if (!this.checkedReset) {
      checkResetResult(this.label(), this.env, r);
      this.checkedReset = true;
    }
    return r;
  }

  step(action: A): StepResult<O> {
    if (!this.actionSpace.contains(action)) throw invalidActionError(this.label(), this.actionSpace, action);
    const r = this.env.step(action);
    if (!this.checkedStep) {
      checkStepResult(this.label(), this.env, r);
      this.checkedStep = true;
    }
    return r;
  }

  override render(): RenderResult {
    const frame = this.env.render();
    if (!this.checkedRender && this.renderMode !== null) {
      const problem = renderResultProblems(this.label(), this.renderMode, frame)[0];
      if (problem) throw new TypeError(problem);
      this.checkedRender = true;
    }
    return frame;
  }

  private label(): string {
    return this.spec?.id ?? String(this.env.unwrapped.constructor.name);
  }
}
