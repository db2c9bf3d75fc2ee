import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/core/env.ts';
import { copyStepResult, newStepResult } from '../envs/core/step-result.ts';
import type { FieldList } from '../envs/core/state-fields.ts';
import { Box } from '../envs/spaces/box.ts';
import { Wrapper } from '../envs/wrappers/wrapper.ts';
import { NO_EVENT, type TransitionEvents } from './transition-events.ts';

/**
 * Align-RUDDER's state augmentation (rudder.md §3 (V) step 9, the reference's s̃ = (x, y, room, binary
 * vector of clusters visited so far)): the observation with one 0/1 flag per event kind appended, 1 once
 * that event has happened in the episode. The redistributed reward depends on the events so far (the
 * prefix score), so without the flags it is not a function of the state; with them the policy and value
 * function can tell which stage of the chain the episode is in. Like the reference we flag every event
 * kind (its clusters are our events), not only the profile's columns, and flag occurrence, not counts.
 *
 * The flags are the wrapper's state (env-state contract), so a checkpoint of a vector env mid-episode
 * restores them with the inner env. Needs a flat float32 Box observation; the encoder reads the inner
 * observation, as it was fitted on it.
 */
export class SubgoalObservation extends Wrapper<Float32Array, number> {
  /** The inner observation of the last reset/step, then the K flags: what the agent sees [D + K]. */
  private buf: Float32Array;
  readonly innerDim: number;
  private readonly result: StepResult<Float32Array> = newStepResult<Float32Array>();

  constructor(env: Env<Float32Array, number>, readonly encoder: TransitionEvents) {
    super(env);
    const s = env.observationSpace;
    if (!(s instanceof Box) || s.shape.length !== 1 || s.dtype !== 'float32') {
      throw new RangeError(`SubgoalObservation: appends event flags to a flat float32 Box observation; this env's observation space is ${String(s)}`);
    }
    const D = (this.innerDim = s.size), K = encoder.numEvents;
    this.buf = new Float32Array(D + K);
    const lo = new Float64Array(D + K), hi = new Float64Array(D + K);
    lo.set(s.low);
    hi.set(s.high);
    hi.fill(1, D);
    this.observationSpace = new Box(lo, hi, [D + K], 'float32') as unknown as Box<Float32Array>;
  }

  /** The flags of the current episode [K] (a view, valid until the next step/reset). */
  get flags(): Float32Array {
    return this.buf.subarray(this.innerDim);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const r = this.env.reset(options);
    this.check(r.obs);
    this.buf.set(r.obs);
    this.buf.fill(0, this.innerDim);
    const e = this.encoder.start(r.obs);
    if (e !== NO_EVENT) this.buf[this.innerDim + e] = 1;
    return { obs: this.buf, info: r.info };
  }

  step(action: number): StepResult<Float32Array> {
    const r = this.env.step(action);
    this.check(r.obs);
    // buf still holds the previous inner observation: the transition's start.
    const e = this.encoder.event(this.buf.subarray(0, this.innerDim), action, r.obs);
    this.buf.set(r.obs);
    if (e !== NO_EVENT) this.buf[this.innerDim + e] = 1;
    return copyStepResult(this.result, r, this.buf, r.reward);
  }

  private check(obs: Float32Array): void {
    if (obs.length !== this.innerDim) throw new RangeError(`SubgoalObservation: the env returned ${obs.length} values, its space has ${this.innerDim}`);
  }

  protected override stateFields(): FieldList {
    return { arrays: ['buf'] };
  }

  protected override stateConfig(): Record<string, unknown> {
    return { events: this.encoder.numEvents, encoder: this.encoder.name };
  }
}

/**
 * `makeVec`'s/`trainPpo`'s wrapper list entry (an `EnvWrapper`, spelled out so that this module does not load
 * the vector envs' types, which need Node's: the viewer's page bundles it): each sub-env gets its own flags.
 */
export function subgoalWrapper(encoder: TransitionEvents): (env: Env<unknown, unknown>) => Env<unknown, unknown> {
  return (env) => new SubgoalObservation(env as Env<Float32Array, number>, encoder) as unknown as Env<unknown, unknown>;
}
