/**
 * The `rudder` command line. `rudder --help` lists the commands; each has its own `--help`. Each command's
 * options are one table (cli-options.ts), from which both the declaration and the action's type come.
 */
import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { CLI_TOTAL_TIMESTEPS, EVAL_SEED_OFFSET } from '../src/agents/ppo/config.ts';
import { checkEnv, listEnvs, make, spec, type Env } from '../src/index.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { loadDemonstrations, saveDemonstrations } from '../src/envs/core/demonstration.ts';
import { formatDemonstrations, recordExpertDemonstrations } from '../src/envs/core/expert-demonstrations.ts';
import { BACKEND_CHOICES } from '../src/agents/backend.ts';
import { runRoomsExperiment, type RoomsMethod } from '../src/experiments/index.ts';
import { choice, command, flag, int, negatable, num, optionalValue, repeatable, required, addOptions, value, type OptionValues } from './cli-options.ts';
import { absoluteModulePaths, loadEnvModules, loadRunEnvModules, savedEnvModules } from './env-modules.ts';
import { formatEvalReport, runEval } from './eval.ts';
import { runEpisodes, formatEpisodeReport } from './play.ts';
import { formatSummary, readConfigFile, runTrain } from './train.ts';
import { addSweepCommands } from './sweep-commands.ts';
import { DEFAULT_VIEW_HOST, DEFAULT_VIEW_PORT, liveSourceFor, startViewer, untilInterrupted } from './view.ts';

/**
 * Options of every command. Commander reads program options before or after the command name (positional
 * options are off), so `rudder train --env-module x.ts` and `rudder --env-module x.ts train` both work.
 */
const GLOBAL = {
  envModule: repeatable('--env-module <path>', 'a .ts/.mts/.js/.mjs module that registers your own env, loaded before the command runs (repeatable; a run records it for eval and --resume)'),
};

// `rudder envs | head`: a reader that stops early ends the command quietly, not with an EPIPE stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});

const program = new Command('rudder')
  .description('rudder-ts: reinforcement learning for delayed rewards (Gymnasium-style envs, PPO, RUDDER, Align-RUDDER)')
  .showHelpAfterError()
  // Each command's --help also lists --env-module.
  .configureHelp({ showGlobalOptions: true })
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
  $ rudder demos record --env ItemChain-v0 --episodes 10 --out demos.jsonl   expert demonstrations to a file
  $ rudder demos show demos.jsonl                 their episodes, lengths and returns (checked by replay)
  $ rudder train --env ItemChain-v0 --align demos.jsonl   PPO + Align-RUDDER's online redistribution from the demos
  $ rudder align --env FourRooms-v0 --demos 5     Align-RUDDER vs BC+Q from 5 expert demonstrations
  $ rudder train --env KeyDoorTreasure-v0 --rudder --view   watch the run live in the browser (prints the URL)
  $ rudder view runs/cp3                          open runs in the browser viewer: replays, curves, play and record demos
  $ rudder envs                                   list the registered environments
  $ rudder check --env-module ./my-env.ts --env MyEnv-v0   run checkEnv on your own env`);
addOptions(program, GLOBAL);
const envModules = (): string[] => program.opts<OptionValues<typeof GLOBAL>>().envModule;
program.hook('preAction', async () => {
  await loadEnvModules(envModules());
});

const TRAIN = {
  env: value('-e, --env <id>', 'environment id (default CartPole-v1, or the config file\'s envId)'),
  agent: choice('-a, --agent <agent>', 'learning algorithm', ['ppo'], 'ppo'),
  steps: value('-n, --steps <n>', `environment steps to train for (default ${CLI_TOTAL_TIMESTEPS})`, int('--steps', 1)),
  seed: value('-s, --seed <seed>', 'seed of envs, sampling and weights (default 1)', int('--seed', 0)),
  out: value('-o, --out <dir>', 'run folder (default runs/<env>-ppo-seed<seed>)'),
  config: value('-c, --config <file>', 'JSON file of PPO settings (CleanRL names in camelCase: learningRate, numEnvs, numSteps, …); flags override it'),
  numEnvs: value('--num-envs <n>', 'parallel envs', int('--num-envs', 1)),
  backend: choice('-b, --backend <backend>', "TensorFlow.js backend (runs the training math with --policy tfjs; the built-in policies run on the fused kernels)", BACKEND_CHOICES, 'auto'),
  policy: choice('-p, --policy <kind>', "the actor-critic: the built-in MLP or CNN (fused kernels), or your own tfjs model (tfjs autodiff on --backend; needs --policy-module)", ['mlp', 'cnn', 'tfjs']),
  policyModule: value('--policy-module <path>', "a .ts/.mts/.js/.mjs module exporting buildPolicy(obsSpace, actionSpace) => tf.LayersModel with outputs [logits, value] (implies --policy tfjs)"),
  resume: optionalValue('--resume [checkpoint]', 'continue the run in --out from its latest (or the named) checkpoint'),
  checkpointEvery: value('--checkpoint-every <iterations>', 'save a checkpoint every N iterations (and always at the end)', int('--checkpoint-every', 0), 20),
  evalEvery: value('--eval-every <steps>', 'evaluate the greedy policy every N env steps and keep the best as checkpoints/best (0: never)', int('--eval-every', 0), 0),
  evalEpisodes: value('--eval-episodes <n>', 'episodes per evaluation', int('--eval-episodes', 1), 10),
  stopAt: value('--stop-at <return>', 'stop once the evaluation mean (or the last-20-episode mean) reaches this return', num('--stop-at')),
  progress: negatable('--no-progress', 'plain log lines instead of a progress bar'),
  rudder: flag('--rudder', "experimental: RUDDER's LSTM redistributes the delayed reward (Discrete actions; --resume brings it back from the checkpoint)"),
  rudderFeatures: choice('--rudder-features <name>', "what RUDDER's LSTM sees of an observation (implies --rudder; settings in the config file's `rudder` object)", ['observation', 'gridCodeCounts', 'gridEvents', 'declared']),
  align: value('--align <demos.jsonl>', "Align-RUDDER: redistribute the reward online from these demonstrations (a .jsonl/.json file or folder, of the run's env)"),
  alignCorrection: choice('--align-correction <kind>', "with --align: `final` also pays each episode's last step G − Σ R (return-equivalent), `none` only the alignment's C·ΔS", ['none', 'final'], 'none'),
  alignDemoReturn: value('--align-demo-return <n|env>', "with --align: scale the redistributed reward so the demos' return averages n (default 100), or `env` for the papers' C (the env's units)", (v: string): number | 'env' => (v === 'env' ? 'env' : num('--align-demo-return')(v))),
  alignAugment: flag('--align-augment', "with --align: append to the observation one 0/1 flag per event kind seen so far in the episode (the reference's state augmentation)"),
  alignSubgoals: flag('--align-subgoals', "with --align: the paper's sub-goal agents, one policy per sub-goal read from the profile, each BC-initialised on its demo segments (--bc-epochs) and switched by the detected event (implies --align-augment; model/ holds every agent and the event encoder that switches them; rudder eval and --resume run it)"),
  bc: value('--bc <demos.jsonl>', "pre-train the actor by behaviour cloning on these demonstrations before PPO (a fresh run only)"),
  bcEpochs: value('--bc-epochs <n>', 'passes over the demo steps, with --bc (0: no pre-training, e.g. with --bc-aux-iterations)', int('--bc-epochs', 0), 50),
  bcMinEntropy: value('--bc-min-entropy <nats>', "with --bc: stop the BC epochs early once the policy's mean entropy on the demo states falls below this (keeps PPO's exploration)", num('--bc-min-entropy')),
  bcAuxIterations: value('--bc-aux-iterations <k>', "with --bc: also add BC's cross-entropy to PPO's loss, its weight falling linearly to 0 over the first k iterations (recorded in the run folder: a resume must give the same flags)", int('--bc-aux-iterations', 1)),
  bcAuxWeight: value('--bc-aux-weight <w>', 'with --bc-aux-iterations: the weight at the first update (default 1)', num('--bc-aux-weight')),
  recordEvery: value('--record-every <steps>', 'save the next training episode of sub-env 0 every N env steps to RUN_DIR/episodes/ (with RUDDER\'s redistribution), for rudder view to replay (0: never)', int('--record-every', 0), 0),
  view: flag('--view', 'watch the run live in the browser viewer (prints its URL; it keeps serving after training until Ctrl-C)'),
  port: value('--port <n>', `the viewer's port, with --view (default ${DEFAULT_VIEW_PORT}; 0: any free port)`, int('--port', 0)),
  host: value('--host <address>', `the viewer's address, with --view (default ${DEFAULT_VIEW_HOST}: this machine only)`),
};

command(program, 'train', 'train an agent (PPO) on an env; writes checkpoints, metrics.jsonl/csv, curve.svg and summary.json to the run folder', TRAIN, async (o) => {
  const file = o.config ? readConfigFile(o.config) : null;
  const config = { ...file?.ppo };
  // RUDDER: on with --rudder (defaults), --rudder-features, or a `rudder` object in the config file.
  const rudder = o.rudder || o.rudderFeatures !== undefined || file?.rudder ? { ...file?.rudder, ...(o.rudderFeatures ? { features: o.rudderFeatures } : {}) } : null;
  if (o.env !== undefined) config.envId = o.env;
  if (o.seed !== undefined) config.seed = o.seed;
  if (o.numEnvs !== undefined) config.numEnvs = o.numEnvs;
  if (o.policy !== undefined) config.policy = o.policy;
  if (o.policyModule !== undefined) {
    config.policyModule = resolve(o.policyModule); // recorded as an absolute path
    config.policy ??= 'tfjs';
  } else if (file?.ppo.policyModule) {
    config.policyModule = resolve(dirname(o.config!), file.ppo.policyModule); // relative to the config file
  }
  if (o.steps !== undefined) config.totalTimesteps = o.steps;
  else if (!o.config && !o.resume) config.totalTimesteps = CLI_TOTAL_TIMESTEPS;
  if (envModules().length) config.envModules = absoluteModulePaths(envModules()); // recorded for eval and --resume
  const envId = config.envId ?? 'CartPole-v1';
  const out = o.out ?? `runs/${envId.replace(/[^\w.-]/g, '_')}-ppo-seed${config.seed ?? 1}`;
  if (o.resume) await loadRunEnvModules(out, envModules());
  else spec(envId); // an unknown id fails here, naming the closest ones (a resume checks the checkpoint's)
  if (o.alignDemoReturn !== undefined && !o.align) throw new Error('--align-demo-return scales Align-RUDDER\'s reward: add --align FILE');
  if (o.alignAugment && !o.align) throw new Error('--align-augment augments Align-RUDDER\'s observations: add --align FILE');
  if (o.alignSubgoals && (!o.align || o.bc)) throw new Error(o.align ? '--align-subgoals BC-initialises each sub-goal agent on the --align demos itself: drop --bc' : '--align-subgoals reads the sub-goals from Align-RUDDER\'s profile: add --align FILE');
  if (!o.bc && (o.bcMinEntropy !== undefined || o.bcAuxIterations !== undefined)) throw new Error(`${o.bcMinEntropy !== undefined ? '--bc-min-entropy' : '--bc-aux-iterations'} sets how BC is done: add --bc FILE`);
  if (o.bcAuxWeight !== undefined && o.bcAuxIterations === undefined) throw new Error('--bc-aux-weight is the weight of the BC auxiliary loss: add --bc-aux-iterations K');
  if (!o.view && (o.port !== undefined || o.host !== undefined)) throw new Error('--port and --host set up the viewer: add --view');
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const live = o.view ? liveSourceFor(out, config, o.resume !== undefined && o.resume !== false) : null;
  const modules = absoluteModulePaths([...envModules(), ...(o.resume ? savedEnvModules(out) : [])]);
  const viewer = live ? await startViewer({ host: o.host ?? DEFAULT_VIEW_HOST, port: o.port ?? DEFAULT_VIEW_PORT, runDirs: [], live, modules }, say) : null;
  try {
    await runTrain({
      config, out, backend: o.backend, resume: o.resume ?? false, checkpointEvery: o.checkpointEvery, evalEvery: o.evalEvery,
      evalEpisodes: o.evalEpisodes, stopAt: o.stopAt ?? null, progress: o.progress && process.stderr.isTTY === true, rudder, live, recordEvery: o.recordEvery,
      align: o.align ? { demos: o.align, correction: o.alignCorrection, ...(o.alignDemoReturn !== undefined ? { demoReturn: o.alignDemoReturn } : {}), augment: o.alignAugment || o.alignSubgoals, subgoals: o.alignSubgoals ? { bcEpochs: o.bcEpochs } : null } : null,
      bc: o.bc ? {
        demos: o.bc, epochs: o.bcEpochs, ...(o.bcMinEntropy !== undefined ? { minEntropy: o.bcMinEntropy } : {}),
        aux: o.bcAuxIterations !== undefined ? { iterations: o.bcAuxIterations, ...(o.bcAuxWeight !== undefined ? { weight: o.bcAuxWeight } : {}) } : null,
      } : null,
    }, say);
    say(formatSummary(out));
    live?.finish();
    viewer?.finish();
    if (viewer) {
      say(`the viewer keeps serving at ${viewer.url} (replays, curves, the trained policy); Ctrl-C to stop`);
      await untilInterrupted();
    }
  } finally {
    await viewer?.close();
  }
});

const EVAL = {
  run: required('-r, --run <dir>', 'run folder written by rudder train'),
  episodes: value('-n, --episodes <n>', 'number of episodes', int('--episodes', 1), 10),
  seed: value('-s, --seed <seed>', 'seed of the first episode', int('--seed', 0), EVAL_SEED_OFFSET),
  checkpoint: value('--checkpoint <label>', 'which checkpoint: the latest (default), best, or an iter-NNNNNNN label'),
  sample: flag('--sample', 'sample actions from the policy instead of taking the most likely one'),
  policyModule: value('--policy-module <path>', "a tfjs-policy run: the module that builds its network, if it moved (default: the one the run recorded)"),
  record: flag('--record', 'write every episode to RUN/episodes/eval-<checkpoint>-seed<s>.json for rudder view to replay (with RUDDER\'s redistribution when the run has RUDDER)'),
};

command(program, 'eval', "run greedy (deterministic) episodes of a trained run's policy and print their statistics", EVAL, async (o) => {
  await loadRunEnvModules(o.run, envModules());
  const c = { run: o.run, episodes: o.episodes, seed: o.seed, checkpoint: o.checkpoint, sample: o.sample ?? false, policyModule: o.policyModule, record: o.record ?? false };
  process.stdout.write(formatEvalReport(c, await runEval(c)));
});

const PLAY = {
  env: value('-e, --env <id>', 'environment id', String, 'CartPole-v1'),
  policy: choice('-p, --policy <policy>', 'who acts: the env\'s scripted expert, or uniform random actions', ['expert', 'random'], 'expert'),
  episodes: value('-n, --episodes <n>', 'number of episodes', int('--episodes', 1), 5),
  seed: value('-s, --seed <seed>', 'seed of the first episode (episode i uses seed + i)', int('--seed', 0), 1),
  render: choice('-r, --render <mode>', 'print the last frame of each episode', ['none', 'ansi'], 'none'),
};

command(program, 'play', 'make an env, run seeded episodes with a scripted expert or a random policy, print their statistics', PLAY, (o) => {
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

command(program, 'envs', 'list the registered environments (with those of any --env-module) with their limits and spaces', {}, () => {
  const rows = listEnvs().map((id) => {
    const s = spec(id);
    const env = s.factory({ ...s.kwargs });
    // The TimeLimit's steps, else the env's own limit (envs that truncate themselves at their default options).
    const row = [id, String(s.maxEpisodeSteps ?? env.unwrapped.maxSteps ?? '-'), String(s.rewardThreshold ?? '-'), env.actionSpace.toString(), env.observationSpace.toString()];
    env.close();
    return row;
  });
  const head = ['id', 'max steps', 'threshold', 'action space', 'observation space'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()}\n`);
});

const ALIGN = {
  env: value('-e, --env <id>', 'a rooms env: FourRooms-v0, FourRooms-v1, EightRooms-v0, EightRooms-v1, or your own registered with a RoomsEnv factory (--env-module)', String, 'FourRooms-v0'),
  demos: value('-d, --demos <n>', 'number of expert demonstrations', int('--demos', 1), 10),
  method: choice('-m, --method <method>', 'which learner', ['align-rudder', 'bc-q', 'both'], 'both'),
  seed: value('-s, --seed <seed>', 'seed of the demos and the learner', int('--seed', 0), 1),
  maxEpisodes: value('--max-episodes <n>', 'stop a run that has not reached the target after this many training episodes', int('--max-episodes', 10), 20_000),
};

command(program, 'align', 'Align-RUDDER from a few expert demonstrations on a rooms gridworld (tabular Q), against BC+Q: training episodes until the return reaches 80 % of the demos\'', ALIGN, (o) => {
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

const demos = program.command('demos').description('demonstration files: record them from an env\'s scripted expert, show what a file holds');

const DEMOS_RECORD = {
  env: required('-e, --env <id>', 'environment id (it must have a scripted expert)'),
  episodes: value('-n, --episodes <n>', 'number of episodes', int('--episodes', 1), 10),
  noise: value('--noise <epsilon>', 'probability of a uniformly random action instead of the expert\'s', num('--noise'), 0),
  seed: value('-s, --seed <seed>', 'seed of the first episode (episode i uses seed + i) and of the noise', int('--seed', 0), 0),
  out: required('-o, --out <file>', 'the .jsonl file to write (one episode per line, written atomically)'),
  observations: flag('--observations', 'also store each step\'s observation (checked on load; large)'),
};

command(demos, 'record', 'record episodes of an env\'s scripted expert into a demonstration file (.jsonl)', DEMOS_RECORD, (o) => {
  if (!o.out.endsWith('.jsonl')) throw new Error(`--out ${o.out}: a file of several episodes is .jsonl (one episode per line)`);
  const recorded = recordExpertDemonstrations(o.env, { episodes: o.episodes, seed: o.seed, noise: o.noise, observations: o.observations ?? false });
  saveDemonstrations(o.out, recorded);
  process.stdout.write(formatDemonstrations(o.out, recorded));
});

const showDemos = command(demos, 'show', 'print the episodes of a demonstration file or folder (each checked by replay): env, seeds, lengths, returns', {}, () => {
  const path = showDemos.args[0]!;
  process.stdout.write(formatDemonstrations(path, loadDemonstrations(path)));
});
showDemos.argument('<FILE>', 'a .jsonl or .json demonstration file, or a folder of them');

const VIEW = {
  port: value('-p, --port <n>', `port to serve on (0: any free port)`, int('--port', 0), DEFAULT_VIEW_PORT),
  host: value('--host <address>', 'address to bind: 127.0.0.1 (this machine only) unless you want others to reach it, e.g. 0.0.0.0', String, DEFAULT_VIEW_HOST),
};

const view = command(program, 'view', 'open training runs in the browser viewer: replays of recorded episodes, learning curves, the saved policy, keyboard play that records demonstrations into RUN_DIR/demos', VIEW, async (o) => {
  const dirs = view.args;
  for (const d of dirs) await loadRunEnvModules(d, envModules()); // runs of your own envs: their modules, as recorded
  const server = await startViewer({ host: o.host, port: o.port, runDirs: dirs }, (line) => void process.stdout.write(`${line}\n`));
  process.stdout.write('open the URL in a browser; Ctrl-C to stop\n');
  await untilInterrupted();
  await server.close();
});
view.argument('[RUN_DIR...]', 'run folders written by `rudder train` (default: every run folder in ./runs)')
  .addHelpText('after', `
The page draws any env with a scene() (no viewer code per env), replays RUN_DIR/demos/*.json and
RUN_DIR/episodes/*.json, plots metrics.jsonl, runs model/model.json in the browser, and saves what you
play as a demonstration (seed + actions, checked by replay) in RUN_DIR/demos/ for Align-RUDDER.
The server only answers pages from its own address (Host and Origin checked).

Examples:
  $ rudder view runs/KeyDoorTreasure-v0-ppo-seed1
  $ rudder view --port 0                      every run in ./runs, on any free port
  $ rudder train --env KeyDoorTreasure-v0 --rudder --view   watch a run live instead`);

command(program, 'check', "run checkEnv (Gymnasium's env checker) on a registered env", { env: required('-e, --env <id>', 'environment id') }, (o) => {
  const env = make(o.env).unwrapped;
  const { warnings } = checkEnv(env);
  for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
  process.stdout.write(`${o.env}: checkEnv passed${warnings.length ? ` with ${warnings.length} warning(s)` : ''}\n`);
});

addSweepCommands(program, envModules);

try {
  await program.parseAsync();
} catch (e) {
  process.stderr.write(`rudder: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
