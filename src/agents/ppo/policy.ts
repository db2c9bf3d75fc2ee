/**
 * The seam between PPO's loop and what computes its nets: acting on a batch of observations, and one
 * update on a minibatch (loss, gradient, global-norm clip, optimiser step). Two kinds implement it: the
 * fused policy (our hand-written kernels and Adam over Float32Arrays, the default) and a user's tfjs model
 * trained by tfjs autodiff (./tfjs-policy.ts).
 */
import type { Rng } from '../../envs/core/rng.ts';
import { Adam, clipScale } from '../adam.ts';
import type { Agent } from './agent.ts';
import { PpoLoss, type LossCoefs, type LossStats, type Minibatch } from './loss.ts';

export interface UpdateCoefs extends LossCoefs {
  /** Global gradient-norm clip. */
  maxGradNorm: number;
}

export interface PpoPolicy {
  /** `custom`: one given by `PpoTrainOptions.makePolicy` (e.g. Align-RUDDER's sub-goal agents). */
  readonly kind: 'fused' | 'tfjs' | 'custom';
  /** Choices per action head. */
  readonly nvec: Int32Array;
  readonly numLogits: number;
  readonly numHeads: number;
  /** Adam's step size for the next updates (the trainer anneals it). */
  lr: number;
  /**
   * One acting step for `rows` observations `obs [rows, obsDim]`: sampled (or greedy) actions
   * `[rows, numHeads]`, their log-probabilities `[rows]` and V(obs) `[rows]`; `mask [rows, numLogits]` restricts.
   */
  act(obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null, greedy?: boolean, mask?: Uint8Array | null): void;
  /** V(obs) for `rows` observations into `out`. */
  value(obs: Float32Array, rows: number, out: Float32Array): void;
  /** PPO's loss on `mb`, its gradient, the clip and one optimiser step; returns the loss terms before the step. */
  update(mb: Minibatch, c: UpdateCoefs): LossStats;
  /**
   * For a checkpoint: the weights (`param/i`) and the optimiser's state (`adam_m/i`, `adam_v/i`, …) as named
   * float32 arrays (copies or live views: the caller serialises them at once), and Adam's step count.
   */
  saveState(): { tensors: Record<string, Float32Array>; adamStep: number };
  /** Puts `saveState`'s arrays back; every array is checked first, so a refused checkpoint changes nothing. `where` names it in errors. */
  restoreState(tensors: Record<string, Float32Array>, adamStep: number, where: string): void;
  /** Frees what the policy holds outside the JS heap (a tfjs model's tensors; nothing for the fused one). */
  dispose(): void;
  /**
   * A `custom` policy's own model folder (e.g. the sub-goal agents' `model/`), written at the end of a run
   * with a runDir; absent: a custom policy writes none (the built-in kinds are written by ../run/model-io.ts).
   */
  saveModel?(dir: string, cfg: { envId: string; envKwargs: Record<string, unknown> }): Promise<void>;
}

/** Each `[name, destination]` pair's source in `tensors` must exist with the destination's length; says which does not. */
export function checkTensors(tensors: Record<string, Float32Array>, wanted: readonly (readonly [string, number])[], where: string, model: string): void {
  for (const [name, length] of wanted) {
    const src = tensors[name];
    if (!src || src.length !== length) throw new Error(`${where}: tensor ${name} has ${src?.length ?? 'no'} values, the ${model} needs ${length}`);
  }
}

/** The built-in MLP or CNN agent with its hand-written loss gradient and the fused Adam. */
export class FusedPolicy implements PpoPolicy {
  readonly kind = 'fused' as const;
  readonly adam: Adam;
  readonly loss: PpoLoss;
  /** Added to each update's gradient before the clip, given the update's index (Adam's step count): e.g. BC as an auxiliary loss (./bc-auxiliary.ts). */
  auxiliary: ((grads: Float32Array[], u: number) => void) | null = null;
  private readonly grads: Float32Array[];

  constructor(readonly agent: Agent, lr: number) {
    this.adam = new Adam(agent.params(), lr, 0.9, 0.999, 1e-5);
    this.loss = new PpoLoss(agent);
    this.grads = agent.params().map((p) => new Float32Array(p.length));
  }

  get nvec(): Int32Array {
    return this.agent.nvec;
  }

  get numLogits(): number {
    return this.agent.numLogits;
  }

  get numHeads(): number {
    return this.agent.numHeads;
  }

  get lr(): number {
    return this.adam.lr;
  }

  set lr(v: number) {
    this.adam.lr = v;
  }

  act(obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null, greedy = false, mask: Uint8Array | null = null): void {
    this.agent.act(obs, rows, rng, actions, logProbs, values, greedy, mask);
  }

  value(obs: Float32Array, rows: number, out: Float32Array): void {
    this.agent.value(obs, rows, out);
  }

  update(mb: Minibatch, c: UpdateCoefs): LossStats {
    const stats = this.loss.run(mb, c, this.grads);
    this.auxiliary?.(this.grads, this.adam.step);
    this.adam.update(this.grads, clipScale(this.grads, c.maxGradNorm).scale);
    return stats;
  }

  saveState(): { tensors: Record<string, Float32Array>; adamStep: number } {
    const tensors: Record<string, Float32Array> = {};
    this.agent.params().forEach((p, i) => {
      tensors[`param/${i}`] = p;
      tensors[`adam_m/${i}`] = this.adam.m[i]!;
      tensors[`adam_v/${i}`] = this.adam.v[i]!;
    });
    return { tensors, adamStep: this.adam.step };
  }

  restoreState(tensors: Record<string, Float32Array>, adamStep: number, where: string): void {
    const pairs = this.agent.params().flatMap((p, i) => [[`param/${i}`, p], [`adam_m/${i}`, this.adam.m[i]!], [`adam_v/${i}`, this.adam.v[i]!]] as const);
    checkTensors(tensors, pairs.map(([n, d]) => [n, d.length] as const), where, `${this.agent.kind} model`);
    for (const [name, dst] of pairs) dst.set(tensors[name]!);
    this.adam.step = adamStep;
  }

  dispose(): void {
    // plain Float32Arrays: the garbage collector frees them
  }
}
