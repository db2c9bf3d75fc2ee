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
