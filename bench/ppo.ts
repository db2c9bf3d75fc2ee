import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { runChildCase } from './child-case.ts';
import { fmtRate, machineLine, median, table, writeResults, writeSection } from './report.ts';
import { make } from '../src/index.ts';
import { mannWhitneyU } from '../src/stats/mann-whitney.ts';
import { inPool } from '../src/sweep/pool.ts';

const ROOT = resolve(import.meta.dirname, '..');
// CleanRL's ppo.py (PyTorch, CPU, 1 thread) on this machine, from ../shared/anchors/README.md, for when it
// cannot be run here.
const CLEANRL = { spsQuiet: 4_600, spsLoaded: 2_450, stepsTo475Seed1: 176_932 };

interface CleanrlRun { seed: number; stepsToThreshold: number | null; finalMean20: number; sps: number; wall: number }

/** Global step at which the mean of the last 20 episode returns first reached `threshold`, or null. */
export function stepsToMean20(episodes: { step: number; ret: number }[], threshold: number): number | null {
  for (let i = 19; i < episodes.length; i++) {
    let sum = 0;
    for (let j = i - 19; j <= i; j++) sum += episodes[j]!.ret;
    if (sum / 20 >= threshold) return episodes[i]!.step;
  }
  return null;
}

/**
 * One run of CleanRL's own ppo.py, when a checkout is named by CLEANRL_PPO_PY and a Python with torch and
 * gymnasium is there (CLEANRL_PYTHON, default /usr/bin/python3 with Debian's python3-torch;
 * CLEANRL_PYTHONPATH for gymnasium). Its printed episode returns give the same steps-to-threshold measure
 * as ours; its last printed SPS is its training-loop speed. Null when it cannot run.
 */
async function cleanrlRun(seed: number, steps: number): Promise<CleanrlRun | null> {
  const script = process.env.CLEANRL_PPO_PY;
  if (!script || !existsSync(script)) return null;
  const py = process.env.CLEANRL_PYTHON ?? '/usr/bin/python3';
  try {
    const t0 = performance.now();
    const { stdout } = await promisify(execFile)(py, [resolve(ROOT, 'bench/anchors/run_cleanrl_ppo.py'), `--total-timesteps=${steps}`, `--seed=${seed}`], {
      cwd: mkdtempSync(resolve(tmpdir(), 'cleanrl-')), maxBuffer: 1 << 28,
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONPATH: process.env.CLEANRL_PYTHONPATH ?? '' },
    });
    const wall = (performance.now() - t0) / 1000;
    const sps = [...stdout.matchAll(/SPS: (\d+)/g)];
    const episodes = [...stdout.matchAll(/global_step=(\d+), episodic_return=\[?([\d.]+)/g)].map((m) => ({ step: Number(m[1]), ret: Number(m[2]) }));
    if (!sps.length || !episodes.length) return null;
    const last = episodes.slice(-20);
    return {
      seed, stepsToThreshold: stepsToMean20(episodes, 475), finalMean20: last.reduce((a, e) => a + e.ret, 0) / last.length,
      sps: Number(sps.at(-1)![1]), wall,
    };
  } catch {
    return null;
  }
}

export interface CaseResult {
  env: string; seed: number; backend: string; steps: number; stepsToThreshold: number | null; threshold: number | null;
  finalMean20: number; sps: number; evalReturns: number[] | null; wall: number;
  rudder: { episodes: number; active: boolean; lastLoss: number; quality: number; bufferSize: number } | null;
}

/** One training run in a process of its own (fresh JIT); with `rudder`, PPO gets a RudderRedistribution of that config. */
export async function runCase(cfg: Record<string, unknown>, evalKwargs?: Record<string, unknown>, rudder?: Record<string, unknown>): Promise<CaseResult> {
  return runChildCase<Omit<CaseResult, 'wall'>>('bench/ppo-case.ts', [JSON.stringify(cfg), JSON.stringify(evalKwargs ?? null), ...(rudder ? [JSON.stringify(rudder)] : [])]);
}

/** Share of `episodes` uniformly random episodes of KeyDoorTreasure-v0 that reach the treasure. */
export function randomSuccess(episodes: number, size: number): number {
  const env = make<Float32Array, number>('KeyDoorTreasure-v0', { size });
  env.actionSpace.seed(0);
  let wins = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset({ seed: 5_000_000 + e });
    for (;;) {
      const r = env.step(env.actionSpace.sample());
      if (r.terminated) wins++;
      if (r.terminated || r.truncated) break;
    }
  }
  return wins / episodes;
}

/**
 * Means and the Mann–Whitney U comparison of two samples of steps-to-threshold (not reached = ∞): the
 * probability that a run of ours needs more steps than one of CleanRL's, and a two-sided p-value (src/stats:
 * exact with ties for these sample sizes), so "same or fewer steps" is judged against the seed noise.
 */
function compareSteps(ours: (number | null)[], theirs: (number | null)[]): string {
  const a = ours.map((x) => x ?? Infinity), b = theirs.map((x) => x ?? Infinity);
  const t = mannWhitneyU(a, b);
  const mean = (xs: number[]): string => {
    const f = xs.filter(Number.isFinite);
    return f.length === xs.length ? Math.round(f.reduce((s, x) => s + x, 0) / f.length).toLocaleString('en') : 'n/a (some never reached)';
  };
  return `Means: ours ${mean(a)}, CleanRL ${mean(b)}. Mann–Whitney: P(ours needs more steps) = ${t.effect.toFixed(2)}, two-sided p = ${t.p.toFixed(2)} (${t.method === 'exact' ? 'exact, ties handled' : 'normal approximation, tie-corrected'}).`;
}

export interface PpoBenchOptions {
  seeds: number;
  steps: number;
  kdtSteps: number;
  kdtSeeds: number;
  kdtSize: number;
  cleanrlSeeds: number;
  /** Runs at a time, each in its own process (a CartPole seed and its CleanRL twin count as one). */
  jobs: number;
}

export interface PpoRuns {
  cartpole: CaseResult[];
  cleanrl: CleanrlRun[];
  kdt: { variant: 'delayed' | 'shaped'; seed: number; r: CaseResult }[];
}

/**
 * Every run of the suite, `jobs` at a time through the sweeps' pool, each in its own process: the CartPole
 * seeds (each followed by CleanRL's ppo.py with the same seed, so the two see the same machine load), then
 * KeyDoorTreasure per reward variant and seed. The results come in that order whatever finished first.
 */
export async function ppoRuns(opts: PpoBenchOptions, log: (m: string) => void = () => {}): Promise<PpoRuns> {
  type Item = { kind: 'cartpole'; seed: number } | { kind: 'kdt'; variant: 'delayed' | 'shaped'; seed: number };
  const items: Item[] = [
    ...Array.from({ length: opts.seeds }, (_, i): Item => ({ kind: 'cartpole', seed: i + 1 })),
    ...(['delayed', 'shaped'] as const).flatMap((variant) => Array.from({ length: opts.kdtSeeds }, (_, i): Item => ({ kind: 'kdt', variant, seed: i + 1 }))),
  ];
  const out = await inPool(items, opts.jobs, async (it) => {
    if (it.kind === 'cartpole') {
      const { seed } = it;
      log(`CartPole-v1 seed ${seed}: ${opts.steps} steps …`);
      const r = await runCase({ envId: 'CartPole-v1', seed, totalTimesteps: opts.steps });
      log(`  seed ${seed}: ≥475 at ${r.stepsToThreshold ?? 'never'}, final ${r.finalMean20.toFixed(1)}, ${Math.round(r.sps)} SPS, ${r.wall.toFixed(1)} s`);
      let c: CleanrlRun | null = null;
      if (seed <= opts.cleanrlSeeds) {
        log(`CleanRL ppo.py seed ${seed}: ${opts.steps} steps …`);
        c = await cleanrlRun(seed, opts.steps);
        log(c ? `  CleanRL seed ${seed}: ≥475 at ${c.stepsToThreshold ?? 'never'}, final ${c.finalMean20.toFixed(1)}, ${c.sps} SPS, ${c.wall.toFixed(1)} s` : '  not available (set CLEANRL_PPO_PY)');
      }
      return { it, r, c };
    }
    const { variant, seed } = it;
    log(`KeyDoorTreasure-v0 ${opts.kdtSize}×${opts.kdtSize} (${variant}) seed ${seed}: ${opts.kdtSteps} steps …`);
    const r = await runCase({ envId: 'KeyDoorTreasure-v0', envKwargs: { reward: variant, size: opts.kdtSize }, seed, totalTimesteps: opts.kdtSteps }, { size: opts.kdtSize });
    const success = r.evalReturns!.filter((x) => x > 0).length / r.evalReturns!.length;
    log(`  ${variant} seed ${seed}: success ${(100 * success).toFixed(0)} %, final train mean ${r.finalMean20.toFixed(3)}`);
    return { it, r, c: null };
  });
  const runs: PpoRuns = { cartpole: [], cleanrl: [], kdt: [] };
  for (const { it, r, c } of out) {
    if (it.kind === 'kdt') runs.kdt.push({ variant: it.variant, seed: it.seed, r });
    else {
      runs.cartpole.push(r);
      if (c) runs.cleanrl.push(c);
    }
  }
  return runs;
}

export async function runPpoBench(opts: PpoBenchOptions): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  // ---- CartPole-v1 parity, CleanRL hyperparameters (the config defaults), CleanRL's ppo.py with the same seed
  // right after each of ours; KeyDoorTreasure-v0: delayed reward vs a dense shaped one (the baseline RUDDER must beat) ----
  const { cartpole: runs, cleanrl, kdt } = await ppoRuns(opts, log);
  const med = median(runs.map((r) => r.stepsToThreshold ?? Infinity));
  const wallSps = runs.map((r) => r.steps / r.wall);
  const cleanrlMed = cleanrl.length ? median(cleanrl.map((c) => c.stepsToThreshold ?? Infinity)) : null;
  const cleanrlSps = cleanrl.length ? median(cleanrl.map((c) => c.sps)) : null;
  const fmtSteps = (n: number | null): string => (n !== null && Number.isFinite(n) ? n.toLocaleString('en') : 'not reached');

  const command = `npm run bench -- ppo --seeds ${opts.seeds} --steps ${opts.steps} --cleanrl-seeds ${opts.cleanrlSeeds} --kdt-steps ${opts.kdtSteps} --kdt-seeds ${opts.kdtSeeds} --kdt-size ${opts.kdtSize} --jobs ${opts.jobs}`;
  writeResults('ppo', command, { cartpole: runs, cleanrl, keyDoorTreasure: kdt.map(({ variant, r }) => ({ variant, ...r })) });
  const body = [
    '## PPO (`npm run bench -- ppo`)',
    '',
    `Command: \`${command}\`${cleanrl.length ? ' with CLEANRL_PPO_PY set' : ''} · ${machineLine()} · backend ${runs[0]?.backend} · per-seed results: bench/results/ppo.json`,
    '',
    ...(opts.jobs > 1 ? [`${opts.jobs} runs at a time (\`--jobs ${opts.jobs}\`, each its own process; a CartPole seed and its CleanRL twin one after the other): the steps and returns are those of one run after another, the speeds were measured beside other runs.`, ''] : []),
    '### CartPole-v1, CleanRL `ppo.py` hyperparameters (4 envs × 128 steps, 4 epochs × 4 minibatches)',
    '',
    cleanrl.length
      ? `Each of our runs is followed by CleanRL's own \`ppo.py\` with the same seed and step budget (Debian's torch 1.13, 1 thread; Gymnasium 1.3 given back the 0.29 vector contract ppo.py was written for, see \`bench/anchors/run_cleanrl_ppo.py\`). "Steps to ≥ 475" is the global step at which the mean of the last 20 finished episodes first reached 475, computed the same way from both programs' episode logs. CleanRL's SPS is its own print (training loop); ours is given both ways.`
      : `CleanRL's ppo.py could not be run in this session (set CLEANRL_PPO_PY); its figures below are quoted from ../shared/anchors/README.md.`,
    '',
    table(['seed', 'ours: steps to ≥ 475', 'CleanRL: steps to ≥ 475', 'ours: final 20-ep mean', 'CleanRL: final 20-ep mean', 'ours: loop SPS', 'ours: whole-process SPS', 'CleanRL: SPS'],
      runs.map((r) => {
        const c = cleanrl.find((x) => x.seed === r.seed);
        return [r.seed, fmtSteps(r.stepsToThreshold), c ? fmtSteps(c.stepsToThreshold) : '–', r.finalMean20.toFixed(1), c ? c.finalMean20.toFixed(1) : '–', fmtRate(r.sps), fmtRate(r.steps / r.wall), c ? fmtRate(c.sps) : '–'];
      })),
    '',
    `Median steps to ≥ 475: ours **${fmtSteps(med)}** over ${runs.length} seeds; ` +
      (cleanrlMed !== null ? `CleanRL **${fmtSteps(cleanrlMed)}** over ${cleanrl.length} seeds, side by side. ${compareSteps(runs.map((r) => r.stepsToThreshold), cleanrl.map((c) => c.stepsToThreshold))} ` : `CleanRL seed 1: ${CLEANRL.stepsTo475Seed1.toLocaleString('en')} (quoted). `) +
      `Median whole-process SPS: ours **${fmtRate(median(wallSps))}**; ` +
      (cleanrlSps !== null
        ? `CleanRL **${fmtRate(cleanrlSps)}** (its own loop SPS), so ours is **${(median(wallSps) / cleanrlSps).toFixed(1)}×** side by side.`
        : `against CleanRL's quoted quiet-machine ${fmtRate(CLEANRL.spsQuiet)} that is ${(median(wallSps) / CLEANRL.spsQuiet).toFixed(1)}× (not side by side).`),
    '',
    `### KeyDoorTreasure-v0 (${opts.kdtSize}×${opts.kdtSize}, episodes cut at ${10 * opts.kdtSize ** 2} steps): plain PPO on the delayed reward vs a dense shaped reward`,
    '',
    `Same PPO settings (CleanRL defaults), ${opts.kdtSteps.toLocaleString('en')} steps per run. "Success" is the share of 100 episodes of the trained policy (actions sampled, natural reward) that reach the treasure; the scripted expert reaches it in ≥ 95 % of episodes (asserted in its tests), uniformly random actions in ${(100 * randomSuccess(100, opts.kdtSize)).toFixed(0)} % (100 episodes, measured here). \`shaped\` adds +0.1 for the key and +0.1 for the door; \`delayed\` pays the whole return at the last step.`,
    '',
    table(['reward', 'seed', 'success', 'final 20-episode training return', 'training SPS'],
      kdt.map(({ variant, seed, r }) => [variant, seed, `${((100 * r.evalReturns!.filter((x) => x > 0).length) / r.evalReturns!.length).toFixed(0)} %`, r.finalMean20.toFixed(3), fmtRate(r.sps)])),
  ].join('\n');
  writeSection('ppo', body);
  log('wrote BENCHMARKS.md (section ppo)');
}
