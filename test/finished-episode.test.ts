import { describe, expect, it } from 'vitest';
import { finishedEpisodeStep, NO_EVENTS, WatchRepairEnv, type StepResult } from '../src/index.ts';

describe('finishedEpisodeStep', () => {
  it('pays 0 and clears the events, keeping the flags, the observation and the objects', () => {
    const obs = new Float32Array([1, 2]);
    const info = { events: Object.freeze(['reached_goal']) as readonly string[] };
    const r: StepResult<Float32Array> = { obs, reward: 5, terminated: true, truncated: false, info };
    const out = finishedEpisodeStep(r, info);
    expect(out).toBe(r);
    expect(out).toMatchObject({ reward: 0, terminated: true, truncated: false });
    expect(out.obs).toBe(obs);
    expect(Array.from(out.obs)).toEqual([1, 2]);
    expect(info.events).toBe(NO_EVENTS);
  });

  it('is what an env returns when stepped past the end of its episode', () => {
    const env = new WatchRepairEnv({ reward: 'natural' });
    env.reset({ seed: 3 });
    let r = env.step(0);
    for (let t = 1; t < 50; t++) r = env.step(0);
    expect(r.terminated).toBe(true);
    const obsAtEnd = Array.from(r.obs);
    const after = env.step(1);
    expect(after).toMatchObject({ reward: 0, terminated: true, truncated: false });
    expect(after.info.events).toBe(NO_EVENTS);
    expect(Array.from(after.obs)).toEqual(obsAtEnd);
  });
});
