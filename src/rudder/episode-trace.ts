import type { StepEncoder } from './encode.ts';
import { newLstmState, type LstmState } from './lstm.ts';

/** Features of observation `obs[at … at + obsDim)` written to `out[outAt … outAt + dim)`. */
export interface ObservationFeatures {
  dim: number;
  write(obs: Float32Array, at: number, out: Float32Array, outAt: number): void;
}

/**
 * One env's episode in progress, as RUDDER's LSTM sees it: each step encoded once, on arrival (Δ of the
 * features, action one-hot, time), so the work per episode is linear in its length. Also where this
 * rollout's steps of it sit, what was paid for it in earlier rollouts, and the LSTM's state carried over
 * its prefix, so a running episode's prefix is not run again at every rollout's end.
 */
export class EpisodeTrace {
  /** Encoded input rows [capacity, width]; row `length` takes the terminal observation when the episode ends. */
  inputs: Float32Array;
  rewards: Float32Array;
  /** Steps taken (each with an action). */
  length = 0;
  /** Episode index of its first step in the current rollout, and the rollout row t of each of those steps. */
  start = 0;
  rows: Int32Array;
  count = 0;
  /** Redistributed reward already written for this episode in earlier rollouts (before tracing). */
  paid = 0;
  /**
   * What PPO was given for this episode's steps in earlier rollouts, after the trust mix
   * (q·rr + (1 − q)·env reward per step): the last step closes the episode to exactly G with it.
   */
  given = 0;
  /** The LSTM's state after input rows [0, carried), and its output there (model units; 0 before any step). */
  readonly state: LstmState;
  carried = 0;
  lastY = 0;
  private cur: Float32Array; // features of the newest step's observation
  prev: Float32Array; // and of the one before (for the Δ)
  private readonly act = new Int32Array(1);

  constructor(readonly enc: StepEncoder, private readonly features: ObservationFeatures | null, numSteps: number, units: number) {
    this.inputs = new Float32Array(256 * enc.width);
    this.rewards = new Float32Array(256);
    this.rows = new Int32Array(numSteps);
    this.cur = new Float32Array(enc.obsDim);
    this.prev = new Float32Array(enc.obsDim);
    this.state = newLstmState(units);
  }

  get width(): number {
    return this.enc.width;
  }

  /** A step: the observation the action was taken in (at `obs[at …]`), the action, the env reward, its rollout row. */
  push(obs: Float32Array, at: number, action: number, reward: number, row: number): void {
    if (this.length + 1 >= this.rewards.length) this.grow(); // room for this row and a terminal one
    this.writeRow(obs, at, action);
    [this.prev, this.cur] = [this.cur, this.prev];
    this.rewards[this.length] = reward;
    this.length++;
    this.rows[this.count++] = row;
  }

  /** Encode the terminal observation as row `length` (no action): the inputs are then `length + 1` rows. */
  pushTerminal(obs: Float32Array, at: number): void {
    this.writeRow(obs, at, -1);
  }

  private writeRow(obs: Float32Array, at: number, action: number): void {
    const f = this.features;
    if (f) f.write(obs, at, this.cur, 0);
    else this.cur.set(obs.subarray(at, at + this.enc.obsDim));
    this.act[0] = action;
    this.enc.write(this.cur, 0, this.length > 0 ? this.prev : null, 0, action >= 0 ? this.act : null, 0, this.length, this.inputs, this.length * this.enc.width);
  }

  private grow(): void {
    const n = this.rewards.length * 2;
    const inputs = new Float32Array(n * this.enc.width);
    inputs.set(this.inputs);
    this.inputs = inputs;
    const rewards = new Float32Array(n);
    rewards.set(this.rewards);
    this.rewards = rewards;
  }

  /** Make room for `n` steps (a checkpoint's restore). */
  reserve(n: number): void {
    while (this.rewards.length < n + 1) this.grow();
  }

  /** Room for a rollout of `numSteps` rows (a restored trace does not know the rollout's length). */
  fitRollout(numSteps: number): void {
    if (this.rows.length < numSteps) this.rows = new Int32Array(numSteps);
  }

  /** A new rollout starts: the steps so far belong to earlier ones. */
  nextRollout(): void {
    this.start = this.length;
    this.count = 0;
  }

  clear(): void {
    this.length = 0;
    this.start = 0;
    this.count = 0;
    this.paid = 0;
    this.given = 0;
    this.carried = 0;
    this.lastY = 0;
    this.state.c.fill(0);
    this.state.h.fill(0);
    this.state.fresh = true;
  }
}
