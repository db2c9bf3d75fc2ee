/**
 * `rudder sweep FILE --workers N`: the sweep's runs on this machine, N `rudder train` child processes at a
 * time. Done runs are skipped and stopped ones resume, so running the sweep again continues it.
 */
import { finishedRun, prepareSweep, runOne, type RudderCommand, type RunOutcome } from './run-one.ts';
import { SweepProgress } from './progress.ts';
import { sweepRuns, type Sweep, type SweepRun } from './spec.ts';

/**
 * `fn` over every item, at most `workers` at a time, started in the items' order; the results in that order
 * too, whatever finished first (the benchmarks' suites run their seeds through it with `--jobs`).
 */
export async function inPool<T, R>(items: readonly T[], workers: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`workers must be an integer ≥ 1, got ${workers}`);
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, items.length) }, worker));
  return out;
}

export interface PoolResult {
  done: number;
  failed: { run: SweepRun; outcome: Extract<RunOutcome, { status: 'failed' }> }[];
}

export async function runPool(s: Sweep, opts: { workers: number; cmd: RudderCommand; runs?: SweepRun[] }, say: (line: string) => void): Promise<PoolResult> {
  if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new Error(`--workers must be an integer ≥ 1, got ${opts.workers}`);
  const all = opts.runs ?? sweepRuns(s);
  const progress = new SweepProgress(s, all);
  prepareSweep(s);
  const runs = all.filter((r) => {
    const finished = finishedRun(s, r) !== null;
    if (finished) progress.set(r, 'done');
    return !finished;
  });
  const result: PoolResult = { done: all.length - runs.length, failed: [] };
  const one = async (run: SweepRun): Promise<void> => {
    const o = await runOne(s, run, opts.cmd, (pid, resumed) => {
      progress.set(run, 'running');
      say(`start  ${run.arm} seed ${run.seed}${resumed ? ' (resumed from its checkpoint)' : ''} · pid ${pid} · ${progress.line()}`);
    });
    if (o.status === 'done') {
      result.done++;
      progress.set(run, 'done');
      say(`done   ${run.arm} seed ${run.seed}: mean return (last 20) ${o.summary.meanReturnLast20?.toFixed(2) ?? '-'} · ${progress.line()}`);
    } else {
      result.failed.push({ run, outcome: o });
      progress.set(run, 'failed');
      say(`FAILED ${run.arm} seed ${run.seed} (${o.signal ?? `exit code ${o.code}`}; log ${o.log}) · ${progress.line()}\n${o.tail.replace(/^/gm, '    ')}`);
    }
  };
  say(`sweep ${s.name}: ${all.length} runs (${s.arms.length} arms × ${s.seeds.length} seeds) in ${s.out}${result.done ? `, ${result.done} already done` : ''}; ${runs.length} to run, ${opts.workers} at a time`);
  await inPool(runs, opts.workers, one);
  say(`sweep ${s.name}:\n${progress.table()}`);
  return result;
}
