/**
 * The `rudder` command line. `rudder --help` lists the commands; each has its own `--help`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { checkEnv, listEnvs, make, spec, type Env } from '../src/index.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { runEpisodes, formatEpisodeReport } from './play.ts';
import { formatSummary, readConfigFile, runEval, runTrain } from './train.ts';
import { BACKEND_CHOICES, type BackendChoice } from '../src/agents/backend.ts';
import { runRoomsExperiment, type RoomsMethod } from '../src/experiments/rooms.ts';

function int(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
}

/** Import user modules that register their own envs (`--env-module ./my-env.ts`). */
async function loadEnvModules(paths: string[]): Promise<void> {
  for (const p of paths) {
    try {
      await import(pathToFileURL(resolve(p)).href);
    } catch (e) {
      throw new Error(`could not load env module ${p}: ${(e as Error).message}`);
    }
  }
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

const program = new Command('rudder')
  .description('rudder-ts: reinforcement learning for delayed rewards (Gymnasium-style envs, PPO, RUDDER, Align-RUDDER)')
  .showHelpAfterError()
  .addHelpText('after', `
Examples:
  $ rudder train                                  a short PPO run on CartPole-v1, saved in runs/CartPole-v1-ppo-seed1
  $ rudder train --env CartPole-v1 --steps 500000 --seed 3 --out runs/cp3
  $ rudder train --out runs/cp3 --resume          continue a run from its latest checkpoint
  $ rudder eval --run runs/cp3 --episodes 20      greedy episodes of the saved policy
  $ rudder train --config kdt.json --rudder       PPO + RUDDER's reward redistribution (experimental)
  $ rudder play                                   seeded expert episodes on CartPole-v1, with statistics
  $ rudder play --env CartPole-v1 --policy random --episodes 10 --seed 7
  $ rudder play --render ansi --episodes 1        print the final frame of the episode
  $ rudder align --env FourRooms-v0 --demos 5     Align-RUDDER vs BC+Q from 5 expert demonstrations
  $ rudder envs                                   list the registered environments
  $ rudder check --env-module ./my-env.ts --env MyEnv-v0   run checkEnv on your own env`);

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
}

program
  .command('train')
  .description('train an agent (PPO) on an env; writes checkpoints, metrics.jsonl/csv, curve.svg and summary.json to the run folder')
  .option('-e, --env <id>', 'environment id (default CartPole-v1, or the config file\'s envId)')
  .addOption(new Option('-a, --agent <agent>', 'learning algorithm').choices(['ppo']).default('ppo'))
  .option('-n, --steps <n>', 'environment steps to train for (default 200000)', int('--steps', 1))
  .option('-s, --seed <seed>', 'seed of envs, sampling and weights (default 1)', int('--seed', 0))
  .option('-o, --out <dir>', 'run folder (default runs/<env>-ppo-seed<seed>)')
  .option('-c, --config <file>', 'JSON file of PPO settings (CleanRL names in camelCase: learningRate, numEnvs, numSteps, …); flags override it')
  .option('--num-envs <n>', 'parallel envs', int('--num-envs', 1))
  .addOption(new Option('-b, --backend <backend>', 'TensorFlow.js backend').choices([...BACKEND_CHOICES]).default('auto'))
  .option('--resume [checkpoint]', 'continue the run in --out from its latest (or the named) checkpoint')
  .option('--checkpoint-every <iterations>', 'save a checkpoint every N iterations (and always at the end)', int('--checkpoint-every', 0), 20)
  .option('--eval-every <steps>', 'evaluate the greedy policy every N env steps and keep the best as checkpoints/best (0: never)', int('--eval-every', 0), 0)
  .option('--eval-episodes <n>', 'episodes per evaluation', int('--eval-episodes', 1), 10)
  .option('--stop-at <return>', 'stop once the evaluation mean (or the last-20-episode mean) reaches this return', num('--stop-at'))
  .option('--no-progress', 'plain log lines instead of a progress bar')
  .option('--rudder', "experimental: RUDDER's LSTM redistributes the delayed reward (Discrete actions; no --resume yet)")
  .option('--env-module <path>', 'a module that registers your own env (repeatable)', collect, [])
  .action(async (o: {
    rudder?: boolean; env?: string; agent: 'ppo'; steps?: number; seed?: number; out?: string; config?: string; numEnvs?: number; backend: BackendChoice;
    resume?: boolean | string; checkpointEvery: number; evalEvery: number; evalEpisodes: number; stopAt?: number; progress: boolean; envModule: string[];
  }) => {
    await loadEnvModules(o.envModule);
    const config = { ...(o.config ? readConfigFile(o.config) : {}) };
    if (o.env !== undefined) config.envId = o.env;
    if (o.seed !== undefined) config.seed = o.seed;
    if (o.numEnvs !== undefined) config.numEnvs = o.numEnvs;
    if (o.steps !== undefined) config.totalTimesteps = o.steps;
    else if (!o.config && !o.resume) config.totalTimesteps = 200_000;
    const envId = config.envId ?? 'CartPole-v1';
    spec(envId); // an unknown id fails here, naming the closest ones
    const out = o.out ?? `runs/${envId.replace(/[^\w.-]/g, '_')}-ppo-seed${config.seed ?? 1}`;
    await runTrain({
      config, out, backend: o.backend, resume: o.resume ?? false, checkpointEvery: o.checkpointEvery, evalEvery: o.evalEvery,
      evalEpisodes: o.evalEpisodes, stopAt: o.stopAt ?? null, progress: o.progress && process.stderr.isTTY === true, rudder: o.rudder ?? false,
    }, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`${formatSummary(out)}\n`);
  });

program
  .command('eval')
  .description("run greedy (deterministic) episodes of a trained run's policy and print their statistics")
  .requiredOption('-r, --run <dir>', 'run folder written by rudder train')
  .option('-n, --episodes <n>', 'number of episodes', int('--episodes', 1), 10)
  .option('-s, --seed <seed>', 'seed of the first episode', int('--seed', 0), 1_000_000)
  .option('--checkpoint <label>', 'which checkpoint: the latest (default), best, or an iter-NNNNNNN label')
  .option('--sample', 'sample actions from the policy instead of taking the most likely one')
  .option('--env-module <path>', 'a module that registers your own env (repeatable)', collect, [])
  .action(async (o: { run: string; episodes: number; seed: number; checkpoint?: string; sample?: boolean; envModule: string[] }) => {
    await loadEnvModules(o.envModule);
    const { env, label, result } = runEval({ run: o.run, episodes: o.episodes, seed: o.seed, checkpoint: o.checkpoint, sample: o.sample ?? false });
    process.stdout.write(`${env} · ${o.run} checkpoint ${label} · ${o.sample ? 'sampled' : 'greedy'} policy · ${o.episodes} episode(s) from seed ${o.seed}\n`);
    process.stdout.write(`mean return ${result.meanReturn.toFixed(2)} ± ${result.stdReturn.toFixed(2)} (min ${Math.min(...result.returns).toFixed(2)}, max ${Math.max(...result.returns).toFixed(2)}), mean length ${result.meanLength.toFixed(1)}\n`);
  });

program
  .command('play')
  .description('make an env, run seeded episodes with a scripted expert or a random policy, print their statistics')
  .option('-e, --env <id>', 'environment id', 'CartPole-v1')
  .addOption(new Option('-p, --policy <policy>', 'who acts: the env\'s scripted expert, or uniform random actions').choices(['expert', 'random']).default('expert'))
  .option('-n, --episodes <n>', 'number of episodes', int('--episodes', 1), 5)
  .option('-s, --seed <seed>', 'seed of the first episode (episode i uses seed + i)', int('--seed', 0), 1)
  .addOption(new Option('-r, --render <mode>', 'print the last frame of each episode').choices(['none', 'ansi']).default('none'))
  .option('--env-module <path>', 'a module that registers your own env (repeatable)', collect, [])
  .action(async (o: { env: string; policy: 'expert' | 'random'; episodes: number; seed: number; render: 'none' | 'ansi'; envModule: string[] }) => {
    await loadEnvModules(o.envModule);
    const env = make(o.env, {}, { renderMode: o.render === 'ansi' ? 'ansi' : null });
    let policy = o.policy;
    const expert = expertFor(o.env);
    if (policy === 'expert' && !expert) {
      process.stderr.write(`note: ${o.env} has no scripted expert; using random actions\n`);
      policy = 'random';
    }
    const act = policy === 'expert' ? expert!(env) : null;
    env.actionSpace.seed(o.seed);
    const episodes = runEpisodes(env as Env<unknown, unknown>, {
      episodes: o.episodes,
      seed: o.seed,
      act: act ?? (() => env.actionSpace.sample()),
      onEnd: o.render === 'ansi' ? () => process.stdout.write(`${String(env.render())}\n`) : undefined,
    });
    process.stdout.write(formatEpisodeReport(o.env, policy, o.seed, episodes, spec(o.env).rewardThreshold));
    env.close();
  });

program
  .command('envs')
  .description('list the registered environments with their limits and spaces')
  .option('--env-module <path>', 'also load a module that registers envs (repeatable)', collect, [])
  .action(async (o: { envModule: string[] }) => {
    await loadEnvModules(o.envModule);
    const rows = listEnvs().map((id) => {
      const s = spec(id);
      const env = s.factory({ ...s.kwargs });
      const row = [id, String(s.maxEpisodeSteps ?? '-'), String(s.rewardThreshold ?? '-'), env.actionSpace.toString(), env.observationSpace.toString()];
      env.close();
      return row;
    });
    const head = ['id', 'max steps', 'threshold', 'action space', 'observation space'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()}\n`);
  });

program
  .command('align')
  .description('Align-RUDDER from a few expert demonstrations on a rooms gridworld (tabular Q), against BC+Q: training episodes until the return reaches 80 % of the demos\'')
  .addOption(new Option('-e, --env <id>', 'rooms env').choices(['FourRooms-v0', 'FourRooms-v1', 'EightRooms-v0', 'EightRooms-v1']).default('FourRooms-v0'))
  .option('-d, --demos <n>', 'number of expert demonstrations', int('--demos', 1), 10)
  .addOption(new Option('-m, --method <method>', 'which learner').choices(['align-rudder', 'bc-q', 'both']).default('both'))
  .option('-s, --seed <seed>', 'seed of the demos and the learner', int('--seed', 0), 1)
  .option('--max-episodes <n>', 'stop a run that has not reached the target after this many training episodes', int('--max-episodes', 10), 20_000)
  .action((o: { env: string; demos: number; method: RoomsMethod | 'both'; seed: number; maxEpisodes: number }) => {
    const methods: RoomsMethod[] = o.method === 'both' ? ['align-rudder', 'bc-q'] : [o.method];
    let demoLength = NaN;
    for (const method of methods) {
      const t0 = performance.now();
      const r = runRoomsExperiment({ method, numDemos: o.demos, seed: o.seed, env: o.env, maxEpisodes: o.maxEpisodes });
      const name = method === 'align-rudder' ? 'Align-RUDDER' : 'BC+Q';
      demoLength = r.meanDemoLength;
      const extra = r.numLabels !== undefined ? ` · ${r.numLabels} event labels, MSA of ${r.msaColumns} columns` : '';
      process.stdout.write(`${name.padEnd(12)} ${r.reached ? `reached ${r.target.toFixed(2)} (80 % of the demos' mean return ${r.meanDemoReturn.toFixed(2)}) after ${r.episodes.toLocaleString('en')} training episodes` : `did not reach ${r.target.toFixed(2)} in ${r.episodes.toLocaleString('en')} episodes (last evaluation ${r.lastEvalReturn.toFixed(2)})`}${extra} · ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    process.stdout.write(`${o.env}, ${o.demos} demonstrations (mean length ${demoLength.toFixed(1)} steps), seed ${o.seed}; \`npm run bench -- align\` compares over seeds and demo counts\n`);
  });

program
  .command('check')
  .description("run checkEnv (Gymnasium's env checker) on a registered env")
  .requiredOption('-e, --env <id>', 'environment id')
  .option('--env-module <path>', 'a module that registers your own env (repeatable)', collect, [])
  .action(async (o: { env: string; envModule: string[] }) => {
    await loadEnvModules(o.envModule);
    const env = make(o.env).unwrapped;
    const { warnings } = checkEnv(env);
    for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
    process.stdout.write(`${o.env}: checkEnv passed${warnings.length ? ` with ${warnings.length} warning(s)` : ''}\n`);
  });

try {
  await program.parseAsync();
} catch (e) {
  process.stderr.write(`rudder: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
