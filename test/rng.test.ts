import { describe, expect, it } from 'vitest';
import { BaseEnv, Box, Discrete, Rng, type ResetOptions, type ResetResult, type StepResult } from '../src/envs/index.ts';

/** xoshiro128** (Blackman & Vigna) written independently with BigInt, as the reference stream. */
function* xoshiro128ssReference(state: readonly number[]): Generator<number> {
  const M = 0xffffffffn;
  let [s0, s1, s2, s3] = state.map(BigInt) as [bigint, bigint, bigint, bigint];
  const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (32n - k))) & M;
  for (;;) {
    const result = (rotl((s1 * 5n) & M, 7n) * 9n) & M;
    const t = (s1 << 9n) & M;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11n);
    yield Number(result);
  }
}

function take(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

function fromState(s: number[]): Rng {
  const r = new Rng(0);
  r.setState({ s, seed: -1, spare: null });
  return r;
}

describe('Rng: the xoshiro128** stream', () => {
  it('matches the algorithm from state [1, 2, 3, 4] (first three outputs worked by hand)', () => {
    // out = rotl(s1·5, 7)·9: s1 = 2 → rotl(10, 7)·9 = 1280·9 = 11520. The update gives s1 = 2 ^ (3 ^ 1) = 0 → 0.
    // Then s1 = 1029 → rotl(5145, 7)·9 = 5145·128·9 = 5927040.
    expect(take(fromState([1, 2, 3, 4]), 3)).toEqual([11520, 0, 5927040]);
  });

  it('matches an independent BigInt implementation over a long stream, from several states', () => {
    for (const s of [[1, 2, 3, 4], [0xffffffff, 0x80000000, 7, 0xdeadbeef], new Rng(2024).getState().s]) {
      const ref = xoshiro128ssReference(s);
      const want = Array.from({ length: 2000 }, () => ref.next().value as number);
      expect(take(fromState(s), 2000)).toEqual(want);
    }
  });

  it('frozen known answers from seeds (our splitmix32 seeding; checked: uint32, distinct, seed-dependent)', () => {
    expect(take(new Rng(0), 5)).toEqual([3809008728, 1133695204, 53579671, 2891528803, 139681546]);
    expect(take(new Rng(1), 5)).toEqual([2442144158, 3238099751, 3819917871, 2104621829, 2021136066]);
    expect(take(new Rng(123), 5)).toEqual([3146710351, 1913850085, 2160143029, 1836263080, 4214479994]);
    expect(take(new Rng(2 ** 40 + 7), 5)).toEqual([729548357, 371257683, 1745402890, 3588611111, 928413888]);
    const r = new Rng(123);
    expect([r.random(), r.random()]).toEqual([0.732650596243165, 0.5029474901224547]);
  });

  it('nearby seeds give unrelated streams (about half the bits differ)', () => {
    let differing = 0, total = 0;
    for (let seed = 0; seed < 64; seed++) {
      const a = take(new Rng(seed), 8), b = take(new Rng(seed + 1), 8);
      for (let i = 0; i < 8; i++) {
        let x = (a[i]! ^ b[i]!) >>> 0;
        for (; x; x &= x - 1) differing++;
        total += 32;
      }
    }
    expect(differing / total).toBeGreaterThan(0.47);
    expect(differing / total).toBeLessThan(0.53);
  });

  it('seeds at and above 2^32 get states of their own (no folding onto 32-bit seeds)', () => {
    const first = (seed: number): number[] => {
      const r = new Rng(seed);
      return [r.nextUint32(), r.nextUint32(), r.nextUint32(), r.nextUint32()];
    };
    const seen = new Set<string>();
    for (const seed of [0, 1, 0x9e3779b9, 2 ** 32, 2 ** 32 + 1, 2 ** 33, 2 ** 52 + 7, Number.MAX_SAFE_INTEGER]) {
      seen.add(JSON.stringify(first(seed)));
    }
    expect(seen.size).toBe(8);
    expect(first(2 ** 40 + 5)).toEqual(first(2 ** 40 + 5));
  });

  it('the same seed gives the same stream; reseed restarts it', () => {
    const a = new Rng(77), b = new Rng(77);
    expect(take(a, 100)).toEqual(take(b, 100));
    a.reseed(77);
    expect(take(a, 10)).toEqual(take(new Rng(77), 10));
    expect(take(new Rng(77), 10)).not.toEqual(take(new Rng(78), 10));
    expect(a.seed).toBe(77);
  });

  it('without a seed, two generators differ (OS entropy)', () => {
    expect(take(new Rng(), 4)).not.toEqual(take(new Rng(), 4));
  });
});

describe('Rng: distributions', () => {
  const N = 100_000;

  it('random() is uniform on [0, 1): mean ≈ 1/2, variance ≈ 1/12, deciles ≈ 1/10', () => {
    const r = new Rng(1);
    let sum = 0, sq = 0, min = 1, max = 0;
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < N; i++) {
      const u = r.random();
      sum += u;
      sq += u * u;
      min = Math.min(min, u);
      max = Math.max(max, u);
      bins[Math.floor(u * 10)]!++;
    }
    const mean = sum / N;
    // 5 standard errors: sd of the mean is sqrt(1/12 / N) ≈ 0.0009.
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / N));
    expect(sq / N - mean * mean).toBeCloseTo(1 / 12, 2);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(chiSquare(bins, N / 10)).toBeLessThan(27.88); // 9 degrees of freedom, p = 0.001
  });

  it('uniform(low, high) stays in [low, high)', () => {
    const r = new Rng(2);
    const vs = Array.from({ length: 1000 }, () => r.uniform(-0.05, 0.05));
    expect(Math.min(...vs)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...vs)).toBeLessThan(0.05);
    expect(Math.max(...vs) - Math.min(...vs)).toBeGreaterThan(0.09);
  });

  it('integer(n) is unbiased: chi-square over n = 7 and n = 10', () => {
    for (const n of [7, 10]) {
      const r = new Rng(3);
      const counts = new Array<number>(n).fill(0);
      for (let i = 0; i < N; i++) counts[r.integer(n)]!++;
      expect(counts.every((c) => c > 0)).toBe(true);
      // p = 0.001 critical values for 6 and 9 degrees of freedom.
      expect(chiSquare(counts, N / n)).toBeLessThan(n === 7 ? 22.46 : 27.88);
    }
  });

  it('integer(n) rejects instead of folding: for n = 3·2^30 the lowest third is not twice as likely', () => {
    // A plain `uint32 % n` maps both [0, 2^30) and [n, 2^32) onto [0, 2^30), so P(x < 2^30) would be 1/2.
    const n = 3 * 2 ** 30, r = new Rng(4);
    let low = 0, max = 0;
    for (let i = 0; i < 30_000; i++) {
      const x = r.integer(n);
      max = Math.max(max, x);
      if (x < 2 ** 30) low++;
    }
    expect(max).toBeLessThan(n);
    expect(low / 30_000).toBeCloseTo(1 / 3, 1);
  });

  it('integer(1) and integer(0) give 0', () => {
    const r = new Rng(5);
    expect([r.integer(1), r.integer(0)]).toEqual([0, 0]);
  });

  it('normal() has mean 0, variance 1, and the Gaussian tail mass', () => {
    const r = new Rng(6);
    let sum = 0, sq = 0, beyond2 = 0;
    for (let i = 0; i < N; i++) {
      const z = r.normal();
      sum += z;
      sq += z * z;
      if (Math.abs(z) > 2) beyond2++;
    }
    expect(Math.abs(sum / N)).toBeLessThan(5 / Math.sqrt(N));
    expect(Math.abs(sq / N - 1)).toBeLessThan(0.03);
    expect(beyond2 / N).toBeCloseTo(0.0455, 2); // P(|Z| > 2)
  });

  it('exponential() has mean 1 and is positive', () => {
    const r = new Rng(7);
    let sum = 0, min = Infinity;
    for (let i = 0; i < N; i++) {
      const e = r.exponential();
      min = Math.min(min, e);
      sum += e;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(Math.abs(sum / N - 1)).toBeLessThan(5 / Math.sqrt(N));
  });
});

describe('Rng: state', () => {
  it('getState/setState round-trips, through JSON too, mid-stream and with a spare normal', () => {
    const a = new Rng(99);
    take(a, 37);
    a.normal(); // leaves a spare normal in the state
    const state = a.getState();
    expect(state.spare).not.toBeNull();
    expect(state.s.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)).toBe(true);
    const b = new Rng(0);
    b.setState(JSON.parse(JSON.stringify(state)));
    expect(b.sameStateAs(a)).toBe(true);
    expect(b.seed).toBe(99);
    expect([b.normal(), b.normal(), ...take(b, 50)]).toEqual([a.normal(), a.normal(), ...take(a, 50)]);
    expect(b.sameStateAs(a)).toBe(true);
  });

  it('sameStateAs tells different states apart, and a spare normal counts', () => {
    const a = new Rng(1), b = new Rng(1);
    expect(a.sameStateAs(b)).toBe(true);
    a.nextUint32();
    expect(a.sameStateAs(b)).toBe(false);
    b.nextUint32();
    a.normal();
    const c = new Rng(0);
    c.setState({ ...a.getState(), spare: null });
    expect(c.sameStateAs(a)).toBe(false);
  });

  it('childSeed draws a reproducible sub-seed from the stream', () => {
    const a = new Rng(8), b = new Rng(8);
    expect(a.childSeed()).toBe(b.childSeed());
    expect(a.childSeed()).toBe(take(new Rng(8), 2)[1]);
  });

  it('rejects invalid states', () => {
    const r = new Rng(0);
    expect(() => r.setState({ s: [1, 2, 3], seed: 0, spare: null })).toThrow(/four uint32 words/);
    expect(() => r.setState({ s: [1, 2, 3, -4], seed: 0, spare: null })).toThrow(/four uint32 words/);
    expect(() => r.setState({ s: [1, 2, 3, 2 ** 32], seed: 0, spare: null })).toThrow(/four uint32 words/);
    expect(() => r.setState({ s: [0, 0, 0, 0], seed: 0, spare: null })).toThrow(/must not be all zero/);
  });
});

describe('seeds', () => {
  it('rejects seeds that are not integers in [0, 2^53)', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53, '3' as unknown as number]) {
      expect(() => new Rng(bad)).toThrow(RangeError);
      expect(() => new Rng(0).reseed(bad)).toThrow(/seed must be an integer in \[0, 2\^53\)/);
    }
    expect(() => new Rng(2 ** 53 - 1)).not.toThrow();
  });

  it('reset({ seed }) on an env rejects the same values, naming the env', () => {
    class Plain extends BaseEnv<Float32Array, number> {
      readonly actionSpace = new Discrete(1);
      readonly observationSpace = new Box(0, 1, [1]);
      reset(options?: ResetOptions): ResetResult<Float32Array> {
        this.seedRng(options);
        return { obs: Float32Array.of(this.rng.random()), info: {} };
      }
      step(): StepResult<Float32Array> {
        return { obs: Float32Array.of(0), reward: 0, terminated: true, truncated: false, info: {} };
      }
    }
    const env = new Plain();
    for (const bad of [-1, 0.5, NaN]) expect(() => env.reset({ seed: bad })).toThrow(`Plain: reset seed must be an integer ≥ 0, got ${bad}`);
    expect(env.reset({ seed: 4 }).obs[0]).toBe(Math.fround(new Rng(4).random()));
  });
});

function chiSquare(counts: number[], expected: number): number {
  return counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
}
