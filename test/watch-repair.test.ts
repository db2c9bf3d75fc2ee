import { describe, expect, it } from 'vitest';
import {
  checkEnv, expectedRepairProfit, expertFor, make, validateScene, WATCH_REPAIR_EVENTS, watchRepairAction, WatchRepairEnv,
  type Env, type RgbaFrame,
} from '../src/index.ts';

const REPAIR = 0, DONT = 1;

/** Plays one episode: `first` at step 0, then `later`; returns the return and the per-step rewards. */
function episode(env: Env<Float32Array, number>, seed: number | undefined, brand: number, first: number, later = 1): { ret: number; rewards: number[]; events: string[][] } {
  env.reset(seed === undefined ? { options: { brand } } : { seed, options: { brand } });
  const rewards: number[] = [], events: string[][] = [];
  for (let t = 0; ; t++) {
    const r = env.step(t === 0 ? first : later);
    rewards.push(r.reward);
    events.push([...(r.info.events as readonly string[])]);
    if (r.terminated || r.truncated) break;
  }
  return { ret: rewards.reduce((a, b) => a + b, 0), rewards, events };
}

describe('WatchRepair-v0 task', () => {
  it('Monte-Carlo expected return per brand gives the optimal first actions [don\'t, repair, repair, don\'t]', () => {
    const env = new WatchRepairEnv();
    env.reset({ seed: 123 });
    const n = 3000;
    const best: number[] = [];
    for (let brand = 0; brand < 4; brand++) {
      let sum = 0, sq = 0;
      for (let i = 0; i < n; i++) {
        const { ret } = episode(env, undefined, brand, REPAIR);
        sum += ret;
        sq += ret * ret;
      }
      const mean = sum / n, se = Math.sqrt((sq / n - mean * mean) / n);
      let dont = 0;
      for (let i = 0; i < 200; i++) dont += episode(env, undefined, brand, DONT).ret;
      expect(dont).toBe(0); // not repairing returns exactly 0
      // price − repair − brand delivery − 50·(0.1·0.1 + 7·0.05), from the demo's README
      const analytic = [18 - 1 - 0.5 - 18, 28 - 4 - 2.5 - 18, 31 - 5 - 4.5 - 18, 59 - 24.5 - 18 - 18][brand]!;
      expect(Math.abs(mean - analytic)).toBeLessThan(4 * se);
      expect(expectedRepairProfit(brand)).toBeCloseTo(analytic, 12);
      expect(Math.abs(mean) / se).toBeGreaterThan(4); // the sign is resolved
      best.push(mean > 0 ? REPAIR : DONT);
    }
    expect(best).toEqual([DONT, REPAIR, REPAIR, DONT]);
  });

  it("lasts exactly 50 steps; with WatchRepair-v0's default delayed reward everything is paid at the last step", () => {
    const env = make<Float32Array, number>('WatchRepair-v0');
    const { rewards } = episode(env, 4, 1, REPAIR);
    expect(rewards).toHaveLength(50);
    expect(rewards.slice(0, 49).every((r) => r === 0)).toBe(true);
    expect(rewards[49]).not.toBe(0);
  });

  it("reward: 'natural' pays each cost when it occurs and sums to the same return", () => {
    const nat = new WatchRepairEnv({ reward: 'natural' }), del = make<Float32Array, number>('WatchRepair-v0');
    for (const seed of [1, 2, 3]) {
      const a = episode(nat, seed, 2, REPAIR), b = episode(del, seed, 2, REPAIR);
      expect(a.ret).toBeCloseTo(b.ret, 9);
      expect(a.rewards[0]).toBeLessThan(5); // −repair cost (+ maybe an event cost)
      for (let t = 1; t < 49; t++) {
        const expected = (a.events[t]!.includes('traffic_jam') ? -0.1 : 0) + (a.events[t]!.includes('flat_tire') ? -7 : 0);
        expect(a.rewards[t]).toBeCloseTo(expected, 12);
      }
    }
  });

  it('only the step-0 action matters', () => {
    const env = new WatchRepairEnv();
    expect(episode(env, 9, 1, REPAIR, 0).ret).toBe(episode(env, 9, 1, REPAIR, 1).ret);
  });

  it('events: the decision, jams and flat tires (matching the counters), delivered at the end when repaired', () => {
    const env = new WatchRepairEnv();
    let jams = 0, flats = 0, steps = 0;
    for (let seed = 0; seed < 300; seed++) {
      const repair = seed % 2 === 0 ? REPAIR : DONT;
      const { events } = episode(env, seed, seed % 4, repair);
      expect(events[0]![0]).toBe(repair === REPAIR ? WATCH_REPAIR_EVENTS.repaired : WATCH_REPAIR_EVENTS.notRepaired);
      const j = events.filter((e) => e.includes('traffic_jam')).length, f = events.filter((e) => e.includes('flat_tire')).length;
      expect([env.jams, env.flatTires]).toEqual([j, f]);
      expect(events.flat().filter((e) => e === 'delivered')).toHaveLength(repair === REPAIR ? 1 : 0);
      expect(events[49]!.includes('delivered')).toBe(repair === REPAIR);
      jams += j;
      flats += f;
      steps += 50;
    }
    expect(jams / steps).toBeGreaterThan(0.09);
    expect(jams / steps).toBeLessThan(0.11);
    expect(flats / steps).toBeGreaterThan(0.043);
    expect(flats / steps).toBeLessThan(0.057);
  });

  it('observation: [repaired, jams, flats, brand one-hot, t/50]', () => {
    const env = new WatchRepairEnv();
    const o0 = Array.from(env.reset({ seed: 0, options: { brand: 2 } }).obs);
    expect(o0).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
    const o1 = env.step(REPAIR).obs;
    expect([o1[0], o1[5], o1[7]]).toEqual([1, 1, 1 / 50].map(Math.fround));
    expect([o1[1], o1[2]]).toEqual([env.jams, env.flatTires]);
    expect(env.observationSpace.contains(o1)).toBe(true);
  });

  it('is deterministic under reset({seed}) and draws brands uniformly', () => {
    const a = make<Float32Array, number>('WatchRepair-v0'), b = make<Float32Array, number>('WatchRepair-v0');
    a.reset({ seed: 7 });
    b.reset({ seed: 7 });
    for (let t = 0; t < 50; t++) {
      const ra = a.step(0), rb = b.step(0);
      expect(ra.reward).toBe(rb.reward);
      expect(ra.obs).toEqual(rb.obs);
    }
    const env = new WatchRepairEnv(), counts = [0, 0, 0, 0];
    for (let seed = 0; seed < 800; seed++) {
      env.reset({ seed });
      counts[env.brand]!++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(150);
  });

  it('rejects invalid actions and options', () => {
    const env = make('WatchRepair-v0');
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow('WatchRepair-v0: action 2 is outside Discrete(2) (valid: 0..1)');
    const bare = new WatchRepairEnv();
    expect(() => bare.reset({ options: { brand: 4 } })).toThrow('reset option brand must be an integer in 0..3, got 4');
    expect(() => new WatchRepairEnv({ reward: 'x' as 'natural' })).toThrow(`WatchRepair: option reward must be one of 'natural', 'delayed', got "x"`);
    expect(() => make('WatchRepair-v0', { reward: 'x' })).toThrow(`WatchRepair: option reward must be one of 'natural', 'delayed', got "x"`);
  });

  it('renders from a valid scene', () => {
    const env = new WatchRepairEnv({ renderMode: 'ansi' });
    env.reset({ seed: 1, options: { brand: 3 } });
    for (let t = 0; t < 10; t++) env.step(REPAIR);
    const s = validateScene(env.scene());
    expect(s.hud).toMatchObject({ brand: 'brand3', decision: 'repair', step: 10 });
    expect((env.render() as string).split('\n')[0]).toHaveLength(50);
    const rgb = new WatchRepairEnv({ renderMode: 'rgb_array' });
    rgb.reset({ seed: 1 });
    expect((rgb.render() as RgbaFrame).width).toBe(600);
  });
});

describe('WatchRepair-v0 expert', () => {
  it('decides from the observation alone, optimally for every brand, and beats both fixed policies', () => {
    const env = new WatchRepairEnv();
    for (let b = 0; b < 4; b++) expect(watchRepairAction(env.reset({ seed: b, options: { brand: b } }).obs)).toBe([DONT, REPAIR, REPAIR, DONT][b]);
    const factory = expertFor('WatchRepair-v0')!;
    const run = (choose: (obs: Float32Array) => number): number => {
      let total = 0;
      for (let seed = 0; seed < 400; seed++) {
        const e = make<Float32Array, number>('WatchRepair-v0') as Env<Float32Array, number>;
        let obs = e.reset({ seed }).obs;
        for (;;) {
          const r = e.step(choose(obs));
          obs = r.obs;
          total += r.reward;
          if (r.terminated || r.truncated) break;
        }
      }
      return total / 400;
    };
    const policy = factory(make('WatchRepair-v0'));
    const expert = run((o) => policy(o) as number), always = run(() => REPAIR), never = run(() => DONT);
    expect(never).toBe(0);
    expect(expert).toBeGreaterThan(always);
    expect(expert).toBeGreaterThan(never);
    // ≈ (3.5 + 3.5) / 4 = 1.75 per episode on average
    expect(expert).toBeGreaterThan(0.5);
  });
});

describe('WatchRepair-v0 checkEnv', () => {
  it('passes in both reward modes', () => {
    // The delayed default is make's DelayedReward wrapper: checked through it, the only warning is that it is wrapped.
    expect(checkEnv(make('WatchRepair-v0')).warnings.filter((w) => !w.includes('the env is wrapped'))).toEqual([]);
    expect(checkEnv(new WatchRepairEnv({ reward: 'natural' })).warnings).toEqual([]);
  });
});
