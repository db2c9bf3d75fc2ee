import { GAP, checkEvents, eventsInRange } from './events.ts';
import { M, X, Y, align, identity, pairScratch, path, prefixBest, sequenceIdentity } from './gotoh.ts';
import type { ScoringMatrix } from './scoring.ts';

/**
 * Align-RUDDER step (III): a ClustalW-style multiple sequence alignment (rudder.md §3 (III)), written
 * from the algorithm's description, not ClustalW's code:
 *   1. a global (Needleman–Wunsch) alignment of every pair of sequences gives a distance;
 *   2. UPGMA on the distances gives the guide tree;
 *   3. following the tree, the two sides' profiles are aligned column against column.
 * The reference runs ClustalW with gap open = gap extend = 0, a positive diagonal and a negative
 * off-diagonal, which makes the result a maximum-weight common-subsequence alignment.
 * Simplifications against ClustalW: no tree-based sequence weights (every row counts the same), no
 * position-specific gap penalties (the reference turns them off: -NOPGAP -NOHGAP -NOVGAP), and end
 * gaps cost like inner gaps (with the reference's zero costs nothing distinguishes them).
 *
 * Tie-breaking (every DP below): among equal-scoring paths, traceback from the end prefers aligning two
 * columns, then a gap in the first input (consuming the second's column), then a gap in the second.
 * So where two unmatched stretches meet, the first input's events come before the second's.
 */

/** Gap cost, a penalty ≥ 0: a gap of length L costs open + L · extend. The reference uses 0 and 0. */
export interface GapCosts {
  open: number;
  extend: number;
}

export const ZERO_GAPS: GapCosts = { open: 0, extend: 0 };

/** Aligned rows (same length, −1 = gap), in the order of the input sequences. */
export interface MultipleAlignment {
  rows: Int32Array[];
  columns: number;
}

export interface PairwiseAlignment {
  score: number;
  /** The two sequences' aligned rows, −1 = gap. */
  a: Int32Array;
  b: Int32Array;
}

/** One merge of the guide tree: cluster `n + k` for the k-th merge (leaves are 0..n−1). */
export interface GuideTreeNode {
  left: number;
  right: number;
  /** Half the UPGMA distance between the two sides. */
  height: number;
  /** How many leaves the merged cluster holds. */
  size: number;
}

/** How `multipleAlignment` turns a pairwise alignment into a distance. */
export type DistanceKind = 'identity' | 'shorter';

export interface MsaOptions {
  /** Gap costs of the progressive (profile–profile) stage; ZERO_GAPS as in the reference. */
  gaps?: GapCosts;
  /** Gap costs of the pairwise stage that gives the distances; ZERO_GAPS as in the reference. */
  pairwiseGaps?: GapCosts;
  /**
   * 'identity' (ClustalW): 1 − identities / aligned pairs, gap positions excluded (1 when no pair is aligned).
   * With zero gap costs and a negative off-diagonal, aligned pairs are almost always identities, so most
   * distances are 0 and the tree is decided by tie-breaking. 'shorter': 1 − identities / the shorter
   * sequence's length, which still ranks how much two sequences share.
   */
  distance?: DistanceKind;
}

/** Throws unless `g` holds finite penalties ≥ 0; `what` names the caller in the message. */
export function checkGapCosts(g: GapCosts, what: string): void {
  if (!(g.open >= 0 && g.extend >= 0 && Number.isFinite(g.open) && Number.isFinite(g.extend))) {
    throw new RangeError(`${what}: gap costs must be finite penalties ≥ 0, got open ${g.open}, extend ${g.extend}`);
  }
}

/**
 * Global alignment of two sides given their column-pair score table `pair` [n · m].
 * Returns the best score and the path as ops from the start: M (both columns), X (first's column, gap
 * in the second), Y (second's column, gap in the first).
 */
export function alignScoreTable(pair: Float64Array, n: number, m: number, gaps: GapCosts = ZERO_GAPS): { score: number; ops: Uint8Array } {
  checkGapCosts(gaps, 'alignScoreTable');
  if (pair.length !== n * m) throw new RangeError(`alignScoreTable: pair has ${pair.length} entries, expected n · m = ${n * m}`);
  align(pair, n, m, gaps.open, gaps.extend);
  return { score: path.score, ops: path.ops.slice(path.start, path.start + path.length) };
}

/**
 * For every prefix of the first side (rows 1..n), the best global score of that prefix against any
 * prefix of the second side: out[i] = max_j best(i + 1, j). The second side's tail after the prefix's
 * last column is free, so a prefix is not charged for columns it has not reached yet.
 */
export function prefixAlignScores(pair: Float64Array, n: number, m: number, gaps: GapCosts = ZERO_GAPS): Float64Array {
  checkGapCosts(gaps, 'prefixAlignScores');
  if (pair.length !== n * m) throw new RangeError(`prefixAlignScores: pair has ${pair.length} entries, expected n · m = ${n * m}`);
  const out = new Float64Array(n);
  prefixBest(pair, n, m, gaps.open, gaps.extend, out);
  return out;
}

/** Aligned rows stored flat: row r is data[r · length .. (r + 1) · length). */
interface FlatRows {
  data: Int32Array;
  count: number;
  length: number;
}

const oneRow = (r: Int32Array): FlatRows => ({ data: r, count: 1, length: r.length });

/** Copies rows (checked to be rectangular) into one flat array. */
function flatten(rows: readonly Int32Array[]): FlatRows {
  const L = rows[0]!.length, data = new Int32Array(rows.length * L);
  rows.forEach((r, k) => data.set(r, k * L));
  return { data, count: rows.length, length: L };
}

const unflatten = (f: FlatRows): Int32Array[] => Array.from({ length: f.count }, (_, r) => f.data.slice(r * f.length, (r + 1) * f.length));

// Scratch for the pair tables, reused across calls (see gotoh.ts): dense column frequencies [L · K],
// one row of Σ_k fA[i,k] s_kl [K], and the second side's nonzero frequencies per column (sparse, by event).
let freqBuf = new Float64Array(0), rowBuf = new Float64Array(0);
let nzStart = new Int32Array(0), nzEvent = new Int32Array(0), nzFreq = new Float64Array(0);

/**
 * Column profile of aligned rows into `freqBuf`: freq[col · K + k] = (rows with event k in col) / rows.
 * Gaps add nothing, so a column that is half gaps scores half as strongly.
 */
function columnFrequencies(rows: FlatRows, K: number): Float64Array {
  const L = rows.length, data = rows.data;
  if (freqBuf.length < L * K) freqBuf = new Float64Array(Math.max(L * K, 2 * freqBuf.length));
  const f = freqBuf, w = 1 / rows.count;
  f.fill(0, 0, L * K);
  for (let r = 0, o = 0; r < rows.count; r++, o += L) {
    for (let t = 0; t < L; t++) {
      const e = data[o + t]!;
      if (e !== GAP) f[t * K + e]! += w;
    }
  }
  return f;
}

/**
 * pair(i, j) = Σ_{k,l} fA[i,k] · s_kl · fB[j,l] into `out` [n · m] (see `profilePairTable`). Summed in the
 * order of the dense form (k, then l, ascending) but skipping zero frequencies: a skipped term adds ±0
 * to a sum that starts at +0, which changes nothing, so the table is the dense form's bit for bit.
 */
function pairTableInto(A: FlatRows, B: FlatRows, S: Float64Array, K: number, out: Float64Array): void {
  const n = A.length, m = B.length;
  if (A.count === 1 && B.count === 1) {
    // Two rows: each frequency is 1 (or 0 at a gap), so the sum is 0 + (0 + s_kl); `+ 0` keeps its −0 → +0.
    const a = A.data, b = B.data;
    for (let i = 0; i < n; i++) {
      const k = a[i]!, base = k * K, o = i * m;
      if (k === GAP) out.fill(0, o, o + m);
      else for (let j = 0; j < m; j++) out[o + j] = b[j] === GAP ? 0 : S[base + b[j]!]! + 0;
    }
    return;
  }
  const fB = columnFrequencies(B, K);
  if (nzStart.length < m + 1) nzStart = new Int32Array(Math.max(m + 1, 2 * nzStart.length));
  if (nzEvent.length < m * K) (nzEvent = new Int32Array(m * K)), (nzFreq = new Float64Array(m * K));
  // Module-level bindings into locals: a `let` at module level is re-read (and TDZ-checked) on every use.
  const start = nzStart, event = nzEvent, freq = nzFreq;
  let p = 0;
  for (let j = 0; j < m; j++) {
    start[j] = p;
    for (let l = 0; l < K; l++) {
      const f = fB[j * K + l]!;
      if (f !== 0) (event[p] = l), (freq[p++] = f);
    }
  }
  start[m] = p;
  const fA = columnFrequencies(A, K);
  if (rowBuf.length < K) rowBuf = new Float64Array(K);
  const row = rowBuf;
  for (let i = 0; i < n; i++) {
    profileScoreRow(fA, i, K, S, row);
    const o = i * m;
    for (let j = 0; j < m; j++) {
      const q0 = start[j]!, end = start[j + 1]!;
      if (end - q0 === 1) {
        out[o + j] = 0 + row[event[q0]!]! * freq[q0]!; // most columns hold one event
        continue;
      }
      let v = 0;
      for (let q = q0; q < end; q++) v += row[event[q]!]! * freq[q]!;
      out[o + j] = v;
    }
  }
}

/**
 * Score table of two profiles (sum of pairs, averaged): pair(i, j) = Σ_{k,l} fA[i,k] · s_kl · fB[j,l].
 * For two single sequences this is just s(a_i, b_j). Returns [A.columns · B.columns].
 */
export function profilePairTable(A: readonly Int32Array[], B: readonly Int32Array[], matrix: ScoringMatrix): Float64Array {
  const pair = new Float64Array(A[0]!.length * B[0]!.length);
  pairTableInto(flatten(A), flatten(B), matrix.scores, matrix.size, pair);
  return pair;
}

/**
 * Global alignment of an MSA's columns (first side) to a query's events (second), scored by the sum of
 * pairs as in `alignProfiles`; the result is in gotoh.ts `path`. For profile-align.ts, once per episode, so
 * it skips `pairTableInto`'s general steps: the MSA's rows are read in place (no flat copy) and the query, a
 * single row, has frequency 1 at its event, so pair(i, j) = 0 + row_i[b_j], the same sum. Inputs trusted.
 */
export function alignQueryToMsa(msaRows: readonly Int32Array[], query: Int32Array, matrix: ScoringMatrix, gaps: GapCosts): void {
  const K = matrix.size, S = matrix.scores, n = msaRows[0]!.length, m = query.length;
  if (freqBuf.length < n * K) freqBuf = new Float64Array(Math.max(n * K, 2 * freqBuf.length));
  if (rowBuf.length < K) rowBuf = new Float64Array(K);
  const fA = freqBuf, row = rowBuf, w = 1 / msaRows.length, pair = pairScratch(n * m);
  fA.fill(0, 0, n * K);
  for (const r of msaRows) {
    for (let t = 0; t < n; t++) {
      const e = r[t]!;
      if (e !== GAP) fA[t * K + e]! += w;
    }
  }
  for (let i = 0; i < n; i++) {
    profileScoreRow(fA, i, K, S, row);
    const o = i * m;
    for (let j = 0; j < m; j++) {
      const b = query[j]!;
      pair[o + j] = b === GAP ? 0 : 0 + row[b]!;
    }
  }
  align(pair, n, m, gaps.open, gaps.extend);
}

/**
 * The pair table of two blocks of rows in the shared scratch, aligned by gotoh.ts (result in `path`).
 * Inputs are trusted: callers check them first.
 */
function alignBlocks(A: FlatRows, B: FlatRows, matrix: ScoringMatrix, gaps: GapCosts): void {
  const n = A.length, m = B.length, pair = pairScratch(n * m);
  pairTableInto(A, B, matrix.scores, matrix.size, pair);
  align(pair, n, m, gaps.open, gaps.extend);
}

/** The merged rows (A's first) along the path of the last `alignBlocks`. */
function mergeRows(A: FlatRows, B: FlatRows): FlatRows {
  const ops = path.ops, s = path.start, L = path.length, data = new Int32Array((A.count + B.count) * L);
  for (let r = 0; r < A.count; r++) {
    const src = A.data, o = r * L;
    for (let t = 0, i = r * A.length; t < L; t++) data[o + t] = ops[s + t] === Y ? GAP : src[i++]!;
  }
  for (let r = 0; r < B.count; r++) {
    const src = B.data, o = (A.count + r) * L;
    for (let t = 0, j = r * B.length; t < L; t++) data[o + t] = ops[s + t] === X ? GAP : src[j++]!;
  }
  return { data, count: A.count + B.count, length: L };
}

/** Align two blocks of aligned rows against each other; returns the merged rows (A's first) and the score. */
export function alignProfiles(A: readonly Int32Array[], B: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts = ZERO_GAPS): { rows: Int32Array[]; score: number } {
  if (A.length === 0 || B.length === 0) throw new RangeError('alignProfiles: both profiles need at least one row');
  checkGapCosts(gaps, 'alignProfiles');
  const n = A[0]!.length, m = B[0]!.length;
  A.forEach((r, k) => checkRow(r, n, matrix.size, `alignProfiles: A[${k}]`));
  B.forEach((r, k) => checkRow(r, m, matrix.size, `alignProfiles: B[${k}]`));
  const fa = flatten(A), fb = flatten(B);
  alignBlocks(fa, fb, matrix, gaps);
  return { rows: unflatten(mergeRows(fa, fb)), score: path.score };
}

function checkRow(r: Int32Array, columns: number, K: number, what: string): void {
  if (r.length !== columns) throw new RangeError(`${what} has ${r.length} columns, expected ${columns} (a ragged alignment)`);
  checkEvents(r, K, what, true);
}

/** Needleman–Wunsch (Gotoh's affine form) of two event sequences; gap costs 0 by default, as in the reference. */
export function needlemanWunsch(a: Int32Array, b: Int32Array, matrix: ScoringMatrix, gaps: GapCosts = ZERO_GAPS): PairwiseAlignment {
  checkEvents(a, matrix.size, 'needlemanWunsch: a');
  checkEvents(b, matrix.size, 'needlemanWunsch: b');
  const { rows, score } = alignProfiles([a], [b], matrix, gaps);
  return { score, a: rows[0]!, b: rows[1]! };
}

/** Distance of a pairwise alignment (see `MsaOptions.distance`). */
export function alignmentDistance(al: PairwiseAlignment, kind: DistanceKind = 'identity'): number {
  let pairs = 0, same = 0, la = 0, lb = 0;
  for (let t = 0; t < al.a.length; t++) {
    const x = al.a[t]!, y = al.b[t]!;
    if (x !== GAP) la++;
    if (y !== GAP) lb++;
    if (x !== GAP && y !== GAP) {
      pairs++;
      if (x === y) same++;
    }
  }
  if (kind === 'identity') return pairs === 0 ? 1 : 1 - same / pairs;
  return 1 - same / Math.min(la, lb);
}

/**
 * UPGMA on a symmetric distance matrix `dist` [n · n]: repeatedly merge the two closest clusters; the
 * merged cluster's distance to another is the size-weighted mean of its sides'. Ties go to the pair
 * with the lowest cluster id, then the lowest partner id (leaves 0..n−1, merge k makes cluster n + k).
 */
export function upgma(dist: Float64Array, n: number): GuideTreeNode[] {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`upgma: n must be a positive integer, got ${n}`);
  if (dist.length !== n * n) throw new RangeError(`upgma: dist has ${dist.length} entries, expected n · n = ${n * n}`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const d = dist[i * n + j]!;
      if (!Number.isFinite(d)) throw new RangeError(`upgma: dist[${i}, ${j}] = ${d} is not finite`);
      if (d !== dist[j * n + i]) throw new RangeError(`upgma: dist is not symmetric at (${i}, ${j})`);
    }
  }
  const N = 2 * n - 1, D = new Float64Array(N * N), size = new Int32Array(N), active: number[] = [];
  for (let i = 0; i < n; i++) {
    size[i] = 1;
    active.push(i);
    for (let j = 0; j < n; j++) D[i * N + j] = dist[i * n + j]!;
  }
  const tree: GuideTreeNode[] = [];
  for (let k = 0; k < n - 1; k++) {
    let bi = -1, bj = -1, bd = Infinity;
    for (let x = 0; x < active.length; x++) {
      for (let y = x + 1; y < active.length; y++) {
        const d = D[active[x]! * N + active[y]!]!;
        if (d < bd) (bd = d), (bi = active[x]!), (bj = active[y]!);
      }
    }
    const c = n + k;
    size[c] = size[bi]! + size[bj]!;
    tree.push({ left: bi, right: bj, height: bd / 2, size: size[c]! });
    active.splice(active.indexOf(bj), 1);
    active.splice(active.indexOf(bi), 1);
    for (const o of active) {
      const d = (D[bi * N + o]! * size[bi]! + D[bj * N + o]! * size[bj]!) / size[c]!;
      D[c * N + o] = D[o * N + c] = d;
    }
    active.push(c); // ids grow, so `active` stays sorted
  }
  return tree;
}

/**
 * Distance of two sequences from their global alignment (`alignmentDistance` without building the rows):
 * aligned pairs are the path's M ops.
 */
function sequenceDistance(a: Int32Array, b: Int32Array, matrix: ScoringMatrix, gaps: GapCosts, kind: DistanceKind): number {
  alignBlocks(oneRow(a), oneRow(b), matrix, gaps);
  const ops = path.ops;
  let pairs = 0, same = 0;
  for (let t = path.start, end = path.start + path.length, i = 0, j = 0; t < end; t++) {
    const op = ops[t]!;
    if (op === M) {
      pairs++;
      if (a[i++] === b[j++]) same++;
    } else if (op === X) i++;
    else j++;
  }
  if (kind === 'identity') return pairs === 0 ? 1 : 1 - same / pairs;
  return 1 - same / Math.min(a.length, b.length);
}

/** All-pairs distances [n · n] from pairwise global alignments (step 1). */
export function pairwiseDistances(seqs: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts = ZERO_GAPS, kind: DistanceKind = 'identity'): Float64Array {
  checkGapCosts(gaps, 'pairwiseDistances');
  seqs.forEach((s, k) => {
    if (s.length === 0 || !eventsInRange(s, matrix.size)) checkEvents(s, matrix.size, `pairwiseDistances: seqs[${k}]`); // the message is built only on failure
  });
  return distancesOf(seqs, matrix, gaps, kind);
}

function distancesOf(seqs: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts, kind: DistanceKind): Float64Array {
  const n = seqs.length, dist = new Float64Array(n * n);
  if (gaps.open === 0 && gaps.extend === 0) {
    // The reference's case, the MSA's hot spot: per second sequence b its profile Q[k · m + j] = s(k, b_j)
    // (`+ 0` as in pairTableInto), shared by its partners, instead of a pair table per pair.
    const K = matrix.size, S = matrix.scores;
    for (let j = 1; j < n; j++) {
      const b = seqs[j]!, m = b.length, Q = pairScratch(K * m);
      for (let k = 0; k < K; k++) for (let t = 0; t < m; t++) Q[k * m + t] = S[k * K + b[t]!]! + 0;
      for (let i = 0; i < j; i++) {
        const a = seqs[i]!;
        sequenceIdentity(a, b, Q);
        const { pairs, same } = identity;
        dist[i * n + j] = dist[j * n + i] = kind === 'identity' ? (pairs === 0 ? 1 : 1 - same / pairs) : 1 - same / Math.min(a.length, m);
      }
    }
    return dist;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) dist[i * n + j] = dist[j * n + i] = sequenceDistance(seqs[i]!, seqs[j]!, matrix, gaps, kind);
  }
  return dist;
}

/**
 * Multiple alignment of event sequences (steps 1–3). Rows come back in input order; each row with its
 * gaps removed is its input sequence.
 */
export function multipleAlignment(seqs: readonly Int32Array[], matrix: ScoringMatrix, opts: MsaOptions = {}): MultipleAlignment {
  const n = seqs.length;
  if (n === 0) throw new RangeError('multipleAlignment: seqs is empty (need at least one sequence)');
  seqs.forEach((s, k) => {
    if (s.length === 0 || !eventsInRange(s, matrix.size)) checkEvents(s, matrix.size, `multipleAlignment: seqs[${k}]`); // the message is built only on failure
  });
  const gaps = opts.gaps ?? ZERO_GAPS, pwGaps = opts.pairwiseGaps ?? ZERO_GAPS;
  checkGapCosts(gaps, 'multipleAlignment: gaps');
  checkGapCosts(pwGaps, 'multipleAlignment: pairwiseGaps');
  if (n === 1) return { rows: [Int32Array.from(seqs[0]!)], columns: seqs[0]!.length };
  const tree = upgma(distancesOf(seqs, matrix, pwGaps, opts.distance ?? 'identity'), n);
  // Per cluster: its aligned rows and which input each row is.
  const blocks: { rows: FlatRows; ids: number[] }[] = seqs.map((s, k) => ({ rows: oneRow(s), ids: [k] }));
  for (const node of tree) {
    const A = blocks[node.left]!, B = blocks[node.right]!;
    alignBlocks(A.rows, B.rows, matrix, gaps);
    blocks.push({ rows: mergeRows(A.rows, B.rows), ids: [...A.ids, ...B.ids] });
  }
  const root = blocks[blocks.length - 1]!, L = root.rows.length, rows = new Array<Int32Array>(n);
  root.ids.forEach((id, r) => (rows[id] = root.rows.data.slice(r * L, (r + 1) * L)));
  return { rows, columns: L };
}

/** row[l] = Σ_k fA[i,k]·S[k,l]: column i's expected score against each event (zero frequencies skipped, so sums match bit for bit). */
function profileScoreRow(fA: Float64Array, i: number, K: number, S: Float64Array, row: Float64Array): void {
  row.fill(0, 0, K);
  for (let k = 0; k < K; k++) {
    const a = fA[i * K + k]!;
    if (a === 0) continue;
    for (let l = 0; l < K; l++) row[l]! += a * S[k * K + l]!;
  }
}
