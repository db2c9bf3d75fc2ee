import { describe, expect, it } from 'vitest';
import { trainPpo, type EpisodeRecord } from '../src/agents/ppo/ppo.ts';
import { EpisodeTap, type CapturedEpisode } from '../src/agents/ppo/episode-tap.ts';
import { validateScene } from '../src/envs/index.ts';
import { RudderRedistribution, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';

const CFG = { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 }, totalTimesteps: 2048, numEnvs: 4, numSteps: 128, seed: 3 };

describe("PPO's episode tap (the viewer's capture)", () => {
  it('records the armed sub-env’s next whole episode, as the trainer counted it, after RUDDER saw it; an idle tap changes nothing', async () => {
    const captured: CapturedEpisode[] = [];
    const rudderSeen: RudderEpisode[] = [];
    const seenBeforeCapture: number[] = [];
    const tap = new EpisodeTap((c) => {
      captured.push(c);
      seenBeforeCapture.push(rudderSeen.filter((e) => e.env === c.env && e.length === c.actions.length && Math.abs(e.ret - c.return) < 1e-6).length);
      if (captured.length < 2) tap.arm((c.env + 1) % 4); // re-arm on another sub-env
    });
    tap.arm(1);
    const red = RudderRedistribution.forEnv(CFG.envId, CFG.envKwargs, { seed: 3, features: 'gridCodeCounts' });
    red.onEpisode = (e) => rudderSeen.push(e);
    const episodes: EpisodeRecord[] = [];
    await trainPpo(CFG, { backend: 'cpu', tap, redistribution: red, hooks: { onEpisode: (e) => void episodes.push(e) } });

    expect(captured.map((c) => c.env)).toEqual([1, 2]);
    for (const c of captured) {
      const T = c.actions.length;
      expect(c.scenes.length).toBe(T + 1);
      for (const s of [c.scenes[0]!, c.scenes[T]!]) validateScene(s);
      expect(c.scenes[0]!.hud.step).toBe(0);
      expect(c.scenes[T]!.hud.step).toBe(T);
      expect(c.terminated || c.truncated).toBe(true);
      // The trainer's own record of that episode: same sub-env, end step, length and return.
      const mine = episodes.find((e) => e.env === c.env && e.globalStep === c.globalStep);
      expect(mine).toBeDefined();
      expect(mine!.length).toBe(T);
      expect(mine!.return).toBeCloseTo(c.return, 6);
    }
    expect(seenBeforeCapture).toEqual([1, 1]); // RUDDER's per-episode output for it arrived first

    // An attached tap that is not armed: the same run, step for step.
    const idle = new EpisodeTap(() => { throw new Error('not armed'); });
    const a: EpisodeRecord[] = [], b: EpisodeRecord[] = [];
    await trainPpo({ ...CFG, totalTimesteps: 1024 }, { backend: 'cpu', tap: idle, hooks: { onEpisode: (e) => void a.push(e) } });
    await trainPpo({ ...CFG, totalTimesteps: 1024 }, { backend: 'cpu', hooks: { onEpisode: (e) => void b.push(e) } });
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(3);
  });
});
