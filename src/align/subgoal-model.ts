import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Agent } from '../agents/ppo/agent.ts';
import { loadPolicyModel, savePolicyModel } from '../agents/run/model-io.ts';
import { encoderFromJson, encoderToJson } from './encoder-json.ts';
import type { SubgoalStages } from './subgoal-agents.ts';
import type { EncoderJson, TransitionEvents } from './transition-events.ts';
import { writeFileAtomic } from '../agents/run/atomic.ts';

/**
 * The sub-goal agents as files (a run's `model/` after `--align-subgoals`): each agent a tfjs Layers model
 * of its own (`agent-<j>/model.json` + `weights.bin`, model-io.ts's format: its input is the augmented
 * observation), and `subgoals.json`, what switches between them: the event encoder that sets the state
 * augmentation's flags, the env's own observation size, the sub-goals' events in profile order and their
 * names. The agent of the first sub-goal whose event flag is still 0 acts (subgoal-agents.ts `stageOf`).
 */
export const SUBGOAL_MODEL_FORMAT = 'rudder-subgoal-agents';
export const SUBGOAL_MODEL_VERSION = 1;

/** The JSON of `subgoals.json`. */
export interface SubgoalModelJson {
  format: typeof SUBGOAL_MODEL_FORMAT;
  version: number;
  envId: string;
  envKwargs: Record<string, unknown>;
  /** Where the env's own observation ends and the K event flags begin. */
  envObsDim: number;
  /** K: the flags, one per event kind of the encoder. */
  numEvents: number;
  /** The sub-goals' events in profile order, each once; agent j acts while events[j] has not happened. */
  events: number[];
  /** A readable name per sub-goal (its event's). */
  names: string[];
  encoder: EncoderJson;
  /** Agent j's folder, relative to the model folder. */
  agents: string[];
}

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
  const j = raw as Partial<SubgoalModelJson>;
  if (typeof raw !== 'object' || raw === null || j.format !== SUBGOAL_MODEL_FORMAT || j.version !== SUBGOAL_MODEL_VERSION) {
    throw new Error(`${path} is not a sub-goal model: expected format "${SUBGOAL_MODEL_FORMAT}" version ${SUBGOAL_MODEL_VERSION}, found ${JSON.stringify({ format: j?.format, version: j?.version })}`);
  }
  const int = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (typeof j.envId !== 'string') throw new Error(`${path}: field envId must be a string`);
  if (typeof j.envKwargs !== 'object' || j.envKwargs === null || Array.isArray(j.envKwargs)) throw new Error(`${path}: field envKwargs must be an object`);
  if (!int(j.envObsDim, 1) || !int(j.numEvents, 1)) throw new Error(`${path}: fields envObsDim and numEvents must be integers ≥ 1, got ${j.envObsDim} and ${j.numEvents}`);
  const K = j.numEvents;
  if (!Array.isArray(j.events) || j.events.length === 0 || !j.events.every((e) => int(e, 0) && e < K) || new Set(j.events).size !== j.events.length) {
    throw new Error(`${path}: field events must be distinct event ids in 0..${K - 1}, got ${JSON.stringify(j.events)}`);
  }
  const m = j.events.length;
  if (!Array.isArray(j.names) || j.names.length !== m) throw new Error(`${path}: field names must hold ${m} names, one per sub-goal`);
  if (!Array.isArray(j.agents) || j.agents.length !== m || !j.agents.every((a) => typeof a === 'string' && a.length > 0 && !a.includes('..'))) {
    throw new Error(`${path}: field agents must name ${m} agent folders, one per sub-goal, got ${JSON.stringify(j.agents)}`);
  }
  const encoder = encoderFromJson(j.encoder, path);
  if (encoder.numEvents !== K) throw new Error(`${path}: the encoder has ${encoder.numEvents} events, numEvents says ${K}`);
  const D = j.envObsDim + K;
  const agents = j.agents.map((name, a) => {
    const { agent, envId } = loadPolicyModel(join(dir, name));
    if (agent.kind !== 'mlp' || agent.obsDim !== D) throw new Error(`${join(dir, name)}: agent ${a} takes ${agent.kind === 'mlp' ? agent.obsDim : agent.kind} observations, the sub-goal model's are ${j.envObsDim} + ${K} flags`);
    if (envId !== j.envId) throw new Error(`${join(dir, name)}: agent ${a} was trained on ${envId}, subgoals.json says ${j.envId}`);
    return agent;
  });
  agents.forEach((a, k) => {
    if (a.nvec.join() !== agents[0]!.nvec.join()) throw new Error(`${join(dir, j.agents![k]!)}: agent ${k} has action heads [${[...a.nvec].join(', ')}], agent 0 [${[...agents[0]!.nvec].join(', ')}]`);
  });
  return { envId: j.envId, envKwargs: j.envKwargs, stages: { envObsDim: j.envObsDim, numEvents: K, events: Int32Array.from(j.events) }, names: j.names.map(String), encoder, agents };
}
