/**
 * PPO's loss on one minibatch and its exact gradient, fused: forward and backward of the actor and critic
 * MLPs plus the loss terms in one pass over typed arrays.
 *
 * Why by hand: at CartPole sizes (64-64 MLPs, minibatch 128) a tfjs step is ~300 kernels, each costing
 * more than its arithmetic (backends.md §1, §3), and tfjs-core's Node build registers no gradients.
 * The matrix work runs in ../kernels/mlp-pass.ts for the MLP policy and ../kernels/cnn-pass.ts for the CNN
 * (WebAssembly SIMD, or JS loops as the fallback); this file holds the loss terms and their derivatives
 * w.r.t. the logits and values, the same for both policies.
 * The tests check these gradients against finite differences and against a plain reference implementation.
 *
 * L = L_pg − entCoef·H + vfCoef·L_v (envs-ppo.md §6.1, details 8–10).
 */
import { CnnPass } from '../kernels/cnn-pass.ts';
import { JsMlpPass, WasmMlpPass, type MlpPass } from '../kernels/mlp-pass.ts';
import { wasmSimdSupported } from '../kernels/wasm-simd.ts';
import type { ActorCritic, Agent, CnnActorCritic } from './agent.ts';

/** One minibatch, gathered into contiguous arrays. */
export interface Minibatch {
  size: number; // B
  obs: Float32Array; // [B, obsDim]
  actions: Int32Array; // [B, numHeads]
  /** Action masks [B, numLogits] (1 = allowed), or null when the env has none. */
  masks: Uint8Array | null;
  oldLogProbs: Float32Array; // [B], summed over heads
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

// Per-head scratch for the current row (a policy has few heads).
const MAX_HEADS = 64;
const headLogZ = new Float64Array(MAX_HEADS);
const headH = new Float64Array(MAX_HEADS);

/**
 * The network side of the loss: a forward pass over the minibatch that leaves the logits and values in
 * arrays (row b's logits from b·logitStride, its value at valueOffset + b·valueStride; passes pad their
 * rows), and a backward pass from d loss / d logits and d loss / d value written into the same layout.
 */
interface PolicyPass {
  forward(obs: Float32Array, B: number): void;
  readonly logits: Float32Array;
  readonly dLogits: Float32Array;
  readonly logitStride: number;
  readonly values: Float32Array;
  readonly dValues: Float32Array;
  readonly valueStride: number;
  readonly valueOffset: number;
  /** Writes d loss / d params into `grads` (the agent's `params()` layout). */
  backward(B: number, grads: Float32Array[]): void;
}

/** The MLP policy: separate actor and critic nets, each its own pass. */
class MlpPolicyPass implements PolicyPass {
  private readonly ap: MlpPass;
  private readonly cp: MlpPass;
  readonly valueOffset = 0;
  constructor(private readonly agent: ActorCritic, kernels: 'wasm' | 'js') {
    const Pass = kernels === 'wasm' ? WasmMlpPass : JsMlpPass;
    this.ap = new Pass(agent.actor.layers);
    this.cp = new Pass(agent.critic.layers);
  }
  forward(obs: Float32Array, B: number): void {
    this.ap.forward(obs, B);
    this.cp.forward(obs, B);
  }
  get logits(): Float32Array { return this.ap.out; }
  get dLogits(): Float32Array { return this.ap.dOut; }
  get logitStride(): number { return this.ap.stride; }
  get values(): Float32Array { return this.cp.out; }
  get dValues(): Float32Array { return this.cp.dOut; }
  get valueStride(): number { return this.cp.stride; }
  backward(B: number, grads: Float32Array[]): void {
    this.ap.backward(B, grads, 0);
    this.cp.backward(B, grads, 2 * this.agent.actor.layers.length);
  }
}

/** The CNN policy: one pass computes both heads, `[logits…, value]` per row. */
class CnnPolicyPass implements PolicyPass {
  private readonly p: CnnPass;
  constructor(agent: CnnActorCritic, kernels: 'wasm' | 'js') {
    this.p = new CnnPass(agent.net, kernels);
  }
  forward(obs: Float32Array, B: number): void {
    this.p.forward(obs, B);
  }
  get logits(): Float32Array { return this.p.out; }
  get dLogits(): Float32Array { return this.p.dOut; }
  get logitStride(): number { return this.p.stride; }
  get values(): Float32Array { return this.p.out; }
  get dValues(): Float32Array { return this.p.dOut; }
  get valueStride(): number { return this.p.stride; }
  get valueOffset(): number { return this.p.valueCol; }
  backward(B: number, grads: Float32Array[]): void {
    this.p.backward(B, grads, 0);
  }
}

/** Computes PPO's loss and writes its gradient w.r.t. `agent.params()` into `grads`. Allocation-free once the largest minibatch has been seen. */
export class PpoLoss {
  private readonly pass: PolicyPass;

  /** `kernels`: WebAssembly SIMD where the runtime has it (~5× the JS loops here), else JS loops. */
  constructor(readonly agent: Agent, readonly kernels: 'wasm' | 'js' = wasmSimdSupported() ? 'wasm' : 'js') {
    if (agent.numHeads > MAX_HEADS) throw new RangeError(`PpoLoss: at most ${MAX_HEADS} action heads, got ${agent.numHeads}`);
    this.pass = agent.kind === 'cnn' ? new CnnPolicyPass(agent, kernels) : new MlpPolicyPass(agent, kernels);
  }

  run(mb: Minibatch, c: LossCoefs, grads: Float32Array[] | null): LossStats {
    const B = mb.size, nvec = this.agent.nvec, K = nvec.length, L = this.agent.numLogits;
    const net = this.pass;
    net.forward(mb.obs, B);
    // Row b of the logits starts at b·ls, the value of row b is at v0 + b·vs (the passes may pad their rows).
    const logits = net.logits, dLogits = net.dLogits, ls = net.logitStride;
    const values = net.values, dValues = net.dValues, vs = net.valueStride, v0 = net.valueOffset;
    const masks = mb.masks, eps = c.clipCoef, entScale = c.entCoef / B;
    let pgSum = 0, vSum = 0, entSum = 0, oldKlSum = 0, klSum = 0, clipped = 0;

    for (let b = 0; b < B; b++) {
      // Heads are independent categoricals (log-softmax per segment; masked logits count as −∞):
      // log π(a) and the entropy are sums over heads. The first loop gets them, the second the gradient.
      let newLogp = 0, H = 0;
      for (let h = 0, o = b * ls, m = b * L; h < K; o += nvec[h]!, m += nvec[h]!, h++) {
        const n = nvec[h]!;
        let max = -Infinity;
        for (let j = 0; j < n; j++) if ((!masks || masks[m + j]) && logits[o + j]! > max) max = logits[o + j]!;
        let z = 0;
        for (let j = 0; j < n; j++) if (!masks || masks[m + j]) z += Math.exp(logits[o + j]! - max);
        const logZ = max + Math.log(z);
        headLogZ[h] = logZ;
        let Hh = 0;
        for (let j = 0; j < n; j++) {
          if (masks && !masks[m + j]) continue;
          const lp = logits[o + j]! - logZ;
          Hh -= Math.exp(lp) * lp;
        }
        headH[h] = Hh;
        H += Hh;
        newLogp += logits[o + mb.actions[b * K + h]!]! - logZ;
      }
      const logRatio = newLogp - mb.oldLogProbs[b]!;
      const ratio = Math.exp(logRatio);
      const adv = mb.advantages[b]!;
      // Clipped surrogate: max(−A·r, −A·clip(r, 1−ε, 1+ε)); the clipped branch has zero gradient.
      const l1 = -adv * ratio;
      const l2 = -adv * Math.min(Math.max(ratio, 1 - eps), 1 + eps);
      pgSum += l1 >= l2 ? l1 : l2;
      const dLogp = l1 >= l2 ? (-adv * ratio) / B : 0;
      // d/dlogits per head: policy term dLogp·(onehot − p), entropy term −entCoef·dH_h/dlogits = entCoef·p·(log p + H_h).
      for (let h = 0, o = b * ls, m = b * L; h < K; o += nvec[h]!, m += nvec[h]!, h++) {
        const n = nvec[h]!, a = mb.actions[b * K + h]!, logZ = headLogZ[h]!, Hh = headH[h]!;
        for (let j = 0; j < n; j++) {
          if (masks && !masks[m + j]) {
            dLogits[o + j] = 0;
            continue;
          }
          const lp = logits[o + j]! - logZ;
          const p = Math.exp(lp);
          dLogits[o + j] = dLogp * ((j === a ? 1 : 0) - p) + entScale * p * (lp + Hh);
        }
      }
      entSum += H;
      oldKlSum += -logRatio;
      klSum += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > eps) clipped++;

      // Value loss: 0.5·max((v − R)², (v_clip − R)²), v_clip = V_old + clip(v − V_old, −ε, ε).
      const v = values[v0 + b * vs]!, ret = mb.returns[b]!;
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
      dValues[v0 + b * vs] = (c.vfCoef * dv) / B;
    }

    if (grads) net.backward(B, grads);
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
