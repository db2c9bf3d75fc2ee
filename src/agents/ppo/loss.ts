/**
 * PPO's loss on one minibatch and its exact gradient, by hand: the policy's forward and backward pass
 * (../kernels/policy-pass.ts) around the loss terms and their derivatives w.r.t. the logits and values,
 * all over typed arrays.
 *
 * Why by hand: at CartPole sizes (64-64 MLPs, minibatch 128) a tfjs step is ~300 kernels, each costing
 * more than its arithmetic (backends.md §1, §3), and tfjs-core's Node build registers no gradients.
 * The matrix work runs in ../kernels/ (WebAssembly SIMD, or JS loops as the fallback); this file holds
 * the loss terms, the same for the MLP and the CNN policy.
 * The tests check these gradients against finite differences and against a plain reference implementation.
 *
 * loss = pg_loss − entCoef·entropy_loss + vfCoef·v_loss (CleanRL's names; envs-ppo.md §6.1, details 8–10).
 */
import { CnnPolicyPass, MlpPolicyPass, type PolicyPass } from '../kernels/policy-pass.ts';
import { wasmSimdSupported } from '../kernels/wasm-simd.ts';
import type { Agent } from './agent.ts';

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

/** The minibatch's loss terms, as CleanRL logs them (losses/policy_loss, …). */
export interface LossStats {
  loss: number;
  /** pg_loss */
  policyLoss: number;
  /** v_loss */
  valueLoss: number;
  /** entropy_loss, the mean entropy of the policy */
  entropy: number;
  oldApproxKl: number;
  approxKl: number;
  /** clipfrac: the share of samples whose ratio is more than ε from 1 */
  clipFrac: number;
}

/**
 * Computes PPO's loss and writes its gradient w.r.t. `agent.params()` into `grads`. Each term is its own
 * pass over the minibatch, named as in CleanRL's `ppo.py`; allocation-free once the largest minibatch has
 * been seen.
 */
export class PpoLoss {
  private readonly pass: PolicyPass;
  // Per-sample scratch, in doubles as the sums it feeds; grown to the largest minibatch, then reused.
  private capacity = 0;
  private logZ = new Float64Array(0); // [B, numHeads], log Σ exp of each head's allowed logits
  private headEntropy = new Float64Array(0); // [B, numHeads]
  private logRatio = new Float64Array(0); // [B], log π(a|s) − log π_old(a|s), summed over heads
  private ratio = new Float64Array(0); // [B], exp(logRatio)
  private dLogProb = new Float64Array(0); // [B], d pg_loss / d log π(a|s)

  /** `kernels`: WebAssembly SIMD where the runtime has it (~5× the JS loops here), else JS loops. */
  constructor(readonly agent: Agent, readonly kernels: 'wasm' | 'js' = wasmSimdSupported() ? 'wasm' : 'js') {
    this.pass = agent.kind === 'cnn' ? new CnnPolicyPass(agent.net, kernels) : new MlpPolicyPass(agent.actor, agent.critic, kernels);
  }

  run(mb: Minibatch, c: LossCoefs, grads: Float32Array[] | null): LossStats {
    const B = mb.size;
    if (B > this.capacity) this.grow(B);
    this.pass.forward(mb.obs, B);
    const entropyLoss = this.logRatioAndEntropy(mb);
    const pgLoss = this.pgLoss(mb, c.clipCoef);
    const vLoss = this.vLoss(mb, c);
    this.logitGrads(mb, c.entCoef / B);
    if (grads) this.pass.backward(B, grads);

    // Diagnostics, no gradient: KL estimators (http://joschu.net/blog/kl-approx.html) and the clipped share.
    const { logRatio, ratio } = this;
    let oldApproxKl = 0, approxKl = 0, clipped = 0;
    for (let b = 0; b < B; b++) {
      oldApproxKl += -logRatio[b]!;
      approxKl += ratio[b]! - 1 - logRatio[b]!;
      if (Math.abs(ratio[b]! - 1) > c.clipCoef) clipped++;
    }
    return {
      loss: pgLoss - c.entCoef * entropyLoss + c.vfCoef * vLoss,
      policyLoss: pgLoss,
      valueLoss: vLoss,
      entropy: entropyLoss,
      oldApproxKl: oldApproxKl / B,
      approxKl: approxKl / B,
      clipFrac: clipped / B,
    };
  }

  /** log π(a|s) of each sample of `mb` under the current policy into `out` [B] (a forward pass, no gradient; BC uses it). */
  logProbs(mb: Minibatch, out: Float32Array): void {
    const B = mb.size;
    if (B > this.capacity) this.grow(B);
    this.pass.forward(mb.obs, B);
    this.logRatioAndEntropy({ ...mb, oldLogProbs: new Float32Array(B) });
    for (let b = 0; b < B; b++) out[b] = this.logRatio[b]!;
  }

  /**
   * log π(a|s) − log π_old(a|s) into logRatio, and entropy_loss, the mean entropy. Heads are independent
   * categoricals (log-softmax per segment; masked logits count as −∞), so log π(a|s) and the entropy are
   * sums over heads. Keeps each head's log Z and entropy for `logitGrads`.
   */
  private logRatioAndEntropy(mb: Minibatch): number {
    const B = mb.size, nvec = this.agent.nvec, K = nvec.length, L = this.agent.numLogits;
    const logits = this.pass.logits, ls = this.pass.logitStride, masks = mb.masks;
    const { logZ: logZs, headEntropy } = this;
    let entropySum = 0;
    for (let b = 0; b < B; b++) {
      let newLogProb = 0, H = 0;
      for (let h = 0, o = b * ls, m = b * L; h < K; o += nvec[h]!, m += nvec[h]!, h++) {
        const n = nvec[h]!;
        let max = -Infinity;
        for (let j = 0; j < n; j++) if ((!masks || masks[m + j]) && logits[o + j]! > max) max = logits[o + j]!;
        let z = 0;
        for (let j = 0; j < n; j++) if (!masks || masks[m + j]) z += Math.exp(logits[o + j]! - max);
        const logZ = max + Math.log(z);
        let Hh = 0;
        for (let j = 0; j < n; j++) {
          if (masks && !masks[m + j]) continue;
          const lp = logits[o + j]! - logZ;
          Hh -= Math.exp(lp) * lp;
        }
        logZs[b * K + h] = logZ;
        headEntropy[b * K + h] = Hh;
        H += Hh;
        newLogProb += logits[o + mb.actions[b * K + h]!]! - logZ;
      }
      this.logRatio[b] = newLogProb - mb.oldLogProbs[b]!;
      entropySum += H;
    }
    return entropySum / B;
  }

  /**
   * pg_loss = mean max(pg_loss1, pg_loss2), the pessimistic of the two surrogates −A·r and
   * −A·clip(r, 1 − ε, 1 + ε) (the paper's L^CLIP, negated). Where the clipped one wins the gradient is 0.
   */
  private pgLoss(mb: Minibatch, eps: number): number {
    const B = mb.size, { logRatio, ratio, dLogProb } = this;
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const r = (ratio[b] = Math.exp(logRatio[b]!));
      const adv = mb.advantages[b]!;
      const pgLoss1 = -adv * r;
      const pgLoss2 = -adv * Math.min(Math.max(r, 1 - eps), 1 + eps);
      sum += pgLoss1 >= pgLoss2 ? pgLoss1 : pgLoss2;
      dLogProb[b] = pgLoss1 >= pgLoss2 ? pgLoss1 / B : 0; // d(−A·r)/d log π = −A·r
    }
    return sum / B;
  }

  /**
   * v_loss = 0.5 · mean max(v_loss_unclipped, v_loss_clipped) with v_clipped = V_old + clip(v − V_old, −ε, ε)
   * (PPO2's clipped value loss; the unclipped one alone without clipVloss). Writes vfCoef · d v_loss / d v.
   */
  private vLoss(mb: Minibatch, c: LossCoefs): number {
    const B = mb.size, eps = c.clipCoef;
    const values = this.pass.values, dValues = this.pass.dValues, vs = this.pass.valueStride, v0 = this.pass.valueOffset;
    let sum = 0;
    for (let b = 0; b < B; b++) {
      const v = values[v0 + b * vs]!, ret = mb.returns[b]!;
      const du = v - ret;
      let vLossMax = du * du, dv = du; // v_loss_unclipped and ½ its derivative
      if (c.clipVloss) {
        const vOld = mb.oldValues[b]!;
        const vClipped = vOld + Math.min(Math.max(v - vOld, -eps), eps);
        const vLossClipped = (vClipped - ret) * (vClipped - ret);
        if (vLossClipped > vLossMax) {
          vLossMax = vLossClipped;
          dv = 0; // v_clipped is flat in v here
        }
      }
      sum += 0.5 * vLossMax;
      dValues[v0 + b * vs] = (c.vfCoef * dv) / B;
    }
    return sum / B;
  }

  /**
   * d(pg_loss − entCoef·entropy_loss) / d logits, per head: dLogProb·(onehot(a) − p) + entCoef/B·p·(log p + H_h)
   * (the entropy's own derivative is −p·(log p + H_h)); masked logits get 0.
   */
  private logitGrads(mb: Minibatch, entScale: number): void {
    const B = mb.size, nvec = this.agent.nvec, K = nvec.length, L = this.agent.numLogits;
    const logits = this.pass.logits, dLogits = this.pass.dLogits, ls = this.pass.logitStride, masks = mb.masks;
    const { logZ: logZs, headEntropy, dLogProb } = this;
    for (let b = 0; b < B; b++) {
      const dLogp = dLogProb[b]!;
      for (let h = 0, o = b * ls, m = b * L; h < K; o += nvec[h]!, m += nvec[h]!, h++) {
        const n = nvec[h]!, a = mb.actions[b * K + h]!, logZ = logZs[b * K + h]!, Hh = headEntropy[b * K + h]!;
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
    }
  }

  private grow(B: number): void {
    const K = this.agent.numHeads;
    this.capacity = B;
    this.logZ = new Float64Array(B * K);
    this.headEntropy = new Float64Array(B * K);
    this.logRatio = new Float64Array(B);
    this.ratio = new Float64Array(B);
    this.dLogProb = new Float64Array(B);
  }
}
