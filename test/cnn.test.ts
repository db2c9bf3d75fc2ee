import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { CnnPass } from '../src/agents/kernels/cnn-pass.ts';
import { instantiateJsKernels } from '../src/agents/kernels/js-kernels.ts';
import { instantiateSimdKernels } from '../src/agents/kernels/wasm-simd.ts';
import { Cnn } from '../src/agents/nets/cnn.ts';
import { CnnActorCritic } from '../src/agents/ppo/agent.ts';
import { PpoLoss, type LossCoefs, type Minibatch } from '../src/agents/ppo/loss.ts';
import { finiteDiff } from './support/finite-diff.ts';

// ---- reference: the CNN in plain loops over doubles, straight from the definitions ----

interface RefActs {
  convs: Float64Array[]; // [B, outH, outW, outC] after ReLU
  dense: Float64Array[]; // [B, width] after ReLU
  logits: Float64Array; // [B, L]
  values: Float64Array; // [B]
}

function refForward(net: Cnn, x: Float32Array, B: number): RefActs {
  const convs: Float64Array[] = [];
  let input: ArrayLike<number> = x;
  for (const g of net.convs) {
    const out = new Float64Array(B * g.outH * g.outW * g.outC);
    for (let b = 0; b < B; b++) for (let y = 0; y < g.outH; y++) for (let xx = 0; xx < g.outW; xx++) for (let o = 0; o < g.outC; o++) {
      let s = g.b[o]!;
      for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) for (let c = 0; c < g.inC; c++) {
        s += input[((b * g.inH + y + ky) * g.inW + xx + kx) * g.inC + c]! * g.w[((ky * g.k + kx) * g.inC + c) * g.outC + o]!;
      }
      out[((b * g.outH + y) * g.outW + xx) * g.outC + o] = Math.max(0, s);
    }
    convs.push(out);
    input = out;
  }
  const dense: Float64Array[] = [];
  const lin = (inp: ArrayLike<number>, l: { w: Float32Array; b: Float32Array; inDim: number; outDim: number }, relu: boolean): Float64Array => {
    const out = new Float64Array(B * l.outDim);
    for (let b = 0; b < B; b++) for (let j = 0; j < l.outDim; j++) {
      let s = l.b[j]!;
      for (let i = 0; i < l.inDim; i++) s += inp[b * l.inDim + i]! * l.w[i * l.outDim + j]!;
      out[b * l.outDim + j] = relu ? Math.max(0, s) : s;
    }
    return out;
  };
  for (const l of net.dense) {
    input = lin(input, l, true);
    dense.push(input as Float64Array);
  }
  return { convs, dense, logits: lin(input, net.actorHead, false), values: lin(input, net.criticHead, false) };
}

/** Parameter gradients (Cnn.params() order) of Σ dLogits·logits + Σ dValues·values, by the chain rule. */
function refBackward(net: Cnn, x: Float32Array, B: number, a: RefActs, dLogits: Float64Array, dValues: Float64Array): Float64Array[] {
  const grads: Float64Array[] = [];
  const last = a.dense.at(-1) ?? a.convs.at(-1)!;
  const H = net.actorHead.inDim;
  const dLast = new Float64Array(B * H);
  const headGrads = ([[net.actorHead, dLogits], [net.criticHead, dValues]] as const).map(([l, dz]) => {
    const dW = new Float64Array(l.inDim * l.outDim), db = new Float64Array(l.outDim);
    for (let b = 0; b < B; b++) for (let j = 0; j < l.outDim; j++) {
      const g = dz[b * l.outDim + j]!;
      db[j] += g;
      for (let i = 0; i < H; i++) {
        dW[i * l.outDim + j] += last[b * H + i]! * g;
        dLast[b * H + i] += g * l.w[i * l.outDim + j]!;
      }
    }
    return [dW, db];
  });
  // Back through the dense layers (ReLU' = [h > 0]).
  let dh = dLast;
  const denseGrads: Float64Array[][] = [];
  for (let d = net.dense.length - 1; d >= 0; d--) {
    const l = net.dense[d]!, h = a.dense[d]!, inp = d > 0 ? a.dense[d - 1]! : a.convs.at(-1)!;
    const dW = new Float64Array(l.inDim * l.outDim), db = new Float64Array(l.outDim), dIn = new Float64Array(B * l.inDim);
    for (let b = 0; b < B; b++) for (let j = 0; j < l.outDim; j++) {
      const g = h[b * l.outDim + j]! > 0 ? dh[b * l.outDim + j]! : 0;
      db[j] += g;
      for (let i = 0; i < l.inDim; i++) {
        dW[i * l.outDim + j] += inp[b * l.inDim + i]! * g;
        dIn[b * l.inDim + i] += g * l.w[i * l.outDim + j]!;
      }
    }
    denseGrads.unshift([dW, db]);
    dh = dIn;
  }
  const convGrads: Float64Array[][] = [];
  for (let l = net.convs.length - 1; l >= 0; l--) {
    const g = net.convs[l]!, h = a.convs[l]!, inp: ArrayLike<number> = l > 0 ? a.convs[l - 1]! : x;
    const dW = new Float64Array(g.w.length), db = new Float64Array(g.outC), dIn = new Float64Array(B * g.inH * g.inW * g.inC);
    for (let b = 0; b < B; b++) for (let y = 0; y < g.outH; y++) for (let xx = 0; xx < g.outW; xx++) for (let o = 0; o < g.outC; o++) {
      const at = ((b * g.outH + y) * g.outW + xx) * g.outC + o;
      const gz = h[at]! > 0 ? dh[at]! : 0;
      db[o] += gz;
      for (let ky = 0; ky < g.k; ky++) for (let kx = 0; kx < g.k; kx++) for (let c = 0; c < g.inC; c++) {
        const ii = ((b * g.inH + y + ky) * g.inW + xx + kx) * g.inC + c, wi = ((ky * g.k + kx) * g.inC + c) * g.outC + o;
        dW[wi] += inp[ii]! * gz;
        dIn[ii] += gz * g.w[wi]!;
      }
    }
    convGrads.unshift([dW, db]);
    dh = dIn;
  }
  grads.push(...convGrads.flat(), ...denseGrads.flat(), ...headGrads.flat());
  return grads;
}

function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0, scale = 1e-12;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return diff / scale;
}

/** Random image batch: one-hot-ish cells plus noise, so ReLUs are on and off. */
function images(B: number, shape: readonly number[], rng: Rng): Float32Array {
  return Float32Array.from({ length: B * shape[0]! * shape[1]! * shape[2]! }, () => (rng.random() < 0.3 ? 1 : 0) + 0.3 * rng.normal());
}

const CASES = [
  { shape: [5, 5, 13], channels: [16, 32], hidden: [64], L: 5, B: 7 }, // KeyDoorTreasure size 5 image
  { shape: [8, 8, 13], channels: [16, 32], hidden: [64, 64], L: 5, B: 16 },
  { shape: [6, 7, 3], channels: [5, 11], hidden: [9], L: 4, B: 5 }, // widths and channels the tiles don't fit
  { shape: [4, 4, 2], channels: [3], hidden: [], L: 3, B: 1 }, // heads straight on the flatten
  { shape: [7, 9, 4], channels: [8, 6, 8], hidden: [12], L: 7, B: 9 },
];

describe('CNN pass (im2col + gemm)', () => {
  it('im2col gathers the 3×3 patches, and col2im is its adjoint: <im2col(x), y> = <x, col2im(y)> (both kernels)', () => {
    const rng = new Rng(1);
    const [n, H, W, C, k] = [2, 5, 6, 3, 3], Ho = H - 2, Wo = W - 2, P = Ho * Wo, rowW = 32; // rows padded past k·k·C = 27
    for (const kernels of [instantiateSimdKernels(1 << 16), instantiateJsKernels(1 << 16)]) {
      const f = new Float32Array(kernels.memory.buffer);
      // Contiguous channels (one piece of k·C per kernel row) and padded ones (srcC = 4 > C: k pieces of C).
      for (const srcC of [C, 4]) {
        f.fill(0);
        const [img, cols, back] = [0, 1024, 4096]; // float offsets
        const x = Float32Array.from({ length: n * H * W * srcC }, () => rng.normal());
        f.set(x, img);
        const [len, reps] = srcC === C ? [4 * k * C, 1] : [4 * C, k];
        kernels.im2col(4 * img, 4 * cols, n, H, W, Ho, Wo, k, 4 * srcC, len, reps, 4 * rowW);
        for (let b = 0; b < n; b++) for (let y = 0; y < Ho; y++) for (let xx = 0; xx < Wo; xx++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) for (let c = 0; c < C; c++) {
          expect(f[cols + ((b * Ho + y) * Wo + xx) * rowW + (ky * k + kx) * C + c]).toBe(x[((b * H + y + ky) * W + xx + kx) * srcC + c]);
        }
        const yv = Float32Array.from({ length: n * P * rowW }, () => rng.normal());
        let lhs = 0;
        for (let r = 0; r < n * P; r++) for (let c = 0; c < 27; c++) lhs += f[cols + r * rowW + c]! * yv[r * rowW + c]!;
        f.set(yv, cols);
        kernels.col2im(4 * back, 4 * cols, n, H, W, Ho, Wo, k, 4 * srcC, len, reps, 4 * rowW);
        let rhs = 0;
        for (let i = 0; i < x.length; i++) {
          if (i % srcC < C) rhs += x[i]! * f[back + i]!;
          else expect(f[back + i]).toBe(0); // padded channels are not touched
        }
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));
      }
    }
  });

  it('the JS kernels compute what the SIMD kernels do (gemm in both layouts, relu, reluGrad)', () => {
    const rng = new Rng(2);
    const w = instantiateSimdKernels(1 << 16), j = instantiateJsKernels(1 << 16);
    const fw = new Float32Array(w.memory.buffer), fj = new Float32Array(j.memory.buffer);
    for (let i = 0; i < 8192; i++) fw[i] = fj[i] = rng.normal();
    for (const k of [w, j]) {
      k.gemm(0, 4 * 9, 4, 4096, 4 * 16, 8192 * 4, 4 * 16, 12000, 8, 16, 9);
      k.gemm(0, 4, 4 * 12, 4096, 4 * 16, 9000 * 4, 4 * 16, 12000, 12, 16, 5);
      k.relu(4 * 200, 64);
      k.reluGrad(4 * 400, 4 * 200, 64);
    }
    expect(relErr(fj.subarray(8192, 8192 + 128), fw.subarray(8192, 8192 + 128))).toBeLessThan(1e-6);
    expect(relErr(fj.subarray(9000, 9000 + 192), fw.subarray(9000, 9000 + 192))).toBeLessThan(1e-6);
    expect(fj.subarray(200, 264)).toEqual(fw.subarray(200, 264));
    expect(fj.subarray(400, 464)).toEqual(fw.subarray(400, 464));
    expect(Math.min(...fw.subarray(200, 264))).toBe(0);
  });

  for (const kernels of ['wasm', 'js'] as const) {
    it(`forward and backward match the reference loops (${kernels} kernels, odd sizes, padded batches)`, () => {
      const rng = new Rng(3);
      for (const { shape, channels, hidden, L, B } of CASES) {
        const net = new Cnn(shape, channels, hidden, L, new Rng(5));
        // Heads with larger weights than the 0.01 init, so their gradients reach the torso visibly.
        net.actorHead.w.forEach((_, i, a) => (a[i] = 0.3 * rng.normal()));
        for (const p of net.params()) if (p.every((v) => v === 0)) p.forEach((_, i, a) => (a[i] = 0.1 * rng.normal())); // the biases
        const pass = new CnnPass(net, kernels);
        pass.forward(images(B + 6, shape, rng), B + 6); // a larger batch first: its rows must not leak into the next
        const x = images(B, shape, rng);
        pass.forward(x, B);
        const ref = refForward(net, x, B);
        const S = pass.stride, logits = new Float64Array(B * L), values = new Float64Array(B);
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < L; j++) logits[b * L + j] = pass.out[b * S + j]!;
          values[b] = pass.out[b * S + pass.valueCol]!;
        }
        const what = `${kernels} ${shape.join('×')} [${channels}] [${hidden}] B=${B}`;
        expect(relErr(logits, ref.logits), what).toBeLessThan(1e-5);
        expect(relErr(values, ref.values), what).toBeLessThan(1e-5);
        const dLogits = Float64Array.from({ length: B * L }, () => rng.normal()), dValues = Float64Array.from({ length: B }, () => rng.normal());
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < L; j++) pass.dOut[b * S + j] = dLogits[b * L + j]!;
          pass.dOut[b * S + pass.valueCol] = dValues[b]!;
        }
        const grads = net.params().map((p) => new Float32Array(p.length).fill(NaN));
        pass.backward(B, grads);
        const refGrads = refBackward(net, x, B, ref, dLogits, dValues);
        grads.forEach((g, t) => expect(relErr(g, refGrads[t]!), `${what}, gradient ${t}`).toBeLessThan(1e-5));
      }
    });
  }

  it('acting (CnnActorCritic.act / value) matches the reference forward for 1 row and many', () => {
    const rng = new Rng(6);
    const agent = new CnnActorCritic([6, 6, 13], [3, 2], [16, 32], [64], 4);
    agent.net.actorHead.w.forEach((_, i, a) => (a[i] = rng.normal()));
    for (const rows of [1, 4, 37]) {
      const x = images(rows, agent.obsShape, rng);
      const ref = refForward(agent.net, x, rows);
      const actions = new Int32Array(rows * 2), logp = new Float32Array(rows), values = new Float32Array(rows);
      agent.act(x, rows, rng, actions, logp, values, true);
      expect(relErr(values, ref.values)).toBeLessThan(1e-5);
      for (let r = 0; r < rows; r++) {
        const row = ref.logits.subarray(r * 5, r * 5 + 5);
        const head1 = [...row.subarray(0, 3)], head2 = [...row.subarray(3)];
        expect(actions[r * 2]).toBe(head1.indexOf(Math.max(...head1)));
        expect(actions[r * 2 + 1]).toBe(head2.indexOf(Math.max(...head2)));
      }
      const v = new Float32Array(rows);
      agent.value(x, rows, v);
      expect(v).toEqual(values);
    }
  });
});

describe('CNN in the PPO loss', () => {
  function minibatch(agent: CnnActorCritic, B: number, rng: Rng, masked: boolean): Minibatch {
    const L = agent.numLogits, K = agent.numHeads;
    const masks = masked ? new Uint8Array(B * L).fill(1) : null;
    if (masks) for (let b = 0; b < B; b++) masks[b * L + rng.integer(agent.nvec[0]!)] = 0;
    const actions = new Int32Array(B * K);
    for (let b = 0; b < B; b++) {
      for (let h = 0, o = 0; h < K; o += agent.nvec[h]!, h++) {
        let a = rng.integer(agent.nvec[h]!);
        while (masks && !masks[b * L + o + a]) a = rng.integer(agent.nvec[h]!);
        actions[b * K + h] = a;
      }
    }
    return {
      size: B, obs: images(B, agent.obsShape, rng), actions, masks,
      oldLogProbs: Float32Array.from({ length: B }, () => -1.5 + 0.4 * rng.normal()),
      advantages: Float32Array.from({ length: B }, () => rng.normal()),
      returns: Float32Array.from({ length: B }, () => rng.normal()),
      oldValues: Float32Array.from({ length: B }, () => 0.3 * rng.normal()),
    };
  }

  it('the loss gradient matches finite differences (multi-head, masked, clipping active)', () => {
    const rng = new Rng(7);
    // Float64 would be nicer; float32 parameters and ReLU kinks limit the step, hence a few-% tolerance.
    const agent = new CnnActorCritic([5, 5, 4], [3, 2], [4, 6], [8], 2);
    agent.net.actorHead.w.forEach((_, i, a) => (a[i] = 0.5 * rng.normal()));
    const loss = new PpoLoss(agent);
    const mb = minibatch(agent, 12, rng, true);
    const coefs: LossCoefs = { clipCoef: 0.2, clipVloss: true, entCoef: 0.05, vfCoef: 0.5 };
    const params = agent.params();
    const grads = params.map((p) => new Float32Array(p.length));
    const base = loss.run(mb, coefs, grads);
    expect(base.clipFrac).toBeGreaterThan(0);
    const checks = finiteDiff(params, grads, () => loss.run(mb, coefs, null).loss, 1e-3, 3);
    // A ReLU or clip kink inside ±h can spoil a single difference; allow very few.
    const bad = checks.filter(({ numeric, analytic }) => Math.abs(numeric - analytic) > 2e-4 + 0.02 * Math.abs(numeric)).length;
    const checked = checks.length;
    expect(checked).toBeGreaterThan(100);
    expect(bad).toBeLessThanOrEqual(Math.ceil(0.01 * checked));
  });

  it('the wasm and JS kernels give the same loss and gradients, and a pass is allocation-free after warm-up', () => {
    const rng = new Rng(8);
    const agent = new CnnActorCritic([8, 8, 13], 5, [16, 32], [64], 3);
    const mb = minibatch(agent, 128, rng, false);
    const coefs: LossCoefs = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5 };
    const gw = agent.params().map((p) => new Float32Array(p.length)), gj = agent.params().map((p) => new Float32Array(p.length));
    const lw = new PpoLoss(agent, 'wasm'), lj = new PpoLoss(agent, 'js');
    const sw = lw.run(mb, coefs, gw), sj = lj.run(mb, coefs, gj);
    expect(Math.abs(sw.loss - sj.loss)).toBeLessThan(1e-5);
    gw.forEach((g, t) => expect(relErr(g, gj[t]!)).toBeLessThan(1e-4));
    // Same buffers on the next minibatch of the same (or a smaller) size: nothing reallocated.
    const out = (lw as unknown as { pass: { p: CnnPass } }).pass.p.out;
    lw.run(minibatch(agent, 128, rng, false), coefs, gw);
    lw.run(minibatch(agent, 100, rng, false), coefs, gw);
    expect((lw as unknown as { pass: { p: CnnPass } }).pass.p.out).toBe(out);
  });
});
