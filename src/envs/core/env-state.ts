/**
 * The env-state contract: an env (or wrapper, or vector env) that can save everything that shapes its
 * future steps and put it back, so that a run resumed from a checkpoint continues the very episodes it
 * was in (the same observations, rewards and flags as if it had never stopped).
 *
 * An `EnvState` is plain JSON data: numbers, booleans, strings, arrays and objects. Typed arrays are
 * stored as `{ dtype, length, base64 }` of their little-endian bytes (exact for floats, NaN included;
 * see state-fields.ts). Every state names its `kind` (the env class or wrapper) and, for envs with
 * options, the options that shape it, so a state from another env is refused by name.
 *
 * Both methods are optional: an env without them still works everywhere, but a resumed training run
 * restarts its episodes with a fresh reset. Wrappers and vector envs forward to what they wrap, so use
 * {@link hasEnvState}, which asks the whole stack, rather than testing for `getState`.
 */
export interface EnvState {
  /** Which env or wrapper wrote it, e.g. `CartPole`, `TimeLimit`. */
  readonly kind: string;
  readonly [field: string]: unknown;
}

/** What an env with state offers. */
export interface EnvStateful {
  /** A JSON-able snapshot; later steps do not change it. */
  getState(): EnvState;
  /** Restore a snapshot of an env made with the same options; a state of another env throws EnvStateError and changes nothing. */
  setState(state: EnvState): void;
  /**
   * Wrappers and vector envs: whether everything below supports the contract too (a wrapper over a
   * custom env without getState has the methods but cannot honour them). Absent: true.
   */
  envStateSupported?(): boolean;
}

/** A state that does not fit the env it is given to (wrong kind, options, shape, or a corrupt field). */
export class EnvStateError extends TypeError {
  override name = 'EnvStateError';
}

/** True when `env` (an env, wrapper or vector env) can save and restore its whole state. */
export function hasEnvState<E extends object>(env: E | null | undefined): env is E & EnvStateful {
  if (env === null || env === undefined) return false;
  const e = env as Partial<EnvStateful>;
  if (typeof e.getState !== 'function' || typeof e.setState !== 'function') return false;
  return typeof e.envStateSupported === 'function' ? e.envStateSupported() : true;
}

/** `env.getState()`, or an EnvStateError naming the env when it (or something it wraps) has no state support. */
export function getEnvState(env: object, who: string): EnvState {
  if (!hasEnvState(env)) throw new EnvStateError(`${who} cannot save its state (no getState/setState on it or on an env it wraps)`);
  return env.getState();
}

/** Checks that `state` is an object of `kind` and returns it as a record; the error names `who` and what came instead. */
export function stateOfKind(state: unknown, kind: string, who: string): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new EnvStateError(`${who}.setState: expected a ${kind} state object, got ${state === null ? 'null' : Array.isArray(state) ? 'an array' : typeof state}`);
  }
  const k = (state as { kind?: unknown }).kind;
  if (k !== kind) throw new EnvStateError(`${who}.setState: this is a state of ${typeof k === 'string' ? k : `kind ${JSON.stringify(k)}`}, not of ${kind} (a state from another env or wrapper stack)`);
  return state as Record<string, unknown>;
}

/**
 * Checks that a state was saved by an env made with the same options (`config`, compared as JSON): a
 * KeyDoorTreasure state of size 5 does not fit a size-8 env.
 */
export function checkStateConfig(saved: unknown, config: Record<string, unknown>, who: string): void {
  const a = JSON.stringify(saved), b = JSON.stringify(config);
  if (a !== b) throw new EnvStateError(`${who}.setState: the state is of an env made with ${a ?? 'no options'}, this one was made with ${b}`);
}
