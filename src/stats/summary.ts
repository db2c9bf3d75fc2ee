/**
 * Summaries of per-seed results: mean, median, quartiles (linear interpolation between order statistics,
 * numpy's default and R's type 7), and medians of censored values (a run that never reached a target).
 * The sweep report and the benchmarks' tables share these.
 */

/** The arithmetic mean; NaN for no values. */
export function mean(a: readonly number[]): number {
  let s = 0;
  for (const v of a) s += v;
  return a.length ? s / a.length : NaN;
}

/** The q-quantile (0 ≤ q ≤ 1), interpolating linearly between order statistics (numpy's default); NaN for no values. */
export function quantile(a: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  if (a.length === 0) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const h = (s.length - 1) * q, lo = Math.floor(h), hi = Math.ceil(h);
  // Equal neighbours (including ±∞ on both sides) need no interpolation, which would give NaN for ∞ − ∞.
  return s[lo] === s[hi] ? s[lo]! : s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(a: readonly number[]): number {
  return quantile(a, 0.5);
}

export interface Summary {
  n: number;
  mean: number;
  median: number;
  /** First and third quartiles; the IQR is q3 − q1. */
  q1: number;
  q3: number;
  iqr: number;
}

/** Count, mean, median and quartiles of per-seed values (+∞ allowed: a censored run; then the mean is ∞). */
export function summarize(a: readonly number[]): Summary {
  const q1 = quantile(a, 0.25), q3 = quantile(a, 0.75);
  return { n: a.length, mean: mean(a), median: median(a), q1, q3, iqr: q3 === q1 ? 0 : q3 - q1 };
}

/** The median of per-seed values with censored ones (null) counted as +∞; null when the median itself is censored or there are none. */
export function censoredMedian(v: readonly (number | null)[]): number | null {
  if (v.length === 0) return null;
  const m = median(v.map((x) => x ?? Infinity));
  return Number.isFinite(m) ? m : null;
}
