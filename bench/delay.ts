import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DelayCaseConfig, DelayCaseResult } from './delay-case.ts';
import { runChildCase } from './child-case.ts';
import { randomSuccess } from './ppo.ts';
import { machineLine, table, writeResults, writeSection } from './report.ts';
import { censoredMedian, fmtSteps, svgPlot } from './svg-plot.ts';
import { inPool } from '../src/sweep/pool.ts';

const ROOT = resolve(import.meta.dirname, '..');
const ENV_ID = 'KeyDoorTreasure-v0';

export interface DelayBenchOptions {
  delays: number[];
  seeds: number;
  budget: number;
  size: number;
  window: number;
  target: number;
  distractorProbability: number;
  distractorMagnitude: number;
  /** PPO's learning rate constant, not annealed over the budget. */
  constantLr: boolean;
  /** Training runs at a time, each in its own process. */
  jobs: number;
  /** Keep the runs of the saved sweep made with the same settings (see reuseSaved). */
  continue?: boolean;
  /** With `continue`: this arm's saved runs are not kept but run again. */
  rerun?: string;
  /** Results name: bench/results/NAME.{json,svg} and the BENCHMARKS.md section (default `delay-sweep`, section `delay`). */
  results?: string;
  /** The command line that reproduces this run, for the report. */
  command: string;
}

/** The files and the BENCHMARKS.md section of a sweep named `name`. */
function outputs(name = 'delay-sweep'): { name: string; json: string; svg: string; section: string } {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`delay --results: "${name}" is not a plain name (lowercase letters, digits, dashes)`);
  return { name, json: `bench/results/${name}.json`, svg: `bench/results/${name}.svg`, section: name === 'delay-sweep' ? 'delay' : name };
}

/** RUDDER's settings in the sweep (its arm's `what` says why each differs from the defaults). */
export const DELAY_RUDDER: Record<string, unknown> = {
  returnScale: 1, features: 'gridEvents', actionInput: false, timeEncoding: { max: 2000, span: 100 },
  updateTraining: { batchSize: 8, maxBatches: 4, lossThreshold: 0 }, recurrentGradClip: 1, buffer: 'fifo',
  decomposition: { learningRate: 2e-3 },
};

const ARMS: { name: string; color: string; what: string; rudder: Record<string, unknown> | null }[] = [
  { name: 'PPO', color: '#d62728', what: "plain PPO on the delayed reward, CleanRL's defaults as in `npm run bench -- rudder` (4 envs × 128 steps, γ 0.99, λ 0.95, lr 2.5e-4 annealed to 0 over the budget, so a run's steps to the target depend on the budget; `--constant-lr` keeps it constant)", rudder: null },
  // returnScale 1, not the default 'auto': with distractors the first non-zero return is usually a failed episode's
  // few distractors (e.g. 0.03), which scaled the LSTM's targets ~30× up; KeyDoorTreasure's returns are of order 1.
  // The LSTM's input and training are the ones that let it find the treasure step at long delays (README,
  // "RUDDER at long delays"): with RUDDER's defaults (the flat observation and the actions, one Adam step per
  // episode) it put little of a success's return on the treasure step, and this arm stayed below 50 % at D ≥ 50
  // on 14 of 15 runs (the sweep of 2026-12-02, commit cfea2d6). recurrentGradClip since the 6×6 sweep of
  // 2026-12-03 (commit 8990689), where the unclipped LSTM overflowed at D = 800 and the arm collapsed.
  { name: 'PPO + RUDDER', color: '#1f77b4', what: "the same PPO with `RudderRedistribution.forEnv(id, kwargs, { seed, ...DELAY_RUDDER })`: RUDDER's defaults (reward mode, fully connected LSTM gates, no trace) except what the LSTM sees and how much it trains: `features: 'gridEvents'` (cell-code counts, the carried key and the delay counter, not the agent's pose), `actionInput: false`, a time encoding (`timeEncoding: { max: 2000, span: 100 }`, since the treasure pays less the later it is reached), `updateTraining: { batchSize: 8, maxBatches: 4, lossThreshold: 0 }` (4 minibatches of 8 buffer episodes after every PPO update), `returnScale: 1` (with distractors `auto` takes a failed episode's distractor sum, ≈ 0.03, as the scale), and `recurrentGradClip: 1` (the recurrent gradient clipped to [−1, 1] per step: without it the LSTM's gradient through ~1,000-step episodes overflowed at D = 800, 30,520 Adam steps were dropped as non-finite and trust fell to 0), and `buffer: 'fifo'` (the last 64 episodes, sampled uniformly: the default loss-prioritised buffer keeps an episode until one with a higher loss replaces it, so with distractor noise in the returns it fills with the noisiest and oldest episodes; at D = 800, seed 1, the LSTM's trust fell to 0 by 600k steps with it (lr held at 2.5e-4) and success to 10–20 %, where with the ring and the sweep's annealed lr the trust held 0.2–0.57 to 2.2M steps and success peaked at 74 % before it too fell; bench/diagnostics/delay-success.mts, 2026-12-03), and the LSTM's learning rate 2e-3 instead of RUDDER's default 1e-2 (`decomposition: { learningRate: 2e-3 }`: with 1e-2 and the ring, that seed's trust fell to 0 after 2.2M steps and success to 15–25 %; with 2e-3 the same seed held trust 0.34–0.61 and success 62–85 % per block from 2.15M to 2.77M steps, where the run was stopped; 2026-12-04)", rudder: DELAY_RUDDER },
];

async function runDelayCase(cfg: DelayCaseConfig): Promise<DelayCaseResult & { wall: number }> {
  return runChildCase<DelayCaseResult>('bench/delay-case.ts', [JSON.stringify(cfg)]);
}

/**
 * `npm run bench -- delay`: the delay sweep. KeyDoorTreasure-v0 (size×size) with the delayed reward and
 * distractor rewards, `delay` D after the treasure (`make(id, { reward: 'delayed', delay: D, distractors })`,
 * the counter observation); for each D and seed, PPO and PPO + RUDDER train until the success rate of their
 * last `window` training episodes reaches `target` (or the budget runs out: censored, "> budget"). The
 * measure is the env steps that took, the delay's steps included (every arm pays them alike).
 */
export async function runDelayBench(o: DelayBenchOptions): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const rows: DelayRow[] = [];
  const distractors = { probability: o.distractorProbability, magnitude: o.distractorMagnitude };
  const arms = ARMS.map((a) => ({ name: a.name, rudder: a.rudder }));
  const out = outputs(o.results);
  const save = (): void => writeResults(out.name, o.command, { options: { ...o, command: undefined, jobs: undefined, continue: undefined, rerun: undefined, results: undefined, arms }, results: rows });
  const cases = o.delays.flatMap((delay) => Array.from({ length: o.seeds }, (_, i) => ARMS.map((arm) => ({ delay, seed: i + 1, arm })))).flat();
  const done: (DelayRow | undefined)[] = new Array(cases.length);
  if (o.continue) reuseSaved(o, arms, cases, done, log);
  await inPool(cases, o.jobs, async ({ delay, seed, arm }, i) => {
    if (done[i]) return;
    const envKwargs = { reward: 'delayed', size: o.size, delay, distractors };
    log(`${arm.name}, ${ENV_ID} ${o.size}×${o.size} delayed, D = ${delay}, seed ${seed}: up to ${o.budget} steps …`);
    const r = await runDelayCase({ envId: ENV_ID, envKwargs, seed, budget: o.budget, window: o.window, target: o.target, constantLr: o.constantLr, rudder: arm.rudder });
    log(`  ${arm.name}, D = ${delay}, seed ${seed}: ${r.stepsToTarget === null ? `not reached (> ${o.budget}), final rate ${(100 * r.finalRate).toFixed(0)} %` : `${(100 * o.target).toFixed(0)} % at ${r.stepsToTarget} steps`}, ${r.episodes} episodes, ${r.wall.toFixed(0)} s, ${Math.round(r.sps)} SPS${r.rudder ? `, RUDDER q ${r.rudder.quality.toFixed(2)}` : ''}`);
    done[i] = { arm: arm.name, delay, ...r };
    rows.length = 0;
    for (const d of done) if (d) rows.push(d); // in sweep order whatever finished first
    save(); // a long sweep keeps what it has
  });
  reportDelay(o, rows, machineLine());
  log(`wrote ${out.json}, ${out.svg} and BENCHMARKS.md (section ${out.section})`);
}

type DelayRow = { arm: string; delay: number } & DelayCaseResult & { wall: number };

/**
 * `--continue`: the runs of bench/results/delay-sweep.json made with the same settings (budget, size, window,
 * target, distractors and learning-rate schedule, and the same arm with the same RUDDER config) are kept, not run again.
 */
function reuseSaved(o: DelayBenchOptions, arms: { name: string; rudder: unknown }[], cases: { delay: number; seed: number; arm: { name: string } }[], done: (DelayRow | undefined)[], log: (m: string) => void): void {
  let saved: { results: { options: Record<string, unknown>; results: DelayRow[] } };
  const { json } = outputs(o.results);
  try {
    saved = JSON.parse(readFileSync(resolve(ROOT, json), 'utf8')) as typeof saved;
  } catch {
    log(`--continue: no readable ${json}, running every case`);
    return;
  }
  const so = saved.results.options, keys = ['budget', 'size', 'window', 'target', 'distractorProbability', 'distractorMagnitude', 'constantLr'] as const;
  const differs = keys.filter((k) => so[k] !== o[k]);
  if (differs.length) {
    log(`--continue: the saved sweep differs in ${differs.join(', ')}; running every case`);
    return;
  }
  if (o.rerun !== undefined && !cases.some((c) => c.arm.name === o.rerun)) throw new Error(`--rerun: no arm named "${o.rerun}" (arms: ${[...new Set(cases.map((c) => c.arm.name))].join(', ')})`);
  // An arm's runs are kept only if the arm is configured as it was (a new or changed arm runs again).
  const savedArm = new Map((so.arms as { name: string }[] | undefined ?? []).map((a) => [a.name, JSON.stringify(a)]));
  const same = new Set(arms.filter((a) => savedArm.get(a.name) === JSON.stringify(a)).map((a) => a.name));
  let kept = 0;
  cases.forEach((c, i) => {
    if (c.arm.name === o.rerun || !same.has(c.arm.name)) return;
    const r = saved.results.results.find((x) => x.arm === c.arm.name && x.delay === c.delay && x.seed === c.seed);
    if (r) (done[i] = r), kept++;
  });
  log(`--continue: kept ${kept} of ${cases.length} runs from ${json}`);
}

/** `npm run bench -- delay --report-only [--results NAME]`: the table and the plot again from the saved JSON, without running. */
export function reportDelayFromResults(name?: string): void {
  const out = outputs(name);
  const saved = JSON.parse(readFileSync(resolve(ROOT, out.json), 'utf8')) as { command: string; machine: string; results: { options: Omit<DelayBenchOptions, 'command'>; results: DelayRow[] } };
  reportDelay({ ...saved.results.options, results: name, command: saved.command }, saved.results.results, saved.machine);
  process.stderr.write(`wrote ${out.svg} and BENCHMARKS.md (section ${out.section}) from ${out.json}\n`);
}

function reportDelay(run: DelayBenchOptions, rows: DelayRow[], machine: string): void {
  const o = { ...run, delays: [...run.delays].sort((a, b) => a - b) }; // a sweep may run the long delays first
  const out = outputs(run.results);

  const cell = (v: number | null): string => (v === null ? `> ${fmtSteps(o.budget)}` : fmtSteps(v));
  const values = (arm: string, delay: number): (number | null)[] => rows.filter((r) => r.arm === arm && r.delay === delay).sort((a, b) => a.seed - b.seed).map((r) => r.stepsToTarget);
  // A sweep stopped before its end (its JSON is saved after every run) is reported as far as it got.
  const complete = (arm: string, delay: number): boolean => values(arm, delay).length === o.seeds;
  const median = (arm: string, delay: number): string => (complete(arm, delay) ? cell(censoredMedian(values(arm, delay))) : `${values(arm, delay).length} of ${o.seeds} seeds run`);
  const missing = o.delays.length * o.seeds * ARMS.length - rows.length;
  const ratio = (delay: number): string => {
    if (!complete('PPO', delay) || !complete('PPO + RUDDER', delay)) return 'n/a (not every seed run)';
    const p = censoredMedian(values('PPO', delay)), r = censoredMedian(values('PPO + RUDDER', delay));
    if (p !== null && r !== null) return (r / p).toFixed(2);
    if (p === null && r !== null) return `< ${(r / o.budget).toFixed(2)}`;
    if (p !== null && r === null) return `> ${(o.budget / p).toFixed(2)}`;
    return 'n/a (both medians censored)';
  };
  const svg = svgPlot({
    title: `Delay sweep: KeyDoorTreasure ${o.size}×${o.size}, delayed reward + distractors`,
    subtitle: `env steps until ${(100 * o.target).toFixed(0)} % success over the last ${o.window} episodes; ${o.seeds} seed${o.seeds === 1 ? '' : 's'} per point`,
    xLabel: 'delay D (steps between the treasure and the reward)',
    yLabel: `env steps to ${(100 * o.target).toFixed(0)} % success`,
    x: o.delays,
    series: ARMS.map((a) => ({ name: a.name, color: a.color, values: o.delays.map((d) => values(a.name, d)) })),
    budget: o.budget,
  });
  writeFileSync(resolve(ROOT, out.svg), svg);
  const random = randomSuccess(200, o.size);
  const wallMed = (arm: string): string => {
    const w = rows.filter((r) => r.arm === arm).map((r) => r.wall).sort((a, b) => a - b);
    return w.length ? `${w[Math.floor((w.length - 1) / 2)]!.toFixed(0)} s` : 'n/a';
  };
  const reduced = o.seeds < 5 || o.budget < 2_000_000;
  const partial = !reduced && o.delays.join(',') !== '0,50,200,800';
  const body = [
    `## Delay sweep${out.name === 'delay-sweep' ? '' : ` (${out.name})`}, PPO vs PPO + RUDDER (\`npm run bench -- delay\`)`,
    '',
    ...(reduced ? ['**A reduced (smoke) run**: fewer seeds or steps than the full sweep (`npm run bench -- delay`: D ∈ {0, 50, 200, 800}, 5 seeds, 2M-step budget); its figures show the bench works, not the claim.', ''] : []),
    ...(partial ? [`**Part of a sweep**: only D ∈ {${o.delays.join(', ')}} was run (the full sweep: D ∈ {0, 50, 200, 800}).`, ''] : []),
    `Command: \`${o.command}\` · ${machine} · per-seed results: ${out.json} · plot: ${out.svg}`,
    '',
    `KeyDoorTreasure-v0 ${o.size}×${o.size}, \`make('${ENV_ID}', { reward: 'delayed', delay: D, distractors: { probability: ${o.distractorProbability}, magnitude: ${o.distractorMagnitude} } })\`: the episode runs D steps after the treasure (actions ignored, the observation frozen with a counter of the delay left), the distractors go on through the delay, and the whole return is paid at the very end. Measure: env steps (the delay's included) until the success rate of the last ${o.window} training episodes first reaches ${(100 * o.target).toFixed(0)} %, budget ${o.budget.toLocaleString('en')} steps per run ("> budget": not reached). Success = the episode reached the treasure (it ended terminated), whatever its noisy return; uniformly random actions succeed in ${(100 * random).toFixed(0)} % of episodes at this size. Medians count a censored run as +∞.`,
    ...(missing > 0 ? ['', `**Incomplete:** the sweep was stopped with ${missing} of its ${o.delays.length * o.seeds * ARMS.length} runs not made; a cell says how many seeds it holds, and medians and ratios are given only where every seed ran.`] : []),
    '',
    ...ARMS.map((a) => `- **${a.name}**: ${a.what}.`),
    '',
    table(['D', ...ARMS.flatMap((a) => [`${a.name}, per seed`, `${a.name}, median`]), 'RUDDER / PPO (medians)'],
      o.delays.map((d) => [String(d), ...ARMS.flatMap((a) => [values(a.name, d).map(cell).join(', '), median(a.name, d)]), ratio(d)])),
    '',
    `Success rate of the last ${o.window} training episodes, per seed: the best over the run${rows.some((r) => r.bestRate === undefined) ? ' (read off the curve, sampled every 10 PPO iterations)' : ''} / at its end (a run that reached the target stopped at the end of that PPO iteration):`,
    '',
    table(['D', ...ARMS.map((a) => a.name)], o.delays.map((d) => [String(d), ...ARMS.map((a) => rows.filter((r) => r.arm === a.name && r.delay === d).sort((x, y) => x.seed - y.seed)
      .map((r) => `${(100 * (r.bestRate ?? Math.max(...r.curve.map((c) => c[1])))).toFixed(0)} / ${(100 * r.finalRate).toFixed(0)} %`).join(', '))])),
    '',
    ...(o.constantLr ? ['The learning rate was constant (`--constant-lr`).', ''] : []),
    `Wall time per run (median): ${ARMS.map((a) => `${a.name} ${wallMed(a.name)}`).join(', ')}${o.command.includes('--rerun') ? ' (not comparable: with `--rerun` one arm ran again later, on a differently loaded machine)' : ''}.`,
    '',
    `![delay sweep](${out.svg})`,
  ].join('\n');
  writeSection(out.section, body);
}
