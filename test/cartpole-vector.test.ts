import { describe, expect, it } from 'vitest';
import {
  AutoresetMode, Box, CartPoleVectorEnv, InvalidActionError, MultiDiscrete, ResetNeededError, Rng, SyncVectorEnv, make,
  type VectorEnv,
} from '../src/envs/index.ts';

const N = 6;

/** Balances from even sub-envs (episodes run to the 500-step truncation), random actions from odd ones. */
function policy(obs: Float32Array, rng: Rng, out: Int32Array): Int32Array {
  for (let i = 0; i < out.length; i++) {
    out[i] = i % 2 === 0 ? (obs[4 * i + 2]! + 0.5 * obs[4 * i + 3]! > 0 ? 1 : 0) : rng.integer(2);
  }
  return out;
}

/** Every number a run produces, step by step. */
function trace(env: VectorEnv<Float32Array, Int32Array>, steps: number): number[] {
  const rng = new Rng(99);
  const a = new Int32Array(env.numEnvs);
  const out: number[] = [];
  let obs = env.reset({ seed: 42 }).obs;
  out.push(...obs);
  for (let t = 0; t < steps; t++) {
    const r = env.step(policy(obs, rng, a));
    obs = r.obs;
    out.push(...r.obs, ...r.rewards, ...r.terminations, ...r.truncations);
    if (r.finalMask) out.push(...r.finalMask, ...r.finalObs!.filter((_, j) => r.finalMask![j >> 2] === 1));
  }
  return out;
}

const sync = (mode: AutoresetMode, id = 'CartPole-v1'): VectorEnv<Float32Array, Int32Array> =>
  new SyncVectorEnv(Array.from({ length: N }, () => () => make<Float32Array, number>(id)), { autoresetMode: mode }) as unknown as VectorEnv<Float32Array, Int32Array>;

describe('CartPoleVectorEnv', () => {
  it('has the batched CartPole spaces', () => {
    const v = new CartPoleVectorEnv(3);
    expect(v.actionSpace).toBeInstanceOf(MultiDiscrete);
    expect([...v.actionSpace.nvec]).toEqual([2, 2, 2]);
    expect(v.observationSpace).toBeInstanceOf(Box);
    expect(v.observationSpace.shape).toEqual([3, 4]);
    expect(v.metadata.autoresetMode).toBe('next_step');
    expect(v.observationSpace.contains(v.reset({ seed: 0 }).obs)).toBe(true);
  });

  for (const mode of [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]) {
    it(`is bit-identical to SyncVectorEnv over make('CartPole-v1') (${mode}, through terminations and 500-step truncations)`, () => {
      const native = trace(new CartPoleVectorEnv(N, { autoresetMode: mode }), 1200);
      const reference = trace(sync(mode), 1200);
      expect(native.length).toBe(reference.length);
      expect(native).toEqual(reference);
    });
  }

  it('counts truncations at 500 steps (v1) or maxEpisodeSteps', () => {
    const v = new CartPoleVectorEnv(1, { maxEpisodeSteps: 7 });
    v.reset({ seed: 1 });
    // alternating pushes keep the pole up for 7 steps
    for (let t = 1; t <= 7; t++) {
      const r = v.step(Int32Array.of(t % 2));
      expect(r.truncations[0]).toBe(t === 7 ? 1 : 0);
    }
    expect(trace(new CartPoleVectorEnv(N, { maxEpisodeSteps: 200 }), 450)).toEqual(trace(sync('next_step', 'CartPole-v0'), 450));
  });

  it('pays Sutton & Barto rewards when asked', () => {
    const v = new CartPoleVectorEnv(2, { suttonBartoReward: true });
    v.reset({ seed: 0 });
    let sum = 0, dones = 0;
    for (let t = 0; t < 40; t++) {
      const r = v.step(Int32Array.of(1, 1));
      sum += r.rewards[0]! + r.rewards[1]!;
      dones += r.terminations[0]! + r.terminations[1]!;
    }
    expect(sum).toBe(-dones);
    expect(dones).toBeGreaterThan(0);
  });

  it('rejects invalid actions naming the sub-env, and wrong-sized batches', () => {
    const v = new CartPoleVectorEnv(3);
    expect(() => v.step(Int32Array.of(0, 0, 0))).toThrow(ResetNeededError);
    v.reset({ seed: 0 });
    expect(() => v.step(Int32Array.of(0, 2, 0))).toThrow(InvalidActionError);
    expect(() => v.step(Int32Array.of(0, 2, 0))).toThrow('CartPoleVectorEnv: sub-env 1: action 2 is outside Discrete(2) (valid: 0..1)');
    expect(() => v.step(Int32Array.of(0, 1))).toThrow(/length 2, expected 3/);
    v.close();
    v.close();
    expect(() => v.reset()).toThrow(/after close/);
  });

  it('checks actions given as plain arrays exactly, and ignores (unchecked) the action of a next_step reset step', () => {
    const v = new CartPoleVectorEnv(2);
    v.reset({ seed: 0 });
    expect(() => v.step([0, 0.5] as unknown as Int32Array)).toThrow('CartPoleVectorEnv: sub-env 1: action 0.5 is not an integer');
    expect(() => v.step(Float64Array.of(2, 0) as unknown as Int32Array)).toThrow(/sub-env 0: action 2 is outside/);
    expect(() => v.step(Int32Array.of(0, -1))).toThrow(/sub-env 1: action -1 is outside/);
    expect([...v.elapsedSteps]).toEqual([0, 0]); // nothing was stepped
    expect([...v.step([1, 0] as unknown as Int32Array).rewards]).toEqual([1, 1]);
    // Push sub-env 0 right until it falls while sub-env 1 alternates (and stays up); then sub-env 0 resets
    // on the next step, which ignores its action, and checks it again after that.
    let t = 1;
    while (v.step(Int32Array.of(1, t++ % 2)).terminations[0] === 0) expect(t).toBeLessThan(100);
    expect(v.step(Int32Array.of(7, t++ % 2)).rewards[0]).toBe(0);
    expect(v.elapsedSteps[0]).toBe(0);
    expect(() => v.step(Int32Array.of(7, 0))).toThrow(/sub-env 0: action 7 is outside/);
  });

  it('does not allocate result objects per step', () => {
    const v = new CartPoleVectorEnv(4, { autoresetMode: 'same_step' });
    v.reset({ seed: 0 });
    const a = new Int32Array(4);
    const r = v.step(a);
    expect(v.step(a)).toBe(r);
    expect(v.step(a).obs).toBe(r.obs);
    expect(v.step(a).finalObs).toBe(r.finalObs);
  });
});
