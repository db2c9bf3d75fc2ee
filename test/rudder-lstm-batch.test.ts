import { describe, expect, it } from 'vitest';
import { wasmSimdSupported } from '../src/agents/kernels/wasm-simd.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { Lstm, type LstmConfig } from '../src/rudder/lstm.ts';
import { LstmBatch } from '../src/rudder/lstm-batch.ts';
import { ReturnDecomposition, type EpisodeSample } from '../src/rudder/return-decomposition.ts';
import { finiteDiff } from './support/finite-diff.ts';

const VARIANTS: [string, Omit<LstmConfig, 'inputDim' | 'units'>][] = [
  ['canonical', {}],
  ['output gate', { outputGate: true }],
  ['output + forget gates', { outputGate: true, forgetGate: true }],
  ['fully connected', { fullyConnected: true }],
  ['fully connected, forget gate', { fullyConnected: true, forgetGate: true }],
  ['fully connected, all gates, 3 outputs', { fullyConnected: true, forgetGate: true, outputGate: true, outputs: 3 }],
  ['fully connected, recurrent gradient clipped', { fullyConnected: true, recurrentGradClip: 0.05 }],
];
const KERNELS = wasmSimdSupported() ? (['wasm', 'js'] as const) : (['js'] as const);

/** Moves every parameter off its init (biases into the gates' sensitive range), so every path carries gradient. */
function perturb(lstm: Lstm, rng: Rng): void {
  for (const [k, p] of lstm.params().entries()) {
    const bias = lstm.paramNames()[k]!.startsWith('b_');
    for (let i = 0; i < p.length; i++) p[i] = bias ? 0.5 * rng.normal() : p[i]! + 0.2 * rng.normal();
  }
}

function sequences(lengths: number[], D: number, rng: Rng): Float32Array[] {
  return lengths.map((L) => {
    const x = Float32Array.from({ length: L * D }, () => rng.normal());
    for (let i = 0; i < x.length; i += 3) x[i] = 0; // Δ-state-like zeros
    return x;
  });
}

/** max |a − b| / (1 + max |b|) over all entries: a relative error robust to near-zero entries. */
function relErr(a: Float32Array[], b: Float32Array[]): number {
  let scale = 0, err = 0;
  for (let k = 0; k < b.length; k++) {
    for (let i = 0; i < b[k]!.length; i++) {
      scale = Math.max(scale, Math.abs(b[k]![i]!));
      err = Math.max(err, Math.abs(a[k]![i]! - b[k]![i]!));
    }
  }
  return err / Math.max(1e-12, scale);
}

describe('LstmBatch: the batched pass equals Lstm.forward/backward sequence by sequence', () => {
  for (const kernels of KERNELS) {
    for (const [name, v] of VARIANTS) {
      it(`${name} (${kernels} kernels), variable lengths`, () => {
        const rng = new Rng(11);
        const D = 5, H = 6; // widths off the kernels' multiples of 4 and 8
        const lstm = new Lstm({ inputDim: D, units: H, seed: 3, ...v });
        perturb(lstm, rng);
        const K = lstm.outputs;
        const lengths = [9, 1, 13, 4, 13, 7]; // 6 sequences: rows padded to 8, ties, a length-1 one
        const xs = sequences(lengths, D, rng);
        const coefs = lengths.map((L) => Float32Array.from({ length: L * K }, () => rng.normal()));
        // Reference: one sequence at a time.
        const ref = lstm.params().map((p) => new Float32Array(p.length));
        const yRef = lengths.map((L) => new Float32Array(L * K));
        lengths.forEach((L, b) => {
          lstm.forward(xs[b]!, L, yRef[b]!);
          lstm.backward(coefs[b]!, ref);
        });
        const pass = new LstmBatch(lstm, { kernels });
        expect(pass.kernels).toBe(kernels);
        const got = lstm.params().map((p) => new Float32Array(p.length));
        // Twice: the second pass reuses the buffers (stale values from the first must not leak in).
        for (let rep = 0; rep < 2; rep++) {
          got.forEach((g) => g.fill(0));
          pass.forward(xs, lengths);
          let yErr = 0;
          lengths.forEach((L, b) => {
            for (let t = 0; t < L; t++) {
              for (let k = 0; k < K; k++) {
                yErr = Math.max(yErr, Math.abs(pass.out[pass.index(b, t) + k]! - yRef[b]![t * K + k]!));
                pass.dOut[pass.index(b, t) + k] = coefs[b]![t * K + k]!;
              }
            }
          });
          expect(yErr).toBeLessThan(2e-5);
          pass.backward(got);
          expect(relErr(got, ref)).toBeLessThan(5e-5);
        }
      });
    }
  }

  it('a smaller batch after a larger one, and a larger after, on the same pass', () => {
    const rng = new Rng(5);
    const lstm = new Lstm({ inputDim: 4, units: 8, fullyConnected: true, forgetGate: true, seed: 1 });
    perturb(lstm, rng);
    const pass = new LstmBatch(lstm);
    for (const lengths of [[20, 3, 11, 8, 8], [2, 6], [30, 30, 1, 5, 9, 12, 2, 2, 17]]) {
      const xs = sequences(lengths, 4, rng);
      const ref = lstm.params().map((p) => new Float32Array(p.length));
      const y = new Float32Array(30);
      lengths.forEach((L, b) => {
        lstm.forward(xs[b]!, L, y);
        const dy = new Float32Array(L).fill(0);
        dy[L - 1] = 1;
        lstm.backward(dy, ref);
      });
      const got = lstm.params().map((p) => new Float32Array(p.length));
      pass.forward(xs, lengths);
      lengths.forEach((L, b) => (pass.dOut[pass.index(b, L - 1)] = 1));
      pass.backward(got);
      expect(relErr(got, ref)).toBeLessThan(5e-5);
    }
  });

  for (const [name, v] of [VARIANTS[0]!, VARIANTS[5]!]) {
    it(`finite differences on a tiny net: ${name}`, () => {
      const rng = new Rng(2);
      const lstm = new Lstm({ inputDim: 3, units: 4, seed: 9, ...v });
      perturb(lstm, rng);
      const K = lstm.outputs, lengths = [5, 2, 7];
      const xs = sequences(lengths, 3, rng);
      const coefs = lengths.map((L) => Float32Array.from({ length: L * K }, () => rng.normal()));
      const pass = new LstmBatch(lstm);
      const f = (): number => {
        pass.forward(xs, lengths);
        let s = 0;
        lengths.forEach((L, b) => {
          for (let t = 0; t < L; t++) for (let k = 0; k < K; k++) s += coefs[b]![t * K + k]! * pass.out[pass.index(b, t) + k]!;
        });
        return s;
      };
      f();
      lengths.forEach((L, b) => {
        for (let t = 0; t < L; t++) for (let k = 0; k < K; k++) pass.dOut[pass.index(b, t) + k] = coefs[b]![t * K + k]!;
      });
      const grads = lstm.params().map((p) => new Float32Array(p.length));
      pass.backward(grads);
      const pairs = finiteDiff(lstm.params(), grads, f, 1e-2, 1);
      let nonzero = 0;
      for (const { numeric, analytic } of pairs) {
        expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(3e-3 * Math.max(1, Math.abs(analytic)));
        if (Math.abs(analytic) > 1e-4) nonzero++;
      }
      expect(nonzero).toBeGreaterThan(pairs.length / 3);
    });
  }
});

describe('ReturnDecomposition.trainBatch on the batched pass', () => {
  it('takes the same Adam step as the episode-by-episode loop', () => {
    const rng = new Rng(4);
    const cfg: LstmConfig = { inputDim: 6, units: 10, fullyConnected: true, forgetGate: true, outputGate: true, seed: 2 };
    const dcfg = { learningRate: 1e-3, maxGradNorm: 0.5, l2: 1e-6 };
    const batched = new ReturnDecomposition(cfg, dcfg);
    const looped = new ReturnDecomposition(cfg, dcfg);
    perturb(batched.lstm, new Rng(8));
    perturb(looped.lstm, new Rng(8));
    const batch: EpisodeSample[] = [12, 3, 25, 25, 8].map((L) => ({ inputs: sequences([L], 6, rng)[0]!, length: L, ret: 3 * rng.normal() }));
    for (let step = 0; step < 3; step++) {
      const lb = batched.trainBatch(batch);
      // The loop, as trainBatch ran before the batched pass: one episode at a time, then the same step.
      const grads = looped.lstm.params().map((p) => new Float32Array(p.length));
      const sum = { main: 0, aux: 0, total: 0 };
      for (const ep of batch) {
        const l = looped.loss(ep, grads, 1 / batch.length);
        sum.main += l.main / batch.length;
        sum.aux += l.aux / batch.length;
        sum.total += l.total / batch.length;
      }
      // The same L2, clip (0.5) and Adam step as trainBatch, by hand.
      expect(lb.main).toBeCloseTo(sum.main, 4);
      expect(lb.aux).toBeCloseTo(sum.aux, 4);
      expect(lb.total).toBeCloseTo(sum.total, 4);
      looped.lstm.params().forEach((p, k) => {
        const g = grads[k]!;
        if (!looped.lstm.paramNames()[k]!.startsWith('b_')) for (let i = 0; i < p.length; i++) g[i]! += 1e-6 * p[i]!;
      });
      let sq = 0;
      for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
      const coef = 0.5 / (Math.sqrt(sq) + 1e-6);
      looped.adam.update(grads, coef < 1 ? coef : 1);
      expect(relErr(batched.lstm.params(), looped.lstm.params())).toBeLessThan(1e-4);
    }
  });
});

describe('ReturnDecomposition: a gradient that overflows float32', () => {
  it('drops the Adam step and counts it, instead of writing NaN into every weight', () => {
    // No forget gate, c = 0 held by zero inputs and biases, recurrent weights 1: each step back multiplies
    // dL/dh by about 1 + ½·H·U, so 400 steps overflow (before the guard, the clip's 0·∞ made every weight NaN).
    const m = new ReturnDecomposition({ inputDim: 3, units: 4, outputGate: false, forgetGate: false, fullyConnected: true, init: 'atari', seed: 1 }, { maxGradNorm: 0.5, returnScale: 1 });
    const names = m.lstm.paramNames();
    m.lstm.params().forEach((p, k) => p.fill(names[k]!.startsWith('U_') || names[k] === 'W_y' ? 1 : 0));
    const before = m.lstm.params().map((p) => p.slice());
    const T = 400, inputs = new Float32Array(T * 3);
    m.trainBatch([{ inputs, length: T, ret: 1 }, { inputs, length: T, ret: 0 }]);
    const preds = new Float32Array(T);
    m.trainEpisode({ inputs, length: T, ret: 1 }, preds);
    expect(m.skippedSteps).toBe(2);
    expect(m.adam.step).toBe(0);
    expect(m.lstm.params()).toEqual(before);
    expect(preds.every(Number.isFinite)).toBe(true);
    // A short sequence's finite gradient still trains.
    m.trainBatch([{ inputs: inputs.subarray(0, 30), length: 10, ret: 1 }]);
    expect(m.adam.step).toBe(1);
    expect(m.skippedSteps).toBe(2);
  });

  it('with the recurrent gradient clipped, the same 400 steps train', () => {
    const m = new ReturnDecomposition({ inputDim: 3, units: 4, outputGate: false, forgetGate: false, fullyConnected: true, recurrentGradClip: 1, init: 'atari', seed: 1 }, { maxGradNorm: 0.5, returnScale: 1 });
    const names = m.lstm.paramNames();
    m.lstm.params().forEach((p, k) => p.fill(names[k]!.startsWith('U_') || names[k] === 'W_y' ? 1 : 0));
    const before = m.lstm.params().map((p) => p.slice());
    const T = 400, inputs = new Float32Array(T * 3);
    m.trainBatch([{ inputs, length: T, ret: 1 }, { inputs, length: T, ret: 0 }]);
    expect(m.skippedSteps).toBe(0);
    expect(m.adam.step).toBe(1);
    expect(m.lstm.params().every((p) => p.every(Number.isFinite))).toBe(true);
    expect(m.lstm.params()).not.toEqual(before);
    expect(() => new Lstm({ inputDim: 3, units: 4, recurrentGradClip: -1 })).toThrow(/recurrentGradClip must be ≥ 0/);
  });
});
