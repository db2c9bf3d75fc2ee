import { describe, expect, it } from 'vitest';
import { censoredMedian, erfc, mannWhitneyU, mean, median, midranks, quantile, summarize } from '../src/stats/index.ts';

describe('summary statistics', () => {
  it('mean, median and quartiles interpolate between order statistics (numpy default)', () => {
    expect(mean([1, 2, 6])).toBe(3);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // [1, 2, 3, 4, 10]: q1 at position 1 → 2, q3 at position 3 → 4.
    expect(summarize([10, 1, 3, 2, 4])).toEqual({ n: 5, mean: 4, median: 3, q1: 2, q3: 4, iqr: 2 });
    // [1, 2, 3, 4]: q1 at position 0.75 → 1.75, q3 at 2.25 → 3.25.
    expect(quantile([4, 3, 2, 1], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([4, 3, 2, 1], 0.75)).toBeCloseTo(3.25, 12);
    expect(Number.isNaN(median([]))).toBe(true);
    expect(() => quantile([1], 1.5)).toThrow(/q must be in \[0, 1\], got 1.5/);
  });

  it('counts censored runs as +∞', () => {
    expect(censoredMedian([1, null, 2])).toBe(2);
    expect(censoredMedian([4, null, null])).toBeNull();
    expect(censoredMedian([1, 3, null, 5])).toBe(4);
    const s = summarize([1, 2, Infinity, Infinity]);
    expect(s.q3).toBe(Infinity);
    expect(s.mean).toBe(Infinity);
    expect(s.median).toBe(Infinity);
  });
});

describe('erfc', () => {
  it('matches tabulated values', () => {
    // Abramowitz & Stegun table 7.1 / 16-digit references.
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 14);
    expect(erfc(2)).toBeCloseTo(0.004677734981047266, 15);
    expect(erfc(5) / 1.5374597944280349e-12).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(1.8427007929497148, 14);
  });
});

describe('Mann–Whitney U', () => {
  it('midranks give tied values the mean of their ranks', () => {
    const { ranks, tieSizes } = midranks([2, 1, 2, 4, 2, 3]);
    expect([...ranks]).toEqual([3, 1, 3, 6, 3, 5]);
    expect(tieSizes).toEqual([1, 3, 1, 1]);
  });

  it('exact, no ties: complete separation of 3 and 3 is 2 of the C(6,3) = 20 orderings', () => {
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6]);
    expect(r.method).toBe('exact');
    expect(r.u).toBe(0);
    expect(r.p).toBeCloseTo(2 / 20, 15);
    expect(mannWhitneyU([4, 5, 6], [1, 2, 3]).u).toBe(9);
  });

  it('exact with ties counts the conditional permutation distribution of the midranks', () => {
    // Pooled 1 2 2 | 2 3 4: midranks 1, 3, 3 | 3, 5, 6; R₁ = 7, U = 7 − 6 = 1. Doubled ranks {2, 6, 6, 6, 10, 12},
    // E[2R₁] = 21, observed 14 (distance 7). Of the 20 labelled 3-subsets, sums ≤ 14: {2, 6, 6} × 3; sums ≥ 28:
    // {6, 10, 12} × 3. p = 6 / 20.
    const r = mannWhitneyU([1, 2, 2], [2, 3, 4]);
    expect(r.u).toBe(1);
    expect(r.p).toBeCloseTo(0.3, 15);
    expect(r.effect).toBeCloseTo(1 / 9, 15);
  });

  it('normal approximation with tie correction and continuity correction', () => {
    // Same samples: one tie group of 3, σ² = 9/12 · (7 − 24/30) = 4.65; z = (|1 − 4.5| − 0.5) / √4.65 = 1.391217;
    // p = erfc(z/√2) = 0.1641597 (scipy.stats.mannwhitneyu(method='asymptotic') gives 0.16415972847851523).
    const r = mannWhitneyU([1, 2, 2], [2, 3, 4], { method: 'normal' });
    expect(r.z).toBeCloseTo(3 / Math.sqrt(4.65), 12);
    expect(r.p).toBeCloseTo(0.16415972847851523, 12);
    // No ties, 5 vs 5 separated: σ² = 25·11/12, z = 12 / σ = 2.506718; p = 0.0121858 (scipy: 0.012185780355344813).
    const s = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], { method: 'normal' });
    expect(s.z).toBeCloseTo(12 / Math.sqrt(275 / 12), 12);
    expect(s.p).toBeCloseTo(0.012185780355344813, 12);
  });

  it('treats +∞ (censored runs) as tied largest values', () => {
    // Censored steps-to-threshold on both sides; scipy asymptotic with inf values gives 0.11524971218079373,
    // and enumerating all C(15, 7) = 6435 splits gives 712 at least as extreme.
    const x = [1, 2, 3, 4, 5, 5, Infinity], y = [3, 3, 6, 7, 8, Infinity, Infinity, 9];
    expect(mannWhitneyU(x, y, { method: 'normal' }).p).toBeCloseTo(0.11524971218079373, 12);
    const e = mannWhitneyU(x, y);
    expect(e.u).toBe(14);
    expect(e.p).toBeCloseTo(712 / 6435, 14);
  });

  it('is symmetric in its samples and gives p = 1 when everything ties', () => {
    const a = [3, 1, 4, 1, 5], b = [9, 2, 6, 5, 3, 5];
    expect(mannWhitneyU(a, b).p).toBeCloseTo(mannWhitneyU(b, a).p, 14);
    expect(mannWhitneyU(a, b).u + mannWhitneyU(b, a).u).toBe(30);
    expect(mannWhitneyU([2, 2], [2, 2, 2]).p).toBe(1);
    expect(mannWhitneyU([2, 2], [2, 2, 2], { method: 'normal' }).p).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(/both samples need values/);
  });
});
