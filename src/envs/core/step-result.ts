import type { Info, StepResult } from './env.ts';

/**
 * Step results that a wrapper (or env) owns and rewrites on every step, so that stepping allocates
 * nothing. A wrapper never writes into the inner env's result, which the env may reuse (see Wrapper).
 */

/** A result object to reuse across steps; `obs` is the wrapper's own buffer, or set by each step when omitted. */
export function newStepResult<O>(obs?: O): StepResult<O> {
  return { obs: obs as O, reward: 0, terminated: false, truncated: false, info: {} as Info };
}

/**
 * Writes the inner step `r` into `out` with the observation and reward passed on, copying `terminated`,
 * `truncated` and `info`; a wrapper that changes one of those sets it afterwards. Returns `out`.
 */
export function copyStepResult<O>(out: StepResult<O>, r: StepResult<unknown>, obs: O, reward: number): StepResult<O> {
  out.obs = obs;
  out.reward = reward;
  out.terminated = r.terminated;
  out.truncated = r.truncated;
  out.info = r.info;
  return out;
}

/** An env's last line of `step`: writes the outcome into its reused result `r` and returns it. */
export function writeStep<O>(r: StepResult<O>, reward: number, terminated: boolean, truncated: boolean): StepResult<O> {
  r.reward = reward;
  r.terminated = terminated;
  r.truncated = truncated;
  return r;
}
