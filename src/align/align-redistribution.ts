import { compressRuns, checkEvents } from './events.ts';
import { ZERO_GAPS, multipleAlignment, type GapCosts, type MsaOptions, type MultipleAlignment } from './msa.ts';
import { profileAlign, profileAlignMsa, prefixScores } from './profile-align.ts';
import { buildPssm, type Pssm } from './pssm.ts';
import type { ScoringMatrix } from './scoring.ts';

/**
 * Align-RUDDER step (V): reward redistribution from the profile (rudder.md §3 (V)), in the reference
 * code's form and the papers' form.
 *
 * Both take an episode's per-step event labels `labels` [T + 1]: the cluster of s_0..s_T, the final
 * state included (events.ts `withFinalState`), and return the T rewards of its T transitions
 * (out[t] belongs to s_t → s_{t+1}). The first state's event is caused by no action, so neither form
 * pays it: the code drops it with the first element, the paper form starts from S(τ_0).
 */

/** What the redistribution aligns against: the demos' MSA, the matrix that made it, and its PSSM. */
export interface AlignProfile {
  msa: MultipleAlignment;
  matrix: ScoringMatrix;
  pssm: Pssm;
  /** Gap costs of the query's profile alignment; the reference's are 0. */
  gaps: GapCosts;
}

export interface AlignProfileOptions {
  /** Only the `topN` highest-return demos are aligned (the reference's 12). */
  topN?: number;
  /** Gap costs of both MSA stages and of the later profile alignments (ZERO_GAPS). */
  gaps?: GapCosts;
  /** The MSA's distance kind (msa.ts). */
  distance?: MsaOptions['distance'];
  /** The PSSM's λ: 1 for the code, λ* for the paper form. */
  lambda?: number;
}

/** Indices of the `n` highest returns, highest first; equal returns keep their input order. */
export function topByReturn(returns: ArrayLike<number>, n: number): number[] {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`topByReturn: n must be a positive integer, got ${n}`);
  const idx = Array.from({ length: returns.length }, (_, i) => i);
  idx.sort((a, b) => returns[b]! - returns[a]! || a - b);
  return idx.slice(0, n);
}

/**
 * Steps (III)–(IV): the MSA of the `topN` best demos' event sequences and its PSSM against the visitation
 * counts `background` [K]. The matrix's frequencies and the visitation counts should come from all demos.
 */
export function buildAlignProfile(demos: readonly Int32Array[], returns: ArrayLike<number>, matrix: ScoringMatrix, background: Float64Array, opts: AlignProfileOptions = {}): AlignProfile {
  if (demos.length === 0) throw new RangeError('buildAlignProfile: demos is empty');
  if (returns.length !== demos.length) throw new RangeError(`buildAlignProfile: ${returns.length} returns for ${demos.length} demos`);
  if (background.length !== matrix.size) throw new RangeError(`buildAlignProfile: background has ${background.length} counts, the matrix has K = ${matrix.size} events`);
  const gaps = opts.gaps ?? ZERO_GAPS;
  const chosen = topByReturn(returns, opts.topN ?? 12).map((i) => demos[i]!);
  const msaOpts: MsaOptions = { gaps, pairwiseGaps: gaps };
  if (opts.distance) msaOpts.distance = opts.distance;
  const msa = multipleAlignment(chosen, matrix, msaOpts);
  return { msa, matrix, pssm: buildPssm(msa, background, opts.lambda === undefined ? {} : { lambda: opts.lambda }), gaps };
}

export interface CodeRedistributionOptions {
  /**
   * How the query is placed: 'msa' (the reference: ClustalW profile mode against the MSA's rows by the
   * scoring matrix, then PSSM scores read off) or 'pssm' (aligned to the PSSM's own scores).
   */
  align?: 'msa' | 'pssm';
  /** 'log' takes the PSSM score, 'exp' its exponential (the reference's two modes; 'log' is its default). */
  mode?: 'log' | 'exp';
  /**
   * Score of a query event aligned to no demo column: 'emptyColumn' as in the reference
   * (ln(1e-8 · Σv / v_k), very negative, so it becomes the minimum) or 'zero'.
   */
  unaligned?: 'emptyColumn' | 'zero';
}

function checkLabels(labels: Int32Array, K: number, what: string): void {
  checkEvents(labels, K, `${what}: labels`);
}

/**
 * The reference's redistribution (`redistribute_reward`, `use_new_form`): the episode's events are
 * aligned to the profile and each gets its PSSM score r_i; then r ← r − min r, r ← r / Σr (so the
 * scores sum to 1; if all are equal each gets 1/n, where the reference would divide 0 by 0), and event
 * i's share goes to the last step of its run of labels, runEnds[i], shifted by one because the first
 * element is dropped: out[runEnds[i] − 1] = r_i · C, C = the mean demo return. The sum is C unless
 * the first run is the single state s_0, whose share is dropped with it (as in the reference). The
 * reference's R_{T+2} correction never runs (rudder.md §3 (V) 10), so there is none here.
 */
export function redistributeCode(labels: Int32Array, profile: AlignProfile, meanDemoReturn: number, opts: CodeRedistributionOptions = {}): Float32Array {
  if (!Number.isFinite(meanDemoReturn)) throw new RangeError(`redistributeCode: meanDemoReturn must be finite, got ${meanDemoReturn}`);
  checkLabels(labels, profile.pssm.size, 'redistributeCode');
  const { events, runEnds } = compressRuns(labels);
  const pssm = profile.pssm, n = events.length;
  const al = (opts.align ?? 'msa') === 'msa'
    ? profileAlignMsa(events, profile.msa, profile.matrix, pssm, { gaps: profile.gaps })
    : profileAlign(events, pssm, { gaps: profile.gaps });
  const r = new Float64Array(n), emptyAsRef = (opts.unaligned ?? 'emptyColumn') === 'emptyColumn', exp = opts.mode === 'exp';
  for (let i = 0; i < n; i++) {
    const s = al.column[i]! >= 0 ? al.eventScores[i]! : emptyAsRef ? pssm.emptyColumn[events[i]!]! : 0;
    r[i] = exp ? Math.exp(s) : s;
  }
  let min = Infinity, sum = 0;
  for (const v of r) min = Math.min(min, v);
  for (let i = 0; i < n; i++) sum += r[i] = r[i]! - min;
  for (let i = 0; i < n; i++) r[i] = sum > 0 ? r[i]! / sum : 1 / n;
  const T = labels.length - 1, out = new Float32Array(T);
  for (let i = 0; i < n; i++) if (runEnds[i]! >= 1) out[runEnds[i]! - 1]! += r[i]! * meanDemoReturn;
  return out;
}

/** S(τ) per step [T + 1]: the prefix score of the events seen up to and including step t. */
function stepPrefixScores(labels: Int32Array, profile: AlignProfile): Float64Array {
  const { events, runEnds } = compressRuns(labels);
  const S = prefixScores(events, profile.pssm, { gaps: profile.gaps }), out = new Float64Array(labels.length);
  for (let i = 0, t = 0; i < events.length; i++) for (; t <= runEnds[i]!; t++) out[t] = S[i]!;
  return out;
}

/**
 * The papers' C = E_demo[G] / E_demo[Σ_t (S(τ_t) − S(τ_{t−1}))] for `redistributePaper`, over demos given
 * as per-step labels [T + 1] each. The sum runs over the differences that are paid, so it is
 * S(τ_last) − S(τ_0) (see the module note). Throws when that averages to 0.
 */
export function paperScale(demoLabels: readonly Int32Array[], demoReturns: ArrayLike<number>, profile: AlignProfile): number {
  if (demoLabels.length === 0) throw new RangeError('paperScale: demoLabels is empty');
  if (demoReturns.length !== demoLabels.length) throw new RangeError(`paperScale: ${demoReturns.length} returns for ${demoLabels.length} demos`);
  let g = 0, d = 0;
  demoLabels.forEach((labels, k) => {
    checkLabels(labels, profile.pssm.size, `paperScale: demo ${k}`);
    const S = stepPrefixScores(labels, profile);
    g += demoReturns[k]!;
    d += S[S.length - 1]! - S[0]!;
  });
  if (!(Math.abs(d) > 1e-12)) throw new RangeError('paperScale: the demos\' summed score differences average to 0, so C = E[G] / E[ΣΔS] is undefined');
  return g / d;
}

export interface PaperRedistributionOptions {
  /**
   * 'final' adds the correction R_{T+2} = G − Σ_t R_{t+1} to the last step (there is no step T + 2 in a
   * T-step episode), so the rewards sum to the episode return; 'none' leaves it out.
   */
  correction?: 'final' | 'none';
}

/**
 * The papers' redistribution: R_{t+1} = (S(τ_{t+1}) − S(τ_t)) · C for the transition s_t → s_{t+1}, with
 * τ_t the events of s_0..s_t and S their prefix alignment score (profile-align.ts `prefixScores`). It is
 * nonzero only where a new event starts (on entering a cluster) and depends only on the past; C comes
 * from `paperScale`. With the correction the T rewards sum to `episodeReturn`.
 */
export function redistributePaper(labels: Int32Array, profile: AlignProfile, scale: number, episodeReturn: number, opts: PaperRedistributionOptions = {}): Float32Array {
  if (!Number.isFinite(scale)) throw new RangeError(`redistributePaper: scale must be finite, got ${scale}`);
  if (!Number.isFinite(episodeReturn)) throw new RangeError(`redistributePaper: episodeReturn must be finite, got ${episodeReturn}`);
  checkLabels(labels, profile.pssm.size, 'redistributePaper');
  const S = stepPrefixScores(labels, profile), T = labels.length - 1, out = new Float32Array(T);
  let sum = 0;
  for (let t = 0; t < T; t++) {
    const r = (S[t + 1]! - S[t]!) * scale;
    out[t] = r;
    sum += r;
  }
  if ((opts.correction ?? 'final') === 'final' && T > 0) out[T - 1] = out[T - 1]! + (episodeReturn - sum);
  return out;
}
