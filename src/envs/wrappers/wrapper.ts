import type { Env, EnvMetadata, RenderMode, RenderResult, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import type { EnvSpec } from '../core/spec.ts';
import { checkStateConfig, EnvStateError, hasEnvState, stateOfKind, type EnvState } from '../core/env-state.ts';
import { checkFields, loadFields, saveFields, type FieldList } from '../core/state-fields.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import type { Space } from '../spaces/space.ts';

/**
 * Wraps an env and forwards everything; subclasses change one thing each (Gymnasium's Wrapper).
 *
 * Hot-path rule: each concrete wrapper writes its own `step` that calls `this.env.step` directly, so every
 * call site sees one receiver type and V8 can inline the whole stack. A wrapper that changes any field of
 * the result keeps its own result object (`newStepResult`) and fills it with `copyStepResult`, instead of
 * mutating the inner env's (which the env may reuse).
 */
export abstract class Wrapper<O, A, IO = O, IA = A> implements Env<O, A> {
  actionSpace: Space<A>;
  observationSpace: Space<O>;

  constructor(readonly env: Env<IO, IA>) {
    this.actionSpace = env.actionSpace as unknown as Space<A>;
    this.observationSpace = env.observationSpace as unknown as Space<O>;
  }

  abstract reset(options?: ResetOptions): ResetResult<O>;
  abstract step(action: A): StepResult<O>;

  get metadata(): EnvMetadata {
    return this.env.metadata;
  }

  get renderMode(): RenderMode | null {
    return this.env.renderMode;
  }

  get spec(): EnvSpec | null {
    return this.env.spec;
  }

  set spec(s: EnvSpec | null) {
    this.env.spec = s;
  }

  get unwrapped(): Env<unknown, unknown> {
    return this.env.unwrapped;
  }

  render(): RenderResult {
    return this.env.render();
  }

  close(): void {
    this.env.close();
  }

  // ---- the env-state contract (core/env-state.ts) ----
  // A wrapper without state of its own is transparent: its state is the inner env's. A wrapper with
  // state declares its fields (`stateFields`) and wraps the inner state: { kind, fields, inner }.

  /** This wrapper's own mutable fields; null (the default) when it has none. */
  protected stateFields(): FieldList | null {
    return null;
  }

  /** The options that shape this wrapper's state (a state only fits a wrapper made with the same). */
  protected stateConfig(): Record<string, unknown> {
    return {};
  }

  envStateSupported(): boolean {
    return hasEnvState(this.env);
  }

  getState(): EnvState {
    const own = this.stateFields();
    if (own === null) return this.innerState(true)!;
    return { kind: this.constructor.name, config: this.stateConfig(), fields: saveFields(this, own, `${this.constructor.name}.getState`), inner: this.innerState(false) };
  }

  setState(state: EnvState): void {
    const own = this.stateFields();
    if (own === null) {
      this.setInnerState(state);
      return;
    }
    const s = stateOfKind(state, this.constructor.name, this.constructor.name);
    checkStateConfig(s.config, this.stateConfig(), this.constructor.name);
    // Check our own fields first (loadFields writes nothing on error), restore the inner env, then ours.
    checkFields(this, own, s.fields, `${this.constructor.name}.setState: fields`);
    if (s.inner !== null && s.inner !== undefined) this.setInnerState(s.inner as EnvState);
    loadFields(this, own, s.fields, `${this.constructor.name}.setState: fields`);
  }

  /** The inner env's state; null when it has none (`required`: an error naming the env instead). */
  protected innerState(required: boolean): EnvState | null {
    if (hasEnvState(this.env)) return this.env.getState();
    if (required) throw new EnvStateError(`${String(this)}: ${String(this.env)} has no getState/setState (the env-state contract)`);
    return null;
  }

  protected setInnerState(state: EnvState): void {
    if (!hasEnvState(this.env)) throw new EnvStateError(`${String(this)}: cannot restore a state into ${String(this.env)}, which has no getState/setState`);
    this.env.setState(state);
  }

  /** `TimeLimit<OrderEnforcing<CartPole>>`, as Gymnasium prints a wrapper stack. */
  toString(): string {
    return `${this.constructor.name}<${String(this.env)}>`;
  }
}

/** Changes observations (in both `reset` and `step`) through `observation()`. */
export abstract class ObservationWrapper<O, IO, A> extends Wrapper<O, A, IO, A> {
  private readonly result: StepResult<O> = newStepResult<O>();

  abstract observation(obs: IO): O;

  reset(options?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(options);
    return { obs: this.observation(r.obs), info: r.info };
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    return copyStepResult(this.result, r, this.observation(r.obs), r.reward);
  }
}

/** Changes rewards through `reward()`. */
export abstract class RewardWrapper<O, A> extends Wrapper<O, A> {
  private readonly result: StepResult<O> = newStepResult<O>();

  abstract reward(reward: number): number;

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    return copyStepResult(this.result, r, r.obs, this.reward(r.reward));
  }
}

/** Changes actions through `action()` before the inner env sees them; set `actionSpace` to the outer space. */
export abstract class ActionWrapper<O, A, IA> extends Wrapper<O, A, O, IA> {
  abstract action(action: A): IA;

  reset(options?: ResetOptions): ResetResult<O> {
    return this.env.reset(options);
  }

  step(action: A): StepResult<O> {
    return this.env.step(this.action(action));
  }
}
