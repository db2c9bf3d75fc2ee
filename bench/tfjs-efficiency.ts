/**
 * `npm run bench -- tfjs-efficiency [--seeds N]`: sample efficiency of PPO's tfjs path against the fused
 * path on CartPole-v1: per seed, the same network (CleanRL's 64-64 MLP; the tfjs run gets the fused agent's
 * initial weights through `toLayersModel`) trained both ways with CleanRL's settings, each until the mean of
 * the last 20 episodes reaches 475 (or 500k steps). Seed by seed, fused then tfjs (wasm), each run a process of
 * its own (bench/case.ts), `jobs` at a time through the sweeps' pool; the results are those of one after another.
 * The section and bench/results/tfjs-efficiency.json are rewritten after every run, so a stopped run keeps
 * the runs it finished.
 */
import { createAgent } from '../src/agents/ppo/agent.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { actionHeads, trainPpo } from '../src/agents/ppo/ppo.ts';
import { toLayersModel } from '../src/agents/run/model-io.ts';
import { runChildCase } from './child-case.ts';
import { stepsToMean20 } from './ppo.ts';
import { inPool } from '../src/sweep/pool.ts';
import { mannWhitneyU } from '../src/stats/index.ts';
import { fmtRate, machineLine, median, table, writeResults, writeSection } from './report.ts';

const THRESHOLD = 475, BUDGET = 500_000;

export interface TfjsEfficiencyRun {
  seed: number;
  engine: 'fused' | 'tfjs-wasm';
  stepsTo475: number | null;
  steps: number;
  /** Mean return of the last 20 episodes. */
  finalMean20: number;
  sps: number;
}
type Run = TfjsEfficiencyRun;

/** One run (bench/case.ts runs it in a process of its own); `budget` steps at most (the bench: 500k). */
export async function tfjsEfficiencyRun({ seed, engine, budget = BUDGET }: { seed: number; engine: Run['engine']; budget?: number }): Promise<Run> {
  const input = { envId: 'CartPole-v1', seed, totalTimesteps: budget };
  const cfg = parsePpoConfig(input);
  const t0 = performance.now();
  const r = await trainPpo(engine === 'fused' ? input : { ...input, policy: 'tfjs' }, {
    backend: 'wasm', stopAtReturn: THRESHOLD,
    tfjsModel: engine === 'fused' ? null : (obs, act) => toLayersModel(createAgent({ ...cfg, policy: 'mlp' }, obs.shape, actionHeads(act)!)),
  });
  const wall = (performance.now() - t0) / 1000;
  r.policy.dispose();
  const last = r.episodes.slice(-20);
  return {
    seed, engine, stepsTo475: stepsToMean20(r.episodes.map((e) => ({ step: e.globalStep, ret: e.return })), THRESHOLD), steps: r.globalStep,
    finalMean20: last.reduce((a, e) => a + e.return, 0) / Math.max(1, last.length), sps: r.globalStep / wall,
  };
}

/**
 * Every run, seed by seed, fused then tfjs; `jobs` at a time, each in its own process. `onRun` gets the runs
 * finished so far in that order (a run whose predecessors are still running waits for them there).
 */
export async function tfjsEfficiencyRuns(opts: { seeds: number; jobs: number; budget?: number }, onRun: (runs: Run[], last: Run) => void = () => {}): Promise<Run[]> {
  const cases = Array.from({ length: opts.seeds }, (_, i) => (['fused', 'tfjs-wasm'] as const).map((engine) => ({ seed: i + 1, engine, budget: opts.budget ?? BUDGET }))).flat();
  const done: (Run | undefined)[] = new Array(cases.length);
  await inPool(cases, opts.jobs, async (c, i) => {
    const { wall: _wall, ...r } = await runChildCase<Run>('bench/case.ts', ['tfjs-efficiency', JSON.stringify(c)]);
    done[i] = r;
    onRun(done.filter((x): x is Run => x !== undefined), r);
  });
  return done as Run[];
}

export async function runTfjsEfficiencyBench(opts: { seeds: number; jobs: number }): Promise<void> {
  const command = `npm run bench -- tfjs-efficiency --seeds ${opts.seeds} --jobs ${opts.jobs}`;
  await tfjsEfficiencyRuns(opts, (runs, r) => {
    process.stderr.write(`seed ${r.seed} ${r.engine}: ≥475 at ${r.stepsTo475 ?? 'never'} (${r.steps} steps, ${Math.round(r.sps)} SPS)\n`);
    report(runs, opts.seeds, command);
  });
}

function report(runs: Run[], planned: number, command: string): void {
  // Seeds with both runs done.
  const done = [...new Set(runs.map((r) => r.seed))].filter((seed) => runs.filter((r) => r.seed === seed).length === 2).length;
  writeResults('tfjs-efficiency', command, runs);
  const steps = (e: Run['engine']): number[] => runs.filter((r) => r.engine === e).map((r) => r.stepsTo475 ?? Infinity);
  const fused = steps('fused'), tfjs = steps('tfjs-wasm');
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toLocaleString('en') : 'never');
  const mean = (xs: number[]): string => (xs.every(Number.isFinite) ? Math.round(xs.reduce((s, x) => s + x, 0) / xs.length).toLocaleString('en') : 'n/a');
  const mw = mannWhitneyU(tfjs, fused); // steps to 475, never = ∞
  const bySeed = [...new Set(runs.map((r) => r.seed))].map((seed) => {
    const f = runs.find((r) => r.seed === seed && r.engine === 'fused'), t = runs.find((r) => r.seed === seed && r.engine === 'tfjs-wasm');
    return [seed, f ? fmt(f.stepsTo475 ?? Infinity) : '–', t ? fmt(t.stepsTo475 ?? Infinity) : '–', f ? fmtRate(f.sps) : '–', t ? fmtRate(t.sps) : '–'];
  });
  writeSection('tfjs-efficiency', [
    "## PPO's tfjs path: sample efficiency against the fused path (`npm run bench -- tfjs-efficiency`)",
    '',
    `Command: \`${command}\` · ${machineLine()} · per-seed JSON: bench/results/tfjs-efficiency.json${done < planned ? ` · **${done} of ${planned} seeds done**` : ''}`,
    '',
    `CartPole-v1, CleanRL's settings and 64-64 MLP, each run until the mean of the last 20 episodes first reaches ${THRESHOLD} (budget ${BUDGET.toLocaleString('en')} steps). Per seed the same initial weights both ways: the fused agent, and that agent exported with \`toLayersModel\` as \`policy: 'tfjs'\` (tfjs autodiff on wasm). The two paths compute the same losses to float tolerance, so they differ only by float rounding, which compounds over a run: the per-seed numbers differ, the distributions should not.`,
    '',
    table(['seed', 'fused: steps to ≥ 475', 'tfjs wasm: steps to ≥ 475', 'fused SPS', 'tfjs wasm SPS'], bySeed),
    '',
    `Median steps to ≥ 475: fused **${fmt(median(fused))}**, tfjs **${fmt(median(tfjs))}** over ${Math.min(fused.length, tfjs.length)} seeds; means ${mean(fused)} and ${mean(tfjs)}. Mann–Whitney: P(tfjs needs more steps) = ${mw.effect.toFixed(2)}, two-sided p = ${mw.p.toFixed(2)} (${mw.method === 'exact' ? 'exact, ties handled' : 'normal approximation, tie-corrected'}).`,
  ].join('\n'));
}
