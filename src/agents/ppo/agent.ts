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

  constructor(readonly obsDim: number, readonly numActions: number, readonly hidden: readonly number[], seed: number) {
    const rng = new Rng(seed);
    this.actor = new Mlp(obsDim, hidden, numActions, 0.01, rng);
    this.critic = new Mlp(obsDim, hidden, 1, 1.0, rng);
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
   * most likely) actions, their log-probabilities and V(obs).
   */
  act(obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null, greedy = false): void {
    const logits = this.actor.forward(obs, rows);
    sampleCategorical(logits, rows, this.numActions, rng, actions, logProbs, undefined, greedy);
    if (values) values.set(this.critic.forward(obs, rows));
  }

  /** V(obs) for `rows` observations into `out`. */
  value(obs: Float32Array, rows: number, out: Float32Array): void {
    out.set(this.critic.forward(obs, rows));
  }
}
