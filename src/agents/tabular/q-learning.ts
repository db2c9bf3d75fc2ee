import type { Rng } from '../../envs/core/rng.ts';

/**
 * Tabular Q-learning over integer states, as the Align-RUDDER reference runs it on FourRooms/EightRooms
 * (rudder.md §3 "Q-learner settings", §4.3 "BC+Q").
 *
 * - `TabularQ`: a dense table Q [S × A] with ε-greedy acting, Gaussian init, behavioural-cloning init,
 *   the standard TD update (BC+Q) and the Monte-Carlo-style update towards a target (Align-RUDDER).
 * - `AugmentedQ`: Q over s̃ = (state, bit mask of the event clusters visited so far), stored sparsely.
 *
 * Greedy ties go to the lowest action index (numpy's `argmax`, as in the reference); Q values start
 * Gaussian, so exact ties are rare anyway.
 */

/** A demonstration for `bcInit`: states s_0.. (at least one per action), actions a_0..a_{T−1}, rewards r_1..r_T. */
export interface BcDemo {
  states: Int32Array;
  actions: Int32Array;
  /** [T] reward of each step; the return-to-go of step t is Σ_{k ≥ t} rewards[k] (γ = 1, as in the reference). */
  rewards: ArrayLike<number>;
}

/** Index of the largest of row[0..n), the lowest index on ties. */
function argmax(row: Float64Array, n: number): number {
  let best = 0, v = row[0]!;
  for (let a = 1; a < n; a++) if (row[a]! > v) (v = row[a]!), (best = a);
  return best;
}

/** With probability ε a uniformly random action, else the greedy one (the reference draws the coin first). */
function epsilonGreedy(row: Float64Array, numActions: number, epsilon: number, rng: Rng): number {
  return rng.random() < epsilon ? rng.integer(numActions) : argmax(row, numActions);
}

function checkCount(what: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`TabularQ: ${what} must be a positive integer, got ${n}`);
}

export class TabularQ {
  readonly numStates: number;
  readonly numActions: number;
  /** Q [S × A], row-major: q[s * A + a]. Live, not a copy. */
  readonly q: Float64Array;

  constructor(numStates: number, numActions: number) {
    checkCount('numStates', numStates);
    checkCount('numActions', numActions);
    this.numStates = numStates;
    this.numActions = numActions;
    this.q = new Float64Array(numStates * numActions);
  }

  /** Every entry ~ N(mean, std²); the reference draws N(1, 0.5²) (`init_mean` off). */
  initNormal(rng: Rng, mean = 1, std = 0.5): void {
    if (!(Number.isFinite(mean) && std >= 0 && Number.isFinite(std))) throw new RangeError(`TabularQ.initNormal: need a finite mean and std ≥ 0, got mean ${mean}, std ${std}`);
    for (let i = 0; i < this.q.length; i++) this.q[i] = mean + std * rng.normal();
  }

  /**
   * Behavioural-cloning init (rudder.md §3 "Q-learner settings"): for every (s, a) the demos take,
   *   Q(s, a) = mean over its visits of the return-to-go × n(s, a) / n(s, ·),
   * where n counts visits over all demos. Pairs the demos never take keep their value.
   */
  bcInit(demos: readonly BcDemo[]): void {
    const A = this.numActions, n = new Float64Array(this.q.length), g = new Float64Array(this.q.length);
    demos.forEach((d, k) => {
      const T = d.actions.length;
      if (d.states.length < T) throw new RangeError(`TabularQ.bcInit: demo ${k} has ${d.states.length} states for ${T} actions (need one state per action)`);
      if (d.rewards.length !== T) throw new RangeError(`TabularQ.bcInit: demo ${k} has ${d.rewards.length} rewards for ${T} actions`);
      let rtg = 0;
      for (let t = T - 1; t >= 0; t--) {
        rtg += d.rewards[t]!;
        const i = this.index(d.states[t]!, d.actions[t]!, `bcInit: demo ${k} step ${t}`);
        n[i]!++;
        g[i]! += rtg;
      }
    });
    for (let s = 0; s < this.numStates; s++) {
      let ns = 0;
      for (let a = 0; a < A; a++) ns += n[s * A + a]!;
      for (let a = 0; a < A; a++) {
        const i = s * A + a;
        if (n[i]! > 0) this.q[i] = (g[i]! / n[i]!) * (n[i]! / ns);
      }
    }
  }

  /** Row Q(s, ·) [A], a view into `q`. */
  row(s: number): Float64Array {
    this.index(s, 0, 'row');
    return this.q.subarray(s * this.numActions, (s + 1) * this.numActions);
  }

  greedy(s: number): number {
    return argmax(this.row(s), this.numActions);
  }

  act(s: number, epsilon: number, rng: Rng): number {
    return epsilonGreedy(this.row(s), this.numActions, epsilon, rng);
  }

  /**
   * One Q-learning step: Q(s, a) ← (1 − α) Q(s, a) + α (r + γ max_a′ Q(s′, a′)), without the bootstrap
   * when `done` (the reference treats the 200-step time-out as done too: time is not in the state).
   */
  tdUpdate(s: number, a: number, r: number, sNext: number, done: boolean, alpha: number, gamma: number): void {
    const i = this.index(s, a, 'tdUpdate');
    let target = r;
    if (!done) {
      const next = this.row(sNext);
      target += gamma * next[argmax(next, this.numActions)]!;
    }
    this.q[i] = (1 - alpha) * this.q[i]! + alpha * target;
  }

  /** Q(s, a) ← (1 − α) Q(s, a) + α κ: a step towards a target with no bootstrap (Align-RUDDER's κ_t). */
  updateTowards(s: number, a: number, target: number, alpha: number): void {
    const i = this.index(s, a, 'updateTowards');
    this.q[i] = (1 - alpha) * this.q[i]! + alpha * target;
  }

  private index(s: number, a: number, what: string): number {
    if (!(Number.isInteger(s) && s >= 0 && s < this.numStates)) throw new RangeError(`TabularQ.${what}: state ${s} is outside 0..${this.numStates - 1}`);
    if (!(Number.isInteger(a) && a >= 0 && a < this.numActions)) throw new RangeError(`TabularQ.${what}: action ${a} is outside Discrete(${this.numActions}) (valid: 0..${this.numActions - 1})`);
    return s * this.numActions + a;
  }
}

/** The most cluster bits an `AugmentedQ` mask may use (masks stay small non-negative int32s). */
export const MAX_HISTORY_BITS = 30;

/**
 * Q over the augmented state s̃ = (state, mask), mask = the set of event clusters visited so far as bits
 * (rudder.md §3 (V) 9). The reference builds the dense table [S × 2^K × A] by repeating the base table
 * along K new binary axes after BC init, so every (state, mask) starts as a copy of the state's base row.
 * With K = 17 that is 2^17 copies; here a row exists only once it has been updated ("first touch"): it is
 * created then as a copy of the base row, and is independent of every other row afterwards. Reads of a
 * row never updated see the base row, which is what the copy would hold. The base is a snapshot taken at
 * construction, so later changes to the `TabularQ` it came from do not leak in.
 */
export class AugmentedQ {
  readonly numStates: number;
  readonly numActions: number;
  /** Bits of the history mask: masks are in 0..2^historyBits − 1. */
  readonly historyBits: number;
  /** The base table [S × A] every row starts from (a copy). */
  readonly base: Float64Array;
  private readonly rows = new Map<number, Float64Array>();

  constructor(base: TabularQ, historyBits: number) {
    if (!(Number.isInteger(historyBits) && historyBits >= 0 && historyBits <= MAX_HISTORY_BITS)) throw new RangeError(`AugmentedQ: historyBits must be an integer in 0..${MAX_HISTORY_BITS}, got ${historyBits}`);
    this.numStates = base.numStates;
    this.numActions = base.numActions;
    this.historyBits = historyBits;
    this.base = base.q.slice();
  }

  /** How many (state, mask) rows have been created. */
  get size(): number {
    return this.rows.size;
  }

  /** Whether row (s, mask) has been created (updated at least once). */
  has(s: number, mask: number): boolean {
    return this.rows.has(this.key(s, mask));
  }

  /** Q(s̃, ·) [A]: the row's own values once created, else a view of the base row. Do not write to it. */
  row(s: number, mask: number): Float64Array {
    return this.rows.get(this.key(s, mask)) ?? this.base.subarray(s * this.numActions, (s + 1) * this.numActions);
  }

  greedy(s: number, mask: number): number {
    return argmax(this.row(s, mask), this.numActions);
  }

  act(s: number, mask: number, epsilon: number, rng: Rng): number {
    return epsilonGreedy(this.row(s, mask), this.numActions, epsilon, rng);
  }

  /** Q(s̃, a) ← (1 − α) Q(s̃, a) + α κ, creating the row from the base row on first touch. */
  updateTowards(s: number, mask: number, a: number, target: number, alpha: number): void {
    if (!(Number.isInteger(a) && a >= 0 && a < this.numActions)) throw new RangeError(`AugmentedQ.updateTowards: action ${a} is outside Discrete(${this.numActions}) (valid: 0..${this.numActions - 1})`);
    const k = this.key(s, mask);
    let row = this.rows.get(k);
    if (!row) {
      row = this.base.slice(s * this.numActions, (s + 1) * this.numActions);
      this.rows.set(k, row);
    }
    row[a] = (1 - alpha) * row[a]! + alpha * target;
  }

  private key(s: number, mask: number): number {
    if (!(Number.isInteger(s) && s >= 0 && s < this.numStates)) throw new RangeError(`AugmentedQ: state ${s} is outside 0..${this.numStates - 1}`);
    if (!(Number.isInteger(mask) && mask >= 0 && mask < 2 ** this.historyBits)) throw new RangeError(`AugmentedQ: mask ${mask} is outside 0..2^${this.historyBits} − 1`);
    return mask * this.numStates + s;
  }
}
