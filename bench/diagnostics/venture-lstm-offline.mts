// Usage: npx tsx bench/diagnostics/venture-lstm-offline.mts minibatches '<json: features declared|observation, noActions, lr, units, batch>'
// Offline: can the return-decomposition LSTM learn where Venture's delayed score comes from? Random-policy games
// (VENTURE_EASY, delayed), half of the buffer from scoring games; prints, on held-out scoring games, the
// prediction's jump over the step where the score would have been paid, against the score, and the final error.
import '../../src/envs/registrations.ts';
import { make } from '../../src/envs/core/registry.ts';
import { eventFeaturesFor } from '../../src/envs/core/event-features.ts';
import { encodeEpisode } from '../../src/rudder/encode.ts';
import { ReturnDecomposition, type EpisodeSample } from '../../src/rudder/return-decomposition.ts';
import type { Env } from '../../src/envs/core/env.ts';
import { Rng } from '../../src/envs/core/rng.ts';
import { VENTURE_EASY } from '../../src/experiments/venture.ts';
const steps = Number(process.argv[2]), c = JSON.parse(process.argv[3] ?? '{}');
const rng = new Rng(7);
type Ep = EpisodeSample & { paidAt: number[] };
const slice = eventFeaturesFor('Venture-v0')!;
function game(seed: number): Ep {
  const env = make('Venture-v0', { ...VENTURE_EASY, reward: 'natural' }) as Env<Float32Array, number>;
  let { obs } = env.reset({ seed }); const dim = obs.length;
  const O: number[] = [], A: number[] = [], paidAt: number[] = []; let G = 0;
  const take = (o: Float32Array): void => { if (c.features === 'observation') O.push(...o); else O.push(...o.subarray(slice.offset, slice.offset + slice.length)); };
  for (let t = 0; ; t++) {
    take(obs); const a = rng.integer(6); A.push(a);
    const r = env.step(a); if (r.reward !== 0) paidAt.push(t);
    G += r.reward / 100; obs = r.obs; // the bench's rewardScale 0.01
    if (r.terminated || r.truncated) { take(obs); break; }
  }
  const d = c.features === 'observation' ? dim : slice.length, T = A.length + 1;
  const inputs = encodeEpisode(new Float32Array(O), d, Int32Array.from(A), c.noActions ? [] : [6], T, { lastWithoutAction: true });
  return { inputs, length: T, ret: G, paidAt };
}
const pool: Ep[] = []; let seed = 1;
while (pool.filter((e) => e.ret > 0).length < 60) pool.push(game(seed++));
const scoring = pool.filter((e) => e.ret > 0), zero = pool.filter((e) => e.ret === 0);
const test = scoring.splice(0, 20);
console.error(`${seed - 1} games, ${scoring.length + test.length} scoring; mean length ${(pool.reduce((a, e) => a + e.length, 0) / pool.length).toFixed(0)}; inputDim ${pool[0]!.inputs.length / pool[0]!.length}`);
const m = new ReturnDecomposition({ inputDim: pool[0]!.inputs.length / pool[0]!.length, units: c.units ?? 32, fullyConnected: true, init: 'atari', seed: 1, recurrentGradClip: 1 }, { learningRate: c.lr ?? 1e-2, maxGradNorm: 0.5, l2: 1e-6, returnScale: c.scale ?? 3, auxWeight: 0.5 });
const report = (s: number): void => {
  let jump = 0, g = 0, fin = 0;
  for (const e of test) {
    const p = m.predict(e), t = e.paidAt[0]!;
    jump += p[Math.min(t + 1, e.length - 1)]! - p[Math.max(t - 1, 0)]!; g += e.ret; fin += (p[e.length - 1]! - e.ret) ** 2;
  }
  let z = 0; for (const e of zero.slice(0, 20)) z += m.predict(e)[e.length - 1]! ** 2;
  console.log(`step ${s}: scoring G ${(g / test.length).toFixed(2)} first-payment jump ${(jump / test.length).toFixed(2)} final MSE ${(fin / test.length).toFixed(3)} | zero-score final MSE ${(z / 20).toFixed(3)}`);
};
for (let s = 1; s <= steps; s++) {
  const batch = Array.from({ length: c.batch ?? 8 }, (_, i) => (i % 2 === 0 ? scoring : zero)[rng.integer(i % 2 === 0 ? scoring.length : zero.length)]!);
  m.trainBatch(batch);
  if (s % Math.max(1, steps / 5) === 0) report(s);
}
