import { Rng } from '../../envs/core/rng.ts';
import { sampleCategorical } from '../categorical.ts';
import { CnnPass } from '../kernels/cnn-pass.ts';
import { wasmSimdSupported } from '../kernels/wasm-simd.ts';
import { Cnn } from '../nets/cnn.ts';
import { Mlp } from '../nets/mlp.ts';

/** A PPO agent: the MLP actor-critic for vector observations, or the CNN one for images. */
export type Agent = ActorCritic | CnnActorCritic;

/** The policy a config asks for, on observations of `obsShape` and actions with heads `nvec`. */
export function createAgent(
  c: { policy: 'mlp' | 'cnn' | 'tfjs'; hidden: readonly number[]; cnnChannels: readonly number[]; seed: number }, obsShape: readonly number[], nvec: readonly number[],
): Agent {
  if (c.policy === 'tfjs') throw new Error("policy 'tfjs' is a user's tfjs model, not a built-in agent (see ppo/tfjs-policy.ts)");
  if (c.policy === 'cnn') return new CnnActorCritic(obsShape, nvec, c.cnnChannels, c.hidden, c.seed);
  return new ActorCritic(obsShape.reduce((a, b) => a * b, 1), nvec, c.hidden, c.seed);
}

function headSizes(actions: number | readonly number[], who: string): Int32Array {
  const nvec = Int32Array.from(typeof actions === 'number' ? [actions] : actions);
  if (nvec.length === 0 || nvec.some((n) => !(n > 0))) throw new RangeError(`${who}: action sizes must be positive, got [${[...nvec].join(', ')}]`);
  return nvec;
}

/**
 * CleanRL's classic-control actor-critic: separate tanh MLPs for the policy (logits) and the value,
 * orthogonal init with gain √2 in hidden layers, 0.01 on the policy head and 1.0 on the value head.
 */
export class ActorCritic {
  readonly kind = 'mlp' as const;
  readonly actor: Mlp;
  readonly critic: Mlp;
  /** Choices per action head: [n] for Discrete(n), nvec for a MultiDiscrete. */
  readonly nvec: Int32Array;
  /** Total logits, Σ nvec. */
  readonly numLogits: number;

  /** `actions`: n for Discrete(n), or a MultiDiscrete's nvec (one categorical head per entry). */
  constructor(readonly obsDim: number, actions: number | readonly number[], readonly hidden: readonly number[], seed: number) {
    this.nvec = headSizes(actions, 'ActorCritic');
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

/**
 * The CNN actor-critic for image observations `[H, W, C]`: a shared convolutional torso with an actor and a
 * critic head (../nets/cnn.ts says what it is and why the torso is shared). Same interface as
 * {@link ActorCritic}: `params()` is the layout of gradients, optimizer state and checkpoints.
 */
export class CnnActorCritic {
  readonly kind = 'cnn' as const;
  readonly net: Cnn;
  readonly nvec: Int32Array;
  readonly numLogits: number;
  /** H·W·C: the flat observation size. */
  readonly obsDim: number;
  private readonly pass: CnnPass; // acting's own buffers, apart from the loss's
  private logits = new Float32Array(0); // [rows, numLogits], for sampling

  constructor(readonly obsShape: readonly number[], actions: number | readonly number[], readonly channels: readonly number[], readonly hidden: readonly number[], seed: number) {
    this.nvec = headSizes(actions, 'CnnActorCritic');
    this.numLogits = this.nvec.reduce((a, b) => a + b, 0);
    this.net = new Cnn(obsShape, channels, hidden, this.numLogits, new Rng(seed));
    this.obsDim = this.net.inputSize;
    this.pass = new CnnPass(this.net, wasmSimdSupported() ? 'wasm' : 'js');
  }

  get numHeads(): number {
    return this.nvec.length;
  }

  /** Convolutions, dense layers, actor head, critic head: (W, b) each. */
  params(): Float32Array[] {
    return this.net.params();
  }

  paramShapes(): number[][] {
    return this.net.paramShapes();
  }

  /** As {@link ActorCritic.act}; `obs` is `[rows, H·W·C]`. One forward pass gives both logits and values. */
  act(
    obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null,
    greedy = false, mask: Uint8Array | null = null,
  ): void {
    const p = this.pass, L = this.numLogits;
    p.forward(obs, rows);
    const out = p.out, S = p.stride, V = p.valueCol;
    if (this.logits.length < rows * L) this.logits = new Float32Array(rows * L);
    const logits = this.logits;
    for (let r = 0; r < rows; r++) for (let j = 0; j < L; j++) logits[r * L + j] = out[r * S + j]!;
    sampleCategorical(logits, rows, this.nvec, rng, actions, logProbs, mask, greedy);
    if (values) for (let r = 0; r < rows; r++) values[r] = out[r * S + V]!;
  }

  /** V(obs) for `rows` observations into `out`. */
  value(obs: Float32Array, rows: number, out: Float32Array): void {
    const p = this.pass;
    p.forward(obs, rows);
    for (let r = 0; r < rows; r++) out[r] = p.out[r * p.stride + p.valueCol]!;
  }
}
