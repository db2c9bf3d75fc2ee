import { runChildCase } from './child-case.ts';
import { machineLine, median, table, writeResults, writeSection } from './report.ts';
import { WATCH_REPAIR_DEMO, type WatchRepairMethod, type WatchRepairOptions, type WatchRepairResult } from '../src/experiments/watch-repair-demo.ts';
import { inPool } from '../src/sweep/pool.ts';

/**
 * `npm run bench -- watch-repair`: RUDDER's watch-repair demonstration (rudder.md §1.7): episodes until the
 * moving average (window 750) of optimal first actions reaches 0.95, for tabular Q-estimation from RUDDER's
 * redistributed reward, Q-learning (TD) and Monte-Carlo (MC), seed for seed. Each run is a process of its own
 * (bench/case.ts), `jobs` at a time through the sweeps' pool; the results are those of one after another.
 */

const METHODS: { method: WatchRepairMethod; name: string }[] = [
  { method: 'rudder', name: 'RUDDER' },
  { method: 'td', name: 'TD (Q-learning)' },
  { method: 'mc', name: 'MC' },
];

/** The demo README's figures for its seeds 1–3 (rudder.md §1.7): episodes until the stop criterion. */
const README: Record<WatchRepairMethod, string> = { rudder: '≈1.9k–3.8k', td: '≈71.8k–71.9k', mc: '27.7k to > 240k' };

const fmt = (x: number): string => Math.round(x).toLocaleString('en');

/** A run's result as the suite keeps it: without the trained model, with its wall time. */
export type WatchRepairRun = Omit<WatchRepairResult, 'model'> & { wall: number };

/** Every run of the suite, seed by seed, the methods in order; `jobs` at a time. */
export async function watchRepairRuns(opts: { seeds: number; maxEpisodes: number; jobs: number }, log: (m: string) => void = () => {}): Promise<WatchRepairRun[]> {
  const cases = Array.from({ length: opts.seeds }, (_, i) => METHODS.map(({ method, name }) => ({ method, name, seed: i + 1 }))).flat();
  return inPool(cases, opts.jobs, async ({ method, name, seed }) => {
    const input: WatchRepairOptions = { method, seed, maxEpisodes: opts.maxEpisodes };
    const r = await runChildCase<Omit<WatchRepairRun, 'firstQ'> & { firstQ: number[] }>('bench/case.ts', ['watch-repair', JSON.stringify(input)]);
    const lstm = r.lstmUpdates === undefined ? '' : `, ${r.lstmUpdates} LSTM updates in ${r.lstmTrainings} trainings`;
    log(`${name}, seed ${seed}: ${r.reached ? `${r.episodes} episodes` : `capped at ${r.episodes} (share ${r.optimalShare.toFixed(3)})`}${lstm}, ${r.wall.toFixed(1)} s`);
    return { ...r, firstQ: Float64Array.from(r.firstQ) };
  });
}

export async function runWatchRepairBench(opts: { seeds: number; maxEpisodes: number; jobs: number }): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const t0 = performance.now();
  const runs = await watchRepairRuns(opts, log);
  const total = (performance.now() - t0) / 1000;
  const cell = (r: WatchRepairRun): string => (r.reached ? fmt(r.episodes) : `> ${fmt(r.episodes)}`);
  const rows = METHODS.map(({ method, name }) => {
    const mine = runs.filter((r) => r.method === method);
    const capped = mine.filter((r) => !r.reached).length;
    // A capped run counts as its cap, so a median that takes one in is only a lower bound, marked "≥".
    const med = median(mine.map((r) => r.episodes));
    const sorted = [...mine].sort((a, b) => a.episodes - b.episodes), n = sorted.length;
    const medCapped = !sorted[(n - 1) >> 1]!.reached || !sorted[n >> 1]!.reached;
    return [name, ...mine.map(cell), `${medCapped ? '≥ ' : ''}${fmt(med)}`, `${capped}/${mine.length}`, `${median(mine.map((r) => r.wall)).toFixed(1)} s`, README[method]];
  });
  const command = `npm run bench -- watch-repair --seeds ${opts.seeds} --wr-max-episodes ${opts.maxEpisodes} --jobs ${opts.jobs}`;
  writeResults('watch-repair', command, runs);
  const rudder = runs.filter((r) => r.method === 'rudder');
  const s = WATCH_REPAIR_DEMO;
  const body = [
    '## RUDDER watch-repair demonstration (`npm run bench -- watch-repair`)',
    '',
    `Command: \`${command}\` · ${machineLine()} · per-seed results: bench/results/watch-repair.json`,
    '',
    `WatchRepair-v0 with the demo's reward timing (repair cost at step 0, the rest at step 49). Tabular Q over the demo's state (repaired, jams, flat tires, brand, t), optimistic Q = ${s.initialQ}, α = ${s.alpha}, greedy with ${100 * s.epsilon} % random first actions. Episodes until the moving average (window ${s.window}) of optimal first actions reaches ${s.target}, capped at ${fmt(opts.maxEpisodes)} ("> cap" = not reached). RUDDER: direct Q estimation from the redistributed reward of a ${s.lstmUnits}-unit LSTM trained on the demo's schedule (FIFO buffer ${s.bufferCapacity}, after > ${s.minBuffered} episodes, every ${s.trainEvery} episodes until an EMA of the main loss < ${s.lossTarget}); TD: Q-learning; MC: Monte-Carlo returns. Source: src/experiments/watch-repair-demo.ts. The last column is the demo README's runtimes for its seeds 1–3 (rudder.md §1.7), not the same random streams.`,
    '',
    table(['method', ...Array.from({ length: opts.seeds }, (_, i) => `seed ${i + 1}`), 'median', 'capped', 'wall time per run (median)', 'demo README'], rows),
    '',
    `RUDDER's LSTM: ${fmt(median(rudder.map((r) => r.lstmUpdates!)))} minibatch updates in ${fmt(median(rudder.map((r) => r.lstmTrainings!)))} training calls per run (median). Total wall time ${total.toFixed(0)} s.`,
  ].join('\n');
  writeSection('watch-repair', body);
  log('wrote BENCHMARKS.md (section watch-repair)');
}
