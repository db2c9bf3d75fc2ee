import type { Env, RenderMode, ResetResult, StepResult } from './env.ts';
import { InvalidObservationError } from './errors.ts';
import { Space, show } from '../spaces/space.ts';

/**
 * Checks of what an env returns, shared by `PassiveEnvChecker` (which throws on the first problem) and
 * `checkEnv` (which collects them all). Each message names the env, says what is wrong and what to do.
 */

/** One thing wrong with a reset/step result; `observation` problems are thrown as InvalidObservationError. */
export interface ResultProblem {
  message: string;
  observation: boolean;
}

/** Everything wrong with a `reset` result: `{obs ∈ space, info: object}`. Skips the space test when `space` is not a Space. */
export function resetResultProblems(name: string, space: unknown, r: unknown): ResultProblem[] {
  if (typeof r !== 'object' || r === null || Array.isArray(r) || !('obs' in r)) {
    const tuple = Array.isArray(r) ? ' (an array: return an object, not an [obs, info] tuple)' : '';
    return [{ observation: true, message: `${name}: reset() must return { obs, info }, got ${show(r)}${tuple}` }];
  }
  const out: ResultProblem[] = [];
  const res = r as ResetResult<unknown>;
  const why = space instanceof Space ? space.check(res.obs) : null;
  if (why) out.push({ observation: true, message: `${name}: reset() returned an observation outside ${String(space)}: ${why}; ${OBS_FIX}` });
  if (!isInfo(res.info)) out.push({ observation: true, message: `${name}: reset() info must be an object, got ${show(res.info)}; return info: {} when there is nothing to report` });
  return out;
}

/** Everything wrong with a `step` result: obs ∈ space, finite reward, boolean flags, info object. */
export function stepResultProblems(name: string, space: unknown, r: unknown): ResultProblem[] {
  if (typeof r !== 'object' || r === null || Array.isArray(r) || !('obs' in r)) {
    const tuple = Array.isArray(r) ? ' (an array: return an object, not a tuple)' : '';
    return [{ observation: true, message: `${name}: step() must return { obs, reward, terminated, truncated, info }, got ${show(r)}${tuple}` }];
  }
  const out: ResultProblem[] = [];
  const res = r as StepResult<unknown> & { done?: unknown };
  const why = space instanceof Space ? space.check(res.obs) : null;
  if (why) out.push({ observation: true, message: `${name}: step() returned an observation outside ${String(space)}: ${why}; ${OBS_FIX}` });
  if (typeof res.reward !== 'number' || !Number.isFinite(res.reward)) {
    out.push({ observation: false, message: `${name}: step() reward must be a finite number, got ${show(res.reward)}; return a plain finite number (NaN and Infinity usually come from 0/0 or log(0))` });
  }
  if ('done' in res && !('terminated' in res)) {
    out.push({ observation: false, message: `${name}: step() returned \`done\`; return \`terminated\` (a terminal MDP state) and \`truncated\` (a time limit) separately, as Gymnasium ≥ 0.26 does` });
  }
  for (const flag of ['terminated', 'truncated'] as const) {
    if (typeof res[flag] !== 'boolean') {
      out.push({ observation: false, message: `${name}: step() ${flag} must be a boolean, got ${typeof res[flag]} ${show(res[flag])}; return true or false (e.g. \`x !== 0\`), not a number or undefined` });
    }
  }
  if (!isInfo(res.info)) out.push({ observation: false, message: `${name}: step() info must be an object, got ${show(res.info)}; return info: {} when there is nothing to report` });
  return out;
}

/** Everything wrong with a `render()` result in `mode`: `ansi` a string, `rgb_array` RGBA bytes of width×height. */
export function renderResultProblems(name: string, mode: RenderMode, frame: unknown): string[] {
  if (mode === 'ansi') {
    return typeof frame === 'string' ? [] : [`${name}: render() in "ansi" mode must return a string, got ${show(frame)}; return the text frame (newlines allowed)`];
  }
  if (mode !== 'rgb_array') return [];
  const shape = '{ data: Uint8Array, width, height }';
  if (typeof frame !== 'object' || frame === null) return [`${name}: render() in "rgb_array" mode must return ${shape}, got ${show(frame)}`];
  const f = frame as { data?: unknown; width?: unknown; height?: unknown };
  const out: string[] = [];
  if (!(f.data instanceof Uint8Array)) out.push(`${name}: render() in "rgb_array" mode returned data = ${show(f.data)}; return ${shape} with data a Uint8Array of RGBA bytes`);
  for (const k of ['width', 'height'] as const) {
    if (!Number.isInteger(f[k]) || (f[k] as number) <= 0) out.push(`${name}: render() in "rgb_array" mode returned ${k} = ${show(f[k])}; it must be a positive integer (pixels)`);
  }
  if (out.length === 0) {
    const w = f.width as number, h = f.height as number, n = (f.data as Uint8Array).length;
    if (n !== w * h * 4) {
      const rgb = n === w * h * 3 ? ' (that is 3 bytes per pixel: add an alpha byte of 255 to each pixel)' : '';
      out.push(`${name}: render() in "rgb_array" mode returned ${n} bytes for ${w}×${h}, expected width*height*4 = ${w * h * 4} (RGBA, row-major)${rgb}`);
    }
  }
  return out;
}

/** Throws InvalidObservationError unless `reset` returned `{obs ∈ observationSpace, info: object}`. */
export function checkResetResult(name: string, env: Env<unknown, unknown>, r: ResetResult<unknown>): void {
  const p = resetResultProblems(name, env.observationSpace, r)[0];
  if (p) throw new InvalidObservationError(p.message);
}

/** Throws unless `step` returned a well-typed result with obs ∈ observationSpace and a finite reward. */
export function checkStepResult(name: string, env: Env<unknown, unknown>, r: StepResult<unknown>): void {
  const p = stepResultProblems(name, env.observationSpace, r)[0];
  if (p) throw p.observation ? new InvalidObservationError(p.message) : new TypeError(p.message);
}

const OBS_FIX = 'return an element of observationSpace (its typed array, length and bounds), or declare the space the env really produces';

function isInfo(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
