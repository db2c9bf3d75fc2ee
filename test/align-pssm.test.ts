import { describe, expect, it } from 'vitest';
import { buildAlignProfile, paperScale, redistributeCode, redistributePaper, topByReturn } from '../src/align/align-redistribution.ts';
import { GAP, compressRuns } from '../src/align/events.ts';
import { profileAlign, profileAlignMsa, prefixScores } from '../src/align/profile-align.ts';
import { buildPssm, buildPssmPaper } from '../src/align/pssm.ts';
import { eventCounts, scoringMatrixCode } from '../src/align/scoring.ts';

const seq = (...e: number[]): Int32Array => Int32Array.from(e);

/** Per-step labels [Σ lengths] with event i repeated lengths[i] times. */
function expand(events: number[], lengths: number[]): Int32Array {
  const out: number[] = [];
  events.forEach((e, i) => {
    for (let k = 0; k < lengths[i]!; k++) out.push(e);
  });
  return Int32Array.from(out);
}

describe('PSSM', () => {
  // 3 demos × 4 columns, K = 3, visitation counts v = (5, 3, 2), Σv = 10
  const rows = [seq(0, 1, GAP, 2), seq(0, GAP, 2, 2), seq(1, 1, 2, GAP)];
  const alignment = { rows, columns: 4 };
  const v = Float64Array.of(5, 3, 2);

  it('entries are ln((q_tk + 1e-8) · Σv / (v_k + 1e-8)) with gaps not counted', () => {
    const p = buildPssm(alignment, v);
    expect(p.columns).toBe(4);
    expect(p.size).toBe(3);
    // hand-counted column frequencies among non-gap entries
    const q = [
      [2 / 3, 1 / 3, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
    ];
    const nonGap = [3, 2, 2, 2];
    for (let t = 0; t < 4; t++) {
      for (let k = 0; k < 3; k++) {
        const qq = (q[t]![k]! * nonGap[t]!) / (nonGap[t]! + 1e-8);
        expect(p.scores[t * 3 + k]).toBeCloseTo(Math.log(((qq + 1e-8) * 10) / (v[k]! + 1e-8)), 10);
      }
    }
    expect(p.scores[0]).toBeCloseTo(Math.log(4 / 3), 7); // q = 2/3, p = 1/2
    expect(p.scores[2 * 3 + 2]).toBeCloseTo(Math.log(5), 7); // q = 1, p = 1/5
    expect(p.emptyColumn[1]).toBeCloseTo(Math.log((1e-8 * 10) / (3 + 1e-8)), 10);
  });

  it('the paper variant divides by λ*', () => {
    const code = buildPssm(alignment, v), paper = buildPssmPaper(alignment, v, 0.5);
    code.scores.forEach((s, i) => expect(paper.scores[i]).toBeCloseTo(s / 0.5, 12));
  });

  it('ragged alignments, events ≥ K and bad backgrounds are clear errors', () => {
    expect(() => buildPssm({ rows: [seq(0, 1), seq(0)], columns: 2 }, v)).toThrow(/alignment row 1 has 1 columns, expected 2 \(a ragged alignment\)/);
    expect(() => buildPssm({ rows: [seq(0, 3)], columns: 2 }, v)).toThrow(/event 3 at position 1 is outside 0\.\.2/);
    expect(() => buildPssm({ rows: [], columns: 2 }, v)).toThrow(/no rows/);
    expect(() => buildPssm(alignment, Float64Array.of(0, 0, 0))).toThrow(/background counts sum to 0/);
    expect(() => buildPssm(alignment, v, { lambda: 0 })).toThrow(/lambda must be a finite number > 0/);
  });
});

describe('profile alignment and redistribution', () => {
  const K = 6;
  const demos = [seq(0, 1, 2, 3, 4, 5), seq(0, 1, 3, 2, 3, 4, 5), seq(0, 2, 1, 3, 4, 5), seq(0, 1, 2, 4, 5)];
  const returns = [1, 1, 1, 1];
  const v = Float64Array.of(10, 8, 8, 8, 6, 4);
  const matrix = scoringMatrixCode(eventCounts(demos, K));
  const profile = buildAlignProfile(demos, returns, matrix, v);

  it('a query identical to a demo scores higher than a shuffled one', () => {
    const shuffled = seq(5, 3, 1, 4, 0, 2);
    const same = profileAlign(demos[0]!, profile.pssm), other = profileAlign(shuffled, profile.pssm);
    expect(same.score).toBeGreaterThan(other.score);
    // every event of the demo finds its column, and the scores read off are the PSSM's
    const row = profile.msa.rows[0]!;
    same.column.forEach((c, i) => {
      expect(c).not.toBe(GAP);
      expect(row[c]).toBe(demos[0]![i]);
      expect(same.eventScores[i]).toBe(profile.pssm.scores[c * K + demos[0]![i]!]);
    });
    const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
    const sameMsa = profileAlignMsa(demos[0]!, profile.msa, matrix, profile.pssm), otherMsa = profileAlignMsa(shuffled, profile.msa, matrix, profile.pssm);
    expect(sameMsa.score).toBeGreaterThan(otherMsa.score);
    expect(sum(sameMsa.eventScores)).toBeGreaterThan(sum(otherMsa.eventScores));
  });

  it('prefix scores never fall with zero gap costs and end at the full alignment score', () => {
    const S = prefixScores(demos[1]!, profile.pssm);
    expect(S).toHaveLength(demos[1]!.length);
    for (let i = 1; i < S.length; i++) expect(S[i]).toBeGreaterThanOrEqual(S[i - 1]!);
    expect(S[S.length - 1]).toBeCloseTo(profileAlign(demos[1]!, profile.pssm).score, 12);
  });

  it('code variant: sums to C and pays only the last step of each run', () => {
    const lengths = [2, 3, 1, 2, 4, 1];
    const labels = expand(Array.from(demos[0]!), lengths); // T + 1 = 13 labels → 12 rewards
    const { runEnds } = compressRuns(labels);
    const C = 0.8;
    for (const align of ['msa', 'pssm'] as const) {
      const r = redistributeCode(labels, profile, C, { align });
      expect(r).toHaveLength(12);
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(C, 5);
      const paid = new Set(Array.from(runEnds, (e) => e - 1));
      r.forEach((x, t) => {
        if (!paid.has(t)) expect(x).toBe(0);
        expect(x).toBeGreaterThanOrEqual(0);
      });
    }
    // a first run of one state (s_0 alone) loses its share, as in the reference
    // (the shares depend only on the events, so the lost one is what the 2-step first run got at t = 0)
    const two = redistributeCode(expand([1, 2, 3, 4, 5], [2, 3, 1, 2, 4]), profile, C);
    const one = redistributeCode(expand([1, 2, 3, 4, 5], [1, 3, 1, 2, 4]), profile, C);
    expect(two[0]).toBeGreaterThan(0);
    expect(one).toHaveLength(10);
    expect(one.reduce((a, b) => a + b, 0)).toBeCloseTo(C - two[0]!, 5);
  });

  it('paper variant: rewards on entering a cluster, summing to the episode return with the correction', () => {
    const labelsOf = (d: Int32Array): Int32Array => expand(Array.from(d), Array.from(d, (_, i) => 1 + (i % 3)));
    const demoLabels = demos.map(labelsOf);
    const C = paperScale(demoLabels, returns, profile);
    expect(Number.isFinite(C)).toBe(true);
    const labels = expand([0, 2, 1, 3, 5], [2, 2, 3, 1, 2]); // T = 9
    const { runEnds } = compressRuns(labels);
    const full = redistributePaper(labels, profile, C, 0.7);
    expect(full).toHaveLength(9);
    expect(full.reduce((a, b) => a + b, 0)).toBeCloseTo(0.7, 5);
    const bare = redistributePaper(labels, profile, C, 0.7, { correction: 'none' });
    const starts = new Set(Array.from(runEnds.subarray(0, -1))); // the step before each new event
    bare.forEach((x, t) => {
      if (!starts.has(t)) expect(x).toBe(0);
    });
    const S = prefixScores(compressRuns(labels).events, profile.pssm);
    expect(bare.reduce((a, b) => a + b, 0)).toBeCloseTo((S[S.length - 1]! - S[0]!) * C, 5);
    // on the demos themselves the scaled differences average to the mean demo return
    let mean = 0;
    for (const l of demoLabels) mean += redistributePaper(l, profile, C, 0, { correction: 'none' }).reduce((a, b) => a + b, 0) / demoLabels.length;
    expect(mean).toBeCloseTo(1, 5);
  });

  it('picks the top demos by return, ties in input order', () => {
    expect(topByReturn([0.5, 2, 1, 2], 3)).toEqual([1, 3, 2]);
  });

  it('bad queries and labels are clear errors', () => {
    expect(() => profileAlign(seq(0, 6), profile.pssm)).toThrow(/query: event 6 at position 1 is outside 0\.\.5/);
    expect(() => profileAlign(seq(), profile.pssm)).toThrow(/query is empty/);
    expect(() => prefixScores(seq(-1), profile.pssm)).toThrow(/event -1 at position 0 is outside 0\.\.5/);
    expect(() => redistributeCode(seq(), profile, 1)).toThrow(/labels is empty/);
    expect(() => redistributePaper(seq(0, 9), profile, 1, 1)).toThrow(/labels: event 9 at position 1 is outside 0\.\.5/);
    expect(() => buildAlignProfile(demos, [1], matrix, v)).toThrow(/1 returns for 4 demos/);
  });
});
