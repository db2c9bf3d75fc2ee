import { describe, expect, it } from 'vitest';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { make } from '../src/envs/core/registry.ts';
import { VentureEnv } from '../src/envs/venture/index.ts';
import '../src/envs/venture/register.ts';
import { VENTURE_EASY, VENTURE_PPO, ventureRandomReturns } from '../src/experiments/venture.ts';

describe('Venture-v0 for plain PPO (src/experiments/venture.ts)', () => {
  it('VENTURE_PPO is a valid PPO config on Venture-v0', () => {
    const c = parsePpoConfig({ ...VENTURE_PPO });
    expect(c.envId).toBe('Venture-v0');
    expect(c.rewardScale).toBe(0.01);
    expect((c.numEnvs * c.numSteps) % c.numMinibatches).toBe(0);
  });

  it("VENTURE_EASY only sets the env's own options; the defaults stay the game's", () => {
    const d = new VentureEnv();
    expect([d.hallMonsterSpeed, d.roomMonsterSpeed, d.releasedMonsterSpeed, d.lingerSteps, d.startLives, d.maxSteps]).toEqual([0.75, 0.75, 0.75, 80, 4, 1000]);
    const e = make('Venture-v0', { ...VENTURE_EASY }).unwrapped as VentureEnv;
    expect([e.hallMonsterSpeed, e.roomMonsterSpeed, e.releasedMonsterSpeed, e.lingerSteps, e.startLives, e.maxSteps]).toEqual([0.25, 0.25, 0.75, 500, 4, 1000]);
    expect(() => make('Venture-v0', { ...VENTURE_EASY, hallMonsterSpeed: 1.5 })).toThrow(/option hallMonsterSpeed must be a number in \[0, 1\], got 1\.5/);
    expect(() => make('Venture-v0', { ...VENTURE_EASY, lingerSteps: 0.5 })).toThrow(/option lingerSteps must be an integer/);
  });

  it('random play is seeded: the same games for the same seed, on both settings', () => {
    expect(ventureRandomReturns(8, 77)).toEqual(ventureRandomReturns(8, 77));
    expect(ventureRandomReturns(8, 77, VENTURE_EASY)).toEqual(ventureRandomReturns(8, 77, VENTURE_EASY));
    const a = make<Float32Array, number>('Venture-v0', { ...VENTURE_EASY }), b = make<Float32Array, number>('Venture-v0', { ...VENTURE_EASY });
    let oa = a.reset({ seed: 3 }).obs.slice(), ob = b.reset({ seed: 3 }).obs.slice();
    expect(ob).toEqual(oa);
    for (let t = 0; t < 300; t++) {
      const act = (t * 7 + (t >> 3)) % 6;
      const ra = a.step(act), rb = b.step(act);
      oa = ra.obs.slice();
      ob = rb.obs.slice();
      expect(ob).toEqual(oa);
      expect(rb.reward).toBe(ra.reward);
      expect(rb.info.events).toEqual(ra.info.events);
      if (ra.terminated || ra.truncated) break;
    }
  });

  it('uniformly random actions score nothing under the game’s own rules (40 games)', () => {
    expect(ventureRandomReturns(40).every((r) => r === 0)).toBe(true);
  });
});
