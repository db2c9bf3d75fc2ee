import { describe, expect, it } from 'vitest';
import { trainPpo, type EpisodeRecord } from '../src/agents/ppo/ppo.ts';
import { captureScenes, EpisodeTap, type CapturedEpisode } from '../src/agents/ppo/episode-tap.ts';
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
      expect(c.scenes).toBeNull(); // KeyDoorTreasure has getState: the scenes are re-made, not recorded
      expect(c.start).not.toBeNull();
      const scenes = [...captureScenes(c, CFG.envId, CFG.envKwargs)]; // throws if a reward differs from the captured one
      expect(scenes.length).toBe(T + 1);
      for (const s of [scenes[0]!, scenes[T]!]) validateScene(s);
      expect(scenes[0]!.hud.step).toBe(0);
      expect(scenes[T]!.hud.step).toBe(T);
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

  it('records scenes step by step for an env without state support, and a capture re-made with other options fails naming the reward', async () => {
    const { make } = await import('../src/envs/core/registry.ts');
    const { sceneOf } = await import('../src/envs/core/scene.ts');
    const env = make(CFG.envId, CFG.envKwargs);
    // The same env, seen through an object without getState: the tap falls back to one scene() per step.
    const plain = { scene: () => sceneOf(env) } as unknown as import('../src/envs/core/env.ts').Env;
    let got: CapturedEpisode | null = null;
    const tap = new EpisodeTap((c) => void (got = c));
    tap.arm(0);
    env.reset({ seed: 2 });
    tap.step(plain, true, 0, 0, false, false, 0);
    const actions = [2, 2, 1];
    actions.forEach((a, i) => {
      const r = env.step(a);
      tap.step(plain, false, a, r.reward, r.terminated, i === 2, i + 1); // cut as truncated after 3 steps
      if (i < 2) expect(tap.env).toBe(0);
    });
    tap.flush();
    expect(got!.start).toBeNull();
    expect(got!.scenes!.map((s) => s.hud.step)).toEqual([0, 1, 2, 3]);
    expect([...captureScenes(got!, CFG.envId, CFG.envKwargs)]).toEqual(got!.scenes); // the recorded ones, as they are
    // A stateful capture replayed through an env made with other options: its rewards differ, and it says so.
    const stateful = new EpisodeTap((c) => void (got = c));
    stateful.arm(0);
    const kdt = make(CFG.envId, CFG.envKwargs);
    kdt.reset({ seed: 4 });
    stateful.step(kdt, true, 0, 0, false, false, 0);
    const r = kdt.step(2);
    stateful.step(kdt, false, 2, r.reward + 1, false, true, 1); // a reward the env did not give
    stateful.flush();
    expect(() => [...captureScenes(got!, CFG.envId, CFG.envKwargs)]).toThrow(/reward .* at step 1, the trainer got/);
  });
});
