/** `rudder eval`: greedy (or sampled) episodes of a saved run's policy. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { evaluatePolicy, type ActingPolicy, type EvalResult } from '../src/agents/ppo/evaluate.ts';
import { agentFromCheckpoint, tfjsPolicyFromCheckpoint, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { loadCheckpoint } from '../src/agents/run/checkpoint.ts';
import { initBackend, type BackendChoice } from '../src/agents/backend.ts';
import type { PpoConfig } from '../src/agents/ppo/config.ts';
import type { TfjsActorCritic } from '../src/agents/ppo/tfjs-policy.ts';
import type { Discrete } from '../src/envs/spaces/discrete.ts';
import type { MultiDiscrete } from '../src/envs/spaces/multi-discrete.ts';
import type { Box } from '../src/envs/spaces/box.ts';
import { make } from '../src/index.ts';
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
}

export interface EvalReport {
  env: string;
  /** The checkpoint that was loaded. */
  label: string;
  result: EvalResult;
}

/** Load a run's checkpoint and run its policy for `episodes` episodes on the env it was trained on. */
export async function runEval(o: EvalCommand): Promise<EvalReport> {
  if (!existsSync(o.run)) throw new Error(`run folder ${o.run} does not exist`);
  const ck = loadCheckpoint<PpoCheckpointState>(o.run, o.checkpoint);
  if (ck.state.kind !== 'ppo') throw new Error(`checkpoint ${ck.label} is not a PPO checkpoint`);
  const cfg = ck.state.config;
  const tfjs = cfg.policy === 'tfjs' ? await tfjsPolicy(o, cfg, ck) : null;
  try {
    const policy: ActingPolicy = tfjs ?? agentFromCheckpoint(ck.state, ck.tensors, ck.label);
    return { env: cfg.envId, label: ck.label, result: evaluatePolicy(policy, cfg.envId, { episodes: o.episodes, seed: o.seed, greedy: !o.sample, kwargs: cfg.envKwargs, actionMasks: cfg.actionMasks }) };
  } finally {
    tfjs?.dispose();
  }
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

/** The two lines `rudder eval` prints. */
export function formatEvalReport(o: EvalCommand, { env, label, result }: EvalReport): string {
  const r = result;
  return `${env} · ${o.run} checkpoint ${label} · ${o.sample ? 'sampled' : 'greedy'} policy · ${o.episodes} episode(s) from seed ${o.seed}\n`
    + `mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} (min ${Math.min(...r.returns).toFixed(2)}, max ${Math.max(...r.returns).toFixed(2)}), mean length ${r.meanLength.toFixed(1)}\n`;
}
