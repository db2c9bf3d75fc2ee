/**
 * `npm run bench -- kernels` (second part; or `npx tsx bench/ppo-engines.ts <rounds> <cartpole steps> <kdt steps>`):
 * PPO's environment steps per second, end to end (rollout + update + everything else), with the same
 * network trained three ways, side by side in interleaved rounds:
 *   - fused: the built-in agent on our WebAssembly-SIMD kernels (the default);
 *   - tfjs wasm / tfjs cpu: the same network as a tfjs Layers model (`toLayersModel` of the fused agent, so
 *     the same initial weights), `policy: 'tfjs'`, trained by tfjs autodiff on that backend.
 * Cases: CartPole-v1 with CleanRL's 64-64 MLP, KeyDoorTreasure-v0 with image observations and the built-in
 * CNN, and the crossover: CartPole with wider MLPs (256, 1024 hidden), fused vs tfjs wasm.
 * Each round runs every case once (short runs); the table gives the median over rounds.
 */
import { createAgent } from '../src/agents/ppo/agent.ts';
import { parsePpoConfig, type PpoConfig } from '../src/agents/ppo/config.ts';
import { actionHeads, trainPpo } from '../src/agents/ppo/ppo.ts';
import { toLayersModel } from '../src/agents/run/model-io.ts';
import { machineLine, median, table, writeResults, writeSection } from './report.ts';

const rounds = Number(process.argv[2] ?? 3);
const cpSteps = Number(process.argv[3] ?? 20_480);
const kdtSteps = Number(process.argv[4] ?? 4096);
const command = `npm run bench -- kernels --rounds ${process.argv[5] ?? rounds} (engines: ${rounds} rounds, CartPole ${cpSteps} steps, KeyDoorTreasure ${kdtSteps} steps)`;

type Engine = 'fused' | 'tfjs-wasm' | 'tfjs-cpu';
/** `once`: too slow to repeat (the CNN on tfjs's cpu backend), run in the first round only, for one rollout. */
interface Case { task: string; engine: Engine; config: Partial<PpoConfig>; once?: boolean }

const cases: Case[] = [];
const cartpole = (hidden: number, steps: number): Partial<PpoConfig> => ({ envId: 'CartPole-v1', hidden: [hidden, hidden], totalTimesteps: steps, seed: 1 });
for (const engine of ['fused', 'tfjs-wasm', 'tfjs-cpu'] as const) cases.push({ task: 'CartPole-v1, MLP 64-64', engine, config: cartpole(64, cpSteps) });
for (const engine of ['fused', 'tfjs-wasm', 'tfjs-cpu'] as const) {
  const once = engine === 'tfjs-cpu';
  cases.push({ task: 'KeyDoorTreasure-v0 image 8×8×13, CNN 16-32 + 64', engine, once, config: { envId: 'KeyDoorTreasure-v0', envKwargs: { observation: 'image' }, policy: 'cnn', hidden: [64], totalTimesteps: once ? 512 : kdtSteps, seed: 1 } });
}
// The crossover: wider MLPs, fewer steps (each step costs more; the rate is what is compared); 1024: two rollouts.
for (const [hidden, steps] of [[256, Math.max(2048, cpSteps / 2)], [1024, 1024]] as const) {
  for (const engine of ['fused', 'tfjs-wasm'] as const) cases.push({ task: `CartPole-v1, MLP ${hidden}-${hidden}`, engine, config: cartpole(hidden, steps) });
}

/** One short PPO run; its steps per second over the whole run. */
async function sps(c: Case): Promise<number> {
  const cfg = parsePpoConfig(c.config);
  const tfjs = c.engine !== 'fused';
  const builtIn = cfg.policy as 'mlp' | 'cnn';
  const t0 = performance.now();
  const r = await trainPpo(tfjs ? { ...c.config, policy: 'tfjs' } : c.config, {
    backend: c.engine === 'tfjs-cpu' ? 'cpu' : 'wasm',
    // The built-in network as tfjs layers: the same function and initial weights as the fused run's.
    tfjsModel: tfjs ? (obs, act) => toLayersModel(createAgent({ ...cfg, policy: builtIn }, obs.shape, actionHeads(act)!)) : null,
  });
  const s = r.globalStep / ((performance.now() - t0) / 1000);
  r.policy.dispose();
  return s;
}

const key = (c: Case): string => `${c.task} · ${c.engine}`;
const perRound = new Map<string, number[]>(cases.map((c) => [key(c), []]));
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    if (c.once && round > 0) continue;
    const v = await sps(c);
    perRound.get(key(c))!.push(v);
    console.log(`round ${round + 1}/${rounds}  ${key(c).padEnd(62)} ${Math.round(v)} SPS`);
  }
}

const med = (task: string, engine: Engine): number | null => {
  const a = perRound.get(`${task} · ${engine}`);
  return a && a.length ? median(a) : null;
};
const tasks = [...new Set(cases.map((c) => c.task))];
const cell = (v: number | null): string => (v === null ? '–' : Math.round(v).toLocaleString('en'));
const ratio = (a: number | null, b: number | null): string => (a === null || b === null ? '–' : `${(a / b).toFixed(2)}×`);
const rows = tasks.map((t) => {
  const f = med(t, 'fused'), w = med(t, 'tfjs-wasm'), c = med(t, 'tfjs-cpu');
  const steps = [...new Set(cases.filter((x) => x.task === t).map((x) => `${x.config.totalTimesteps!.toLocaleString('en')}${x.once ? ' (tfjs cpu: 1 run)' : ''}`))];
  return [t, steps.join(', '), cell(f), cell(w), cell(c), ratio(w, f)];
});
const widths = [64, 256, 1024];
const over = widths.find((h) => {
  const f = med(`CartPole-v1, MLP ${h}-${h}`, 'fused'), w = med(`CartPole-v1, MLP ${h}-${h}`, 'tfjs-wasm');
  return f !== null && w !== null && w > f;
});
const crossover = over === undefined
  ? `At none of the widths measured (${widths.join(', ')} hidden units) does the tfjs wasm path overtake the fused kernels.`
  : `The tfjs wasm path overtakes the fused kernels at ${over} hidden units (the first width measured where its median SPS is higher).`;

writeResults('ppo-engines', command, { rounds, cases: cases.map((c) => ({ task: c.task, engine: c.engine, config: c.config, sps: perRound.get(key(c)) })) });
writeSection('ppo-engines', [
  "## PPO end to end: fused kernels vs a tfjs policy on wasm and cpu (`npm run bench -- kernels`)",
  '',
  `Command: \`${command}\` · ${machineLine()} · per-round figures: bench/results/ppo-engines.json`,
  '',
  `Environment steps per second of whole PPO runs (rollout, GAE, update, bookkeeping; CleanRL's settings: 4 envs × 128 steps, 4 epochs of 4 minibatches), median over ${rounds} interleaved rounds of one short run per case. The tfjs rows train the same network (the fused agent exported with \`toLayersModel\`, same initial weights) as \`policy: 'tfjs'\`, by tfjs autodiff on that backend; "tfjs wasm / fused" > 1 would mean the tfjs path is faster. Single-threaded: tfjs-wasm runs without threads in Node.`,
  '',
  table(['task, network', 'steps per run', 'fused', 'tfjs wasm', 'tfjs cpu', 'tfjs wasm / fused'], rows),
  '',
  crossover,
].join('\n'));
