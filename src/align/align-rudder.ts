import { buildAlignProfile, redistributeCode, type AlignProfile } from './align-redistribution.ts';
import { compressRuns, type EventSequence } from './events.ts';
import { buildPssm } from './pssm.ts';
import { eventCounts, scoringMatrixCode } from './scoring.ts';
import { clusterStates } from './state-clusters.ts';
import { SuccessorRepresentation } from './successor.ts';

/**
 * Align-RUDDER end to end over a tabular state space (rudder.md §3, steps (I)–(V)), built once from the
 * demonstrations:
 *   (I)   successor representation over the demos (10 passes, α 0.1, γ 0.99), affinity propagation on it,
 *         the reference's unvisited and goal clusters (`clusterStates`); each demo becomes its event sequence;
 *   (II)  the code's scoring matrix from the events of all demos (−0.2 ln p on the diagonal, −1 off it);
 *   (III) the MSA of the `topN` demos with the highest return;
 *   (IV)  its PSSM against the clusters' visitation counts;
 *   (V)   `redistribute(states)`: the code's redistribution of a finished episode, scaled by the mean demo
 *         return (rudder.md §3 (V) "Code" steps 1–6; steps 7–9 are the learner's, see src/experiments/rooms.ts).
 *
 * Where this follows the reference code rather than the paper:
 * - the code's scoring matrix and PSSM (no Karlin–Altschul λ*), and the code's redistribution (shift by the
 *   minimum, normalise to 1, give each event's share to the last step of its run, drop the first element,
 *   scale by the mean demo return), not the paper's prefix-score differences with C = E[G]/E[ΣΔS];
 * - no R_{T+2} correction (step 10: the reference's guard never fires);
 * - the SR learns from the demos only (no random-policy sequences, which the paper mentions);
 * - the visitation counts behind the PSSM keep growing with every observed episode (`observe`), and the
 *   reference recomputes the PSSM before each redistribution; the clusters, the matrix and the MSA stay
 *   fixed (`update_alignment` is off in its runs).
 * Not reproduced: the reference appends successful episodes (return > 1) to its demo list, which only
 * matters for re-alignment, and it keeps training the SR online, which only matters for re-clustering;
 * neither happens in its runs.
 */

/** A demonstration: the states it visited, s_0..s_T (the final state included), and its return. */
export interface AlignDemo {
  states: Int32Array;
  /** [T] a_0..a_{T−1}; not used by the pipeline (BC init takes them), accepted so one demo type serves both. */
  actions?: Int32Array;
  ret: number;
}

export interface AlignRudderOptions {
  /** States are 0..numStates−1. */
  numStates: number;
  /**
   * The state(s) that get the goal label. The reference marks cell (4,4) of every room (`maze[-2, -2]`);
   * pass those to reproduce it, or only the true goal.
   */
  goalStates: number | readonly number[];
  /** The most affinity-propagation clusters kept after merging (the reference's 15). */
  numClusters?: number;
  /** How many of the highest-return demos the MSA aligns (the reference's 12). */
  topN?: number;
  /** Seed of affinity propagation's tie-breaking noise. */
  seed?: number;
  /**
   * The states the SR and the clustering run over, in the SR's index order (the reference: every non-wall
   * cell, in its maze's index order). The last one gets affinity-propagation preference +1, as in the
   * reference. States left out (walls) are never visited and share the unvisited label. Default: 0..S−1.
   */
  srStates?: Int32Array;
  /** SR passes over the demos (10). */
  srPasses?: number;
}

function isStateIn(s: number, S: number): boolean {
  return Number.isInteger(s) && s >= 0 && s < S;
}

export class AlignRudder {
  readonly numStates: number;
  /** Event label of every state [S], 0..numLabels−1. */
  readonly labels: Int32Array;
  readonly numLabels: number;
  /** Whether affinity propagation converged. */
  readonly converged: boolean;
  /** The mean return of all the demos: the scale C of the redistribution and the reference's "optimal" return. */
  readonly meanDemoReturn: number;
  /** Each demo's event sequence, in input order. */
  readonly demoEvents: readonly EventSequence[];
  /** Visitation count of every state [S]: the demos' states, then every `observe`d episode's. Live. */
  readonly visits: Float64Array;
  private fixedProfile: AlignProfile;
  private pssmStale = false;

  private constructor(numStates: number, labels: Int32Array, numLabels: number, converged: boolean, meanDemoReturn: number, demoEvents: EventSequence[], visits: Float64Array, profile: AlignProfile) {
    this.numStates = numStates;
    this.labels = labels;
    this.numLabels = numLabels;
    this.converged = converged;
    this.meanDemoReturn = meanDemoReturn;
    this.demoEvents = demoEvents;
    this.visits = visits;
    this.fixedProfile = profile;
  }

  /** Steps (I)–(IV) from the demos. Throws if there are none or a state is out of range. */
  static fromDemos(demos: readonly AlignDemo[], opts: AlignRudderOptions): AlignRudder {
    const S = opts.numStates;
    if (!(Number.isInteger(S) && S >= 1)) throw new RangeError(`AlignRudder.fromDemos: numStates must be a positive integer, got ${S}`);
    if (demos.length === 0) throw new RangeError('AlignRudder.fromDemos: demos is empty (need at least one demonstration)');
    demos.forEach((d, k) => {
      if (d.states.length === 0) throw new RangeError(`AlignRudder.fromDemos: demo ${k} has no states`);
      d.states.forEach((s, t) => {
        if (!isStateIn(s, S)) throw new RangeError(`AlignRudder.fromDemos: demo ${k} state ${t} = ${s} is outside 0..${S - 1}`);
      });
      if (!Number.isFinite(d.ret)) throw new RangeError(`AlignRudder.fromDemos: demo ${k} return ${d.ret} is not finite`);
    });
    const srStates = opts.srStates ?? Int32Array.from({ length: S }, (_, s) => s);
    // SR index of each state, −1 for states outside the SR (walls).
    const srIndex = new Int32Array(S).fill(-1);
    srStates.forEach((s, i) => {
      if (!isStateIn(s, S)) throw new RangeError(`AlignRudder.fromDemos: srStates[${i}] = ${s} is outside 0..${S - 1}`);
      if (srIndex[s] !== -1) throw new RangeError(`AlignRudder.fromDemos: srStates lists state ${s} twice`);
      srIndex[s] = i;
    });
    const N = srStates.length;
    const toSr = (s: number, what: string): number => {
      const i = srIndex[s]!;
      if (i < 0) throw new RangeError(`AlignRudder.fromDemos: ${what} = ${s} is not in srStates`);
      return i;
    };

    // (I) SR, as the reference's learner trains it: every transition bootstraps (the last one into s_T
    // too), then s_T gets a terminal update. (SuccessorRepresentation.trainOnSequences instead makes the
    // step into s_T the terminal one; we call `update` to follow the reference.)
    const sr = new SuccessorRepresentation(N, { alpha: 0.1, gamma: 0.99 });
    const seqs = demos.map((d, k) => Int32Array.from(d.states, (s, t) => toSr(s, `demo ${k} state ${t}`)));
    const passes = opts.srPasses ?? 10;
    for (let p = 0; p < passes; p++) {
      for (const seq of seqs) {
        for (let t = 0; t + 1 < seq.length; t++) sr.update(seq[t]!, seq[t + 1]!);
        sr.update(seq[seq.length - 1]!, null);
      }
    }
    // Visitation counts from one pass over the demos (the reference counts s_0..s_T once per demo).
    const visits = new Float64Array(S);
    for (const d of demos) for (const s of d.states) visits[s]!++;
    const visited = Uint8Array.from(srStates, (s) => (visits[s]! > 0 ? 1 : 0));
    const goals = (typeof opts.goalStates === 'number' ? [opts.goalStates] : opts.goalStates).map((g) => toSr(g, 'goal state'));
    const clusters = clusterStates(sr.similarity(), N, { visited, goalState: goals, numClusters: opts.numClusters ?? 15, seed: opts.seed });
    // States outside the SR are never stood on; they get the unvisited label when there is one.
    const unvisitedLabel = (() => {
      for (let i = 0; i < N; i++) if (!visited[i] && !goals.includes(i)) return clusters.labels[i]!;
      return 0;
    })();
    const labels = Int32Array.from({ length: S }, (_, s) => (srIndex[s]! >= 0 ? clusters.labels[srIndex[s]!]! : unvisitedLabel));
    const K = clusters.numLabels;

    // (II) scoring matrix from the events of all demos; (III)–(IV) MSA of the top-N and its PSSM.
    const demoEvents = demos.map((d) => compressRuns(Int32Array.from(d.states, (s) => labels[s]!)));
    const matrix = scoringMatrixCode(eventCounts(demoEvents.map((e) => e.events), K));
    const returns = demos.map((d) => d.ret);
    const profile = buildAlignProfile(demoEvents.map((e) => e.events), returns, matrix, clusterVisits(labels, visits, K), { topN: opts.topN ?? 12 });
    const meanDemoReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
    return new AlignRudder(S, labels, K, clusters.converged, meanDemoReturn, demoEvents, visits, profile);
  }

  /** The profile the next redistribution aligns against (its PSSM reflects the visits observed so far). */
  get profile(): AlignProfile {
    if (this.pssmStale) {
      const p = this.fixedProfile;
      this.fixedProfile = { ...p, pssm: buildPssm(p.msa, clusterVisits(this.labels, this.visits, this.numLabels)) };
      this.pssmStale = false;
    }
    return this.fixedProfile;
  }

  /** The event label (cluster) of a state; for the state augmentation s̃ = (state, clusters visited so far). */
  labelOf(state: number): number {
    if (!isStateIn(state, this.numStates)) throw new RangeError(`AlignRudder.labelOf: state ${state} is outside 0..${this.numStates - 1}`);
    return this.labels[state]!;
  }

  /** Per-step labels [T + 1] of an episode's states s_0..s_T. */
  labelsOf(states: Int32Array): Int32Array {
    return Int32Array.from(states, (s) => this.labelOf(s));
  }

  /** An episode's event sequence (run-length compressed labels). */
  eventsOf(states: Int32Array): EventSequence {
    return compressRuns(this.labelsOf(states));
  }

  /**
   * Count an episode's states s_0..s_T into the visitation counts (the reference's
   * `update_visitation_frequency`, called on every training step); the PSSM follows at the next use.
   */
  observe(states: Int32Array): void {
    for (const s of states) {
      if (!isStateIn(s, this.numStates)) throw new RangeError(`AlignRudder.observe: state ${s} is outside 0..${this.numStates - 1}`);
      this.visits[s]!++;
    }
    if (states.length > 0) this.pssmStale = true;
  }

  /**
   * Step (V), the code's form: a finished episode's states s_0..s_T [T + 1] → T redistributed rewards
   * (out[t] for s_t → s_{t+1}), summing to the mean demo return, minus the share of the first event when
   * its run is only s_0 (dropped with the first element, as in the reference).
   */
  redistribute(states: Int32Array): Float32Array {
    if (states.length < 2) throw new RangeError(`AlignRudder.redistribute: an episode needs at least 2 states (s_0 and s_1), got ${states.length}`);
    return redistributeCode(this.labelsOf(states), this.profile, this.meanDemoReturn);
  }
}

/** Visitation count v_k of each cluster [K]: the sum of its states' counts (the reference's `update_vf_cluster`). */
function clusterVisits(labels: Int32Array, visits: Float64Array, K: number): Float64Array {
  const v = new Float64Array(K);
  for (let s = 0; s < labels.length; s++) v[labels[s]!]! += visits[s]!;
  return v;
}
