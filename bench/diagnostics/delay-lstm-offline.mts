// Usage: npx tsx bench/diagnostics/delay-lstm-offline.mts D minibatches '{"features":"events","noActions":true,"time":{"max":2000,"span":100},"expertFrac":0}'
// Offline: can the return-decomposition LSTM learn where the reward comes from on KDT 8x8 delayed with delay D?
// Args: D steps cfgJson (features counts|events, noCounter: drop the delay counter, noActions, time, forgetGate, fullyConnected, outputGate, lr, aux, batch, units). Prints held-out: successes' mean jump at arrival vs G, final error, failures' error.
import '../../src/envs/registrations.ts';
import { make } from '../../src/envs/core/registry.ts';
import { expertFor } from '../../src/envs/core/experts.ts';
import { encodeEpisode, TimeEncoding } from '../../src/rudder/encode.ts';
import { gridCodeCounts } from '../../src/rudder/grid-features.ts';
import { ReturnDecomposition, type EpisodeSample } from '../../src/rudder/return-decomposition.ts';
import type { Env } from '../../src/envs/core/env.ts';
import { Rng } from '../../src/envs/core/rng.ts';
const D = Number(process.argv[2]), steps = Number(process.argv[3]), c = JSON.parse(process.argv[4] ?? '{}');
const kw = { reward: 'delayed', size: 8, delay: D, distractors: { probability: 0.1, magnitude: 0.03 } };
const rng = new Rng(123);
type Ep = EpisodeSample & { arrival: number; success: boolean };
const counts = gridCodeCounts(8, 5);
const ev = { dim: counts.dim - (c.noCounter ? 4 : 3), write(o: Float32Array, at: number, out: Float32Array, oa: number) { const tmp = new Float32Array(counts.dim); counts.write(o, at, tmp, 0); out.set(tmp.subarray(0, counts.dim - 5), oa); out[oa + counts.dim - 5] = tmp[counts.dim - 2]!; if (!c.noCounter) out[oa + counts.dim - 4] = tmp[counts.dim - 1]!; } };
const feats = c.features === 'counts' ? counts : c.features === 'events' ? ev : null;
const time = c.time ? new TimeEncoding(c.time.max, c.time.span) : null;
function gen(n: number, seed0: number): Ep[] {
  const out: Ep[] = [];
  for (let i = 0; i < n; i++) {
    const env = make('KeyDoorTreasure-v0', kw) as Env<Float32Array, number>; const ex = expertFor('KeyDoorTreasure-v0')!(env as Env<unknown, unknown>);
    const expert = rng.uniform(0, 1) < (c.expertFrac ?? 0.5), eps = 0.2 + 0.6 * rng.uniform(0, 1);
    let { obs } = env.reset({ seed: seed0 + i }); const dim = obs.length;
    const O: number[] = [], A: number[] = []; let G = 0, arrival = -1, t = 0;
    for (;;) {
      O.push(...obs); const a = expert && rng.uniform(0, 1) > eps ? (ex(obs) as number) : rng.integer(5); A.push(a);
      const r = env.step(a); G += r.reward; t++;
      if (arrival < 0 && (r.obs as Float32Array)[dim - 1] === 1) arrival = t;
      obs = r.obs; if (r.terminated || r.truncated) { O.push(...obs); break; }
    }
    const T = A.length + 1, fo = new Float32Array(O);
    let x = fo, d = dim;
    if (feats) { d = feats.dim; x = new Float32Array(T * d); for (let k = 0; k < T; k++) feats.write(fo, k * dim, x, k * d); }
    const inputs = encodeEpisode(x, d, Int32Array.from(A), c.noActions ? [] : [5], T, { lastWithoutAction: true, time });
    out.push({ inputs, length: T, ret: G, arrival, success: arrival >= 0 });
  }
  return out;
}
const train = gen(400, 1000), test = gen(100, 900000);
const inputDim = train[0]!.inputs.length / train[0]!.length;
console.error(`train successes ${train.filter((e) => e.success).length}/400, test ${test.filter((e) => e.success).length}/100, inputDim ${inputDim}, mean len ${(train.reduce((a, e) => a + e.length, 0) / 400).toFixed(0)}`);
const m = new ReturnDecomposition({ inputDim, units: c.units ?? 32, outputGate: c.outputGate ?? false, forgetGate: c.forgetGate ?? false, fullyConnected: c.fullyConnected ?? true, init: 'atari', seed: 1 }, { learningRate: c.lr ?? 1e-2, maxGradNorm: 0.5, l2: 1e-6, returnScale: 1, auxWeight: c.aux ?? 0.5 });
function evalTest(set: Ep[] = test): string {
  let jump = 0, g = 0, ns = 0, fin = 0, fe = 0, nf = 0, before = 0;
  for (const e of set) {
    const p = m.predict(e);
    if (e.success) { const a = e.arrival; jump += p[Math.min(a + 1, e.length - 1)]! - p[Math.max(a - 2, 0)]!; before += p[Math.max(a - 2, 0)]!; g += e.ret; fin += (p[e.length - 1]! - e.ret) ** 2; ns++; }
    else { fe += (p[e.length - 1]! - e.ret) ** 2; nf++; }
  }
  return `succ: G ${(g / ns).toFixed(3)} before ${(before / ns).toFixed(3)} jump ${(jump / ns).toFixed(3)} finalMSE ${(fin / ns).toFixed(4)} | fail finalMSE ${(fe / nf).toFixed(4)}`;
}
const t0 = performance.now();
for (let s = 1; s <= steps; s++) {
  const batch = Array.from({ length: c.batch ?? 8 }, () => train[rng.integer(train.length)]!);
  const l = m.trainBatch(batch);
  if (s % Math.max(1, steps / 5) === 0) console.log(`step ${s} loss ${l.main.toFixed(4)} ${evalTest()} || train ${evalTest(train.slice(0, 100))} ${((performance.now() - t0) / 1000).toFixed(0)}s`);
}
console.log(`D=${D} ${JSON.stringify(c)} done`);
if (c.trace) {
  // The prediction along a few training episodes: where it jumps and how it drifts through the delay.
  for (const e of train.slice(0, 12)) {
    const p = m.predict(e), at = (t: number): string => p[Math.max(0, Math.min(t, e.length - 1))]!.toFixed(3);
    const marks = e.success ? [0, e.arrival - 2, e.arrival + 1, e.arrival + 50, e.arrival + 200, e.arrival + 400, e.length - 2, e.length - 1] : [0, 100, 300, e.length - 2, e.length - 1];
    console.log(`${e.success ? 'success' : 'failure'} T ${e.length} arrival ${e.arrival} G ${e.ret.toFixed(3)}: ${marks.map((t) => `${t}:${at(t)}`).join(' ')}`);
  }
}
