import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Agent } from '../agents/ppo/agent.ts';
import { loadPolicyModel, savePolicyModel } from '../agents/run/model-io.ts';
import { encoderToJson } from './encoder-json.ts';
import { parseSubgoalModelJson, SUBGOAL_MODEL_FORMAT, SUBGOAL_MODEL_VERSION, type SubgoalModelJson } from './subgoal-model-json.ts';
import type { SubgoalStages } from './subgoal-stages.ts';
import type { TransitionEvents } from './transition-events.ts';
import { writeFileAtomic } from '../agents/run/atomic.ts';

/**
 * The sub-goal agents as files (a run's `model/` after `--align-subgoals`): each agent a tfjs Layers model
 * of its own (`agent-<j>/model.json` + `weights.bin`, model-io.ts's format: its input is the augmented
 * observation), and `subgoals.json`, what switches between them: the event encoder that sets the state
 * augmentation's flags, the env's own observation size, the sub-goals' events in profile order and their
 * names. The agent of the first sub-goal whose event flag is still 0 acts (subgoal-agents.ts `stageOf`).
 */
export { SUBGOAL_MODEL_FORMAT, SUBGOAL_MODEL_VERSION, type SubgoalModelJson } from './subgoal-model-json.ts';

/** What a saved sub-goal model holds, rebuilt. */
export interface SubgoalModel {
  envId: string;
  envKwargs: Record<string, unknown>;
  stages: SubgoalStages;
  names: string[];
  encoder: TransitionEvents;
  /** Agent j acts in stage j. */
  agents: Agent[];
}

/**
 * Writes the agents and their switch into `dir`, replacing what was there as a whole: everything goes to a
 * temporary sibling folder first, which is then renamed into place, so a crash leaves the old model or the
 * new one, never a mix of agents from two runs.
 */
export async function saveSubgoalModel(dir: string, m: SubgoalModel): Promise<void> {
  const { stages } = m;
  if (m.agents.length !== stages.events.length || m.names.length !== stages.events.length) throw new RangeError(`saveSubgoalModel: ${m.agents.length} agents and ${m.names.length} names for ${stages.events.length} sub-goals`);
  const json: SubgoalModelJson = {
    format: SUBGOAL_MODEL_FORMAT, version: SUBGOAL_MODEL_VERSION, envId: m.envId, envKwargs: m.envKwargs, envObsDim: stages.envObsDim, numEvents: stages.numEvents,
    events: [...stages.events], names: [...m.names], encoder: encoderToJson(m.encoder), agents: m.agents.map((_, j) => `agent-${j}`),
  };
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  try {
    for (let j = 0; j < m.agents.length; j++) await savePolicyModel(join(tmp, json.agents[j]!), m.agents[j]!, m.envId);
    writeFileAtomic(join(tmp, 'subgoals.json'), `${JSON.stringify(json, null, 1)}\n`);
    const old = `${tmp}.old`;
    if (existsSync(dir)) renameSync(dir, old); // a folder cannot be renamed over a full one: move the old one aside first
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Whether `dir` holds a sub-goal model (its subgoals.json). */
export function isSubgoalModel(dir: string): boolean {
  return existsSync(join(dir, 'subgoals.json'));
}

/** Reads `saveSubgoalModel`'s folder; a missing, malformed or inconsistent part is an error naming the file and the field. */
export function loadSubgoalModel(dir: string): SubgoalModel {
  const path = join(dir, 'subgoals.json');
  if (!existsSync(path)) throw new Error(`${dir} holds no sub-goal agents (no subgoals.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const j = parseSubgoalModelJson(raw, path);
  const K = j.stages.numEvents, D = j.stages.envObsDim + K;
  const agents = j.agents.map((name, a) => {
    const { agent, envId } = loadPolicyModel(join(dir, name));
    if (agent.kind !== 'mlp' || agent.obsDim !== D) throw new Error(`${join(dir, name)}: agent ${a} takes ${agent.kind === 'mlp' ? agent.obsDim : agent.kind} observations, the sub-goal model's are ${j.stages.envObsDim} + ${K} flags`);
    if (envId !== j.envId) throw new Error(`${join(dir, name)}: agent ${a} was trained on ${envId}, subgoals.json says ${j.envId}`);
    return agent;
  });
  agents.forEach((a, k) => {
    if (a.nvec.join() !== agents[0]!.nvec.join()) throw new Error(`${join(dir, j.agents[k]!)}: agent ${k} has action heads [${[...a.nvec].join(', ')}], agent 0 [${[...agents[0]!.nvec].join(', ')}]`);
  });
  return { envId: j.envId, envKwargs: j.envKwargs, stages: j.stages, names: j.names, encoder: j.encoder, agents };
}
