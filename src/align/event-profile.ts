import { buildAlignProfile, type AlignProfile } from './align-redistribution.ts';
import { GAP } from './events.ts';
import { ZERO_GAPS, type GapCosts, type MultipleAlignment } from './msa.ts';
import { PrefixScorer } from './prefix-scorer.ts';
import { buildPssm } from './pssm.ts';
import { eventCounts, scoringMatrixCode } from './scoring.ts';

/**
 * Steps (II)–(IV) for transition events (transition-events.ts): the scoring matrix, the MSA of the demos'
 * event sequences, and its PSSM, with two options that decide whether the profile tells demos from chance
 * (measurements-2026-12.md §2, ItemChain): with the reference's form (frequencies from the demos only,
 * every alignment column) a random episode scored as high as the demos (S 86.5 against 79–101); with
 * frequencies from demos plus non-demo episodes and only the columns that at least half the demos fill,
 * demos scored 72–87 and random episodes 13–28.
 */
export interface EventProfileOptions {
  /**
   * Where the scoring matrix's event frequencies and the PSSM's background come from: `demos` (the
   * reference) or `demos+others` (default), the demos and the non-demo episodes, so events that chance
   * produces often (planks, sticks) score low.
   */
  frequencies?: 'demos' | 'demos+others';
  /**
   * Keep only the alignment columns that at least this share of the aligned demos fill (default 0.5); 0
   * keeps every column (the reference). Sparse columns let a random episode's events thread through.
   */
  minColumnFill?: number;
  /** The demos aligned: the `topN` highest returns (the reference's 12). */
  topN?: number;
  /** Gap costs of the MSA and of the prefix alignments (the reference's 0). */
  gaps?: GapCosts;
}

/** The reference's form: demo-only frequencies, every column (the gridworld reproduction's choice). */
export const REFERENCE_PROFILE: Required<Pick<EventProfileOptions, 'frequencies' | 'minColumnFill'>> = { frequencies: 'demos', minColumnFill: 0 };

/**
 * The profile of `K` events from the demos' event sequences (and their returns) and non-demo episodes'
 * (`others`, which may be empty sequences). Throws, naming the demo, when a demo has no events.
 */
export function buildEventProfile(demoEvents: readonly Int32Array[], demoReturns: ArrayLike<number>, others: readonly Int32Array[], K: number, opts: EventProfileOptions = {}): AlignProfile {
  if (demoEvents.length === 0) throw new RangeError('buildEventProfile: no demos');
  demoEvents.forEach((e, k) => {
    if (e.length === 0) throw new RangeError(`buildEventProfile: demo ${k} has no events (its observations never change the event features)`);
  });
  const fill = opts.minColumnFill ?? 0.5, gaps = opts.gaps ?? ZERO_GAPS;
  if (!(fill >= 0 && fill <= 1)) throw new RangeError(`buildEventProfile: minColumnFill must be in [0, 1], got ${fill}`);
  const counted = (opts.frequencies ?? 'demos+others') === 'demos+others' ? [...demoEvents, ...others.filter((e) => e.length > 0)] : [...demoEvents];
  const counts = eventCounts(counted, K);
  const matrix = scoringMatrixCode(counts);
  const full = buildAlignProfile([...demoEvents], demoReturns, matrix, counts, { topN: opts.topN ?? 12, gaps });
  if (fill === 0) return full;
  const msa = keepFilledColumns(full.msa, fill);
  return { msa, matrix, pssm: buildPssm(msa, counts), gaps };
}

/** The columns of `msa` that at least `fill` of its rows fill (at least one column: the fullest). */
export function keepFilledColumns(msa: MultipleAlignment, fill: number): MultipleAlignment {
  const R = msa.rows.length, L = msa.columns, filled = new Int32Array(L);
  for (const r of msa.rows) for (let t = 0; t < L; t++) if (r[t] !== GAP) filled[t]!++;
  let keep: number[] = [];
  for (let t = 0; t < L; t++) if (filled[t]! >= fill * R) keep.push(t);
  if (keep.length === 0) keep = [filled.indexOf(Math.max(...filled))];
  return { columns: keep.length, rows: msa.rows.map((r) => Int32Array.from(keep, (t) => r[t]!)) };
}

/**
 * S(τ_T) − S(τ_0) of an event sequence: its final prefix score less the score of its start event, when
 * it has one (`hasStart`: the first event is the episode's first state, which no action caused).
 */
export function scoreGain(events: Int32Array, profile: AlignProfile, hasStart: boolean): number {
  const sc = new PrefixScorer(profile.pssm, profile.gaps);
  let s0 = 0, s = 0;
  events.forEach((e, i) => {
    s = sc.push(e);
    if (i === 0 && hasStart) s0 = s;
  });
  return s - s0;
}

/**
 * The papers' C = E_demo[G] / E_demo[S(τ_T) − S(τ_0)] (rudder.md §3 (V)), so that the redistributed
 * reward of an average demo sums to its return. Throws when the demos' score gains average to 0.
 */
export function eventScale(demoEvents: readonly Int32Array[], demoReturns: ArrayLike<number>, profile: AlignProfile, hasStart: boolean): number {
  if (demoEvents.length === 0 || demoReturns.length !== demoEvents.length) throw new RangeError(`eventScale: ${demoReturns.length} returns for ${demoEvents.length} demos`);
  let g = 0, d = 0;
  demoEvents.forEach((e, k) => {
    g += demoReturns[k]!;
    d += scoreGain(e, profile, hasStart);
  });
  if (!(Math.abs(d) > 1e-12)) throw new RangeError('eventScale: the demos\' score gains average to 0, so C = E[G] / E[ΔS] is undefined');
  return g / d;
}
