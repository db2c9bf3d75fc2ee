import { GAP, checkEvents, eventsInRange } from './events.ts';
import type { MultipleAlignment } from './msa.ts';

/**
 * Align-RUDDER step (IV): the position-specific scoring matrix of the demos' alignment
 * (rudder.md §3 (IV)). `scores[t * size + k]` is how well event k fits column t.
 */
export interface Pssm {
  columns: number;
  /** K, the number of events. */
  size: number;
  /** [columns * size], row-major by column. */
  scores: Float64Array;
  /**
   * [size] the score of event k in a column where every demo has a gap. The reference re-reads the PSSM
   * from ClustalW's profile-mode output, where a query event aligned to no demo column sits in such an
   * all-gap column and gets ln(1e-8 · Σv / (v_k + 1e-8)); the code-variant redistribution uses it.
   */
  emptyColumn: Float64Array;
}

/** The reference's guard against ln 0 and division by 0. */
const TINY = 1e-8;

export interface PssmOptions {
  /** Scores are divided by λ: 1 is the reference code (no λ*); the scoring matrix's λ* is the paper's form. */
  lambda?: number;
}

/** Throws unless `al` is a rectangular alignment of event ids 0..size−1 and gaps. */
export function checkAlignment(al: MultipleAlignment, size: number, what: string): void {
  if (al.rows.length === 0) throw new RangeError(`${what}: the alignment has no rows`);
  if (!(Number.isInteger(al.columns) && al.columns >= 1)) throw new RangeError(`${what}: the alignment has ${al.columns} columns, expected ≥ 1`);
  // The message is built only on failure: this runs on every profile alignment.
  al.rows.forEach((r, k) => {
    if (r.length !== al.columns) throw new RangeError(`${what}: alignment row ${k} has ${r.length} columns, expected ${al.columns} (a ragged alignment)`);
    if (!eventsInRange(r, size, true)) checkEvents(r, size, `${what}: alignment row ${k}`, true);
  });
}

/**
 * The reference's PSSM (`get_pssm`): with q_tk = count_tk / (Σ_k count_tk + 1e-8) the frequency of
 * event k among column t's non-gap entries and v_k the visitation count of event k (`background`, [K]),
 *   PSSM_tk = ln((q_tk + 1e-8) · Σ_j v_j / (v_k + 1e-8)) / λ  ≈ ln(q_tk / p_k) / λ,  p_k = v_k / Σv.
 * Gaps are not counted. With `lambda` = λ* this is the papers' ln(q_{i,t} / p_i) / λ*, keeping the
 * code's 1e-8 floors (whether the paper adds pseudocounts is not known).
 */
export function buildPssm(alignment: MultipleAlignment, background: Float64Array, opts: PssmOptions = {}): Pssm {
  const K = background.length, L = alignment.columns, lambda = opts.lambda ?? 1;
  if (K === 0) throw new RangeError('buildPssm: background is empty (need one visitation count per event)');
  if (!(lambda > 0 && Number.isFinite(lambda))) throw new RangeError(`buildPssm: lambda must be a finite number > 0, got ${lambda}`);
  let total = 0;
  for (let k = 0; k < K; k++) {
    const v = background[k]!;
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`buildPssm: background[${k}] = ${v} must be a finite count ≥ 0`);
    total += v;
  }
  if (!(total > 0)) throw new RangeError('buildPssm: background counts sum to 0');
  checkAlignment(alignment, K, 'buildPssm');
  const counts = new Float64Array(L * K);
  for (const r of alignment.rows) for (let t = 0; t < L; t++) if (r[t]! !== GAP) counts[t * K + r[t]!]!++;
  const scores = new Float64Array(L * K), emptyColumn = new Float64Array(K);
  for (let k = 0; k < K; k++) emptyColumn[k] = Math.log((TINY * total) / (background[k]! + TINY)) / lambda;
  for (let t = 0; t < L; t++) {
    let n = 0;
    for (let k = 0; k < K; k++) n += counts[t * K + k]!;
    for (let k = 0; k < K; k++) {
      const q = counts[t * K + k]! / (n + TINY);
      scores[t * K + k] = Math.log(((q + TINY) * total) / (background[k]! + TINY)) / lambda;
    }
  }
  return { columns: L, size: K, scores, emptyColumn };
}

/** The papers' PSSM, ln(q_{i,t} / p_i) / λ* (rudder.md §3 (IV)): `buildPssm` with the scoring matrix's λ*. */
export function buildPssmPaper(alignment: MultipleAlignment, background: Float64Array, lambda: number): Pssm {
  return buildPssm(alignment, background, { lambda });
}

export function pssmScore(pssm: Pssm, column: number, event: number): number {
  return pssm.scores[column * pssm.size + event]!;
}
