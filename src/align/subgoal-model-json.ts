import { encoderFromJson, encoderToJson } from './encoder-json.ts';
import type { SubgoalStages } from './subgoal-stages.ts';
import type { EncoderJson, TransitionEvents } from './transition-events.ts';

/**
 * What Align-RUDDER adds to a saved policy so that it sees, wherever it runs, the observation it was trained
 * on: the state augmentation's event flags (subgoal-observation.ts) and, for the sub-goal agents, their
 * switch (subgoal-stages.ts). Two records, read and checked here only:
 * - `EventFlagsJson`: a single policy trained with `--align-augment`, in its model.json's
 *   `userDefinedMetadata.rudder.observation` (model-io.ts);
 * - `SubgoalModelJson`: `subgoals.json` of a sub-goal model folder (subgoal-model.ts).
 * No Node imports: Node (`loadSubgoalModel`) and the viewer's page (which plays saved policies in the
 * browser) parse them with this same code.
 */

export const EVENT_FLAGS_KIND = 'event-flags';
export const SUBGOAL_MODEL_FORMAT = 'rudder-subgoal-agents';
export const SUBGOAL_MODEL_VERSION = 1;

/** The state augmentation of a saved single policy: the env's observation, then one flag per event of `encoder`. */
export interface EventFlagsJson {
  kind: typeof EVENT_FLAGS_KIND;
  version: 1;
  /** Where the env's own observation ends and the K event flags begin. */
  envObsDim: number;
  /** K: the flags, one per event kind of the encoder. */
  numEvents: number;
  encoder: EncoderJson;
}

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

/** The flags of a saved policy, rebuilt: wrap the env in `SubgoalObservation(env, encoder)`. */
export interface EventFlags {
  envObsDim: number;
  numEvents: number;
  encoder: TransitionEvents;
}

/** `subgoals.json`, checked and rebuilt (the agents themselves are loaded by whoever runs them: Node or the page). */
export interface SubgoalSwitch {
  envId: string;
  envKwargs: Record<string, unknown>;
  stages: SubgoalStages;
  names: string[];
  encoder: TransitionEvents;
  /** Agent j's folder, relative to the model folder. */
  agents: string[];
}

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

export function eventFlagsToJson(envObsDim: number, encoder: TransitionEvents): EventFlagsJson {
  return { kind: EVENT_FLAGS_KIND, version: 1, envObsDim, numEvents: encoder.numEvents, encoder: encoderToJson(encoder) };
}

/** Reads `eventFlagsToJson`'s record; anything malformed is an error naming `where` and the field. */
export function parseEventFlags(raw: unknown, where: string): EventFlags {
  const j = raw as Partial<EventFlagsJson> | null;
  if (typeof raw !== 'object' || raw === null || j!.kind !== EVENT_FLAGS_KIND || j!.version !== 1) {
    throw new Error(`${where}: the observation record must have kind "${EVENT_FLAGS_KIND}" and version 1, found ${JSON.stringify({ kind: j?.kind, version: j?.version })}`);
  }
  return flagsOf(j!, where);
}

/** The fields envObsDim, numEvents and encoder that both records hold, checked against each other. */
function flagsOf(j: { envObsDim?: unknown; numEvents?: unknown; encoder?: unknown }, where: string): EventFlags {
  if (!isInt(j.envObsDim, 1) || !isInt(j.numEvents, 1)) throw new Error(`${where}: fields envObsDim and numEvents must be integers ≥ 1, got ${JSON.stringify(j.envObsDim)} and ${JSON.stringify(j.numEvents)}`);
  const encoder = encoderFromJson(j.encoder, where);
  if (encoder.numEvents !== j.numEvents) throw new Error(`${where}: the encoder has ${encoder.numEvents} events, numEvents says ${j.numEvents}`);
  return { envObsDim: j.envObsDim, numEvents: j.numEvents, encoder };
}

/** Reads `subgoals.json` (`path` names it in errors): a missing, malformed or inconsistent field is an error naming it. */
export function parseSubgoalModelJson(raw: unknown, path: string): SubgoalSwitch {
  const j = raw as Partial<SubgoalModelJson> | null;
  if (typeof raw !== 'object' || raw === null || j!.format !== SUBGOAL_MODEL_FORMAT || j!.version !== SUBGOAL_MODEL_VERSION) {
    throw new Error(`${path} is not a sub-goal model: expected format "${SUBGOAL_MODEL_FORMAT}" version ${SUBGOAL_MODEL_VERSION}, found ${JSON.stringify({ format: j?.format, version: j?.version })}`);
  }
  const s = j!;
  if (typeof s.envId !== 'string') throw new Error(`${path}: field envId must be a string`);
  if (typeof s.envKwargs !== 'object' || s.envKwargs === null || Array.isArray(s.envKwargs)) throw new Error(`${path}: field envKwargs must be an object`);
  if (!isInt(s.envObsDim, 1) || !isInt(s.numEvents, 1)) throw new Error(`${path}: fields envObsDim and numEvents must be integers ≥ 1, got ${s.envObsDim} and ${s.numEvents}`);
  const K = s.numEvents;
  if (!Array.isArray(s.events) || s.events.length === 0 || !s.events.every((e) => isInt(e, 0) && e < K) || new Set(s.events).size !== s.events.length) {
    throw new Error(`${path}: field events must be distinct event ids in 0..${K - 1}, got ${JSON.stringify(s.events)}`);
  }
  const m = s.events.length;
  if (!Array.isArray(s.names) || s.names.length !== m) throw new Error(`${path}: field names must hold ${m} names, one per sub-goal`);
  if (!Array.isArray(s.agents) || s.agents.length !== m || !s.agents.every((a) => typeof a === 'string' && a.length > 0 && !a.includes('..') && !a.startsWith('/') && !a.includes('\\'))) {
    throw new Error(`${path}: field agents must name ${m} agent folders, one per sub-goal, got ${JSON.stringify(s.agents)}`);
  }
  const { encoder } = flagsOf(s, path);
  return {
    envId: s.envId, envKwargs: s.envKwargs, stages: { envObsDim: s.envObsDim, numEvents: K, events: Int32Array.from(s.events) }, names: s.names.map(String), encoder,
    agents: [...s.agents],
  };
}
