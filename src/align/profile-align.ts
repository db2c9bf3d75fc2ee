import { GAP, checkEvents } from './events.ts';
import { X, Y, align, pairScratch, path, prefixBest } from './gotoh.ts';
import { ZERO_GAPS, alignQueryToMsa, checkGapCosts, type GapCosts, type MultipleAlignment } from './msa.ts';
import { checkAlignment, type Pssm } from './pssm.ts';
import type { ScoringMatrix } from './scoring.ts';

/**
 * Align-RUDDER step (V), first half: where a new episode's events fall in the demos' profile
 * (rudder.md §3 (V)). Global alignment, gap costs 0 by default as in the reference; ties as in msa.ts.
 */

/** A query event sequence aligned to a profile. */
export interface ProfileAlignment {
  /** The objective of the alignment that was run (see each function). */
  score: number;
  /** [n] the profile column each query event is aligned to, −1 if it sits in a gap (no column). */
  column: Int32Array;
  /** [n] PSSM score of each query event in its column, 0 for an event in a gap. */
  eventScores: Float64Array;
}

export interface ProfileAlignOptions {
  gaps?: GapCosts;
}

/** pair[i · columns + t] = PSSM score of query event i in column t, into the shared scratch. */
function pssmPairTable(query: Int32Array, pssm: Pssm): Float64Array {
  const n = query.length, m = pssm.columns, K = pssm.size, scores = pssm.scores, pair = pairScratch(n * m);
  for (let i = 0; i < n; i++) {
    const q = query[i]!, o = i * m;
    for (let t = 0; t < m; t++) pair[o + t] = scores[t * K + q]!;
  }
  return pair;
}

function readScores(query: Int32Array, column: Int32Array, pssm: Pssm): Float64Array {
  const out = new Float64Array(query.length);
  for (let i = 0; i < query.length; i++) if (column[i] !== GAP) out[i] = pssm.scores[column[i]! * pssm.size + query[i]!]!;
  return out;
}

/**
 * The papers' form: align the query to the PSSM itself, maximising Σ PSSM(column, event) minus gap
 * costs (`score`). With zero gap costs an event takes a column only where that pays more than 0.
 */
export function profileAlign(query: Int32Array, pssm: Pssm, opts: ProfileAlignOptions = {}): ProfileAlignment {
  checkEvents(query, pssm.size, 'profileAlign: query');
  const n = query.length, m = pssm.columns, gaps = opts.gaps ?? ZERO_GAPS;
  checkGapCosts(gaps, 'profileAlign');
  align(pssmPairTable(query, pssm), n, m, gaps.open, gaps.extend);
  const column = new Int32Array(n), ops = path.ops;
  for (let k = path.start, end = path.start + path.length, i = 0, t = 0; k < end; k++) {
    const op = ops[k]!;
    if (op === Y) t++; // column skipped
    else if (op === X) column[i++] = GAP; // event against a gap
    else column[i++] = t++; // event in column t
  }
  return { score: path.score, column, eventScores: readScores(query, column, pssm) };
}

/**
 * The reference's form (ClustalW profile mode, profile1 = the demos' MSA, profile2 = the query): the
 * query is aligned to the MSA's columns by the scoring matrix (sum of pairs, averaged over the demo
 * rows; `score` is that objective), and only then each event's PSSM score is read off its column.
 */
export function profileAlignMsa(query: Int32Array, msa: MultipleAlignment, matrix: ScoringMatrix, pssm: Pssm, opts: ProfileAlignOptions = {}): ProfileAlignment {
  checkAlignment(msa, matrix.size, 'profileAlignMsa');
  if (pssm.columns !== msa.columns || pssm.size !== matrix.size) {
    throw new RangeError(`profileAlignMsa: the PSSM is ${pssm.columns} columns × ${pssm.size} events, the MSA and matrix ${msa.columns} × ${matrix.size}`);
  }
  checkEvents(query, matrix.size, 'profileAlignMsa: query');
  const n = query.length, gaps = opts.gaps ?? ZERO_GAPS;
  checkGapCosts(gaps, 'profileAlignMsa');
  alignQueryToMsa(msa.rows, query, matrix, gaps);
  const column = new Int32Array(n), ops = path.ops;
  for (let k = path.start, end = path.start + path.length, i = 0, t = 0; k < end; k++) {
    const op = ops[k]!;
    if (op === X) t++; // MSA column against a gap in the query
    else if (op === Y) column[i++] = GAP; // query event in a new all-gap column
    else column[i++] = t++;
  }
  return { score: path.score, column, eventScores: readScores(query, column, pssm) };
}

/**
 * S(τ_0..τ_{n−1}) [n]: the best alignment score of each event prefix τ_i = e_{0..i} to the PSSM, the
 * profile's tail after the prefix's last column left free (a prefix is not charged for what it has not
 * reached yet). One DP pass gives every prefix, the incremental extension the papers describe. With zero
 * gap costs S never decreases, and S(τ_{n−1}) = profileAlign(query).score.
 */
export function prefixScores(query: Int32Array, pssm: Pssm, opts: ProfileAlignOptions = {}): Float64Array {
  checkEvents(query, pssm.size, 'prefixScores: query');
  const gaps = opts.gaps ?? ZERO_GAPS, out = new Float64Array(query.length);
  checkGapCosts(gaps, 'prefixScores');
  prefixBest(pssmPairTable(query, pssm), query.length, pssm.columns, gaps.open, gaps.extend, out);
  return out;
}
