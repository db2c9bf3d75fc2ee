import { describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { orthogonal } from '../src/agents/nets/orthogonal.ts';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { PpoLoss, type Minibatch } from '../src/agents/ppo/loss.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { Adam, clipScale } from '../src/agents/adam.ts';
import { finiteDiff } from './support/finite-diff.ts';

describe('PPO config', () => {
  it("defaults are CleanRL ppo.py's", () => {
    const c = parsePpoConfig({});
    expect(c).toMatchObject({
      envId: 'CartPole-v1', totalTimesteps: 500_000, learningRate: 2.5e-4, numEnvs: 4, numSteps: 128, annealLr: true,
      gamma: 0.99, gaeLambda: 0.95, numMinibatches: 4, updateEpochs: 4, normAdv: true, clipCoef: 0.2, clipVloss: true,
      entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5, targetKl: null, hidden: [64, 64],
    });
  });

  it('bad configs are rejected naming the field and the expected type', () => {
    expect(() => parsePpoConfig({ numEnvs: 'four' }, 'run.json')).toThrow(/run\.json is invalid:\n.*numEnvs: .*expected number/);
    expect(() => parsePpoConfig({ clipCoef: -1 })).toThrow(/clipCoef: .*>0/);
    expect(() => parsePpoConfig({ lerningRate: 1e-3 })).toThrow(/Unrecognized key: "lerningRate"/);
    expect(() => parsePpoConfig({ numEnvs: 3, numSteps: 5, numMinibatches: 4 })).toThrow(/15 must be divisible by numMinibatches = 4/);
    expect(() => parsePpoConfig({ rewardScale: 0 })).toThrow(/rewardScale: .*>0/);
  });
});

describe('initialisation', () => {
  it('orthogonal(rows, cols, gain) has orthonormal columns (or rows) scaled by gain', () => {
    for (const [r, c, g] of [[8, 3, Math.SQRT2], [3, 8, 0.01], [6, 6, 1]] as const) {
      const w = orthogonal(r, c, g, new Rng(0));
      // W^T W = g² I when r ≥ c, W W^T = g² I otherwise.
      const k = Math.min(r, c);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          let dot = 0;
          for (let t = 0; t < Math.max(r, c); t++) dot += r >= c ? w[t * c + i]! * w[t * c + j]! : w[i * c + t]! * w[j * c + t]!;
          expect(dot).toBeCloseTo(i === j ? g * g : 0, 5);
        }
      }
    }
  });

  it('actor-critic: √2 hidden gains, 0.01 policy head, 1.0 value head, zero biases, seeded', () => {
    const a = new ActorCritic(4, 2, [64, 64], 3);
    const colNorm = (w: Float32Array, rows: number, cols: number, c: number): number => Math.sqrt(Array.from({ length: rows }, (_, r) => w[r * cols + c]! ** 2).reduce((x, y) => x + y, 0));
    // Hidden 64×64: orthonormal columns × √2. Heads: 64×2 and 64×1 have orthonormal columns × gain.
    expect(colNorm(a.actor.layers[1]!.w, 64, 64, 5)).toBeCloseTo(Math.SQRT2, 5);
    expect(colNorm(a.actor.layers[2]!.w, 64, 2, 1)).toBeCloseTo(0.01, 6);
    expect(colNorm(a.critic.layers[2]!.w, 64, 1, 0)).toBeCloseTo(1, 5);
    // 4×64 input layer: rows orthonormal × √2.
    const w0 = a.actor.layers[0]!.w;
    expect(Math.sqrt(Array.from({ length: 64 }, (_, c) => w0[c]! ** 2).reduce((x, y) => x + y, 0))).toBeCloseTo(Math.SQRT2, 5);
    for (const l of [...a.actor.layers, ...a.critic.layers]) expect(l.b.every((v) => v === 0)).toBe(true);
    expect(new ActorCritic(4, 2, [64, 64], 3).params()).toEqual(a.params());
    expect(new ActorCritic(4, 2, [64, 64], 4).params()[0]).not.toEqual(a.params()[0]);
  });
});

describe('loss and optimizer', () => {
  it('the clipped surrogate gives no policy gradient once the ratio leaves [1−ε, 1+ε] in the advantage direction', () => {
    const agent = new ActorCritic(3, 2, [8], 0);
    const loss = new PpoLoss(agent);
    const obs = Float32Array.from([0.1, -0.2, 0.3]);
    const logits = agent.actor.forward(obs, 1);
    const logp0 = logits[0]! - Math.log(Math.exp(logits[0]!) + Math.exp(logits[1]!));
    const mb = (oldLogp: number, adv: number): Minibatch => ({
      size: 1, obs, actions: Int32Array.from([0]), masks: null, oldLogProbs: Float32Array.from([oldLogp]),
      advantages: Float32Array.from([adv]), returns: Float32Array.from([0]), oldValues: Float32Array.from([0]),
    });
    const grads = agent.params().map((p) => new Float32Array(p.length));
    const coefs = { clipCoef: 0.2, clipVloss: true, entCoef: 0, vfCoef: 0 };
    const actorGradNorm = (): number => clipScale(grads.slice(0, 4), 1e9).norm;
    // ratio = e^{0.5} ≈ 1.65 > 1.2 with A > 0: clipped, zero policy gradient, clipfrac 1.
    let s = loss.run(mb(logp0 - 0.5, 1), coefs, grads);
    expect(actorGradNorm()).toBe(0);
    expect(s.clipFrac).toBe(1);
    expect(s.policyLoss).toBeCloseTo(-1.2, 5);
    // Same ratio with A < 0: the unclipped term is the max, so the gradient flows.
    s = loss.run(mb(logp0 - 0.5, -1), coefs, grads);
    expect(actorGradNorm()).toBeGreaterThan(0);
    expect(s.policyLoss).toBeCloseTo(Math.exp(0.5), 4);
    // ratio = 1: loss −A, approx-KL 0.
    s = loss.run(mb(logp0, 2), coefs, grads);
    expect(s.policyLoss).toBeCloseTo(-2, 5);
    expect(s.approxKl).toBeCloseTo(0, 6);
  });

  it('the fused gradient matches finite differences of the loss (all terms, clipping active on some samples)', () => {
    const agent = new ActorCritic(4, 3, [6, 5], 11);
    const loss = new PpoLoss(agent);
    const rng = new Rng(2);
    const B = 16;
    const mb: Minibatch = {
      size: B,
      obs: Float32Array.from({ length: B * 4 }, () => rng.normal()),
      actions: Int32Array.from({ length: B }, () => rng.integer(3)),
      masks: null, oldLogProbs: Float32Array.from({ length: B }, () => Math.log(1 / 3) + 0.4 * rng.normal()),
      advantages: Float32Array.from({ length: B }, () => rng.normal()),
      returns: Float32Array.from({ length: B }, () => rng.normal()),
      oldValues: Float32Array.from({ length: B }, () => 0.3 * rng.normal()),
    };
    const coefs = { clipCoef: 0.2, clipVloss: true, entCoef: 0.05, vfCoef: 0.5 };
    const params = agent.params();
    const grads = params.map((p) => new Float32Array(p.length));
    const base = loss.run(mb, coefs, grads);
    expect(base.clipFrac).toBeGreaterThan(0); // some samples are clipped, so both branches are exercised
    // h = 1e-2: kinks (clip boundaries) can sit inside ±h, and float32 parameters limit precision.
    const checks = finiteDiff(params, grads, () => loss.run(mb, coefs, null).loss, 1e-2, 3);
    for (const { numeric, analytic } of checks) expect(Math.abs(numeric - analytic)).toBeLessThan(2e-3 + 0.05 * Math.abs(numeric));
    expect(checks.length).toBeGreaterThan(40);
  });

  it('Adam matches a hand-computed first step and global-norm clipping scales to maxNorm', () => {
    const p = [Float32Array.from([1, -1])];
    const adam = new Adam(p, 0.1, 0.9, 0.999, 1e-5);
    adam.update([Float32Array.from([0.5, -2])]);
    // Step 1: m̂ = g, v̂ = g², update = lr·g/(|g| + eps) ≈ lr·sign(g).
    expect(p[0]![0]).toBeCloseTo(1 - 0.1 * 0.5 / (0.5 + 1e-5), 6);
    expect(p[0]![1]).toBeCloseTo(-1 + 0.1 * 2 / (2 + 1e-5), 6);
    const g = [Float32Array.from([3, 4])];
    const { scale, norm } = clipScale(g, 0.5);
    expect(norm).toBeCloseTo(5, 6);
    expect(scale * norm).toBeCloseTo(0.5, 5);
    expect(clipScale([Float32Array.from([0.1])], 0.5).scale).toBe(1);
  });
});

describe('trainPpo', () => {
  it('is deterministic for a seed: same episodes, same curve', async () => {
    const cfg = { totalTimesteps: 2048, seed: 5, numEnvs: 4, numSteps: 64 };
    const a = await trainPpo(cfg, { backend: 'cpu' });
    const b = await trainPpo(cfg, { backend: 'cpu' });
    expect(a.episodes.length).toBeGreaterThan(10);
    expect(b.episodes).toEqual(a.episodes);
    expect(b.agent.params()).toEqual(a.agent.params());
  });

  it('learns CartPole-v1: mean return of the last 20 episodes > 150 within 40k steps (fixed seed)', async () => {
    const r = await trainPpo({ totalTimesteps: 40_960, seed: 1 });
    const last = r.episodes.slice(-20);
    const mean = last.reduce((s, e) => s + e.return, 0) / last.length;
    expect(r.globalStep).toBe(40_960);
    expect(mean).toBeGreaterThan(150);
  });
});

describe('reward-redistribution seam', () => {
  it('mixes A = c·A_env + (1 − c)·(q·RR + (1 − q)·A_env)', async () => {
    const { mixAdvantage } = await import('rudder-ts/agents');
    expect(mixAdvantage(2, 10, 1, 0.5)).toBeCloseTo(6, 12);
    expect(mixAdvantage(2, 10, 0, 0.5)).toBeCloseTo(2, 12);
    expect(mixAdvantage(2, 10, 0.5, 0)).toBeCloseTo(6, 12);
  });

  it('sees every rollout in order; q = 0 changes nothing, q = 1 changes the update', async () => {
    const { trainPpo } = await import('rudder-ts/agents');
    const cfg = { totalTimesteps: 1024, seed: 9, numEnvs: 2, numSteps: 128 };
    const plain = await trainPpo(cfg, { backend: 'cpu' });
    const seen: number[] = [];
    const inert = await trainPpo(cfg, {
      backend: 'cpu',
      redistribution: {
        name: 'inert',
        redistribute: (r, rr, q) => {
          seen.push(r.globalStep);
          expect(r.numSteps * r.numEnvs).toBe(rr.length);
          expect(r.obs.length).toBe(rr.length * r.obsDim);
          // CartPole pays 1 on every real step; autoreset steps are marked invalid.
          for (let k = 0; k < rr.length; k++) if (r.valid[k]) expect(r.rewards[k]).toBe(1);
          rr.fill(123);
          q.fill(0);
        },
      },
    });
    expect(seen).toEqual([256, 512, 768, 1024]);
    expect(inert.agent.params()).toEqual(plain.agent.params());
    const used = await trainPpo(cfg, { backend: 'cpu', redistribution: { name: 'const', redistribute: (_r, rr, q) => { rr.fill(1); q.fill(1); } } });
    expect(used.agent.params()[0]).not.toEqual(plain.agent.params()[0]);
  });

  it('rewardScale multiplies the reward GAE sees (as a trusted RR of s·r would), not what a redistributor or the episode log sees', async () => {
    const cfg = { totalTimesteps: 1024, seed: 9, numEnvs: 2, numSteps: 128 };
    const plain = await trainPpo(cfg, { backend: 'cpu' });
    expect((await trainPpo({ ...cfg, rewardScale: 1 }, { backend: 'cpu' })).agent.params()).toEqual(plain.agent.params());
    const asRr = await trainPpo(cfg, { backend: 'cpu', redistribution: { name: 'x3', mode: 'reward', redistribute: (r, rr, q) => { r.rewards.forEach((x, k) => (rr[k] = 3 * x)); q.fill(1); } } });
    const seen: number[] = [];
    const scaled = await trainPpo({ ...cfg, rewardScale: 3 }, {
      backend: 'cpu',
      redistribution: { name: 'watch', redistribute: (r, _rr, q) => { for (let k = 0; k < r.rewards.length; k++) if (r.valid[k]) seen.push(r.rewards[k]!); q.fill(0); } },
    });
    expect(scaled.agent.params()).toEqual(asRr.agent.params());
    expect(scaled.agent.params()[0]).not.toEqual(plain.agent.params()[0]);
    expect(new Set(seen)).toEqual(new Set([1])); // CartPole's own reward
    expect(scaled.episodes.every((e) => e.return === e.length)).toBe(true);
  });

  it("mode 'reward' replaces the reward before GAE by q·RR + (1 − q)·r", async () => {
    const cfg = { totalTimesteps: 1024, seed: 9, numEnvs: 2, numSteps: 128 };
    const plain = await trainPpo(cfg, { backend: 'cpu' });
    const withReward = (f: (r: number) => number, qv: number) => trainPpo(cfg, {
      backend: 'cpu',
      redistribution: { name: 'test', mode: 'reward', redistribute: (r, rr, q) => { r.rewards.forEach((x, k) => (rr[k] = f(x))); q.fill(qv); } },
    });
    // RR equal to the reward, fully trusted: r' = r, the very same training; so is any RR at q = 0.
    expect((await withReward((x) => x, 1)).agent.params()).toEqual(plain.agent.params());
    expect((await withReward((x) => 5 * x + 1, 0)).agent.params()).toEqual(plain.agent.params());
    // A different RR, trusted, changes the update; and no advantage mixing happens on top of it.
    expect((await withReward((x) => 2 * x, 1)).agent.params()[0]).not.toEqual(plain.agent.params()[0]);
  });
});
