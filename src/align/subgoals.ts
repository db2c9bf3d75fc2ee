import type { AlignRedistribution } from './ppo-align.ts';
import { PrefixScorer } from './prefix-scorer.ts';
import { profileAlign } from './profile-align.ts';

/**
 * Sub-goals read from the profile (issue 10 item 6, first step; rudder.md §4.2: "sub-goals are identified
 * from the redistributed reward"): each demo's events are aligned to the profile's columns and paid the
 * online redistribution C·(S(τ_t) − S(τ_{t−1})); a column's reward is the mean over the demos of what the
 * events aligned to it were paid (0 for a demo with none there). The columns whose reward reaches the
 * threshold (default: the mean over all columns) are the peaks; runs of peak columns with the same
 * majority event are one sub-goal (the reference's "logs ×k"). On ItemChain the frequent events (logs,
 * planks, cobblestone) fall below the mean and the rare steps of the chain remain.
 */
export interface Subgoal {
  /** The event most of the demos have in these columns, and its name (`TransitionEvents.eventName`). */
  event: number;
  name: string;
  /** The profile columns of this sub-goal, in order (several when consecutive peaks share the event). */
  columns: number[];
  /** Mean redistributed reward per demo over these columns. */
  reward: number;
}

export interface SubgoalOptions {
  /** A column is a peak when its mean reward is ≥ this (default: the mean over the profile's columns). */
  threshold?: number;
}

/** Per profile column: the mean redistributed reward per demo and the events aligned there. */
export interface ColumnRewards {
  reward: Float64Array; // [columns]
  /** [columns × K]: how many demo events of each kind were aligned to each column. */
  counts: Int32Array;
}

/** The redistribution's profile columns scored by the reward its demos' events are paid there. */
export function columnRewards(red: AlignRedistribution, demoEvents: readonly Int32Array[]): ColumnRewards {
  if (demoEvents.length === 0) throw new RangeError('columnRewards: no demos');
  const { pssm, gaps } = red.profile, L = pssm.columns, K = pssm.size;
  const reward = new Float64Array(L), counts = new Int32Array(L * K);
  const sc = new PrefixScorer(pssm, gaps);
  demoEvents.forEach((events) => {
    const { column } = profileAlign(events, pssm, { gaps });
    sc.reset();
    let prev = 0;
    events.forEach((e, i) => {
      const s = sc.push(e);
      // The start event (an episode's first state) is not paid: the online form starts from its score.
      const r = i === 0 && red.encoder.hasStartEvent ? 0 : red.scale * (s - prev);
      prev = s;
      const c = column[i]!;
      if (c < 0) return; // in a gap: no column
      reward[c]! += r;
      counts[c * K + e]!++;
    });
  });
  for (let c = 0; c < L; c++) reward[c]! /= demoEvents.length;
  return { reward, counts };
}

/** The sub-goals of the redistribution's profile, in column order (see {@link Subgoal}). */
export function readSubgoals(red: AlignRedistribution, demoEvents: readonly Int32Array[], opts: SubgoalOptions = {}): Subgoal[] {
  const { reward, counts } = columnRewards(red, demoEvents);
  const L = reward.length, K = red.profile.pssm.size;
  const threshold = opts.threshold ?? reward.reduce((a, b) => a + b, 0) / L;
  if (!Number.isFinite(threshold)) throw new RangeError(`readSubgoals: threshold must be finite, got ${threshold}`);
  const out: Subgoal[] = [];
  let last = -2;
  for (let c = 0; c < L; c++) {
    if (!(reward[c]! >= threshold)) continue;
    let event = -1, most = 0;
    for (let k = 0; k < K; k++) if (counts[c * K + k]! > most) most = counts[c * K + (event = k)]!;
    if (event < 0) continue; // no demo event here (cannot reach the threshold unless it is ≤ 0)
    const prev = out[out.length - 1];
    if (prev && prev.event === event && last === c - 1) {
      prev.columns.push(c);
      prev.reward += reward[c]!;
    } else {
      out.push({ event, name: red.encoder.eventName(event), columns: [c], reward: reward[c]! });
    }
    last = c;
  }
  return out;
}
