import { describe, expect, it } from 'vitest';
import { Box, CartPoleEnv, Discrete, InvalidActionError, Rng, make, spec, type RgbaFrame } from '../src/envs/index.ts';
import { CARTPOLE } from '../src/envs/classic/cartpole-physics.ts';

// envs-ppo.md §1.8, written out again here so the env is checked against the reference, not against itself.
const G = 9.8, M_CART = 1.0, M_POLE = 0.1, L = 0.5, FORCE = 10.0, TAU = 0.02;
const DEG12 = (12 * Math.PI) / 180;

/** One Euler step of §1.8's equations on [x, ẋ, θ, θ̇]. */
function referenceStep([x, xDot, th, thDot]: readonly number[], action: number): number[] {
  const M = M_CART + M_POLE;
  const F = action === 1 ? FORCE : -FORCE;
  const temp = (F + M_POLE * L * thDot ** 2 * Math.sin(th)) / M;
  const thAcc = (G * Math.sin(th) - Math.cos(th) * temp) / (L * (4 / 3 - (M_POLE * Math.cos(th) ** 2) / M));
  const xAcc = temp - (M_POLE * L * thAcc * Math.cos(th)) / M;
  return [x! + TAU * xDot!, xDot! + TAU * xAcc, th! + TAU * thDot!, thDot! + TAU * thAcc];
}

/** A CartPoleEnv whose physical state is set by hand (after a reset, so that it may step). */
function at(state: number[], options: ConstructorParameters<typeof CartPoleEnv>[0] = {}): CartPoleEnv {
  const env = new CartPoleEnv(options);
  env.reset({ seed: 0 });
  env.state.set(state);
  return env;
}

/** Tips the pole's way: enough to balance CartPole from any reset state for 500 steps. */
const balance = (o: Float32Array): number => (o[2]! + 0.5 * o[3]! > 0 ? 1 : 0);

describe('CartPole spaces and constants (§1.8)', () => {
  it('has Discrete(2) actions and a float32 Box(4) observation with ±[4.8, inf, 24°, inf]', () => {
    const env = new CartPoleEnv();
    expect(env.actionSpace).toBeInstanceOf(Discrete);
    expect((env.actionSpace as Discrete).n).toBe(2);
    const obs = env.observationSpace as Box;
    expect(obs).toBeInstanceOf(Box);
    expect(obs.shape).toEqual([4]);
    expect(obs.dtype).toBe('float32');
    // Bounds are stored at the dtype's precision (float32), as Gymnasium's Box casts them.
    expect(obs.high[0]).toBeCloseTo(4.8, 6);
    expect(obs.high[1]).toBe(Infinity);
    expect(obs.high[2]).toBeCloseTo(0.41887903, 8);
    expect(obs.high[3]).toBe(Infinity);
    expect(Array.from(obs.low)).toEqual(Array.from(obs.high, (v) => -v));
    expect(env.metadata.renderFps).toBe(50);
  });

  it('uses Gymnasium\'s constants', () => {
    expect(CARTPOLE).toMatchObject({ gravity: G, massCart: M_CART, massPole: M_POLE, length: L, forceMag: FORCE, tau: TAU, xThreshold: 2.4 });
    expect(CARTPOLE.totalMass).toBeCloseTo(M_CART + M_POLE, 15);
    expect(CARTPOLE.poleMassLength).toBeCloseTo(M_POLE * L, 15);
    expect(CARTPOLE.thetaThresholdRadians).toBeCloseTo(DEG12, 15); // 0.2094… rad
  });

  it('is registered as CartPole-v1 (500 steps, threshold 475) and CartPole-v0 (200, 195)', () => {
    expect(spec('CartPole-v1')).toMatchObject({ maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(spec('CartPole-v0')).toMatchObject({ maxEpisodeSteps: 200, rewardThreshold: 195 });
  });
});

describe('CartPole dynamics', () => {
  it('one step from rest, by hand: temp = 100/11, θ̈ = −600/41, ẍ = 400/41', () => {
    // sin 0 = 0, cos 0 = 1: temp = F/M = 10/1.1; θ̈ = −temp / (0.5·(4/3 − 0.1/1.1)) = −(100/11)·(66/41);
    // ẍ = temp − 0.05·θ̈/1.1 = 100/11 + 300/451 = 400/41. Euler moves only the velocities.
    const env = new CartPoleEnv();
    expect(Array.from(env.reset({ seed: 0, options: { low: 0, high: 0 } }).obs)).toEqual([0, 0, 0, 0]);
    const r = env.step(1);
    expect(env.state[0]).toBe(0);
    expect(env.state[1]).toBeCloseTo((0.02 * 400) / 41, 15);
    expect(env.state[2]).toBe(0);
    expect(env.state[3]).toBeCloseTo((-0.02 * 600) / 41, 15);
    expect(Array.from(r.obs)).toEqual(Array.from(env.state, Math.fround));
    // Pushing left mirrors it.
    env.reset({ options: { low: 0, high: 0 } });
    env.step(0);
    expect(env.state[1]).toBeCloseTo(-8 / 41, 15);
    expect(env.state[3]).toBeCloseTo(12 / 41, 15);
  });

  it('matches the §1.8 equations from arbitrary states', () => {
    const states = [[0.1, -0.2, 0.05, 0.3], [-1.2, 0.7, -0.15, -1.1], [8 * 0.02 / 41, 8 / 41, -12 * 0.02 / 41, -12 / 41]];
    for (const s of states) {
      for (const a of [0, 1]) {
        const env = at(s);
        const obs = env.step(a).obs;
        const want = referenceStep(s, a);
        for (let i = 0; i < 4; i++) {
          expect(env.state[i]).toBeCloseTo(want[i]!, 14);
          expect(obs[i]).toBe(Math.fround(env.state[i]!));
        }
      }
    }
  });

  it('terminates when |x| > 2.4 or |θ| > 12°, not at the boundary itself', () => {
    const terminated = (s: number[], a = 0): boolean => at(s).step(a).terminated;
    expect(terminated([2.39, 1, 0, 0])).toBe(true); // x → 2.41
    expect(terminated([2.38, 0.5, 0, 0])).toBe(false); // x → 2.39
    expect(terminated([-2.39, -1, 0, 0])).toBe(true);
    expect(terminated([2.4, 0, 0, 0])).toBe(false); // exactly at the limit: strict >
    expect(terminated([0, 0, 0.2, 0.5])).toBe(true); // θ → 0.21 > 0.2094
    expect(terminated([0, 0, 0.2, 0.4])).toBe(false); // θ → 0.208
    expect(terminated([0, 0, -0.2, -0.5], 1)).toBe(true);
    expect(terminated([0, 0, DEG12, 0])).toBe(false);
  });

  it('pays 1 per step including the terminating one, then 0 for stepping a finished episode', () => {
    const env = at([0, 0, 0.2, 0.5]);
    const last = env.step(0);
    expect([last.reward, last.terminated, last.truncated]).toEqual([1, true, false]);
    const after = env.step(0);
    expect([after.reward, after.terminated]).toEqual([0, true]);

    const falling = new CartPoleEnv();
    falling.reset({ seed: 3 });
    let total = 0, steps = 0;
    for (let done = false; !done; steps++) {
      const r = falling.step(1); // always push right: the pole falls left within a few dozen steps
      total += r.reward;
      done = r.terminated;
    }
    expect(steps).toBeLessThan(100);
    expect(total).toBe(steps);
  });

  it('suttonBartoReward pays 0 per step and −1 on termination', () => {
    const env = at([0, 0, 0.2, 0.4], { suttonBartoReward: true });
    expect(env.step(0)).toMatchObject({ reward: 0, terminated: false });
    env.state.set([0, 0, 0.2, 0.5]);
    expect(env.step(0)).toMatchObject({ reward: -1, terminated: true });
  });

  it('rejects invalid actions', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow(InvalidActionError);
    expect(() => env.step(2)).toThrow('CartPoleEnv: action 2 is outside Discrete(2) (valid: 0..1)');
    expect(() => env.step(-1)).toThrow(InvalidActionError);
    expect(() => env.step(true as unknown as number)).toThrow(InvalidActionError);
  });
});

describe('CartPole episodes through make', () => {
  it('a balancing policy is truncated (not terminated) at exactly 500 steps in v1 and 200 in v0', () => {
    for (const [id, limit] of [['CartPole-v1', 500], ['CartPole-v0', 200]] as const) {
      for (const seed of [0, 1, 2]) {
        const env = make<Float32Array, number>(id);
        let obs = env.reset({ seed }).obs;
        let ret = 0, t = 0;
        for (;;) {
          const r = env.step(balance(obs));
          t++;
          ret += r.reward;
          obs = r.obs;
          if (r.terminated || r.truncated) {
            expect([t, r.terminated, r.truncated]).toEqual([limit, false, true]);
            break;
          }
        }
        expect(ret).toBe(limit);
      }
    }
  });
});

describe('CartPole seeding', () => {
  function trajectory(seed: number, n: number): number[] {
    const env = make<Float32Array, number>('CartPole-v1');
    env.actionSpace.seed(99);
    const out = Array.from(env.reset({ seed }).obs);
    for (let i = 0; i < n; i++) {
      const r = env.step(env.actionSpace.sample());
      out.push(...r.obs, r.reward, Number(r.terminated));
      if (r.terminated) out.push(...env.reset().obs);
    }
    return out;
  }

  it('the same seed gives identical trajectories, different seeds differ', () => {
    expect(trajectory(42, 60)).toEqual(trajectory(42, 60));
    expect(trajectory(42, 60)).not.toEqual(trajectory(43, 60));
  });

  it('reset draws the state from U(−0.05, 0.05) of the env\'s rng, and reset() without a seed continues that stream', () => {
    const env = new CartPoleEnv();
    const ref = new Rng(5);
    const next4 = (): number[] => [0, 1, 2, 3].map(() => Math.fround(ref.uniform(-0.05, 0.05)));
    expect(Array.from(env.reset({ seed: 5 }).obs)).toEqual(next4());
    env.step(0);
    env.step(1);
    expect(Array.from(env.reset().obs)).toEqual(next4());
    expect(Array.from(env.reset().obs)).toEqual(next4());
    // Reseeding starts the stream over.
    const again = new Rng(5);
    expect(Array.from(env.reset({ seed: 5 }).obs)).toEqual([0, 1, 2, 3].map(() => Math.fround(again.uniform(-0.05, 0.05))));
  });

  it('reset stays in the ±0.05 box and options.low/high widen it', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 1 });
    let maxAbs = 0;
    for (let i = 0; i < 200; i++) for (const v of env.reset().obs) maxAbs = Math.max(maxAbs, Math.abs(v));
    expect(maxAbs).toBeLessThanOrEqual(0.05);
    expect(maxAbs).toBeGreaterThan(0.045);
    let wide = 0;
    for (let i = 0; i < 50; i++) for (const v of env.reset({ options: { low: -0.2, high: 0.2 } }).obs) wide = Math.max(wide, Math.abs(v));
    expect(wide).toBeGreaterThan(0.1);
    expect(wide).toBeLessThanOrEqual(0.2);
  });
});

describe('CartPole rendering', () => {
  it('ansi is a text frame whose cart moves with x', () => {
    const col = (x: number): number => {
      const text = at([x, 0, 0, 0], { renderMode: 'ansi' }).render();
      expect(typeof text).toBe('string');
      return (text as string).split('\n').find((l) => l.includes('[#]'))!.indexOf('#');
    };
    expect(col(-1)).toBeLessThan(col(0));
    expect(col(0)).toBeLessThan(col(1));
    expect(new CartPoleEnv().render()).toBeNull();
  });

  it('rgb_array is 600×400 RGBA with the black cart centred at x·125 + 300 px', () => {
    const pixel = (f: RgbaFrame, x: number, y: number): number[] => Array.from(f.data.subarray((y * f.width + x) * 4, (y * f.width + x) * 4 + 4));
    const BLACK = [0, 0, 0, 255], WHITE = [255, 255, 255, 255];
    for (const x of [0, 1, -1.5]) {
      const f = at([x, 0, 0, 0], { renderMode: 'rgb_array' }).render() as RgbaFrame;
      expect([f.width, f.height, f.data.length]).toEqual([600, 400, 600 * 400 * 4]);
      // Gymnasium's geometry: 600 px span 2·2.4 m (125 px/m); the 50×30 cart is centred 100 px above the bottom.
      const cx = x * 125 + 300;
      const blackCols: number[] = [];
      for (let c = 0; c < 600; c++) if (pixel(f, c, 310).join() === BLACK.join()) blackCols.push(c);
      const mid = (blackCols[0]! + blackCols[blackCols.length - 1]!) / 2;
      expect(Math.abs(mid - cx)).toBeLessThanOrEqual(1);
      expect(blackCols.length).toBeGreaterThanOrEqual(49);
      expect(blackCols.length).toBeLessThanOrEqual(51);
      expect(pixel(f, Math.round(cx) - 20, 288)).toEqual(BLACK);
      expect(pixel(f, Math.round(cx) + 20, 312)).toEqual(BLACK);
      expect(pixel(f, Math.round(cx) - 40, 300)).toEqual(WHITE);
      expect(pixel(f, Math.round(cx), 270)).not.toEqual(WHITE); // the upright pole above the cart
      expect(pixel(f, Math.round(cx), 100)).toEqual(WHITE); // above the pole's tip (125 px)
    }
  });
});
