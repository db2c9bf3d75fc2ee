// Usage: SEED=3 npx tsx bench/diagnostics/delay-nan.mts D budget '<rudder json>'
// PPO + RUDDER at delay D with every LSTM training call checked: stops at the first call whose inputs,
// loss or parameters are not finite, says which, and saves that batch and the parameters before it to
// /tmp/rudder-nan.json for an offline replay.
import { writeFileSync } from 'node:fs';
import { trainPpo } from '../../src/agents/ppo/ppo.ts';
import { RudderRedistribution } from '../../src/rudder/ppo-redistribution.ts';
import type { EpisodeSample } from '../../src/rudder/return-decomposition.ts';
const D = Number(process.argv[2] ?? 800), budget = Number(process.argv[3] ?? 800000), extra = JSON.parse(process.argv[4] ?? '{}');
const envKwargs = { reward: 'delayed', size: 8, delay: D, distractors: { probability: 0.1, magnitude: 0.03 } };
const red = RudderRedistribution.forEnv('KeyDoorTreasure-v0', envKwargs, { seed: 1, returnScale: 1, ...extra });
const m = red.model;
const finite = (a: ArrayLike<number>) => { for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false; return true; };
const maxAbs = (a: ArrayLike<number>) => { let x = 0; for (let i = 0; i < a.length; i++) x = Math.max(x, Math.abs(a[i]!)); return x; };
let calls = 0;
function check(kind: string, batch: readonly EpisodeSample[], run: () => { main: number }) {
  calls++;
  const before = m.lstm.params().map((p) => p.slice());
  const inputsOk = batch.every((ep) => finite(ep.inputs.subarray(0, ep.length * (ep.inputs.length / ep.length | 0))));
  const out = run();
  const after = m.lstm.params();
  if (inputsOk && Number.isFinite(out.main) && after.every(finite)) return out;
  console.log(`call ${calls} (${kind}): inputs finite ${inputsOk}, loss ${out.main}, params finite before ${before.every(finite)} after ${after.every(finite)}; max |param| before ${Math.max(...before.map(maxAbs)).toExponential(2)}; lengths ${batch.map((b) => b.length).join(',')}; returns ${batch.map((b) => b.ret.toFixed(3)).join(',')}; max |input| ${Math.max(...batch.map((b) => maxAbs(b.inputs))).toExponential(2)}; adam step ${m.adam.step}; grads finite ${(m as unknown as { grads: Float32Array[] }).grads.every(finite)}`);
  writeFileSync('/tmp/rudder-nan.json', JSON.stringify({ kind, params: before.map((p) => Array.from(p)), m: m.adam.m.map((p) => Array.from(p)), v: m.adam.v.map((p) => Array.from(p)), step: m.adam.step, returnScale: m.cfg.returnScale, batch: batch.map((b) => ({ length: b.length, ret: b.ret, inputs: Array.from(b.inputs) })) }));
  process.exit(0);
}
const tb = m.trainBatch.bind(m), te = m.trainEpisode.bind(m);
m.trainBatch = (batch) => check('trainBatch', batch, () => tb(batch)) as ReturnType<typeof tb>;
m.trainEpisode = (ep, preds) => check('trainEpisode', [ep], () => te(ep, preds)) as ReturnType<typeof te>;
await trainPpo({ envId: 'KeyDoorTreasure-v0', envKwargs, seed: Number(process.env.SEED ?? 1), totalTimesteps: budget }, { redistribution: red, hooks: { onIteration: (s) => { if (s.iteration % 100 === 0) console.log(`${s.globalStep} steps, ${calls} LSTM calls, all finite`); return true; } } });
console.log('no non-finite value in', calls, 'calls');
