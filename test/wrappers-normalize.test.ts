import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../src/envs/classic/cartpole.ts';
import { BaseEnv, type ResetOptions, type ResetResult, type StepResult } from '../src/envs/core/env.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { Box } from '../src/envs/spaces/box.ts';
import { Dict } from '../src/envs/spaces/dict.ts';
import { Discrete } from '../src/envs/spaces/discrete.ts';
import { NormalizeObservation } from '../src/envs/wrappers/normalize-observation.ts';
import { NormalizeReward } from '../src/envs/wrappers/normalize-reward.ts';
import { RunningMeanStd, type RunningMeanStdState } from '../src/envs/wrappers/running-mean-std.ts';

/**
 * The exact mean and population variance of the prior (count ε, mean 0, var 1) pooled with `rows`
 * (each of length d), straight from the definitions, in two passes: no incremental update.
 */
function pooled(rows: number[][], d: number, eps = 1e-4): { mean: number[]; variance: number[]; count: number } {
  const count = eps + rows.length;
  const mean = Array.from({ length: d }, (_, i) => rows.reduce((a, r) => a + r[i]!, 0) / count);
  // The prior is ε samples with mean 0 and variance 1: it contributes ε·(1 + (0 − mean)²) to Σ (x − mean)².
  const variance = mean.map((m, i) => (eps * (1 + m * m) + rows.reduce((a, r) => a + (r[i]! - m) ** 2, 0)) / count);
  return { mean, variance, count };
}

function randomRows(seed: number, n: number, d: number, scale: number[], shift: number[]): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, (_, i) => shift[i]! + scale[i]! * rng.normal()));
}

/** A Box-observation env: obs_i ~ N(shift_i, scale_i²) i.i.d. from its own seeded RNG, reward = step index. */
class GaussianObsEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace: Box;
  /** The latest raw observation (the buffer every call returns). */
  readonly obs: Float32Array;
  private readonly result: StepResult<Float32Array>;

  constructor(private readonly shift: number[], private readonly scale: number[]) {
    super();
    this.observationSpace = new Box(-Infinity, Infinity, [shift.length]);
    this.obs = new Float32Array(shift.length);
    this.result = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: {} };
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.draw();
    return { obs: this.obs, info: {} };
  }

  step(): StepResult<Float32Array> {
    this.draw();
    return this.result;
  }

  private draw(): void {
    for (let i = 0; i < this.obs.length; i++) this.obs[i] = this.shift[i]! + this.scale[i]! * this.rng.normal();
  }
}

/** Rewards and terminated/truncated flags from a script. */
class RewardScriptEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(1);
  readonly observationSpace = new Box(0, 1, [1]);
  private readonly obs = new Float32Array(1);
  private t = 0;

  constructor(private readonly script: { r: number; term?: boolean; trunc?: boolean }[]) {
    super();
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    return { obs: this.obs, info: {} };
  }

  step(): StepResult<Float32Array> {
    const s = this.script[this.t++ % this.script.length]!;
    return { obs: this.obs, reward: s.r, terminated: s.term ?? false, truncated: s.trunc ?? false, info: {} };
  }
}

describe('RunningMeanStd', () => {
  it('starts at mean 0, var 1, count ε', () => {
    const rms = new RunningMeanStd([2, 3]);
    expect(rms.size).toBe(6);
    expect(Array.from(rms.mean)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(rms.var)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(rms.count).toBe(1e-4);
    expect(new RunningMeanStd(4).shape).toEqual([4]);
    expect(new RunningMeanStd().shape).toEqual([]);
  });

  it('matches a two-pass pooled mean and variance on random data (batch update)', () => {
    const d = 3;
    const rows = randomRows(1, 500, d, [1, 10, 0.01], [3, -50, 0.2]);
    const rms = new RunningMeanStd(d);
    rms.update(rows.flat());
    const ref = pooled(rows, d);
    expect(rms.count).toBeCloseTo(ref.count, 12);
    for (let i = 0; i < d; i++) {
      expect(Math.abs(rms.mean[i]! - ref.mean[i]!)).toBeLessThan(1e-10 * (1 + Math.abs(ref.mean[i]!)));
      expect(Math.abs(rms.var[i]! / ref.variance[i]! - 1)).toBeLessThan(1e-9);
    }
    // Sanity: the data really are spread as drawn (the reference is not degenerate).
    expect(ref.variance[1]!).toBeGreaterThan(50);
  });

  it('single-sample updates and uneven batches give the same result as one batch', () => {
    const d = 2;
    const rows = randomRows(2, 300, d, [2, 0.5], [1, -1]);
    const ref = pooled(rows, d);
    const one = new RunningMeanStd(d);
    for (const r of rows) one.updateOne(r);
    const chunks = new RunningMeanStd(d);
    for (const [a, b] of [[0, 1], [1, 8], [8, 100], [100, 101], [101, 300]] as const) chunks.update(rows.slice(a, b).flat());
    for (const rms of [one, chunks]) {
      expect(rms.count).toBeCloseTo(ref.count, 10);
      for (let i = 0; i < d; i++) {
        expect(rms.mean[i]!).toBeCloseTo(ref.mean[i]!, 10);
        expect(rms.var[i]!).toBeCloseTo(ref.variance[i]!, 10);
      }
    }
  });

  it('hand-computed first update: one sample x=2 into the prior', () => {
    const rms = new RunningMeanStd();
    rms.updateOne([2]);
    // N = 1.0001, mean = 2/N, var = (1e-4·(1 + mean²) + (2 − mean)²)/N
    const n = 1.0001, m = 2 / n;
    expect(rms.mean[0]).toBeCloseTo(m, 14);
    expect(rms.var[0]).toBeCloseTo((1e-4 * (1 + m * m) + (2 - m) ** 2) / n, 14);
  });

  it('rejects malformed batches and states with messages naming the problem', () => {
    const rms = new RunningMeanStd([3]);
    expect(() => rms.update([1, 2, 3, 4])).toThrow(/batch length 4 is not a multiple of the sample size 3/);
    expect(() => rms.updateOne([1, 2])).toThrow(/sample has length 2, expected 3/);
    rms.update([1, 2, 3]);
    const good = rms.getState();
    const cases: [Partial<RunningMeanStdState> | null, RegExp][] = [
      [null, /expected an object/],
      [{ ...good, shape: [4] }, /state has shape \[4\], expected \[3\]/],
      [{ ...good, mean: [0, 0] }, /mean must be an array of 3 numbers for shape \[3\], got 2 entries/],
      [{ ...good, var: [1, -1, 1] }, /var\[1\] = -1 is not a finite number ≥ 0/],
      [{ ...good, mean: [0, null as unknown as number, 0] }, /mean\[1\] = null is not a finite number/],
      [{ ...good, count: 0 }, /count must be a finite number > 0, got 0/],
    ];
    for (const [bad, msg] of cases) {
      expect(() => rms.setState(bad as RunningMeanStdState)).toThrow(msg);
      // A rejected state leaves the statistics as they were.
      expect(rms.getState()).toEqual(good);
    }
  });

  it('getState survives JSON and restores exactly', () => {
    const a = new RunningMeanStd([2]);
    a.update(randomRows(3, 50, 2, [1, 1], [0, 0]).flat());
    const b = new RunningMeanStd([2]);
    b.setState(JSON.parse(JSON.stringify(a.getState())) as RunningMeanStdState);
    expect(b.getState()).toEqual(a.getState());
  });
});

describe('NormalizeObservation', () => {
  const shift = [5, -3, 100];
  const scale = [2, 0.5, 30];

  it('has an unbounded float32 Box of the same shape and rejects non-Box spaces', () => {
    const env = new NormalizeObservation(new GaussianObsEnv(shift, scale));
    expect(env.observationSpace.shape).toEqual([3]);
    expect(env.observationSpace.dtype).toBe('float32');
    expect(Array.from(env.observationSpace.low)).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(Array.from(env.observationSpace.high)).toEqual([Infinity, Infinity, Infinity]);
    const dictEnv = new GaussianObsEnv([0], [1]) as unknown as BaseEnv<Float32Array, number>;
    Object.defineProperty(dictEnv, 'observationSpace', { value: new Dict({ a: new Discrete(2) }) });
    expect(() => new NormalizeObservation(dictEnv)).toThrow(/observation space must be a Box, got Dict/);
  });

  it('first output: updates with the reset obs, then (obs − mean)/sqrt(var + ε)', () => {
    const inner = new GaussianObsEnv(shift, scale);
    const env = new NormalizeObservation(inner);
    const out = env.reset({ seed: 0 }).obs;
    const raw = Array.from(inner.reset({ seed: 0 }).obs); // same seed → same first obs
    const ref = pooled([raw], 3);
    for (let i = 0; i < 3; i++) {
      expect(out[i]).toBeCloseTo((raw[i]! - ref.mean[i]!) / Math.sqrt(ref.variance[i]! + 1e-8), 5);
    }
  });

  it('outputs have mean ≈ 0 and std ≈ 1 after many steps', () => {
    const env = new NormalizeObservation(new GaussianObsEnv(shift, scale));
    env.reset({ seed: 1 });
    for (let t = 0; t < 3000; t++) env.step(0);
    const cols: number[][] = [[], [], []];
    for (let t = 0; t < 3000; t++) {
      const o = env.step(0).obs;
      for (let i = 0; i < 3; i++) cols[i]!.push(o[i]!);
    }
    for (const c of cols) {
      const m = c.reduce((a, b) => a + b, 0) / c.length;
      const sd = Math.sqrt(c.reduce((a, b) => a + (b - m) ** 2, 0) / c.length);
      expect(Math.abs(m)).toBeLessThan(0.1);
      expect(Math.abs(sd - 1)).toBeLessThan(0.1);
    }
    // The running statistics found the generating parameters.
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(env.obsRms.mean[i]! - shift[i]!)).toBeLessThan(0.1 * scale[i]!);
      expect(Math.abs(Math.sqrt(env.obsRms.var[i]!) / scale[i]! - 1)).toBeLessThan(0.1);
    }
  });

  it('reuses one output buffer', () => {
    const env = new NormalizeObservation(new GaussianObsEnv(shift, scale));
    const a = env.reset({ seed: 2 }).obs;
    const before = Array.from(a);
    const b = env.step(0).obs;
    expect(b).toBe(a);
    expect(Array.from(b)).not.toEqual(before);
  });

  it('updateRunningMean = false freezes the statistics and normalises with them', () => {
    const inner = new GaussianObsEnv(shift, scale);
    const env = new NormalizeObservation(inner);
    env.reset({ seed: 3 });
    for (let t = 0; t < 100; t++) env.step(0);
    env.updateRunningMean = false;
    const frozen = env.getState();
    for (let t = 0; t < 20; t++) {
      const o = env.step(0).obs;
      // The inner env's obs buffer still holds the raw observation of this step.
      const raw = Array.from(inner.obs);
      for (let i = 0; i < 3; i++) {
        expect(o[i]).toBeCloseTo((raw[i]! - frozen.obsRms.mean[i]!) / Math.sqrt(frozen.obsRms.var[i]! + 1e-8), 5);
      }
    }
    expect(env.getState()).toEqual(frozen);
    env.updateRunningMean = true;
    env.step(0);
    expect(env.getState()).not.toEqual(frozen);
  });

  it('a fresh wrapper restored from getState (through JSON) reproduces the next outputs exactly', () => {
    const a = new NormalizeObservation(new GaussianObsEnv(shift, scale));
    a.reset({ seed: 4 });
    for (let t = 0; t < 200; t++) a.step(0);
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>;

    // Bring a second inner env to the same point without the wrapper: reset + 200 steps, same seed.
    const innerB = new GaussianObsEnv(shift, scale);
    innerB.reset({ seed: 4 });
    for (let t = 0; t < 200; t++) innerB.step();
    const b = new NormalizeObservation(innerB);
    b.setState(saved);

    // Control: without the restored state the outputs differ.
    const innerC = new GaussianObsEnv(shift, scale);
    innerC.reset({ seed: 4 });
    for (let t = 0; t < 200; t++) innerC.step();
    const c = new NormalizeObservation(innerC);

    for (let t = 0; t < 10; t++) {
      const oa = Array.from(a.step(0).obs);
      expect(Array.from(b.step(0).obs)).toEqual(oa);
      expect(Array.from(c.step(0).obs)).not.toEqual(oa);
    }
  });

  it('rejects a state of another shape with a clear error', () => {
    const env = new NormalizeObservation(new GaussianObsEnv(shift, scale));
    const other = new NormalizeObservation(new GaussianObsEnv([0, 0], [1, 1]));
    expect(() => env.setState(other.getState())).toThrow(/state has shape \[2\], expected \[3\]/);
    expect(() => env.setState({} as never)).toThrow(/expected \{ obsRms \}/);
  });

  it('works on CartPole and normalises the reset observation too', () => {
    const env = new NormalizeObservation(new CartPoleEnv());
    const o = env.reset({ seed: 5 }).obs;
    // After one update from the prior, |normalised| < 1 for a small observation.
    expect(o.every((v) => Number.isFinite(v) && Math.abs(v) < 1)).toBe(true);
    expect(env.obsRms.count).toBeCloseTo(1.0001, 12);
  });
});

describe('NormalizeReward', () => {
  const gamma = 0.5;
  const script = [{ r: 1 }, { r: 2 }, { r: 3, term: true }, { r: 4 }, { r: 5, trunc: true }, { r: -6 }];
  // G_t = G_{t−1}·γ·(1 − terminated_t) + r_t, with the flag of step t itself, by hand:
  //   1;  0.5·1 + 2 = 2.5;  0 + 3 = 3 (terminated: the past is dropped);  0.5·3 + 4 = 5.5;
  //   0.5·5.5 + 5 = 7.75 (truncated: kept);  0.5·7.75 − 6 = −2.125
  const G = [1, 2.5, 3, 5.5, 7.75, -2.125];

  it('tracks the discounted return, restarting at a terminated step but not at a truncated one', () => {
    const env = new NormalizeReward(new RewardScriptEnv(script), { gamma });
    env.reset({ seed: 0 });
    for (let t = 0; t < script.length; t++) {
      env.step(0);
      expect(env.discountedReward).toBe(G[t]);
    }
  });

  it('returns r / sqrt(var(prior, G_1..G_t) + ε) at every step', () => {
    const env = new NormalizeReward(new RewardScriptEnv(script), { gamma, epsilon: 1e-8 });
    env.reset({ seed: 0 });
    for (let t = 0; t < script.length; t++) {
      const out = env.step(0);
      const ref = pooled(G.slice(0, t + 1).map((g) => [g]), 1);
      expect(out.reward).toBeCloseTo(script[t]!.r / Math.sqrt(ref.variance[0]! + 1e-8), 12);
      expect(out.terminated).toBe(script[t]!.term ?? false);
      expect(out.truncated).toBe(script[t]!.trunc ?? false);
    }
  });

  it('freezing keeps the variance but still tracks G', () => {
    const env = new NormalizeReward(new RewardScriptEnv(script), { gamma });
    env.reset();
    env.step(0);
    env.step(0);
    env.updateRunningMean = false;
    const v = env.returnRms.var[0]!;
    const out = env.step(0);
    expect(env.returnRms.var[0]).toBe(v);
    expect(env.discountedReward).toBe(3);
    expect(out.reward).toBeCloseTo(3 / Math.sqrt(v + 1e-8), 14);
  });

  it('a fresh wrapper restored from getState reproduces the next rewards, including the running return', () => {
    const long = Array.from({ length: 40 }, (_, i) => ({ r: Math.sin(i) * 3, term: i % 13 === 12 }));
    const a = new NormalizeReward(new RewardScriptEnv(long));
    a.reset();
    for (let t = 0; t < 20; t++) a.step(0);
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>;
    expect(saved.discountedReward).toBe(a.discountedReward);

    const innerB = new RewardScriptEnv(long);
    for (let t = 0; t < 20; t++) innerB.step();
    const b = new NormalizeReward(innerB);
    b.setState(saved);
    // Control: the same statistics but G = 0 gives other rewards from the next update on.
    const innerC = new RewardScriptEnv(long);
    for (let t = 0; t < 20; t++) innerC.step();
    const c = new NormalizeReward(innerC);
    c.setState({ ...saved, discountedReward: 0 });

    let differs = false;
    for (let t = 0; t < 10; t++) {
      const ra = a.step(0).reward;
      expect(b.step(0).reward).toBe(ra);
      if (c.step(0).reward !== ra) differs = true;
    }
    expect(differs).toBe(true);
  });

  it('rejects bad states and options with clear errors', () => {
    const env = new NormalizeReward(new RewardScriptEnv(script));
    const good = env.getState();
    expect(() => env.setState({ ...good, discountedReward: NaN })).toThrow(/discountedReward must be a finite number, got NaN/);
    expect(() => env.setState({ ...good, returnRms: { ...good.returnRms, shape: [2] } })).toThrow(/state has shape \[2\], expected \[\]/);
    expect(() => env.setState(null as never)).toThrow(/expected \{ returnRms, discountedReward \}/);
    expect(env.getState()).toEqual(good);
    expect(() => new NormalizeReward(new RewardScriptEnv(script), { gamma: 1.5 })).toThrow(/gamma must be in \[0, 1\], got 1.5/);
  });
});
