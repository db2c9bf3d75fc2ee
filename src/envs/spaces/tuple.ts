import { Space, show, type SpaceJSON } from './space.ts';

/** A fixed-length sequence of sub-spaces; elements are arrays. */
export class Tuple extends Space<unknown[]> {
  readonly shape: readonly number[] = [];
  readonly flatdim: number;

  constructor(readonly spaces: readonly Space<unknown>[]) {
    super();
    if (spaces.length === 0) throw new RangeError('Tuple: needs at least one sub-space');
    spaces.forEach((s, i) => {
      if (!(s instanceof Space)) throw new TypeError(`Tuple: entry ${i} is not a Space (got ${show(s)})`);
    });
    this.flatdim = spaces.reduce((d, s) => d + s.flatdim, 0);
  }

  override seed(seed?: number): number {
    const s = super.seed(seed);
    for (const sub of this.spaces) sub.seed(this.rng.childSeed());
    return s;
  }

  sample(options?: { mask?: readonly unknown[] }): unknown[] {
    return this.spaces.map((s, i) => s.sample(options?.mask?.[i] === undefined ? undefined : { mask: options.mask[i] }));
  }

  check(x: unknown): string | null {
    if (!Array.isArray(x)) return `${show(x)} is not an array`;
    if (x.length !== this.spaces.length) return `length ${x.length} does not match ${this.spaces.length} sub-spaces`;
    for (let i = 0; i < x.length; i++) {
      const why = this.spaces[i]!.check(x[i]);
      if (why) return `entry ${i}: ${why}`;
    }
    return null;
  }

  flattenInto(x: unknown[], out: Float32Array, offset = 0): void {
    this.spaces.forEach((s, i) => {
      s.flattenInto(x[i], out, offset);
      offset += s.flatdim;
    });
  }

  unflatten(flat: ArrayLike<number>, offset = 0): unknown[] {
    return this.spaces.map((s) => {
      const v = s.unflatten(flat, offset);
      offset += s.flatdim;
      return v;
    });
  }

  batch(n: number): Tuple {
    return new Tuple(this.spaces.map((s) => s.batch(n)));
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.map((s) => s.toString()).join(', ')})`;
  }
}
