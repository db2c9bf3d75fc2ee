import { Rng } from '../envs/core/rng.ts';

/**
 * Affinity propagation (Frey & Dueck, Science 2007) on a precomputed similarity matrix, with
 * scikit-learn's `AffinityPropagation(affinity='precomputed')` semantics, which the Align-RUDDER reference
 * runs on the successor representation (rudder.md §3 (I)).
 *
 * Points exchange responsibilities r(i,k) (how well k suits i as its exemplar, against i's other options)
 * and availabilities a(i,k) (how much support k has from other points as an exemplar):
 *
 *   r(i,k) ← s(i,k) − max_{k′≠k} (a(i,k′) + s(i,k′))
 *   a(i,k) ← min(0, r(k,k) + Σ_{i′∉{i,k}} max(0, r(i′,k)))      (i ≠ k)
 *   a(k,k) ← Σ_{i′≠k} max(0, r(i′,k))
 *
 * each damped: new = damping·old + (1 − damping)·update. The diagonal s(k,k) is the preference.
 * Point k is an exemplar while a(k,k) + r(k,k) > 0.
 */
export interface AffinityPropagationOptions {
  /** s(k,k): one value for every point or one per point [n]. Higher → more exemplars (sklearn's default is the median of S). */
  preference: number | Float64Array;
  /** In [0.5, 1): the weight of the old message, against oscillation. */
  damping?: number;
  maxIter?: number;
  /** Converged once every point's exemplar flag has been the same for this many iterations (and there is one). */
  convergenceIter?: number;
  /**
   * Seed of the tiny noise added to S to break ties (sklearn's `random_state`). Defaults to 0: the reference's
   * sklearn 0.22 hard-coded `RandomState(0)`. Our stream differs from numpy's, so only exact ties can resolve differently.
   */
  seed?: number;
}

export interface AffinityPropagationResult {
  /** Cluster of each point [n], 0..K−1 in order of the exemplar's index; all −1 when no exemplar emerged. */
  labels: Int32Array;
  /** The exemplar of each cluster [K], ascending point indices; empty when none emerged. */
  exemplars: Int32Array;
  /** Message-passing iterations run (0 for the degenerate cases). */
  iterations: number;
  /** False when maxIter ran out first; labels are still returned if some point was an exemplar (as sklearn ≥ 1.0 and 0.22 do). */
  converged: boolean;
}

// numpy's finfo(float64).eps and .tiny (the smallest normal double), as sklearn scales its tie-breaking noise.
const EPS = Number.EPSILON;
const TINY = 2.2250738585072014e-308;

/**
 * Cluster `n` points from their similarities `similarity` [n × n], row-major (s(i,k) at i * n + k; need not be
 * symmetric; the diagonal is ignored and replaced by the preference). The input is not modified.
 */
export function affinityPropagation(similarity: Float64Array, n: number, opts: AffinityPropagationOptions): AffinityPropagationResult {
  const { preference, damping = 0.5, maxIter = 1000, convergenceIter = 30, seed = 0 } = opts;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`affinityPropagation: n must be a positive integer, got ${n}`);
  if (similarity.length !== n * n) throw new RangeError(`affinityPropagation: similarity must be square, n × n = ${n * n} values for n = ${n}, got ${similarity.length}`);
  for (let i = 0; i < similarity.length; i++) {
    if (!Number.isFinite(similarity[i]!)) throw new RangeError(`affinityPropagation: similarity[${Math.floor(i / n)}, ${i % n}] must be finite, got ${similarity[i]}`);
  }
  const pref = new Float64Array(n);
  if (typeof preference === 'number') pref.fill(preference);
  else if (preference.length === n) pref.set(preference);
  else throw new RangeError(`affinityPropagation: preference must be a number or hold one value per point (${n}), got ${preference.length} values`);
  for (let k = 0; k < n; k++) if (!Number.isFinite(pref[k]!)) throw new RangeError(`affinityPropagation: preference[${k}] must be finite, got ${pref[k]}`);
  if (!(damping >= 0.5 && damping < 1)) throw new RangeError(`affinityPropagation: damping must be in [0.5, 1), got ${damping}`);
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) throw new RangeError(`affinityPropagation: maxIter must be a positive integer, got ${maxIter}`);
  if (!(Number.isInteger(convergenceIter) && convergenceIter >= 1)) throw new RangeError(`affinityPropagation: convergenceIter must be a positive integer, got ${convergenceIter}`);

  // Degenerate input (sklearn's documented special case): with one point, or all off-diagonal similarities equal
  // and all preferences equal, messages cannot single anyone out. Each point is its own exemplar if the
  // preference is above the common similarity; otherwise all join point 0. (sklearn 1.x compares with `>`;
  // 0.22, which the reference used, with `>=`: they differ only when the two are exactly equal.)
  if (n === 1 || allEqualOffDiagonal(similarity, n) && pref.every((p) => p === pref[0])) {
    const each = n > 1 && pref[0]! > similarity[1]!;
    return {
      labels: each ? Int32Array.from({ length: n }, (_, i) => i) : new Int32Array(n),
      exemplars: each ? Int32Array.from({ length: n }, (_, i) => i) : Int32Array.of(0),
      iterations: 0,
      converged: true,
    };
  }

  // S with the preferences on its diagonal, plus noise of relative size ~1e-16 so that exact ties (which make
  // the messages oscillate) are broken.
  const S = Float64Array.from(similarity);
  for (let k = 0; k < n; k++) S[k * n + k] = pref[k]!;
  const rng = new Rng(seed);
  for (let i = 0; i < n * n; i++) S[i] = S[i]! + (EPS * S[i]! + TINY * 100) * rng.normal();

  const R = new Float64Array(n * n), A = new Float64Array(n * n);
  const colSum = new Float64Array(n);
  const isExemplar = new Uint8Array(n), wasExemplar = new Uint8Array(n);
  const keep = damping, take = 1 - damping;
  let sameFor = 0, converged = false, it = 0;
  while (it < maxIter) {
    // Responsibilities: row by row, the best and second-best a + s (first index wins a tie, as numpy's argmax).
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let best = -Infinity, second = -Infinity, bestK = 0;
      for (let k = 0; k < n; k++) {
        const v = A[row + k]! + S[row + k]!;
        if (v > best) { second = best; best = v; bestK = k; }
        else if (v > second) second = v;
      }
      for (let k = 0; k < n; k++) R[row + k] = keep * R[row + k]! + take * (S[row + k]! - (k === bestK ? second : best));
    }
    // Availabilities: column sums of max(0, r), with r(k,k) itself kept as is.
    colSum.fill(0);
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let k = 0; k < n; k++) colSum[k]! += k === i ? R[row + k]! : Math.max(0, R[row + k]!);
    }
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let k = 0; k < n; k++) {
        const aNew = k === i ? colSum[k]! - R[row + k]! : Math.min(0, colSum[k]! - Math.max(0, R[row + k]!));
        A[row + k] = keep * A[row + k]! + take * aNew;
      }
    }
    let K = 0, changed = false;
    for (let k = 0; k < n; k++) {
      const e = A[k * n + k]! + R[k * n + k]! > 0 ? 1 : 0;
      K += e;
      if (e !== wasExemplar[k]) changed = true;
      isExemplar[k] = e;
    }
    wasExemplar.set(isExemplar);
    sameFor = it === 0 || changed ? 1 : sameFor + 1;
    it++;
    // sklearn checks from its (0-based) iteration `convergenceIter` on, so at least convergenceIter + 1 iterations run.
    if (it > convergenceIter && sameFor >= convergenceIter && K > 0) {
      converged = true;
      break;
    }
  }

  const I: number[] = [];
  for (let k = 0; k < n; k++) if (isExemplar[k]) I.push(k);
  if (I.length === 0) return { labels: new Int32Array(n).fill(-1), exemplars: new Int32Array(0), iterations: it, converged };

  // Assign each point to its most similar exemplar, then move each exemplar to its cluster's medoid (the member
  // with the highest summed similarity from the others), and assign again.
  let c = assign(S, n, I);
  for (let k = 0; k < I.length; k++) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (c[i] === k) members.push(i);
    let bestSum = -Infinity, bestJ = I[k]!;
    for (const j of members) {
      let sum = 0;
      for (const i of members) sum += S[i * n + j]!;
      if (sum > bestSum) { bestSum = sum; bestJ = j; }
    }
    I[k] = bestJ;
  }
  c = assign(S, n, I);
  // Renumber clusters by their exemplar's index (sklearn's np.unique + searchsorted).
  const order = I.map((_, k) => k).sort((x, y) => I[x]! - I[y]!);
  const rank = new Int32Array(I.length);
  order.forEach((k, r) => (rank[k] = r));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rank[c[i]!]!;
  return { labels, exemplars: Int32Array.from(order, (k) => I[k]!), iterations: it, converged };
}

/** Each point's cluster: the index into `I` of its most similar exemplar; an exemplar belongs to its own. */
function assign(S: Float64Array, n: number, I: readonly number[]): Int32Array {
  const c = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity, bestK = 0;
    for (let k = 0; k < I.length; k++) {
      const v = S[i * n + I[k]!]!;
      if (v > best) { best = v; bestK = k; }
    }
    c[i] = bestK;
  }
  I.forEach((p, k) => (c[p] = k));
  return c;
}

function allEqualOffDiagonal(S: Float64Array, n: number): boolean {
  const first = S[1]!;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) if (i !== k && S[i * n + k] !== first) return false;
  return true;
}
