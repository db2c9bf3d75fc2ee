/**
 * The Mann–Whitney U test (Wilcoxon rank-sum), two-sided, for comparing an arm's per-seed results with a
 * baseline's. Tied values get their mean rank (midranks); +∞ is a valid value (a censored run, e.g. one
 * that never reached the threshold), tied with the other +∞.
 *
 * - `exact`: the permutation distribution of the rank sum given the observed midranks, counted by dynamic
 *   programming over the pooled sample, so ties are handled exactly (the conditional test). The
 *   distribution is symmetric (midranks are symmetric about (N+1)/2), so the two-sided p-value is
 *   P(|R − E R| ≥ |r − E R|), which is twice the smaller tail.
 * - `normal`: z = (|U − n₁n₂/2| − ½) / σ with the tie-corrected σ² = n₁n₂/12 · (N + 1 − Σ(t³ − t) / (N(N − 1)))
 *   and a continuity correction of ½, as scipy's `mannwhitneyu(method='asymptotic')`.
 * - `auto` (the default): exact up to N = n₁ + n₂ ≤ 50 pooled values, normal beyond.
 */
import { normalUpperTail } from './normal.ts';

export type MannWhitneyMethod = 'exact' | 'normal';

export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (x, y) with x > y, plus half the ties. */
  u: number;
  n1: number;
  n2: number;
  /** Two-sided p-value. */
  p: number;
  method: MannWhitneyMethod;
  /** The normal approximation's z (|U − mean| with continuity correction, over σ); null for the exact test. */
  z: number | null;
  /** U / (n₁n₂): P(X > Y) + ½ P(X = Y), 0.5 when neither sample tends to be larger. */
  effect: number;
}

/** The largest pooled sample the `auto` method tests exactly. */
export const EXACT_MAX_N = 50;

/** Midranks (1-based) of the pooled values, in their input order, and each tie group's size. */
export function midranks(values: readonly number[]): { ranks: Float64Array; tieSizes: number[] } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || 0);
  const ranks = new Float64Array(n);
  const tieSizes: number[] = [];
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    const r = (i + 1 + j) / 2; // mean of ranks i+1 … j
    for (let k = i; k < j; k++) ranks[order[k]!] = r;
    tieSizes.push(j - i);
    i = j;
  }
  return { ranks, tieSizes };
}

export function mannWhitneyU(x: readonly number[], y: readonly number[], opts: { method?: MannWhitneyMethod | 'auto' } = {}): MannWhitneyResult {
  const n1 = x.length, n2 = y.length, n = n1 + n2;
  if (n1 === 0 || n2 === 0) throw new Error(`mannWhitneyU: both samples need values (got ${n1} and ${n2})`);
  for (const v of [...x, ...y]) if (Number.isNaN(v)) throw new Error('mannWhitneyU: a value is NaN');
  const method: MannWhitneyMethod = opts.method === undefined || opts.method === 'auto' ? (n <= EXACT_MAX_N ? 'exact' : 'normal') : opts.method;
  const { ranks, tieSizes } = midranks([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const base = { u, n1, n2, method, effect: u / (n1 * n2) };
  if (method === 'exact') return { ...base, p: exactP(ranks, n1, r1), z: null };
  const mu = (n1 * n2) / 2;
  const tieTerm = tieSizes.reduce((s, t) => s + t * t * t - t, 0) / (n * (n - 1));
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm));
  if (sigma === 0) return { ...base, p: 1, z: 0 }; // every value tied: no evidence either way
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / sigma;
  return { ...base, p: Math.min(1, 2 * normalUpperTail(z)), z };
}

/**
 * The exact two-sided p-value: over all C(N, n₁) ways to pick the first sample's ranks from the pooled
 * midranks, the share whose rank sum is at least as far from its mean as the observed one. Ranks are
 * doubled so midranks are integers; ways[k][s] counts k-subsets with doubled sum s (counts stay exact
 * in doubles up to C(50, 25) ≈ 1.3e14 < 2^53).
 */
function exactP(ranks: Float64Array, n1: number, r1: number): number {
  const n = ranks.length, maxSum = n * (n + 1);
  const width = maxSum + 1;
  const ways = new Float64Array((n1 + 1) * width); // row k: k-subsets
  ways[0] = 1;
  for (let i = 0; i < n; i++) {
    const r = Math.round(2 * ranks[i]!);
    for (let k = Math.min(i + 1, n1); k >= 1; k--) {
      const row = k * width, prev = (k - 1) * width;
      for (let s = maxSum; s >= r; s--) ways[row + s] += ways[prev + s - r]!;
    }
  }
  const mean2 = n1 * (n + 1), dev = Math.abs(Math.round(2 * r1) - mean2);
  let total = 0, extreme = 0;
  for (let s = 0; s <= maxSum; s++) {
    const w = ways[n1 * width + s]!;
    total += w;
    if (Math.abs(s - mean2) >= dev) extreme += w;
  }
  return Math.min(1, extreme / total);
}
