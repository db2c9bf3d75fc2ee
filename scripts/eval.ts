/** `rudder eval`: greedy (or sampled) episodes of a saved run's policy. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evaluatePolicy, type ActingPolicy, type EvalObserver, type EvalResult } from '../src/agents/ppo/evaluate.ts';
import type { Env } from '../src/envs/core/env.ts';
import type { Wrapper } from '../src/envs/wrappers/wrapper.ts';
import { agentFromCheckpoint, tfjsPolicyFromCheckpoint, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { loadCheckpoint } from '../src/agents/run/checkpoint.ts';
import { initBackend, type BackendChoice } from '../src/agents/backend.ts';
import type { PpoConfig } from '../src/agents/ppo/config.ts';
import type { TfjsActorCritic } from '../src/agents/ppo/tfjs-policy.ts';
import type { Discrete } from '../src/envs/spaces/discrete.ts';
import type { MultiDiscrete } from '../src/envs/spaces/multi-discrete.ts';
import type { Box } from '../src/envs/spaces/box.ts';
import { make } from '../src/index.ts';
import { RudderRedistribution, type RudderCheckpointState } from '../src/rudder/ppo-redistribution.ts';
import { alignEvalParts } from '../src/align/saved-align.ts';
import { EvalRecorder } from '../src/viewer/server/eval-recorder.ts';
import { checkRecordedPolicyModule, loadPolicyModule } from './env-modules.ts';

export interface EvalCommand {
  /** Run folder written by `rudder train`. */
  run: string;
  episodes: number;
  /** Seed of the first episode. */
  seed: number;
  /** Checkpoint label: the latest when absent, `best`, or `iter-NNNNNNN`. */
  checkpoint?: string | undefined;
  /** Sample actions instead of taking the most likely one. */
  sample: boolean;
  /** A tfjs-policy run: the module that builds its network, when it has moved (default: the one the run recorded). */
  policyModule?: string | undefined;
  /** The tfjs backend a tfjs-policy run acts on (default auto). */
  backend?: BackendChoice | undefined;
  /** Write every episode to RUN/episodes/ for the viewer (`--record`), with RUDDER's redistribution when the run has RUDDER. */
  record?: boolean | undefined;
}

export interface EvalReport {
  env: string;
  /** The checkpoint that was loaded. */
  label: string;
  result: EvalResult;
  /** Episode files written (`record`), relative to the run folder. */
  recorded: string[];
  /** Why the recorded episodes carry no redistribution though the run has one, if so. */
  note: string | null;
}

/** Load a run's checkpoint and run its policy for `episodes` episodes on the env it was trained on. */
export async function runEval(o: EvalCommand): Promise<EvalReport> {
  if (!existsSync(o.run)) throw new Error(`run folder ${o.run} does not exist`);
  const ck = loadCheckpoint<PpoCheckpointState>(o.run, o.checkpoint);
  if (ck.state.kind !== 'ppo') throw new Error(`checkpoint ${ck.label} is not a PPO checkpoint`);
  const cfg = ck.state.config;
  const tfjs = cfg.policy === 'tfjs' ? await tfjsPolicy(o, cfg, ck) : null;
  try {
    // Align-RUDDER's state augmentation (the flags) and sub-goal agents come back from the checkpoint's event encoder.
    const aligned = tfjs ? { wrappers: [], policy: null } : alignEvalParts(ck.state, ck.tensors, ck.label);
    const policy: ActingPolicy = tfjs ?? aligned.policy ?? agentFromCheckpoint(ck.state, ck.tensors, ck.label);
    const rudder = o.record ? rudderOf(ck) : { rudder: null, note: null };
    const recorder = o.record ? new EvalRecorder(o.run, { envId: cfg.envId, envKwargs: cfg.envKwargs, label: ck.label, globalStep: ck.state.globalStep, rudder: rudder.rudder }) : null;
    const observer = recorder && aligned.wrappers.length ? belowWrappers(recorder, aligned.wrappers.length) : recorder;
    const result = evaluatePolicy(policy, cfg.envId, { episodes: o.episodes, seed: o.seed, greedy: !o.sample, kwargs: cfg.envKwargs, actionMasks: cfg.actionMasks, observer, wrappers: aligned.wrappers });
    return { env: cfg.envId, label: ck.label, result, recorded: recorder?.written ?? [], note: rudder.note };
  } finally {
    tfjs?.dispose();
  }
}

/**
 * The recorder sees the env as `make` builds it, below the `levels` outer wrappers (Align-RUDDER's flags), so a
 * recorded episode's start state is a plain env's and the viewer replays it on one.
 */
function belowWrappers(observer: EvalObserver, levels: number): EvalObserver {
  const inner = (env: Env): Env => {
    let e = env;
    for (let i = 0; i < levels; i++) e = (e as unknown as Wrapper<unknown, unknown>).env;
    return e;
  };
  return { reset: (env, obs, seed, index) => observer.reset(inner(env), obs, seed, index), step: (...a) => observer.step(...a) };
}

/**
 * The run's RUDDER as the checkpoint saved it (settings and LSTM), to redistribute recorded eval episodes; null
 * for a run without RUDDER (Align-RUDDER's profile lives in its demonstrations, not the checkpoint: env reward
 * only), with a note when RUDDER ran but cannot be rebuilt here.
 */
function rudderOf(ck: { state: PpoCheckpointState; tensors: Record<string, Float32Array>; label: string }): { rudder: RudderRedistribution | null; note: string | null } {
  const red = ck.state.redistribution;
  const saved = red?.state as RudderCheckpointState | null | undefined;
  if (!red) return { rudder: null, note: null };
  if (saved?.kind !== 'rudder') return { rudder: null, note: `the run trained with ${red.name}, whose redistribution the checkpoint cannot rebuild: the recorded episodes show the env reward only` };
  const { features, ...settings } = saved.settings;
  if (features !== null && typeof features !== 'string') return { rudder: null, note: `RUDDER was trained with observation features given in code: the recorded episodes show the env reward only` };
  const rudder = RudderRedistribution.forEnv(ck.state.config.envId, ck.state.config.envKwargs, { ...settings, features });
  const tensors: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(ck.tensors)) if (k.startsWith('redistribution/')) tensors[k.slice('redistribution/'.length)] = v;
  rudder.restoreState(saved, tensors, `checkpoint ${ck.label}`);
  return { rudder, note: null };
}

/** A tfjs-policy run's network, rebuilt by its policy module (the recorded one, or `o.policyModule`) with the checkpoint's weights. */
async function tfjsPolicy(o: EvalCommand, cfg: PpoConfig, ck: { state: PpoCheckpointState; tensors: Record<string, Float32Array>; label: string }): Promise<TfjsActorCritic> {
  const path = o.policyModule !== undefined ? resolve(o.policyModule) : cfg.policyModule;
  if (!path) throw new Error(`checkpoint ${ck.label} of ${o.run} holds a tfjs policy, but its config records no policyModule: pass --policy-module <the module that built it>`);
  if (o.policyModule === undefined) checkRecordedPolicyModule(o.run, path);
  const build = await loadPolicyModule(path);
  await initBackend(o.backend ?? 'auto');
  const env = make(cfg.envId, cfg.envKwargs);
  let model;
  try {
    model = build(env.observationSpace as Box, env.actionSpace as Discrete | MultiDiscrete);
  } finally {
    env.close();
  }
  return tfjsPolicyFromCheckpoint(ck.state, ck.tensors, ck.label, model);
}

/** The two lines `rudder eval` prints (and a third with `--record`). */
export function formatEvalReport(o: EvalCommand, { env, label, result, recorded, note }: EvalReport): string {
  const r = result;
  const rec = o.record ? `recorded ${recorded.length} episode(s) in ${join(o.run, 'episodes')} (rudder view ${o.run} replays them)${note ? `; note: ${note}` : ''}\n` : '';
  return `${env} · ${o.run} checkpoint ${label} · ${o.sample ? 'sampled' : 'greedy'} policy · ${o.episodes} episode(s) from seed ${o.seed}\n`
    + `mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} (min ${Math.min(...r.returns).toFixed(2)}, max ${Math.max(...r.returns).toFixed(2)}), mean length ${r.meanLength.toFixed(1)}\n`
    + rec;
}
