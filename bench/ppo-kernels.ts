/**
 * `npm run bench -- kernels [--rounds N]` (or `npx tsx bench/ppo-kernels.ts [rounds]`): timings of PPO's hot kernels on CleanRL's CartPole nets
 * (4 → 64 → 64 → 2 actor, 4 → 64 → 64 → 1 critic):
 * PpoLoss.run (forward + backward + loss) at minibatch 64/128/256 (and 128 on the JS fallback kernels),
 * Mlp.forward for acting at 1/4/16 rows,
 * Adam + grad clipping, and the update + acting cost of one CleanRL iteration estimated from them;
 * and, for scale, the same acting forward through tfjs-layers (`model.predict`, wasm backend): what the
 * fused kernels save at these sizes.
 *
 * The machine is shared, so the variants run in interleaved rounds; each round keeps its fastest of
 * 5 repetitions, and the table gives the median over rounds (and the best round).
 */
import { Rng } from '../src/envs/core/rng.ts';
import { Adam, clipScale } from '../src/agents/adam.ts';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
import { PpoLoss, type Minibatch } from '../src/agents/ppo/loss.ts';
import { initBackend } from '../src/agents/backend.ts';
import { toLayersModel } from '../src/agents/run/model-io.ts';
import * as tf from '@tensorflow/tfjs-core';
import { machineLine, median, table, writeSection } from './report.ts';

const rounds = Number(process.argv[2] ?? 7);
const agent = new ActorCritic(4, 2, [64, 64], 1);
const rng = new Rng(3);
const coefs = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5 };
const grads = agent.params().map((p) => new Float32Array(p.length));
const loss = new PpoLoss(agent); // WebAssembly SIMD kernels
const jsLoss = new PpoLoss(agent, 'js'); // the fallback for runtimes without them
const adam = new Adam(agent.params().map((p) => p.slice()), 2.5e-4); // a copy: the timed nets stay fixed

function minibatch(B: number): Minibatch {
  return {
    size: B,
    obs: Float32Array.from({ length: B * 4 }, () => rng.normal()),
    actions: Int32Array.from({ length: B }, () => rng.integer(2)),
    masks: null, oldLogProbs: Float32Array.from({ length: B }, () => Math.log(0.5) + 0.1 * rng.normal()),
    advantages: Float32Array.from({ length: B }, () => rng.normal()),
    returns: Float32Array.from({ length: B }, () => rng.normal()),
    oldValues: Float32Array.from({ length: B }, () => 0.3 * rng.normal()),
  };
}

interface Case { name: string; unit: 'ms' | 'µs'; reps: number; run: () => void }
const cases: Case[] = [];
for (const B of [64, 128, 256]) {
  const mb = minibatch(B);
  cases.push({ name: `loss+grad B=${B}`, unit: 'ms', reps: 20, run: () => void loss.run(mb, coefs, grads) });
  if (B === 128) cases.push({ name: `loss+grad B=${B}, JS kernels`, unit: 'ms', reps: 10, run: () => void jsLoss.run(mb, coefs, grads) });
}
for (const B of [1, 4, 16]) {
  const x = Float32Array.from({ length: B * 4 }, () => rng.normal());
  cases.push({ name: `actor forward B=${B}`, unit: 'µs', reps: 2000, run: () => void agent.actor.forward(x, B) });
}
const obs4 = Float32Array.from({ length: 16 }, () => rng.normal());
const acts4 = new Int32Array(4), logp4 = new Float32Array(4), val4 = new Float32Array(4);
cases.push({ name: 'act (actor+critic+sample) B=4', unit: 'µs', reps: 2000, run: () => agent.act(obs4, 4, rng, acts4, logp4, val4) });
const backend = await initBackend('wasm');
const layers = toLayersModel(agent);
cases.push({ name: `tfjs-layers predict B=4 (${backend})`, unit: 'µs', reps: 300, run: () => tf.tidy(() => void (layers.predict(tf.tensor2d(obs4, [4, 4])) as tf.Tensor[]).map((t) => t.dataSync())) });
cases.push({ name: 'clip + Adam (9.0k params)', unit: 'µs', reps: 200, run: () => adam.update(grads, clipScale(grads, 0.5).scale) });

const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (const c of cases) for (let i = 0; i < 3 * c.reps; i++) c.run(); // warm-up: let V8 optimise
for (let r = 0; r < rounds; r++) {
  for (const c of cases) {
    let best = Infinity;
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      for (let i = 0; i < c.reps; i++) c.run();
      best = Math.min(best, (performance.now() - t0) / c.reps);
    }
    perRound.get(c.name)!.push(c.unit === 'ms' ? best : best * 1000);
  }
}

const result = new Map<string, number>();
console.log(`PPO kernels, CartPole 64-64 nets, ${rounds} interleaved rounds (median, best round)`);
for (const c of cases) {
  const a = perRound.get(c.name)!;
  result.set(c.name, median(a));
  const digits = c.unit === 'ms' ? 3 : 2;
  console.log(`  ${c.name.padEnd(32)} ${median(a).toFixed(digits).padStart(8)} ${c.unit}   (best ${Math.min(...a).toFixed(digits)})`);
}
// CleanRL CartPole iteration: 512 env steps = 128 acting calls at B=4 (+1 bootstrap), 16 minibatches of 128.
const updateMs = 16 * (result.get('loss+grad B=128')! + result.get('clip + Adam (9.0k params)')! / 1000);
const actMs = (129 * result.get('act (actor+critic+sample) B=4')!) / 1000;
console.log(`  per iteration (512 steps): update ${updateMs.toFixed(1)} ms + acting ${actMs.toFixed(1)} ms ` +
  `→ ≤ ${Math.round(512 / ((updateMs + actMs) / 1000))} steps/s before env stepping and bookkeeping`);

const tfjsUs = result.get(`tfjs-layers predict B=4 (${backend})`)!, actUs = result.get('act (actor+critic+sample) B=4')!;
writeSection('ppo-kernels', [
  '## PPO kernels (`npm run bench -- kernels`)',
  '',
  `Command: \`npm run bench -- kernels --rounds ${rounds}\` · ${machineLine()}`,
  '',
  `CleanRL's CartPole nets (4 → 64 → 64 → 2 actor, 4 → 64 → 64 → 1 critic). Each row is the median over ${rounds} interleaved rounds of the best of 5 repetitions. The tfjs-layers row runs the same policy, exported as the run's tfjs model, through \`model.predict\` on the ${backend} backend: at 4 rows it costs **${(tfjsUs / actUs).toFixed(0)}×** our whole acting step (forward of both nets plus sampling), which is why PPO's passes run in fused kernels and tfjs holds the model format.`,
  '',
  table(['kernel', 'median', 'best round'], cases.map((c) => {
    const a = perRound.get(c.name)!, digits = c.unit === 'ms' ? 3 : 2;
    return [c.name, `${median(a).toFixed(digits)} ${c.unit}`, `${Math.min(...a).toFixed(digits)} ${c.unit}`];
  })),
  '',
  `One CleanRL iteration (512 env steps: 129 acting calls at 4 rows, 16 minibatches of 128) costs ${updateMs.toFixed(1)} ms of updates and ${actMs.toFixed(1)} ms of acting, a ceiling of ${Math.round(512 / ((updateMs + actMs) / 1000)).toLocaleString('en')} steps/s before env stepping and bookkeeping.`,
].join('\n'));
