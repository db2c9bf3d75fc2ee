import { describe, expect, it } from 'vitest';
import { DelayedReward, make } from '../src/index.ts';

describe('DelayedReward', () => {
  it("pays 0 on every step and the episode's whole return on its last step (termination or truncation)", () => {
    for (const max of [500, 15]) {
      const plain = make<Float32Array, number>('CartPole-v1', {}, { maxEpisodeSteps: max });
      const delayed = new DelayedReward(make<Float32Array, number>('CartPole-v1', {}, { maxEpisodeSteps: max }));
      for (let episode = 0; episode < 3; episode++) {
        plain.reset({ seed: 10 + episode });
        delayed.reset({ seed: 10 + episode });
        let sum = 0, t = 0;
        for (;;) {
          const a = t++ % 3 === 0 ? 1 : 0; // falls over in a few dozen steps unless truncated first
          const rp = plain.step(a), rd = delayed.step(a);
          sum += rp.reward;
          expect(rd.obs).toEqual(rp.obs);
          expect([rd.terminated, rd.truncated]).toEqual([rp.terminated, rp.truncated]);
          if (rp.terminated || rp.truncated) {
            expect(rd.reward).toBe(sum);
            if (max === 15) expect(rd.truncated).toBe(true);
            break;
          }
          expect(rd.reward).toBe(0);
        }
      }
    }
  });

  it('a reset in the middle of an episode forgets what was pending', () => {
    const env = new DelayedReward(make<Float32Array, number>('CartPole-v1'));
    env.reset({ seed: 1 });
    env.step(0);
    env.step(1);
    expect(env.pending).toBe(2);
    env.reset({ seed: 2 });
    expect(env.pending).toBe(0);
    expect(String(env)).toBe('DelayedReward<TimeLimit<OrderEnforcing<PassiveEnvChecker<CartPoleEnv<CartPole-v1>>>>>');
  });
});
