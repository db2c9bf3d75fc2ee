/**
 * A run's saved policy as the page acts with it (policy.ts plays it). Three kinds of `model/` folder:
 * - one policy: `model.json` (+ weights), the env's observation as is;
 * - one policy trained with Align-RUDDER's state augmentation (`--align-augment`): the same, with the event
 *   encoder in model.json's `userDefinedMetadata.rudder.observation`; the env is wrapped in the trainer's own
 *   `SubgoalObservation`, which appends the flags of the events seen so far;
 * - the sub-goal agents (`--align-subgoals`): `subgoals.json` (the encoder and the sub-goals' events) and
 *   one model per agent in `agent-<j>/`; the env is wrapped likewise and the agent of `stageOf` the
 *   augmented observation acts, the switch the trainer and `rudder eval` use.
 * The records are parsed by src/align/subgoal-model-json.ts, the same code Node reads them with.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { Env } from '../../envs/core/env.ts';
import { parseEventFlags, parseSubgoalModelJson, type EventFlags } from '../../align/subgoal-model-json.ts';
import { SubgoalObservation } from '../../align/subgoal-observation.ts';
import { stageOf, type SubgoalStages } from '../../align/subgoal-stages.ts';

/** A loaded policy: the env as it sees it, and its greedy actions. */
export interface PagePolicy {
  /** `policy` (one model), `augmented` (one model, event flags appended) or `subgoals` (the sub-goal agents). */
  readonly kind: 'policy' | 'augmented' | 'subgoals';
  /** The action heads' sizes. */
  readonly nvec: readonly number[];
  /** The run's env wrapped as the policy was trained on it (event flags appended), or as is. */
  wrap(env: Env<ArrayLike<number>, number | Int32Array>): Env<ArrayLike<number>, number | Int32Array>;
  /** Greedy actions (argmax of each head's logits, the first maximum on ties, as the trainer's greedy act) for one observation of the wrapped env. */
  act(obs: ArrayLike<number>): Int32Array;
}

/** The URL of a file in a run's model folder, relative to the page (this module's bundle sits beside index.html); each segment encoded. */
export function modelFileUrl(runId: string, path: string): string {
  const segments = ['runs', runId, 'model', ...path.split('/')].map(encodeURIComponent);
  return new URL(segments.join('/'), document.baseURI).href;
}

/**
 * Loads the run's saved policy: `model/model.json`, or when there is none, the sub-goal agents of
 * `model/subgoals.json`. Errors name the file and what is wrong.
 */
export async function loadPagePolicy(runId: string, envId: string): Promise<PagePolicy> {
  const url = modelFileUrl(runId, 'model.json');
  let model: LayersModel;
  try {
    model = await loadLayersModel(url);
  } catch (e) {
    // No model.json: a sub-goal model folder has subgoals.json instead.
    const sub = await fetch(modelFileUrl(runId, 'subgoals.json'));
    if (!sub.ok) throw e;
    return loadSubgoals(runId, envId, await sub.json() as unknown);
  }
  const meta = model.getUserDefinedMetadata() as { rudder?: { observation?: unknown } } | undefined;
  const record = meta?.rudder?.observation;
  const flags = record === undefined ? null : parseEventFlags(record, url);
  return single(model, url, flags);
}

function single(model: LayersModel, url: string, flags: EventFlags | null): PagePolicy {
  const nvec = headsOf(model), D = inputSize(model);
  if (flags && D !== flags.envObsDim + flags.numEvents) throw new Error(`${url}: the model takes ${D} values, its observation record says ${flags.envObsDim} + ${flags.numEvents} event flags`);
  return {
    kind: flags ? 'augmented' : 'policy', nvec,
    wrap: (env) => (flags ? withFlags(env, flags, url) : checkSize(env, D, url)),
    act: (obs) => greedy(logitsOf(model, obs, D), nvec),
  };
}

async function loadSubgoals(runId: string, envId: string, raw: unknown): Promise<PagePolicy> {
  const url = modelFileUrl(runId, 'subgoals.json');
  const s = parseSubgoalModelJson(raw, url);
  if (s.envId !== envId) throw new Error(`${url}: the agents were trained on ${s.envId}, the run is of ${envId}`);
  const D = s.stages.envObsDim + s.stages.numEvents;
  const agents = await Promise.all(s.agents.map((name) => loadLayersModel(modelFileUrl(runId, `${name}/model.json`))));
  const nvec = headsOf(agents[0]!);
  agents.forEach((m, j) => {
    const at = modelFileUrl(runId, `${s.agents[j]}/model.json`);
    if (inputSize(m) !== D) throw new Error(`${at}: agent ${j} takes ${inputSize(m)} values, the sub-goal model's observations are ${s.stages.envObsDim} + ${s.stages.numEvents} flags`);
    if (headsOf(m).join() !== nvec.join()) throw new Error(`${at}: agent ${j} has action heads [${headsOf(m).join(', ')}], agent 0 [${nvec.join(', ')}]`);
  });
  const stages: SubgoalStages = s.stages;
  return {
    kind: 'subgoals', nvec,
    wrap: (env) => withFlags(env, { envObsDim: s.stages.envObsDim, numEvents: s.stages.numEvents, encoder: s.encoder }, url),
    act: (obs) => greedy(logitsOf(agents[stageOf(obs as Float32Array, stages)]!, obs, D), nvec),
  };
}

/** The env with the event flags appended by the trainer's own wrapper. */
function withFlags(env: Env<ArrayLike<number>, number | Int32Array>, flags: EventFlags, url: string): Env<ArrayLike<number>, number | Int32Array> {
  const n = flatSize(env);
  if (n !== flags.envObsDim) throw new Error(`${url}: the policy was trained on observations of ${flags.envObsDim} values (before its ${flags.numEvents} event flags), this env gives ${n}`);
  return new SubgoalObservation(env as unknown as Env<Float32Array, number>, flags.encoder) as unknown as Env<ArrayLike<number>, number | Int32Array>;
}

function checkSize(env: Env<ArrayLike<number>, number | Int32Array>, D: number, url: string): Env<ArrayLike<number>, number | Int32Array> {
  const n = flatSize(env);
  if (n !== D) throw new Error(`${url}: the model takes ${D} values, this env gives ${n} (a model trained on other env options, or with observations the page does not rebuild?)`);
  return env;
}

function flatSize(env: Env<ArrayLike<number>, number | Int32Array>): number {
  const shape = (env.observationSpace as { shape?: readonly number[] }).shape ?? [];
  return shape.reduce((a, b) => a * b, 1);
}

/** The model's input size per observation (the product of its input shape after the batch axis). */
function inputSize(model: LayersModel): number {
  return ((model.inputs[0]!.shape as (number | null)[]).slice(1) as number[]).reduce((a, b) => a * b, 1);
}

function logitsOf(model: LayersModel, obs: ArrayLike<number>, D: number): Float32Array {
  const inShape = (model.inputs[0]!.shape as (number | null)[]).slice(1) as number[];
  if (obs.length !== D) throw new Error(`the policy takes ${D} values, the env gave ${obs.length}`);
  return tf.tidy(() => {
    const out = model.predict(tf.tensor(Float32Array.from(obs), [1, ...inShape])) as tf.Tensor[];
    return out[0]!.dataSync() as Float32Array;
  });
}

/** The action heads' sizes from the model's metadata (one head of all logits when absent). */
function headsOf(model: LayersModel): number[] {
  const meta = model.getUserDefinedMetadata() as { rudder?: { topology?: { nvec?: number[] } } } | undefined;
  const nvec = meta?.rudder?.topology?.nvec;
  if (Array.isArray(nvec) && nvec.length) return nvec;
  const out = model.outputs[0]!.shape;
  return [out[out.length - 1] as number];
}

/** Argmax of each head's slice (the first maximum on ties, as the trainer's greedy act). */
function greedy(logits: Float32Array, nvec: readonly number[]): Int32Array {
  const a = new Int32Array(nvec.length);
  let off = 0;
  nvec.forEach((n, k) => {
    let best = 0;
    for (let j = 1; j < n; j++) if (logits[off + j]! > logits[off + best]!) best = j;
    a[k] = best;
    off += n;
  });
  return a;
}
