/**
 * One run of a sweep as a `rudder train` child process: started fresh, or resumed from its checkpoint when
 * its folder holds one, so starting a run again (rerun, retry, requeue) continues it. A run is done when
 * its summary.json says it trained all its steps (or stopped at its target).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../agents/run/atomic.ts';
import { latestCheckpoint } from '../agents/run/checkpoint.ts';
import { armConfigPath, findArm, type Sweep, type SweepRun } from './spec.ts';

/** How to start `rudder`: this node, the CLI entry (bin/rudder.mjs) and the parent-watch module its children load. */
export interface RudderCommand {
  node: string;
  bin: string;
  guard: string;
}

/** What a finished run reports (and what a queue job returns): small, from its summary.json. */
export interface RunSummary {
  arm: string;
  seed: number;
  dir: string;
  globalStep: number;
  episodes: number;
  meanReturnLast20: number | null;
  stoppedEarly: boolean;
}

export type RunOutcome = { status: 'done'; summary: RunSummary; resumed: boolean } | { status: 'failed'; code: number | null; signal: string | null; log: string; tail: string };

/** The sweep's files every run needs: each arm's `--config` file, and the resolved sweep (for `rudder report`). */
export function prepareSweep(s: Sweep): void {
  for (const a of s.arms) writeFileAtomic(armConfigPath(s, a.name), `${JSON.stringify(a.config, null, 2)}\n`);
  writeFileAtomic(join(s.out, 'sweep.json'), `${JSON.stringify(s, null, 2)}\n`);
}

/** The run's log file (the child's stdout and stderr, appended across sessions), beside its folder. */
export function runLog(run: SweepRun): string {
  return `${run.dir}.log`;
}

/** The run's summary when it has trained all its steps (or stopped early at its target); null otherwise. */
export function finishedRun(s: Sweep, run: SweepRun): RunSummary | null {
  const summaryFile = join(run.dir, 'summary.json'), configFile = join(run.dir, 'config.json');
  if (!existsSync(summaryFile) || !existsSync(configFile)) return null;
  let summary: { globalStep: number; iterations: number; episodes: number; meanReturnLast20: number | null; stoppedEarly: boolean };
  let cfg: { totalTimesteps: number; numEnvs: number; numSteps: number };
  try {
    summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as typeof summary;
    cfg = JSON.parse(readFileSync(configFile, 'utf8')) as typeof cfg;
  } catch {
    return null; // torn or foreign files: not a finished run
  }
  // The arm's steps now (a sweep file may have raised them since), else the run's own.
  const total = (findArm(s, run.arm).config.totalTimesteps as number | undefined) ?? cfg.totalTimesteps;
  const iterations = Math.floor(total / (cfg.numEnvs * cfg.numSteps));
  if (!summary.stoppedEarly && summary.iterations < iterations) return null;
  return { arm: run.arm, seed: run.seed, dir: run.dir, globalStep: summary.globalStep, episodes: summary.episodes, meanReturnLast20: summary.meanReturnLast20, stoppedEarly: summary.stoppedEarly };
}

/** `rudder train` arguments for the run; `resume` continues its checkpoint. */
export function trainArgs(s: Sweep, run: SweepRun, resume: boolean): string[] {
  const a = findArm(s, run.arm);
  return [...s.envModules.flatMap((m) => ['--env-module', m]), 'train', '--config', armConfigPath(s, a.name), '--seed', String(run.seed), '--out', run.dir, '--no-progress', ...a.flags, ...(resume ? ['--resume'] : [])];
}

/**
 * Train the run to its end in a child process (nothing to do when it is done). A folder with a checkpoint
 * is resumed; one without (the run stopped before its first checkpoint) holds nothing worth keeping and
 * starts over. `onStart` gets the child's pid.
 */
export async function runOne(s: Sweep, run: SweepRun, cmd: RudderCommand, onStart?: (pid: number, resumed: boolean) => void): Promise<RunOutcome> {
  const done = finishedRun(s, run);
  if (done) return { status: 'done', summary: done, resumed: false };
  if (!existsSync(armConfigPath(s, run.arm))) prepareSweep(s);
  const resume = existsSync(run.dir) && latestCheckpoint(run.dir) !== null;
  if (!resume) rmSync(run.dir, { recursive: true, force: true });
  const log = runLog(run);
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  let code: number | null, signal: string | null;
  try {
    const child = spawn(cmd.node, ['--import', pathToFileURL(cmd.guard).href, cmd.bin, ...trainArgs(s, run, resume)], { stdio: ['ignore', fd, fd] });
    onStart?.(child.pid ?? -1, resume);
    [code, signal] = await new Promise<[number | null, string | null]>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c, sig) => res([c, sig]));
    });
  } finally {
    closeSync(fd);
  }
  const summary = code === 0 ? finishedRun(s, run) : null;
  if (summary) return { status: 'done', summary, resumed: resume };
  return { status: 'failed', code, signal, log, tail: logTail(log) };
}

/** The last lines of a run's log, for an error message. */
export function logTail(log: string, lines = 6): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
