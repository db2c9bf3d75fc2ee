import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { encodeEpisode } from '../src/rudder/encode.ts';
import { Lstm, type LstmConfig } from '../src/rudder/lstm.ts';
import { ReturnDecomposition, type EpisodeSample } from '../src/rudder/return-decomposition.ts';
import { finiteDiff } from './support/finite-diff.ts';

function randomInputs(T: number, D: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: T * D }, () => rng.normal());
}

function expectClose(pairs: { numeric: number; analytic: number }[], tol: number): void {
  expect(pairs.length).toBeGreaterThan(10);
  let nonzero = 0;
  for (const { numeric, analytic } of pairs) {
    expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(analytic)));
    if (Math.abs(analytic) > 1e-4) nonzero++;
  }
  expect(nonzero).toBeGreaterThan(pairs.length / 3); // the check is not passing on zeros
}

describe('RUDDER LSTM: BPTT against finite differences', () => {
  const cases: [string, LstmConfig][] = [
    ['canonical (cell input ← x, input gate ← h, no forget/output gate)', { inputDim: 3, units: 4, seed: 1 }],
    ['output and forget gates, fully connected, two output units', { inputDim: 3, units: 4, outputs: 2, outputGate: true, forgetGate: true, fullyConnected: true, seed: 2 }],
  ];
  for (const [name, cfg] of cases) {
    it(name, () => {
      const lstm = new Lstm(cfg);
      const rng = new Rng(7);
      // Biases off their init so every gate is in its sensitive range and the check has something to find.
      for (const [k, p] of lstm.params().entries()) if (lstm.paramNames()[k]!.startsWith('b_')) p.forEach((_, i, a) => (a[i] = 0.5 * rng.normal()));
      for (const p of lstm.params()) p.forEach((_, i, a) => (a[i] += 0.3 * rng.normal()));
      const T = 7, K = lstm.outputs;
      const x = randomInputs(T, cfg.inputDim, rng);
      for (let i = 0; i < x.length; i += 3) x[i] = 0; // zeros take the sparse-input path, as Δ-states do
      const coef = Float32Array.from({ length: T * K }, () => rng.normal());
      const y = new Float32Array(T * K);
      const f = (): number => {
        lstm.forward(x, T, y);
        let s = 0;
        for (let i = 0; i < T * K; i++) s += coef[i]! * y[i]!;
        return s;
      };
      f();
      const grads = lstm.params().map((p) => new Float32Array(p.length));
      lstm.backward(coef, grads);
      expectClose(finiteDiff(lstm.params(), grads, f, 1e-2, 1), 2e-3);
    });
  }

  it('the canonical cell counts: with the input gate open, c_T is the sum of tanh(W_z x_t + b_z)', () => {
    const lstm = new Lstm({ inputDim: 2, units: 3, seed: 4 });
    const [Wz, bz, Ui, bi, Wy, by] = lstm.params() as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
    expect(lstm.paramNames()).toEqual(['W_z', 'b_z', 'U_i', 'b_i', 'W_y', 'b_y']);
    Ui.fill(0);
    bi.fill(50); // σ(50) = 1
    Wy.fill(0);
    Wy[0] = 1; // ŷ = c[0]
    by.fill(0);
    const rng = new Rng(5), T = 9, x = randomInputs(T, 2, rng), y = new Float32Array(T);
    lstm.forward(x, T, y);
    let c = 0;
    for (let t = 0; t < T; t++) {
      c += Math.tanh(Wz[0]! * x[2 * t]! + Wz[1]! * x[2 * t + 1]! + bz[0]!);
      expect(y[t]).toBeCloseTo(c, 5);
    }
  });

  it('the decomposition loss is main + 0.5·aux, true MSEs, and its gradient matches finite differences', () => {
    const rd = new ReturnDecomposition({ inputDim: 3, units: 5, seed: 3 }, { returnScale: 2 });
    const rng = new Rng(9);
    for (const p of rd.lstm.params()) p.forEach((_, i, a) => (a[i] += 0.3 * rng.normal()));
    const ep: EpisodeSample = { inputs: randomInputs(6, 3, rng), length: 6, ret: 3 };
    const grads = rd.lstm.params().map((p) => new Float32Array(p.length));
    const l = rd.loss(ep, grads);
    const pred = rd.predict(ep);
    const g = 3 / 2, yhat = Array.from(pred, (v) => v / 2);
    expect(l.main).toBeCloseTo((yhat[5]! - g) ** 2, 5);
    expect(l.aux).toBeCloseTo(yhat.reduce((s, v) => s + (v - g) ** 2, 0) / 6, 5);
    expect(l.total).toBeCloseTo(l.main + 0.5 * l.aux, 6);
    expectClose(finiteDiff(rd.lstm.params(), grads, () => rd.loss(ep).total, 1e-2, 1), 2e-3);
  });

  it('setReturnScale changes the units of predictions and targets, and refuses a non-positive scale', () => {
    const rd = new ReturnDecomposition({ inputDim: 3, units: 5, seed: 3 }, { returnScale: 1 });
    const ep: EpisodeSample = { inputs: randomInputs(4, 3, new Rng(2)), length: 4, ret: 8 };
    const before = rd.predict(ep).slice(), lossBefore = rd.loss(ep).main;
    rd.setReturnScale(4);
    const after = rd.predict(ep);
    for (let t = 0; t < 4; t++) expect(after[t]).toBeCloseTo(4 * before[t]!, 5);
    expect(rd.loss(ep).main).toBeCloseTo((before[3]! - 2) ** 2, 5); // the target is now G / 4
    expect(rd.loss(ep).main).not.toBeCloseTo(lossBefore, 3);
    expect(() => rd.setReturnScale(0)).toThrow(/returnScale must be a positive number, got 0/);
  });

  it("rescaleReturns keeps the predictions, and the LSTM's next Adam step is the one the old units would have taken", () => {
    const mk = () => new ReturnDecomposition({ inputDim: 3, units: 5, seed: 3 }, { returnScale: 0.03, maxGradNorm: 0, l2: 0 });
    const rng = new Rng(4);
    const eps: EpisodeSample[] = [0, 1, 2].map((i) => ({ inputs: randomInputs(5 + i, 3, rng), length: 5 + i, ret: i === 1 ? 1 : 0.5 }));
    const a = mk(), b = mk(), c = mk();
    for (const m of [a, b, c]) for (let k = 0; k < 5; k++) m.trainBatch(eps);
    const lossOld = b.loss(eps[1]!).main;
    const k = b.rescaleReturns(0.09); // 3× the old units (a rescale happens past 2×)
    expect(k).toBeCloseTo(1 / 3, 12);
    for (const ep of eps) {
      const pa = a.predict(ep), pb = b.predict(ep);
      for (let t = 0; t < ep.length; t++) expect(pb[t]).toBeCloseTo(pa[t]!, 5);
    }
    expect(b.loss(eps[1]!).main).toBeCloseTo(lossOld * k * k, 6);
    // c: the head rescaled by hand, Adam's moments left in the old units.
    const names = c.lstm.paramNames(), isHead = (i: number) => names[i] === 'W_y' || names[i] === 'b_y';
    c.lstm.params().forEach((p, i) => { if (isHead(i)) p.forEach((_, j, x) => (x[j] *= k)); });
    c.setReturnScale(0.09);
    for (const m of [a, b, c]) m.trainBatch(eps);
    const pa = a.lstm.params(), pb = b.lstm.params(), pc = c.lstm.params();
    let worstB = 0, worstC = 0;
    pa.forEach((p, i) => {
      if (isHead(i)) return;
      for (let j = 0; j < p.length; j++) {
        worstB = Math.max(worstB, Math.abs(pb[i]![j]! - p[j]!));
        worstC = Math.max(worstC, Math.abs(pc[i]![j]! - p[j]!));
      }
    });
    expect(worstB).toBeLessThan(1e-5);
    expect(worstC).toBeGreaterThan(1e-3); // without the moments rescaled, the step differs
    expect(() => b.rescaleReturns(-1)).toThrow(/returnScale must be a positive number, got -1/);
  });
});

/**
 * A delayed-reward task in miniature: at one random step a key event happens, good or bad (feature 2 is
 * ±1 there, 0 elsewhere); the return, 1 for good and 0 for bad, is known only at the end; two noise
 * features distract. Since the model learns ŷ_t ≈ E[G | prefix], the redistribution pays the expected
 * return 0.5 at the first step, ±0.5 at the event, and nothing anywhere else.
 */
function keyEpisode(rng: Rng): EpisodeSample & { eventAt: number } {
  const T = 10 + rng.integer(11), D = 3, x = new Float32Array(T * D);
  for (let t = 0; t < T; t++) (x[t * D] = rng.normal()), (x[t * D + 1] = rng.normal());
  const eventAt = 1 + rng.integer(T - 3), good = rng.random() < 0.5;
  x[eventAt * D + 2] = good ? 1 : -1;
  return { inputs: x, length: T, ret: good ? 1 : 0, eventAt };
}

describe('return decomposition learns where the return came from', () => {
  it('redistributes a delayed return onto the step of the key event', () => {
    const rd = new ReturnDecomposition({ inputDim: 3, units: 8, seed: 1 }, { returnScale: 1 });
    const rng = new Rng(11);
    let last = 0;
    for (let it = 0; it < 1500; it++) last = rd.trainBatch(Array.from({ length: 8 }, () => keyEpisode(rng))).main;
    expect(last).toBeLessThan(0.005);
    const r = new Float32Array(32);
    let eventError = 0, first = 0, elsewhere = 0, count = 0, maxElsewhere = 0;
    for (let e = 0; e < 40; e++) {
      const ep = keyEpisode(rng);
      const { quality } = rd.redistribute(ep, r, { correction: 'none' });
      if (ep.ret > 0) expect(quality).toBeGreaterThan(0.9);
      eventError += Math.abs(r[ep.eventAt]! - (ep.ret - 0.5));
      first += r[0]!;
      for (let t = 1; t < ep.length; t++) {
        if (t === ep.eventAt) continue;
        elsewhere += Math.abs(r[t]!);
        count++;
        maxElsewhere = Math.max(maxElsewhere, Math.abs(r[t]!));
      }
    }
    expect(eventError / 40).toBeLessThan(0.05); // the event step gets G − E[G] …
    expect(Math.abs(first / 40 - 0.5)).toBeLessThan(0.1); // … the first step E[G] …
    expect(elsewhere / count).toBeLessThan(0.02); // … and the noise steps nothing
    expect(maxElsewhere).toBeLessThan(0.1);
  });

  it('corrections make the redistribution return-equivalent', () => {
    const rd = new ReturnDecomposition({ inputDim: 3, units: 4, seed: 2 });
    const rng = new Rng(3);
    const ep: EpisodeSample = { inputs: randomInputs(12, 3, rng), length: 12, ret: 7.5 };
    const r = new Float32Array(12);
    for (const correction of ['uniform', 'final'] as const) {
      rd.redistribute(ep, r, { correction });
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(7.5, 4);
    }
    const { predicted, quality, error } = rd.redistribute(ep, r, { correction: 'none' });
    expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(predicted, 4); // the differences telescope to ŷ_{T−1}
    expect(error).toBeCloseTo((7.5 - predicted) ** 2 / (7.5 ** 2 + 1e-5), 5);
    expect(quality).toBe(error < 0.2 ? 1 - error : 0);
  });
});

describe('encodeEpisode', () => {
  it('state differences, then one one-hot block per action head', () => {
    const obs = Float32Array.from([1, 2, 4, 2, 4, 7]); // 3 steps of 2
    const actions = Int32Array.from([0, 2, 1, 0, 1, 1]); // heads [2, 3]
    const x = encodeEpisode(obs, 2, actions, [2, 3], 3);
    expect(Array.from(x)).toEqual([
      1, 2, 1, 0, 0, 0, 1,
      3, 0, 0, 1, 1, 0, 0,
      0, 5, 0, 1, 0, 1, 0,
    ]);
    expect(Array.from(encodeEpisode(obs, 2, actions, [2, 3], 3, { delta: false }).subarray(7, 9))).toEqual([4, 2]);
    expect(() => encodeEpisode(obs, 2, Int32Array.from([0, 3, 0, 0, 0, 0]), [2, 3], 3)).toThrow(/action 3 at step 0 \(head 1\) is outside 0\.\.2/);
  });
});
