import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { alignProfiles, alignScoreTable, multipleAlignment, pairwiseDistances, prefixAlignScores, profilePairTable, type GapCosts } from '../src/align/msa.ts';
import { prefixScores, profileAlign, profileAlignMsa } from '../src/align/profile-align.ts';
import { buildPssm } from '../src/align/pssm.ts';
import { eventCounts, scoringMatrixCode, type ScoringMatrix } from '../src/align/scoring.ts';
import {
  refAlignProfiles, refAlignScoreTable, refDistances, refMultipleAlignment, refPrefixAlignScores, refPrefixScores,
  refProfileAlign, refProfileAlignMsa, refProfilePairTable,
} from './support/align-reference.ts';

/**
 * The fast aligners (gotoh.ts's reused tables, the zero-gap single-table DP, sparse pair tables) against
 * the straightforward three-table reference in test/support/align-reference.ts, on random inputs:
 * every score, path and table must be the same, bit for bit (Object.is, so even a −0 for a +0 fails).
 */

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

function randomSeqs(rng: Rng, count: number, K: number, minLen: number, maxLen: number): Int32Array[] {
  // Sequences sharing a noisy common order, as demos do, so the alignments have structure to find.
  const base = Int32Array.from({ length: maxLen }, () => rng.integer(K));
  return Array.from({ length: count }, () => {
    const len = minLen + rng.integer(maxLen - minLen + 1), out: number[] = [];
    for (let i = 0; out.length < len; i = (i + 1) % maxLen) out.push(rng.random() < 0.7 ? base[i]! : rng.integer(K));
    return Int32Array.from(out);
  });
}

/** The reference's matrix from the sequences' counts, or small integers (many ties, which probe tie-breaking). */
function randomMatrix(rng: Rng, seqs: Int32Array[], K: number, kind: 'code' | 'integer'): ScoringMatrix {
  if (kind === 'code') return scoringMatrixCode(eventCounts(seqs, K));
  const scores = Float64Array.from({ length: K * K }, (_, c) => (c % (K + 1) === 0 ? 1 + rng.integer(3) : rng.integer(3) - 2));
  return { size: K, scores };
}

const GAP_SETTINGS: GapCosts[] = [{ open: 0, extend: 0 }, { open: 1, extend: 0.5 }, { open: 0, extend: 1 }, { open: 2, extend: 0 }];

describe('fast path equals the reference implementation', () => {
  it('pair tables, pairwise DPs and prefix scores on random tables', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 60; trial++) {
      const K = 2 + rng.integer(8), gaps = GAP_SETTINGS[trial % GAP_SETTINGS.length]!;
      const seqs = randomSeqs(rng, 2 + rng.integer(5), K, 1, 1 + rng.integer(25));
      const matrix = randomMatrix(rng, seqs, K, trial % 2 ? 'integer' : 'code');
      const A = seqs.slice(0, 1 + rng.integer(seqs.length - 1)), B = seqs.slice(A.length);
      const mA = multipleAlignment(A, matrix).rows, mB = multipleAlignment(B, matrix).rows;
      const pair = profilePairTable(mA, mB, matrix);
      expect(same(pair, refProfilePairTable(mA, mB, matrix))).toBe(true);
      const n = mA[0]!.length, m = mB[0]!.length;
      const fast = alignScoreTable(pair, n, m, gaps), ref = refAlignScoreTable(pair, n, m, gaps);
      expect(Object.is(fast.score, ref.score)).toBe(true);
      expect(Array.from(fast.ops)).toEqual(Array.from(ref.ops));
      expect(same(prefixAlignScores(pair, n, m, gaps), refPrefixAlignScores(pair, n, m, gaps))).toBe(true);
      const merged = alignProfiles(mA, mB, matrix, gaps), refMerged = refAlignProfiles(mA, mB, matrix, gaps);
      expect(Object.is(merged.score, refMerged.score)).toBe(true);
      expect(merged.rows.map((r) => Array.from(r))).toEqual(refMerged.rows.map((r) => Array.from(r)));
    }
  });

  it('multiple alignments and their distances', () => {
    const rng = new Rng(12);
    for (let trial = 0; trial < 40; trial++) {
      const K = 3 + rng.integer(12), gaps = GAP_SETTINGS[trial % GAP_SETTINGS.length]!, pwGaps = GAP_SETTINGS[(trial >> 2) % GAP_SETTINGS.length]!;
      const seqs = randomSeqs(rng, 2 + rng.integer(11), K, 3, 5 + rng.integer(25));
      const matrix = randomMatrix(rng, seqs, K, trial % 3 ? 'code' : 'integer');
      const kind = trial % 2 ? 'identity' : 'shorter';
      expect(same(pairwiseDistances(seqs, matrix, pwGaps, kind), refDistances(seqs, matrix, pwGaps, kind))).toBe(true);
      const fast = multipleAlignment(seqs, matrix, { gaps, pairwiseGaps: pwGaps, distance: kind });
      const ref = refMultipleAlignment(seqs, matrix, gaps, pwGaps, kind);
      expect(fast.columns).toBe(ref.columns);
      expect(fast.rows.map((r) => Array.from(r))).toEqual(ref.rows.map((r) => Array.from(r)));
    }
  });

  it('profile alignments of queries, long and short, to an MSA and its PSSM', () => {
    const rng = new Rng(13);
    for (let trial = 0; trial < 40; trial++) {
      const K = 3 + rng.integer(12), gaps = GAP_SETTINGS[trial % GAP_SETTINGS.length]!;
      const demos = randomSeqs(rng, 2 + rng.integer(11), K, 5, 10 + rng.integer(20));
      const matrix = randomMatrix(rng, demos, K, trial % 3 ? 'code' : 'integer');
      const msa = multipleAlignment(demos, matrix);
      const background = Float64Array.from({ length: K }, () => 1 + rng.integer(50));
      const pssm = buildPssm(msa, background);
      for (const query of randomSeqs(rng, 4, K, 1, 1 + rng.integer(80))) {
        const a = profileAlignMsa(query, msa, matrix, pssm, { gaps }), ra = refProfileAlignMsa(query, msa, matrix, gaps);
        expect(Object.is(a.score, ra.score)).toBe(true);
        expect(Array.from(a.column)).toEqual(Array.from(ra.column));
        const b = profileAlign(query, pssm, { gaps }), rb = refProfileAlign(query, pssm, gaps);
        expect(Object.is(b.score, rb.score)).toBe(true);
        expect(Array.from(b.column)).toEqual(Array.from(rb.column));
        expect(same(prefixScores(query, pssm, { gaps }), refPrefixScores(query, pssm, gaps))).toBe(true);
      }
    }
  });

  it('reused scratch: a large alignment between small ones changes nothing', () => {
    const rng = new Rng(14), K = 6;
    const small = randomSeqs(rng, 4, K, 3, 8), big = randomSeqs(rng, 3, K, 150, 200);
    const matrix = scoringMatrixCode(eventCounts([...small, ...big], K));
    const before = multipleAlignment(small, matrix).rows.map((r) => Array.from(r));
    multipleAlignment(big, matrix);
    expect(multipleAlignment(small, matrix).rows.map((r) => Array.from(r))).toEqual(before);
  });
});
