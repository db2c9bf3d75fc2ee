/**
 * Tabular successor representation (Dayan 1993), Align-RUDDER step (I) (rudder.md §3 (I)).
 *
 * Row M[s] estimates the discounted future occupancy of every state when starting from s, so two states
 * with similar rows lead to the same places: the similarity the event clustering runs on. Learned by TD:
 *
 *   transition s → s′:  M[s] ← (1−α)·M[s] + α·(e_s + γ·M[s′])
 *   terminal from s:    M[s] ← (1−α)·M[s] + α·e_s
 *
 * M starts at zero, as in the reference (`np.zeros`), not at the identity, so a state the agent never left
 * (an unvisited state, or the final state of every episode) keeps an all-zero row.
 */
export interface SuccessorOptions {
  /** TD step size α in (0, 1]. The reference's Q-learner sets it to 0.1. */
  alpha?: number;
  /** Discount γ in [0, 1). The reference uses 0.99. */
  gamma?: number;
}

export class SuccessorRepresentation {
  readonly numStates: number;
  readonly alpha: number;
  readonly gamma: number;
  /** M [S × S], row-major: M[s * S + j] = expected discounted visits to j starting from s. Live, not a copy. */
  readonly M: Float64Array;

  constructor(numStates: number, { alpha = 0.1, gamma = 0.99 }: SuccessorOptions = {}) {
    if (!(Number.isInteger(numStates) && numStates >= 1)) throw new RangeError(`SuccessorRepresentation: numStates must be a positive integer, got ${numStates}`);
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`SuccessorRepresentation: alpha must be in (0, 1], got ${alpha}`);
    if (!(gamma >= 0 && gamma < 1)) throw new RangeError(`SuccessorRepresentation: gamma must be in [0, 1), got ${gamma}`);
    this.numStates = numStates;
    this.alpha = alpha;
    this.gamma = gamma;
    this.M = new Float64Array(numStates * numStates);
  }

  /** One TD update for the transition s → sNext; `sNext = null` marks a terminal transition (no bootstrap). */
  update(s: number, sNext: number | null): void {
    const S = this.numStates, a = this.alpha;
    this.check('s', s);
    const row = s * S, keep = 1 - a;
    if (sNext === null) {
      for (let j = 0; j < S; j++) this.M[row + j]! *= keep;
    } else {
      this.check('sNext', sNext);
      // Row s is read before it is written only when s === sNext (a self-loop); a per-element update is
      // still exact then, because element j of the new row depends only on element j of the old one.
      const next = sNext * S, ag = a * this.gamma;
      for (let j = 0; j < S; j++) this.M[row + j] = keep * this.M[row + j]! + ag * this.M[next + j]!;
    }
    this.M[row + s]! += a;
  }

  /**
   * `passes` sweeps over the episodes, each in order. An episode is the states it visited, s_0 … s_T,
   * the last one included (the goal, say): s_t → s_{t+1} are ordinary transitions for t < T−1 and the step
   * into s_T is the terminal one, so it updates M[s_{T−1}] without bootstrapping and M[s_T] is never updated.
   * The Align-RUDDER reference orders it differently (every step bootstraps, s_T included, then s_T gets a
   * terminal update); `AlignRudder` (align-rudder.ts) calls {@link update} itself to follow it. The
   * reference uses 10 passes over the demonstrations.
   */
  trainOnSequences(seqs: readonly Int32Array[], passes = 10): void {
    if (!(Number.isInteger(passes) && passes >= 0)) throw new RangeError(`SuccessorRepresentation.trainOnSequences: passes must be a non-negative integer, got ${passes}`);
    seqs.forEach((seq, k) => {
      for (let t = 0; t < seq.length; t++) {
        const s = seq[t]!;
        if (!(Number.isInteger(s) && s >= 0 && s < this.numStates)) throw new RangeError(`SuccessorRepresentation.trainOnSequences: seqs[${k}][${t}] = ${s} is not a state in 0..${this.numStates - 1}`);
      }
    });
    for (let p = 0; p < passes; p++) {
      for (const seq of seqs) {
        const T = seq.length - 1;
        for (let t = 0; t < T - 1; t++) this.update(seq[t]!, seq[t + 1]!);
        if (T >= 1) this.update(seq[T - 1]!, null);
      }
    }
  }

  /** Row M[s] [S], as a view into M (not a copy). */
  row(s: number): Float64Array {
    this.check('s', s);
    return this.M.subarray(s * this.numStates, (s + 1) * this.numStates);
  }

  /**
   * A copy of M [S × S] to cluster on as a precomputed similarity (higher = more alike). A copy, because M keeps
   * learning online while the clusters built from it stay fixed until the next re-clustering.
   */
  similarity(): Float64Array {
    return this.M.slice();
  }

  private check(name: string, s: number): void {
    if (!(Number.isInteger(s) && s >= 0 && s < this.numStates)) throw new RangeError(`SuccessorRepresentation: ${name} = ${s} is not a state in 0..${this.numStates - 1}`);
  }
}
