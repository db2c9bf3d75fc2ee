import { GAP } from '../../src/align/events.ts';
import { upgma, type DistanceKind, type GapCosts, type MultipleAlignment } from '../../src/align/msa.ts';
import type { Pssm } from '../../src/align/pssm.ts';
import type { ScoringMatrix } from '../../src/align/scoring.ts';

/**
 * A straightforward reference for the fast aligners of src/align (msa.ts, profile-align.ts, gotoh.ts):
 * msa.ts and profile-align.ts as they were before the speed work, inputs trusted. Fresh tables per call,
 * three Gotoh states at every gap cost, dense pair tables. test/align-fast-path.test.ts checks that the
 * fast path returns exactly what this returns.
 */

const M = 0, X = 1, Y = 2;

function best3(vm: number, vx: number, vy: number): number {
  let k = M, v = vm;
  if (vy > v) (k = Y), (v = vy);
  if (vx > v) k = X;
  return k;
}

function fillGotoh(pair: Float64Array, n: number, m: number, gaps: GapCosts): { s: Float64Array[]; from: Uint8Array[] } {
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
  return { s: [sM, sX, sY], from: [fM, fX, fY] };
}

export function refAlignScoreTable(pair: Float64Array, n: number, m: number, gaps: GapCosts): { score: number; ops: Uint8Array } {
  const g = fillGotoh(pair, n, m, gaps), W = m + 1;
  let i = n, j = m, c = n * W + m;
  let state = best3(g.s[M]![c]!, g.s[X]![c]!, g.s[Y]![c]!);
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

export function refPrefixAlignScores(pair: Float64Array, n: number, m: number, gaps: GapCosts): Float64Array {
  const g = fillGotoh(pair, n, m, gaps), W = m + 1, out = new Float64Array(n);
  for (let i = 1; i <= n; i++) {
    let b = -Infinity;
    for (let j = 0; j <= m; j++) b = Math.max(b, g.s[M]![i * W + j]!, g.s[X]![i * W + j]!, g.s[Y]![i * W + j]!);
    out[i - 1] = b;
  }
  return out;
}

function columnFrequencies(rows: readonly Int32Array[], K: number): Float64Array {
  const L = rows[0]!.length, f = new Float64Array(L * K), w = 1 / rows.length;
  for (const r of rows) for (let t = 0; t < L; t++) if (r[t]! !== GAP) f[t * K + r[t]!]! += w;
  return f;
}

export function refProfilePairTable(A: readonly Int32Array[], B: readonly Int32Array[], matrix: ScoringMatrix): Float64Array {
  const K = matrix.size, S = matrix.scores;
  const n = A[0]!.length, m = B[0]!.length, fA = columnFrequencies(A, K), fB = columnFrequencies(B, K);
  const pair = new Float64Array(n * m), row = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    row.fill(0);
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

export function refAlignProfiles(A: readonly Int32Array[], B: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts): { rows: Int32Array[]; score: number } {
  const n = A[0]!.length, m = B[0]!.length;
  const { score, ops } = refAlignScoreTable(refProfilePairTable(A, B, matrix), n, m, gaps);
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

export function refDistances(seqs: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts, kind: DistanceKind): Float64Array {
  const n = seqs.length, dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const { rows } = refAlignProfiles([seqs[i]!], [seqs[j]!], matrix, gaps);
      const a = rows[0]!, b = rows[1]!;
      let pairs = 0, same = 0, la = 0, lb = 0;
      for (let t = 0; t < a.length; t++) {
        if (a[t] !== GAP) la++;
        if (b[t] !== GAP) lb++;
        if (a[t] !== GAP && b[t] !== GAP) {
          pairs++;
          if (a[t] === b[t]) same++;
        }
      }
      dist[i * n + j] = dist[j * n + i] = kind === 'identity' ? (pairs === 0 ? 1 : 1 - same / pairs) : 1 - same / Math.min(la, lb);
    }
  }
  return dist;
}

export function refMultipleAlignment(seqs: readonly Int32Array[], matrix: ScoringMatrix, gaps: GapCosts, pwGaps: GapCosts, kind: DistanceKind): MultipleAlignment {
  const n = seqs.length;
  if (n === 1) return { rows: [Int32Array.from(seqs[0]!)], columns: seqs[0]!.length };
  const tree = upgma(refDistances(seqs, matrix, pwGaps, kind), n);
  const blocks: { rows: Int32Array[]; ids: number[] }[] = seqs.map((s, k) => ({ rows: [Int32Array.from(s)], ids: [k] }));
  for (const node of tree) {
    const A = blocks[node.left]!, B = blocks[node.right]!;
    blocks.push({ rows: refAlignProfiles(A.rows, B.rows, matrix, gaps).rows, ids: [...A.ids, ...B.ids] });
  }
  const root = blocks[blocks.length - 1]!, rows = new Array<Int32Array>(n);
  root.ids.forEach((id, r) => (rows[id] = root.rows[r]!));
  return { rows, columns: root.rows[0]!.length };
}

function pssmPairTable(query: Int32Array, pssm: Pssm): Float64Array {
  const n = query.length, m = pssm.columns, K = pssm.size, pair = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let t = 0; t < m; t++) pair[i * m + t] = pssm.scores[t * K + query[i]!]!;
  return pair;
}

/** profileAlign's score and columns. */
export function refProfileAlign(query: Int32Array, pssm: Pssm, gaps: GapCosts): { score: number; column: Int32Array } {
  const { score, ops } = refAlignScoreTable(pssmPairTable(query, pssm), query.length, pssm.columns, gaps);
  const column = new Int32Array(query.length);
  for (let k = 0, i = 0, t = 0; k < ops.length; k++) {
    if (ops[k] === M) column[i++] = t++;
    else if (ops[k] === X) column[i++] = GAP;
    else t++;
  }
  return { score, column };
}

/** profileAlignMsa's score and columns. */
export function refProfileAlignMsa(query: Int32Array, msa: MultipleAlignment, matrix: ScoringMatrix, gaps: GapCosts): { score: number; column: Int32Array } {
  const { score, ops } = refAlignScoreTable(refProfilePairTable(msa.rows, [query], matrix), msa.columns, query.length, gaps);
  const column = new Int32Array(query.length);
  for (let k = 0, i = 0, t = 0; k < ops.length; k++) {
    if (ops[k] === M) column[i++] = t++;
    else if (ops[k] === X) t++;
    else column[i++] = GAP;
  }
  return { score, column };
}

export function refPrefixScores(query: Int32Array, pssm: Pssm, gaps: GapCosts): Float64Array {
  return refPrefixAlignScores(pssmPairTable(query, pssm), query.length, pssm.columns, gaps);
}
