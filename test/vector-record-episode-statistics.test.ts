import { describe, expect, it } from 'vitest';
import {
  AutoresetMode, BaseEnv, Box, CartPoleVectorEnv, Discrete, SyncVectorEnv, VectorRecordEpisodeStatistics,
  type ResetOptions, type ResetResult, type StepResult,
} from '../src/envs/index.ts';

/** Episodes of exactly `k` steps with reward t on step t (return k(k+1)/2). */
class FixedEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 100, [1], 'float32');
  t = 0;
  constructor(readonly k: number) {
    super();
  }
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    this.t = 0;
    return { obs: Float32Array.of(0), info: {} };
  }
  step(): StepResult<Float32Array> {
    this.t++;
    return { obs: Float32Array.of(this.t), reward: this.t, terminated: this.t >= this.k, truncated: false, info: {} };
  }
}

function record(mode: AutoresetMode, bufferLength = 100): VectorRecordEpisodeStatistics<unknown, Int32Array> {
  return new VectorRecordEpisodeStatistics(new SyncVectorEnv([() => new FixedEnv(2), () => new FixedEnv(3)], { autoresetMode: mode }), { bufferLength }) as never;
}

describe('VectorRecordEpisodeStatistics', () => {
  for (const mode of [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]) {
    it(`records each episode's return and length exactly once (${mode})`, () => {
      const env = record(mode);
      env.reset({ seed: 0 });
      const a = new Int32Array(2);
      const seen: [number, number, number][] = []; // [env, return, length]
      for (let t = 0; t < 12; t++) {
        env.step(a);
        for (let i = 0; i < 2; i++) if (env.episodeDone[i]) seen.push([i, env.episodeReturns[i]!, env.episodeLengths[i]!]);
      }
      // Under next_step every done is followed by an uncounted reset step: episodes take k + 1 steps.
      const per0 = mode === 'next_step' ? 4 : 6; // 12 / 3 or 12 / 2
      const per1 = mode === 'next_step' ? 3 : 4;
      expect(seen.filter(([i]) => i === 0)).toEqual(Array.from({ length: per0 }, () => [0, 3, 2]));
      expect(seen.filter(([i]) => i === 1)).toEqual(Array.from({ length: per1 }, () => [1, 6, 3]));
      expect(env.episodeCount).toBe(per0 + per1);
      expect(env.meanLength()).toBeCloseTo((2 * per0 + 3 * per1) / (per0 + per1), 12);
    });
  }

  it('keeps the last bufferLength episodes in order in the ring buffer', () => {
    const env = record('same_step', 3);
    expect(env.meanReturn()).toBeNaN();
    env.reset();
    const a = new Int32Array(2);
    for (let t = 0; t < 6; t++) env.step(a);
    // episode ends: t=2: env0 (3); t=3: env1 (6); t=4: env0 (3); t=6: env0 (3), env1 (6)
    expect(env.episodeCount).toBe(5);
    expect(env.queueSize).toBe(3);
    expect([...env.recentReturns()]).toEqual([3, 3, 6]);
    expect([...env.recentLengths()]).toEqual([2, 2, 3]);
    expect(env.meanReturn()).toBe(4);
  });

  it('resets the running counts on reset and forwards the vector env API', () => {
    const env = record('next_step');
    env.reset();
    env.step(new Int32Array(2));
    env.reset();
    env.step(new Int32Array(2));
    env.step(new Int32Array(2));
    expect(env.episodeLengths[0]).toBe(2);
    expect(env.episodeDone[0]).toBe(1);
    expect(env.numEnvs).toBe(2);
    expect(env.metadata.autoresetMode).toBe('next_step');
    env.close();
    expect(env.closed).toBe(true);
  });

  it('matches CartPole returns: length equals return under both modes', () => {
    for (const mode of [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]) {
      const env = new VectorRecordEpisodeStatistics(new CartPoleVectorEnv(8, { autoresetMode: mode }));
      env.reset({ seed: 3 });
      const a = new Int32Array(8);
      for (let t = 0; t < 300; t++) {
        for (let i = 0; i < 8; i++) a[i] = (t + i) % 3 === 0 ? 1 : 0;
        env.step(a);
      }
      expect(env.queueSize).toBeGreaterThan(10);
      expect([...env.recentReturns()]).toEqual([...env.recentLengths()]);
    }
  });
});
