import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { numberIn, oneOf } from '../core/env-options.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import { Box } from '../spaces/box.ts';
import type { EnvState } from '../core/env-state.ts';
import { decodeArray, encodeArray, type FieldList } from '../core/state-fields.ts';
import { EnvStateError } from '../core/env-state.ts';
import { Wrapper } from './wrapper.ts';

/** What the agent sees during a {@link DelayedReward} delay. */
export type DelayObservation = 'counter' | 'frozen';

export interface DelayedRewardOptions {
  /**
   * Steps the episode keeps running after the inner env *terminates* (default 0: the classic delayed
   * reward, paid on the terminal step). The whole return is paid on the last of these steps, which is
   * the episode's terminal step. An inner truncation is not delayed (see the class comment).
   */
  delay?: number;
  /**
   * With `delay` > 0, the observation (default `counter`):
   * - `counter`: the inner observation (a flat float32 Box) with one value appended: the share of the
   *   delay still to run, D_left / D (1 right after the inner termination, 1/D on the last step the agent
   *   acts in, 0 outside the delay). The inner part is frozen at the inner terminal observation. Every
   *   step of the delay is then a state of its own, the delay a chain of D states as in the RUDDER
   *   papers' delayed tasks, and a critic has to carry the reward back along it.
   * - `frozen`: the inner terminal observation, unchanged, for every step of the delay (any observation
   *   type). The delay is then one aliased state whose value a critic learns as the average over the
   *   delay: a much easier task for TD.
   */
  delayObservation?: DelayObservation;
}

/**
 * An env whose own reward process keeps running through a DelayedReward delay after it terminated (the
 * wrapper finds it on `env.unwrapped`). KeyDoorTreasure's distractor rewards do: the clock runs on, and
 * the random unrelated rewards of those steps join the delayed return (RUDDER's task II: the variance of
 * the return grows with the delay).
 */
export interface DelayPhaseRewards {
  /** The reward of one step of the delay after this env terminated (0 for none), from the env's seeded RNG. */
  delayStepReward(): number;
}

function hasDelayPhaseRewards(env: unknown): env is DelayPhaseRewards {
  return typeof (env as Partial<DelayPhaseRewards>).delayStepReward === 'function';
}

/**
 * Turns any env into its delayed-reward version (RUDDER's setting): every step pays 0, and the step that
 * ends the episode (terminated or truncated) pays the episode's whole return. `make(id, { reward:
 * 'delayed' })` puts it outside TimeLimit, so that a TimeLimit truncation ends the sum too; wrapping by
 * hand, do the same. It is the only delayed reward: no env implements its own.
 *
 * With `delay: D` (`make(id, { reward: 'delayed', delay: D })`) an episode whose inner env terminates
 * runs D more steps before it terminates and pays:
 * - The inner terminal step is then an ordinary step: reward 0, not terminated, the inner info (so e.g.
 *   KeyDoorTreasure's `reached_treasure` event is still seen, at the step it happened).
 * - On each delay step the action is validated against the action space and ignored; the inner env is
 *   not stepped. Its reward is 0 (or, for an env implementing {@link DelayPhaseRewards}, that reward
 *   joins the pending return); the info is `{ delayStepsLeft }` (the wrapper's own object, rewritten on
 *   every step). The D-th delay step terminates and pays the whole return.
 * - Truncation: outside TimeLimit, the delay is never cut by it (nor by an env's own step limit, which
 *   counts the inner env's steps only), so an episode that terminated in time is always paid, after
 *   exactly D more steps; its length is at most the limit + D. An inner truncation is passed on at once,
 *   paying what was collected: the delay separates a *terminal* event from its reward, and a truncated
 *   episode has no terminal event (and must stay truncated, for bootstrapping).
 * - `delay: 0` is the plain wrapper: same observations, spaces and results as without the option.
 */
export class DelayedReward<O, A> extends Wrapper<O, A> {
  /** The return collected so far in this episode, not yet paid. */
  pending = 0;
  readonly delay: number;
  readonly delayObservation: DelayObservation;
  /** Delay steps still to run (0 outside a delay). */
  delayStepsLeft = 0;
  private inDelay = false;
  /** The delay has been paid: until reset, steps go to the (finished) inner env and pay 0. */
  private paid = false;
  private frozen: O | null = null;
  /** `counter` mode: the inner observation plus the counter. */
  private readonly buf: Float32Array | null = null;
  private readonly innerDim: number = 0;
  private readonly phaseRewards: DelayPhaseRewards | null;
  private readonly delayInfo = { delayStepsLeft: 0 };
  private readonly result: StepResult<O> = newStepResult<O>();

  constructor(env: Env<O, A>, options: DelayedRewardOptions = {}) {
    super(env);
    this.delay = numberIn('DelayedReward', 'delay', options.delay, 0, 1e9, 0, true);
    this.delayObservation = oneOf<DelayObservation>('DelayedReward', 'delayObservation', options.delayObservation, ['counter', 'frozen'], 'counter');
    const u = env.unwrapped;
    this.phaseRewards = this.delay > 0 && hasDelayPhaseRewards(u) ? u : null;
    if (this.delay > 0 && this.delayObservation === 'counter') {
      const s = env.observationSpace;
      if (!(s instanceof Box) || s.shape.length !== 1 || s.dtype !== 'float32') {
        throw new RangeError(`DelayedReward: option delayObservation 'counter' (the default with a delay) appends a value to a flat float32 Box observation; this env's observation space is ${String(s)}: use delayObservation 'frozen'`);
      }
      const n = s.size;
      this.innerDim = n;
      this.buf = new Float32Array(n + 1);
      const lo = new Float64Array(n + 1), hi = new Float64Array(n + 1);
      lo.set(s.low);
      hi.set(s.high);
      hi[n] = 1;
      this.observationSpace = new Box(lo, hi, [n + 1], 'float32') as unknown as typeof this.observationSpace;
    }
  }

  protected override stateFields(): FieldList {
    return { scalars: ['pending', 'delayStepsLeft', 'inDelay', 'paid'], arrays: this.buf === null ? [] : ['buf'] };
  }

  protected override stateConfig(): Record<string, unknown> {
    return { delay: this.delay, delayObservation: this.delayObservation };
  }

  /** Adds the frozen terminal observation (`frozen` mode, during a delay): a copy, as the inner env's buffer is not ours to save. */
  override getState(): EnvState {
    const f = this.frozen;
    if (f !== null && !(ArrayBuffer.isView(f) && !(f instanceof DataView))) throw new EnvStateError(`DelayedReward.getState: the frozen observation is not a typed array (${typeof f}), so it cannot be saved`);
    return { ...super.getState(), frozen: f === null ? null : encodeArray(f as unknown as Float32Array) };
  }

  override setState(state: EnvState): void {
    const saved = (state as { frozen?: unknown }).frozen;
    const frozen = saved === null || saved === undefined ? null : (decodeArray(saved, 'DelayedReward.setState: frozen') as unknown as O);
    super.setState(state);
    this.frozen = frozen;
  }

  reset(options?: ResetOptions): ResetResult<O> {
    this.pending = 0;
    this.inDelay = false;
    this.paid = false;
    this.delayStepsLeft = 0;
    this.frozen = null;
    const r = this.env.reset(options);
    if (this.buf === null) return r;
    return { obs: this.withCounter(r.obs, 0), info: r.info };
  }

  step(action: A): StepResult<O> {
    if (this.inDelay) return this.delayStep(action);
    const r = this.env.step(action);
    if (this.paid) return copyStepResult(this.result, r, this.buf === null ? r.obs : this.withCounter(r.obs, 0), 0);
    this.pending += r.reward;
    if (r.terminated && this.delay > 0) {
      this.inDelay = true;
      this.delayStepsLeft = this.delay;
      this.frozen = r.obs;
      const out = copyStepResult(this.result, r, this.buf === null ? r.obs : this.withCounter(r.obs, 1), 0);
      out.terminated = false;
      return out;
    }
    const done = r.terminated || r.truncated;
    const out = copyStepResult(this.result, r, this.buf === null ? r.obs : this.withCounter(r.obs, 0), done ? this.pending : 0);
    if (done) {
      this.pending = 0;
      if (this.delay > 0) this.paid = true;
    }
    return out;
  }

  private delayStep(action: A): StepResult<O> {
    if (!this.actionSpace.contains(action)) throw new RangeError(`DelayedReward: action ${String(action)} is not in the action space ${String(this.actionSpace)} (the delay ignores actions but checks them)`);
    const left = --this.delayStepsLeft;
    if (this.phaseRewards !== null) this.pending += this.phaseRewards.delayStepReward();
    const out = this.result;
    if (this.buf !== null) {
      this.buf[this.innerDim] = left / this.delay;
      out.obs = this.buf as unknown as O;
    } else out.obs = this.frozen as O;
    this.delayInfo.delayStepsLeft = left;
    out.info = this.delayInfo as Info;
    out.truncated = false;
    if (left === 0) {
      out.terminated = true;
      out.reward = this.pending;
      this.pending = 0;
      this.inDelay = false;
      this.paid = true;
    } else {
      out.terminated = false;
      out.reward = 0;
    }
    return out;
  }

  /** `counter` mode: the inner observation and the counter in the wrapper's buffer. */
  private withCounter(obs: O, counter: number): O {
    const b = this.buf!;
    b.set(obs as unknown as Float32Array);
    b[this.innerDim] = counter;
    return b as unknown as O;
  }
}
