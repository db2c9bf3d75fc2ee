/**
 * PPO's loss on one minibatch and its exact gradient, fused: forward and backward of the actor and critic
 * MLPs plus the loss terms in one pass over typed arrays.
 *
 * Why by hand: at CartPole sizes (64-64 MLPs, minibatch 128) a tfjs step is ~300 kernels, each costing
 * more than its arithmetic (backends.md §1, §3), and tfjs-core's Node build registers no gradients.
 * The test checks these gradients against finite differences.
 *
 * L = L_pg − entCoef·H + vfCoef·L_v (envs-ppo.md §6.1, details 8–10).
 */
import { denseForward, denseGradInput, denseGradParams } from '../kernels/dense.ts';
import type { DenseParams } from '../nets/mlp.ts';
import type { ActorCritic } from './agent.ts';

/** One minibatch, gathered into contiguous arrays. */
export interface Minibatch {
  size: number; // B
  obs: Float32Array; // [B, obsDim]
  actions: Int32Array; // [B]
  oldLogProbs: Float32Array; // [B]
  advantages: Float32Array; // [B], normalised already when normAdv
  returns: Float32Array; // [B]
  oldValues: Float32Array; // [B]
}

export interface LossCoefs {
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
}

/** The minibatch's loss terms, as CleanRL logs them. */
export interface LossStats {
  loss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  oldApproxKl: number;
  approxKl: number;
  clipFrac: number;
}

/** Activations and their gradients for one MLP, reused across minibatches of the same size. */
class MlpTape {
  readonly acts: Float32Array[]; // acts[l]: output of layer l, [B, outDim_l]
  readonly grads: Float32Array[]; // d loss / d (pre-activation of layer l)
  constructor(layers: readonly DenseParams[], readonly rows: number) {
    this.acts = layers.map((l) => new Float32Array(rows * l.outDim));
    this.grads = layers.map((l) => new Float32Array(rows * l.outDim));
  }
}

/** Forward: tanh hidden layers, linear head; fills tape.acts. */
function mlpForward(layers: readonly DenseParams[], x: Float32Array, tape: MlpTape, B: number): Float32Array {
  let input = x;
  for (let li = 0; li < layers.length; li++) {
    const { w, b, inDim, outDim } = layers[li]!;
    denseForward(input, w, b, tape.acts[li]!, B, inDim, outDim, li < layers.length - 1);
    input = tape.acts[li]!;
  }
  return input;
}

/**
 * Backward from d loss / d output (already in tape.grads[last]) to parameter gradients, written into
 * `pg` (W0, b0, W1, b1, … in params() order).
 */
function mlpBackward(layers: readonly DenseParams[], x: Float32Array, tape: MlpTape, B: number, pg: Float32Array[], offset: number): void {
  for (let li = layers.length - 1; li >= 0; li--) {
    const { w, inDim, outDim } = layers[li]!;
    const dz = tape.grads[li]!;
    denseGradParams(li === 0 ? x : tape.acts[li - 1]!, dz, pg[offset + 2 * li]!, pg[offset + 2 * li + 1]!, B, inDim, outDim);
    // d/d(pre-activation of layer li−1) = (dz · Wᵀ) ⊙ (1 − tanh²); the input layer needs no dx.
    if (li > 0) denseGradInput(dz, w, tape.acts[li - 1]!, tape.grads[li - 1]!, B, inDim, outDim);
  }
}

/** Computes PPO's loss and writes its gradient w.r.t. `agent.params()` into `grads`. Allocation-free after the first call per minibatch size. */
export class PpoLoss {
  private actorTape: MlpTape | null = null;
  private criticTape: MlpTape | null = null;

  constructor(readonly agent: ActorCritic) {}

  run(mb: Minibatch, c: LossCoefs, grads: Float32Array[] | null): LossStats {
    const B = mb.size, A = this.agent.numActions;
    const actor = this.agent.actor.layers, critic = this.agent.critic.layers;
    if (!this.actorTape || this.actorTape.rows !== B) {
      this.actorTape = new MlpTape(actor, B);
      this.criticTape = new MlpTape(critic, B);
    }
    const at = this.actorTape, ct = this.criticTape!;
    const logits = mlpForward(actor, mb.obs, at, B);
    const values = mlpForward(critic, mb.obs, ct, B);
    const dLogits = at.grads[actor.length - 1]!;
    const dValues = ct.grads[critic.length - 1]!;
    const eps = c.clipCoef;
    let pgSum = 0, vSum = 0, entSum = 0, oldKlSum = 0, klSum = 0, clipped = 0;

    for (let b = 0; b < B; b++) {
      const o = b * A;
      // log-softmax
      let max = -Infinity;
      for (let j = 0; j < A; j++) if (logits[o + j]! > max) max = logits[o + j]!;
      let z = 0;
      for (let j = 0; j < A; j++) z += Math.exp(logits[o + j]! - max);
      const logZ = max + Math.log(z);
      let H = 0;
      for (let j = 0; j < A; j++) {
        const lp = logits[o + j]! - logZ;
        H -= Math.exp(lp) * lp;
      }
      const a = mb.actions[b]!;
      const newLogp = logits[o + a]! - logZ;
      const logRatio = newLogp - mb.oldLogProbs[b]!;
      const ratio = Math.exp(logRatio);
      const adv = mb.advantages[b]!;
      // Clipped surrogate: max(−A·r, −A·clip(r, 1−ε, 1+ε)); the clipped branch has zero gradient.
      const l1 = -adv * ratio;
      const l2 = -adv * Math.min(Math.max(ratio, 1 - eps), 1 + eps);
      pgSum += l1 >= l2 ? l1 : l2;
      const dLogp = l1 >= l2 ? (-adv * ratio) / B : 0;
      // d/dlogits: policy term dLogp·(onehot − p) and entropy term −entCoef·dH/dlogits = entCoef·p·(log p + H).
      for (let j = 0; j < A; j++) {
        const lp = logits[o + j]! - logZ;
        const p = Math.exp(lp);
        dLogits[o + j] = dLogp * ((j === a ? 1 : 0) - p) + (c.entCoef / B) * p * (lp + H);
      }
      entSum += H;
      oldKlSum += -logRatio;
      klSum += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > eps) clipped++;

      // Value loss: 0.5·max((v − R)², (v_clip − R)²), v_clip = V_old + clip(v − V_old, −ε, ε).
      const v = values[b]!, ret = mb.returns[b]!;
      const du = v - ret;
      let vl = du * du, dv = du;
      if (c.clipVloss) {
        const vOld = mb.oldValues[b]!;
        const vc = vOld + Math.min(Math.max(v - vOld, -eps), eps);
        const dc = vc - ret;
        if (dc * dc > vl) {
          vl = dc * dc;
          dv = 0;
        }
      }
      vSum += 0.5 * vl;
      dValues[b] = (c.vfCoef * dv) / B;
    }

    if (grads) {
      mlpBackward(actor, mb.obs, at, B, grads, 0);
      mlpBackward(critic, mb.obs, ct, B, grads, 2 * actor.length);
    }
    const policyLoss = pgSum / B, valueLoss = vSum / B, entropy = entSum / B;
    return {
      loss: policyLoss - c.entCoef * entropy + c.vfCoef * valueLoss,
      policyLoss,
      valueLoss,
      entropy,
      oldApproxKl: oldKlSum / B,
      approxKl: klSum / B,
      clipFrac: clipped / B,
    };
  }
}
