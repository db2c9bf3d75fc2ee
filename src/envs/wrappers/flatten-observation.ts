import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import type { Box } from '../spaces/box.ts';
import type { Space } from '../spaces/space.ts';
import { flattenSpace } from '../spaces/utils.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import { Wrapper } from './wrapper.ts';

/**
 * Flattens observations into one Float32Array of length `flatdim(inner space)` (Gymnasium's
 * FlattenObservation): Box entries in row-major order, Discrete and MultiDiscrete one-hot, Dict keys
 * in the space's key order. The observation space becomes `flattenSpace(inner space)`.
 *
 * The returned array is one buffer reused by every `reset` and `step`: copy it to keep it.
 */
export class FlattenObservation<IO, A> extends Wrapper<Float32Array, A, IO, A> {
  override observationSpace: Box;
  private readonly innerSpace: Space<IO>;
  private readonly obs: Float32Array; // [flatdim]
  private readonly result: StepResult<Float32Array>;

  constructor(env: Env<IO, A>) {
    super(env);
    this.innerSpace = env.observationSpace;
    this.observationSpace = flattenSpace(env.observationSpace);
    this.obs = new Float32Array(this.innerSpace.flatdim);
    this.result = newStepResult(this.obs);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    const r = this.env.reset(options);
    this.innerSpace.flattenInto(r.obs, this.obs, 0);
    return { obs: this.obs, info: r.info };
  }

  step(action: A): StepResult<Float32Array> {
    const r = this.env.step(action);
    this.innerSpace.flattenInto(r.obs, this.obs, 0);
    return copyStepResult(this.result, r, this.obs, r.reward);
  }
}
