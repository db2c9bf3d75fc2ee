/**
 * `npm run bench -- <suite>`: runs a benchmark suite and writes its section of BENCHMARKS.md.
 * Suites: envs.
 */
import { Command } from 'commander';
import { runEnvBench } from './envs.ts';

const program = new Command('bench')
  .description('Run a benchmark suite and write its results to BENCHMARKS.md')
  .argument('<suite>', 'which suite: envs')
  .option('--seconds <s>', 'seconds per timed repetition', '1.5')
  .option('--no-anchor', 'skip the Python (Gymnasium) anchor even if its venv exists')
  .action(async (suite: string, opts: { seconds: string; anchor: boolean }) => {
    if (suite === 'envs') await runEnvBench({ seconds: Number(opts.seconds), anchor: opts.anchor });
    else program.error(`unknown suite "${suite}" (known: envs)`);
  });

await program.parseAsync();
