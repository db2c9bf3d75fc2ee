/**
 * `npm run bench -- <suite>`: runs a benchmark suite and writes its section of BENCHMARKS.md.
 * Suites: envs, ppo, kernels, tfjs-efficiency, rudder, align, align-speed, align-ppo, watch-repair, lstm, delay, venture, viewer.
 */
import { Command } from 'commander';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { runAlignBench } from './align.ts';
import { runAlignSpeedBench } from './align-speed.ts';
import { ARMS, reportAlignPpoFromResults, runAlignPpoBench, type Arm } from './align-ppo.ts';
import { reportDelayFromResults, runDelayBench } from './delay.ts';
import { runEnvBench } from './envs.ts';
import { runLstmBench } from './lstm.ts';
import { runPpoBench } from './ppo.ts';
import { runTfjsEfficiencyBench } from './tfjs-efficiency.ts';
import { runRudderBench } from './rudder.ts';
import { runGameBench } from './rudder-games.ts';
import { runVentureBench } from './venture.ts';
import { runViewerBench, VIEWER_PARTS, type ViewerPart } from './viewer.ts';
import { runWatchRepairBench } from './watch-repair.ts';

const program = new Command('bench')
  .description('Run a benchmark suite and write its results to BENCHMARKS.md')
  .argument('<suite>', 'which suite: envs | ppo | kernels | tfjs-efficiency | rudder | align | align-speed | align-ppo | watch-repair | lstm | delay | venture | viewer')
  .option('--seconds <s>', 'envs: seconds per timed repetition', '1.5')
  .option('--no-anchor', 'envs: skip the Python anchors (Gymnasium, MiniGrid) even if their venv exists; lstm: skip torch')
  .option('--rounds <n>', 'kernels, lstm, align-speed, viewer: interleaved timing rounds (viewer default 5)', '7')
  .option('--viewer-steps <n>', 'viewer: PPO steps per run in its timed part (after the warm-up)', '200000')
  .option('--viewer-warmup <n>', 'viewer: PPO steps per run before its timed part', '50000')
  .option('--viewer-pages <list>', 'viewer, with --viewer-parts sps: compare page builds, name=dir,… (each dir from buildPage): the SPS arms become no viewer and one page per build')
  .option('--viewer-parts <list>', `viewer: only these parts, comma-separated (${VIEWER_PARTS.join(', ')}); a partial run writes no report`, VIEWER_PARTS.join(','))
  .option('--seeds <n>', 'ppo, tfjs-efficiency: CartPole seeds; rudder: seeds per variant; watch-repair: seeds per method; delay: seeds per delay and arm', '5')
  .option('--size <n>', 'rudder: KeyDoorTreasure grid size (delay: default 8)', '12')
  .option('--task <name>', 'rudder: kdt (KeyDoorTreasure, RUDDER variants) | bowling | venture (delayed PPO, PPO + RUDDER, natural-reward oracle)', 'kdt')
  .option('--jobs <n>', 'ppo, tfjs-efficiency, rudder, venture, delay, align, align-ppo, watch-repair: runs at a time, each in its own process (the sweeps\' pool, src/sweep/pool.ts; per-seed results as one after another)', '2')
  .option('--steps <n>', 'ppo: CartPole steps per seed; rudder: steps per run', '500000')
  .option('--kdt-steps <n>', 'ppo: KeyDoorTreasure steps per run', '500000')
  .option('--kdt-size <n>', 'ppo: KeyDoorTreasure grid size', '12')
  .option('--kdt-seeds <n>', 'ppo: KeyDoorTreasure seeds per reward variant', '5')
  .option('--demos <list>', 'align: numbers of demonstrations, comma-separated', '2,5,10')
  .option('--max-episodes <n>', 'align: training-episode cap per run', '20000')
  .option('--env <id>', 'align: rooms env id', 'FourRooms-v0')
  .option('--sr-passes <n>', "align: Align-RUDDER's SR passes over the demos: 10 (the reference) or 'scaled' (src/experiments/rooms.ts srPasses)", '10')
  .option('--wr-max-episodes <n>', 'watch-repair: episode cap per run', '300000')
  .option('--delays <list>', 'delay: the delays D, comma-separated', '0,50,200,800')
  .option('--budget <n>', 'delay: env steps per run at most (a run stops once it reaches the target)', '2000000')
  .option('--window <n>', 'delay: episodes in the rolling success rate', '100')
  .option('--target <x>', 'delay: the rolling success rate to reach', '0.5')
  .option('--distractors <p,m>', 'delay: distractor probability and magnitude per step', '0.1,0.03')
  .option('--constant-lr', "delay: PPO's learning rate constant instead of annealed over the budget")
  .option('--results <name>', 'delay, align-ppo: write bench/results/NAME.json (and its plots) and BENCHMARKS.md section NAME instead of the suite\'s own (delay-sweep, align-ppo), e.g. a sweep at another size; --continue and --report-only read it')
  .option('--report-only', 'delay, align-ppo: redraw the tables and plots from their bench/results JSON, without running')
  .option('--continue', 'delay, align-ppo: keep the runs of the bench/results JSON made with the same settings, run only the rest')
  .option('--rerun <arm>', 'delay and align-ppo (with --continue), rudder --task bowling|venture: run this arm\'s cases again (e.g. "PPO + RUDDER" after a fix to it), keeping the saved runs of the others')
  .option('--venture-seeds <n>', 'venture: PPO seeds', '5')
  .option('--venture-steps <n>', 'venture: PPO steps per seed', '2000000')
  .option('--venture-kwargs <json>', "venture: Venture-v0 options as JSON ({}: the game's own rules)", '{}')
  .option('--arms <list>', `align-ppo: arms, comma-separated (${ARMS.join(', ')})`, ARMS.join(','))
  .option('--rewards <list>', 'align-ppo: natural, delayed or both, comma-separated', 'natural,delayed')
  .option('--eval-episodes <n>', 'align-ppo: sampled evaluation episodes per run', '100')
  .option('--noise <x>', "align-ppo: the expert demos' ε-random actions", '0.1')
  .option('--bc-epochs <n>', 'align-ppo: BC epochs on the demo steps', '50')
  .option('--bc-alone-epochs <n>', "align-ppo: the BC arm's epochs (the cloned actor alone, no PPO; --bc-epochs is the other arms' pre-training)", '50')
  .option('--bc-min-entropy <nats>', "align-ppo: the BC arms stop their BC epochs once the policy's mean entropy on the demo states falls below this (0: no floor)", '0')
  .option('--bc-aux-iterations <k>', "align-ppo: the BC + PPO arms also add BC's cross-entropy to PPO's loss, its weight falling linearly to 0 over the first k PPO iterations (0: off)", '0')
  .option('--bc-aux-weight <w>', 'align-ppo: with --bc-aux-iterations, the weight at the first update', '1')
  .option('--demo-return <n>', "align-ppo: Align-RUDDER's demoReturn, the demos' mean redistributed return, or 'env' for the papers' C", '100')
  .option('--cleanrl-seeds <n>', "ppo: CartPole seeds also run with CleanRL's ppo.py side by side (needs CLEANRL_PPO_PY)", '5')
  .action(async (suite: string, opts: { size: string; task: string; jobs: string; rounds: string; seconds: string; anchor: boolean; seeds: string; steps: string; kdtSteps: string; kdtSeeds: string; kdtSize: string; cleanrlSeeds: string; demos: string; maxEpisodes: string; env: string; srPasses: string; wrMaxEpisodes: string; delays: string; budget: string; window: string; target: string; distractors: string; reportOnly?: boolean; results?: string; constantLr?: boolean; continue?: boolean; rerun?: string; ventureSeeds: string; ventureSteps: string; ventureKwargs: string; viewerSteps: string; viewerWarmup: string; viewerParts: string; viewerPages?: string; arms: string; rewards: string; evalEpisodes: string; noise: string; bcEpochs: string; bcAloneEpochs: string; bcMinEntropy: string; bcAuxIterations: string; bcAuxWeight: string; demoReturn: string }) => {
    const jobs = Number(opts.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) program.error(`--jobs ${opts.jobs}: expected an integer ≥ 1 (runs at a time)`);
    if (suite === 'envs') await runEnvBench({ seconds: Number(opts.seconds), anchor: opts.anchor });
    else if (suite === 'ppo') await runPpoBench({ seeds: Number(opts.seeds), steps: Number(opts.steps), kdtSteps: Number(opts.kdtSteps), kdtSeeds: Number(opts.kdtSeeds), kdtSize: Number(opts.kdtSize), cleanrlSeeds: Number(opts.cleanrlSeeds), jobs });
    // A process of its own: a fresh JIT, as the other suites' cases get.
    else if (suite === 'kernels') {
      execFileSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'ppo-kernels.ts'), opts.rounds], { stdio: 'inherit' });
      // Then whole PPO runs, fused vs a tfjs policy on wasm and cpu (its rounds are long: at most 3).
      execFileSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'ppo-engines.ts'), String(Math.min(3, Number(opts.rounds))), '20480', '4096', opts.rounds], { stdio: 'inherit' });
    }
    else if (suite === 'tfjs-efficiency') await runTfjsEfficiencyBench({ seeds: program.getOptionValueSource('seeds') === 'default' ? 10 : Number(opts.seeds), jobs });
    else if (suite === 'rudder' && opts.task === 'kdt') await runRudderBench({ seeds: Number(opts.seeds), steps: Number(opts.steps), size: Number(opts.size), jobs });
    else if (suite === 'rudder') await runGameBench(opts.task, { seeds: Number(opts.seeds), steps: Number(opts.steps), jobs, rerun: opts.rerun });
    // --seeds defaults to 5 for ppo and rudder; align's default is 10.
    else if (suite === 'align') await runAlignBench({ seeds: program.getOptionValueSource('seeds') === 'default' ? 10 : Number(opts.seeds), demos: opts.demos.split(',').map(Number), maxEpisodes: Number(opts.maxEpisodes), env: opts.env, srPasses: opts.srPasses === 'scaled' ? 'scaled' : Number(opts.srPasses), jobs });
    else if (suite === 'align-speed') await runAlignSpeedBench({ rounds: Number(opts.rounds) });
    else if (suite === 'align-ppo' && opts.reportOnly) reportAlignPpoFromResults(opts.results ?? 'align-ppo');
    else if (suite === 'align-ppo') {
      // The issue's defaults: 10 seeds, 1M steps.
      const seeds = program.getOptionValueSource('seeds') === 'default' ? 10 : Number(opts.seeds), steps = program.getOptionValueSource('steps') === 'default' ? 1_000_000 : Number(opts.steps);
      const arms = opts.arms.split(','), rewards = opts.rewards.split(','), demos = opts.demos.split(',').map(Number);
      const badArm = arms.find((a) => !(ARMS as readonly string[]).includes(a)), badReward = rewards.find((r) => r !== 'natural' && r !== 'delayed');
      if (badArm || badReward) program.error(`align-ppo: unknown ${badArm ? `arm "${badArm}" (known: ${ARMS.join(', ')})` : `reward "${badReward}" (natural, delayed)`}`);
      const o = { seeds, steps, demos, arms: arms as Arm[], rewards: rewards as ('natural' | 'delayed')[], evalEpisodes: Number(opts.evalEpisodes), noise: Number(opts.noise), bcEpochs: Number(opts.bcEpochs), bcAloneEpochs: Number(opts.bcAloneEpochs), bcMinEntropy: Number(opts.bcMinEntropy), bcAuxIterations: Number(opts.bcAuxIterations), bcAuxWeight: Number(opts.bcAuxWeight), demoReturn: opts.demoReturn === 'env' ? 'env' as const : Number(opts.demoReturn), name: opts.results ?? 'align-ppo', jobs };
      if (opts.rerun !== undefined && !(ARMS as readonly string[]).includes(opts.rerun)) program.error(`align-ppo: --rerun: no arm "${opts.rerun}" (arms: ${ARMS.join(', ')})`);
      if (opts.rerun !== undefined && !opts.continue) program.error('align-ppo: --rerun ARM goes with --continue');
      if (o.demoReturn !== 'env' && !(o.demoReturn > 0)) program.error(`align-ppo: --demo-return must be a number > 0 or 'env', got "${opts.demoReturn}"`);
      if (!(o.bcMinEntropy >= 0) || !(Number.isInteger(o.bcAuxIterations) && o.bcAuxIterations >= 0) || !(o.bcAuxWeight > 0) || !(Number.isInteger(o.bcEpochs) && o.bcEpochs >= 0) || !(Number.isInteger(o.bcAloneEpochs) && o.bcAloneEpochs >= 0)) {
        program.error(`align-ppo: --bc-epochs, --bc-alone-epochs and --bc-aux-iterations must be integers ≥ 0, --bc-min-entropy a number ≥ 0 and --bc-aux-weight > 0; got ${opts.bcEpochs}, ${opts.bcAloneEpochs}, ${opts.bcAuxIterations}, ${opts.bcMinEntropy}, ${opts.bcAuxWeight}`);
      }
      const bcVariant = `${o.bcMinEntropy > 0 ? ` --bc-min-entropy ${o.bcMinEntropy}` : ''}${o.bcAuxIterations > 0 ? ` --bc-aux-iterations ${o.bcAuxIterations} --bc-aux-weight ${o.bcAuxWeight}` : ''}`;
      await runAlignPpoBench({ ...o, continue: opts.continue === true, ...(opts.rerun !== undefined ? { rerun: opts.rerun as Arm } : {}), command: `npm run bench -- align-ppo --seeds ${seeds} --steps ${steps} --demos ${demos.join(',')} --arms ${arms.join(',')} --rewards ${rewards.join(',')} --eval-episodes ${o.evalEpisodes} --noise ${o.noise} --bc-epochs ${o.bcEpochs}${o.arms.includes('bc') ? ` --bc-alone-epochs ${o.bcAloneEpochs}` : ''}${bcVariant} --demo-return ${o.demoReturn} --jobs ${jobs}${o.name !== 'align-ppo' ? ` --results ${o.name}` : ''}${opts.continue ? ' --continue' : ''}${opts.rerun ? ` --rerun ${opts.rerun}` : ''}` });
    }
    else if (suite === 'watch-repair') await runWatchRepairBench({ seeds: Number(opts.seeds), maxEpisodes: Number(opts.wrMaxEpisodes), jobs });
    else if (suite === 'lstm') await runLstmBench({ rounds: Number(opts.rounds), anchor: opts.anchor });
    else if (suite === 'delay' && opts.reportOnly) reportDelayFromResults(opts.results);
    else if (suite === 'delay') {
      const size = program.getOptionValueSource('size') === 'default' ? 8 : Number(opts.size);
      const delays = opts.delays.split(',').map(Number), [p, m] = opts.distractors.split(',').map(Number);
      const o = { delays, seeds: Number(opts.seeds), budget: Number(opts.budget), size, window: Number(opts.window), target: Number(opts.target), distractorProbability: p!, distractorMagnitude: m!, constantLr: opts.constantLr === true, jobs, continue: opts.continue === true, rerun: opts.rerun, results: opts.results };
      const bad = Object.entries(o).find(([, v]) => typeof v !== 'boolean' && typeof v !== 'string' && v !== undefined && (Array.isArray(v) ? v.some((x) => !Number.isInteger(x) || x < 0) || v.length === 0 : !Number.isFinite(v)));
      if (bad || !(o.seeds >= 1 && o.budget >= 1 && o.window >= 1 && o.target > 0 && o.target <= 1)) program.error(`delay: bad option ${bad?.[0] ?? '(seeds, budget, window ≥ 1; target in (0, 1])'}: --delays ${opts.delays} --seeds ${opts.seeds} --budget ${opts.budget} --window ${opts.window} --target ${opts.target} --distractors ${opts.distractors}`);
      const command = `npm run bench -- delay --delays ${delays.join(',')} --seeds ${o.seeds} --budget ${o.budget} --size ${size} --window ${o.window} --target ${o.target} --distractors ${p},${m}${o.constantLr ? ' --constant-lr' : ''}${o.jobs > 1 ? ` --jobs ${o.jobs}` : ''}${o.continue ? ' --continue' : ''}${o.rerun ? ` --rerun '${o.rerun}'` : ''}${o.results ? ` --results ${o.results}` : ''}`;
      await runDelayBench({ ...o, command });
    }
    else if (suite === 'venture') await runVentureBench({ seeds: Number(opts.ventureSeeds), steps: Number(opts.ventureSteps), kwargs: JSON.parse(opts.ventureKwargs) as Record<string, unknown>, jobs });
    else if (suite === 'viewer') {
      const rounds = program.getOptionValueSource('rounds') === 'default' ? 5 : Number(opts.rounds), steps = Number(opts.viewerSteps), warmupSteps = Number(opts.viewerWarmup);
      const parts = opts.viewerParts.split(',').map((x) => x.trim()) as ViewerPart[];
      const unknown = parts.filter((x) => !(VIEWER_PARTS as readonly string[]).includes(x));
      if (unknown.length) program.error(`viewer: unknown part(s) ${unknown.join(', ')} (known: ${VIEWER_PARTS.join(', ')})`);
      if (!(Number.isInteger(steps) && steps > 0)) program.error(`viewer: --viewer-steps must be an integer > 0, got ${opts.viewerSteps}`);
      if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0)) program.error(`viewer: --viewer-warmup must be an integer ≥ 0, got ${opts.viewerWarmup}`);
      const pages = opts.viewerPages?.split(',').map((x) => {
        const [name, dir] = x.split('=');
        if (!name || !dir) program.error(`viewer: --viewer-pages takes name=dir,…, got "${x}"`);
        return { name, dir };
      });
      if (pages && parts.length === VIEWER_PARTS.length) program.error('viewer: --viewer-pages only in a partial run (--viewer-parts sps): its arms are not the report\'s');
      await runViewerBench({ steps, warmupSteps, rounds, parts, ...(pages ? { pages } : {}), command: `npm run bench -- viewer --rounds ${rounds} --viewer-steps ${steps} --viewer-warmup ${warmupSteps}` });
    }
    else program.error(`unknown suite "${suite}" (known: envs, ppo, kernels, rudder, align, align-speed, align-ppo, watch-repair, lstm, delay, venture, viewer)`);
  });

await program.parseAsync();
