import { Space, assertShape, shapeSize, show, type SpaceJSON } from './space.ts';

export interface MultiDiscreteSampleOptions {
  /** One 0/1 mask per dimension (length nvec[i]); an all-zero mask gives start[i]. */
  mask?: ArrayLike<ArrayLike<number>>;
}

/** A vector of independent Discrete values: element i in {start[i], …, start[i] + nvec[i] − 1}. Elements are Int32Array. */
export class MultiDiscrete extends Space<Int32Array> {
  readonly nvec: Int32Array;
  readonly start: Int32Array;
  readonly shape: readonly number[];
  readonly flatdim: number;

  constructor(nvec: ArrayLike<number>, options: { shape?: readonly number[]; start?: ArrayLike<number> } = {}) {
    super();
    this.nvec = Int32Array.from(nvec);
    this.shape = options.shape ? [...options.shape] : [this.nvec.length];
    assertShape(this.shape, 'MultiDiscrete');
    if (shapeSize(this.shape) !== this.nvec.length) throw new RangeError(`MultiDiscrete: shape [${this.shape}] does not match ${this.nvec.length} entries of nvec`);
    if (this.nvec.length === 0) throw new RangeError('MultiDiscrete: nvec must not be empty');
    for (let i = 0; i < this.nvec.length; i++) {
      if (!(nvec[i]! > 0) || !Number.isInteger(nvec[i])) throw new RangeError(`MultiDiscrete: nvec must be positive integers, got ${show(nvec[i])} at ${i}`);
    }
    this.start = options.start ? Int32Array.from(options.start) : new Int32Array(this.nvec.length);
    if (this.start.length !== this.nvec.length) throw new RangeError(`MultiDiscrete: start has ${this.start.length} entries, nvec ${this.nvec.length}`);
    let d = 0;
    for (const k of this.nvec) d += k;
    this.flatdim = d;
  }

  sample(options?: MultiDiscreteSampleOptions): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) {
      const n = this.nvec[i]!;
      const m = options?.mask?.[i];
      if (m) {
        if (m.length !== n) throw new RangeError(`MultiDiscrete.sample: mask ${i} has length ${m.length}, expected ${n}`);
        let count = 0;
        for (let j = 0; j < n; j++) count += m[j] ? 1 : 0;
        if (count === 0) {
          out[i] = this.start[i]!;
          continue;
        }
        let k = this.rng.integer(count);
        for (let j = 0; j < n; j++) if (m[j] && k-- === 0) { out[i] = this.start[i]! + j; break; }
      } else {
        out[i] = this.start[i]! + this.rng.integer(n);
      }
    }
    return out;
  }

  check(x: unknown): string | null {
    if (!(x instanceof Int32Array)) return `${show(x)} is not an Int32Array`;
    if (x.length !== this.nvec.length) return `length ${x.length} does not match ${this.toString()} (expected ${this.nvec.length})`;
    for (let i = 0; i < x.length; i++) {
      if (x[i]! < this.start[i]! || x[i]! >= this.start[i]! + this.nvec[i]!) {
        return `entry ${i} = ${x[i]} is outside ${this.start[i]}..${this.start[i]! + this.nvec[i]! - 1} of ${this.toString()}`;
      }
    }
    return null;
  }

  flattenInto(x: Int32Array, out: Float32Array, offset = 0): void {
    out.fill(0, offset, offset + this.flatdim);
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      out[o + x[i]! - this.start[i]!] = 1;
      o += this.nvec[i]!;
    }
  }

  unflatten(flat: ArrayLike<number>, offset = 0): Int32Array {
    const out = new Int32Array(this.nvec.length);
    let o = offset;
    for (let i = 0; i < this.nvec.length; i++) {
      let j = 0;
      while (j < this.nvec[i]! && flat[o + j] === 0) j++;
      if (j === this.nvec[i]) throw new RangeError(`MultiDiscrete.unflatten: dimension ${i} has no non-zero entry`);
      out[i] = this.start[i]! + j;
      o += this.nvec[i]!;
    }
    return out;
  }

  batch(n: number): MultiDiscrete {
    const nvec: number[] = [];
    const start: number[] = [];
    for (let k = 0; k < n; k++) {
      nvec.push(...this.nvec);
      start.push(...this.start);
    }
    return new MultiDiscrete(nvec, { shape: [n, ...this.shape], start });
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiDiscrete', nvec: [...this.nvec], shape: [...this.shape], start: [...this.start] };
  }

  toString(): string {
    const nv = this.nvec.length > 8 ? `${[...this.nvec.subarray(0, 8)].join(', ')}, …` : [...this.nvec].join(', ');
    return `MultiDiscrete([${nv}])`;
  }
}
