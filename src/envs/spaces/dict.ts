import { Space, show, type SpaceJSON } from './space.ts';

export type DictElement = Record<string, unknown>;

/**
 * A dictionary of named sub-spaces. A plain object's keys are sorted (Gymnasium's order, which fixes the
 * flatten layout); pass `[key, space]` pairs to keep your own order.
 */
export class Dict extends Space<DictElement> {
  readonly shape: readonly number[] = [];
  readonly spaces: Readonly<Record<string, Space<unknown>>>;
  readonly keys: readonly string[];
  readonly flatdim: number;

  constructor(spaces: Record<string, Space<unknown>> | [string, Space<unknown>][]) {
    super();
    const pairs = Array.isArray(spaces) ? spaces : Object.entries(spaces).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (pairs.length === 0) throw new RangeError('Dict: needs at least one sub-space');
    const rec: Record<string, Space<unknown>> = {};
    for (const [k, s] of pairs) {
      if (!(s instanceof Space)) throw new TypeError(`Dict: entry "${k}" is not a Space (got ${show(s)})`);
      rec[k] = s;
    }
    this.spaces = rec;
    this.keys = pairs.map(([k]) => k);
    this.flatdim = pairs.reduce((d, [, s]) => d + s.flatdim, 0);
  }

  /** Seeds this space, then each sub-space in key order with a seed drawn from it. */
  override seed(seed?: number): number {
    const s = super.seed(seed);
    for (const k of this.keys) this.spaces[k]!.seed(this.rng.childSeed());
    return s;
  }

  sample(options?: { mask?: Record<string, unknown> }): DictElement {
    const out: DictElement = {};
    for (const k of this.keys) out[k] = this.spaces[k]!.sample(options?.mask?.[k] === undefined ? undefined : { mask: options.mask[k] });
    return out;
  }

  check(x: unknown): string | null {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) return `${show(x)} is not an object`;
    const got = Object.keys(x);
    for (const k of this.keys) {
      if (!(k in x)) return `key "${k}" is missing (expected keys ${this.keys.join(', ')})`;
      const why = this.spaces[k]!.check((x as DictElement)[k]);
      if (why) return `key "${k}": ${why}`;
    }
    for (const k of got) if (!(k in this.spaces)) return `unexpected key "${k}" (expected keys ${this.keys.join(', ')})`;
    return null;
  }

  flattenInto(x: DictElement, out: Float32Array, offset = 0): void {
    for (const k of this.keys) {
      const s = this.spaces[k]!;
      s.flattenInto(x[k], out, offset);
      offset += s.flatdim;
    }
  }

  unflatten(flat: ArrayLike<number>, offset = 0): DictElement {
    const out: DictElement = {};
    for (const k of this.keys) {
      const s = this.spaces[k]!;
      out[k] = s.unflatten(flat, offset);
      offset += s.flatdim;
    }
    return out;
  }

  batch(n: number): Dict {
    return new Dict(this.keys.map((k): [string, Space<unknown>] => [k, this.spaces[k]!.batch(n)]));
  }

  toJSON(): SpaceJSON {
    return { type: 'Dict', spaces: this.keys.map((k) => [k, this.spaces[k]!.toJSON()]) };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `${k}: ${this.spaces[k]!.toString()}`).join(', ')})`;
  }
}
