/**
 * PPO's checkpoints: what one holds, how a trainer's learning state goes in and comes back, and the agent
 * a checkpoint holds, for evaluation. The files themselves (atomic writes, SHA-256, the `latest` pointer)
 * are ../run/checkpoint.ts. A checkpoint also holds the envs' states and the rollout loop's buffers
 * (./rollout-state.ts), so a resumed run continues the episodes it was in, and where the metrics files
 * ended, so a resume cuts them back to that point.
 */
import type { Rng, RngState } from '../../envs/core/rng.ts';
import { loadCheckpoint, type CheckpointContents } from '../run/checkpoint.ts';
import { createAgent, type Agent } from './agent.ts';
import { parsePpoConfig, type PpoConfig } from './config.ts';
import type { EvalResult } from './evaluate.ts';
import type { RewardRedistribution } from './redistribution.ts';
import type { PpoRolloutState } from './rollout-state.ts';
import type { PpoPolicy } from './policy.ts';
import { TfjsActorCritic } from './tfjs-policy.ts';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { MetricsMark } from '../run/metrics.ts';

/** Everything a checkpoint holds besides tensors. */
export interface PpoCheckpointState {
  kind: 'ppo';
  config: PpoConfig;
  iteration: number;
  globalStep: number;
  adamStep: number;
  rng: RngState;
  elapsedSeconds: number;
  bestEvalReturn: number | null;
  nextEvalStep: number;
  obsDim: number;
  /** The observation space's shape ([obsDim] for the MLP, [H, W, C] for the CNN); absent in older checkpoints. */
  obsShape?: number[];
  /** Choices per action head ([n] for Discrete(n)). */
  nvec: number[];
  /**
   * The reward redistribution trained alongside (RUDDER), by name, with its own state (its tensors are
   * `redistribution/…`); state null when it cannot save one. Absent: plain PPO.
   */
  redistribution?: { name: string; state: { readonly kind: string } | null };
  /**
   * The envs mid-episode and the rollout loop's buffers; null when the env has no getState/setState (a
   * user's env: a resume then restarts the episodes). Absent in checkpoints older than the env-state contract.
   */
  rollout?: PpoRolloutState | null;
  /** Where the run's metrics files ended at this checkpoint (set by `rudder train`); absent when none were written. */
  metrics?: MetricsMark;
  /** The policy's kind: `custom` for one given by makePolicy (the sub-goal agents). Absent in older checkpoints: the config's. */
  policyKind?: PpoPolicy['kind'];
  /**
   * The auxiliary loss the run was trained with (PpoTrainOptions.auxiliaryLoss's `settings`), null for none, so a
   * resume with another or none is refused. Absent in older checkpoints (`rudder train` kept BC's in the run
   * folder's bc-auxiliary.json then).
   */
  auxiliary?: AuxiliarySettings | null;
}

/**
 * What an auxiliary loss records in a checkpoint: its kind and the settings that shape its gradients (e.g. BC's
 * `{ kind: 'bc', iterations, weight, batchSize, seed }`, ./bc-auxiliary.ts). Flat: numbers, strings, booleans.
 */
export type AuxiliarySettings = { readonly kind: string } & Readonly<Record<string, number | string | boolean>>;

/** A checkpoint's `auxiliary` field, checked: null, or a flat object with a string `kind`; anything else is an error naming it. */
export function parseAuxiliarySettings(raw: unknown, label: string): AuxiliarySettings | null {
  if (raw === null) return null;
  const ok = typeof raw === 'object' && !Array.isArray(raw) && typeof (raw as { kind?: unknown }).kind === 'string'
    && Object.values(raw as object).every((v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)));
  if (!ok) throw new Error(`checkpoint ${label}: field auxiliary must be null or an object with a string kind and number, string or boolean settings, got ${JSON.stringify(raw)?.slice(0, 120)}`);
  return raw as AuxiliarySettings;
}

/** "the auxiliary loss bc (iterations 2, weight 0.5, …)" or "no auxiliary loss", for errors. */
export function describeAuxiliary(s: AuxiliarySettings | null): string {
  if (!s) return 'no auxiliary loss';
  const rest = Object.entries(s).filter(([k]) => k !== 'kind').sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${String(v)}`);
  return `the auxiliary loss ${s.kind}${rest.length ? ` (${rest.join(', ')})` : ''}`;
}

/** The part of a PPO trainer a checkpoint saves and restores. */
export interface PpoLearningState {
  readonly cfg: PpoConfig;
  /** The fused agent with its Adam, or a tfjs model with tfjs's Adam (./policy.ts): each saves its own tensors. */
  readonly policy: PpoPolicy;
  readonly rng: Rng;
  readonly obsShape: readonly number[];
  iteration: number;
  globalStep: number;
  bestEval: EvalResult | null;
  /** Env step of the next evaluation; Infinity: never. */
  nextEvalStep: number;
  /** Seconds spent in earlier sessions of a resumed run. */
  elapsedBefore: number;
  readonly redistribution: RewardRedistribution | null;
  /** The envs and the rollout loop's carried buffers; null when the env cannot save its state. */
  saveRollout(): PpoRolloutState | null;
  /** Where the metrics files end now, when a metrics log is attached. */
  metricsMark(): MetricsMark | null;
  /** The auxiliary loss's settings, or null without one. */
  readonly auxiliary: AuxiliarySettings | null;
}

/** The state and tensors (weights and Adam moments, `param/i`, `adam_m/i`, `adam_v/i`; a tfjs policy also `adam_beta_pow`) to save. */
export function checkpointContents(t: PpoLearningState, sessionSeconds: number): CheckpointContents<PpoCheckpointState> {
  const { tensors, adamStep } = t.policy.saveState();
  const state: PpoCheckpointState = {
    kind: 'ppo', config: t.cfg, iteration: t.iteration, globalStep: t.globalStep, adamStep,
    rng: t.rng.getState(), elapsedSeconds: t.elapsedBefore + sessionSeconds, bestEvalReturn: t.bestEval?.meanReturn ?? null,
    nextEvalStep: Number.isFinite(t.nextEvalStep) ? t.nextEvalStep : -1, obsDim: sizeOf(t.obsShape), obsShape: [...t.obsShape], nvec: [...t.policy.nvec],
    rollout: t.saveRollout(), policyKind: t.policy.kind, auxiliary: t.auxiliary,
  };
  const mark = t.metricsMark();
  if (mark) state.metrics = mark;
  const red = t.redistribution;
  if (red) {
    const saved = red.saveState?.() ?? null;
    state.redistribution = { name: red.name, state: saved?.state ?? null };
    for (const [k, v] of Object.entries(saved?.tensors ?? {})) tensors[`redistribution/${k}`] = v;
  }
  return { state, tensors };
}

/**
 * The checkpoint to resume (the latest, or the named one) and its config with `input` over it. Only the
 * length of training (and where the env modules are: they may have moved) may change on resume; anything
 * that shapes the model or the data may not.
 */
export function loadResumeCheckpoint(runDir: string, name: string | undefined, input: Partial<PpoConfig>): CheckpointContents<PpoCheckpointState> & { label: string; config: PpoConfig } {
  const ck = loadCheckpoint<PpoCheckpointState>(runDir, name);
  if (ck.state.kind !== 'ppo') throw new Error(`checkpoint ${ck.label} is a ${String(ck.state.kind)} checkpoint, not ppo`);
  const config = parsePpoConfig({ ...ck.state.config, ...input }, `checkpoint ${ck.label} config`);
  for (const k of Object.keys(input) as (keyof PpoConfig)[]) {
    if (k !== 'totalTimesteps' && k !== 'envModules' && k !== 'policyModule' && JSON.stringify(input[k]) !== JSON.stringify(ck.state.config[k])) {
      throw new Error(`cannot resume ${runDir} with ${k} = ${JSON.stringify(input[k])}: the checkpoint was trained with ${JSON.stringify(ck.state.config[k])}`);
    }
  }
  return { ...ck, config };
}

/** Puts a checkpoint's weights, Adam state, RNG and counters back into a trainer built with its config. */
export function restoreLearningState(t: PpoLearningState, s: PpoCheckpointState, tensors: Record<string, Float32Array>, label: string): void {
  const shape = s.obsShape ?? [s.obsDim];
  const nvec = [...t.policy.nvec];
  if (s.obsDim !== sizeOf(t.obsShape) || JSON.stringify(s.nvec) !== JSON.stringify(nvec) || JSON.stringify(shape) !== JSON.stringify(t.obsShape)) {
    throw new Error(`checkpoint ${label} was trained on observations of shape [${String(shape)}] and actions [${String(s.nvec)}]; ${t.cfg.envId} now has [${t.obsShape.join(',')}] and [${nvec.join(',')}]`);
  }
  if (s.config.policy !== t.cfg.policy) throw new Error(`checkpoint ${label} holds a '${s.config.policy}' policy; this trainer's is '${t.cfg.policy}'`);
  if ((s.policyKind === 'custom') !== (t.policy.kind === 'custom')) {
    throw new Error(s.policyKind === 'custom' ? `checkpoint ${label} holds a policy made by makePolicy (e.g. the sub-goal agents, --align-subgoals): resume it with the same`
      : `checkpoint ${label} holds the built-in ${s.config.policy} policy; this run makes its own (makePolicy, e.g. --align-subgoals)`);
  }
  checkAuxiliary(t.auxiliary, s, label);
  t.policy.restoreState(tensors, s.adamStep, `checkpoint ${label}`);
  restoreRedistribution(t.redistribution, s, tensors, label);
  t.rng.setState(s.rng);
  t.iteration = s.iteration;
  t.globalStep = s.globalStep;
  t.elapsedBefore = s.elapsedSeconds;
  if (s.nextEvalStep >= 0) t.nextEvalStep = s.nextEvalStep;
  if (s.bestEvalReturn !== null) t.bestEval = { meanReturn: s.bestEvalReturn, stdReturn: NaN, meanLength: NaN, returns: [], lengths: [] };
}

/** A resume must have the auxiliary loss the checkpoint was trained with (the same settings), or none if none. */
function checkAuxiliary(given: AuxiliarySettings | null, s: PpoCheckpointState, label: string): void {
  if (s.auxiliary === undefined) return; // older checkpoints did not record it
  const saved = parseAuxiliarySettings(s.auxiliary, label);
  if (describeAuxiliary(saved) !== describeAuxiliary(given)) throw new Error(`checkpoint ${label} was trained with ${describeAuxiliary(saved)}; this run has ${describeAuxiliary(given)}`);
}

/** The redistributor's state back into the one the resumed run was given: both or neither, the same kind. */
function restoreRedistribution(red: RewardRedistribution | null, s: PpoCheckpointState, tensors: Record<string, Float32Array>, label: string): void {
  const saved = s.redistribution;
  if (!red && !saved) return;
  if (!red) throw new Error(`checkpoint ${label} was trained with ${saved!.name}'s reward redistribution; resume it with the same (\`rudder train --resume\` brings RUDDER back by itself)`);
  if (!saved) throw new Error(`checkpoint ${label} was trained without a reward redistribution; this run has ${red.name}`);
  if (saved.name !== red.name) throw new Error(`checkpoint ${label} was trained with ${saved.name}'s reward redistribution, this run has ${red.name}`);
  if (!saved.state || !red.restoreState) throw new Error(`checkpoint ${label}: ${red.name} cannot save and restore its state (no saveState/restoreState), so its run cannot be resumed`);
  const own: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith('redistribution/')) own[k.slice('redistribution/'.length)] = v;
  red.restoreState(saved.state, own, `checkpoint ${label}`);
}

/**
 * The agent a PPO checkpoint holds (its config's policy, its shapes, its weights), for evaluation:
 * `const ck = loadCheckpoint<PpoCheckpointState>(runDir); const agent = agentFromCheckpoint(ck.state, ck.tensors, ck.label)`.
 */
export function agentFromCheckpoint(state: PpoCheckpointState, tensors: Record<string, Float32Array>, label: string): Agent {
  const cfg = parsePpoConfig(state.config, `checkpoint ${label} config`);
  if (state.policyKind === 'custom') throw new Error(`checkpoint ${label} holds a policy made by makePolicy (e.g. the sub-goal agents of --align-subgoals), not one agent: rebuild that policy and call its restoreState`);
  if (cfg.policy === 'tfjs') throw new Error(`checkpoint ${label} holds a tfjs policy (your own layers): rebuild its model and use tfjsPolicyFromCheckpoint`);
  const agent = createAgent(cfg, state.obsShape ?? [state.obsDim], state.nvec);
  agent.params().forEach((p, i) => {
    const src = tensors[`param/${i}`];
    if (!src || src.length !== p.length) throw new Error(`checkpoint ${label}: tensor param/${i} has ${src?.length ?? 'no'} values, the ${cfg.policy} model needs ${p.length}`);
    p.set(src);
  });
  return agent;
}

/**
 * The tfjs policy a PPO checkpoint holds, for evaluation: `model` is a fresh build of the run's network (the
 * same builder, e.g. its `--policy-module`), whose weights are replaced by the checkpoint's. Takes ownership
 * of `model` (dispose the result).
 */
export function tfjsPolicyFromCheckpoint(state: PpoCheckpointState, tensors: Record<string, Float32Array>, label: string, model: LayersModel): TfjsActorCritic {
  const cfg = parsePpoConfig(state.config, `checkpoint ${label} config`);
  if (cfg.policy !== 'tfjs') {
    model.dispose();
    throw new Error(`checkpoint ${label} holds the built-in ${cfg.policy} policy, not a tfjs one: use agentFromCheckpoint`);
  }
  let policy: TfjsActorCritic;
  try {
    policy = new TfjsActorCritic(model, state.obsShape ?? [state.obsDim], state.nvec, cfg.learningRate);
  } catch (e) {
    model.dispose();
    throw new Error(`checkpoint ${label}: ${(e as Error).message}`);
  }
  try {
    policy.loadWeights(tensors, `checkpoint ${label}`);
  } catch (e) {
    policy.dispose();
    throw e;
  }
  return policy;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
