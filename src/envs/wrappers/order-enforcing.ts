import type { Env, RenderResult, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { ResetNeededError } from '../core/errors.ts';
import type { FieldList } from '../core/state-fields.ts';
import { Wrapper } from './wrapper.ts';

/** Throws ResetNeededError on `step` (and `render`, unless disabled) before the first `reset`. */
export class OrderEnforcing<O, A> extends Wrapper<O, A> {
  hasReset = false;

  constructor(env: Env<O, A>, private readonly disableRenderOrderEnforcing = false) {
    super(env);
  }

  protected override stateFields(): FieldList {
    return { scalars: ['hasReset'] };
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.hasReset = true;
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    if (!this.hasReset) throw this.resetNeeded('step');
    return this.env.step(action);
  }

  override render(): RenderResult {
    if (!this.disableRenderOrderEnforcing && !this.hasReset) throw this.resetNeeded('render');
    return this.env.render();
  }

  private resetNeeded(what: string): ResetNeededError {
    const name = this.spec?.id ?? String(this.env);
    return new ResetNeededError(`${name}: cannot call ${what}() before reset(); call env.reset({ seed }) first`);
  }
}
