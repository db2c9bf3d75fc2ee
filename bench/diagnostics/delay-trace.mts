// Usage: SEED=1 npx tsx bench/diagnostics/delay-trace.mts D budget '<rudder json>'
// PPO + RUDDER at delay D: where the redistributed reward of success episodes goes (before, at the treasure, the delay, the last step), the predictions and the trust, per 40 iterations.
import { trainPpo } from '../../src/agents/ppo/ppo.ts';
import { RudderRedistribution } from '../../src/rudder/ppo-redistribution.ts';
const D = Number(process.argv[2] ?? 200), budget = Number(process.argv[3] ?? 400000), extra = JSON.parse(process.argv[4] ?? '{}');
const envKwargs = { reward: 'delayed', size: 8, delay: D, distractors: { probability: 0.1, magnitude: 0.03 } };
const red = RudderRedistribution.forEnv('KeyDoorTreasure-v0', envKwargs, { seed: 1, returnScale: 1, ...extra });
let n = 0, succ = 0; const acc = { beforeSq: 0, beforeN: 0, delaySq: 0, delayN: 0, atT: 0, before: 0, delay: 0, last: 0, pred0: 0, predT: 0, predEnd: 0, k: 0, q: 0, fail: 0, failSum: 0, failLast: 0 };
red.onEpisode = (e) => {
  n++; const L = e.length;
  const success = e.ret > 0.5; // treasure pays 1 (distractors ±0.03 each)
  if (!success) { acc.fail++; acc.failSum += e.redistributed.reduce((a, b) => a + b, 0) - e.redistributed[L-1]!; acc.failLast += e.redistributed[L-1]!; return; }
  succ++;
  const T = L - D - 1; let before = 0, delay = 0, atT = 0;
  for (let t = 0; t < L - 1; t++) { const r = e.redistributed[t]!; if (t < T - 2) { before += r; acc.beforeSq += r * r; acc.beforeN++; } else if (t <= T + 1) atT += r; else { delay += r; acc.delaySq += r * r; acc.delayN++; } }
  acc.atT += atT; acc.before += before; acc.delay += delay; acc.last += e.redistributed[L-1]!; acc.k++; acc.q += e.quality;
  acc.pred0 += e.predictions[0]!; acc.predT += e.predictions[T]!; acc.predEnd += e.predictions[L-2]!;
};
await trainPpo({ envId: 'KeyDoorTreasure-v0', envKwargs, seed: Number(process.env.SEED ?? 1), totalTimesteps: budget }, { redistribution: red, hooks: { onIteration: (s) => {
  if (s.iteration % 40 === 0) {
    const k = acc.k || 1;
    console.log(`${s.globalStep} eps ${n} succ ${succ} | success ep means: before ${(acc.before/k).toFixed(3)} atTreasure ${(acc.atT/k).toFixed(3)} delay ${(acc.delay/k).toFixed(3)} rms before/delay ${Math.sqrt(acc.beforeSq/(acc.beforeN||1)).toFixed(4)}/${Math.sqrt(acc.delaySq/(acc.delayN||1)).toFixed(4)} last ${(acc.last/k).toFixed(3)} pred0 ${(acc.pred0/k).toFixed(2)} predT ${(acc.predT/k).toFixed(2)} predEnd ${(acc.predEnd/k).toFixed(2)} q ${(acc.q/k).toFixed(2)} | fails ${acc.fail}: sum ${(acc.failSum/(acc.fail||1)).toFixed(3)} last ${(acc.failLast/(acc.fail||1)).toFixed(3)} | ${JSON.stringify(red.stats())}`);
    n = 0; succ = 0; for (const key of Object.keys(acc)) (acc as Record<string, number>)[key] = 0;
  }
  return true; } } });
