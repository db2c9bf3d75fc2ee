import { MultiDiscrete } from './multi-discrete.ts';
import { Space, show, type SpaceJSON } from './space.ts';

export interface DiscreteSampleOptions {
  /** 1 = allowed, 0 = masked out; length n. All zero → returns `start` (as Gymnasium). */
  mask?: ArrayLike<number>;
  /** Probabilities of each of the n values, summing to 1. */
  probability?: ArrayLike<number>;
}

/** The integers {start, …, start + n − 1}. */
export class Discrete extends Space<number> {
  readonly shape: readonly number[] = [];
  readonly flatdim: number;

  constructor(readonly n: number, readonly start = 0) {
    super();
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Discrete: n must be a positive integer, got ${show(n)}`);
    if (!Number.isInteger(start)) throw new RangeError(`Discrete: start must be an integer, got ${show(start)}`);
    this.flatdim = n;
  }

  sample(options?: DiscreteSampleOptions): number {
    const n = this.n;
    if (options?.mask && options.probability) throw new Error('Discrete.sample: pass either mask or probability, not both');
    if (options?.mask) {
      const m = options.mask;
      if (m.length !== n) throw new RangeError(`Discrete.sample: mask has length ${m.length}, expected ${n}`);
      let count = 0;
      for (let i = 0; i < n; i++) {
        if (m[i] !== 0 && m[i] !== 1) throw new RangeError(`Discrete.sample: mask values must be 0 or 1, got ${show(m[i])} at ${i}`);
        count += m[i]!;
      }
      if (count === 0) return this.start;
      let k = this.rng.integer(count);
      for (let i = 0; i < n; i++) if (m[i] === 1 && k-- === 0) return this.start + i;
    }
    if (options?.probability) {
      const p = options.probability;
      if (p.length !== n) throw new RangeError(`Discrete.sample: probability has length ${p.length}, expected ${n}`);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        if (!(p[i]! >= 0)) throw new RangeError(`Discrete.sample: probability must be ≥ 0, got ${show(p[i])} at ${i}`);
        sum += p[i]!;
      }
      if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`Discrete.sample: probabilities sum to ${sum}, expected 1`);
      let u = this.rng.random() * sum;
      for (let i = 0; i < n; i++) {
        u -= p[i]!;
        if (u < 0 && p[i]! > 0) return this.start + i;
      }
      for (let i = n - 1; i >= 0; i--) if (p[i]! > 0) return this.start + i;
    }
    return this.start + this.rng.integer(n);
  }

  check(x: unknown): string | null {
    if (typeof x !== 'number' || !Number.isInteger(x)) return `${show(x)} is not an integer`;
    if (x < this.start || x >= this.start + this.n) return `${x} is outside ${this.toString()} (valid: ${this.start}..${this.start + this.n - 1})`;
    return null;
  }

  // Hot path (checker, env action validation): no string building unless the value is bad.
  override contains(x: unknown): x is number {
    return typeof x === 'number' && Number.isInteger(x) && x >= this.start && x < this.start + this.n;
  }

  flattenInto(x: number, out: Float32Array, offset = 0): void {
    out.fill(0, offset, offset + this.n);
    out[offset + x - this.start] = 1;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): number {
    for (let i = 0; i < this.n; i++) if (flat[offset + i] !== 0) return this.start + i;
    throw new RangeError(`Discrete.unflatten: no non-zero entry in the one-hot vector of length ${this.n}`);
  }

  batch(n: number): MultiDiscrete {
    return new MultiDiscrete(new Array<number>(n).fill(this.n), { start: new Array<number>(n).fill(this.start) });
  }

  toJSON(): SpaceJSON {
    return { type: 'Discrete', n: this.n, start: this.start };
  }

  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}
