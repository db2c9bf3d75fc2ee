import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/agents/backend.ts';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
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

  it('a truncated weights file is a clear error', () => {
    const dir = join(tmp, 'bad');
    savePolicyModel(dir, new ActorCritic(4, 2, [8], 1), 'CartPole-v1');
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(10));
    expect(() => loadPolicyModel(dir)).toThrow(/weights\.bin has 10 bytes, the model in model\.json needs \d+/);
  });
});
