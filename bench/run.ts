/**
 * `npm run bench -- <suite>`: runs a benchmark suite and writes its section of BENCHMARKS.md.
 * Suites: envs, ppo, kernels, rudder, align, watch-repair, venture.
 */
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { runAlignBench } from './align.ts';
import { runEnvBench } from './envs.ts';
import { runPpoBench } from './ppo.ts';
import { runRudderBench } from './rudder.ts';
import { runVentureBench } from './venture.ts';
import { runWatchRepairBench } from './watch-repair.ts';

const program = new Command('bench')
  .description('Run a benchmark suite and write its results to BENCHMARKS.md')
  .argument('<suite>', 'which suite: envs | ppo | kernels | rudder | align | watch-repair | venture')
  .option('--seconds <s>', 'envs: seconds per timed repetition', '1.5')
  .option('--no-anchor', 'envs: skip the Python anchors (Gymnasium, MiniGrid) even if their venv exists')
  .option('--rounds <n>', 'kernels: interleaved timing rounds', '7')
  .option('--seeds <n>', 'ppo: CartPole seeds; rudder: seeds per variant; watch-repair: seeds per method', '5')
  .option('--size <n>', 'rudder: KeyDoorTreasure grid size', '12')
  .option('--steps <n>', 'ppo: CartPole steps per seed; rudder: steps per run', '500000')
  .option('--kdt-steps <n>', 'ppo: KeyDoorTreasure steps per run', '500000')
  .option('--kdt-size <n>', 'ppo: KeyDoorTreasure grid size', '12')
  .option('--kdt-seeds <n>', 'ppo: KeyDoorTreasure seeds per reward variant', '5')
  .option('--demos <list>', 'align: numbers of demonstrations, comma-separated', '2,5,10')
  .option('--max-episodes <n>', 'align: training-episode cap per run', '20000')
  .option('--env <id>', 'align: rooms env id', 'FourRooms-v0')
  .option('--wr-max-episodes <n>', 'watch-repair: episode cap per run', '300000')
  .option('--venture-seeds <n>', 'venture: PPO seeds', '5')
  .option('--venture-steps <n>', 'venture: PPO steps per seed', '2000000')
  .option('--venture-kwargs <json>', "venture: Venture-v0 options as JSON ({}: the game's own rules)", '{}')
  .option('--cleanrl-seeds <n>', "ppo: CartPole seeds also run with CleanRL's ppo.py side by side (needs CLEANRL_PPO_PY)", '5')
  .action(async (suite: string, opts: { size: string; rounds: string; seconds: string; anchor: boolean; seeds: string; steps: string; kdtSteps: string; kdtSeeds: string; kdtSize: string; cleanrlSeeds: string; demos: string; maxEpisodes: string; env: string; wrMaxEpisodes: string; ventureSeeds: string; ventureSteps: string; ventureKwargs: string }) => {
    if (suite === 'envs') await runEnvBench({ seconds: Number(opts.seconds), anchor: opts.anchor });
    else if (suite === 'ppo') await runPpoBench({ seeds: Number(opts.seeds), steps: Number(opts.steps), kdtSteps: Number(opts.kdtSteps), kdtSeeds: Number(opts.kdtSeeds), kdtSize: Number(opts.kdtSize), cleanrlSeeds: Number(opts.cleanrlSeeds) });
    // A process of its own: a fresh JIT, as the other suites' cases get.
    else if (suite === 'kernels') execFileSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'ppo-kernels.ts'), opts.rounds], { stdio: 'inherit' });
    else if (suite === 'rudder') await runRudderBench({ seeds: Number(opts.seeds), steps: Number(opts.steps), size: Number(opts.size) });
    // --seeds defaults to 5 for ppo and rudder; align's default is 10.
    else if (suite === 'align') await runAlignBench({ seeds: program.getOptionValueSource('seeds') === 'default' ? 10 : Number(opts.seeds), demos: opts.demos.split(',').map(Number), maxEpisodes: Number(opts.maxEpisodes), env: opts.env });
    else if (suite === 'watch-repair') await runWatchRepairBench({ seeds: Number(opts.seeds), maxEpisodes: Number(opts.wrMaxEpisodes) });
    else if (suite === 'venture') await runVentureBench({ seeds: Number(opts.ventureSeeds), steps: Number(opts.ventureSteps), kwargs: JSON.parse(opts.ventureKwargs) as Record<string, unknown> });
    else program.error(`unknown suite "${suite}" (known: envs, ppo, kernels, rudder, align, watch-repair, venture)`);
  });

await program.parseAsync();
