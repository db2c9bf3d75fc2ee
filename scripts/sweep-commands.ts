/**
 * The sweep commands of the CLI: `rudder sweep` (local pool, Slurm script, queue), `rudder worker` and
 * `rudder report`. The work is in src/sweep; this file only declares the options.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { command, int, num, optionalValue, repeatable, required, value } from './cli-options.ts';
import { writeSlurmScript } from '../src/sweep/slurm.ts';
import { writeReport } from '../src/sweep/report.ts';
import { runPool } from '../src/sweep/pool.ts';
import { runOne, type RudderCommand } from '../src/sweep/run-one.ts';
import { readSweepFile, sweepRuns, withEnvModules } from '../src/sweep/spec.ts';
import { absoluteModulePaths } from './env-modules.ts';

/** bin/rudder.mjs and its parent-watch module: beside scripts/ in a clone, two levels up from dist/scripts/ in the package. */
function rudderCommand(): RudderCommand {
  for (const up of ['..', '../..']) {
    const bin = fileURLToPath(new URL(`${up}/bin/rudder.mjs`, import.meta.url));
    if (existsSync(bin)) return { node: process.execPath, bin, guard: fileURLToPath(new URL(`${up}/bin/parent-watch.mjs`, import.meta.url)) };
  }
  throw new Error('cannot find bin/rudder.mjs to start the runs with');
}

/** BullMQ and its Redis client load only for the queue's commands, not on every `rudder` start. */
const queueModule = (): Promise<typeof import('../src/sweep/queue.ts')> => import('../src/sweep/queue.ts');

const say = (line: string): void => void process.stdout.write(`${line}\n`);

const SWEEP = {
  workers: value('-w, --workers <n>', `runs at a time on this machine (default: the ${availableParallelism()} cores)`, int('--workers', 1)),
  run: value('--run <arm:seed>', 'train only this run of the sweep (what the Slurm script calls)'),
  slurm: optionalValue('--slurm [script]', 'write a Slurm job array script (default <out>/sweep.sbatch) instead of running: one task per run, requeued tasks resume'),
  maxParallel: value('--max-parallel <k>', 'with --slurm: at most k tasks at a time (--array=0-N%k)', int('--max-parallel', 1)),
  queue: value('-q, --queue <url>', 'enqueue the runs on BullMQ at redis://HOST:PORT instead of running them (`rudder worker` runs them; with `status`: the queue to ask)'),
  sbatch: repeatable('--sbatch <option>', 'with --slurm: an extra #SBATCH option, e.g. --sbatch --partition=cpu --sbatch --time=02:00:00 (repeatable)'),
};

/** `envModules()`: the `--env-module` files given to this `rudder` command (relative to the working directory). */
export function addSweepCommands(program: Command, envModules: () => string[]): void {
  const sweep = command(program, 'sweep', 'run a sweep file: every arm × seed as a `rudder train` run in its own folder; run it again to continue where it stopped', SWEEP, async (o) => {
    const [file, name] = sweep.args as [string, string | undefined];
    if (file === 'status') {
      if (!name || !o.queue) throw new Error('usage: rudder sweep status NAME --queue redis://HOST:PORT');
      const { sweepStatus } = await queueModule();
      say(await sweepStatus(name, o.queue));
      return;
    }
    if (name !== undefined) throw new Error(`unexpected argument ${name}: rudder sweep takes one sweep file`);
    const modes = [o.slurm !== undefined && '--slurm', o.queue !== undefined && '--queue', o.run !== undefined && '--run', o.workers !== undefined && '--workers'].filter((m) => m !== false);
    if (modes.length > 1) throw new Error(`${modes.join(' and ')} are different ways to run a sweep: choose one`);
    if (o.slurm === undefined && (o.maxParallel !== undefined || o.sbatch.length)) throw new Error('--max-parallel and --sbatch shape the Slurm script: add --slurm');
    // `rudder --env-module my-env.ts sweep …`: every run loads the module too, wherever it runs (pool, queue, Slurm).
    const s = withEnvModules(readSweepFile(file), absoluteModulePaths(envModules()));
    const cmd = rudderCommand();
    if (o.slurm !== undefined) {
      const path = writeSlurmScript(s, { cmd, maxParallel: o.maxParallel ?? null, sbatch: o.sbatch }, typeof o.slurm === 'string' ? o.slurm : undefined);
      say(`wrote ${path}: ${sweepRuns(s).length} array tasks (${s.arms.length} arms × ${s.seeds.length} seeds); submit it with: sbatch ${path}`);
      return;
    }
    if (o.queue !== undefined) {
      const { enqueueSweep } = await queueModule();
      const n = await enqueueSweep(s, o.queue);
      say(`sweep ${s.name}: ${n.added} run(s) enqueued, ${n.retried} failed one(s) retried, ${n.queued} already queued, ${n.done} done; \`rudder worker --queue ${o.queue}\` on each machine runs them; \`rudder sweep status ${s.name} --queue ${o.queue}\` shows progress`);
      return;
    }
    if (o.run !== undefined) {
      const m = /^(.+):(\d+)$/.exec(o.run);
      const run = m ? sweepRuns(s).find((r) => r.arm === m[1] && r.seed === Number(m[2])) : undefined;
      if (!run) throw new Error(`--run ${o.run}: not a run of sweep ${s.name} (arms ${s.arms.map((a) => a.name).join(', ')}; seeds ${s.seeds.join(', ')}; write arm:seed)`);
      const r = await runOne(s, run, cmd, (pid, resumed) => say(`${s.name}: ${run.arm} seed ${run.seed}${resumed ? ', resumed from its checkpoint' : ''} · pid ${pid} · log ${run.dir}.log`));
      if (r.status === 'failed') throw new Error(`${run.arm} seed ${run.seed} failed (${r.signal ?? `exit code ${r.code}`}; log ${r.log}):\n${r.tail}`);
      say(`${s.name}: ${run.arm} seed ${run.seed} done, mean return (last 20) ${r.summary.meanReturnLast20?.toFixed(2) ?? '-'}`);
      return;
    }
    const r = await runPool(s, { workers: o.workers ?? availableParallelism(), cmd }, say);
    if (r.failed.length) throw new Error(`${r.failed.length} run(s) failed (their logs are named above); run the sweep again to retry them`);
  });
  sweep.argument('<FILE>', 'the sweep file (JSON), or `status` to show a queued sweep').argument('[NAME]', 'with `status`: the sweep\'s name').addHelpText('after', `
A sweep file (paths relative to it; each arm's fields replace base's):
  { "name": "cartpole-lr", "seeds": "1-10", "out": "sweeps/cartpole-lr",
    "base": { "envId": "CartPole-v1", "totalTimesteps": 100000, "checkpointEvery": 5 },
    "arms": { "default": {}, "fast": { "learningRate": 0.001 }, "rudder": { "rudder": true } } }
Each run trains in <out>/<arm>/seed-<seed> (log beside it); a finished run's summary.json marks it done.
Your own envs: "envModules": ["my-env.ts"] in the file, or rudder --env-module my-env.ts sweep FILE …
(passed to every run: the pool's, the queue's jobs on any worker, the Slurm script's tasks).`);

  command(program, 'worker', "take a sweep's runs from a BullMQ queue (Redis) and train them, each in a `rudder train` child process; a run retried after a crash resumes its checkpoint", WORKER, async (o) => {
    const { runWorker } = await queueModule();
    await runWorker(o.queue, { cmd: rudderCommand(), concurrency: o.jobs, lockMs: o.lockMs, envModules: absoluteModulePaths(envModules()) }, say);
    process.exit(0); // Redis's reconnecting clients would keep a stopped worker alive
  });

  const report = command(program, 'report', "compare a sweep's arms over seeds: median, mean, IQR and Mann–Whitney p of the final return and of the steps to the threshold; writes report.md, report.json and curves.svg into DIR", REPORT, (o) => {
    const [dir] = report.args as [string];
    say(writeReport(dir, { baseline: o.baseline, threshold: o.threshold ?? null }));
    say(`\nwritten: ${dir}/report.md, report.json, curves.svg (learning curves: median and quartiles over seeds)`);
  });
  report.argument('<DIR>', 'the sweep\'s folder (its "out")');
}

const WORKER = {
  queue: required('-q, --queue <url>', 'the queue: redis://HOST:PORT'),
  jobs: value('-j, --jobs <n>', 'runs at a time on this machine', int('--jobs', 1), 1),
  lockMs: value('--lock-ms <ms>', "how long a job stays claimed without this worker renewing it: a dead worker's job returns to the queue after this", int('--lock-ms', 500), 30_000),
};

const REPORT = {
  baseline: value('-b, --baseline <arm>', 'the arm the others are tested against (default: the first)'),
  threshold: value('-t, --threshold <return>', "the return steps-to-threshold measures (default: the sweep file's threshold, else the env's reward threshold)", num('--threshold')),
};


