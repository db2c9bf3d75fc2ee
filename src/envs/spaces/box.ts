import {
  Space, TYPED_ARRAY, assertShape, dtypeOf, isIntegerDtype, shapeSize, show,
  type Dtype, type JSONBound, type SpaceJSON, type TypedArray,
} from './space.ts';

/**
 * An n-dimensional box: typed arrays of `shape` with low ≤ x ≤ high element-wise (as Gymnasium's Box).
 * Elements are the typed array of `dtype` (Float32Array by default), row-major, length = prod(shape).
 */
export class Box<A extends TypedArray = Float32Array> extends Space<A> {
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly size: number;
  readonly flatdim: number;

  /**
   * @param low  scalar or array of length prod(shape)
   * @param high scalar or array of length prod(shape)
   * @param shape required when both bounds are scalars
   */
  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape?: readonly number[],
    dtype: Dtype = 'float32',
  ) {
    super();
    if (!Object.hasOwn(TYPED_ARRAY, dtype)) throw new TypeError(`Box: unknown dtype ${show(dtype)} (valid: ${Object.keys(TYPED_ARRAY).join(', ')})`);
    this.dtype = dtype;
    const inferred = typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : undefined;
    const s = shape ?? inferred;
    if (!s) throw new TypeError('Box: shape is required when low and high are both scalars');
    this.shape = [...s];
    assertShape(this.shape, 'Box');
    this.size = shapeSize(this.shape);
    this.flatdim = this.size;
    this.low = bound(low, this.size, 'low');
    this.high = bound(high, this.size, 'high');
    for (let i = 0; i < this.size; i++) {
      if (Number.isNaN(this.low[i]) || Number.isNaN(this.high[i])) throw new RangeError(`Box: bound ${i} is NaN`);
      if (this.low[i]! > this.high[i]!) throw new RangeError(`Box: low[${i}] = ${this.low[i]} > high[${i}] = ${this.high[i]}`);
    }
    // Store the bounds as the dtype holds them (Gymnasium casts them to the dtype). Elements are always of
    // the dtype, so `contains` and `sample` then agree: a float32 Box(0, 0.1) holds Float32Array.of(0.1),
    // which is 0.10000000149 > 0.1, and an int Box(0.5, 2.5) holds exactly the integers 1..2.
    if (dtype === 'float32') {
      for (let i = 0; i < this.size; i++) {
        this.low[i] = Math.fround(this.low[i]!);
        this.high[i] = Math.fround(this.high[i]!);
      }
    } else if (isIntegerDtype(dtype)) {
      for (let i = 0; i < this.size; i++) {
        const lo = Math.ceil(this.low[i]!), hi = Math.floor(this.high[i]!);
        if (lo > hi) throw new RangeError(`Box: no integer lies in [${this.low[i]}, ${this.high[i]}] (bound ${i}, dtype ${dtype})`);
        this.low[i] = lo;
        this.high[i] = hi;
      }
    }
  }

  /** Uniform in [low, high]; half-bounded dimensions use a shifted Exp(1), unbounded N(0, 1); integer dtypes floor with high inclusive. */
  sample(options?: { mask?: never; probability?: never }): A {
    if (options?.mask !== undefined || options?.probability !== undefined) {
      throw new Error(`Box.sample: mask and probability are not supported for ${this.toString()}`);
    }
    const out = new TYPED_ARRAY[this.dtype](this.size) as A;
    const int = isIntegerDtype(this.dtype);
    const rng = this.rng;
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!, hi = this.high[i]!;
      const loF = Number.isFinite(lo), hiF = Number.isFinite(hi);
      let v: number;
      if (loF && hiF) v = int ? lo + Math.floor(rng.random() * (hi - lo + 1)) : rng.uniform(lo, hi);
      else if (loF) v = lo + rng.exponential();
      else if (hiF) v = hi - rng.exponential();
      else v = rng.normal();
      if (int) v = Math.floor(v);
      out[i] = v;
    }
    // float32 rounding can push a value just past a bound; clip it back inside.
    for (let i = 0; i < this.size; i++) {
      if (out[i]! > this.high[i]!) out[i] = this.high[i]!;
      if (out[i]! < this.low[i]!) out[i] = this.low[i]!;
    }
    return out;
  }

  check(x: unknown): string | null {
    const d = dtypeOf(x);
    if (d === null) return `${show(x)} is not a typed array (expected ${TYPED_ARRAY[this.dtype].name} of length ${this.size})`;
    if (d !== this.dtype) return `dtype ${d} does not match ${this.toString()} (expected ${TYPED_ARRAY[this.dtype].name})`;
    const a = x as TypedArray;
    if (a.length !== this.size) return `length ${a.length} does not match shape [${this.shape.join(', ')}] of ${this.toString()} (expected ${this.size})`;
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!(v >= this.low[i]! && v <= this.high[i]!)) return `entry ${i} = ${v} is outside [${this.low[i]}, ${this.high[i]}]`;
    }
    return null;
  }

  flattenInto(x: A, out: Float32Array, offset = 0): void {
    out.set(x, offset);
  }

  unflatten(flat: ArrayLike<number>, offset = 0): A {
    const out = new TYPED_ARRAY[this.dtype](this.size) as A;
    for (let i = 0; i < this.size; i++) out[i] = flat[offset + i]!;
    return out;
  }

  batch(n: number): Box<A> {
    const low = new Float64Array(n * this.size);
    const high = new Float64Array(n * this.size);
    for (let k = 0; k < n; k++) {
      low.set(this.low, k * this.size);
      high.set(this.high, k * this.size);
    }
    return new Box<A>(low, high, [n, ...this.shape], this.dtype);
  }

  /** True when every bound is finite. */
  isBounded(): boolean {
    for (let i = 0; i < this.size; i++) if (!Number.isFinite(this.low[i]) || !Number.isFinite(this.high[i])) return false;
    return true;
  }

  toJSON(): SpaceJSON {
    return { type: 'Box', low: toJSONBounds(this.low), high: toJSONBounds(this.high), shape: [...this.shape], dtype: this.dtype };
  }

  toString(): string {
    // float32 bounds print as the decimal they were written as (4.8, not 4.800000190734863).
    const n = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(7))) : v > 0 ? 'inf' : '-inf');
    const b = (a: Float64Array): string => (a.every((v) => v === a[0]) ? n(a[0]!) : `[${[...a.subarray(0, 4)].map(n).join(', ')}${a.length > 4 ? ', …' : ''}]`);
    return `Box(${b(this.low)}, ${b(this.high)}, [${this.shape.join(', ')}], ${this.dtype})`;
  }
}

function bound(v: number | ArrayLike<number>, size: number, name: string): Float64Array {
  if (typeof v === 'number') return new Float64Array(size).fill(v);
  if (v.length !== size) throw new RangeError(`Box: ${name} has length ${v.length}, expected ${size}`);
  return Float64Array.from(v);
}

function toJSONBounds(a: Float64Array): JSONBound[] {
  return Array.from(a, (v) => (v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v));
}
