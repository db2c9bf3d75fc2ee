import { demoSteps, type DemoSteps } from '../agents/ppo/bc.ts';
import type { Demonstration } from '../envs/core/demonstration.ts';
import type { Env, ResetOptions, ResetResult, StepResult } from '../envs/core/env.ts';
import { copyStepResult, newStepResult } from '../envs/core/step-result.ts';
import type { FieldList } from '../envs/core/state-fields.ts';
import { Box } from '../envs/spaces/box.ts';
import type { EnvWrapper } from '../envs/vector/make-vec.ts';
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

/** `makeVec`'s/`trainPpo`'s wrapper list entry: each sub-env gets its own flags. */
export function subgoalWrapper(encoder: TransitionEvents): EnvWrapper {
  return (env) => new SubgoalObservation(env as Env<Float32Array, number>, encoder) as unknown as Env<unknown, unknown>;
}

/**
 * BC's demo steps (bc.ts `demoSteps`) as the augmented policy sees them: each observation with the flags of
 * the events its episode made before it, so `--bc` and `--align-augment` go together. Row t's flags need
 * only the transitions between rows before it, so the demos are taken one episode at a time.
 */
export function subgoalDemoSteps(demos: readonly Demonstration[], encoder: TransitionEvents): DemoSteps {
  const K = encoder.numEvents, parts: Float32Array[] = [], actions: Int32Array[] = [];
  let D = -1;
  demos.forEach((d, k) => {
    const s = demoSteps([d]);
    if (D >= 0 && s.obsDim !== D) throw new RangeError(`subgoalDemoSteps: demo ${k} has observations of ${s.obsDim} values, demo 0 of ${D}`);
    D = s.obsDim;
    const n = s.actions.length, W = D + K, out = new Float32Array(n * W), flags = new Float32Array(K);
    for (let t = 0; t < n; t++) {
      const row = s.obs.subarray(t * D, (t + 1) * D);
      if (t === 0) {
        const e0 = encoder.start(row);
        if (e0 !== NO_EVENT) flags[e0] = 1;
      } else {
        const e = encoder.event(s.obs.subarray((t - 1) * D, t * D), s.actions[t - 1]!, row);
        if (e !== NO_EVENT) flags[e] = 1;
      }
      out.set(row, t * W);
      out.set(flags, t * W + D);
    }
    parts.push(out);
    actions.push(s.actions);
  });
  const obs = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    obs.set(p, at);
    at += p.length;
  }
  const acts = new Int32Array(actions.reduce((a, p) => a + p.length, 0));
  at = 0;
  for (const a of actions) {
    acts.set(a, at);
    at += a.length;
  }
  return { obsDim: D + K, obs, actions: acts };
}
