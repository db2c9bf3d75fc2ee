import type { Env, ResetResult, StepResult } from './env.ts';
import { InvalidObservationError } from './errors.ts';

/** Throws InvalidObservationError unless `reset` returned `{obs ∈ observationSpace, info: object}`. */
export function checkResetResult(name: string, env: Env<unknown, unknown>, r: ResetResult<unknown>): void {
  if (typeof r !== 'object' || r === null || !('obs' in r)) throw new InvalidObservationError(`${name}: reset() must return { obs, info }`);
  const why = env.observationSpace.check(r.obs);
  if (why) throw new InvalidObservationError(`${name}: reset() returned an observation outside ${env.observationSpace.toString()}: ${why}`);
  if (typeof r.info !== 'object' || r.info === null) throw new InvalidObservationError(`${name}: reset() info must be an object`);
}

/** Throws unless `step` returned a well-typed result with obs ∈ observationSpace and a finite reward. */
export function checkStepResult(name: string, env: Env<unknown, unknown>, r: StepResult<unknown>): void {
  if (typeof r !== 'object' || r === null || !('obs' in r)) throw new InvalidObservationError(`${name}: step() must return { obs, reward, terminated, truncated, info }`);
  const why = env.observationSpace.check(r.obs);
  if (why) throw new InvalidObservationError(`${name}: step() returned an observation outside ${env.observationSpace.toString()}: ${why}`);
  if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) throw new TypeError(`${name}: step() reward must be a finite number, got ${String(r.reward)}`);
  if (typeof r.terminated !== 'boolean') throw new TypeError(`${name}: step() terminated must be a boolean, got ${typeof r.terminated}`);
  if (typeof r.truncated !== 'boolean') throw new TypeError(`${name}: step() truncated must be a boolean, got ${typeof r.truncated}`);
  if (typeof r.info !== 'object' || r.info === null) throw new TypeError(`${name}: step() info must be an object`);
}
