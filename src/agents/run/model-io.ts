import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActorCritic, CnnActorCritic, type Agent } from '../ppo/agent.ts';
import { CONV_KERNEL } from '../nets/cnn.ts';
import { writeFileAtomic } from './atomic.ts';

/**
 * The policy as a TensorFlow.js Layers model: `model.json` (tfjs's `layers-model` format) and `weights.bin`.
 * Any tfjs program, a browser page included, loads it with `tf.loadLayersModel('…/model.json')` and gets a
 * functional model with two outputs, `[logits, value]`, for the observation batch `[B, …obsShape]`; the
 * logits of a MultiDiscrete action are the heads' logits side by side. What tfjs does not model (the action
 * heads, the env it was trained on) is in `userDefinedMetadata.rudder`.
 *
 * Layouts are tfjs's own: dense kernels `[in, out]`, convolution kernels `[k, k, inC, outC]` (NHWC, stride
 * 1, padding 'valid'), and the CNN's first dense layer reads the NHWC flatten, so the fused kernels the
 * trainer runs and tfjs's layers compute the same function (tested).
 */
export const MODEL_FORMAT_VERSION = 2;

/** `userDefinedMetadata.rudder` of a saved model. */
export interface PolicyModelMetadata {
  format: 'rudder-actor-critic'; version: number; topology: MlpTopology | CnnTopology | TfjsTopology;
  /**
   * What turns the env's observation into the model's input, when it is not the env's observation as is:
   * a record of the module that trained it (Align-RUDDER's state augmentation: src/align/subgoal-model-json.ts
   * `EventFlagsJson`), read and checked there. Absent: the model takes the env's observation.
   */
  observation?: Record<string, unknown>;
}

/** A user's tfjs model (`policy: 'tfjs'`): its layers are in `modelTopology`; only tfjs-layers loads it. */
export interface TfjsTopology { policy: 'tfjs'; obsShape: number[]; nvec: number[]; envId: string }

/** Separate actor and critic MLPs: obsDim → hidden… (tanh) → logits / value. */
export interface MlpTopology { policy: 'mlp'; obsDim: number; nvec: number[]; hidden: number[]; activation: 'tanh'; envId: string }

/** A shared torso: convolutions → flatten → dense layers (all ReLU), then linear actor and critic heads. */
export interface CnnTopology {
  policy: 'cnn'; obsShape: number[]; nvec: number[]; channels: number[]; kernelSize: number; strides: 1; padding: 'valid';
  hidden: number[]; activation: 'relu'; sharedTorso: true; envId: string;
}

/** The JSON in `model.json`. Version 1 (before tfjs-layers) had our topology at `modelTopology` and no `userDefinedMetadata`. */
export interface PolicyModelJson extends tf.io.ModelJSON {
  userDefinedMetadata?: { rudder: PolicyModelMetadata };
}

/** Layer names, in the order of `agent.params()` (each layer: kernel, bias). */
function layerNames(agent: Agent): string[] {
  if (agent.kind === 'mlp') {
    return [...agent.actor.layers.map((_, i) => `actor_dense_${i}`), ...agent.critic.layers.map((_, i) => `critic_dense_${i}`)];
  }
  return [...agent.net.convs.map((_, i) => `torso_conv_${i}`), ...agent.net.dense.map((_, i) => `torso_dense_${i}`), 'actor_head', 'critic_head'];
}

function weightNames(agent: Agent): string[] {
  return layerNames(agent).flatMap((l) => [`${l}/kernel`, `${l}/bias`]);
}

function topology(agent: Agent, envId: string): MlpTopology | CnnTopology {
  if (agent.kind === 'mlp') return { policy: 'mlp', obsDim: agent.obsDim, nvec: [...agent.nvec], hidden: [...agent.hidden], activation: 'tanh', envId };
  return {
    policy: 'cnn', obsShape: [...agent.obsShape], nvec: [...agent.nvec], channels: [...agent.channels], kernelSize: CONV_KERNEL, strides: 1, padding: 'valid',
    hidden: [...agent.hidden], activation: 'relu', sharedTorso: true, envId,
  };
}

/**
 * `agent` as a tfjs-layers model holding a copy of its weights (needs a tfjs backend: see `initBackend`).
 * Outputs `[logits, value]`. Dispose it when done.
 */
export function toLayersModel(agent: Agent): tfl.LayersModel {
  const names = layerNames(agent);
  let next = 0;
  const dense = (units: number, activation: 'tanh' | 'relu' | 'linear'): tfl.layers.Layer => tfl.layers.dense({ units, activation, name: names[next++]! });
  const numLogits = agent.nvec.reduce((a, b) => a + b, 0);
  let logits: tfl.SymbolicTensor, value: tfl.SymbolicTensor, input: tfl.SymbolicTensor;
  if (agent.kind === 'mlp') {
    input = tfl.input({ shape: [agent.obsDim], name: 'obs' });
    let h = input;
    for (let i = 0; i < agent.actor.layers.length; i++) h = dense(i < agent.actor.layers.length - 1 ? agent.hidden[i]! : numLogits, i < agent.actor.layers.length - 1 ? 'tanh' : 'linear').apply(h) as tfl.SymbolicTensor;
    logits = h;
    h = input;
    for (let i = 0; i < agent.critic.layers.length; i++) h = dense(i < agent.critic.layers.length - 1 ? agent.hidden[i]! : 1, i < agent.critic.layers.length - 1 ? 'tanh' : 'linear').apply(h) as tfl.SymbolicTensor;
    value = h;
  } else {
    input = tfl.input({ shape: [...agent.obsShape], name: 'obs' });
    let h = input;
    for (const filters of agent.channels) {
      h = tfl.layers.conv2d({ filters, kernelSize: CONV_KERNEL, strides: 1, padding: 'valid', activation: 'relu', dataFormat: 'channelsLast', name: names[next++]! }).apply(h) as tfl.SymbolicTensor;
    }
    h = tfl.layers.flatten({ name: 'torso_flatten' }).apply(h) as tfl.SymbolicTensor;
    for (const units of agent.hidden) h = dense(units, 'relu').apply(h) as tfl.SymbolicTensor;
    logits = dense(numLogits, 'linear').apply(h) as tfl.SymbolicTensor;
    value = dense(1, 'linear').apply(h) as tfl.SymbolicTensor;
  }
  const model = tfl.model({ inputs: input, outputs: [logits, value], name: 'actor_critic' });
  // Set each weight by name: the model's own weight order interleaves the two branches.
  const byName = new Map(model.weights.map((w, i) => [w.originalName, i]));
  const values: tf.Tensor[] = new Array<tf.Tensor>(model.weights.length);
  const params = agent.params(), shapes = agent.paramShapes();
  weightNames(agent).forEach((name, i) => {
    const at = byName.get(name);
    if (at === undefined) throw new Error(`internal: the tfjs model has no weight ${name}`);
    values[at] = tf.tensor(params[i]!, shapes[i]!, 'float32');
  });
  model.setWeights(values); // copies into the model's variables
  tf.dispose(values);
  return model;
}

/** Write `agent` as a tfjs Layers model into `dir` (atomically, file by file; weights first, then model.json). */
export async function savePolicyModel(dir: string, agent: Agent, envId: string, observation?: Record<string, unknown>): Promise<void> {
  const model = toLayersModel(agent);
  try {
    await writeLayersModel(dir, model, { format: 'rudder-actor-critic', version: MODEL_FORMAT_VERSION, topology: topology(agent, envId), ...(observation ? { observation } : {}) });
  } finally {
    model.dispose();
  }
}

/**
 * Write a user's tfjs actor-critic (`policy: 'tfjs'`) in the same format: its own layers in `modelTopology`, and
 * a `tfjs` topology in the metadata (no fused agent can load it: use {@link loadLayersPolicy}).
 */
export async function saveTfjsPolicyModel(dir: string, model: tfl.LayersModel, nvec: ArrayLike<number>, envId: string, observation?: Record<string, unknown>): Promise<void> {
  const obsShape = model.inputs[0]!.shape.slice(1) as number[];
  await writeLayersModel(dir, model, { format: 'rudder-actor-critic', version: MODEL_FORMAT_VERSION, topology: { policy: 'tfjs', obsShape, nvec: Array.from(nvec), envId }, ...(observation ? { observation } : {}) });
}

async function writeLayersModel(dir: string, model: tfl.LayersModel, meta: PolicyModelMetadata): Promise<void> {
  const before = model.getUserDefinedMetadata();
  model.setUserDefinedMetadata({ rudder: meta });
  try {
    await model.save(tf.io.withSaveHandler(async (a) => {
      const data = a.weightData instanceof ArrayBuffer ? a.weightData : tf.io.concatenateArrayBuffers(a.weightData!);
      const json: PolicyModelJson = {
        modelTopology: a.modelTopology!, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs! }],
        userDefinedMetadata: a.userDefinedMetadata as PolicyModelJson['userDefinedMetadata'],
      };
      writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array(data));
      writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(json)}\n`);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
  } finally {
    if (before) model.setUserDefinedMetadata(before);
  }
}

function readModelJson(dir: string): { path: string; json: PolicyModelJson } {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new Error(`${dir} has no model.json`);
  try {
    return { path, json: JSON.parse(readFileSync(path, 'utf8')) as PolicyModelJson };
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Load a model written by {@link savePolicyModel} into our own agent (no tfjs needed); a malformed one is an
 * error that says what is wrong.
 */
export function loadPolicyModel(dir: string): { agent: Agent; envId: string } {
  const { path, json } = readModelJson(dir);
  // Version 1 kept our topology at modelTopology and named weights `actor/dense_0/kernel`.
  const legacy = json.format === 'rudder-actor-critic' && (json as unknown as { version: number }).version === 1;
  const meta = json.userDefinedMetadata?.rudder;
  if (!legacy && (meta?.format !== 'rudder-actor-critic' || meta.version !== MODEL_FORMAT_VERSION)) {
    throw new Error(`${path} is not a rudder actor-critic model (userDefinedMetadata.rudder should have format "rudder-actor-critic" and version ${MODEL_FORMAT_VERSION}, found ${JSON.stringify(meta ?? null)})`);
  }
  const t = legacy ? (json.modelTopology as MlpTopology | CnnTopology) : meta!.topology;
  if (t.policy === 'tfjs') throw new Error(`${path} holds a user's tfjs network (policy 'tfjs'), which only tfjs-layers can run: load it with loadLayersPolicy`);
  let agent: Agent;
  if (t.policy === 'cnn') {
    if (t.kernelSize !== CONV_KERNEL || t.strides !== 1 || t.padding !== 'valid') throw new Error(`${path}: only ${CONV_KERNEL}×${CONV_KERNEL} convolutions with stride 1 and 'valid' padding are supported, got kernelSize ${t.kernelSize}, strides ${t.strides}, padding ${t.padding}`);
    agent = new CnnActorCritic(t.obsShape, t.nvec, t.channels, t.hidden, 0);
  } else {
    agent = new ActorCritic(t.obsDim, t.nvec, t.hidden, 0);
  }
  const group = json.weightsManifest[0];
  if (!group || json.weightsManifest.length !== 1 || group.paths.length !== 1) throw new Error(`${path}: expected one weights file in weightsManifest`);
  const bin = join(dir, group.paths[0]!);
  if (!existsSync(bin)) throw new Error(`${path} names ${group.paths[0]}, which is missing`);
  const bytes = readFileSync(bin);
  const params = agent.params(), shapes = agent.paramShapes();
  const need = params.reduce((n, p) => n + p.length, 0) * 4;
  if (bytes.length !== need) throw new Error(`${bin} has ${bytes.length} bytes, the model in model.json needs ${need}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  // Offsets by name: the manifest's order is tfjs's, not ours.
  const offsets = new Map<string, { off: number; shape: number[] }>();
  let off = 0;
  for (const w of group.weights) {
    if (w.dtype !== 'float32') throw new Error(`${path}: weight ${w.name} is ${w.dtype}, only float32 is supported`);
    const name = legacy ? w.name.replace(/^(\w+)\/(\w+)\//, '$1_$2/') : w.name;
    offsets.set(name, { off, shape: w.shape });
    off += w.shape.reduce((a, b) => a * b, 1);
  }
  weightNames(agent).forEach((name, i) => {
    const w = offsets.get(name);
    if (!w) throw new Error(`${path}: weight ${name} is missing from weightsManifest`);
    if (w.shape.join('x') !== shapes[i]!.join('x')) throw new Error(`${path}: weight ${name} has shape [${w.shape}], the topology needs [${shapes[i]}]`);
    params[i]!.set(all.subarray(w.off, w.off + params[i]!.length));
  });
  return { agent, envId: t.envId };
}

/**
 * Load a saved policy with tfjs-layers, from the same files a browser fetches (`tf.loadLayersModel` over
 * http reads them the same way). Needs a tfjs backend.
 */
export async function loadLayersPolicy(dir: string): Promise<tfl.LayersModel> {
  const { json } = readModelJson(dir);
  return tfl.loadLayersModel(tf.io.fromMemory(await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs = manifest.flatMap((g) => g.weights);
    const buffers = manifest.flatMap((g) => g.paths.map((p) => {
      const b = readFileSync(join(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
    }));
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  })));
}
