/**
 * `rudder train`: a PPO run in a run folder with checkpoints, metrics, a learning-curve plot and a summary
 * (`rudder eval` is in eval.ts).
 */
import { SingleBar } from 'cli-progress';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parsePpoConfig, type PpoConfig } from '../src/agents/ppo/config.ts';
import { PpoTrainer, type PpoResult } from '../src/agents/ppo/ppo.ts';
import type { BackendChoice } from '../src/agents/backend.ts';
import { writeFileAtomic } from '../src/agents/run/atomic.ts';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, type CheckpointContents } from '../src/agents/run/checkpoint.ts';
import { describeAuxiliary, parseAuxiliarySettings, type AuxiliarySettings, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { curveSvg } from '../src/agents/run/curve-svg.ts';
import { MetricsLog } from '../src/agents/run/metrics.ts';
import { spec } from '../src/index.ts';
import { RudderRedistribution, type RudderCheckpointState } from '../src/rudder/ppo-redistribution.ts';
import { alignFromDemos, DEFAULT_DEMO_RETURN, type AlignCheckpointState, type AlignSetup } from '../src/align/ppo-align.ts';
import { subgoalDemoSteps } from '../src/align/subgoal-demo-steps.ts';
import { subgoalAgents, type SubgoalAgentsSetup } from '../src/align/subgoal-agents.ts';
import type { TransitionEvents } from '../src/align/transition-events.ts';
import { loadDemonstrations } from '../src/envs/core/demonstration.ts';
import type { RewardRedistribution } from '../src/agents/ppo/redistribution.ts';
import { bcPretrain, demoSteps, type DemoSteps } from '../src/agents/ppo/bc.ts';
import { bcAuxiliary, type AuxiliaryGradient } from '../src/agents/ppo/bc-auxiliary.ts';
import type { Agent } from '../src/agents/ppo/agent.ts';
import { parseRudderSettings, settingsConfig, type RudderSettings } from '../src/rudder/settings.ts';
import { EpisodeRecorder, LiveSource } from '../src/viewer/server/index.ts';
import { checkRecordedPolicyModule, loadPolicyModule, savedEnvModules } from './env-modules.ts';

export interface TrainCommand {
  config: Partial<PpoConfig>;
  out: string;
  backend: BackendChoice;
  resume: boolean | string;
  checkpointEvery: number;
  evalEvery: number;
  evalEpisodes: number;
  stopAt: number | null;
  progress: boolean;
  /** RUDDER's settings (`{}`: the defaults), or null for plain PPO (a resume brings back the checkpoint's). */
  rudder?: RudderSettings | null;
  /**
   * Align-RUDDER's online redistribution from this demonstration file (`--align FILE`), with the
   * end-of-episode correction or not, and with the state augmentation (`--align-augment`: one flag per
   * event kind seen so far appended to the observation); null: none.
   */
  align?: { demos: string; correction: 'final' | 'none'; demoReturn?: number | 'env'; augment?: boolean; subgoals?: { bcEpochs: number } | null } | null;
  /**
   * BC of the actor on these demonstrations (`--bc FILE`): `epochs` of pre-training before PPO (a fresh run
   * only; `minEntropy` stops them early), and/or BC as an auxiliary loss of PPO whose weight falls to 0 over
   * the first `aux.iterations` iterations (src/agents/ppo/bc-auxiliary.ts; also on a resume); null: none.
   */
  bc?: { demos: string; epochs: number; minEntropy?: number; aux?: { iterations: number; weight?: number } | null } | null;
  /** The viewer's live source (`--view`): its tap goes to PPO, RUDDER's episodes and the metrics rows to it. */
  live?: LiveSource | null;
  /** `--record-every N`: sub-env 0's next episode every N env steps to RUN/episodes/ (with RUDDER's or Align-RUDDER's redistribution); 0 or absent: none. */
  recordEvery?: number;
}

/** Read and validate a `--config FILE` (JSON with PpoConfig fields); errors name the file and the field. */
/**
 * A `--config` file: PPO's settings, and optionally a `rudder` object of RUDDER's settings (which turns
 * RUDDER on, as `--rudder` does with the defaults).
 */
export function readConfigFile(path: string): { ppo: Partial<PpoConfig>; rudder: RudderSettings | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`--config ${path}: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`--config ${path}: expected a JSON object of PPO settings`);
  const { rudder, ...ppo } = raw as Record<string, unknown>;
  parsePpoConfig(ppo, `--config ${path}`); // validates every field it has
  return { ppo: ppo as Partial<PpoConfig>, rudder: rudder === undefined ? null : parseRudderSettings(rudder, `--config ${path}: rudder`) };
}

export async function runTrain(c: TrainCommand, log: (s: string) => void): Promise<PpoResult> {
  if (c.resume === true && latestCheckpoint(c.out) === null) c = startOver(c, log);
  if (!c.resume && latestCheckpoint(c.out) !== null) {
    throw new Error(`${c.out} already holds a run (checkpoints: ${listCheckpoints(c.out).join(', ')}); pass --resume to continue it or choose another --out`);
  }
  const resumeFrom = c.resume ? loadCheckpoint<PpoCheckpointState>(c.out, typeof c.resume === 'string' ? c.resume : undefined) : null;
  if (resumeFrom) checkBcAuxiliary(c.out, resumeFrom.state, resumeFrom.label, c.bc?.aux ?? null);
  if (c.bc && c.resume && c.bc.epochs > 0) log(`note: --bc's pre-training is skipped on a resume (the weights come from the checkpoint)${c.bc.aux ? '; its auxiliary loss goes on' : ''}`);
  // A resume rebuilds the network from the module the run recorded, or from the --policy-module given now (it moved).
  const runConfig = { ...resumeFrom?.state.config, ...c.config };
  const policy = runConfig.policy ?? 'mlp';
  if (policy === 'tfjs' && !runConfig.policyModule) throw new Error("--policy tfjs needs --policy-module <file> (or policyModule in the config file): the module that builds your tfjs model");
  if (policy !== 'tfjs' && runConfig.policyModule) throw new Error(`--policy-module builds a tfjs policy, but the policy is '${policy}': drop --policy ${policy} or the module`);
  if (resumeFrom && policy === 'tfjs' && !c.config.policyModule) checkRecordedPolicyModule(c.out, runConfig.policyModule!);
  if (c.bc && !resumeFrom && policy === 'tfjs') throw new Error('--bc with --policy tfjs is not supported yet: BC pre-trains the built-in fused policies only');
  const tfjsModel = policy === 'tfjs' ? await loadPolicyModule(runConfig.policyModule!) : null;
  if (c.align && c.rudder) throw new Error('--align and --rudder are two reward redistributions: choose one');
  // A resume's config is the checkpoint's, under what the command line gives (often only totalTimesteps).
  const alignSetup = c.align ? newAlign({ ...resumeFrom?.state.config, ...c.config }, c.align, log) : null;
  const aligned = alignSetup?.redistribution ?? null;
  // A resume takes the agents' weights from the checkpoint: no BC.
  const subgoals = c.align?.subgoals && alignSetup ? newSubgoalAgents(alignSetup, c.align.demos, resumeFrom ? 0 : c.align.subgoals.bcEpochs, log) : null;
  if (resumeFrom?.state.redistribution?.state?.kind === 'align' && !aligned) throw new Error(`${c.out} was trained with Align-RUDDER: resume it with the same --align FILE`);
  const savedAlign = resumeFrom?.state.redistribution?.state as Partial<AlignCheckpointState> | undefined;
  if (savedAlign?.kind === 'align' && aligned && (savedAlign.appended ?? 0) > 0 !== Boolean(c.align?.augment)) {
    throw new Error(`${c.out} was trained ${savedAlign.appended ? 'with' : 'without'} Align-RUDDER's state augmentation: resume it ${savedAlign.appended ? 'with' : 'without'} --align-augment`);
  }
  const rudder = aligned ? null : resumeFrom ? resumedRudder(c, resumeFrom) : newRudder(c);
  const redistribution: RewardRedistribution | null = aligned ?? rudder;
  if (!resumeFrom && MetricsLog.holdsRecords(c.out) && sameRunConfig(c.out, c.config)) {
    // The same run (same config and seed) stopped before its first checkpoint: it starts over, and its records would come out the same.
    log(`note: ${c.out} holds the metrics of this run (same config.json), stopped before its first checkpoint; starting it over`);
    MetricsLog.clear(c.out);
  }
  // A fresh run refuses a folder with another run's metrics here; a resumed run's metrics are cut back to
  // its checkpoint below, once the trainer has accepted the checkpoint (a refused resume loses nothing).
  const metrics = resumeFrom ? new MetricsLog(c.out) : MetricsLog.create(c.out);
  const recordEvery = c.recordEvery ?? 0;
  if (!(Number.isInteger(recordEvery) && recordEvery >= 0)) throw new Error(`--record-every must be an integer ≥ 0, got ${recordEvery}`);
  // Recording training episodes rides on the viewer's live source (one more on-demand subscriber of its tap).
  const ownLive = recordEvery > 0 && !c.live;
  const live = c.live ?? (ownLive ? liveSourceOf({ ...resumeFrom?.state.config, ...c.config }, c.out) : null);
  if (live) {
    // Every row written to metrics.jsonl also goes to the viewer's followers of the live run.
    const write = metrics.event.bind(metrics);
    metrics.event = (type, fields) => {
      write(type, fields);
      live.metric({ type, ...fields });
    };
  }
  if (rudder) {
    // Per finished episode, where RUDDER put the return (the whole arrays go to onEpisode listeners: the viewer).
    rudder.onEpisode = (e) => {
      let at = 0;
      for (let i = 1; i < e.length; i++) if (e.redistributed[i]! > e.redistributed[at]!) at = i;
      metrics.event('rudder_episode', {
        global_step: e.globalStep, env: e.env, length: e.length, return: e.ret, predicted: e.predicted, quality: e.quality, error: e.error,
        active: e.active, rr_first: e.redistributed[0]!, rr_last: e.redistributed[e.length - 1]!, rr_max: e.redistributed[at]!, rr_max_step: at,
      });
    };
  }
  if (rudder && live) live.attachRudder(rudder); // after the logger above, which it keeps
  if (aligned && live) live.attachRedistribution(aligned, 'align-rudder');
  const recorder = live && recordEvery > 0 ? new EpisodeRecorder(live, c.out, { everySteps: recordEvery, log }) : null;
  let bar: SingleBar | null = null;
  let lastLine = 0;
  const recent: number[] = [];
  const trainer = await PpoTrainer.create(c.config, {
    backend: c.backend, tfjsModel, runDir: c.out, resume: c.resume, checkpointEvery: c.checkpointEvery,
    evalEvery: c.evalEvery, evalEpisodes: c.evalEpisodes, stopAtReturn: c.stopAt, redistribution, tap: live?.tap ?? null,
    envWrappers: alignSetup?.envWrappers ?? [], makePolicy: subgoals?.makePolicy ?? null,
    pretrain: c.bc && c.bc.epochs > 0 ? bcPretrainer(c.bc, c.config.seed ?? 1, log, c.align?.augment ? alignSetup!.redistribution.encoder : null) : null,
    auxiliaryLoss: c.bc?.aux ? bcAuxiliaryLoss(c.bc, c.bc.aux, runConfig.seed ?? 1, log, c.align?.augment ? alignSetup!.redistribution.encoder : null) : null,
    metricsMark: () => {
      metrics.sync();
      return metrics.mark();
    },
    hooks: {
      onNote: log,
      onEpisode: (e) => {
        metrics.event('episode', { global_step: e.globalStep, return: e.return, length: e.length });
        recent.push(e.return);
        if (recent.length > 20) recent.shift();
      },
      onIteration: (s) => {
        recorder?.tick(s.globalStep);
        metrics.iteration({
          iteration: s.iteration, global_step: s.globalStep, time_s: s.globalStep / s.sps, sps: Math.round(s.sps), episode_return: s.episodeReturn,
          episode_length: s.episodeLength, episodes: s.episodes, learning_rate: s.learningRate, policy_loss: s.policyLoss, value_loss: s.valueLoss,
          entropy: s.entropy, old_approx_kl: s.oldApproxKl, approx_kl: s.approxKl, clip_frac: s.clipFrac, explained_variance: s.explainedVariance,
          backend: trainer.backend,
          ...(rudder ? rudderMetrics(rudder) : {}),
        });
        const mean = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
        if (bar) bar.update(s.globalStep, { sps: Math.round(s.sps), ret: Number.isNaN(mean) ? '-' : mean.toFixed(1) });
        else if (performance.now() - lastLine > 10_000 || s.iteration === s.numIterations) {
          lastLine = performance.now();
          log(`step ${s.globalStep}/${s.numIterations * trainer.cfg.numEnvs * trainer.cfg.numSteps}  SPS ${Math.round(s.sps)}  mean return (last 20) ${Number.isNaN(mean) ? '-' : mean.toFixed(1)}`);
        }
      },
      onEval: (r) => {
        metrics.event('eval', { global_step: r.globalStep, mean_return: r.meanReturn, std_return: r.stdReturn, mean_length: r.meanLength, best: r.best });
        if (!bar) log(`eval at step ${r.globalStep}: ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)}${r.best ? ' (best so far, saved)' : ''}`);
      },
      // Logged before the checkpoint is saved, so it lies inside the metrics mark the checkpoint records.
      beforeCheckpoint: (label) => metrics.event('checkpoint', { path: join(c.out, 'checkpoints', label) }),
    },
  });
  if (subgoals && !resumeFrom) log(`sub-goal agents' BC: the demo actions' cross-entropy ${subgoals.bc.map((ce, j) => `${j}: ${ce ? `${ce[0].toFixed(2)} → ${ce[1].toFixed(2)}` : '–'}`).join(', ')}`);
  if (resumeFrom) {
    const { notes, cut } = metrics.cutBack(resumeFrom.state.metrics, resumeFrom.label);
    for (const n of notes) log(n);
    if (cut) log(`metrics cut back to checkpoint ${resumeFrom.label}: the records written after it (by the session that stopped) are dropped and will be written again`);
    // The summary and curve counted what was just cut: rebuilt from what is kept (and again at the end).
    if (cut) writeRunSummary(c.out, { config: trainer.cfg, backend: trainer.backend, globalStep: trainer.globalStep, iteration: trainer.iteration, stoppedEarly: false, bestEval: trainer.bestEval });
  }
  const total = trainer.numIterations * trainer.cfg.numEnvs * trainer.cfg.numSteps;
  log(`${trainer.cfg.envId} · PPO${rudder ? ' + RUDDER' : aligned ? ` + ${aligned.name}` : ''} · seed ${trainer.cfg.seed} · ${total.toLocaleString('en')} steps · ${trainer.kernels === 'tfjs' ? `tfjs policy: the ${trainer.backend} backend runs its training math` : `built-in ${trainer.cfg.policy}: our fused kernels (${trainer.kernels === 'wasm' ? 'wasm-simd' : 'js'}) run the training math, the tfjs backend ${trainer.backend} only saves the model (--policy tfjs with --policy-module trains your own network on it)`} · run folder ${c.out}${c.resume ? ` (resumed at step ${trainer.globalStep})` : ''}`);
  metrics.event('start', { env: trainer.cfg.envId, seed: trainer.cfg.seed, kernels: trainer.kernels, backend: trainer.backend, resumed_at: trainer.globalStep, total_steps: total });
  writeFileAtomic(join(c.out, 'config.json'), `${JSON.stringify(trainer.cfg, null, 2)}\n`);
  if (c.progress) {
    bar = new SingleBar({ format: 'train |{bar}| {percentage}% | {value}/{total} steps | {sps} SPS | mean return {ret} | ETA {eta_formatted}', hideCursor: true });
    bar.start(total, trainer.globalStep, { sps: '-', ret: '-' });
  }
  let result: PpoResult;
  try {
    result = await trainer.train();
  } finally {
    bar?.stop();
    trainer.close();
    recorder?.close();
    if (ownLive) live!.finish();
  }
  if (recorder?.written.length) log(`recorded ${recorder.written.length} training episodes in ${join(c.out, 'episodes')} (rudder view ${c.out} replays them)`);
  writeRunSummary(c.out, result);
  return result;
}

/**
 * `--resume` of a run stopped before its first checkpoint: nothing to continue from, so the run starts over
 * with the settings of its config.json (what it was started with) under those given now, and a note.
 * A folder without a config.json holds no run: that is an error.
 */
function startOver(c: TrainCommand, log: (s: string) => void): TrainCommand {
  const saved = readRunConfig(c.out);
  if (saved === null) throw new Error(`nothing to resume in ${c.out}: it holds no run (no checkpoint, no config.json); leave out --resume to start one`);
  log(`note: ${c.out} has no checkpoint yet (the run stopped before its first); starting it over from its config.json${c.rudder ? '' : ' (PPO settings only: add --rudder if it trained with RUDDER)'}`);
  return { ...c, resume: false, config: { ...saved, ...c.config } };
}

/** A run folder's config.json (the settings it was started with), or null when it has none. */
function readRunConfig(out: string): Partial<PpoConfig> | null {
  const file = join(out, 'config.json');
  if (!existsSync(file)) return null;
  try {
    return parsePpoConfig(JSON.parse(readFileSync(file, 'utf8')), file);
  } catch (e) {
    throw new Error(`${file} cannot be read: ${(e as Error).message}`);
  }
}

/** Whether the run folder's config.json is the config this command trains with (so its metrics are this run's). */
function sameRunConfig(out: string, input: Partial<PpoConfig>): boolean {
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  } catch {
    return false;
  }
  return JSON.stringify(saved) === JSON.stringify(parsePpoConfig(input));
}

/** The demo steps BC learns from: with --align-augment, the observations the policy sees (flags and all). */
function bcSteps(bc: NonNullable<TrainCommand['bc']>, flags: TransitionEvents | null): DemoSteps {
  const demos = loadDemonstrations(bc.demos);
  return flags ? subgoalDemoSteps(demos, flags) : demoSteps(demos);
}

/** BC of the actor on the demos, for PpoTrainOptions.pretrain (a resumed run skips it: its weights come from the checkpoint). */
function bcPretrainer(bc: NonNullable<TrainCommand['bc']>, seed: number, log: (s: string) => void, flags: TransitionEvents | null): (agent: Agent) => void {
  return (agent) => {
    const steps = bcSteps(bc, flags);
    const r = bcPretrain(agent, steps, { epochs: bc.epochs, seed, ...(bc.minEntropy !== undefined ? { minEntropy: bc.minEntropy } : {}) });
    log(`BC: ${steps.actions.length} demo steps from ${bc.demos}, ${r.epochs} epochs${r.epochs < bc.epochs ? ` of ${bc.epochs} (the policy's entropy on the demo states fell below ${bc.minEntropy})` : ''}: the demo actions' cross-entropy ${r.before.toFixed(3)} → ${r.after.toFixed(3)}, entropy ${r.entropy.toFixed(3)}`);
  };
}

/** The run folder file where runs before the checkpoints' `auxiliary` field recorded `--bc-aux-iterations`/`--bc-aux-weight`; still read for them. */
const LEGACY_BC_AUX_FILE = 'bc-auxiliary.json';

type BcAuxFlags = { iterations: number; weight?: number };

/**
 * A resume must give the same `--bc-aux-iterations`/`--bc-aux-weight` as the run was trained with (none if none):
 * the checkpoint's `auxiliary` field says which (PPO refuses a mismatch too; here the error names the flags).
 * A checkpoint from before that field: the run folder's bc-auxiliary.json, or none.
 */
function checkBcAuxiliary(out: string, state: PpoCheckpointState, label: string, given: BcAuxFlags | null): void {
  let saved: BcAuxFlags | null;
  if (state.auxiliary !== undefined) {
    const s = parseAuxiliarySettings(state.auxiliary, label);
    if (s && s.kind !== 'bc') throw new Error(`checkpoint ${label} was trained with ${describeAuxiliary(s)}, which rudder train cannot give: resume it from code with the same auxiliaryLoss`);
    saved = s ? bcAuxiliaryFlags(s, `checkpoint ${label}`) : null;
  } else {
    saved = legacyBcAuxiliary(out);
  }
  const show = (a: BcAuxFlags | null): string => (a ? `--bc-aux-iterations ${a.iterations}${a.weight !== undefined && a.weight !== 1 ? ` --bc-aux-weight ${a.weight}` : ''}` : 'no BC auxiliary loss');
  if (show(saved) !== show(given)) throw new Error(`${out} was trained with ${show(saved)}; resume it with ${saved ? `the same --bc FILE ${show(saved)}` : 'no --bc-aux-iterations'} (given: ${show(given)})`);
}

/** The flags of a BC auxiliary loss recorded in a checkpoint; a field of the wrong type is an error naming it. */
function bcAuxiliaryFlags(s: AuxiliarySettings, where: string): BcAuxFlags {
  const { iterations, weight } = s;
  if (!(typeof iterations === 'number' && Number.isInteger(iterations) && iterations >= 1)) throw new Error(`${where}: field auxiliary.iterations must be an integer ≥ 1, got ${JSON.stringify(iterations)}`);
  if (!(typeof weight === 'number' && weight > 0)) throw new Error(`${where}: field auxiliary.weight must be a number > 0, got ${JSON.stringify(weight)}`);
  return { iterations, weight };
}

/** What a run folder written before the checkpoints held it records (bc-auxiliary.json), or null. */
function legacyBcAuxiliary(out: string): BcAuxFlags | null {
  const file = join(out, LEGACY_BC_AUX_FILE);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is corrupt (${(e as Error).message}): it records the run's --bc-aux-iterations; restore it or delete it to resume without the auxiliary loss`);
  }
  const j = raw as { iterations?: unknown; weight?: unknown } | null;
  if (!(typeof j === 'object' && j !== null && typeof j.iterations === 'number' && (j.weight === undefined || typeof j.weight === 'number'))) {
    throw new Error(`${file} is corrupt (expected { iterations, weight? }, got ${JSON.stringify(raw)?.slice(0, 80)}): restore it or delete it to resume without the auxiliary loss`);
  }
  return { iterations: j.iterations, ...(j.weight !== undefined ? { weight: j.weight } : {}) };
}

/** BC as PPO's auxiliary loss (bc-auxiliary.ts), for PpoTrainOptions.auxiliaryLoss: on fresh and resumed runs alike. */
function bcAuxiliaryLoss(bc: NonNullable<TrainCommand['bc']>, aux: NonNullable<NonNullable<TrainCommand['bc']>['aux']>, seed: number, log: (s: string) => void, flags: TransitionEvents | null): (agent: Agent, cfg: PpoConfig) => AuxiliaryGradient {
  const steps = bcSteps(bc, flags);
  log(`BC auxiliary loss: ${steps.actions.length} demo steps from ${bc.demos}, weight ${aux.weight ?? 1} falling to 0 over the first ${aux.iterations} iterations`);
  return bcAuxiliary(steps, { iterations: aux.iterations, seed, ...(aux.weight !== undefined ? { weight: aux.weight } : {}) });
}

/** Align-RUDDER from the demonstration file, for the env of the run's config (the demos must be of it). */
function newAlign(config: Partial<PpoConfig>, a: NonNullable<TrainCommand['align']>, log: (s: string) => void): AlignSetup {
  const cfg = parsePpoConfig(config, '--align');
  const demos = loadDemonstrations(a.demos);
  const other = demos.find((d) => d.envId !== cfg.envId);
  if (other) throw new Error(`--align ${a.demos}: its episodes are of ${other.envId}, the run trains ${cfg.envId}`);
  const setup = alignFromDemos(demos, { correction: a.correction, seed: cfg.seed, augment: a.augment ?? false, ...(a.demoReturn !== undefined ? { demoReturn: a.demoReturn } : {}) });
  log(`Align-RUDDER: ${demos.length} demonstrations from ${a.demos}; ${setup.redistribution.encoder.name}; profile of ${setup.redistribution.profile.pssm.columns} columns; C = ${setup.redistribution.scale.toPrecision(4)} (the demos' redistributed return ${a.demoReturn === 'env' ? 'in the env\'s units' : `averages ${a.demoReturn ?? DEFAULT_DEMO_RETURN}`}); correction ${a.correction}${a.augment ? `; observations + ${setup.redistribution.encoder.numEvents} event flags` : ''}`);
  return setup;
}

/** A live source for the run's env, when only the episode recorder needs one (no viewer). */
function liveSourceOf(config: Partial<PpoConfig>, out: string): LiveSource {
  const cfg = parsePpoConfig(config, '--record-every');
  return new LiveSource({ envId: cfg.envId, envKwargs: cfg.envKwargs, numEnvs: cfg.numEnvs, runDir: out });
}

/** The sub-goal agents of `--align-subgoals`: the sub-goals read from the profile, each agent BC'd on its segments when PPO makes it. */
function newSubgoalAgents(setup: AlignSetup, demos: string, bcEpochs: number, log: (s: string) => void): SubgoalAgentsSetup {
  const sg = subgoalAgents(setup, loadDemonstrations(demos), { bcEpochs });
  log(`sub-goal agents: ${sg.subgoals.length} sub-goals (${sg.subgoals.map((g) => g.name).join(', ')}), ${sg.stages.events.length} agents; demo steps per agent ${sg.stageSteps.map((s) => s.actions.length).join('/')}`);
  return sg;
}

/** RUDDER_DEFAULTS (reward mode, scale-free) under the `rudder` settings, or null for plain PPO. */
function newRudder(c: TrainCommand): RudderRedistribution | null {
  if (!c.rudder) return null;
  const cfg = parsePpoConfig(c.config, 'rudder');
  return RudderRedistribution.forEnv(cfg.envId, cfg.envKwargs, { seed: cfg.seed, ...settingsConfig(c.rudder), features: c.rudder.features ?? null });
}

/**
 * A resumed run brings back the RUDDER it was trained with, from the settings its checkpoint saved (the
 * trainer then restores its state). RUDDER settings given with --resume must be the saved ones; the
 * checkpoint's restore names any that differ.
 */
function resumedRudder(c: TrainCommand, ck: CheckpointContents<PpoCheckpointState> & { label: string }): RudderRedistribution | null {
  const saved = ck.state.redistribution?.state as RudderCheckpointState | null | undefined;
  if (!saved || saved.kind !== 'rudder') {
    if (c.rudder) throw new Error(`cannot resume ${c.out} with RUDDER: checkpoint ${ck.label} was trained ${ck.state.redistribution ? `with ${ck.state.redistribution.name}` : 'without it (plain PPO)'}`);
    return null;
  }
  if (c.rudder) return newRudder({ ...c, config: { ...ck.state.config, ...c.config } });
  const { features, ...settings } = saved.settings;
  if (features !== null && typeof features !== 'string') throw new Error(`checkpoint ${ck.label}: RUDDER was trained with observation features given in code (${features.dim} values), which the command line cannot rebuild; resume it from code`);
  return RudderRedistribution.forEnv(ck.state.config.envId, ck.state.config.envKwargs, { ...settings, features });
}

function rudderMetrics(r: RudderRedistribution): Record<string, number> {
  const s = r.stats();
  return { rudder_episodes: s.episodes, rudder_active: s.active ? 1 : 0, rudder_loss: s.lastLoss, rudder_quality: s.quality, rudder_skipped_steps: s.skippedSteps };
}

/** summary.json and curve.svg, rebuilt from metrics.jsonl: at the end of a run, and when a resume has cut the metrics back. */
function writeRunSummary(out: string, r: Pick<PpoResult, 'config' | 'backend' | 'globalStep' | 'iteration' | 'stoppedEarly' | 'bestEval'>): void {
  // Every episode of the run, including earlier sessions of a resumed run, from metrics.jsonl.
  const episodes = readEpisodes(join(out, 'metrics.jsonl'));
  const last = episodes.slice(-20).map((e) => e.return);
  const summary = {
    env: r.config.envId, agent: 'ppo', policy: r.config.policy, seed: r.config.seed, backend: r.backend, globalStep: r.globalStep, iterations: r.iteration,
    stoppedEarly: r.stoppedEarly, episodes: episodes.length,
    meanReturnLast20: last.length ? last.reduce((a, b) => a + b, 0) / last.length : null,
    bestEvalReturn: r.bestEval?.meanReturn ?? null, checkpoint: latestCheckpoint(out), rewardThreshold: spec(r.config.envId).rewardThreshold,
  };
  writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileAtomic(join(out, 'curve.svg'), curveSvg(episodes.map((e) => ({ x: e.global_step, y: e.return })), { title: `${r.config.envId} · PPO · seed ${r.config.seed}`, xLabel: 'environment steps', yLabel: 'episode return' }));
}

/** The episode records of a metrics.jsonl; a line that is not JSON is an error naming the file and the line. */
function readEpisodes(path: string): { global_step: number; return: number }[] {
  const out: { global_step: number; return: number }[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((l, i) => {
    if (!l.includes('"type":"episode"')) return;
    try {
      out.push(JSON.parse(l) as { global_step: number; return: number });
    } catch (e) {
      throw new Error(`${path} line ${i + 1} is not JSON (${(e as Error).message}); the run's summary and curve cannot be built from it`);
    }
  });
  return out;
}

/** A recorded (absolute) module path as the user would type it here: relative when it is under the working directory. */
function shownPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

export function formatSummary(out: string): string {
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
    globalStep: number; episodes: number; meanReturnLast20: number | null; bestEvalReturn: number | null; checkpoint: string | null; stoppedEarly: boolean; rewardThreshold: number | null; policy?: string;
  };
  const tfjs = s.policy === 'tfjs';
  const reached = s.rewardThreshold !== null && s.meanReturnLast20 !== null ? ` (reward threshold ${s.rewardThreshold}: ${s.meanReturnLast20 >= s.rewardThreshold ? 'reached' : 'not reached'})` : '';
  return [
    `done: ${s.globalStep.toLocaleString('en')} steps, ${s.episodes} episodes${s.stoppedEarly ? ' (stopped early: return threshold reached)' : ''}`,
    `mean return of the last 20 episodes: ${s.meanReturnLast20 === null ? '-' : s.meanReturnLast20.toFixed(2)}${reached}${s.bestEvalReturn !== null ? ` · best evaluation: ${s.bestEvalReturn.toFixed(2)}` : ''}`,
    `saved in ${out}/: ${s.checkpoint === null ? '' : `checkpoints/${s.checkpoint} · `}${existsSync(join(out, 'model')) ? `model/ (${existsSync(join(out, 'model', 'subgoals.json')) ? 'the sub-goal agents, each a tfjs model, and subgoals.json' : `tfjs${tfjs ? ', your layers' : ''}`}) · ` : ''}metrics.jsonl · metrics.csv · curve.svg · summary.json`,
    existsSync(join(out, 'model')) ? `evaluate it: npx rudder eval${savedEnvModules(out).map((m) => ` --env-module ${shownPath(m)}`).join('')} --run ${out}${tfjs ? ` (or in any tfjs program: loadLayersPolicy('${out}/model'))` : ''}` : 'no model/ was written',
  ].join('\n');
}
