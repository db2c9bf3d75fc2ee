import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActorCritic, CnnActorCritic, type Agent } from '../ppo/agent.ts';
import { CONV_KERNEL } from '../nets/cnn.ts';
import { writeFileAtomic } from './atomic.ts';

/**
 * The policy as a TensorFlow.js model: `model.json` (our topology plus tfjs's `weightsManifest`) and
 * `weights.bin`, the layout `tf.io.loadWeights` / `tf.io.decodeWeights` read, so a browser page (the viewer)
 * can load it with tfjs and run it there, or with {@link loadPolicyModel} here.
 *
 * The CNN's weights are in tfjs's own layouts: convolution kernels `[k, k, inC, outC]` for `tf.conv2d`
 * (NHWC, stride 1, padding 'valid'), and its first dense kernel indexed by the NHWC flatten, so
 * `conv2d → relu → … → reshape([B, −1]) → matMul` reproduces it.
 */
export interface PolicyModelJson {
  format: 'rudder-actor-critic';
  version: 1;
  modelTopology: MlpTopology | CnnTopology;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' }[] }[];
}

/** Separate actor and critic MLPs: obsDim → hidden… (tanh) → logits / value. Models saved before `policy` existed lack it. */
export interface MlpTopology { policy?: 'mlp'; obsDim: number; nvec: number[]; hidden: number[]; activation: 'tanh'; envId: string }

/** A shared torso: convolutions → flatten → dense layers (all ReLU), then linear actor and critic heads. */
export interface CnnTopology {
  policy: 'cnn'; obsShape: number[]; nvec: number[]; channels: number[]; kernelSize: number; strides: 1; padding: 'valid';
  hidden: number[]; activation: 'relu'; sharedTorso: true; envId: string;
}

function weightNames(agent: Agent): string[] {
  const names: string[] = [];
  const pair = (prefix: string): void => void names.push(`${prefix}/kernel`, `${prefix}/bias`);
  if (agent.kind === 'mlp') {
    for (const [net, mlp] of [['actor', agent.actor], ['critic', agent.critic]] as const) mlp.layers.forEach((_, i) => pair(`${net}/dense_${i}`));
  } else {
    agent.net.convs.forEach((_, i) => pair(`torso/conv_${i}`));
    agent.net.dense.forEach((_, i) => pair(`torso/dense_${i}`));
    pair('actor/head');
    pair('critic/head');
  }
  return names;
}

function topology(agent: Agent, envId: string): MlpTopology | CnnTopology {
  if (agent.kind === 'mlp') return { policy: 'mlp', obsDim: agent.obsDim, nvec: [...agent.nvec], hidden: [...agent.hidden], activation: 'tanh', envId };
  return {
    policy: 'cnn', obsShape: [...agent.obsShape], nvec: [...agent.nvec], channels: [...agent.channels], kernelSize: CONV_KERNEL, strides: 1, padding: 'valid',
    hidden: [...agent.hidden], activation: 'relu', sharedTorso: true, envId,
  };
}

/** Write `agent` as a tfjs model into `dir` (atomically, file by file; weights first, then model.json). */
export function savePolicyModel(dir: string, agent: Agent, envId: string): void {
  const params = agent.params(), shapes = agent.paramShapes(), names = weightNames(agent);
  const total = params.reduce((n, p) => n + p.length, 0);
  const buf = new Float32Array(total); // tfjs weights are little-endian float32, which Float32Array is on every platform we run
  let off = 0;
  for (const p of params) {
    buf.set(p, off);
    off += p.length;
  }
  const json: PolicyModelJson = {
    format: 'rudder-actor-critic',
    version: 1,
    modelTopology: topology(agent, envId),
    weightsManifest: [{ paths: ['weights.bin'], weights: names.map((name, i) => ({ name, shape: shapes[i]!, dtype: 'float32' })) }],
  };
  writeFileAtomic(join(dir, 'weights.bin'), new Uint8Array(buf.buffer));
  writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(json, null, 1)}\n`);
}

/** Load a model written by {@link savePolicyModel}; a malformed one is an error that says what is wrong. */
export function loadPolicyModel(dir: string): { agent: Agent; envId: string } {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new Error(`${dir} has no model.json`);
  let json: PolicyModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as PolicyModelJson;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (json.format !== 'rudder-actor-critic' || json.version !== 1) throw new Error(`${path} is not a rudder actor-critic model of version 1`);
  const t = json.modelTopology;
  let agent: Agent;
  if (t.policy === 'cnn') {
    if (t.kernelSize !== CONV_KERNEL || t.strides !== 1 || t.padding !== 'valid') throw new Error(`${path}: only ${CONV_KERNEL}×${CONV_KERNEL} convolutions with stride 1 and 'valid' padding are supported, got kernelSize ${t.kernelSize}, strides ${t.strides}, padding ${t.padding}`);
    agent = new CnnActorCritic(t.obsShape, t.nvec, t.channels, t.hidden, 0);
  } else {
    agent = new ActorCritic(t.obsDim, t.nvec, t.hidden, 0);
  }
  const bytes = readFileSync(join(dir, json.weightsManifest[0]!.paths[0]!));
  const params = agent.params();
  const need = params.reduce((n, p) => n + p.length, 0) * 4;
  if (bytes.length !== need) throw new Error(`${join(dir, 'weights.bin')} has ${bytes.length} bytes, the model in model.json needs ${need}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  let off = 0;
  for (const p of params) {
    p.set(all.subarray(off, off + p.length));
    off += p.length;
  }
  return { agent, envId: t.envId };
}
