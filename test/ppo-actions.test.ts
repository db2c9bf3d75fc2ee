import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Box, Discrete, MultiDiscrete, register, Rng,
  type Info, type ResetOptions, type ResetResult, type StepResult,
} from '../src/index.ts';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
import { PpoLoss, type Minibatch } from '../src/agents/ppo/loss.ts';
import { sampleCategorical } from '../src/agents/categorical.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { finiteDiff } from './support/finite-diff.ts';

/** Two-part target shown one-hot; reward 1 only when both parts of the MultiDiscrete action match it. */
class PairTargetEnv extends BaseEnv<Float32Array, Int32Array> {
  readonly actionSpace = new MultiDiscrete([3, 2]);
  readonly observationSpace = new Box(0, 1, [5]);
  private readonly obs = new Float32Array(5);
  private target = [0, 0];
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    this.target = [this.rng.integer(3), this.rng.integer(2)];
    this.obs.fill(0);
    this.obs[this.target[0]!] = 1;
    this.obs[3 + this.target[1]!] = 1;
    return { obs: this.obs, info: {} };
  }
  step(a: Int32Array): StepResult<Float32Array> {
    if (!this.actionSpace.contains(a)) this.invalidAction(a);
    const hit = a[0] === this.target[0] && a[1] === this.target[1];
    return { obs: this.obs, reward: hit ? 1 : 0, terminated: true, truncated: false, info: {} };
  }
}

/** Discrete(4) with a random allowed subset each step (info.action_mask); a masked action is an error. Reward 1 for action 3 when allowed, 0.2 otherwise. */
class MaskedEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(4);
  readonly observationSpace = new Box(0, 1, [4]);
  private readonly obs = new Float32Array(4);
  private mask = new Uint8Array(4);
  private t = 0;
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    this.t = 0;
    return { obs: this.draw(), info: { action_mask: this.mask } };
  }
  private draw(): Float32Array {
    this.mask = new Uint8Array(4);
    this.mask[this.rng.integer(3)] = 1; // one of 0..2 is always allowed
    if (this.rng.random() < 0.5) this.mask[3] = 1;
    this.obs.set(this.mask);
    return this.obs;
  }
  step(a: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(a)) this.invalidAction(a);
    if (!this.mask[a]) throw new Error(`MaskedEnv: action ${a} is masked`);
    const reward = a === 3 ? 1 : 0.2;
    const done = ++this.t >= 8;
    const info: Info = { action_mask: this.mask };
    return { obs: this.draw(), reward, terminated: false, truncated: done, info: done ? info : { action_mask: this.mask } };
  }
}

register('TestPairTarget-v0', () => new PairTargetEnv(), { maxEpisodeSteps: 5 });
register('TestMasked-v0', () => new MaskedEnv(), { maxEpisodeSteps: 8 });

describe('action heads and masks', () => {
  it('sampling never picks a masked action; greedy picks the best allowed one', () => {
    const logits = Float32Array.from([5, 1, 0, 2, /* head 2 */ 0, 3]);
    const mask = Uint8Array.from([0, 1, 1, 1, 1, 0]);
    const nvec = Int32Array.from([4, 2]);
    const actions = new Int32Array(2), logp = new Float32Array(1);
    const rng = new Rng(0);
    for (let i = 0; i < 500; i++) {
      sampleCategorical(logits, 1, nvec, rng, actions, logp, mask);
      expect(actions[0]).not.toBe(0);
      expect(actions[1]).toBe(0);
    }
    sampleCategorical(logits, 1, nvec, rng, actions, logp, mask, true);
    expect([...actions]).toEqual([3, 0]);
    // log π = log softmax over allowed logits of head 1 (1, 0, 2 → picks 2) + log 1 for head 2.
    const z = Math.exp(1) + Math.exp(0) + Math.exp(2);
    expect(logp[0]).toBeCloseTo(2 - Math.log(z), 5);
    expect(() => sampleCategorical(logits, 1, nvec, rng, actions, logp, Uint8Array.from([0, 0, 0, 0, 1, 1]))).toThrow(/allows no action/);
  });

  it('the multi-head, masked loss gradient matches finite differences', () => {
    const agent = new ActorCritic(4, [3, 2], [6], 5);
    const loss = new PpoLoss(agent);
    const rng = new Rng(3);
    const B = 12, L = 5;
    const masks = new Uint8Array(B * L).fill(1);
    for (let b = 0; b < B; b++) masks[b * L + rng.integer(3)] = 0; // one forbidden choice in head 1
    const actions = new Int32Array(B * 2);
    for (let b = 0; b < B; b++) {
      let a = rng.integer(3);
      while (!masks[b * L + a]) a = rng.integer(3);
      actions[b * 2] = a;
      actions[b * 2 + 1] = rng.integer(2);
    }
    const mb: Minibatch = {
      size: B, obs: Float32Array.from({ length: B * 4 }, () => rng.normal()), actions, masks,
      oldLogProbs: Float32Array.from({ length: B }, () => Math.log(1 / 4) + 0.3 * rng.normal()),
      advantages: Float32Array.from({ length: B }, () => rng.normal()),
      returns: Float32Array.from({ length: B }, () => rng.normal()), oldValues: new Float32Array(B),
    };
    const coefs = { clipCoef: 0.2, clipVloss: false, entCoef: 0.1, vfCoef: 0.5 };
    const params = agent.params();
    const grads = params.map((p) => new Float32Array(p.length));
    loss.run(mb, coefs, grads);
    // h = 1e-3: small enough not to cross the clip kinks of this batch.
    const checks = finiteDiff(params, grads, () => loss.run(mb, coefs, null).loss, 1e-3, 2);
    for (const { numeric, analytic } of checks) expect(Math.abs(numeric - analytic)).toBeLessThan(1e-4 + 0.01 * Math.abs(numeric));
  });

  it('PPO learns a MultiDiscrete task', async () => {
    const r = await trainPpo({ envId: 'TestPairTarget-v0', totalTimesteps: 12_288, numEnvs: 4, numSteps: 64, seed: 2, learningRate: 3e-3 }, { backend: 'cpu' });
    const ev = evaluatePolicy(r.agent, 'TestPairTarget-v0', { episodes: 60, seed: 7 });
    expect(ev.meanReturn).toBeGreaterThan(0.9); // random play: 1/6
  });

  it('PPO with actionMasks never takes a masked action and learns to prefer the best allowed one', async () => {
    const r = await trainPpo({ envId: 'TestMasked-v0', actionMasks: true, totalTimesteps: 8192, numEnvs: 4, numSteps: 64, seed: 1, learningRate: 3e-3 }, { backend: 'cpu' });
    const ev = evaluatePolicy(r.agent, 'TestMasked-v0', { episodes: 40, seed: 3, actionMasks: true });
    // Optimal: 1 when action 3 is allowed (half the steps), else 0.2 → about 0.6 × 8 = 4.8 per episode.
    expect(ev.meanReturn).toBeGreaterThan(4.3);
    await expect(trainPpo({ envId: 'TestMasked-v0', totalTimesteps: 8192, numEnvs: 4, numSteps: 64, seed: 1 }, { backend: 'cpu' })).rejects.toThrow(/is masked/);
  });
});
