import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BaseEnv, Box, make, MultiDiscrete, register, type ResetOptions, type ResetResult, type StepResult } from '../src/index.ts';
import { CnnActorCritic } from '../src/agents/ppo/agent.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { agentFromCheckpoint, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { PpoTrainer, trainPpo } from '../src/agents/ppo/ppo.ts';
import { loadCheckpoint } from '../src/agents/run/checkpoint.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rudder-ppo-cnn-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A 5×5 image with one lit cell (channel 0) and a noise channel; the action is the lit cell's (x, y) as a
 * MultiDiscrete([5, 5]); reward 1 on a hit. `info.action_mask` forbids one wrong x per step: choosing it is an error.
 */
class PointAtEnv extends BaseEnv<Float32Array, Int32Array> {
  readonly actionSpace = new MultiDiscrete([5, 5]);
  readonly observationSpace = new Box(0, 1, [5, 5, 2]);
  private readonly obs = new Float32Array(50);
  private target = [0, 0];
  private mask = new Uint8Array(10);
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    return { obs: this.draw(), info: { action_mask: this.mask } };
  }
  private draw(): Float32Array {
    this.target = [this.rng.integer(5), this.rng.integer(5)];
    this.obs.fill(0);
    for (let i = 0; i < 25; i++) this.obs[2 * i + 1] = this.rng.random() < 0.5 ? 1 : 0;
    this.obs[2 * (this.target[1]! * 5 + this.target[0]!)] = 1;
    this.mask = new Uint8Array(10).fill(1);
    this.mask[(this.target[0]! + 1 + this.rng.integer(4)) % 5] = 0;
    return this.obs;
  }
  step(a: Int32Array): StepResult<Float32Array> {
    if (!this.actionSpace.contains(a)) this.invalidAction(a);
    if (!this.mask[a[0]!]) throw new Error(`PointAt: x = ${a[0]} is masked`);
    const hit = a[0] === this.target[0] && a[1] === this.target[1];
    return { obs: this.draw(), reward: hit ? 1 : 0, terminated: true, truncated: false, info: { action_mask: this.mask } };
  }
}
register('TestPointAt-v0', () => new PointAtEnv(), { maxEpisodeSteps: 5 });

/** KeyDoorTreasure 5×5 as an image, with a 50-step horizon so that random play rarely succeeds. */
const KDT5 = { size: 5, observation: 'image', maxSteps: 50 } as const;

describe('PPO config: policy', () => {
  it("defaults to 'mlp' with CNN channels [16, 32]; other policies are rejected naming the field", () => {
    expect(parsePpoConfig({})).toMatchObject({ policy: 'mlp', cnnChannels: [16, 32], hidden: [64, 64] });
    expect(parsePpoConfig({ policy: 'cnn' }).policy).toBe('cnn');
    expect(() => parsePpoConfig({ policy: 'rnn' }, 'run.json')).toThrow(/run\.json is invalid:\n\s+- policy: Invalid option: expected one of "mlp"\|"cnn"/);
    expect(() => parsePpoConfig({ cnnChannels: [] })).toThrow(/cnnChannels: /);
  });

  it('the CNN needs an [H, W, C] float32 Box, and says how to get one', async () => {
    await expect(trainPpo({ policy: 'cnn', totalTimesteps: 512 }, { backend: 'cpu' })).rejects.toThrow(/CartPole-v1: PPO's CNN policy needs an image observation, a float32 Box of shape \[H, W, C\], got Box/);
    await expect(trainPpo({ envId: 'KeyDoorTreasure-v0', policy: 'cnn', totalTimesteps: 512 }, { backend: 'cpu' })).rejects.toThrow(/pass envKwargs \{ "observation": "image" \}/);
    await expect(trainPpo({ envId: 'KeyDoorTreasure-v0', envKwargs: { observation: 'image' }, totalTimesteps: 512 }, { backend: 'cpu' })).rejects.toThrow(/MLP policy needs a flat float32 Box .*or use policy "cnn"/);
    await expect(trainPpo({ envId: 'KeyDoorTreasure-v0', envKwargs: KDT5, policy: 'cnn', cnnChannels: [8, 8, 8], totalTimesteps: 512 }, { backend: 'cpu' })).rejects.toThrow(/KeyDoorTreasure-v0: Cnn: an image of 5×5 is too small for 3 unpadded 3×3 convolutions/);
  });

  it('builds the CNN actor-critic with orthogonal gains √2 / 0.01 / 1.0 and zero biases, seeded', () => {
    const a = new CnnActorCritic([5, 5, 13], 5, [16, 32], [64], 3);
    const colNorm = (w: Float32Array, rows: number, cols: number, c: number): number => Math.sqrt(Array.from({ length: rows }, (_, r) => w[r * cols + c]! ** 2).reduce((x, y) => x + y, 0));
    const [c0, c1] = a.net.convs;
    expect(colNorm(c0!.w, 117, 16, 3)).toBeCloseTo(Math.SQRT2, 5); // 117 × 16: orthonormal columns × √2
    expect(colNorm(c1!.w, 144, 32, 7)).toBeCloseTo(Math.SQRT2, 5);
    expect(colNorm(a.net.actorHead.w, 64, 5, 2)).toBeCloseTo(0.01, 6);
    expect(colNorm(a.net.criticHead.w, 64, 1, 0)).toBeCloseTo(1, 5);
    expect(a.paramShapes()).toEqual([[3, 3, 13, 16], [16], [3, 3, 16, 32], [32], [32, 64], [64], [64, 5], [5], [64, 1], [1]]);
    for (const [i, p] of a.params().entries()) if (i % 2 === 1) expect(p.every((v) => v === 0)).toBe(true);
    expect(new CnnActorCritic([5, 5, 13], 5, [16, 32], [64], 3).params()).toEqual(a.params());
  });
});

describe('PPO with the CNN policy', () => {
  it('is deterministic for a seed', async () => {
    const cfg = { envId: 'KeyDoorTreasure-v0', envKwargs: KDT5, policy: 'cnn' as const, totalTimesteps: 2048, numEnvs: 4, numSteps: 64, seed: 5 };
    const a = await trainPpo(cfg, { backend: 'cpu' });
    const b = await trainPpo(cfg, { backend: 'cpu' });
    expect(a.episodes.length).toBeGreaterThan(10);
    expect(b.episodes).toEqual(a.episodes);
    expect(b.agent.params()).toEqual(a.agent.params());
  });

  it('MultiDiscrete heads and action masks: never takes a masked action and learns to point at the lit cell', async () => {
    const r = await trainPpo({ envId: 'TestPointAt-v0', policy: 'cnn', actionMasks: true, hidden: [64], totalTimesteps: 49_152, numEnvs: 8, numSteps: 64, seed: 1, learningRate: 2.5e-3 }, { backend: 'cpu' });
    const ev = evaluatePolicy(r.agent, 'TestPointAt-v0', { episodes: 100, seed: 3, actionMasks: true });
    expect(ev.meanReturn).toBeGreaterThan(0.8); // random play: 1/25 (1/20 with the mask); this run: 1.0
  });

  it('a checkpoint round trip reproduces the next update bit for bit; agentFromCheckpoint rebuilds the CNN', async () => {
    const dir = join(tmp, 'roundtrip');
    const small = { envId: 'KeyDoorTreasure-v0', envKwargs: KDT5, policy: 'cnn' as const, numEnvs: 2, numSteps: 64, numMinibatches: 2, updateEpochs: 2, seed: 3, totalTimesteps: 3 * 128 };
    const a = await PpoTrainer.create(small, { backend: 'cpu', runDir: dir, checkpointEvery: 1 });
    await a.train();
    a.close();
    const b = await PpoTrainer.create(small, { backend: 'cpu', hooks: { onIteration: (s) => s.iteration < 2 } });
    await b.train();
    const restored = await PpoTrainer.create({}, { backend: 'cpu', runDir: dir, resume: 'iter-0000002' });
    expect(restored.agent.kind).toBe('cnn');
    expect(restored.agent.params()).toEqual(b.agent.params());
    for (const k of Object.keys(b.buf) as (keyof typeof b.buf)[]) (restored.buf[k] as Float32Array | null)?.set(b.buf[k] as Float32Array);
    restored.adam.lr = b.adam.lr;
    expect(restored.update()).toEqual(b.update());
    expect(restored.agent.params()).toEqual(b.agent.params());
    b.close();
    restored.close();

    const ck = loadCheckpoint<PpoCheckpointState>(dir);
    expect(ck.state.obsShape).toEqual([5, 5, 13]);
    const agent = agentFromCheckpoint(ck.state, ck.tensors, ck.label);
    expect(agent.kind).toBe('cnn');
    expect(agent.params().map((p, i) => p.every((v, j) => v === ck.tensors[`param/${i}`]![j]))).not.toContain(false);
    // A checkpoint of the CNN does not resume as an MLP.
    await expect(PpoTrainer.create({ policy: 'mlp' }, { backend: 'cpu', runDir: dir, resume: true })).rejects.toThrow(/cannot resume .* with policy = "mlp": the checkpoint was trained with "cnn"/);
  });

  it('learns KeyDoorTreasure-v0 5×5 from the image: greedy success far above random play (fixed seed)', async () => {
    // Random play succeeds in ~2 % of these 50-step episodes; this run reaches ~100 % greedy success in ~3 s.
    const env = make<Float32Array, number>('KeyDoorTreasure-v0', KDT5);
    env.actionSpace.seed(0);
    let wins = 0;
    for (let e = 0; e < 500; e++) {
      env.reset({ seed: 9_000 + e });
      for (;;) {
        const s = env.step(env.actionSpace.sample());
        if (s.terminated) wins++;
        if (s.terminated || s.truncated) break;
      }
    }
    const random = wins / 500;
    expect(random).toBeLessThan(0.1);

    const r = await trainPpo({
      envId: 'KeyDoorTreasure-v0', envKwargs: { ...KDT5, reward: 'shaped' }, policy: 'cnn', hidden: [64],
      numEnvs: 8, numSteps: 128, totalTimesteps: 102_400, learningRate: 2.5e-3, seed: 1,
    }, { backend: 'cpu' });
    const ev = evaluatePolicy(r.agent, 'KeyDoorTreasure-v0', { episodes: 100, seed: 77, kwargs: KDT5 });
    const success = ev.returns.filter((x) => x > 0).length / 100;
    expect(success).toBeGreaterThan(0.6);
    expect(success).toBeGreaterThan(random + 0.5);
  });
});
