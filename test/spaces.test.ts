import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { Box } from '../src/envs/spaces/box.ts';
import { Dict } from '../src/envs/spaces/dict.ts';
import { Discrete } from '../src/envs/spaces/discrete.ts';
import { MultiBinary } from '../src/envs/spaces/multi-binary.ts';
import { MultiDiscrete } from '../src/envs/spaces/multi-discrete.ts';
import type { Dtype, Space, SpaceJSON } from '../src/envs/spaces/space.ts';
import { Tuple } from '../src/envs/spaces/tuple.ts';
import { flatdim, flatten, flattenSpace, spaceFromJSON, unflatten } from '../src/envs/spaces/utils.ts';

/** Plain arrays of `k` samples, comparable with toEqual. */
function draw(space: Space<unknown>, k: number): unknown[] {
  return Array.from({ length: k }, () => plain(space.sample()));
}

function plain(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.map(plain);
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

function counts(values: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

function meanVar(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, variance };
}

/** One of each space kind, nested composites included. */
function allSpaces(): Record<string, Space<unknown>> {
  return {
    discrete: new Discrete(7, -3),
    box: new Box([-1, 0, -Infinity, -Infinity], [1, Infinity, 2, Infinity], [4]),
    boxInt: new Box(-5, 5, [2, 3], 'int16'),
    multiDiscrete: new MultiDiscrete([2, 5, 3], { start: [0, 10, -1] }),
    multiBinary: new MultiBinary([2, 3]),
    dict: new Dict({ pos: new Box(-1, 1, [2]), dir: new Discrete(4), inner: new Tuple([new MultiBinary(2), new Discrete(3)]) }),
    tuple: new Tuple([new Discrete(2), new Dict({ a: new MultiDiscrete([3, 3]) })]),
  };
}

describe('constructor validation', () => {
  it('Discrete rejects n ≤ 0, non-integer n and non-integer start', () => {
    expect(() => new Discrete(0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => new Discrete(2.5)).toThrow(/n must be a positive integer, got 2.5/);
    expect(() => new Discrete(3, 0.5)).toThrow(/start must be an integer, got 0.5/);
  });

  it('Box rejects bad dtype, missing shape, crossed/NaN bounds, wrong lengths, empty dims', () => {
    expect(() => new Box(0, 1, [2], 'float16' as Dtype)).toThrow(/unknown dtype "float16"/);
    // Inherited object keys are not dtypes either.
    expect(() => new Box(0, 1, [2], 'constructor' as Dtype)).toThrow(/unknown dtype "constructor"/);
    expect(() => new Box(0, 1)).toThrow(/shape is required/);
    expect(() => new Box([0, 2], [1, 1])).toThrow(/low\[1\] = 2 > high\[1\] = 1/);
    expect(() => new Box([0, NaN], [1, 1])).toThrow(/bound 1 is NaN/);
    expect(() => new Box([0, 0, 0], 1, [2])).toThrow(/low has length 3, expected 2/);
    expect(() => new Box(0, [1], [2])).toThrow(/high has length 1, expected 2/);
    expect(() => new Box(0, 1, [2, 0])).toThrow(/shape must be positive integers/);
    expect(() => new Box(0.2, 0.8, [1], 'int32')).toThrow(/no integer lies in \[0.2, 0.8\]/);
  });

  it('MultiDiscrete rejects empty, non-positive or fractional nvec and mismatched shape/start', () => {
    expect(() => new MultiDiscrete([])).toThrow(/shape must be positive|must not be empty/);
    expect(() => new MultiDiscrete([2, 0])).toThrow(/nvec must be positive integers, got 0 at 1/);
    expect(() => new MultiDiscrete([2, 1.5])).toThrow(/nvec must be positive integers, got 1.5 at 1/);
    expect(() => new MultiDiscrete([2, 2, 2], { shape: [2, 2] })).toThrow(/does not match 3 entries/);
    expect(() => new MultiDiscrete([2, 2], { start: [0] })).toThrow(/start has 1 entries/);
  });

  it('MultiBinary, Dict and Tuple reject empty or malformed input', () => {
    expect(() => new MultiBinary(0)).toThrow(/shape must be positive/);
    expect(() => new MultiBinary([2, -1])).toThrow(/shape must be positive/);
    expect(() => new Dict({})).toThrow(/at least one sub-space/);
    expect(() => new Dict({ a: 3 as unknown as Space<unknown> })).toThrow(/entry "a" is not a Space/);
    expect(() => new Tuple([])).toThrow(/at least one sub-space/);
    expect(() => new Tuple([new Discrete(2), {} as Space<unknown>])).toThrow(/entry 1 is not a Space/);
  });
});

describe('seeding', () => {
  for (const [name, make] of Object.entries(allSpaces()).map(([k]) => [k, () => allSpaces()[k]!] as const)) {
    it(`${name}: same seed → same samples, other seed → other samples`, () => {
      const a = make(), b = make();
      expect(a.seed(123)).toBe(123);
      b.seed(123);
      const sa = draw(a, 20);
      expect(draw(b, 20)).toEqual(sa);
      // Reseeding the same space restarts its stream.
      a.seed(123);
      expect(draw(a, 20)).toEqual(sa);
      b.seed(124);
      expect(draw(b, 20)).not.toEqual(sa);
    });
  }

  it('seed() without an argument picks a seed and reports it', () => {
    const a = new Discrete(1000), b = new Discrete(1000);
    const s = a.seed();
    expect(Number.isInteger(s) && s >= 0).toBe(true);
    b.seed(s);
    expect(draw(a, 10)).toEqual(draw(b, 10));
  });

  it('Dict seeds each sub-space, in key order, with a child seed drawn from its own seed', () => {
    // Keys given unsorted: a plain object is sorted to a, b, c.
    const d = new Dict({ c: new Discrete(1000), a: new Discrete(1000), b: new MultiBinary(16) });
    expect(d.keys).toEqual(['a', 'b', 'c']);
    d.seed(99);
    const parent = new Rng(99);
    const [sa, sb, sc] = [parent.childSeed(), parent.childSeed(), parent.childSeed()];
    const ra = new Discrete(1000), rb = new MultiBinary(16), rc = new Discrete(1000);
    ra.seed(sa);
    rb.seed(sb);
    rc.seed(sc);
    expect(draw(d.spaces.a!, 10)).toEqual(draw(ra, 10));
    expect(draw(d.spaces.b!, 10)).toEqual(draw(rb, 10));
    expect(draw(d.spaces.c!, 10)).toEqual(draw(rc, 10));
    // Two identical sub-spaces get different streams.
    d.seed(99);
    expect(draw(d.spaces.a!, 10)).not.toEqual(draw(d.spaces.c!, 10));
  });

  it('Tuple seeds sub-spaces deterministically, nested composites included', () => {
    const make = (): Tuple => new Tuple([new Discrete(50), new Dict({ x: new Discrete(50) }), new Discrete(50)]);
    const t1 = make(), t2 = make();
    t1.seed(5);
    t2.seed(5);
    expect(draw(t1, 15)).toEqual(draw(t2, 15));
    const parent = new Rng(5);
    const s0 = parent.childSeed();
    const ref = new Discrete(50);
    ref.seed(s0);
    t1.seed(5);
    expect(draw(t1.spaces[0]!, 10)).toEqual(draw(ref, 10));
    // Sub-spaces 0 and 2 are alike but seeded apart.
    t1.seed(5);
    expect(draw(t1.spaces[0]!, 10)).not.toEqual(draw(t1.spaces[2]!, 10));
  });
});

describe('sample', () => {
  it('every sample is contained, for every space kind', () => {
    for (const [name, s] of Object.entries(allSpaces())) {
      s.seed(1);
      for (let k = 0; k < 300; k++) {
        const x = s.sample();
        const why = s.check(x);
        if (why !== null) throw new Error(`${name}: sample ${k} not contained: ${why}`);
        expect(s.contains(x)).toBe(true);
      }
    }
  });

  it('Discrete: values cover {start..start+n-1} uniformly', () => {
    const s = new Discrete(4, 10);
    s.seed(3);
    const c = counts(Array.from({ length: 8000 }, () => s.sample()));
    expect([...c.keys()].sort()).toEqual([10, 11, 12, 13]);
    for (const v of c.values()) expect(Math.abs(v - 2000)).toBeLessThan(4 * Math.sqrt(8000 * 0.25 * 0.75));
  });

  it('Discrete mask: only allowed values, each of them; all-zero mask → start', () => {
    const s = new Discrete(5, 5);
    s.seed(4);
    const mask = Int8Array.of(0, 1, 0, 1, 0);
    const c = counts(Array.from({ length: 400 }, () => s.sample({ mask })));
    expect([...c.keys()].sort()).toEqual([6, 8]);
    for (let k = 0; k < 20; k++) expect(s.sample({ mask: new Int8Array(5) })).toBe(5);
    expect(() => s.sample({ mask: [1, 0] })).toThrow(/mask has length 2, expected 5/);
    expect(() => s.sample({ mask: [1, 0, 2, 0, 0] })).toThrow(/mask values must be 0 or 1, got 2 at 2/);
    expect(() => s.sample({ mask: [1, 1, 1, 1, 1], probability: [0.2, 0.2, 0.2, 0.2, 0.2] })).toThrow(/either mask or probability/);
  });

  it('Discrete probability: frequencies follow p; zero-probability values never drawn', () => {
    const s = new Discrete(4);
    s.seed(5);
    const p = [0, 0.25, 0.75, 0];
    const n = 20000;
    const c = counts(Array.from({ length: n }, () => s.sample({ probability: p })));
    expect(c.has(0)).toBe(false);
    expect(c.has(3)).toBe(false);
    for (const [v, q] of [[1, 0.25], [2, 0.75]] as const) {
      expect(Math.abs(c.get(v)! - n * q)).toBeLessThan(4 * Math.sqrt(n * q * (1 - q)));
    }
    expect(() => s.sample({ probability: [0.5, 0.5, 0.5, 0] })).toThrow(/sum to 1.5, expected 1/);
    expect(() => s.sample({ probability: [1.5, -0.5, 0, 0] })).toThrow(/must be ≥ 0, got -0.5 at 1/);
    expect(() => s.sample({ probability: [1] })).toThrow(/probability has length 1, expected 4/);
  });

  it('MultiDiscrete masks: per-dimension, all-zero → start of that dimension', () => {
    const s = new MultiDiscrete([3, 4], { start: [1, 10] });
    s.seed(6);
    for (let k = 0; k < 20; k++) {
      expect(Array.from(s.sample({ mask: [[0, 0, 1], [0, 0, 0, 0]] }))).toEqual([3, 10]);
    }
    const first: number[] = [], second: number[] = [];
    for (let k = 0; k < 300; k++) {
      const x = s.sample({ mask: [[1, 1, 0], [1, 0, 0, 1]] });
      first.push(x[0]!);
      second.push(x[1]!);
    }
    expect([...counts(first).keys()].sort()).toEqual([1, 2]);
    expect([...counts(second).keys()].sort()).toEqual([10, 13]);
    expect(() => s.sample({ mask: [[1, 1], [1, 1, 1, 1]] })).toThrow(/mask 0 has length 2, expected 3/);
  });

  it('MultiBinary mask: 0 → 0, 1 → 1, 2 → a fair coin', () => {
    const s = new MultiBinary(4);
    s.seed(7);
    const n = 4000;
    let ones2 = 0, ones3 = 0;
    for (let k = 0; k < n; k++) {
      const x = s.sample({ mask: [0, 1, 2, 2] });
      expect(x[0]).toBe(0);
      expect(x[1]).toBe(1);
      ones2 += x[2]!;
      ones3 += x[3]!;
    }
    for (const ones of [ones2, ones3]) expect(Math.abs(ones - n / 2)).toBeLessThan(4 * Math.sqrt(n / 4));
    expect(() => s.sample({ mask: [0, 1, 3, 2] })).toThrow(/mask values must be 0, 1 or 2, got 3 at 2/);
    expect(() => s.sample({ mask: [0, 1] })).toThrow(/mask has length 2, expected 4/);
  });

  it('Box: uniform when bounded, shifted Exp(1) when half-bounded, N(0,1) when unbounded', () => {
    const s = new Box([0, 5, -Infinity, -Infinity], [1, Infinity, 2, Infinity], [4], 'float64');
    s.seed(8);
    const n = 20000;
    const cols: number[][] = [[], [], [], []];
    for (let k = 0; k < n; k++) {
      const x = s.sample();
      for (let i = 0; i < 4; i++) cols[i]!.push(x[i]!);
    }
    // [0, 1]: mean 1/2, variance 1/12.
    const u = meanVar(cols[0]!);
    expect(Math.min(...cols[0]!)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...cols[0]!)).toBeLessThanOrEqual(1);
    expect(u.mean).toBeCloseTo(0.5, 1);
    expect(Math.abs(u.variance - 1 / 12)).toBeLessThan(0.005);
    // [5, ∞): 5 + Exp(1), so x − 5 has mean 1 and variance 1.
    const lo = meanVar(cols[1]!.map((v) => v - 5));
    expect(Math.min(...cols[1]!)).toBeGreaterThanOrEqual(5);
    expect(Math.abs(lo.mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(lo.variance - 1)).toBeLessThan(0.1);
    // (−∞, 2]: 2 − Exp(1).
    const hi = meanVar(cols[2]!.map((v) => 2 - v));
    expect(Math.max(...cols[2]!)).toBeLessThanOrEqual(2);
    expect(Math.abs(hi.mean - 1)).toBeLessThan(0.05);
    expect(Math.abs(hi.variance - 1)).toBeLessThan(0.1);
    // (−∞, ∞): N(0, 1), both signs, about 2.3 % beyond ±2.
    const g = meanVar(cols[3]!);
    expect(Math.abs(g.mean)).toBeLessThan(0.05);
    expect(Math.abs(g.variance - 1)).toBeLessThan(0.05);
    const tail = cols[3]!.filter((v) => Math.abs(v) > 2).length / n;
    expect(Math.abs(tail - 0.0455)).toBeLessThan(0.01);
  });

  it('Box with an integer dtype: integers, high inclusive, uniform over low..high', () => {
    const s = new Box(-2, 2, [1], 'int32');
    s.seed(9);
    const n = 10000;
    const xs = Array.from({ length: n }, () => s.sample()[0]!);
    const c = counts(xs);
    expect([...c.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    for (const v of c.values()) expect(Math.abs(v - n / 5)).toBeLessThan(4 * Math.sqrt(n * 0.2 * 0.8));
    expect(s.sample()).toBeInstanceOf(Int32Array);
  });

  it('Box with an integer dtype, half-bounded: 3 + floor(Exp(1)), whose mean is 1/(e − 1)', () => {
    const s = new Box(3, Infinity, [1], 'int32');
    s.seed(10);
    const xs = Array.from({ length: 20000 }, () => s.sample()[0]!);
    expect(xs.every((v) => Number.isInteger(v) && v >= 3)).toBe(true);
    // P(floor(E) ≥ k) = e^-k, so E[floor(E)] = Σ_k≥1 e^-k = 1/(e − 1) ≈ 0.582.
    expect(Math.abs(meanVar(xs.map((v) => v - 3)).mean - 1 / (Math.E - 1))).toBeLessThan(0.03);
  });

  it('Box with fractional bounds and an integer dtype samples only the integers inside', () => {
    const s = new Box(0.5, 2.5, [3], 'int32');
    s.seed(11);
    const seen = new Set<number>();
    for (let k = 0; k < 200; k++) {
      const x = s.sample();
      expect(s.check(x)).toBeNull();
      for (const v of x) seen.add(v);
    }
    expect([...seen].sort()).toEqual([1, 2]);
    expect(s.contains(Int32Array.of(0, 1, 2))).toBe(false);
  });

  it('float32 Box with bounds float32 cannot hold exactly: samples and the bound itself are contained', () => {
    const point = new Box(0.1, 0.1, [3]);
    point.seed(12);
    expect(point.check(point.sample())).toBeNull();
    const s = new Box(-0.1, 0.1, [2]);
    // A Float32Array holding 0.1 holds 0.10000000149…, the float32 nearest 0.1.
    expect(s.check(Float32Array.of(-0.1, 0.1))).toBeNull();
    expect(s.contains(Float32Array.of(0, 0.1000001))).toBe(false);
    const half = new Box(-Infinity, 0.1, [1000]);
    half.seed(13);
    for (let k = 0; k < 50; k++) expect(half.check(half.sample())).toBeNull();
  });

  it('Box rejects mask and probability', () => {
    const s = new Box(0, 1, [2]);
    expect(() => s.sample({ mask: [1, 1] as never })).toThrow(/not supported/);
  });
});

describe('contains / check', () => {
  it('Box names the wrong type, dtype, length, bound and NaN', () => {
    const s = new Box([-1, 0], [1, 10], [2]);
    expect(s.contains(Float32Array.of(0, 5))).toBe(true);
    expect(s.check([0, 5])).toMatch(/is not a typed array \(expected Float32Array of length 2\)/);
    expect(s.check(Float64Array.of(0, 5))).toMatch(/dtype float64 does not match .*expected Float32Array/);
    expect(s.check(Float32Array.of(0, 5, 1))).toMatch(/length 3 does not match shape \[2\]/);
    expect(s.check(Float32Array.of(0, 11))).toMatch(/entry 1 = 11 is outside \[0, 10\]/);
    expect(s.check(Float32Array.of(-1.5, 1))).toMatch(/entry 0 = -1.5 is outside \[-1, 1\]/);
    expect(s.check(Float32Array.of(NaN, 1))).toMatch(/entry 0 = NaN/);
    // Bounds are inclusive.
    expect(s.contains(Float32Array.of(-1, 10))).toBe(true);
    const ints = new Box(0, 3, [2], 'uint8');
    expect(ints.check(Int8Array.of(1, 1))).toMatch(/dtype int8 does not match/);
    expect(ints.contains(Uint8Array.of(0, 3))).toBe(true);
    expect(ints.check(Uint8Array.of(0, 4))).toMatch(/entry 1 = 4 is outside \[0, 3\]/);
  });

  it('Discrete names non-integers and the valid range', () => {
    const s = new Discrete(3, 1);
    expect(s.contains(1)).toBe(true);
    expect(s.contains(3)).toBe(true);
    for (const bad of [2.5, NaN, '1', null, [1]]) {
      expect(s.contains(bad)).toBe(false);
      expect(s.check(bad)).toMatch(/is not an integer/);
    }
    expect(s.contains(0)).toBe(false);
    expect(s.check(4)).toBe('4 is outside Discrete(3, start=1) (valid: 1..3)');
    // contains (fast path) and check (messages) agree on a sweep of values.
    for (let v = -2; v <= 6; v += 0.5) expect(s.contains(v)).toBe(s.check(v) === null);
  });

  it('MultiDiscrete names the wrong type, length and entry', () => {
    const s = new MultiDiscrete([2, 3], { start: [0, 5] });
    expect(s.contains(Int32Array.of(1, 7))).toBe(true);
    expect(s.check([1, 7])).toMatch(/is not an Int32Array/);
    expect(s.check(Float32Array.of(1, 7))).toMatch(/is not an Int32Array/);
    expect(s.check(Int32Array.of(1))).toMatch(/length 1 does not match/);
    expect(s.check(Int32Array.of(2, 5))).toMatch(/entry 0 = 2 is outside 0..1/);
    expect(s.check(Int32Array.of(0, 4))).toMatch(/entry 1 = 4 is outside 5..7/);
  });

  it('MultiBinary names the wrong type, length and non-binary entry', () => {
    const s = new MultiBinary(3);
    expect(s.contains(Int8Array.of(0, 1, 1))).toBe(true);
    expect(s.check(Uint8Array.of(0, 1, 1))).toMatch(/is not an Int8Array/);
    expect(s.check(Int8Array.of(0, 1))).toMatch(/length 2 does not match MultiBinary\(3\)/);
    expect(s.check(Int8Array.of(0, 2, 1))).toMatch(/entry 1 = 2 is not 0 or 1/);
    expect(s.check(Int8Array.of(0, 1, -1))).toMatch(/entry 2 = -1 is not 0 or 1/);
  });

  it('Dict and Tuple name the key or index that broke, recursively', () => {
    const d = new Dict({ pos: new Box(-1, 1, [2]), dir: new Discrete(4) });
    expect(d.contains({ pos: Float32Array.of(0, 0), dir: 3 })).toBe(true);
    expect(d.check([1])).toMatch(/is not an object/);
    expect(d.check({ pos: Float32Array.of(0, 0) })).toMatch(/key "dir" is missing/);
    expect(d.check({ pos: Float32Array.of(0, 0), dir: 1, extra: 0 })).toMatch(/unexpected key "extra"/);
    expect(d.check({ pos: Float32Array.of(0, 2), dir: 1 })).toMatch(/^key "pos": entry 1 = 2 is outside/);
    const t = new Tuple([new Discrete(2), d]);
    expect(t.contains([1, { pos: Float32Array.of(0, 0), dir: 0 }])).toBe(true);
    expect(t.check({})).toMatch(/is not an array/);
    expect(t.check([1])).toMatch(/length 1 does not match 2 sub-spaces/);
    expect(t.check([1, { pos: Float32Array.of(0, 0), dir: 9 }])).toMatch(/^entry 1: key "dir": 9 is outside Discrete\(4\)/);
  });
});

describe('flatten / unflatten', () => {
  it('Discrete flattens one-hot (offset by start) and back', () => {
    const s = new Discrete(4, 2);
    expect(flatdim(s)).toBe(4);
    expect(Array.from(flatten(s, 3))).toEqual([0, 1, 0, 0]);
    expect(Array.from(flatten(s, 5))).toEqual([0, 0, 0, 1]);
    expect(unflatten(s, [0, 1, 0, 0])).toBe(3);
    expect(() => unflatten(s, [0, 0, 0, 0])).toThrow(/no non-zero entry/);
    expect(() => unflatten(s, [0, 1, 0])).toThrow(/got 3 values, Discrete\(4, start=2\) needs 4/);
  });

  it('MultiDiscrete flattens to concatenated one-hots, Box and MultiBinary to their entries', () => {
    const md = new MultiDiscrete([2, 3], { start: [0, 1] });
    expect(flatdim(md)).toBe(5);
    expect(Array.from(flatten(md, Int32Array.of(1, 2)))).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(unflatten(md, [1, 0, 0, 0, 1]))).toEqual([0, 3]);
    const box = new Box<Int16Array>(-10, 10, [2, 2], 'int16');
    expect(flatdim(box)).toBe(4);
    expect(Array.from(flatten(box, Int16Array.of(-3, 4, 5, -6)))).toEqual([-3, 4, 5, -6]);
    expect(unflatten(box, [-3, 4, 5, -6])).toEqual(Int16Array.of(-3, 4, 5, -6));
    const mb = new MultiBinary([3]);
    expect(Array.from(flatten(mb, Int8Array.of(1, 0, 1)))).toEqual([1, 0, 1]);
    expect(unflatten(mb, [1, 0, 1])).toEqual(Int8Array.of(1, 0, 1));
  });

  it('Dict flattens its sub-spaces in sorted key order, Tuple in index order', () => {
    const d = new Dict({ pos: new Box(-1, 1, [2]), dir: new Discrete(3) });
    expect(flatdim(d)).toBe(5);
    // keys: dir, pos
    expect(Array.from(flatten(d, { pos: Float32Array.of(0.5, -0.25), dir: 2 }))).toEqual([0, 0, 1, 0.5, -0.25]);
    const t = new Tuple([new Discrete(2), new MultiBinary(2), d]);
    expect(flatdim(t)).toBe(2 + 2 + 5);
    expect(Array.from(flatten(t, [0, Int8Array.of(0, 1), { pos: Float32Array.of(1, 1), dir: 0 }]))).toEqual([1, 0, 0, 1, 1, 0, 0, 1, 1]);
  });

  it('flatten then unflatten gives back every sample, for every space kind', () => {
    for (const [name, s] of Object.entries(allSpaces())) {
      s.seed(20);
      for (let k = 0; k < 50; k++) {
        const x = s.sample();
        const flat = flatten(s, x);
        expect(flat.length, name).toBe(flatdim(s));
        expect(plain(unflatten(s, flat)), name).toEqual(plain(x));
      }
    }
  });

  it('flattenSpace: a float32 Box of flatdim with each sub-space bounds, containing flattened samples', () => {
    const d = new Dict({ pos: new Box([-1, -2], [1, 2]), door: new Discrete(3), free: new Box(-Infinity, Infinity, [1]) });
    const f = flattenSpace(d);
    expect(f.shape).toEqual([6]);
    expect(f.dtype).toBe('float32');
    // keys: door, free, pos
    expect(Array.from(f.low)).toEqual([0, 0, 0, -Infinity, -1, -2]);
    expect(Array.from(f.high)).toEqual([1, 1, 1, Infinity, 1, 2]);
    for (const [name, s] of Object.entries(allSpaces())) {
      const fs = flattenSpace(s);
      s.seed(21);
      for (let k = 0; k < 50; k++) {
        const why = fs.check(flatten(s, s.sample()));
        if (why !== null) throw new Error(`${name}: ${why}`);
      }
    }
  });
});

describe('batch', () => {
  it('Discrete(k).batch(n) is MultiDiscrete([k]*n) keeping start', () => {
    const b = new Discrete(3, 1).batch(4);
    expect(b).toBeInstanceOf(MultiDiscrete);
    expect(b.shape).toEqual([4]);
    expect(Array.from(b.nvec)).toEqual([3, 3, 3, 3]);
    expect(Array.from(b.start)).toEqual([1, 1, 1, 1]);
  });

  it('Box gains a leading n with tiled bounds; MultiDiscrete and MultiBinary likewise', () => {
    const box = new Box([0, 1, 2], [5, 6, 7], [3]).batch(2);
    expect(box.shape).toEqual([2, 3]);
    expect(Array.from(box.low)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(box.high)).toEqual([5, 6, 7, 5, 6, 7]);
    const box2 = new Box(0, 1, [2, 3], 'uint8').batch(5);
    expect(box2.shape).toEqual([5, 2, 3]);
    expect(box2.dtype).toBe('uint8');
    const md = new MultiDiscrete([2, 3], { start: [0, 4] }).batch(2);
    expect(md.shape).toEqual([2, 2]);
    expect(Array.from(md.nvec)).toEqual([2, 3, 2, 3]);
    expect(Array.from(md.start)).toEqual([0, 4, 0, 4]);
    expect(new MultiBinary([2]).batch(3).shape).toEqual([3, 2]);
  });

  it('Dict and Tuple batch each sub-space, keeping key order', () => {
    const d = new Dict([['z', new Discrete(2)], ['a', new Box(0, 1, [2])]]).batch(3);
    expect(d.keys).toEqual(['z', 'a']);
    expect(d.spaces.z!.shape).toEqual([3]);
    expect(d.spaces.a!.shape).toEqual([3, 2]);
    const t = new Tuple([new MultiBinary(2), new Discrete(5)]).batch(4);
    expect(t.spaces[0]!.shape).toEqual([4, 2]);
    expect(t.spaces[1]!.shape).toEqual([4]);
    // A batched sample is contained in the batched space.
    t.seed(1);
    expect(t.check(t.sample())).toBeNull();
  });
});

describe('toJSON / spaceFromJSON', () => {
  it('round-trips every space kind through JSON text, infinite bounds included', () => {
    for (const [name, s] of Object.entries(allSpaces())) {
      const text = JSON.stringify(s.toJSON());
      const back = spaceFromJSON(JSON.parse(text) as SpaceJSON);
      expect(back.constructor, name).toBe(s.constructor);
      expect(back.toJSON(), name).toEqual(s.toJSON());
      expect(back.toString(), name).toBe(s.toString());
      expect(flatdim(back), name).toBe(flatdim(s));
      // The rebuilt space accepts exactly what the original produces.
      s.seed(30);
      for (let k = 0; k < 20; k++) expect(back.check(s.sample()), name).toBeNull();
    }
  });

  it('Box infinities survive JSON (which has none) as "inf"/"-inf"', () => {
    const s = new Box([-Infinity, 0], [Infinity, 1], [2], 'float64');
    const text = JSON.stringify(s.toJSON());
    expect(text).toContain('"-inf"');
    expect(text).toContain('"inf"');
    const back = spaceFromJSON(JSON.parse(text) as SpaceJSON) as Box<Float64Array>;
    expect(Array.from(back.low)).toEqual([-Infinity, 0]);
    expect(Array.from(back.high)).toEqual([Infinity, 1]);
    expect(back.dtype).toBe('float64');
    expect(back.isBounded()).toBe(false);
  });

  it('keeps an explicit Dict key order and MultiDiscrete shape/start', () => {
    const d = new Dict([['z', new Discrete(2)], ['a', new MultiDiscrete([2, 2, 3, 3], { shape: [2, 2], start: [1, 1, 0, 0] })]]);
    const back = spaceFromJSON(JSON.parse(JSON.stringify(d.toJSON())) as SpaceJSON) as Dict;
    expect(back.keys).toEqual(['z', 'a']);
    const md = back.spaces.a as MultiDiscrete;
    expect(md.shape).toEqual([2, 2]);
    expect(Array.from(md.start)).toEqual([1, 1, 0, 0]);
  });

  it('rejects an unknown type', () => {
    expect(() => spaceFromJSON({ type: 'Text' } as unknown as SpaceJSON)).toThrow(/unknown space type "Text"/);
  });
});
