import { GAP, checkEvents } from './events.ts';
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

function checkGaps(g: GapCosts, what: string): void {
  if (!(g.open >= 0 && g.extend >= 0 && Number.isFinite(g.open) && Number.isFinite(g.extend))) {
    throw new RangeError(`${what}: gap costs must be finite penalties ≥ 0, got open ${g.open}, extend ${g.extend}`);
  }
}

// Which DP state a cell's best path ends in: both columns aligned, the first input's column against a gap
// (a gap in the second), or the second's column against a gap (a gap in the first).
const M = 0, X = 1, Y = 2;

/** The three Gotoh tables [(n + 1) · (m + 1)] and their back-pointers. */
interface Gotoh {
  n: number;
  m: number;
  s: [Float64Array, Float64Array, Float64Array];
  from: [Uint8Array, Uint8Array, Uint8Array];
}

/** Best of the three states in preference order M, Y, X (the tie-breaking above, seen from the end). */
function best3(vm: number, vx: number, vy: number): number {
  let k = M, v = vm;
  if (vy > v) (k = Y), (v = vy);
  if (vx > v) k = X;
  return k;
}

/**
 * Gotoh's affine-gap global alignment DP over a precomputed column-pair score table
 * `pair` [n · m] (pair[i · m + j] = score of the first input's column i against the second's column j).
 */
function fillGotoh(pair: Float64Array, n: number, m: number, gaps: GapCosts): Gotoh {
  const W = m + 1, size = (n + 1) * W;
  const sM = new Float64Array(size).fill(-Infinity), sX = new Float64Array(size).fill(-Infinity), sY = new Float64Array(size).fill(-Infinity);
  const fM = new Uint8Array(size), fX = new Uint8Array(size), fY = new Uint8Array(size);
  const openExt = gaps.open + gaps.extend, ext = gaps.extend;
  sM[0] = 0;
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      const c = i * W + j;
      if (i > 0 && j > 0) {
        const p = c - W - 1, k = best3(sM[p]!, sX[p]!, sY[p]!);
        sM[c] = pair[(i - 1) * m + j - 1]! + (k === M ? sM[p]! : k === X ? sX[p]! : sY[p]!);
        fM[c] = k;
      }
      if (i > 0) {
        const p = c - W, vm = sM[p]! - openExt, vx = sX[p]! - ext, vy = sY[p]! - openExt, k = best3(vm, vx, vy);
        sX[c] = k === M ? vm : k === X ? vx : vy;
        fX[c] = k;
      }
      if (j > 0) {
        const p = c - 1, vm = sM[p]! - openExt, vx = sX[p]! - openExt, vy = sY[p]! - ext, k = best3(vm, vx, vy);
        sY[c] = k === M ? vm : k === X ? vx : vy;
        fY[c] = k;
      }
    }
  }
  return { n, m, s: [sM, sX, sY], from: [fM, fX, fY] };
}

/**
 * Global alignment of two sides given their column-pair score table `pair` [n · m].
 * Returns the best score and the path as ops from the start: M (both columns), X (first's column, gap
 * in the second), Y (second's column, gap in the first).
 */
export function alignScoreTable(pair: Float64Array, n: number, m: number, gaps: GapCosts = ZERO_GAPS): { score: number; ops: Uint8Array } {
  checkGaps(gaps, 'alignScoreTable');
  if (pair.length !== n * m) throw new RangeError(`alignScoreTable: pair has ${pair.length} entries, expected n · m = ${n * m}`);
  const g = fillGotoh(pair, n, m, gaps), W = m + 1;
  let i = n, j = m, c = n * W + m;
  let state = best3(g.s[M][c]!, g.s[X][c]!, g.s[Y][c]!);
  const score = g.s[state]![c]!;
  const ops: number[] = [];
  while (i > 0 || j > 0) {
    ops.push(state);
    const prev = g.from[state]![c]!;
    if (state === M) i--, j--;
    else if (state === X) i--;
    else j--;
    c = i * W + j;
    state = prev;
  }
  return { score, ops: Uint8Array.from(ops.reverse()) };
}

/**
 * For every prefix of the first side (rows 1..n), the best global score of that prefix against any
 * prefix of the second side: out[i] = max_j best(i + 1, j). The second side's tail after the prefix's
 * last column is free, so a prefix is not charged for columns it has not reached yet.
 */
export function prefixAlignScores(pair: Float64Array, n: number, m: number, gaps: GapCosts = ZERO_GAPS): Float64Array {
  checkGaps(gaps, 'prefixAlignScores');
  if (pair.length !== n * m) throw new RangeError(`prefixAlignScores: pair has ${pair.length} entries, expected n · m = ${n * m}`);
  const g = fillGotoh(pair, n, m, gaps), W = m + 1, out = new Float64Array(n);
  for (let i = 1; i <= n; i++) {
    let b = -Infinity;
    for (let j = 0; j <= m; j++) {
      const c = i * W + j;
      b = Math.max(b, g.s[M][c]!, g.s[X][c]!, g.s[Y][c]!);
    }
    out[i - 1] = b;
  }
  return out;
}

/**
 * Column profile of aligned rows: freq[col · K + k] = (rows with event k in col) / rows. Gaps add
 * nothing, so a column that is half gaps scores half as strongly.
 */
function columnFrequencies(rows: readonly Int32Array[], K: number): Float64Array {
  const L = rows[0]!.length, f = new Float64Array(L * K), w = 1 / rows.length;
  for (const r of rows) for (let t = 0; t < L; t++) if (r[t]! !== GAP) f[t * K + r[t]!]! += w;
  return f;
}

/**
 * Score table of two profiles (sum of pairs, averaged): pair(i, j) = Σ_{k,l} fA[i,k] · s_kl · fB[j,l].
 * For two single sequences this is just s(a_i, b_j). Returns [A.columns · B.columns].
 */
export function profilePairTable(A: readonly Int32Array[], B: readonly Int32Array[], matrix: ScoringMatrix): Float64Array {
  const K = matrix.size, S = matrix.scores;
  const n = A[0]!.length, m = B[0]!.length, fA = columnFrequencies(A, K), fB = columnFrequencies(B, K);
  const pair = new Float64Array(n * m), row = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    row.fill(0); // row[l] = Σ_k fA[i,k] s_kl
    for (let k = 0; k < K; k++) {
      const a = fA[i * K + k]!;
      if (a === 0) continue;
      for (let l = 0; l < K; l++) row[l]! += a * S[k * K + l]!;
    }
    for (let j = 0; j < m; j++) {
      let v = 0;
      for (let l = 0; l < K; l++) v += row[l]! * fB[j * K + l]!;
      pair[i * m + j] = v;
    }
  }
  return pair;
}

/** Align two blocks of aligned rows against each other; returns the merged rows (A's first) and the score. */
export function alignProfiles(A: readonly Int32Array[], B: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts = ZERO_GAPS): { rows: Int32Array[]; score: number } {
  if (A.length === 0 || B.length === 0) throw new RangeError('alignProfiles: both profiles need at least one row');
  const n = A[0]!.length, m = B[0]!.length;
  A.forEach((r, k) => checkRow(r, n, matrix.size, `alignProfiles: A[${k}]`));
  B.forEach((r, k) => checkRow(r, m, matrix.size, `alignProfiles: B[${k}]`));
  const { score, ops } = alignScoreTable(profilePairTable(A, B, matrix), n, m, gaps);
  const L = ops.length, rows: Int32Array[] = [];
  for (const r of A) {
    const out = new Int32Array(L);
    for (let t = 0, i = 0; t < L; t++) out[t] = ops[t] === Y ? GAP : r[i++]!;
    rows.push(out);
  }
  for (const r of B) {
    const out = new Int32Array(L);
    for (let t = 0, j = 0; t < L; t++) out[t] = ops[t] === X ? GAP : r[j++]!;
    rows.push(out);
  }
  return { rows, score };
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

/** All-pairs distances [n · n] from pairwise global alignments (step 1). */
export function pairwiseDistances(seqs: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts = ZERO_GAPS, kind: DistanceKind = 'identity'): Float64Array {
  const n = seqs.length, dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) dist[i * n + j] = dist[j * n + i] = alignmentDistance(needlemanWunsch(seqs[i]!, seqs[j]!, matrix, gaps), kind);
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
  seqs.forEach((s, k) => checkEvents(s, matrix.size, `multipleAlignment: seqs[${k}]`));
  const gaps = opts.gaps ?? ZERO_GAPS, pwGaps = opts.pairwiseGaps ?? ZERO_GAPS;
  checkGaps(gaps, 'multipleAlignment: gaps');
  checkGaps(pwGaps, 'multipleAlignment: pairwiseGaps');
  if (n === 1) return { rows: [Int32Array.from(seqs[0]!)], columns: seqs[0]!.length };
  const tree = upgma(pairwiseDistances(seqs, matrix, pwGaps, opts.distance ?? 'identity'), n);
  // Per cluster: its aligned rows and which input each row is.
  const blocks: { rows: Int32Array[]; ids: number[] }[] = seqs.map((s, k) => ({ rows: [Int32Array.from(s)], ids: [k] }));
  for (const node of tree) {
    const A = blocks[node.left]!, B = blocks[node.right]!;
    blocks.push({ rows: alignProfiles(A.rows, B.rows, matrix, gaps).rows, ids: [...A.ids, ...B.ids] });
  }
  const root = blocks[blocks.length - 1]!, rows = new Array<Int32Array>(n);
  root.ids.forEach((id, r) => (rows[id] = root.rows[r]!));
  return { rows, columns: root.rows[0]!.length };
}
