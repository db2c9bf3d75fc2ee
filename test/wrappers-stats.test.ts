import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../src/envs/classic/cartpole.ts';
import { BaseEnv, type Info, type ResetOptions, type ResetResult, type StepResult } from '../src/envs/core/env.ts';
import { Box } from '../src/envs/spaces/box.ts';
import { Discrete } from '../src/envs/spaces/discrete.ts';
import { RecordEpisodeStatistics, type EpisodeStatistics } from '../src/envs/wrappers/record-episode-statistics.ts';
import { TimeLimit } from '../src/envs/wrappers/time-limit.ts';

/**
 * Episodes of scripted lengths: episode e (0-based) lasts `lengths[e]` steps, step t of it pays
 * `rewardOf(e, t)`. One info object is shared by every step (as envs may do); the last step's info
 * carries `lastInfo`'s entries. `stepMs` busy-waits inside each step.
 */
class ScriptedEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 1000, [1]);
  readonly sharedInfo: Info = { events: [] };
  readonly lastInfo: Info;
  private readonly obs = new Float32Array(1);
  private readonly result: StepResult<Float32Array> = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.sharedInfo };
  private episode = -1;
  private t = 0;

  constructor(
    private readonly lengths: number[],
    private readonly rewardOf: (episode: number, t: number) => number,
    lastInfo: Info = { events: ['done'] },
    private readonly stepMs = 0,
  ) {
    super();
    this.lastInfo = lastInfo;
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.episode++;
    this.t = 0;
    this.obs[0] = 0;
    return { obs: this.obs, info: this.sharedInfo };
  }

  step(): StepResult<Float32Array> {
    if (this.stepMs > 0) {
      const until = performance.now() + this.stepMs;
      while (performance.now() < until) { /* busy-wait */ }
    }
    const r = this.result;
    r.reward = this.rewardOf(this.episode, this.t);
    this.t++;
    this.obs[0] = this.t;
    r.terminated = this.t >= this.lengths[this.episode]!;
    r.info = r.terminated ? this.lastInfo : this.sharedInfo;
    return r;
  }
}

describe('RecordEpisodeStatistics', () => {
  it('r and l on CartPole equal a hand count on an unwrapped twin with the same seed and actions', () => {
    // Always pushing right topples the pole within a few dozen steps.
    const actions = (t: number): number => (t % 5 === 4 ? 0 : 1);
    const twin = new CartPoleEnv({ suttonBartoReward: true });
    twin.reset({ seed: 42 });
    let handReturn = 0, handLength = 0;
    for (;;) {
      const r = twin.step(actions(handLength));
      handReturn += r.reward;
      handLength++;
      if (r.terminated || r.truncated) break;
    }
    // Sutton & Barto reward: 0 per step, −1 on the last.
    expect(handReturn).toBe(-1);
    expect(handLength).toBeGreaterThan(3);

    const env = new RecordEpisodeStatistics(new CartPoleEnv({ suttonBartoReward: true }));
    env.reset({ seed: 42 });
    let stats: EpisodeStatistics | undefined;
    for (let t = 0; t < handLength; t++) {
      const r = env.step(actions(t));
      const done = r.terminated || r.truncated;
      expect(done).toBe(t === handLength - 1);
      // The key appears only on the final step.
      expect('episode' in r.info).toBe(done);
      if (done) stats = r.info.episode as EpisodeStatistics;
    }
    expect(stats).toBeDefined();
    expect(stats!.r).toBe(handReturn);
    expect(stats!.l).toBe(handLength);
    expect(stats!.t).toBeGreaterThanOrEqual(0);
    expect(stats!.t).toBeLessThan(5);
    expect(env.episodeCount).toBe(1);
    expect(env.returnQueue).toEqual([handReturn]);
    expect(env.lengthQueue).toEqual([handLength]);
  });

  it('counts a TimeLimit truncation as an episode end', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new CartPoleEnv(), 5));
    env.reset({ seed: 1 });
    const infos: Info[] = [];
    for (let t = 0; t < 5; t++) infos.push(env.step(t % 2).info);
    expect(infos.slice(0, 4).every((i) => !('episode' in i))).toBe(true);
    const last = infos[4]!.episode as EpisodeStatistics;
    expect(last.r).toBe(5);
    expect(last.l).toBe(5);
  });

  it('never writes to the inner info: copies it on the final step, passes it through otherwise', () => {
    const inner = new ScriptedEnv([3], () => 1, { events: ['goal'], score: 7 });
    const env = new RecordEpisodeStatistics(inner);
    env.reset({ seed: 0 });
    const i1 = env.step(0).info;
    const i2 = env.step(0).info;
    // Non-final steps: the inner object itself, so no allocation.
    expect(i1).toBe(inner.sharedInfo);
    expect(i2).toBe(inner.sharedInfo);
    const i3 = env.step(0).info;
    expect(i3).not.toBe(inner.lastInfo);
    expect(i3).toEqual({ events: ['goal'], score: 7, episode: { r: 3, l: 3, t: expect.any(Number) } });
    expect(inner.lastInfo).toEqual({ events: ['goal'], score: 7 });
    expect(inner.sharedInfo).toEqual({ events: [] });
  });

  it('works with a frozen inner info (CartPole shares a frozen empty object)', () => {
    const env = new RecordEpisodeStatistics(new CartPoleEnv());
    env.reset({ seed: 3 });
    let r = env.step(1);
    while (!r.terminated) r = env.step(1);
    expect(Object.isFrozen(env.unwrapped.step(0).info)).toBe(true);
    expect(Object.keys(env.unwrapped.step(0).info)).toEqual([]);
    expect(Object.keys(r.info)).toEqual(['episode']);
  });

  it('throws when the inner info already has the stats key; another statsKey avoids it', () => {
    const clash = new RecordEpisodeStatistics(new ScriptedEnv([2], () => 1, { episode: 'mine' }));
    clash.reset();
    clash.step(0);
    expect(() => clash.step(0)).toThrow(/already has a "episode" key; pass another statsKey/);

    const ok = new RecordEpisodeStatistics(new ScriptedEnv([2], () => 1, { episode: 'mine' }), { statsKey: 'stats' });
    ok.reset();
    ok.step(0);
    const info = ok.step(0).info;
    expect(info.episode).toBe('mine');
    expect(info.stats).toEqual({ r: 2, l: 2, t: expect.any(Number) });
  });

  it('queues keep the last bufferLength episodes, oldest first', () => {
    const lengths = [1, 2, 3, 4, 5];
    const rewardOf = (e: number, t: number): number => (e + 1) * 10 + t; // episode e: Σ_t ((e+1)·10 + t)
    const env = new RecordEpisodeStatistics(new ScriptedEnv(lengths, rewardOf), { bufferLength: 3 });
    const expectedReturns = lengths.map((l, e) => l * (e + 1) * 10 + (l * (l - 1)) / 2);
    expect(expectedReturns).toEqual([10, 41, 93, 166, 260]);
    for (let e = 0; e < lengths.length; e++) {
      env.reset();
      let r = env.step(0);
      while (!r.terminated) r = env.step(0);
      expect((r.info.episode as EpisodeStatistics).r).toBe(expectedReturns[e]);
      expect(env.episodeCount).toBe(e + 1);
      expect(env.returnQueue).toEqual(expectedReturns.slice(Math.max(0, e - 2), e + 1));
    }
    expect(env.returnQueue).toEqual([93, 166, 260]);
    expect(env.lengthQueue).toEqual([3, 4, 5]);
    expect(env.timeQueue).toHaveLength(3);
  });

  it('t measures wall-clock seconds since reset', () => {
    const env = new RecordEpisodeStatistics(new ScriptedEnv([3], () => 0, { events: [] }, 10));
    env.reset();
    env.step(0);
    env.step(0);
    const t = (env.step(0).info.episode as EpisodeStatistics).t;
    expect(t).toBeGreaterThanOrEqual(0.03);
    expect(t).toBeLessThan(2);
    expect(env.timeQueue).toEqual([t]);
  });

  it('restarts the counts on reset, also after an unfinished episode', () => {
    const env = new RecordEpisodeStatistics(new ScriptedEnv([5, 2], () => 1));
    env.reset();
    env.step(0);
    env.step(0);
    env.reset(); // abandon episode 0 after 2 steps
    env.step(0);
    expect((env.step(0).info.episode as EpisodeStatistics).l).toBe(2);
    expect(env.returnQueue).toEqual([2]);
  });

  it('validates its options', () => {
    expect(() => new RecordEpisodeStatistics(new CartPoleEnv(), { bufferLength: 0 })).toThrow(/bufferLength must be a positive integer, got 0/);
    expect(() => new RecordEpisodeStatistics(new CartPoleEnv(), { statsKey: '' })).toThrow(/statsKey must be a non-empty string/);
  });
});
