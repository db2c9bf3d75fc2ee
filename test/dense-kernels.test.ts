import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { denseForward, denseGradInput, denseGradParams, tanh32 } from '../src/agents/kernels/dense.ts';
import { instantiateSimdKernels, wasmSimdSupported } from '../src/agents/kernels/wasm-simd.ts';
import type { DenseParams } from '../src/agents/nets/mlp.ts';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
import { PpoLoss, type LossCoefs, type LossStats, type Minibatch } from '../src/agents/ppo/loss.ts';

// ---- reference: the plain triple loops (Math.tanh, one output at a time) the blocked kernels replace ----

function refDense(input: ArrayLike<number>, { w, b, inDim, outDim }: DenseParams, B: number, tanh: boolean): Float64Array {
  const out = new Float64Array(B * outDim);
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < outDim; j++) {
      let s = b[j]!;
      for (let k = 0; k < inDim; k++) s += input[r * inDim + k]! * w[k * outDim + j]!;
      out[r * outDim + j] = tanh ? Math.tanh(s) : s;
    }
  }
  return out;
}

/** Activations of every layer: tanh hidden layers, linear head. */
function refForward(layers: readonly DenseParams[], x: Float32Array, B: number): Float64Array[] {
  const acts: Float64Array[] = [];
  layers.forEach((l, li) => acts.push(refDense(li === 0 ? x : acts[li - 1]!, l, B, li < layers.length - 1)));
  return acts;
}

/** dOut [B, outDim of the head] → parameter gradients (W0, b0, …), straight from the chain rule. */
function refBackward(layers: readonly DenseParams[], x: Float32Array, acts: Float64Array[], dOut: Float64Array, B: number): Float64Array[] {
  const pg: Float64Array[] = [];
  let dz = dOut;
  for (let li = layers.length - 1; li >= 0; li--) {
    const { w, inDim, outDim } = layers[li]!;
    const input: ArrayLike<number> = li === 0 ? x : acts[li - 1]!;
    const dW = new Float64Array(inDim * outDim), db = new Float64Array(outDim), dx = new Float64Array(B * inDim);
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < outDim; j++) {
        const g = dz[r * outDim + j]!;
        db[j] += g;
        for (let k = 0; k < inDim; k++) {
          dW[k * outDim + j] += input[r * inDim + k]! * g;
          dx[r * inDim + k] += g * w[k * outDim + j]!;
        }
      }
    }
    if (li > 0) for (let i = 0; i < dx.length; i++) dx[i] *= 1 - input[i]! ** 2;
    pg.unshift(dW, db);
    dz = dx;
  }
  return pg;
}

/** CleanRL's PPO loss with the same per-sample terms as loss.ts, in doubles. */
function refLoss(agent: ActorCritic, mb: Minibatch, c: LossCoefs): { stats: LossStats; grads: Float64Array[] } {
  const B = mb.size, A = agent.numLogits, eps = c.clipCoef;
  const aActs = refForward(agent.actor.layers, mb.obs, B), cActs = refForward(agent.critic.layers, mb.obs, B);
  const logits = aActs.at(-1)!, values = cActs.at(-1)!;
  const dLogits = new Float64Array(B * A), dValues = new Float64Array(B);
  let pg = 0, vl = 0, ent = 0, oldKl = 0, kl = 0, clipped = 0;
  for (let b = 0; b < B; b++) {
    const row = Array.from(logits.subarray(b * A, b * A + A));
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((s, l) => s + Math.exp(l - max), 0));
    const logp = row.map((l) => l - logZ), p = logp.map(Math.exp);
    const H = -p.reduce((s, pj, j) => s + pj * logp[j]!, 0);
    const a = mb.actions[b]!, logRatio = logp[a]! - mb.oldLogProbs[b]!, ratio = Math.exp(logRatio), adv = mb.advantages[b]!;
    const l1 = -adv * ratio, l2 = -adv * Math.min(Math.max(ratio, 1 - eps), 1 + eps);
    pg += Math.max(l1, l2);
    const dLogp = l1 >= l2 ? l1 / B : 0;
    for (let j = 0; j < A; j++) dLogits[b * A + j] = dLogp * ((j === a ? 1 : 0) - p[j]!) + (c.entCoef / B) * p[j]! * (logp[j]! + H);
    ent += H;
    oldKl -= logRatio;
    kl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > eps) clipped++;
    const v = values[b]!, ret = mb.returns[b]!, vOld = mb.oldValues[b]!;
    // v itself when within ε of V_old (avoids a rounding tie deciding the branch), else V_old ± ε.
    const vc = Math.abs(v - vOld) <= eps ? v : vOld + Math.sign(v - vOld) * eps;
    const unclippedWins = !c.clipVloss || (v - ret) ** 2 >= (vc - ret) ** 2;
    vl += 0.5 * (unclippedWins ? (v - ret) ** 2 : (vc - ret) ** 2);
    dValues[b] = unclippedWins ? (c.vfCoef * (v - ret)) / B : 0;
  }
  const grads = [...refBackward(agent.actor.layers, mb.obs, aActs, dLogits, B), ...refBackward(agent.critic.layers, mb.obs, cActs, dValues, B)];
  const policyLoss = pg / B, valueLoss = vl / B, entropy = ent / B;
  return {
    stats: { loss: policyLoss - c.entCoef * entropy + c.vfCoef * valueLoss, policyLoss, valueLoss, entropy, oldApproxKl: oldKl / B, approxKl: kl / B, clipFrac: clipped / B },
    grads,
  };
}

function randomMinibatch(B: number, D: number, A: number, rng: Rng): Minibatch {
  return {
    size: B,
    obs: Float32Array.from({ length: B * D }, () => 1.5 * rng.normal()),
    actions: Int32Array.from({ length: B }, () => rng.integer(A)),
    masks: null, oldLogProbs: Float32Array.from({ length: B }, () => Math.log(1 / A) + 0.3 * rng.normal()),
    advantages: Float32Array.from({ length: B }, () => rng.normal()),
    returns: Float32Array.from({ length: B }, () => rng.normal()),
    oldValues: Float32Array.from({ length: B }, () => 0.3 * rng.normal()),
  };
}

/** max |a − ref| relative to max |ref| (so near-zero entries don't blow up the ratio). */
function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0, scale = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

describe('dense kernels', () => {
  it('tanh32 is within a float32 ulp of Math.tanh, odd, and saturates to ±1', () => {
    let worst = 0, odd = true;
    for (let i = 0; i <= 400_000; i++) {
      const x = -12 + (24 * i) / 400_000;
      const t = Math.tanh(x);
      if (t !== 0) worst = Math.max(worst, Math.abs(tanh32(x) / t - 1));
      odd &&= tanh32(-x) === -tanh32(x);
    }
    expect(odd).toBe(true);
    expect(worst).toBeLessThan(6e-8); // half a float32 ulp: the float32-rounded results differ by ≤ 1 ulp
    expect(Math.abs(tanh32(1e-30) / 1e-30 - 1)).toBeLessThan(6e-8);
    expect(tanh32(50)).toBe(1);
    expect(tanh32(-Infinity)).toBe(-1);
  });

  it('the blocked kernels match the triple loops for every tile remainder (odd rows, odd widths)', () => {
    const rng = new Rng(7);
    for (const [rows, inDim, outDim] of [[1, 4, 64], [2, 3, 5], [7, 6, 9], [16, 64, 64], [5, 64, 2], [4, 5, 1]] as const) {
      const x = Float32Array.from({ length: rows * inDim }, () => rng.normal());
      const h = Float32Array.from({ length: rows * inDim }, () => Math.tanh(rng.normal()));
      const w = Float32Array.from({ length: inDim * outDim }, () => rng.normal() / Math.sqrt(inDim));
      const b = Float32Array.from({ length: outDim }, () => 0.1 * rng.normal());
      const dz = Float32Array.from({ length: rows * outDim }, () => rng.normal());
      for (const tanh of [false, true]) {
        const out = new Float32Array(rows * outDim);
        denseForward(x, w, b, out, rows, inDim, outDim, tanh);
        expect(relErr(out, refDense(x, { w, b, inDim, outDim }, rows, tanh))).toBeLessThan(1e-6);
      }
      const dW = new Float32Array(inDim * outDim), db = new Float32Array(outDim), dx = new Float32Array(rows * inDim);
      denseGradParams(x, dz, dW, db, rows, inDim, outDim);
      denseGradInput(dz, w, h, dx, rows, inDim, outDim);
      const refDW = new Float64Array(inDim * outDim), refDb = new Float64Array(outDim), refDx = new Float64Array(rows * inDim);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < outDim; j++) {
          refDb[j] += dz[r * outDim + j]!;
          for (let k = 0; k < inDim; k++) {
            refDW[k * outDim + j] += x[r * inDim + k]! * dz[r * outDim + j]!;
            refDx[r * inDim + k] += dz[r * outDim + j]! * w[k * outDim + j]! * (1 - h[r * inDim + k]! ** 2);
          }
        }
      }
      expect(relErr(dW, refDW)).toBeLessThan(1e-6);
      expect(relErr(db, refDb)).toBeLessThan(1e-6);
      expect(relErr(dx, refDx)).toBeLessThan(1e-6);
    }
  });

  it('the WebAssembly SIMD kernels: gemm in both stride layouts, tanh bit-identical to tanh32, tanhGrad', () => {
    expect(wasmSimdSupported()).toBe(true); // Node ≥ 16.4 has WebAssembly SIMD
    const k = instantiateSimdKernels(1 << 20);
    const f = new Float32Array(k.memory.buffer);
    const rng = new Rng(3);
    const [M, N, K] = [12, 24, 7];
    const [a, b, c, bias] = [0, 4096, 8192, 12288]; // byte offsets
    for (let i = 0; i < 4096; i++) f[i] = rng.normal();
    // C = bias + A·B with A [M, K] row-major, then C' = Aᵀ·B' with A read as [K, M] (A's strides swapped).
    k.gemm(a, 4 * K, 4, b, 4 * N, c, 4 * N, bias, M, N, K);
    let worst = 0;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let sum = f[bias / 4 + j]!;
      for (let p = 0; p < K; p++) sum += f[a / 4 + i * K + p]! * f[b / 4 + p * N + j]!;
      worst = Math.max(worst, Math.abs(f[c / 4 + i * N + j]! - sum));
    }
    expect(worst).toBeLessThan(1e-5);
    k.gemm(a, 4, 4 * 8, b, 4 * N, c, 4 * N, bias, 8, N, 5); // A as [5 rows, stride 8], summed over its rows
    worst = 0;
    for (let i = 0; i < 8; i++) for (let j = 0; j < N; j++) {
      let sum = f[bias / 4 + j]!;
      for (let p = 0; p < 5; p++) sum += f[a / 4 + p * 8 + i]! * f[b / 4 + p * N + j]!;
      worst = Math.max(worst, Math.abs(f[c / 4 + i * N + j]! - sum));
    }
    expect(worst).toBeLessThan(1e-5);

    const n = 1 << 14, x = Float32Array.from({ length: n }, () => 6 * rng.normal());
    const [hOff, dOff] = [1 << 17, 1 << 18]; // two 64 KiB regions
    f.set(x, hOff / 4);
    k.tanh(hOff, n);
    const h = f.slice(hOff / 4, hOff / 4 + n);
    expect(h).toEqual(x.map(tanh32));
    f.set(x, dOff / 4);
    k.tanhGrad(dOff, hOff, n);
    expect(relErr(f.subarray(dOff / 4, dOff / 4 + n), x.map((v, i) => v * (1 - h[i]! ** 2)))).toBeLessThan(1e-6);
  });

  it('Mlp.forward matches the reference for acting batch sizes and beyond one chunk', () => {
    const agent = new ActorCritic(4, 2, [64, 64], 5);
    const odd = new ActorCritic(5, 3, [6, 16], 5); // widths the SIMD tiles don't fit go through the JS kernel
    const rng = new Rng(1);
    for (const rows of [1, 3, 4, 16, 150]) {
      for (const a of [agent, odd]) {
        const x = Float32Array.from({ length: rows * a.obsDim }, () => rng.normal());
        expect(relErr(a.actor.forward(x, rows), refForward(a.actor.layers, x, rows).at(-1)!)).toBeLessThan(1e-5);
        expect(relErr(a.critic.forward(x, rows), refForward(a.critic.layers, x, rows).at(-1)!)).toBeLessThan(1e-5);
      }
    }
  });

  it('PpoLoss matches the reference loss and gradients to 1e-5, with the SIMD and the JS kernels', () => {
    const rng = new Rng(4);
    const cases = [
      { D: 4, A: 2, hidden: [64, 64], B: 128 }, // CartPole
      { D: 4, A: 3, hidden: [6, 5], B: 17 }, // odd sizes: every remainder and padding path
      { D: 7, A: 5, hidden: [32], B: 1 },
    ];
    for (const kernels of ['wasm', 'js'] as const) {
      for (const { D, A, hidden, B } of cases) {
        const agent = new ActorCritic(D, A, hidden, 9);
        // Larger head weights than the 0.01 init, so the policy gradient is not tiny and clipping happens.
        agent.actor.layers.at(-1)!.w.forEach((_, i, w) => (w[i] = 0.5 * rng.normal()));
        const loss = new PpoLoss(agent, kernels);
        // A larger minibatch first: the buffers must not leak its rows into the smaller ones after it.
        loss.run(randomMinibatch(B + 9, D, A, rng), { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5 }, agent.params().map((p) => new Float32Array(p.length)));
        const mb = randomMinibatch(B, D, A, rng);
        for (const coefs of [{ clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5 }, { clipCoef: 0.1, clipVloss: false, entCoef: 0.05, vfCoef: 1 }]) {
          const grads = agent.params().map((p) => new Float32Array(p.length));
          const stats = loss.run(mb, coefs, grads);
          const ref = refLoss(agent, mb, coefs);
          if (B > 1) expect(stats.clipFrac).toBeGreaterThan(0); // both surrogate branches are exercised
          for (const key of Object.keys(ref.stats) as (keyof LossStats)[]) {
            expect(Math.abs(stats[key] - ref.stats[key])).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.stats[key])));
          }
          grads.forEach((g, t) => expect(relErr(g, ref.grads[t]!), `${kernels}, D=${D} hidden=${hidden.join(',')} B=${B}, gradient ${t}`).toBeLessThan(1e-5));
        }
      }
    }
  });
});
