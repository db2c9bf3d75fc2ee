/**
 * Reading an env's constructor options, with errors that name the env, the option, the value and what
 * was expected: `KeyDoorTreasure: option size must be an integer in [5, 64], got 3`. An option left
 * `undefined` takes its default.
 */

/** An option that must be one of `allowed` (default `fallback`). */
export function oneOf<T extends string>(env: string, option: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) throw new RangeError(`${env}: option ${option} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** A number option within [lo, hi], an integer when `integer` (default `fallback`). */
export function numberIn(env: string, option: string, value: unknown, lo: number, hi: number, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < lo || value > hi || (integer && !Number.isInteger(value))) {
    throw new RangeError(`${env}: option ${option} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Reads an env's own `reward` option. `'delayed'` is never an env's to implement: `make(id, { reward:
 * 'delayed' })` wraps any registered env in DelayedReward (outside TimeLimit), so the error for it names
 * that route. `modes[0]` is the default; the message lists 'delayed' too, as `make` accepts it.
 */
export function rewardOption<M extends string>(env: string, value: unknown, modes: readonly [M, ...M[]]): M {
  if (value === undefined) return modes[0];
  if ((modes as readonly unknown[]).includes(value)) return value as M;
  const valid = [modes[0], 'delayed', ...modes.slice(1)].map((m) => `'${m}'`).join(', ');
  const hint = value === 'delayed' ? ` (the env class pays its natural reward; make(id, { reward: 'delayed' }) or new DelayedReward(env) delays it)` : ` ('delayed' through make, which adds the DelayedReward wrapper)`;
  throw new RangeError(`${env}: option reward must be one of ${valid}, got ${JSON.stringify(value)}${hint}`);
}

/**
 * The option names of an env's options interface `O` (all but `renderMode`, which every env takes), for
 * `register(id, factory, { options })`. The object must name every option of `O` and nothing else, so the
 * compiler keeps the registered list and the interface together: `optionNames<CartPoleOptions>({ suttonBartoReward: true })`.
 */
export function optionNames<O>(names: { readonly [K in Exclude<keyof O, 'renderMode'>]-?: true }): string[] {
  return Object.keys(names);
}
