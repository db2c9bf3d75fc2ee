import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/agents/backend.ts';
import { ActorCritic, CnnActorCritic } from '../src/agents/ppo/agent.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { loadPolicyModel, savePolicyModel, type PolicyModelJson } from '../src/agents/run/model-io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rudder-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('policy model in tfjs format', () => {
  it('round-trips, and tfjs decodes the weights and computes the same logits', async () => {
    const agent = new ActorCritic(4, 3, [16, 8], 7);
    const dir = join(tmp, 'm');
    savePolicyModel(dir, agent, 'CartPole-v1');
    const { agent: back, envId } = loadPolicyModel(dir);
    expect(envId).toBe('CartPole-v1');
    expect(back.params()).toEqual(agent.params());

    // tfjs reads the manifest and the binary as a browser would (tf.io.decodeWeights), then runs the MLP.
    await initBackend('cpu');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as PolicyModelJson;
    const bin = readFileSync(join(dir, 'weights.bin'));
    const w = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length), json.weightsManifest[0]!.weights);
    const obs = Float32Array.from([0.1, -0.3, 0.05, 0.2, -1, 0.5, 0.3, 0]);
    let h: tf.Tensor = tf.tensor2d(obs, [2, 4]);
    for (let i = 0; i < 3; i++) {
      h = tf.add(tf.matMul(h as tf.Tensor2D, w[`actor/dense_${i}/kernel`] as tf.Tensor2D), w[`actor/dense_${i}/bias`]!);
      if (i < 2) h = tf.tanh(h);
    }
    const tfLogits = h.dataSync();
    const jsLogits = agent.actor.forward(obs, 2);
    for (let i = 0; i < 6; i++) expect(tfLogits[i]).toBeCloseTo(jsLogits[i]!, 5);
  });

  it('the CNN round-trips with its topology, and tfjs conv2d → relu → flatten → matMul on the saved weights gives the same logits and value', async () => {
    const agent = new CnnActorCritic([6, 5, 3], [3, 2], [8, 5], [12], 4);
    const rng = new Rng(1);
    for (const p of agent.params()) p.forEach((_, i, a) => (a[i] += 0.2 * rng.normal())); // biases and heads away from their init
    const dir = join(tmp, 'cnn');
    savePolicyModel(dir, agent, 'KeyDoorTreasure-v0');
    const { agent: back, envId } = loadPolicyModel(dir);
    expect(envId).toBe('KeyDoorTreasure-v0');
    expect(back.kind).toBe('cnn');
    expect(back.params()).toEqual(agent.params());
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as PolicyModelJson;
    expect(json.modelTopology).toEqual({
      policy: 'cnn', obsShape: [6, 5, 3], nvec: [3, 2], channels: [8, 5], kernelSize: 3, strides: 1, padding: 'valid', hidden: [12],
      activation: 'relu', sharedTorso: true, envId: 'KeyDoorTreasure-v0',
    });
    expect(json.weightsManifest[0]!.weights.map((w) => `${w.name} ${w.shape.join('x')}`)).toEqual([
      'torso/conv_0/kernel 3x3x3x8', 'torso/conv_0/bias 8', 'torso/conv_1/kernel 3x3x8x5', 'torso/conv_1/bias 5',
      'torso/dense_0/kernel 10x12', 'torso/dense_0/bias 12', 'actor/head/kernel 12x5', 'actor/head/bias 5', 'critic/head/kernel 12x1', 'critic/head/bias 1',
    ]);

    await initBackend('cpu');
    const bin = readFileSync(join(dir, 'weights.bin'));
    const w = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length), json.weightsManifest[0]!.weights);
    const B = 3, obs = Float32Array.from({ length: B * 90 }, () => rng.normal());
    let h: tf.Tensor = tf.tensor4d(obs, [B, 6, 5, 3]);
    for (let i = 0; i < 2; i++) h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w[`torso/conv_${i}/kernel`] as tf.Tensor4D, 1, 'valid'), w[`torso/conv_${i}/bias`]!));
    h = tf.relu(tf.add(tf.matMul(tf.reshape(h, [B, -1]) as tf.Tensor2D, w['torso/dense_0/kernel'] as tf.Tensor2D), w['torso/dense_0/bias']!));
    const tfLogits = tf.add(tf.matMul(h as tf.Tensor2D, w['actor/head/kernel'] as tf.Tensor2D), w['actor/head/bias']!).dataSync();
    const tfValues = tf.add(tf.matMul(h as tf.Tensor2D, w['critic/head/kernel'] as tf.Tensor2D), w['critic/head/bias']!).dataSync();
    const values = new Float32Array(B);
    back.value(obs, B, values);
    for (let b = 0; b < B; b++) expect(values[b]).toBeCloseTo(tfValues[b]!, 4);
    // The logits, through greedy acting: per head, the argmax of tfjs's logits.
    const actions = new Int32Array(2 * B), logp = new Float32Array(B);
    back.act(obs, B, rng, actions, logp, null, true);
    for (let b = 0; b < B; b++) {
      const row = Array.from(tfLogits.subarray(b * 5, b * 5 + 5));
      const h1 = row.slice(0, 3), h2 = row.slice(3);
      expect([actions[2 * b], actions[2 * b + 1]]).toEqual([h1.indexOf(Math.max(...h1)), h2.indexOf(Math.max(...h2))]);
      const lse = (xs: number[]): number => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
      expect(logp[b]).toBeCloseTo(Math.max(...h1) - lse(h1) + Math.max(...h2) - lse(h2), 4);
    }
  });

  it('a truncated weights file is a clear error', () => {
    const dir = join(tmp, 'bad');
    savePolicyModel(dir, new ActorCritic(4, 2, [8], 1), 'CartPole-v1');
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(10));
    expect(() => loadPolicyModel(dir)).toThrow(/weights\.bin has 10 bytes, the model in model\.json needs \d+/);
  });
});
