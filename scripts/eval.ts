/** `rudder eval`: greedy (or sampled) episodes of a saved run's policy. */
import { existsSync } from 'node:fs';
import { evaluatePolicy, type EvalResult } from '../src/agents/ppo/evaluate.ts';
import { agentFromCheckpoint, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { loadCheckpoint } from '../src/agents/run/checkpoint.ts';

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
}

export interface EvalReport {
  env: string;
  /** The checkpoint that was loaded. */
  label: string;
  result: EvalResult;
}

/** Load a run's checkpoint and run its policy for `episodes` episodes on the env it was trained on. */
export function runEval(o: EvalCommand): EvalReport {
  if (!existsSync(o.run)) throw new Error(`run folder ${o.run} does not exist`);
  const ck = loadCheckpoint<PpoCheckpointState>(o.run, o.checkpoint);
  if (ck.state.kind !== 'ppo') throw new Error(`checkpoint ${ck.label} is not a PPO checkpoint`);
  const cfg = ck.state.config;
  const agent = agentFromCheckpoint(ck.state, ck.tensors, ck.label);
  return { env: cfg.envId, label: ck.label, result: evaluatePolicy(agent, cfg.envId, { episodes: o.episodes, seed: o.seed, greedy: !o.sample, kwargs: cfg.envKwargs, actionMasks: cfg.actionMasks }) };
}

/** The two lines `rudder eval` prints. */
export function formatEvalReport(o: EvalCommand, { env, label, result }: EvalReport): string {
  const r = result;
  return `${env} · ${o.run} checkpoint ${label} · ${o.sample ? 'sampled' : 'greedy'} policy · ${o.episodes} episode(s) from seed ${o.seed}\n`
    + `mean return ${r.meanReturn.toFixed(2)} ± ${r.stdReturn.toFixed(2)} (min ${Math.min(...r.returns).toFixed(2)}, max ${Math.max(...r.returns).toFixed(2)}), mean length ${r.meanLength.toFixed(1)}\n`;
}
