import { runChildCase } from './child-case.ts';
import { machineLine, median, table, writeResults, writeSection } from './report.ts';
import { srPassesFor, DEFAULT_DEMO_NOISE, type RoomsExperimentOptions, type RoomsExperimentResult, type RoomsMethod } from '../src/experiments/rooms.ts';
import { inPool } from '../src/sweep/pool.ts';

/**
 * `npm run bench -- align`: Align-RUDDER vs BC+Q on a rooms env, the reference's gridworld figure (rudder.md
 * §4.3): training episodes until the evaluation return reaches 80 % of the mean demo return, per number of
 * demonstrations, seed for seed (both methods of a seed get the same demos). Each run is a process of its own
 * (bench/case.ts), `jobs` at a time through the sweeps' pool; the results are those of one after another.
 */

/** The paper's figure, ≈fig (read off the plot), episodes to 80 %: [Align-RUDDER, BC+Q] per demo count. */
const PAPER: Record<string, Record<number, [string, string]>> = {
  'FourRooms-v0': { 2: ['~1,500', '~7,000'], 5: ['~1,100', '~5,000'], 10: ['~800', '~2,000'], 50: ['~100', '~100'], 100: ['~0–50', '~0'] },
  'EightRooms-v0': { 2: ['~4,300', '~10,600'], 5: ['~1,800', '~8,200'], 10: ['~2,100', '~5,200'], 50: ['~100', '~200'], 100: ['~0', '~0'] },
};

const METHODS: { method: RoomsMethod; name: string }[] = [
  { method: 'align-rudder', name: 'Align-RUDDER' },
  { method: 'bc-q', name: 'BC+Q' },
];

const fmt = (x: number): string => Math.round(x).toLocaleString('en');

export interface AlignBenchOptions {
  seeds: number;
  demos: number[];
  maxEpisodes: number;
  env: string;
  srPasses: number | 'scaled';
  /** Runs at a time, each in its own process. */
  jobs: number;
}

export type AlignRun = RoomsExperimentResult & { wall: number };

/** Every run of the suite, demo count by demo count, seed by seed, the methods in order; `jobs` at a time. */
export async function alignRuns(opts: AlignBenchOptions, log: (m: string) => void = () => {}): Promise<AlignRun[]> {
  const cases = opts.demos.flatMap((numDemos) => Array.from({ length: opts.seeds }, (_, i) => METHODS.map(({ method, name }) => ({ method, name, numDemos, seed: i + 1 }))).flat());
  return inPool(cases, opts.jobs, async ({ method, name, numDemos, seed }) => {
    const input: RoomsExperimentOptions = { method, numDemos, seed, env: opts.env, maxEpisodes: opts.maxEpisodes, srPasses: opts.srPasses };
    const r = await runChildCase<RoomsExperimentResult>('bench/case.ts', ['align', JSON.stringify(input)]);
    log(`${name}, ${opts.env}, ${numDemos} demos, seed ${seed}: ${r.reached ? `${r.episodes} episodes` : `capped at ${r.episodes}`} (last eval ${r.lastEvalReturn.toFixed(3)}, target ${r.target.toFixed(3)}), ${r.wall.toFixed(1)} s`);
    return r;
  });
}

export async function runAlignBench(opts: AlignBenchOptions): Promise<void> {
  // The reference's 10 SR passes write the section align-<env>; another setting its own section beside it.
  const variant = opts.srPasses === 10 ? '' : `-sr-${opts.srPasses}`, name = `align-${opts.env}${variant}`;
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const t0 = performance.now();
  const results = await alignRuns(opts, log);
  const total = (performance.now() - t0) / 1000;
  const paper = PAPER[opts.env];
  const rows = opts.demos.map((numDemos) => {
    const cells: string[] = [String(numDemos)];
    for (const { method } of METHODS) {
      const mine = results.filter((r) => r.method === method && r.numDemos === numDemos);
      const eps = mine.map((r) => r.episodes), capped = mine.filter((r) => !r.reached).length;
      cells.push(fmt(median(eps)), fmt(eps.reduce((a, b) => a + b, 0) / eps.length), `${capped}/${mine.length}`);
    }
    const p = paper?.[numDemos];
    cells.push(p ? p[0] : '–', p ? p[1] : '–');
    return cells;
  });
  const command = `npm run bench -- align --seeds ${opts.seeds} --demos ${opts.demos.join(',')} --max-episodes ${opts.maxEpisodes} --env ${opts.env}${variant ? ` --sr-passes ${opts.srPasses}` : ''} --jobs ${opts.jobs}`;
  writeResults(name, command, results);
  const labels = results.filter((r) => r.numLabels !== undefined).map((r) => r.numLabels!);
  const demoLen = results.map((r) => r.meanDemoLength);
  const body = [
    `## Align-RUDDER vs BC+Q on ${opts.env}${variant ? `, SR passes ${opts.srPasses === 'scaled' ? 'scaled to the demo count' : opts.srPasses}` : ''} (\`npm run bench -- align\`)`,
    '',
    `Command: \`${command}\` · ${machineLine()} · per-seed results: bench/results/${name}.json`,
    '',
    `Training episodes until the evaluation return (every 10 episodes, ε = 0.1; 20 episodes for Align-RUDDER, 40 for BC+Q, as in the reference's run scripts) reaches 0.8 × the mean demo return, over ${opts.seeds} seeds (1…${opts.seeds}); both methods of a seed learn from the same demos. Tabular Q, Q ~ N(1, 0.5²) then BC init, ε = 0.2, γ = 1. Align-RUDDER: α = 0.1, Q over (state, clusters visited so far), updated after each episode towards κ_t = the 20-step sum of the redistributed reward; BC+Q: α = 0.01, one Q-learning step per env step. Demos: the scripted expert with ${DEFAULT_DEMO_NOISE} action noise from the solvable start rooms (mean ${(demoLen.reduce((a, b) => a + b, 0) / demoLen.length).toFixed(1)} steps; the reference's FourRooms demos average 27.6). Runs that never reach the target stop at ${fmt(opts.maxEpisodes)} episodes (the reference's cap is 100,000) and count as ${fmt(opts.maxEpisodes)}, so a mean with capped runs is a lower bound. Align-RUDDER used ${Math.min(...labels)}–${Math.max(...labels)} event labels; its successor representation learned from ${opts.srPasses === 10 ? '10 passes over the demos (the reference)' : opts.srPasses === 'scaled' ? `max(4, round(20 / demos)) passes over the demos (${opts.demos.map((d) => `${d} demos: ${srPassesFor('scaled', d)}`).join(', ')}) instead of the reference's 10 (see src/experiments/rooms.ts \`srPasses\`)` : `${opts.srPasses} passes over the demos (the reference: 10)`}. The paper's values are ≈fig (read off its plot, mean over 100 seeds; rudder.md §4.3). Total wall time ${fmt(total)} s.`,
    '',
    table(['demos', 'Align-RUDDER median', 'Align-RUDDER mean', 'Align-RUDDER capped', 'BC+Q median', 'BC+Q mean', 'BC+Q capped', 'paper Align-RUDDER', 'paper BC+Q'], rows),
  ].join('\n');
  writeSection(name, body);
  log(`wrote BENCHMARKS.md (section ${name}), ${total.toFixed(0)} s`);
}
