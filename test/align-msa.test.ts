import { describe, expect, it } from 'vitest';
import { GAP, compressRuns, withFinalState } from '../src/align/events.ts';
import { alignmentDistance, multipleAlignment, needlemanWunsch, upgma } from '../src/align/msa.ts';
import { eventCounts, karlinAltschulLambda, scoringMatrixCode, scoringMatrixPaper, type ScoringMatrix } from '../src/align/scoring.ts';

const seq = (...e: number[]): Int32Array => Int32Array.from(e);
const ungapped = (row: Int32Array): number[] => Array.from(row).filter((e) => e !== GAP);

/** diag on the diagonal, off elsewhere. */
function simpleMatrix(K: number, diag: number, off: number): ScoringMatrix {
  const scores = new Float64Array(K * K).fill(off);
  for (let i = 0; i < K; i++) scores[i * K + i] = diag;
  return { size: K, scores };
}

/** Σ_ij p_i p_j exp(λ s_ij), which λ* makes 1. */
function kaSum(p: ArrayLike<number>, m: ScoringMatrix, lambda: number): number {
  let z = 0, s = 0;
  for (let i = 0; i < p.length; i++) z += p[i]!;
  for (let i = 0; i < m.size; i++) for (let j = 0; j < m.size; j++) s += (p[i]! / z) * (p[j]! / z) * Math.exp(lambda * m.scores[i * m.size + j]!);
  return s;
}

describe('events', () => {
  it('compressRuns keeps a label only when it changes and records where each run ends', () => {
    const { events, runEnds } = compressRuns(seq(2, 2, 0, 0, 0, 2, 1));
    expect(Array.from(events)).toEqual([2, 0, 2, 1]);
    expect(Array.from(runEnds)).toEqual([1, 4, 5, 6]);
  });

  it('withFinalState appends the next state; compressRuns then adds it only if it is a new cluster', () => {
    expect(Array.from(compressRuns(withFinalState(seq(0, 0, 1), 1)).events)).toEqual([0, 1]);
    expect(Array.from(compressRuns(withFinalState(seq(0, 0, 1), 3)).events)).toEqual([0, 1, 3]);
  });

  it('empty and negative labels are clear errors', () => {
    expect(() => compressRuns(seq())).toThrow(/labels is empty/);
    expect(() => compressRuns(seq(0, -2))).toThrow(/labels\[1\] = -2 is negative/);
  });
});

describe('scoring matrix', () => {
  it("code: diagonal −0.2 ln(c_i/N), off-diagonal −1, zero counts keep 0, the '*' symbol −1 / −0.1", () => {
    const c = eventCounts([seq(0, 1, 0, 2), seq(0, 1)], 4); // counts 3, 2, 1, 0; N = 6
    expect(Array.from(c)).toEqual([3, 2, 1, 0]);
    const m = scoringMatrixCode(c);
    expect(m.scores[0]).toBeCloseTo(-0.2 * Math.log(3 / 6), 12);
    expect(m.scores[1 * 4 + 1]).toBeCloseTo(-0.2 * Math.log(2 / 6), 12);
    expect(m.scores[2 * 4 + 2]).toBeCloseTo(-0.2 * Math.log(1 / 6), 12);
    expect(m.scores[3 * 4 + 3]).toBe(0);
    expect(m.scores[0 * 4 + 2]).toBe(-1);
    expect(m.scores[2 * 4 + 0]).toBe(-1);
    expect(m.gapSymbol).toEqual({ inColumn: -1, inRow: -0.1 });
    // the reference's forced count for its 'T': the count is overwritten, N is not
    const forced = scoringMatrixCode(c, { forceCount: { event: 3, count: 1 }, offDiagonal: -10 });
    expect(forced.scores[3 * 4 + 3]).toBeCloseTo(0.2 * Math.log(6), 12);
    expect(forced.scores[1]).toBe(-10);
  });

  it('λ* solves Σ p_i p_j exp(λ s_ij) = 1 and scales inversely with the scores', () => {
    const p = Float64Array.of(0.5, 0.3, 0.15, 0.05);
    const paper = scoringMatrixPaper(p, 0.01);
    expect(kaSum(p, paper, paper.lambda)).toBeCloseTo(1, 12);
    expect(paper.lambda).toBeCloseTo(1, 9); // Σ q_ij = 1 makes natural-log odds have λ* = 1
    expect(paper.scores[3 * 4 + 3]).toBeGreaterThan(paper.scores[0]!); // rare events score higher on the diagonal
    expect(paper.scores[1]).toBeCloseTo(Math.log(0.01 / 3 / (0.5 * 0.3)), 12);
    const bits = scoringMatrixPaper(p, 0.01, Math.LN2);
    expect(bits.lambda).toBeCloseTo(Math.LN2, 9);

    const code = scoringMatrixCode(Float64Array.of(50, 30, 15, 5));
    const lam = karlinAltschulLambda(p, code);
    expect(lam).toBeGreaterThan(0);
    expect(kaSum(p, code, lam)).toBeCloseTo(1, 10);
    const doubled = { size: 4, scores: code.scores.map((s) => 2 * s) };
    expect(karlinAltschulLambda(p, doubled)).toBeCloseTo(lam / 2, 9);
  });

  it('no positive root and bad frequencies are clear errors', () => {
    expect(() => karlinAltschulLambda([0.5, 0.5], simpleMatrix(2, -1, -2))).toThrow(/no positive root/);
    expect(() => karlinAltschulLambda([0.5, 0.5], simpleMatrix(2, 3, 1))).toThrow(/expected score .* must be negative/);
    expect(() => scoringMatrixPaper(Float64Array.of(1), 0.1)).toThrow(/at least 2 events/);
    expect(() => scoringMatrixPaper(Float64Array.of(0.9, 0.1), 0.2)).toThrow(/eps must be in \(0, min p_i/);
    expect(() => scoringMatrixCode([0, 0])).toThrow(/all counts are 0/);
  });
});

describe('Needleman–Wunsch', () => {
  const m = simpleMatrix(3, 2, -1);

  it('linear gaps: the hand-computed optimum 0 1 2 / 0 − 2 scores 2 − 1 + 2 = 3', () => {
    const al = needlemanWunsch(seq(0, 1, 2), seq(0, 2), m, { open: 0, extend: 1 });
    expect(al.score).toBe(3);
    expect(Array.from(al.a)).toEqual([0, 1, 2]);
    expect(Array.from(al.b)).toEqual([0, GAP, 2]);
  });

  it('affine gaps: one gap of length 2 (2 + 2·0.5) beats a mismatch; score 2 + 2 − 3 = 1', () => {
    const al = needlemanWunsch(seq(0, 1, 1, 2), seq(0, 2), m, { open: 2, extend: 0.5 });
    expect(al.score).toBe(1);
    expect(Array.from(al.b)).toEqual([0, GAP, GAP, 2]);
  });

  it('zero gap costs: a maximum-weight common subsequence (the 2 and the last 0)', () => {
    const al = needlemanWunsch(seq(0, 1, 2, 0), seq(2, 0), simpleMatrix(3, 1, -1));
    expect(al.score).toBe(2);
    const cols = al.a.length;
    let matched = 0;
    for (let t = 0; t < cols; t++) if (al.a[t] !== GAP && al.a[t] === al.b[t]) matched++;
    expect(matched).toBe(2);
    expect(alignmentDistance(al, 'identity')).toBe(0);
    expect(alignmentDistance(al, 'shorter')).toBe(0);
  });

  it('ties: gaps rather than a mismatch, and the first input\'s unmatched event comes first', () => {
    const al = needlemanWunsch(seq(0), seq(1), simpleMatrix(2, 1, -1));
    expect(al.score).toBe(0);
    expect(Array.from(al.a)).toEqual([0, GAP]);
    expect(Array.from(al.b)).toEqual([GAP, 1]);
  });

  it('an event id ≥ K or an empty sequence is a clear error', () => {
    expect(() => needlemanWunsch(seq(0, 5), seq(1), m)).toThrow(/needlemanWunsch: a: event 5 at position 1 is outside 0\.\.2/);
    expect(() => needlemanWunsch(seq(0), seq(), m)).toThrow(/needlemanWunsch: b is empty/);
    expect(() => needlemanWunsch(seq(0), seq(1), m, { open: -1, extend: 0 })).toThrow(/gap costs must be finite penalties ≥ 0/);
  });
});

describe('UPGMA', () => {
  it('merges the closest pair first and averages distances by cluster size', () => {
    // d(1,3) = 2 is the smallest; then d(0,{1,3}) = (6 + 7)/2 = 6.5 < d(0,2) = 8; then d(2,{0,1,3}) = (8 + 2·9.5)/3 = 9
    const d = Float64Array.of(
      0, 6, 8, 7,
      6, 0, 9, 2,
      8, 9, 0, 10,
      7, 2, 10, 0,
    );
    const tree = upgma(d, 4);
    expect(tree).toHaveLength(3);
    expect(tree[0]).toEqual({ left: 1, right: 3, height: 1, size: 2 });
    expect(tree[1]).toEqual({ left: 0, right: 4, height: 3.25, size: 3 });
    expect(tree[2]!.left).toBe(2);
    expect(tree[2]!.right).toBe(5);
    expect(tree[2]!.height).toBeCloseTo(4.5, 12);
  });

  it('an asymmetric or wrongly sized matrix is a clear error', () => {
    expect(() => upgma(Float64Array.of(0, 1, 2, 0), 2)).toThrow(/not symmetric/);
    expect(() => upgma(Float64Array.of(0, 1, 1), 2)).toThrow(/expected n · n = 4/);
  });
});

describe('multiple alignment', () => {
  // The events 1, 3, 5 are common to all; every other event occurs in one sequence only.
  const seqs = [seq(0, 1, 0, 3, 5), seq(2, 1, 3, 2, 5), seq(4, 1, 3, 4, 5), seq(1, 6, 3, 7, 5, 6)];
  const matrix = scoringMatrixCode(eventCounts(seqs, 8));

  it('with gap cost 0, diagonal > 0 and off-diagonal < 0 the common events share columns', () => {
    const al = multipleAlignment(seqs, matrix);
    expect(al.rows).toHaveLength(4);
    al.rows.forEach((r, k) => {
      expect(r.length).toBe(al.columns);
      expect(ungapped(r)).toEqual(Array.from(seqs[k]!)); // input order, nothing lost
    });
    for (const e of [1, 3, 5]) {
      const cols = al.rows.map((r) => r.indexOf(e));
      expect(new Set(cols).size).toBe(1);
    }
    // no column pairs two different events (a mismatch always loses to two free gaps)
    for (let t = 0; t < al.columns; t++) {
      const present = new Set(al.rows.map((r) => r[t]!).filter((e) => e !== GAP));
      expect(present.size).toBe(1);
    }
  });

  it('is deterministic, and identical sequences need no gaps', () => {
    expect(multipleAlignment(seqs, matrix)).toEqual(multipleAlignment(seqs, matrix));
    const same = multipleAlignment([seq(0, 1, 2), seq(0, 1, 2), seq(0, 1, 2)], matrix, { distance: 'shorter' });
    expect(same.columns).toBe(3);
    for (const r of same.rows) expect(Array.from(r)).toEqual([0, 1, 2]);
  });

  it('bad inputs are clear errors', () => {
    expect(() => multipleAlignment([], matrix)).toThrow(/seqs is empty/);
    expect(() => multipleAlignment([seq(0), seq()], matrix)).toThrow(/seqs\[1\] is empty/);
    expect(() => multipleAlignment([seq(0), seq(8)], matrix)).toThrow(/seqs\[1\]: event 8 at position 0 is outside 0\.\.7/);
  });
});
