/**
 * Proximal Policy Optimization (Schulman et al. 2017) for discrete actions, with CleanRL `ppo.py`'s
 * semantics (envs-ppo.md §6.1). Read top to bottom: set-up, the loop (`train`), rollout, bootstrap + GAE,
 * update, then evaluation and checkpoints (what a checkpoint holds: ./checkpoint.ts).
 *
 * Differences from CleanRL, on purpose: Gymnasium 1.x NEXT_STEP autoreset, so the transition into an
 * autoreset is masked out; truncation is bootstrapped with V(final observation) and termination is not
 * (CleanRL treats both as termination).
 */
import { Box } from '../../envs/spaces/box.ts';
import { Discrete } from '../../envs/spaces/discrete.ts';
import { MultiDiscrete } from '../../envs/spaces/multi-discrete.ts';
import type { Info } from '../../envs/core/env.ts';
import { Rng } from '../../envs/core/rng.ts';
import { makeVec, VectorRecordEpisodeStatistics } from '../../envs/index.ts'; // the package entry registers the built-in envs
import type { EnvWrapper } from '../../envs/vector/make-vec.ts';
import type { Adam } from '../adam.ts';
import { initBackend, type BackendChoice, type NativeLoader } from '../backend.ts';
import { saveCheckpoint } from '../run/checkpoint.ts';
import { savePolicyModel, saveTfjsPolicyModel } from '../run/model-io.ts';
import { join } from 'node:path';
import { createAgent, type Agent } from './agent.ts';
import { checkpointContents, loadResumeCheckpoint, restoreLearningState, type AuxiliarySettings, type PpoLearningState } from './checkpoint.ts';
import { EVAL_SEED_OFFSET, parsePpoConfig, RESUME_SEED_STRIDE, RETURN_WINDOW, type PpoConfig } from './config.ts';
import { evaluatePolicy, type EvalResult } from './evaluate.ts';
import { computeGae } from './gae.ts';
import type { LossStats, Minibatch } from './loss.ts';
import { copyMinibatchRows, newMinibatch } from './minibatch.ts';
import { FusedPolicy, type PpoPolicy } from './policy.ts';
import { TfjsActorCritic, type TfjsModelSource } from './tfjs-policy.ts';
import { mixAdvantage, type RewardRedistribution, type RolloutView } from './redistribution.ts';
import { subEnvsOf, type RolloutTap } from './episode-tap.ts';
import type { Env } from '../../envs/core/env.ts';
import { hasEnvState } from '../../envs/core/env-state.ts';
import type { MetricsMark } from '../run/metrics.ts';
import { decodeRolloutState, saveRolloutState, type PpoRolloutState } from './rollout-state.ts';

/** What one iteration (rollout + update) logs: CleanRL's charts/ and losses/ scalars. */
export interface PpoIterationStats extends LossStats {
  iteration: number;
  numIterations: number;
  globalStep: number;
  learningRate: number;
  explainedVariance: number;
  /** Env steps per second of this run's wall-clock time (rollout + update + everything else). */
  sps: number;
  /** Mean return and length of the episodes finished in this rollout (NaN if none). */
  episodeReturn: number;
  episodeLength: number;
  episodes: number;
}

export interface EpisodeRecord {
  globalStep: number;
  /** The sub-env it ran in. */
  env: number;
  return: number;
  length: number;
}

export interface PpoHooks {
  /** After each rollout, before GAE. */
  onRolloutEnd?(rollout: RolloutView): void;
  /** After each update. Return `false` to stop training. */
  onIteration?(stats: PpoIterationStats): void | boolean;
  onEpisode?(episode: EpisodeRecord): void;
  onEval?(result: EvalResult & { globalStep: number; best: boolean }): void;
  /** Just before a training checkpoint `label` is saved: what is logged here lies inside the metrics mark it records. */
  beforeCheckpoint?(label: string): void;
  onCheckpoint?(dir: string): void;
  /** Something the user should know that is not an error (e.g. a resume that restarts episodes); default: console.warn. */
  onNote?(message: string): void;
}

export interface PpoTrainOptions {
  /** The tfjs backend: it runs a tfjs policy's training math; the built-in policies run on the fused kernels whatever it is. */
  backend?: BackendChoice;
  /** How the backend ladder imports tfjs-node(-gpu) (../backend.ts; tests pass a stand-in). */
  loadNative?: NativeLoader;
  /** Run folder for checkpoints, the best checkpoint and the final tfjs model (`model/`); null: write nothing. */
  runDir?: string | null;
  /** Resume from the run folder's latest checkpoint (true) or from a named one. */
  resume?: boolean | string;
  /** Save a checkpoint every this many iterations (and at the end); 0: only at the end. */
  checkpointEvery?: number;
  /** Evaluate the greedy policy every this many env steps; 0: never. */
  evalEvery?: number;
  evalEpisodes?: number;
  /** Stop once the evaluation mean (or, without evaluation, the mean of the last RETURN_WINDOW episodes) reaches this. */
  stopAtReturn?: number | null;
  redistribution?: RewardRedistribution | null;
  /** Wrap each sub-env (and the evaluation env) in these, innermost first, e.g. Align-RUDDER's state augmentation. */
  envWrappers?: readonly EnvWrapper[];
  /** Called once on a fresh run's new agent before training (not on a resume), e.g. BC pre-training of the actor (bc.ts). */
  pretrain?: ((agent: Agent) => void) | null;
  /**
   * An auxiliary loss whose gradient each update adds to PPO's before the clip (the fused policies only; on a
   * resume too), given the agent and config, e.g. BC with a decaying weight (./bc-auxiliary.ts `bcAuxiliary`).
   */
  auxiliaryLoss?: AuxiliaryLoss | null;
  /**
   * A policy of the caller's making instead of the config's built-in one, given the config and the (wrapped)
   * env's observation shape and action heads, e.g. Align-RUDDER's sub-goal agents (src/align/subgoal-agents.ts).
   * Its checkpoints hold what its saveState gives; a resume calls makePolicy again (pass the same one), then
   * restores that state into it. Its `saveModel`, if it has one, writes the run's model/.
   */
  makePolicy?: ((cfg: PpoConfig, obsShape: readonly number[], nvec: readonly number[]) => PpoPolicy & { readonly kernels: 'wasm' | 'js' }) | null;
  hooks?: PpoHooks;
  /** The viewer's tap: records an armed sub-env's next episode (./episode-tap.ts); off when its `env` is −1. */
  tap?: RolloutTap | null;
  /**
   * With `policy: 'tfjs'`: the actor-critic as a tfjs Layers model with outputs `[logits, value]`, or a builder
   * `(obsSpace, actionSpace) => model` (./tfjs-policy.ts). Training updates it in place; the result's
   * `policy.dispose()` frees it and its optimiser.
   */
  tfjsModel?: TfjsModelSource | null;
  /** Where the run's metrics files end now; each checkpoint records it so that a resume can cut them back (`rudder train` passes MetricsLog.mark). */
  metricsMark?: () => MetricsMark;
}

export interface PpoResult {
  /** The fused agent; throws for a tfjs policy (use `policy`). */
  readonly agent: Agent;
  policy: PpoPolicy;
  config: PpoConfig;
  backend: string;
  globalStep: number;
  iteration: number;
  /** The episodes finished in this session (after a resume: the checkpoint's last RETURN_WINDOW, then this session's). */
  episodes: EpisodeRecord[];
  bestEval: EvalResult | null;
  stoppedEarly: boolean;
}

export async function trainPpo(input: Partial<PpoConfig>, opts: PpoTrainOptions = {}): Promise<PpoResult> {
  const trainer = await PpoTrainer.create(input, opts);
  try {
    return await trainer.train();
  } finally {
    trainer.close();
  }
}

/** The rollout storage, time-major [T, N] (a row per step and env; obs, actions and masks `D`, `K`, `L` wide). */
export interface RolloutBuffers {
  obs: Float32Array; actions: Int32Array; masks: Uint8Array | null; logProbs: Float32Array; rewards: Float32Array; values: Float32Array;
  terminated: Uint8Array; truncated: Uint8Array; valid: Uint8Array; advantages: Float32Array; returns: Float32Array;
}

/** A redistributor's output per step [T, N], and in `reward` mode the reward GAE sees instead of the env's. */
interface RedistributedBuffers {
  rr: Float32Array;
  quality: Float32Array;
  mixedRewards: Float32Array | null;
}

/**
 * An auxiliary loss (PpoTrainOptions.auxiliaryLoss): given the agent and config, the function that adds update u's
 * gradient. Its `settings` go into checkpoints, so a resume with another or none is refused; a loss without them
 * is recorded as `{ kind: 'custom' }`.
 */
export type AuxiliaryLoss = ((agent: Agent, cfg: PpoConfig) => (grads: Float32Array[], u: number) => void) & { readonly settings?: AuxiliarySettings };

/** PPO's whole state and loop. `trainPpo` is the usual entry; the class exists for checkpoints and tests. */
export class PpoTrainer implements PpoLearningState {
  readonly envs: VectorRecordEpisodeStatistics<Float32Array, Int32Array>;
  /** What acts and learns: the fused agent (default) or a tfjs model (`policy: 'tfjs'`). */
  readonly policy: PpoPolicy;
  readonly rng: Rng; // action sampling and minibatch shuffles
  readonly numIterations: number;
  /** What computes PPO's passes: our WebAssembly-SIMD kernels, their JS fallback, or tfjs on its active backend. */
  readonly kernels: 'wasm' | 'js' | 'tfjs';
  iteration = 0;
  globalStep = 0;
  readonly episodes: EpisodeRecord[] = [];
  bestEval: EvalResult | null = null;
  nextEvalStep: number;
  elapsedBefore = 0; // seconds spent in earlier sessions of a resumed run
  readonly redistribution: RewardRedistribution | null;
  readonly auxiliary: AuxiliarySettings | null;
  readonly obsShape: readonly number[];
  private readonly D: number; // observation size (H·W·C for an image)
  private readonly K: number; // action heads
  private readonly L: number; // logits, Σ nvec
  // ---- rollout storage, time-major [T, N] ----
  readonly buf: RolloutBuffers;
  private readonly redistributed: RedistributedBuffers | null; // only with opts.redistribution
  private readonly nextObs: Float32Array;
  private readonly nextValues: Float32Array;
  private readonly prevDone: Uint8Array; // NEXT_STEP: the env's next step is its autoreset
  private readonly stepActions: Int32Array; // [N, K]
  private readonly nextMask: Uint8Array | null; // [N, L], the action masks that come with nextObs
  private readonly stepLogp: Float32Array;
  private readonly stepValues: Float32Array;
  private readonly order: Int32Array;
  private readonly scaledRewards: Float32Array | null; // [T, N], the reward GAE sees when cfg.rewardScale ≠ 1
  private readonly tapped: readonly Env[] | null; // the sub-envs, when a tap is attached

  private constructor(readonly cfg: PpoConfig, readonly backend: string, readonly opts: PpoTrainOptions) {
    const N = cfg.numEnvs, T = cfg.numSteps, batch = N * T;
    this.numIterations = Math.floor(cfg.totalTimesteps / batch);
    if (this.numIterations < 1) throw new Error(`totalTimesteps ${cfg.totalTimesteps} is less than one rollout (numEnvs × numSteps = ${batch})`);
    this.envs = new VectorRecordEpisodeStatistics(makeVec<Float32Array, Int32Array>(cfg.envId, N, { autoresetMode: 'next_step', kwargs: cfg.envKwargs, ...(opts.envWrappers?.length ? { wrappers: [...opts.envWrappers] } : {}) }));
    const obsSpace = this.envs.singleObservationSpace, actSpace = this.envs.singleActionSpace;
    const rank = cfg.policy === 'cnn' ? 3 : cfg.policy === 'mlp' ? 1 : null; // a tfjs model says its own
    if (!(obsSpace instanceof Box) || obsSpace.dtype !== 'float32' || (rank !== null && obsSpace.shape.length !== rank)) {
      this.envs.close();
      throw new Error(cfg.policy === 'tfjs' ? `${cfg.envId}: PPO's tfjs policy needs a float32 Box observation, got ${obsSpace.toString()}`
        : cfg.policy === 'cnn'
        ? `${cfg.envId}: PPO's CNN policy needs an image observation, a float32 Box of shape [H, W, C], got ${obsSpace.toString()}${cfg.envId === 'KeyDoorTreasure-v0' ? ' (pass envKwargs { "observation": "image" })' : ''}`
        : `${cfg.envId}: PPO's MLP policy needs a flat float32 Box observation, got ${obsSpace.toString()} (wrap the env in FlattenObservation when registering it${obsSpace instanceof Box && obsSpace.shape.length === 3 ? ', or use policy "cnn" for an [H, W, C] image' : ''})`);
    }
    const nvec = actionHeads(actSpace);
    if (!nvec) {
      this.envs.close();
      throw new Error(`${cfg.envId}: PPO needs a Discrete or 1-D MultiDiscrete action space starting at 0, got ${actSpace.toString()}`);
    }
    const D = (this.D = obsSpace.size), K = (this.K = nvec.length), L = (this.L = nvec.reduce((x, y) => x + y, 0));
    this.obsShape = [...obsSpace.shape];
    try {
      if ((cfg.policy === 'tfjs') !== (opts.tfjsModel != null)) {
        throw new Error(cfg.policy === 'tfjs' ? "policy 'tfjs' needs a model: pass tfjsModel (a tfjs LayersModel or a builder (obsSpace, actionSpace) => model)"
          : `a tfjsModel was given, but policy is '${cfg.policy}' (set policy: 'tfjs' to train it)`);
      }
      if (opts.makePolicy) {
        const made = opts.makePolicy(cfg, this.obsShape, nvec);
        if (made.kind !== 'custom') throw new Error(`makePolicy returned a '${made.kind}' policy; it makes 'custom' ones (the built-in kinds come from the config)`);
        this.policy = made;
        this.kernels = made.kernels;
      } else if (cfg.policy === 'tfjs') {
        const src = opts.tfjsModel!;
        const model = typeof src === 'function' ? src(obsSpace, actSpace as Discrete | MultiDiscrete) : src;
        this.policy = new TfjsActorCritic(model, this.obsShape, nvec, cfg.learningRate);
        this.kernels = 'tfjs';
      } else {
        const fused = new FusedPolicy(createAgent(cfg, this.obsShape, nvec), cfg.learningRate);
        this.policy = fused;
        this.kernels = fused.loss.kernels;
      }
      this.auxiliary = opts.auxiliaryLoss ? opts.auxiliaryLoss.settings ?? { kind: 'custom' } : null;
      if (opts.auxiliaryLoss) {
        if (!(this.policy instanceof FusedPolicy)) throw new Error(`an auxiliary loss works on the fused agent only, not on a '${this.policy.kind}' policy`);
        this.policy.auxiliary = opts.auxiliaryLoss(this.policy.agent, cfg);
      }
    } catch (e) {
      this.envs.close();
      throw new Error(`${cfg.envId}: ${(e as Error).message}`);
    }
    this.rng = new Rng(cfg.seed + 1);
    this.buf = {
      obs: new Float32Array(batch * D), actions: new Int32Array(batch * K), masks: cfg.actionMasks ? new Uint8Array(batch * L) : null, logProbs: new Float32Array(batch),
      rewards: new Float32Array(batch), values: new Float32Array(batch), terminated: new Uint8Array(batch),
      truncated: new Uint8Array(batch), valid: new Uint8Array(batch), advantages: new Float32Array(batch), returns: new Float32Array(batch),
    };
    const red = (this.redistribution = opts.redistribution ?? null);
    this.redistributed = red
      ? { rr: new Float32Array(batch), quality: new Float32Array(batch), mixedRewards: red.mode === 'reward' ? new Float32Array(batch) : null }
      : null;
    this.nextObs = new Float32Array(N * D);
    this.nextValues = new Float32Array(N);
    this.prevDone = new Uint8Array(N);
    this.stepActions = new Int32Array(N * K);
    this.nextMask = cfg.actionMasks ? new Uint8Array(N * L) : null;
    this.stepLogp = new Float32Array(N);
    this.stepValues = new Float32Array(N);
    this.order = new Int32Array(batch);
    this.scaledRewards = cfg.rewardScale !== 1 ? new Float32Array(batch) : null;
    this.nextEvalStep = opts.evalEvery ? opts.evalEvery : Infinity;
    this.tapped = opts.tap ? subEnvsOf(this.envs) : null;
    if (opts.tap && !this.tapped) {
      this.envs.close();
      throw new Error(`${cfg.envId}: the viewer's tap needs the sub-envs in this thread (a SyncVectorEnv), and this vector env runs them elsewhere`);
    }
  }

  /** The fused agent; a tfjs policy has none (its weights live in `policy.model`). */
  get agent(): Agent {
    if (this.policy.kind !== 'fused') throw new Error(`this trainer's policy is a ${this.policy.kind} one, not a fused agent: use trainer.policy`);
    return (this.policy as FusedPolicy).agent;
  }

  /** The fused agent's Adam (checkpoints hold its moments). */
  get adam(): Adam {
    if (this.policy.kind !== 'fused') throw new Error("this trainer's policy is a tfjs model: its optimiser is tfjs's");
    return (this.policy as FusedPolicy).adam;
  }

  /** A fresh trainer, or one restored from a checkpoint when `opts.resume` is set. */
  static async create(input: Partial<PpoConfig>, opts: PpoTrainOptions = {}): Promise<PpoTrainer> {
    const backend = await initBackend(opts.backend ?? 'auto', opts.loadNative);
    if (opts.resume) {
      if (!opts.runDir) throw new Error('resume needs a runDir');
      const ck = loadResumeCheckpoint(opts.runDir, typeof opts.resume === 'string' ? opts.resume : undefined, input);
      const t = new PpoTrainer(ck.config, backend, opts);
      try {
        restoreLearningState(t, ck.state, ck.tensors, ck.label);
        if (ck.state.rollout && hasEnvState(t.envs)) {
          // The envs continue the episodes they were in: the run goes on as if it had never stopped.
          t.restoreRollout(ck.state.rollout, ck.label);
        } else {
          const seed = t.cfg.seed + RESUME_SEED_STRIDE * t.iteration;
          const why = ck.state.rollout === undefined ? `checkpoint ${ck.label} holds no env states (it predates them)`
            : `${t.cfg.envId} has no getState/setState (the env-state contract), so its state is not in checkpoint ${ck.label}`;
          t.note(`note: ${why}; the envs restart their episodes with seed ${seed}, so this run will not repeat an uninterrupted one exactly`);
          t.resetEnvs(seed);
          t.redistribution?.resetEpisodes?.(); // the envs restart their episodes
        }
      } catch (e) {
        t.close();
        throw e;
      }
      return t;
    }
    const t = new PpoTrainer(parsePpoConfig(input), backend, opts);
    if (opts.runDir && t.policy.kind === 'custom' && !t.policy.saveModel) t.note('note: a policy given by makePolicy without saveModel writes checkpoints but no model/');
    try {
      if (opts.pretrain && t.policy.kind !== 'fused') throw new Error(`pretrain works on the fused agent only, not on a '${t.policy.kind}' policy`);
      opts.pretrain?.(t.agent);
    } catch (e) {
      t.close();
      throw e;
    }
    t.resetEnvs(t.cfg.seed);
    return t;
  }

  async train(): Promise<PpoResult> {
    const { cfg, opts } = this;
    const start = performance.now();
    let stoppedEarly = false;
    while (this.iteration < this.numIterations) {
      this.iteration++;
      // Linear learning-rate annealing to 0 (detail 4).
      this.policy.lr = cfg.annealLr ? (1 - (this.iteration - 1) / this.numIterations) * cfg.learningRate : cfg.learningRate;
      const ep = this.rollout();
      const view = this.rolloutView();
      opts.hooks?.onRolloutEnd?.(view);
      this.advantages(view);
      opts.tap?.flush(); // after the redistribution, so its per-episode output came first
      const stats = this.update();
      opts.redistribution?.afterUpdate?.();

      const elapsed = this.elapsedBefore + (performance.now() - start) / 1000;
      const s: PpoIterationStats = {
        ...stats, iteration: this.iteration, numIterations: this.numIterations, globalStep: this.globalStep, learningRate: this.policy.lr,
        explainedVariance: explainedVariance(this.buf.values, this.buf.returns, this.buf.valid), sps: this.globalStep / elapsed,
        episodeReturn: ep.count ? ep.returnSum / ep.count : NaN, episodeLength: ep.count ? ep.lengthSum / ep.count : NaN, episodes: ep.count,
      };
      let stop = opts.hooks?.onIteration?.(s) === false;

      if (this.globalStep >= this.nextEvalStep) {
        this.nextEvalStep += opts.evalEvery!;
        const r = this.evaluate();
        if (opts.stopAtReturn != null && r.meanReturn >= opts.stopAtReturn) stop = stoppedEarly = true;
      } else if (!opts.evalEvery && opts.stopAtReturn != null && this.episodes.length >= RETURN_WINDOW) {
        const last = this.episodes.slice(-RETURN_WINDOW);
        if (last.reduce((a, e) => a + e.return, 0) / RETURN_WINDOW >= opts.stopAtReturn) stop = stoppedEarly = true;
      }
      const every = opts.checkpointEvery ?? 0;
      if (opts.runDir && (stop || this.iteration === this.numIterations || (every > 0 && this.iteration % every === 0))) {
        this.checkpoint((performance.now() - start) / 1000);
      }
      if (stop) break;
      // With a viewer's tap attached, let the event loop run between iterations (the viewer's sockets and
      // timers live in this thread; a rollout never waits for them). Off without a tap: no cost.
      if (opts.tap) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // The final policy as a tfjs model (model.json + weights.bin), loadable in a browser.
    if (opts.runDir) {
      const observation = opts.redistribution?.modelObservation?.() ?? undefined; // e.g. Align-RUDDER's state augmentation
      if (this.policy instanceof TfjsActorCritic) await saveTfjsPolicyModel(join(opts.runDir, 'model'), this.policy.model, this.policy.nvec, cfg.envId, observation);
      else if (this.policy.kind === 'fused') await savePolicyModel(join(opts.runDir, 'model'), this.agent, cfg.envId, observation);
      else await this.policy.saveModel?.(join(opts.runDir, 'model'), cfg); // a custom policy's own folder (e.g. the sub-goal agents)
    }
    const trainer = this;
    return {
      get agent() { return trainer.agent; }, policy: this.policy, config: cfg, backend: this.backend, globalStep: this.globalStep, iteration: this.iteration,
      episodes: this.episodes, bestEval: this.bestEval, stoppedEarly,
    };
  }

  /** ---- rollout: numSteps steps of every env with the current policy ---- */
  private rollout(): { count: number; returnSum: number; lengthSum: number } {
    const { envs, policy, buf, nextObs, prevDone } = this;
    const N = this.cfg.numEnvs, T = this.cfg.numSteps, D = this.D, K = this.K, L = this.L;
    const nextMask = this.nextMask, tap = this.opts.tap ?? null;
    let count = 0, returnSum = 0, lengthSum = 0;
    for (let t = 0; t < T; t++) {
      this.globalStep += N;
      buf.obs.set(nextObs, t * N * D);
      if (nextMask) buf.masks!.set(nextMask, t * N * L);
      policy.act(nextObs, N, this.rng, this.stepActions, this.stepLogp, this.stepValues, false, nextMask);
      buf.actions.set(this.stepActions, t * N * K);
      const r = envs.step(this.stepActions);
      for (let i = 0; i < N; i++) {
        const k = t * N + i;
        buf.logProbs[k] = this.stepLogp[i]!;
        buf.values[k] = this.stepValues[i]!;
        buf.rewards[k] = r.rewards[i]!;
        buf.terminated[k] = r.terminations[i]!;
        buf.truncated[k] = r.truncations[i]!;
        buf.valid[k] = prevDone[i] ? 0 : 1; // the env ignored this action: it was resetting
        if (tap !== null && i === tap.env) tap.step(this.tapped![i]!, prevDone[i] === 1, this.stepActions[i * K]!, r.rewards[i]!, r.terminations[i] === 1, r.truncations[i] === 1, this.globalStep);
        prevDone[i] = r.terminations[i]! | r.truncations[i]!;
        if (envs.episodeDone[i]) {
          const e = { globalStep: this.globalStep, env: i, return: envs.episodeReturns[i]!, length: envs.episodeLengths[i]! };
          this.episodes.push(e);
          this.opts.hooks?.onEpisode?.(e);
          count++;
          returnSum += e.return;
          lengthSum += e.length;
        }
      }
      nextObs.set(r.obs);
      this.readMasks(r.infos);
    }
    return { count, returnSum, lengthSum };
  }

  rolloutView(): RolloutView {
    const b = this.buf;
    return {
      numSteps: this.cfg.numSteps, numEnvs: this.cfg.numEnvs, obsDim: this.D, obs: b.obs, actions: b.actions, rewards: b.rewards,
      terminated: b.terminated, truncated: b.truncated, valid: b.valid, nextObs: this.nextObs, globalStep: this.globalStep,
    };
  }

  /** The envs and the rollout loop's carried buffers, for a checkpoint; null when the env cannot save its state. */
  saveRollout(): PpoRolloutState | null {
    if (!hasEnvState(this.envs)) return null;
    return saveRolloutState(this.envs.getState(), this.carried(), this.episodes.slice(-RETURN_WINDOW));
  }

  private carried(): { nextObs: Float32Array; prevDone: Uint8Array; nextMask: Uint8Array | null } {
    return { nextObs: this.nextObs, prevDone: this.prevDone, nextMask: this.nextMask };
  }

  metricsMark(): MetricsMark | null {
    return this.opts.metricsMark?.() ?? null;
  }

  /** Puts a checkpoint's envs and rollout buffers back (all checked first: a refused state changes nothing). */
  restoreRollout(s: PpoRolloutState, label: string): void {
    const where = `checkpoint ${label}`;
    const d = decodeRolloutState(s, this.carried(), where);
    try {
      this.envs.setState!(s.envs);
    } catch (e) {
      throw new Error(`${where}: its env state does not fit ${this.cfg.envId} (${(e as Error).message})`);
    }
    this.nextObs.set(d.nextObs);
    this.prevDone.set(d.prevDone);
    if (this.nextMask && d.nextMask) this.nextMask.set(d.nextMask);
    this.episodes.push(...d.recentEpisodes);
  }

  note(message: string): void {
    if (this.opts.hooks?.onNote) this.opts.hooks.onNote(message);
    else console.warn(message);
  }

  private resetEnvs(seed: number): void {
    const r = this.envs.reset({ seed });
    this.nextObs.set(r.obs);
    this.readMasks(r.infos);
    this.prevDone.fill(0);
  }

  /** With `actionMasks`, copy each sub-env's `info.action_mask` (L values, 1 = allowed) into nextMask. */
  private readMasks(infos: readonly Info[]): void {
    const m = this.nextMask;
    if (!m) return;
    const L = this.L;
    for (let i = 0; i < infos.length; i++) {
      const mask = infos[i]!.action_mask as ArrayLike<number> | undefined;
      if (!mask || typeof mask !== 'object' || mask.length !== L) {
        throw new Error(`${this.cfg.envId}: actionMasks is on, but sub-env ${i} returned ${mask === undefined ? 'no info.action_mask' : `an info.action_mask of length ${String((mask as { length?: unknown }).length)}`} (expected ${L} values, 1 = allowed)`);
      }
      for (let j = 0; j < L; j++) m[i * L + j] = mask[j] ? 1 : 0;
    }
  }

  /** ---- bootstrap value, GAE (detail 5), and the redistributed reward to mix in ---- */
  private advantages(view: RolloutView): void {
    const { cfg, buf } = this;
    this.policy.value(this.nextObs, cfg.numEnvs, this.nextValues);
    const red = this.opts.redistribution, out = this.redistributed;
    let rewards = buf.rewards;
    if (red && out) {
      const { rr, quality, mixedRewards } = out;
      rr.fill(0);
      quality.fill(0);
      red.redistribute(view, rr, quality);
      if (mixedRewards) {
        // The redistributed reward replaces the environment's where trusted: r' = q·RR + (1 − q)·r.
        rewards = mixedRewards;
        for (let k = 0; k < rewards.length; k++) rewards[k] = quality[k]! * rr[k]! + (1 - quality[k]!) * buf.rewards[k]!;
      }
    }
    const scaled = this.scaledRewards;
    if (scaled) {
      for (let k = 0; k < scaled.length; k++) scaled[k] = rewards[k]! * cfg.rewardScale;
      rewards = scaled;
    }
    computeGae({ numSteps: cfg.numSteps, numEnvs: cfg.numEnvs, rewards, values: buf.values, terminated: buf.terminated,
      truncated: buf.truncated, valid: buf.valid, nextValues: this.nextValues, gamma: cfg.gamma, lambda: cfg.gaeLambda }, buf.advantages, buf.returns);
  }

  /** ---- update: epochs of shuffled minibatches over the valid samples (details 6–11) ---- */
  update(): LossStats {
    const { cfg, buf, order } = this;
    const batch = cfg.numEnvs * cfg.numSteps;
    let numValid = 0;
    for (let k = 0; k < batch; k++) if (buf.valid[k]) order[numValid++] = k;
    const mbSize = Math.ceil(numValid / cfg.numMinibatches);
    const mb = newMinibatch(mbSize, this.D, this.K, buf.masks ? this.L : 0);
    // In `advantage` mode the redistributed reward is mixed into each minibatch's normalised advantages.
    const red = this.opts.redistribution, out = this.redistributed;
    const mix = red && out && !out.mixedRewards ? { rr: out.rr, quality: out.quality, vfContrib: red.vfContrib ?? 0.5, normalizeRr: red.normalizeRr ?? false } : null;
    let last: LossStats = { loss: NaN, policyLoss: NaN, valueLoss: NaN, entropy: NaN, oldApproxKl: NaN, approxKl: NaN, clipFrac: NaN };
    let clipFracSum = 0, n = 0;
    for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
      shuffle(order, numValid, this.rng);
      for (let s = 0; s < numValid; s += mbSize) {
        gather(mb, order, s, Math.min(s + mbSize, numValid), buf, this.D, this.K, this.L, cfg.normAdv, mix);
        last = this.policy.update(mb, cfg);
        clipFracSum += last.clipFrac;
        n++;
      }
      if (cfg.targetKl !== null && last.approxKl > cfg.targetKl) break;
    }
    return { ...last, clipFrac: clipFracSum / Math.max(1, n) };
  }

  /** Deterministic (greedy) evaluation; saves `best/` in the run folder when it beats the best so far. */
  evaluate(): EvalResult {
    const r = evaluatePolicy(this.policy, this.cfg.envId, { episodes: this.opts.evalEpisodes ?? 10, seed: EVAL_SEED_OFFSET + this.cfg.seed, kwargs: this.cfg.envKwargs, actionMasks: this.cfg.actionMasks, wrappers: this.opts.envWrappers ?? [] });
    const best = this.bestEval === null || r.meanReturn > this.bestEval.meanReturn;
    if (best) {
      this.bestEval = r;
      if (this.opts.runDir) saveCheckpoint(this.opts.runDir, 'best', checkpointContents(this, 0), { pointer: false });
    }
    this.opts.hooks?.onEval?.({ ...r, globalStep: this.globalStep, best });
    return r;
  }

  /** Save the whole training state (weights, Adam moments, counters, RNG, config) to the run folder. */
  checkpoint(sessionSeconds: number): string {
    const label = `iter-${String(this.iteration).padStart(7, '0')}`;
    this.opts.hooks?.beforeCheckpoint?.(label);
    const dir = saveCheckpoint(this.opts.runDir!, label, checkpointContents(this, sessionSeconds));
    this.opts.hooks?.onCheckpoint?.(dir);
    return dir;
  }

  close(): void {
    this.envs.close(); // a tfjs policy's model stays alive: it is the result (dispose it with result.policy.dispose())
  }
}

/** Choices per head of a Discrete or 1-D MultiDiscrete space starting at 0; null for anything else. */
export function actionHeads(space: unknown): number[] | null {
  if (space instanceof Discrete) return space.start === 0 ? [space.n] : null;
  if (space instanceof MultiDiscrete) return space.shape.length === 1 && space.start.every((v) => v === 0) ? [...space.nvec] : null;
  return null;
}

/** Fisher–Yates over the first n entries. */
function shuffle(a: Int32Array, n: number, rng: Rng): void {
  for (let i = n - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Copy samples order[from..to) into the minibatch (resizing it when the last one is short), normalise
 * the advantages (detail 7) and, with a reward redistribution, mix in its redistributed reward.
 */
function gather(
  mb: Minibatch, order: Int32Array, from: number, to: number, src: RolloutBuffers, D: number, K: number, L: number, normAdv: boolean,
  mix: { rr: Float32Array; quality: Float32Array; vfContrib: number; normalizeRr: boolean } | null,
): void {
  const B = to - from;
  if (B !== mb.size) Object.assign(mb, newMinibatch(B, D, K, src.masks ? L : 0));
  copyMinibatchRows(mb, { obs: src.obs, actions: src.actions, masks: src.masks, oldLogProbs: src.logProbs, advantages: src.advantages, returns: src.returns, oldValues: src.values }, order, from, D, K, L);
  let mean = 0;
  for (let b = 0; b < B; b++) mean += mb.advantages[b]!;
  let rrScale = 1; // RR is divided by what divides A_env, when asked (normalizeRr)
  if (normAdv) {
    // torch's unbiased std, as CleanRL's advantages.std().
    mean /= B;
    let sq = 0;
    for (let b = 0; b < B; b++) sq += (mb.advantages[b]! - mean) ** 2;
    const std = Math.sqrt(sq / Math.max(1, B - 1));
    for (let b = 0; b < B; b++) mb.advantages[b] = (mb.advantages[b]! - mean) / (std + 1e-8);
    if (mix?.normalizeRr) rrScale = 1 / (std + 1e-8);
  }
  if (mix) {
    for (let b = 0; b < B; b++) {
      const k = order[from + b]!;
      mb.advantages[b] = mixAdvantage(mb.advantages[b]!, rrScale * mix.rr[k]!, mix.quality[k]!, mix.vfContrib);
    }
  }
}

/** 1 − Var(R − V) / Var(R) over the valid samples. */
export function explainedVariance(values: Float32Array, returns: Float32Array, valid: Uint8Array): number {
  let n = 0, mr = 0, md = 0;
  for (let k = 0; k < values.length; k++) if (valid[k]) { n++; mr += returns[k]!; md += returns[k]! - values[k]!; }
  if (n < 2) return NaN;
  mr /= n;
  md /= n;
  let vr = 0, vd = 0;
  for (let k = 0; k < values.length; k++) if (valid[k]) { vr += (returns[k]! - mr) ** 2; vd += (returns[k]! - values[k]! - md) ** 2; }
  return vr === 0 ? NaN : 1 - vd / vr;
}
