import { Rng } from '../../envs/core/rng.ts';
import { sampleCategorical } from '../categorical.ts';
import { Mlp } from '../nets/mlp.ts';

/**
 * CleanRL's classic-control actor-critic: separate tanh MLPs for the policy (logits) and the value,
 * orthogonal init with gain √2 in hidden layers, 0.01 on the policy head and 1.0 on the value head.
 */
export class ActorCritic {
  readonly actor: Mlp;
  readonly critic: Mlp;
  /** Choices per action head: [n] for Discrete(n), nvec for a MultiDiscrete. */
  readonly nvec: Int32Array;
  /** Total logits, Σ nvec. */
  readonly numLogits: number;

  /** `actions`: n for Discrete(n), or a MultiDiscrete's nvec (one categorical head per entry). */
  constructor(readonly obsDim: number, actions: number | readonly number[], readonly hidden: readonly number[], seed: number) {
    this.nvec = Int32Array.from(typeof actions === 'number' ? [actions] : actions);
    if (this.nvec.length === 0 || this.nvec.some((n) => !(n > 0))) throw new RangeError(`ActorCritic: action sizes must be positive, got [${[...this.nvec].join(', ')}]`);
    this.numLogits = this.nvec.reduce((a, b) => a + b, 0);
    const rng = new Rng(seed);
    this.actor = new Mlp(obsDim, hidden, this.numLogits, 0.01, rng);
    this.critic = new Mlp(obsDim, hidden, 1, 1.0, rng);
  }

  /** Number of action heads (1 for Discrete). */
  get numHeads(): number {
    return this.nvec.length;
  }

  /** Actor parameters then critic parameters, the layout of gradients and optimizer state. */
  params(): Float32Array[] {
    return [...this.actor.params(), ...this.critic.params()];
  }

  paramShapes(): number[][] {
    return [...this.actor.paramShapes(), ...this.critic.paramShapes()];
  }

  /**
   * One acting step for `rows` observations `obs [rows, obsDim]`: writes sampled (or, with `greedy`, the
   * most likely) actions `[rows, numHeads]`, their log-probabilities and V(obs). `mask` `[rows, numLogits]`
   * (1 = allowed) restricts the choice.
   */
  act(
    obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null,
    greedy = false, mask: Uint8Array | null = null,
  ): void {
    const logits = this.actor.forward(obs, rows);
    sampleCategorical(logits, rows, this.nvec, rng, actions, logProbs, mask, greedy);
    if (values) values.set(this.critic.forward(obs, rows));
  }

  /** V(obs) for `rows` observations into `out`. */
  value(obs: Float32Array, rows: number, out: Float32Array): void {
    out.set(this.critic.forward(obs, rows));
  }
}
