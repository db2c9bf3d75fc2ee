import { checkEvents } from './events.ts';

/**
 * Align-RUDDER step (II): the event-vs-event scoring matrix (rudder.md §3 (II)).
 * `scores[i * size + j]` is the score of aligning event i against event j.
 */
export interface ScoringMatrix {
  size: number;
  /** [size * size], row-major. */
  scores: Float64Array;
  /**
   * The reference's extra '*' symbol in the matrix file it writes for ClustalW: `inColumn` is the score
   * of event i against '*' (the off-diagonal, −1), `inRow` of '*' against anything ('*' included,
   * off-diagonal / 10 = −0.1). Our aligners charge gaps through `GapCosts` (msa.ts) and never read
   * these; they are kept so the matrix can be written out as the reference did.
   */
  gapSymbol?: { inColumn: number; inRow: number };
}

export function score(matrix: ScoringMatrix, a: number, b: number): number {
  return matrix.scores[a * matrix.size + b]!;
}

/** How often each event occurs over the sequences: c_k, the input of `scoringMatrixCode`. */
export function eventCounts(seqs: readonly Int32Array[], size: number): Float64Array {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`eventCounts: size must be a positive integer, got ${size}`);
  const c = new Float64Array(size);
  seqs.forEach((s, n) => {
    checkEvents(s, size, `eventCounts: seqs[${n}]`);
    for (const e of s) c[e]!++;
  });
  return c;
}

export interface CodeMatrixOptions {
  /** Score of every pair of different events; `align()` passes −1 (the function's own default is −10). */
  offDiagonal?: number;
  /** The diagonal is factor · (−2 ln(c_i / N)); the reference's 0.1 makes it −0.2 ln p_i. */
  diagonalFactor?: number;
  /**
   * Overwrite one event's count after counting (N stays the true total). The reference sets its last
   * letter 'T' (id 19 of its 20) to 1, so 'T' gets the largest diagonal 0.2 ln N instead of 0 when it
   * never occurs; its clusterer rarely reaches 20 labels, so this changes nothing it aligns. We expose it
   * rather than assume K = 20: pass `{ event: 19, count: 1 }` to reproduce it.
   */
  forceCount?: { event: number; count: number };
}

/**
 * The reference's matrix (`create_scoring_matrix`): s_ii = −0.2 ln(c_i / N) from the events' counts
 * c_i over all demo event sequences (N = Σc), s_ij = −1. Rare events score higher on the diagonal;
 * an event that never occurs keeps diagonal 0 (the reference skips zero counts).
 */
export function scoringMatrixCode(counts: ArrayLike<number>, opts: CodeMatrixOptions = {}): ScoringMatrix {
  const K = counts.length, off = opts.offDiagonal ?? -1, factor = opts.diagonalFactor ?? 0.1;
  if (K === 0) throw new RangeError('scoringMatrixCode: counts is empty (need one count per event)');
  let N = 0;
  for (let i = 0; i < K; i++) {
    const c = counts[i]!;
    if (!(c >= 0 && Number.isFinite(c))) throw new RangeError(`scoringMatrixCode: counts[${i}] = ${c} must be a finite count ≥ 0`);
    N += c;
  }
  if (!(N > 0)) throw new RangeError('scoringMatrixCode: all counts are 0 (no events to take frequencies from)');
  const c = Float64Array.from(counts);
  if (opts.forceCount) {
    const { event, count } = opts.forceCount;
    if (!(Number.isInteger(event) && event >= 0 && event < K)) throw new RangeError(`scoringMatrixCode: forceCount.event ${event} is outside 0..${K - 1}`);
    if (!(count >= 0)) throw new RangeError(`scoringMatrixCode: forceCount.count must be ≥ 0, got ${count}`);
    c[event] = count;
  }
  const scores = new Float64Array(K * K).fill(off);
  for (let i = 0; i < K; i++) scores[i * K + i] = c[i]! > 0 ? factor * -2 * Math.log(c[i]! / N) : 0;
  return { size: K, scores, gapSymbol: { inColumn: off, inRow: off / 10 } };
}

/** Validated copy of `p` scaled to sum 1. */
function frequencies(p: ArrayLike<number>, what: string): Float64Array {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`${what}: p[${i}] = ${v} must be a finite frequency ≥ 0`);
    sum += v;
  }
  if (!(sum > 0)) throw new RangeError(`${what}: the frequencies p sum to 0`);
  return Float64Array.from(p, (v) => v / sum);
}

/**
 * Karlin–Altschul λ*: the unique positive root of Σ_ij p_i p_j exp(λ s_ij) = 1 (`p` is normalised
 * first). It exists when the expected score Σ p_i p_j s_ij is negative and some pair with p_i p_j > 0
 * scores positive; otherwise this throws. f(λ) = Σ p_i p_j e^{λ s_ij} − 1 is convex with f(0) = 0 and
 * f'(0) < 0, so Newton's method started right of the root descends to it monotonically.
 */
export function karlinAltschulLambda(p: ArrayLike<number>, matrix: ScoringMatrix): number {
  const K = matrix.size, s = matrix.scores;
  if (p.length !== K) throw new RangeError(`karlinAltschulLambda: p has ${p.length} entries, the matrix has K = ${K} events`);
  const q = frequencies(p, 'karlinAltschulLambda');
  let mean = 0, maxPos = -Infinity;
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const w = q[i]! * q[j]!;
      if (w === 0) continue;
      mean += w * s[i * K + j]!;
      maxPos = Math.max(maxPos, s[i * K + j]!);
    }
  }
  if (!(mean < 0)) throw new RangeError(`karlinAltschulLambda: no positive root, the expected score Σ p_i p_j s_ij = ${mean} must be negative`);
  if (!(maxPos > 0)) throw new RangeError('karlinAltschulLambda: no positive root, no pair of occurring events scores above 0');
  const f = (lambda: number): [number, number] => {
    let v = -1, d = 0;
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < K; j++) {
        const w = q[i]! * q[j]!;
        if (w === 0) continue;
        const e = w * Math.exp(lambda * s[i * K + j]!);
        v += e;
        d += e * s[i * K + j]!;
      }
    }
    return [v, d];
  };
  let lambda = 1;
  while (f(lambda)[0] <= 0) lambda *= 2; // right of the root
  for (let it = 0; it < 200; it++) {
    const [v, d] = f(lambda);
    const next = lambda - v / d;
    if (!(next > 0 && next < lambda)) break; // converged to rounding
    if (lambda - next <= 1e-15 * lambda) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  return lambda;
}

/**
 * The papers' matrix (rudder.md §3 (II), [blog]): s_ij = ln(q_ij / (p_i p_j)) / λ with target
 * frequencies q_ii = p_i − ε and q_ij = ε / (n − 1), so rare events score higher on the diagonal.
 * Because Σ q_ij = 1, the natural-log odds already have Karlin–Altschul λ* = 1; `unit` rescales them
 * (1 = nats, ln 2 = bits) and the returned `lambda` is λ* of the returned scores solved numerically,
 * which equals `unit` and is the λ* the paper's PSSM divides by.
 */
export function scoringMatrixPaper(p: Float64Array, eps: number, unit = 1): ScoringMatrix & { lambda: number } {
  const n = p.length;
  if (n < 2) throw new RangeError(`scoringMatrixPaper: need at least 2 events, got ${n} (with one event no score is positive, so λ* has no positive root)`);
  if (!(unit > 0)) throw new RangeError(`scoringMatrixPaper: unit must be > 0, got ${unit}`);
  const f = frequencies(p, 'scoringMatrixPaper');
  let minP = Infinity;
  for (const v of f) minP = Math.min(minP, v);
  if (!(eps > 0 && eps < minP)) throw new RangeError(`scoringMatrixPaper: eps must be in (0, min p_i = ${minP}) so every q_ii = p_i − eps > 0, got ${eps}`);
  const scores = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const q = i === j ? f[i]! - eps : eps / (n - 1);
      scores[i * n + j] = Math.log(q / (f[i]! * f[j]!)) / unit;
    }
  }
  const matrix: ScoringMatrix = { size: n, scores };
  return { ...matrix, lambda: karlinAltschulLambda(f, matrix) };
}
