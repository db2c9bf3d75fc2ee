/**
 * The dynamic-programming kernel behind msa.ts and profile-align.ts: Gotoh's affine-gap global
 * alignment over a column-pair score table `pair` [n · m] (pair[i · m + j] = score of the first side's
 * column i against the second side's column j).
 *
 * Speed (issue 10 item 7): an MSA of 12 demos runs ~80 of these DPs of a few hundred cells each, so the
 * tables are module-level typed arrays grown on demand and reused by every call (JS is single-threaded
 * and nothing here calls back out, so one set suffices), the inner loops are plain typed-array
 * arithmetic without calls or closures, and with zero gap costs (the reference's setting) the three
 * Gotoh states collapse to one table: every state of a cell takes the best of its predecessor's three,
 * so the best value H per cell is all the fill keeps; traceback recomputes each visited cell's arg-best.
 * Pairwise distances between two event sequences (the bulk of an MSA) read their scores from the second
 * sequence's profile [K · m] instead of a pair table per pair (`sequenceIdentity`).
 *
 * Tie-breaking is msa.ts's: among equal-scoring paths, traceback from the end prefers M (both
 * columns), then Y (a gap in the first side), then X (a gap in the second). The results equal the
 * straightforward three-table version bit for bit (test/align-fast-path.test.ts checks it against one).
 */

/** DP states and path ops: both columns aligned, the first side's column against a gap, the second's against a gap. */
export const M = 0, X = 1, Y = 2;

/**
 * The DP tables [(n + 1) · (m + 1)] and the pair scratch, grown on demand (never shrunk) and shared by every
 * call. One const object whose fields the functions copy into locals: a module-level `let` would be
 * re-read (and TDZ-checked) on every use inside the loops.
 */
const tables = {
  cells: 0,
  sM: new Float64Array(0), sX: new Float64Array(0), sY: new Float64Array(0),
  fM: new Uint8Array(0), fX: new Uint8Array(0), fY: new Uint8Array(0),
  pair: new Float64Array(0),
  /** Per DP row, where its scores start (fillZeroRows). */
  off: new Int32Array(0),
};

function ensureTables(size: number): void {
  if (size <= tables.cells) return;
  const cells = Math.max(size, 2 * tables.cells, 1024);
  tables.cells = cells;
  tables.sM = new Float64Array(cells);
  tables.sX = new Float64Array(cells);
  tables.sY = new Float64Array(cells);
  tables.fM = new Uint8Array(cells);
  tables.fX = new Uint8Array(cells);
  tables.fY = new Uint8Array(cells);
}

/** A reused scratch table of at least `size` entries for the caller to fill as `pair`; valid until the next call. */
export function pairScratch(size: number): Float64Array {
  if (size > tables.pair.length) tables.pair = new Float64Array(Math.max(size, 2 * tables.pair.length, 1024));
  return tables.pair;
}

/**
 * The last alignment's result, overwritten by every `align` call: the best score, and the path as ops
 * from the start in `ops[start .. start + length)`.
 */
export const path = { score: 0, ops: new Uint8Array(0), start: 0, length: 0 };

/** Fills the DP tables for `pair` [n · m]; `open`/`ext` are the gap penalties (≥ 0). */
function fill(pair: Float64Array, n: number, m: number, open: number, ext: number): void {
  ensureTables((n + 1) * (m + 1));
  if (open === 0 && ext === 0) fillZero(pair, n, m);
  else fillAffine(pair, n, m, open + ext, ext);
}

/**
 * Zero gap costs: H (in sM) = the best of the three states. Which state is best (M, then Y, then X on
 * ties) is not stored: traceback recomputes it, with the same arithmetic, on the n + m cells it visits.
 */
function fillZero(pair: Float64Array, n: number, m: number): void {
  const off = rowOffsets(n);
  for (let i = 0; i < n; i++) off[i] = i * m;
  fillZeroRows(pair, off, n, m);
}

/**
 * Zero gap costs, two event sequences: like `fillZero`, with pair(i, j) read from the second sequence's
 * profile Q [K · m] (Q[k · m + j] = s(k, b_j)) instead of a table of n · m.
 */
function fillZeroSeq(a: Int32Array, Q: Float64Array, n: number, m: number): void {
  const off = rowOffsets(n);
  for (let i = 0; i < n; i++) off[i] = a[i]! * m;
  fillZeroRows(Q, off, n, m);
}

function rowOffsets(n: number): Int32Array {
  if (tables.off.length < n) tables.off = new Int32Array(Math.max(n, 2 * tables.off.length, 256));
  return tables.off;
}

/**
 * The zero-gap fill: H(i, j) = max(s(i, j) + H(i − 1, j − 1), H(i − 1, j), H(i, j − 1)), with row i's
 * scores s(i, ·) at S[off[i − 1] ..]. The value is the max whatever the order of comparison (ties only
 * matter to traceback), so the left neighbour, on the loop-carried chain, goes last, and the diagonal rides
 * along in a register. Rows go in pairs: the two rows' chains are independent and run side by side.
 */
function fillZeroRows(S: Float64Array, off: Int32Array, n: number, m: number): void {
  const W = m + 1, H = tables.sM;
  // Row 0 and column 0: only gaps reach them, at no cost.
  for (let j = 0; j <= m; j++) H[j] = 0;
  let i = 1;
  for (; i < n; i += 2) {
    const c1 = i * W, c2 = c1 + W, q1 = off[i - 1]! - 1, q2 = off[i]! - 1, p = c1 - W;
    H[c1] = 0;
    H[c2] = 0;
    let l1 = 0, d1 = 0, l2 = 0, d2 = 0;
    for (let j = 1; j <= m; j++) {
      const up = H[p + j]!;
      let v1 = S[q1 + j]! + d1;
      d1 = up;
      if (up > v1) v1 = up;
      if (l1 > v1) v1 = l1;
      H[c1 + j] = v1;
      l1 = v1;
      let v2 = S[q2 + j]! + d2;
      d2 = v1;
      if (v1 > v2) v2 = v1;
      if (l2 > v2) v2 = l2;
      H[c2 + j] = v2;
      l2 = v2;
    }
  }
  if (i === n) {
    const c0 = i * W, q = off[i - 1]! - 1, p = c0 - W;
    H[c0] = 0;
    let left = 0, diag = 0;
    for (let j = 1; j <= m; j++) {
      const up = H[p + j]!;
      let v = S[q + j]! + diag;
      diag = up;
      if (up > v) v = up;
      if (left > v) v = left;
      H[c0 + j] = v;
      left = v;
    }
  }
}

/** The best state at (i, j) of a zero-gap table, M then Y then X on ties; `diag` = pair(i − 1, j − 1). */
function bestZero(i: number, j: number, W: number, diag: number): number {
  const c = i * W + j, H = tables.sM;
  let k = M, v = i > 0 && j > 0 ? diag + H[c - W - 1]! : -Infinity;
  if (j > 0 && H[c - 1]! > v) (k = Y), (v = H[c - 1]!);
  if (i > 0 && H[c - W]! > v) k = X;
  return k;
}

/** Affine gaps: Gotoh's three tables and their back-pointers; `oe` = open + extend. */
function fillAffine(pair: Float64Array, n: number, m: number, oe: number, ext: number): void {
  const W = m + 1, sM = tables.sM, sX = tables.sX, sY = tables.sY, fM = tables.fM, fX = tables.fX, fY = tables.fY;
  sM[0] = 0;
  sX[0] = -Infinity;
  sY[0] = -Infinity;
  fM[0] = fX[0] = fY[0] = M;
  for (let j = 1; j <= m; j++) {
    sM[j] = -Infinity;
    sX[j] = -Infinity;
    fM[j] = fX[j] = M;
    const p = j - 1, vm = sM[p]! - oe, vx = sX[p]! - oe, vy = sY[p]! - ext;
    let k = M, v = vm;
    if (vy > v) (k = Y), (v = vy);
    if (vx > v) (k = X), (v = vx);
    sY[j] = v;
    fY[j] = k;
  }
  for (let i = 1; i <= n; i++) {
    const c0 = i * W, pr = (i - 1) * m;
    {
      const p = c0 - W, vm = sM[p]! - oe, vx = sX[p]! - ext, vy = sY[p]! - oe;
      let k = M, v = vm;
      if (vy > v) (k = Y), (v = vy);
      if (vx > v) (k = X), (v = vx);
      sM[c0] = -Infinity;
      sY[c0] = -Infinity;
      fM[c0] = fY[c0] = M;
      sX[c0] = v;
      fX[c0] = k;
    }
    for (let j = 1; j <= m; j++) {
      const c = c0 + j;
      let p = c - W - 1, k = M, v = sM[p]!;
      const dy = sY[p]!, dx = sX[p]!;
      if (dy > v) (k = Y), (v = dy);
      if (dx > v) (k = X), (v = dx);
      sM[c] = pair[pr + j - 1]! + v;
      fM[c] = k;
      p = c - W;
      let vm = sM[p]! - oe, vx = sX[p]! - ext, vy = sY[p]! - oe;
      k = M;
      v = vm;
      if (vy > v) (k = Y), (v = vy);
      if (vx > v) (k = X), (v = vx);
      sX[c] = v;
      fX[c] = k;
      p = c - 1;
      vm = sM[p]! - oe;
      vx = sX[p]! - oe;
      vy = sY[p]! - ext;
      k = M;
      v = vm;
      if (vy > v) (k = Y), (v = vy);
      if (vx > v) (k = X), (v = vx);
      sY[c] = v;
      fY[c] = k;
    }
  }
}

/**
 * Global alignment of two sides by their pair table [n · m]: fills `path` (score and ops). The table is
 * read before anything else is written, so it may be `pairScratch`.
 */
export function align(pair: Float64Array, n: number, m: number, open: number, ext: number): void {
  fill(pair, n, m, open, ext);
  const W = m + 1, L = n + m;
  if (path.ops.length < L) path.ops = new Uint8Array(Math.max(L, 2 * path.ops.length, 256));
  const ops = path.ops, { sM, sX, sY, fM, fX, fY } = tables;
  let i = n, j = m, c = n * W + m, p = L;
  if (open === 0 && ext === 0) {
    path.score = sM[c]!;
    while (i > 0 || j > 0) {
      const state = bestZero(i, j, W, i > 0 && j > 0 ? pair[(i - 1) * m + j - 1]! : 0);
      ops[--p] = state;
      if (state === M) i--, j--;
      else if (state === X) i--;
      else j--;
    }
  } else {
    const vm = sM[c]!, vx = sX[c]!, vy = sY[c]!;
    let state = M, v = vm;
    if (vy > v) (state = Y), (v = vy);
    if (vx > v) (state = X), (v = vx);
    path.score = v;
    while (i > 0 || j > 0) {
      ops[--p] = state;
      const prev = state === M ? fM[c]! : state === X ? fX[c]! : fY[c]!;
      if (state === M) i--, j--;
      else if (state === X) i--;
      else j--;
      c = i * W + j;
      state = prev;
    }
  }
  path.start = p;
  path.length = L - p;
}

/**
 * For every prefix of the first side, the best score against any prefix of the second:
 * out[i − 1] = max_j (best of the three states at (i, j)), i = 1..n (msa.ts `prefixAlignScores`).
 */
export function prefixBest(pair: Float64Array, n: number, m: number, open: number, ext: number, out: Float64Array): void {
  fill(pair, n, m, open, ext);
  const W = m + 1, zero = open === 0 && ext === 0, { sM, sX, sY } = tables;
  for (let i = 1; i <= n; i++) {
    let b = -Infinity;
    const c0 = i * W;
    if (zero) for (let c = c0; c <= c0 + m; c++) b = Math.max(b, sM[c]!);
    else for (let c = c0; c <= c0 + m; c++) b = Math.max(b, sM[c]!, sX[c]!, sY[c]!);
    out[i - 1] = b;
  }
}

/** The last `sequenceIdentity` result: aligned pairs and identical pairs on the best path. */
export const identity = { pairs: 0, same: 0 };

/**
 * Zero gap costs: the global alignment of event sequences a [n] and b [m], b given as its profile Q [K · m]
 * (Q[k · m + j] = s(k, b_j)); counts into `identity` the path's aligned pairs and how many are the same
 * event (the path is `align`'s on the table pair(i, j) = Q[a_i · m + j]).
 */
export function sequenceIdentity(a: Int32Array, b: Int32Array, Q: Float64Array): void {
  const n = a.length, m = b.length, W = m + 1;
  ensureTables((n + 1) * W);
  fillZeroSeq(a, Q, n, m);
  let i = n, j = m, pairs = 0, same = 0;
  while (i > 0 || j > 0) {
    const state = bestZero(i, j, W, i > 0 && j > 0 ? Q[a[i - 1]! * m + j - 1]! : 0);
    if (state === M) {
      i--, j--;
      pairs++;
      if (a[i] === b[j]) same++;
    } else if (state === X) i--;
    else j--;
  }
  identity.pairs = pairs;
  identity.same = same;
}
