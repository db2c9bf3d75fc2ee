/**
 * `rudder sweep FILE --slurm`: the sweep as a Slurm job array script. Task i trains run i of
 * {@link sweepRuns} through `rudder sweep FILE --run ARM:SEED`, which resumes the run from its checkpoint,
 * so a task Slurm requeues (`--requeue`: preemption, a failed node) continues where it stopped, and
 * submitting the script again skips the runs that are done. Runs and logs go to the shared filesystem.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../agents/run/atomic.ts';
import { prepareSweep, type RudderCommand } from './run-one.ts';
import { sweepRuns, type Sweep } from './spec.ts';

/** A word for bash, single-quoted when it needs quoting. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface SlurmOptions {
  cmd: RudderCommand;
  /** At most this many tasks at a time (`--array=0-N%K`); null: as many as Slurm gives. */
  maxParallel: number | null;
  /** Extra `#SBATCH` options, e.g. `--partition=cpu`, `--time=02:00:00`. */
  sbatch: string[];
}

export function slurmScript(s: Sweep, o: SlurmOptions, path = join(s.out, 'sweep.sbatch')): string {
  const runs = sweepRuns(s);
  const last = runs.length - 1;
  const q = shellQuote;
  return [
    '#!/bin/bash',
    `# rudder sweep ${s.name}: ${runs.length} runs (${s.arms.length} arms × ${s.seeds.length} seeds) as a Slurm job array.`,
    `# Submit with: sbatch ${path}`,
    '# A requeued task resumes its run from the checkpoint; submitting again skips the runs that are done.',
    `#SBATCH --job-name=rudder-${s.name}`,
    `#SBATCH --array=0-${last}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    '#SBATCH --requeue',
    '#SBATCH --open-mode=append',
    `#SBATCH --output=${join(s.out, 'slurm', '%A_%a.out')}`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    ...o.sbatch.map((line) => `#SBATCH ${line}`),
    'set -euo pipefail',
    '',
    '# SLURM_ARRAY_TASK_ID → arm and seed',
    'case "${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task (sbatch), or set SLURM_ARRAY_TASK_ID}" in',
    ...runs.map((r) => `  ${r.index}) ARM=${q(r.arm)}; SEED=${r.seed} ;;`),
    `  *) echo "task $SLURM_ARRAY_TASK_ID is outside 0-${last}" >&2; exit 2 ;;`,
    'esac',
    '',
    `# RUDDER_NODE: the node to run with, when it differs on the compute nodes.`,
    `exec "\${RUDDER_NODE:-${o.cmd.node}}" ${q(o.cmd.bin)}${s.envModules.map((m) => ` --env-module ${q(m)}`).join('')} sweep ${q(s.file)} --run "$ARM:$SEED"`,
    '',
  ].join('\n');
}

/** Write the script as `<out>/sweep.sbatch` (or `path`), with the arm config files it needs; returns its path. */
export function writeSlurmScript(s: Sweep, o: SlurmOptions, path = join(s.out, 'sweep.sbatch')): string {
  prepareSweep(s);
  mkdirSync(join(s.out, 'slurm'), { recursive: true }); // Slurm does not create --output's folder
  writeFileAtomic(path, slurmScript(s, o, path));
  chmodSync(path, 0o755);
  return path;
}
