import { Rng } from '../core/rng.ts';

/** A JSON description of a space, enough to rebuild it (used across threads, sockets and files). */
export type SpaceJSON =
  | { type: 'Discrete'; n: number; start: number }
  | { type: 'Box'; low: JSONBound[]; high: JSONBound[]; shape: number[]; dtype: Dtype }
  | { type: 'MultiDiscrete'; nvec: number[]; shape: number[]; start: number[] }
  | { type: 'MultiBinary'; shape: number[] }
  | { type: 'Dict'; spaces: [string, SpaceJSON][] }
  | { type: 'Tuple'; spaces: SpaceJSON[] };

/** A Box bound in JSON, which has no infinities. */
export type JSONBound = number | 'inf' | '-inf';

/** Element types a numeric space can hold, named as in NumPy. */
export type Dtype = 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32';

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export const TYPED_ARRAY: Record<Dtype, { new (n: number | ArrayLike<number>): TypedArray }> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
};

/** The dtype name of a typed array, or null for anything else. */
export function dtypeOf(x: unknown): Dtype | null {
  if (x instanceof Float32Array) return 'float32';
  if (x instanceof Float64Array) return 'float64';
  if (x instanceof Int32Array) return 'int32';
  if (x instanceof Uint8Array) return 'uint8';
  if (x instanceof Int8Array) return 'int8';
  if (x instanceof Int16Array) return 'int16';
  if (x instanceof Uint16Array) return 'uint16';
  if (x instanceof Uint32Array) return 'uint32';
  return null;
}

export function isIntegerDtype(d: Dtype): boolean {
  return d !== 'float32' && d !== 'float64';
}

/**
 * The set of valid actions or observations, as Gymnasium's `Space`.
 *
 * Each space owns its own {@link Rng} for `sample`, seeded separately from the env (`space.seed(s)`).
 */
export abstract class Space<T> {
  /** The generator `sample` draws from. */
  readonly rng: Rng = new Rng();

  /** Element shape ([] for a scalar such as Discrete). */
  abstract readonly shape: readonly number[];

  /** Reseed the sampling generator; returns the seed used. Composite spaces seed their children from it. */
  seed(seed?: number): number {
    if (seed === undefined) seed = new Rng().childSeed();
    this.rng.reseed(seed);
    return seed;
  }

  /** A random element of the space. */
  abstract sample(options?: unknown): T;

  /** Why `x` is not an element of this space, or null if it is. */
  abstract check(x: unknown): string | null;

  /** True when `x` is an element of this space. */
  contains(x: unknown): x is T {
    return this.check(x) === null;
  }

  /** Length of the flat Float32 vector `flatten` produces. */
  abstract readonly flatdim: number;

  /** Write `x` as a flat vector at `out[offset .. offset + flatdim)` (Discrete: one-hot). */
  abstract flattenInto(x: T, out: Float32Array, offset?: number): void;

  /** Inverse of `flattenInto`. */
  abstract unflatten(flat: ArrayLike<number>, offset?: number): T;

  /** A flat Float32 vector of `x` (allocates; use `flattenInto` in hot loops). */
  flatten(x: T): Float32Array {
    const out = new Float32Array(this.flatdim);
    this.flattenInto(x, out, 0);
    return out;
  }

  /** The space of `n` stacked elements (vector envs): Discrete(k) → MultiDiscrete([k]*n), Box gains a leading n. */
  abstract batch(n: number): Space<unknown>;

  abstract toJSON(): SpaceJSON;

  abstract toString(): string;
}

/** Product of a shape's dimensions. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function assertShape(shape: readonly number[], what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d <= 0) throw new RangeError(`${what}: shape must be positive integers, got [${shape.join(', ')}]`);
  }
}

/** Short printable form of any value, for error messages. */
export function show(x: unknown): string {
  if (typeof x === 'number' || typeof x === 'boolean' || x === null || x === undefined) return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    const head = Array.from({ length: Math.min(a.length, 8) }, (_, i) => a[i]).join(', ');
    return `${x.constructor.name}(${a.length}) [${head}${a.length > 8 ? ', …' : ''}]`;
  }
  if (Array.isArray(x)) return `[${x.slice(0, 8).map(show).join(', ')}${x.length > 8 ? ', …' : ''}]`;
  if (typeof x === 'object') return `{${Object.keys(x as object).slice(0, 8).join(', ')}}`;
  return typeof x;
}
