/**
 * The `rudder` command line. `rudder --help` lists the commands; each has its own `--help`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { checkEnv, listEnvs, make, spec, type Env } from '../src/index.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { runEpisodes, formatEpisodeReport } from './play.ts';

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
  $ rudder play                                   seeded expert episodes on CartPole-v1, with statistics
  $ rudder play --env CartPole-v1 --policy random --episodes 10 --seed 7
  $ rudder play --render ansi --episodes 1        print the final frame of the episode
  $ rudder envs                                   list the registered environments
  $ rudder check --env-module ./my-env.ts --env MyEnv-v0   run checkEnv on your own env`);

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
