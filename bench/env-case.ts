/**
 * One env throughput measurement, run in its own process so that each case gets a fresh JIT (as a user's
 * training process would). Usage: tsx bench/env-case.ts <single|bare|sync|native|threads> <env id> [numEnvs] [seconds]
 * Prints one JSON line: { stepsPerSec (env-steps/s), steps, gcs }.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Discrete, make, makeVec, spec, type Env, type VectorEnv } from '../src/index.ts';

const [kind = 'single', id = 'CartPole-v1', nArg = '16', secArg = '1.5'] = process.argv.slice(2);
const numEnvs = Number(nArg);
const seconds = Number(secArg);
const REPS = 3;

// GCs whose start falls inside a timed loop: zero over millions of steps means no per-step allocation.
const windows: [number, number][] = [];
const gcStarts: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcStarts.push(e.startTime);
}).observe({ entryTypes: ['gc'] });

// Actions are drawn up front (as gym_speed.py does) so the loop times the env, not the sampler.
function actionTable(n: number, size: number, seed: number): Int32Array {
  const space = spec(id).factory({}).actionSpace;
  if (!(space instanceof Discrete)) throw new Error(`${id}: the env benchmark needs a Discrete action space`);
  space.seed(seed);
  const out = new Int32Array(n * size);
  for (let i = 0; i < out.length; i++) out[i] = space.sample();
  return out;
}

// What a rollout does with each step: keep the observation and the reward (a vector env must too).
let rewardSum = 0;

function timeSingle(env: Env<unknown, number>, consume: boolean): { steps: number; sec: number } {
  const acts = actionTable(1, 1 << 16, 0);
  const first = env.reset({ seed: 0 }).obs;
  const keep = consume && first instanceof Float32Array ? new Float32Array(first.length) : null;
  const chunk = 1 << 16;
  let steps = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  do {
    for (let i = 0; i < chunk; i++) {
      const r = env.step(acts[i]!);
      if (keep) {
        keep.set(r.obs as Float32Array);
        rewardSum += r.reward;
      }
      if (r.terminated || r.truncated) env.reset();
    }
    steps += chunk;
  } while (performance.now() < deadline);
  windows.push([t0, performance.now()]);
  return { steps, sec: (performance.now() - t0) / 1000 };
}

function timeVector(venv: VectorEnv<unknown, Int32Array>): { steps: number; sec: number } {
  const batches = 1024;
  const acts = actionTable(numEnvs, batches, 0);
  const views = Array.from({ length: batches }, (_, b) => acts.subarray(b * numEnvs, (b + 1) * numEnvs));
  venv.reset({ seed: 0 });
  let steps = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  do {
    for (let b = 0; b < batches; b++) rewardSum += venv.step(views[b]!).rewards[0]!;
    steps += batches * numEnvs;
  } while (performance.now() < deadline);
  windows.push([t0, performance.now()]);
  return { steps, sec: (performance.now() - t0) / 1000 };
}

const rates: number[] = [];
let total = 0;
for (let rep = 0; rep < REPS; rep++) {
  let r: { steps: number; sec: number };
  if (kind === 'single' || kind === 'rollout') r = timeSingle(make<unknown, number>(id), kind === 'rollout');
  else if (kind === 'bare') r = timeSingle(spec(id).factory({}) as Env<unknown, number>, false);
  else {
    const mode = kind === 'sync' ? 'sync' : kind === 'threads' ? 'threads' : 'vector_entry_point';
    const venv = makeVec(id, numEnvs, { vectorizationMode: mode }) as VectorEnv<unknown, Int32Array>;
    r = timeVector(venv);
    venv.close();
  }
  rates.push(r.steps / r.sec);
  total += r.steps;
}
await new Promise((res) => setTimeout(res, 50)); // let the GC observer deliver
rates.sort((a, b) => a - b);
const gcs = gcStarts.filter((t) => windows.some(([a, b]) => t >= a && t <= b)).length;
console.log(JSON.stringify({ kind, id, numEnvs, stepsPerSec: rates[Math.floor(REPS / 2)], steps: total, gcs, rewardSum }));
