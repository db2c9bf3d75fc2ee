import type { Env } from '../core/env.ts';
import { checkEnvKwargs, make, spec as specOf } from '../core/registry.ts';
import type { EnvSpec } from '../core/spec.ts';
import { SyncVectorEnv } from './sync-vector-env.ts';
import { ThreadVectorEnv } from './thread-vector-env.ts';
import { parseAutoresetMode, type AutoresetMode, type VectorEnv } from './vector-env.ts';

/** Wraps one env (a `makeVec` `wrappers` entry). */
export type EnvWrapper = (env: Env<unknown, unknown>) => Env<unknown, unknown>;

export type VectorizationMode = 'sync' | 'threads' | 'vector_entry_point';

export interface MakeVecOptions {
  /**
   * `sync`: SyncVectorEnv over `make(id)`; `threads`: ThreadVectorEnv; `vector_entry_point`: the spec's
   * native `vectorFactory` (e.g. CartPoleVectorEnv). Default: `vector_entry_point` when the spec has a
   * vectorFactory and no `wrappers` (nor `reward: 'delayed'`, which is make's wrapper) are given, else `sync`.
   */
  vectorizationMode?: VectorizationMode;
  /** Default `next_step`, as Gymnasium 1.x. */
  autoresetMode?: AutoresetMode;
  /** Keyword arguments of each sub-env (override the spec's). */
  kwargs?: Record<string, unknown>;
  /** Wrap each sub-env, innermost first (sync mode only: functions cannot cross into worker threads). */
  wrappers?: EnvWrapper[];
  /** Threads mode: modules each worker imports first so user envs register (absolute paths or file URLs). */
  modules?: string[];
  /** Threads mode: number of workers (default min(numEnvs, os.availableParallelism())). */
  numWorkers?: number;
  /** Threads mode: bytes of info JSON per sub-env (default 4096). */
  infoBytes?: number;
}

/**
 * `numEnvs` copies of the env registered as `id`, as one vector env (Gymnasium's `make_vec`). The result's
 * `spec` is the id's spec. Reset with `reset({ seed })` to seed sub-env i with seed + i.
 */
export function makeVec<BO = unknown, BA = unknown>(id: string, numEnvs = 1, options: MakeVecOptions = {}): VectorEnv<BO, BA> {
  const who = `makeVec("${id}")`;
  if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`${who}: numEnvs must be a positive integer, got ${String(numEnvs)}`);
  const autoresetMode = parseAutoresetMode(options.autoresetMode, who);
  const kwargs = options.kwargs ?? {};
  const wrappers = options.wrappers ?? [];
  let mode = options.vectorizationMode;
  if (mode !== undefined && mode !== 'sync' && mode !== 'threads' && mode !== 'vector_entry_point') {
    throw new RangeError(`${who}: vectorizationMode ${JSON.stringify(mode)} is not one of "sync", "threads", "vector_entry_point"`);
  }
  // With `modules`, the id may be registered only inside the workers.
  let s: EnvSpec | null = null;
  if (mode === 'threads') {
    try {
      s = specOf(id);
    } catch {
      s = null;
    }
  } else {
    s = specOf(id);
  }
  // `reward: 'delayed'` is make's DelayedReward wrapper, which a native vector env would not get.
  const delayed = (kwargs.reward ?? s?.kwargs.reward) === 'delayed';
  mode ??= s?.vectorFactory && wrappers.length === 0 && !delayed ? 'vector_entry_point' : 'sync';
  if (options.modules?.length && mode !== 'threads') {
    throw new RangeError(`${who}: modules are imported by worker threads only (vectorizationMode "threads"); in ${mode} mode import them yourself before makeVec`);
  }

  let env: VectorEnv<BO, BA>;
  if (mode === 'sync') {
    const factory = (): Env<unknown, unknown> => {
      let e = make(id, kwargs);
      for (const w of wrappers) e = w(e);
      return e;
    };
    env = new SyncVectorEnv(Array.from({ length: numEnvs }, () => factory), { autoresetMode }) as unknown as VectorEnv<BO, BA>;
  } else if (mode === 'threads') {
    if (wrappers.length > 0) {
      throw new RangeError(`${who}: wrappers are functions and cannot cross into worker threads; register the wrapped env (additionalWrappers) in a module and pass it in modules`);
    }
    env = new ThreadVectorEnv<BO, BA>(id, numEnvs, { kwargs, modules: options.modules ?? [], autoresetMode, numWorkers: options.numWorkers, infoBytes: options.infoBytes });
  } else {
    if (wrappers.length > 0) throw new RangeError(`${who}: wrappers need vectorizationMode "sync"; vector_entry_point builds no single envs to wrap`);
    if (delayed) throw new RangeError(`${who}: reward "delayed" is make's DelayedReward wrapper and needs vectorizationMode "sync" or "threads"; vector_entry_point builds no single envs to wrap`);
    checkEnvKwargs(s!, kwargs); // make checks them in the other modes
    const factory = s!.vectorFactory;
    if (!factory) throw new RangeError(`${who}: the spec has no vectorFactory; use vectorizationMode "sync" or "threads"`);
    const made = factory(numEnvs, { ...structuredClone(s!.kwargs), ...kwargs, autoresetMode }) as VectorEnv<BO, BA> | null;
    if (!made || typeof made.step !== 'function' || typeof made.reset !== 'function' || made.numEnvs !== numEnvs) {
      throw new TypeError(`${who}: the spec's vectorFactory did not return a vector env of ${numEnvs} sub-envs`);
    }
    env = made;
  }
  if (s) env.spec = s;
  return env;
}
