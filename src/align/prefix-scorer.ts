import { checkGapCosts, ZERO_GAPS, type GapCosts } from './msa.ts';
import type { Pssm } from './pssm.ts';

/**
 * The prefix score S(τ) of a growing event sequence against a profile, one event at a time
 * (rudder.md §3 (V): "prefix alignments can be extended incrementally, BLAST-style"): each `push` adds
 * one row of the Gotoh DP (query events × profile columns, the profile's tail after the prefix left
 * free), O(columns), so an episode's events can be scored while it runs. The scores equal
 * profile-align.ts `prefixScores` of the same events (the same recurrences, in the same order);
 * the empty prefix scores 0, the paper's S(τ_{−1}).
 */
export class PrefixScorer {
  private m: Float64Array; // DP rows of the current prefix [columns + 1]: both aligned, event vs gap, column vs gap
  private x: Float64Array;
  private y: Float64Array;
  private pm: Float64Array; // the previous rows, swapped in by push
  private px: Float64Array;
  private py: Float64Array;
  private n = 0;
  private s = 0;
  readonly columns: number;

  constructor(readonly pssm: Pssm, readonly gaps: GapCosts = ZERO_GAPS) {
    checkGapCosts(gaps, 'PrefixScorer');
    const W = (this.columns = pssm.columns) + 1;
    this.m = new Float64Array(W);
    this.x = new Float64Array(W);
    this.y = new Float64Array(W);
    this.pm = new Float64Array(W);
    this.px = new Float64Array(W);
    this.py = new Float64Array(W);
    this.reset();
  }

  /** Events scored so far. */
  get length(): number {
    return this.n;
  }

  /** S of the events pushed so far (0 for none). */
  get score(): number {
    return this.s;
  }

  /** Back to the empty prefix: row 0 of the DP (the profile's leading columns against gaps). */
  reset(): void {
    const { m, x, y } = this, W = this.columns + 1, openExt = this.gaps.open + this.gaps.extend, ext = this.gaps.extend;
    m.fill(-Infinity);
    x.fill(-Infinity);
    y.fill(-Infinity);
    m[0] = 0;
    for (let j = 1; j < W; j++) y[j] = Math.max(m[j - 1]! - openExt, y[j - 1]! - ext, x[j - 1]! - openExt);
    this.n = 0;
    this.s = 0;
  }

  /** Append `event` (0..K−1) and return the new prefix's score S(τ). */
  push(event: number): number {
    const K = this.pssm.size;
    if (!(Number.isInteger(event) && event >= 0 && event < K)) throw new RangeError(`PrefixScorer.push: event ${event} is outside 0..${K - 1}`);
    [this.pm, this.m] = [this.m, this.pm];
    [this.px, this.x] = [this.x, this.px];
    [this.py, this.y] = [this.y, this.py];
    const { m, x, y, pm, px, py } = this, W = this.columns + 1, scores = this.pssm.scores;
    const openExt = this.gaps.open + this.gaps.extend, ext = this.gaps.extend;
    m[0] = -Infinity;
    y[0] = -Infinity;
    x[0] = Math.max(pm[0]! - openExt, px[0]! - ext, py[0]! - openExt);
    let best = x[0];
    for (let j = 1; j < W; j++) {
      m[j] = scores[(j - 1) * K + event]! + Math.max(pm[j - 1]!, px[j - 1]!, py[j - 1]!);
      x[j] = Math.max(pm[j]! - openExt, px[j]! - ext, py[j]! - openExt);
      y[j] = Math.max(m[j - 1]! - openExt, x[j - 1]! - openExt, y[j - 1]! - ext);
      best = Math.max(best, m[j]!, x[j]!, y[j]!);
    }
    this.n++;
    return (this.s = best);
  }
}
