import { Space, assertShape, shapeSize, show, type SpaceJSON } from './space.ts';

export interface MultiBinarySampleOptions {
  /** Per element: 0 → always 0, 1 → always 1, 2 → random (Gymnasium's convention). */
  mask?: ArrayLike<number>;
}

/** Vectors of 0/1 values of a given shape. Elements are Int8Array. */
export class MultiBinary extends Space<Int8Array> {
  readonly shape: readonly number[];
  readonly flatdim: number;

  constructor(n: number | readonly number[]) {
    super();
    this.shape = typeof n === 'number' ? [n] : [...n];
    assertShape(this.shape, 'MultiBinary');
    this.flatdim = shapeSize(this.shape);
  }

  sample(options?: MultiBinarySampleOptions): Int8Array {
    const out = new Int8Array(this.flatdim);
    const m = options?.mask;
    if (m && m.length !== this.flatdim) throw new RangeError(`MultiBinary.sample: mask has length ${m.length}, expected ${this.flatdim}`);
    for (let i = 0; i < out.length; i++) {
      const v = m ? m[i]! : 2;
      if (v !== 0 && v !== 1 && v !== 2) throw new RangeError(`MultiBinary.sample: mask values must be 0, 1 or 2, got ${show(v)} at ${i}`);
      out[i] = v === 2 ? this.rng.nextUint32() & 1 : v;
    }
    return out;
  }

  check(x: unknown): string | null {
    if (!(x instanceof Int8Array)) return `${show(x)} is not an Int8Array`;
    if (x.length !== this.flatdim) return `length ${x.length} does not match ${this.toString()} (expected ${this.flatdim})`;
    for (let i = 0; i < x.length; i++) if (x[i] !== 0 && x[i] !== 1) return `entry ${i} = ${x[i]} is not 0 or 1`;
    return null;
  }

  flattenInto(x: Int8Array, out: Float32Array, offset = 0): void {
    for (let i = 0; i < this.flatdim; i++) out[offset + i] = x[i]!;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): Int8Array {
    const out = new Int8Array(this.flatdim);
    for (let i = 0; i < out.length; i++) out[i] = flat[offset + i] ? 1 : 0;
    return out;
  }

  batch(n: number): MultiBinary {
    return new MultiBinary([n, ...this.shape]);
  }

  toJSON(): SpaceJSON {
    return { type: 'MultiBinary', shape: [...this.shape] };
  }

  toString(): string {
    return `MultiBinary(${this.shape.length === 1 ? this.shape[0] : `[${this.shape.join(', ')}]`})`;
  }
}
