/**
 * Proximal Policy Optimization (Schulman et al. 2017) for discrete actions, with CleanRL `ppo.py`'s
 * semantics (envs-ppo.md §6.1), read top to bottom: set-up, rollout, bootstrap + GAE, update, logging.
 *
 * Differences from CleanRL, on purpose: Gymnasium 1.x NEXT_STEP autoreset, so the transition into an
 * autoreset is masked out; truncation is bootstrapped with V(final observation) and termination is not
 * (CleanRL treats both as termination).
 */
import { Box } from '../../envs/spaces/box.ts';
import { Discrete } from '../../envs/spaces/discrete.ts';
import { Rng } from '../../envs/core/rng.ts';
import { makeVec } from '../../envs/index.ts'; // the package entry, so the built-in envs are registered
import { VectorRecordEpisodeStatistics } from '../../envs/vector/record-episode-statistics.ts';
import { Adam, clipScale } from '../adam.ts';
import { initBackend, type BackendChoice } from '../backend.ts';
import { ActorCritic } from './agent.ts';
import { parsePpoConfig, type PpoConfig } from './config.ts';
import { computeGae } from './gae.ts';
import { PpoLoss, type LossStats, type Minibatch } from './loss.ts';

/** What one iteration (rollout + update) logs. */
export interface PpoIterationStats extends LossStats {
  iteration: number;
  globalStep: number;
  learningRate: number;
  explainedVariance: number;
  /** Env steps per second since training started (wall clock, whole loop). */
  sps: number;
  /** Mean return of the episodes finished in this rollout (NaN if none). */
  meanEpisodeReturn: number;
  episodes: number;
}

export interface EpisodeRecord {
  globalStep: number;
  return: number;
  length: number;
}

export interface PpoTrainOptions {
  backend?: BackendChoice;
  /** Called after every iteration. Return `false` to stop training. */
  onIteration?: (s: PpoIterationStats) => void | boolean;
  /** Called for every finished episode. */
  onEpisode?: (e: EpisodeRecord) => void;
}

export interface PpoResult {
  agent: ActorCritic;
  config: PpoConfig;
  backend: string;
  globalStep: number;
  episodes: EpisodeRecord[];
}

export async function trainPpo(input: Partial<PpoConfig>, opts: PpoTrainOptions = {}): Promise<PpoResult> {
  // ---- set-up ----
  const cfg = parsePpoConfig(input);
  const backend = await initBackend(opts.backend ?? 'auto');
  const N = cfg.numEnvs, T = cfg.numSteps, batchSize = N * T;
  const numIterations = Math.floor(cfg.totalTimesteps / batchSize);
  if (numIterations < 1) throw new Error(`totalTimesteps ${cfg.totalTimesteps} is less than one rollout (numEnvs × numSteps = ${batchSize})`);

  const envs = new VectorRecordEpisodeStatistics(makeVec<Float32Array, Int32Array>(cfg.envId, N, { autoresetMode: 'next_step' }));
  const obsSpace = envs.singleObservationSpace, actSpace = envs.singleActionSpace;
  if (!(obsSpace instanceof Box) || obsSpace.dtype !== 'float32' || obsSpace.shape.length !== 1) {
    throw new Error(`${cfg.envId}: PPO's MLP needs a flat float32 Box observation, got ${obsSpace.toString()} (wrap the env in FlattenObservation)`);
  }
  if (!(actSpace instanceof Discrete)) throw new Error(`${cfg.envId}: PPO needs a Discrete action space, got ${actSpace.toString()}`);
  const D = obsSpace.size, A = actSpace.n;

  const agent = new ActorCritic(D, A, cfg.hidden, cfg.seed);
  const params = agent.params();
  const adam = new Adam(params, cfg.learningRate, 0.9, 0.999, 1e-5);
  const grads = params.map((p) => new Float32Array(p.length));
  const ppoLoss = new PpoLoss(agent);
  const rng = new Rng(cfg.seed + 1); // action sampling and minibatch shuffles

  // ---- rollout storage, time-major [T, N] ----
  const obsBuf = new Float32Array(batchSize * D);
  const actions = new Int32Array(batchSize);
  const logProbs = new Float32Array(batchSize);
  const rewards = new Float32Array(batchSize);
  const values = new Float32Array(batchSize);
  const terminated = new Uint8Array(batchSize);
  const truncated = new Uint8Array(batchSize);
  const valid = new Uint8Array(batchSize);
  const advantages = new Float32Array(batchSize);
  const returns = new Float32Array(batchSize);
  const stepActions = new Int32Array(N);
  const stepLogp = new Float32Array(N);
  const stepValues = new Float32Array(N);
  const nextValues = new Float32Array(N);
  const nextObs = new Float32Array(N * D);
  const prevDone = new Uint8Array(N); // NEXT_STEP: the env's next step is its autoreset
  const order = new Int32Array(batchSize);

  const episodes: EpisodeRecord[] = [];
  nextObs.set(envs.reset({ seed: cfg.seed }).obs);
  let globalStep = 0;
  const start = performance.now();

  for (let iteration = 1; iteration <= numIterations; iteration++) {
    // Linear learning-rate annealing to 0 (detail 4).
    adam.lr = cfg.annealLr ? (1 - (iteration - 1) / numIterations) * cfg.learningRate : cfg.learningRate;
    let iterEpisodes = 0, iterReturnSum = 0;

    // ---- rollout ----
    for (let t = 0; t < T; t++) {
      globalStep += N;
      obsBuf.set(nextObs, t * N * D);
      agent.act(nextObs, N, rng, stepActions, stepLogp, stepValues);
      const r = envs.step(stepActions);
      for (let i = 0; i < N; i++) {
        const k = t * N + i;
        actions[k] = stepActions[i]!;
        logProbs[k] = stepLogp[i]!;
        values[k] = stepValues[i]!;
        rewards[k] = r.rewards[i]!;
        terminated[k] = r.terminations[i]!;
        truncated[k] = r.truncations[i]!;
        valid[k] = prevDone[i] ? 0 : 1; // the env ignored this action: it was resetting
        prevDone[i] = r.terminations[i]! | r.truncations[i]!;
        if (envs.episodeDone[i]) {
          const e = { globalStep, return: envs.episodeReturns[i]!, length: envs.episodeLengths[i]! };
          episodes.push(e);
          opts.onEpisode?.(e);
          iterEpisodes++;
          iterReturnSum += e.return;
        }
      }
      nextObs.set(r.obs);
    }

    // ---- bootstrap value and GAE (detail 5) ----
    agent.value(nextObs, N, nextValues);
    computeGae({ numSteps: T, numEnvs: N, rewards, values, terminated, truncated, valid, nextValues, gamma: cfg.gamma, lambda: cfg.gaeLambda }, advantages, returns);

    // ---- update: epochs of shuffled minibatches over the valid samples (details 6–11) ----
    let numValid = 0;
    for (let k = 0; k < batchSize; k++) if (valid[k]) order[numValid++] = k;
    const mbSize = Math.ceil(numValid / cfg.numMinibatches);
    const mb = newMinibatch(mbSize, D);
    let last: LossStats = { loss: NaN, policyLoss: NaN, valueLoss: NaN, entropy: NaN, oldApproxKl: NaN, approxKl: NaN, clipFrac: NaN };
    const clipFracs: number[] = [];
    epochs: for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
      shuffle(order, numValid, rng);
      for (let s = 0; s < numValid; s += mbSize) {
        gather(mb, order, s, Math.min(s + mbSize, numValid), { obsBuf, actions, logProbs, advantages, returns, values }, D, cfg.normAdv);
        last = ppoLoss.run(mb, cfg, grads);
        clipFracs.push(last.clipFrac);
        adam.update(grads, clipScale(grads, cfg.maxGradNorm).scale);
      }
      if (cfg.targetKl !== null && last.approxKl > cfg.targetKl) break epochs;
    }

    // ---- logging (detail 12) ----
    const stats: PpoIterationStats = {
      ...last,
      clipFrac: clipFracs.reduce((a, b) => a + b, 0) / Math.max(1, clipFracs.length),
      iteration,
      globalStep,
      learningRate: adam.lr,
      explainedVariance: explainedVariance(values, returns, valid),
      sps: globalStep / ((performance.now() - start) / 1000),
      meanEpisodeReturn: iterEpisodes ? iterReturnSum / iterEpisodes : NaN,
      episodes: iterEpisodes,
    };
    if (opts.onIteration?.(stats) === false) break;
  }
  envs.close();
  return { agent, config: cfg, backend, globalStep, episodes };
}

function newMinibatch(B: number, D: number): Minibatch {
  return {
    size: B,
    obs: new Float32Array(B * D),
    actions: new Int32Array(B),
    oldLogProbs: new Float32Array(B),
    advantages: new Float32Array(B),
    returns: new Float32Array(B),
    oldValues: new Float32Array(B),
  };
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

/** Copy samples order[from..to) into the minibatch (resizing it when the last one is short). */
function gather(
  mb: Minibatch, order: Int32Array, from: number, to: number,
  src: { obsBuf: Float32Array; actions: Int32Array; logProbs: Float32Array; advantages: Float32Array; returns: Float32Array; values: Float32Array },
  D: number, normAdv: boolean,
): void {
  const B = to - from;
  if (B !== mb.size) Object.assign(mb, newMinibatch(B, D));
  let mean = 0;
  for (let b = 0; b < B; b++) {
    const k = order[from + b]!;
    mb.obs.set(src.obsBuf.subarray(k * D, k * D + D), b * D);
    mb.actions[b] = src.actions[k]!;
    mb.oldLogProbs[b] = src.logProbs[k]!;
    mb.advantages[b] = src.advantages[k]!;
    mb.returns[b] = src.returns[k]!;
    mb.oldValues[b] = src.values[k]!;
    mean += src.advantages[k]!;
  }
  if (normAdv) {
    // Per-minibatch normalisation with torch's unbiased std (detail 7).
    mean /= B;
    let sq = 0;
    for (let b = 0; b < B; b++) sq += (mb.advantages[b]! - mean) ** 2;
    const std = Math.sqrt(sq / Math.max(1, B - 1));
    for (let b = 0; b < B; b++) mb.advantages[b] = (mb.advantages[b]! - mean) / (std + 1e-8);
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
