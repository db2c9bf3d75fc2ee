import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../src/agents/backend.ts';
import { ActorCritic, CnnActorCritic } from '../src/agents/ppo/agent.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { loadLayersPolicy, loadPolicyModel, savePolicyModel, type PolicyModelJson } from '../src/agents/run/model-io.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rudder-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('wasm'); // the default after `npm ci`
});

/** Move every parameter off its init (zero biases, tiny heads) so a swapped or misread weight shows. */
function perturb(params: Float32Array[], seed: number): void {
  const rng = new Rng(seed);
  for (const p of params) p.forEach((_, i, a) => (a[i] += 0.2 * rng.normal()));
}

/** tfjs-layers' `[logits, value]` for a batch. */
function predict(model: Awaited<ReturnType<typeof loadLayersPolicy>>, obs: Float32Array, shape: number[]): { logits: Float32Array; value: Float32Array } {
  const out = model.predict(tf.tensor(obs, shape)) as tf.Tensor[];
  return { logits: out[0]!.dataSync() as Float32Array, value: out[1]!.dataSync() as Float32Array };
}

describe('policy model as a tfjs Layers model', () => {
  it('MLP (MultiDiscrete heads): round-trips into our agent, and tf.loadLayersModel on the same files computes the same logits and value', async () => {
    const agent = new ActorCritic(4, [3, 2], [16, 8], 7);
    perturb(agent.params(), 1);
    const dir = join(tmp, 'm');
    await savePolicyModel(dir, agent, 'CartPole-v1');
    const { agent: back, envId } = loadPolicyModel(dir);
    expect(envId).toBe('CartPole-v1');
    expect(back.params()).toEqual(agent.params());

    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as PolicyModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.userDefinedMetadata?.rudder.topology).toEqual({ policy: 'mlp', obsDim: 4, nvec: [3, 2], hidden: [16, 8], activation: 'tanh', envId: 'CartPole-v1' });

    const model = await loadLayersPolicy(dir);
    expect(model.inputs[0]!.shape).toEqual([null, 4]);
    expect(model.outputs.map((o) => o.shape)).toEqual([[null, 5], [null, 1]]);
    const B = 3, obs = Float32Array.from({ length: B * 4 }, (_, i) => Math.sin(i + 1));
    const tfOut = predict(model, obs, [B, 4]);
    const logits = agent.actor.forward(obs, B), value = agent.critic.forward(obs, B);
    for (let i = 0; i < B * 5; i++) expect(tfOut.logits[i]).toBeCloseTo(logits[i]!, 5);
    for (let i = 0; i < B; i++) expect(tfOut.value[i]).toBeCloseTo(value[i]!, 5);
    model.dispose();
  });

  it('CNN: tf.loadLayersModel computes the same logits and value as the fused kernels', async () => {
    const agent = new CnnActorCritic([6, 5, 3], [3, 2], [8, 5], [12], 4);
    perturb(agent.params(), 2);
    const dir = join(tmp, 'cnn');
    await savePolicyModel(dir, agent, 'KeyDoorTreasure-v0');
    const { agent: back, envId } = loadPolicyModel(dir);
    expect(envId).toBe('KeyDoorTreasure-v0');
    expect(back.kind).toBe('cnn');
    expect(back.params()).toEqual(agent.params());
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as PolicyModelJson;
    expect(json.weightsManifest[0]!.weights.map((w) => `${w.name} ${w.shape.join('x')}`).sort()).toEqual([
      'actor_head/bias 5', 'actor_head/kernel 12x5', 'critic_head/bias 1', 'critic_head/kernel 12x1', 'torso_conv_0/bias 8', 'torso_conv_0/kernel 3x3x3x8',
      'torso_conv_1/bias 5', 'torso_conv_1/kernel 3x3x8x5', 'torso_dense_0/bias 12', 'torso_dense_0/kernel 10x12',
    ]);

    const model = await loadLayersPolicy(dir);
    const rng = new Rng(3);
    const B = 3, obs = Float32Array.from({ length: B * 90 }, () => rng.normal());
    const tfOut = predict(model, obs, [B, 6, 5, 3]);
    const values = new Float32Array(B);
    back.value(obs, B, values);
    for (let b = 0; b < B; b++) expect(values[b]).toBeCloseTo(tfOut.value[b]!, 4);
    // The logits, through greedy acting: per head, the argmax of tfjs's logits and its log-probability.
    const actions = new Int32Array(2 * B), logp = new Float32Array(B);
    back.act(obs, B, rng, actions, logp, null, true);
    const lse = (xs: number[]): number => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));
    for (let b = 0; b < B; b++) {
      const row = Array.from(tfOut.logits.subarray(b * 5, b * 5 + 5));
      const h1 = row.slice(0, 3), h2 = row.slice(3);
      expect([actions[2 * b], actions[2 * b + 1]]).toEqual([h1.indexOf(Math.max(...h1)), h2.indexOf(Math.max(...h2))]);
      expect(logp[b]).toBeCloseTo(Math.max(...h1) - lse(h1) + Math.max(...h2) - lse(h2), 4);
    }
    model.dispose();
  });

  it('still loads a version-1 model (written before tfjs-layers)', () => {
    const agent = new ActorCritic(4, 2, [8], 5);
    perturb(agent.params(), 3);
    const dir = join(tmp, 'v1');
    mkdirSync(dir);
    const names = ['actor/dense_0', 'actor/dense_1', 'critic/dense_0', 'critic/dense_1'].flatMap((l) => [`${l}/kernel`, `${l}/bias`]);
    const shapes = agent.paramShapes();
    writeFileSync(join(dir, 'model.json'), JSON.stringify({
      format: 'rudder-actor-critic', version: 1, modelTopology: { policy: 'mlp', obsDim: 4, nvec: [2], hidden: [8], activation: 'tanh', envId: 'CartPole-v1' },
      weightsManifest: [{ paths: ['weights.bin'], weights: names.map((name, i) => ({ name, shape: shapes[i], dtype: 'float32' })) }],
    }));
    const flat = new Float32Array(agent.params().reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of agent.params()) (flat.set(p, off), (off += p.length));
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(flat.buffer));
    expect(loadPolicyModel(dir).agent.params()).toEqual(agent.params());
  });

  it('bad files are clear errors', async () => {
    const dir = join(tmp, 'bad');
    await savePolicyModel(dir, new ActorCritic(4, 2, [8], 1), 'CartPole-v1');
    const good = readFileSync(join(dir, 'model.json'), 'utf8');
    writeFileSync(join(dir, 'weights.bin'), Buffer.alloc(10));
    expect(() => loadPolicyModel(dir)).toThrow(/weights\.bin has 10 bytes, the model in model\.json needs \d+/);
    writeFileSync(join(dir, 'model.json'), '{"modelTopology": {}, "weightsManifest": []}');
    expect(() => loadPolicyModel(dir)).toThrow(/is not a rudder actor-critic model/);
    writeFileSync(join(dir, 'model.json'), good.slice(0, 50));
    expect(() => loadPolicyModel(dir)).toThrow(/model\.json is not valid JSON/);
    expect(() => loadPolicyModel(join(tmp, 'nowhere'))).toThrow(/has no model\.json/);
  });
});
