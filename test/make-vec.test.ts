import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Box, CartPoleVectorEnv, Discrete, RewardWrapper, SyncVectorEnv, UnknownEnvError, makeVec, register, spec, unregister,
  type ResetOptions, type ResetResult, type StepResult,
} from '../src/envs/index.ts';

class DoubleReward<O, A> extends RewardWrapper<O, A> {
  reward(r: number): number {
    return 2 * r;
  }
}

class ConstEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 1, [1], 'float32');
  constructor(readonly value: number) {
    super();
  }
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    return { obs: Float32Array.of(this.value), info: {} };
  }
  step(): StepResult<Float32Array> {
    return { obs: Float32Array.of(this.value), reward: 1, terminated: false, truncated: false, info: {} };
  }
}

describe('makeVec', () => {
  it('uses the native vector env of CartPole by default, with the spec and its time limit', () => {
    const v = makeVec('CartPole-v1', 4);
    expect(v).toBeInstanceOf(CartPoleVectorEnv);
    expect(v.numEnvs).toBe(4);
    expect(v.spec).toBe(spec('CartPole-v1'));
    expect((v as CartPoleVectorEnv).maxEpisodeSteps).toBe(500);
    expect((makeVec('CartPole-v0', 2) as CartPoleVectorEnv).maxEpisodeSteps).toBe(200);
    expect(makeVec('CartPole-v1', 2, { autoresetMode: 'same_step' }).metadata.autoresetMode).toBe('same_step');
  });

  it('builds a SyncVectorEnv in sync mode or when wrappers are given, applying the wrappers', () => {
    const plain = makeVec('CartPole-v1', 3, { vectorizationMode: 'sync' });
    expect(plain).toBeInstanceOf(SyncVectorEnv);
    expect(plain.spec?.id).toBe('CartPole-v1');
    const wrapped = makeVec<Float32Array, Int32Array>('CartPole-v1', 2, { wrappers: [(e) => new DoubleReward(e)] });
    expect(wrapped).toBeInstanceOf(SyncVectorEnv);
    wrapped.reset({ seed: 0 });
    expect([...wrapped.step(Int32Array.of(0, 1)).rewards]).toEqual([2, 2]);
    expect(() => makeVec('CartPole-v1', 2, { vectorizationMode: 'vector_entry_point', wrappers: [(e) => e] })).toThrow(/wrappers need vectorizationMode "sync"/);
  });

  it('passes kwargs to the sub-envs in every mode', () => {
    for (const vectorizationMode of ['sync', 'vector_entry_point'] as const) {
      const v = makeVec<Float32Array, Int32Array>('CartPole-v1', 2, { vectorizationMode, kwargs: { suttonBartoReward: true } });
      v.reset({ seed: 0 });
      expect([...v.step(Int32Array.of(0, 0)).rewards]).toEqual([0, 0]);
    }
    register('Const-v0', (kw) => new ConstEnv(kw.value as number), { kwargs: { value: 0.25 } });
    try {
      const v = makeVec<Float32Array, Int32Array>('Const-v0', 2, { kwargs: { value: 0.5 } });
      expect([...v.reset().obs]).toEqual([0.5, 0.5]);
      expect([...makeVec<Float32Array, Int32Array>('Const-v0', 1).reset().obs]).toEqual([0.25]);
    } finally {
      unregister('Const-v0');
    }
  });

  it('gives native and sync modes the same trajectories for the same seed', () => {
    const run = (mode: 'sync' | 'vector_entry_point'): number[] => {
      const v = makeVec<Float32Array, Int32Array>('CartPole-v1', 3, { vectorizationMode: mode });
      const out = [...v.reset({ seed: 5 }).obs];
      for (let t = 0; t < 100; t++) out.push(...v.step(Int32Array.of(t % 2, (t >> 1) % 2, 1)).obs);
      return out;
    };
    expect(run('vector_entry_point')).toEqual(run('sync'));
  });

  it('explains bad options', () => {
    expect(() => makeVec('CartPole-v1', 0)).toThrow(/numEnvs must be a positive integer/);
    expect(() => makeVec('CartPole-v1', 2, { vectorizationMode: 'async' as never })).toThrow(/vectorizationMode "async"/);
    expect(() => makeVec('CartPole-v1', 2, { modules: ['/x.ts'] })).toThrow(/modules are imported by worker threads only/);
    expect(() => makeVec('CartPole-v1', 2, { vectorizationMode: 'threads', wrappers: [(e) => e] })).toThrow(/cannot cross into worker threads/);
    expect(() => makeVec('CartPol-v1', 2)).toThrow(UnknownEnvError);
    expect(() => makeVec('CartPole-v1', 2, { autoresetMode: 'never' as never })).toThrow(/autoresetMode "never"/);
  });
});
