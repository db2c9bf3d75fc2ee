import type { EnvMetadata, Info, RenderMode } from '../core/env.ts';
import type { EnvSpec } from '../core/spec.ts';
import type { Space, TypedArray } from '../spaces/space.ts';
import { EnvStateError, type EnvState } from '../core/env-state.ts';

/**
 * How a vector env resets a sub-env whose episode ended (Gymnasium 1.x `AutoresetMode`, envs-ppo.md §1.6).
 *
 * Timeline of one sub-env whose episode ends at step t with final observation s_T:
 *
 * | mode        | step t returns                                   | step t+1 returns                                        |
 * |-------------|--------------------------------------------------|---------------------------------------------------------|
 * | `next_step` | `(s_T, r_T, done)`                               | action ignored: `(reset obs, 0, false, false, reset info)` |
 * | `same_step` | `(reset obs, r_T, done)`, s_T in `finalObs`      | a normal step                                           |
 *
 * Under `next_step` the transition t → t+1 is not a real transition: training code masks it out.
 * Under `same_step` truncated episodes bootstrap from `finalObs` (CleanRL's and SB3's assumption).
 */
export const AutoresetMode = { NEXT_STEP: 'next_step', SAME_STEP: 'same_step' } as const;
export type AutoresetMode = (typeof AutoresetMode)[keyof typeof AutoresetMode];

/** The autoreset mode named by `mode`, or a clear error. */
export function parseAutoresetMode(mode: unknown, who: string): AutoresetMode {
  if (mode === undefined) return AutoresetMode.NEXT_STEP;
  if (mode === AutoresetMode.NEXT_STEP || mode === AutoresetMode.SAME_STEP) return mode;
  throw new RangeError(`${who}: autoresetMode ${JSON.stringify(mode)} is not one of "next_step", "same_step"`);
}

/**
 * The batch form of an element type: numbers (Discrete) → Int32Array, typed arrays keep their type with a
 * leading numEnvs dimension (flattened row-major), Dict → object of batches, Tuple → array of batches.
 */
export type BatchOf<T> = T extends number
  ? Int32Array
  : T extends TypedArray
    ? T
    : T extends readonly unknown[]
      ? { [K in keyof T]: BatchOf<T[K]> }
      : T extends Record<string, unknown>
        ? { [K in keyof T]: BatchOf<T[K]> }
        : unknown;

export interface VectorEnvMetadata extends EnvMetadata {
  autoresetMode: AutoresetMode;
}

export interface VectorResetOptions {
  /**
   * A number s seeds sub-env i with s + i; an array gives one seed per sub-env (length numEnvs, null or
   * undefined entries keep that sub-env's RNG). Omitted: every sub-env keeps its RNG (entropy on first use).
   */
  seed?: number | readonly (number | null | undefined)[];
  /** Passed to every sub-env's `reset`. */
  options?: Record<string, unknown>;
}

/**
 * Infos are a list with one entry per sub-env, each the sub-env's own info object (an env that returns a
 * shared frozen `{}` keeps doing so). Gymnasium's vector envs instead merge infos into a dict of arrays
 * plus `_key` masks; building that dict allocates arrays on every step for every key, which is what we
 * avoid here. `infos[i]` is valid until the next `step`/`reset`.
 */
export type VectorInfos = Info[];

/** What `reset` returns. The object and its buffers are reused by later calls: copy what you keep. */
export interface VectorResetResult<BO> {
  /** Batched observations, e.g. `Float32Array // [numEnvs * obsDim]` for a Box obs. */
  obs: BO;
  infos: VectorInfos;
}

/**
 * What `step` returns. The object and every buffer in it (obs, rewards, flags, finalObs, finalMask) are
 * allocated once and overwritten by each `step`/`reset`: stepping allocates nothing. Copy what you keep.
 */
export interface VectorStepResult<BO> {
  /** Batched observations after the step (under `same_step`: the reset obs for sub-envs that finished). */
  obs: BO;
  /** `[numEnvs]`. */
  rewards: Float64Array;
  /** `[numEnvs]`, 1 where the sub-env reached a terminal state. */
  terminations: Uint8Array;
  /** `[numEnvs]`, 1 where the sub-env was cut short (time limit). */
  truncations: Uint8Array;
  /** One info per sub-env (under `same_step`: the reset info for sub-envs that finished). */
  infos: VectorInfos;
  /** `same_step` only (null under `next_step`): batched final observations, valid where `finalMask[i] === 1`. */
  finalObs: BO | null;
  /** `same_step` only: `[numEnvs]`, 1 where the sub-env finished this step and was reset. */
  finalMask: Uint8Array | null;
  /** `same_step` only: the info of the finishing step where `finalMask[i] === 1`, else null. */
  finalInfos: (Info | null)[] | null;
}

/**
 * N copies of an env stepped together (Gymnasium 1.x `VectorEnv`, which is not an `Env`).
 * `BO`/`BA` are the batched observation and action types (see {@link BatchOf}).
 */
export interface VectorEnv<BO = unknown, BA = unknown> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<unknown>;
  readonly singleActionSpace: Space<unknown>;
  /** `singleObservationSpace.batch(numEnvs)`. */
  readonly observationSpace: Space<BO>;
  /** `singleActionSpace.batch(numEnvs)`: Discrete(k) → MultiDiscrete([k] * numEnvs), actions as Int32Array. */
  readonly actionSpace: Space<BA>;
  readonly metadata: VectorEnvMetadata;
  readonly renderMode: RenderMode | null;
  /** The spec of the sub-envs' id, set by `makeVec`; null otherwise. */
  spec: EnvSpec | null;
  /** True after `close()`. */
  readonly closed: boolean;
  reset(options?: VectorResetOptions): VectorResetResult<BO>;
  /** `actions` holds one action per sub-env in the batched action space's layout. */
  step(actions: BA): VectorStepResult<BO>;
  /** Release the sub-envs (and workers); calling it twice is harmless. */
  close(): void;
  /**
   * The env-state contract (core/env-state.ts), optional: every sub-env's state plus the autoreset
   * bookkeeping (which sub-envs reset on the next step). Test with `hasEnvState(vectorEnv)`.
   */
  getState?(): EnvState;
  setState?(state: EnvState): void;
  envStateSupported?(): boolean;
}

/**
 * Restores `states[i]` into `envs[i]` for every i, all or nothing: if one is refused, those already
 * restored get their previous state back before the error goes on.
 */
export function setAllStates(envs: readonly { getState?(): EnvState; setState?(s: EnvState): void }[], states: unknown, who: string, firstIndex = 0): void {
  if (!Array.isArray(states) || states.length !== envs.length) {
    throw new EnvStateError(`${who}.setState: expected ${envs.length} sub-env states, got ${Array.isArray(states) ? states.length : typeof states}`);
  }
  const before = envs.map((e) => e.getState!());
  let i = 0;
  try {
    for (; i < envs.length; i++) {
      try {
        envs[i]!.setState!(states[i] as EnvState);
      } catch (e) {
        throw new EnvStateError(`${who}: sub-env ${firstIndex + i}: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    for (let j = 0; j < i; j++) envs[j]!.setState!(before[j]!);
    throw e;
  }
}

/** The per-sub-env seeds of `reset({ seed })`: s → [s, s+1, …]; an array is checked and passed through. */
export function subEnvSeeds(seed: VectorResetOptions['seed'], numEnvs: number, who: string): (number | undefined)[] {
  const out = new Array<number | undefined>(numEnvs);
  if (seed === undefined || seed === null) return out.fill(undefined);
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${who}: reset seed must be an integer ≥ 0, got ${String(seed)}`);
    for (let i = 0; i < numEnvs; i++) out[i] = seed + i;
    return out;
  }
  if (!Array.isArray(seed)) throw new TypeError(`${who}: reset seed must be a number or an array of ${numEnvs} numbers, got ${typeof seed}`);
  if (seed.length !== numEnvs) throw new RangeError(`${who}: reset seed array has length ${seed.length}, expected numEnvs = ${numEnvs}`);
  for (let i = 0; i < numEnvs; i++) {
    const s = seed[i];
    if (s === null || s === undefined) out[i] = undefined;
    else if (!Number.isSafeInteger(s) || s < 0) throw new RangeError(`${who}: seed[${i}] must be an integer ≥ 0, got ${String(s)}`);
    else out[i] = s;
  }
  return out;
}
