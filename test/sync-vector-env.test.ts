import { describe, expect, it } from 'vitest';
import {
  AutoresetMode, BaseEnv, Box, Dict, Discrete, InvalidActionError, InvalidObservationError, MultiBinary, MultiDiscrete,
  ResetNeededError, Rng, SyncVectorEnv, Tuple, batchReader, batchWriter, copyBatch, createBatch, make,
  type Env, type Info, type ResetOptions, type ResetResult, type StepResult,
} from '../src/envs/index.ts';
import { SubEnvGroup, type SubEnvBuffers } from '../src/envs/vector/sync-vector-env.ts';

/**
 * Terminates (or truncates) after `k` steps. obs = [t, start] where `start` is drawn from the env's RNG at
 * reset, so seeding is visible; reward = 10 t + action; info = { t } (reset info: { reset: start }).
 */
class CountdownEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(3);
  readonly observationSpace = new Box(-1e6, 1e6, [2], 'float32');
  t = 0;
  start = 0;
  constructor(readonly k: number, readonly opts: { truncate?: boolean; badObsAt?: number } = {}) {
    super();
  }
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.t = 0;
    this.start = this.rng.integer(1000);
    return { obs: Float32Array.of(0, this.start), info: { reset: this.start } };
  }
  step(action: number): StepResult<Float32Array> {
    this.t++;
    const done = this.t >= this.k;
    const obs = this.t === this.opts.badObsAt ? new Float32Array(3) : Float32Array.of(this.t, this.start);
    return { obs, reward: 10 * this.t + action, terminated: done && !this.opts.truncate, truncated: done && !!this.opts.truncate, info: { t: this.t } };
  }
}

const countdowns = (...ks: number[]): (() => CountdownEnv)[] => ks.map((k) => () => new CountdownEnv(k));

describe('SyncVectorEnv spaces and results', () => {
  it('batches the spaces and sets the autoreset mode in metadata', () => {
    const v = new SyncVectorEnv(countdowns(2, 2, 2));
    expect(v.numEnvs).toBe(3);
    expect(v.singleActionSpace).toBeInstanceOf(Discrete);
    expect(v.actionSpace).toBeInstanceOf(MultiDiscrete);
    expect([...(v.actionSpace as MultiDiscrete).nvec]).toEqual([3, 3, 3]);
    expect((v.observationSpace as Box).shape).toEqual([3, 2]);
    expect(v.metadata.autoresetMode).toBe(AutoresetMode.NEXT_STEP);
    expect(new SyncVectorEnv(countdowns(2), { autoresetMode: 'same_step' }).metadata.autoresetMode).toBe('same_step');
    expect(() => new SyncVectorEnv(countdowns(2), { autoresetMode: 'later' as never })).toThrow(/autoresetMode "later"/);
    const r = v.reset({ seed: 0 });
    expect(r.obs).toBeInstanceOf(Float32Array);
    expect((r.obs as Float32Array).length).toBe(6);
    expect(v.observationSpace.contains(r.obs)).toBe(true);
  });

  it('reuses the result object and its buffers across steps', () => {
    const v = new SyncVectorEnv(countdowns(5, 5));
    v.reset({ seed: 0 });
    const a = new Int32Array(2);
    const r1 = v.step(a);
    const { obs, rewards } = r1;
    const r2 = v.step(a);
    expect(r2).toBe(r1);
    expect(r2.obs).toBe(obs);
    expect(r2.rewards).toBe(rewards);
  });

  it('rejects sub-envs with different spaces', () => {
    expect(() => new SyncVectorEnv([() => new CountdownEnv(2), () => make('CartPole-v1') as never])).toThrow(/sub-env 1 has observation space/);
  });
});

describe('SyncVectorEnv NEXT_STEP autoreset (Gymnasium 1.x default)', () => {
  it('returns the final obs on the done step, then the reset obs with reward 0 and no flags on the next', () => {
    const v = new SyncVectorEnv(countdowns(2, 3));
    const r0 = v.reset({ seed: 7 });
    const s0 = (r0.obs as Float32Array)[1]!;
    const s1 = (r0.obs as Float32Array)[3]!;
    expect(r0.infos[0]).toEqual({ reset: s0 });
    const a = Int32Array.of(1, 2);
    const rows: unknown[] = [];
    for (let k = 0; k < 5; k++) {
      const r = v.step(a);
      rows.push({ obs: [...(r.obs as Float32Array)], rewards: [...r.rewards], term: [...r.terminations], trunc: [...r.truncations], infos: r.infos.map((i) => ({ ...i })) });
      expect(r.finalObs).toBeNull();
      expect(r.finalMask).toBeNull();
    }
    const o = rows as { obs: number[]; rewards: number[]; term: number[]; trunc: number[]; infos: Info[] }[];
    // env 0 (k = 2): steps 1, 2 (done), reset, 1, 2 (done)
    expect(o.map((r) => r.obs[0])).toEqual([1, 2, 0, 1, 2]);
    expect(o.map((r) => r.rewards[0])).toEqual([11, 21, 0, 11, 21]);
    expect(o.map((r) => r.term[0])).toEqual([0, 1, 0, 0, 1]);
    expect(o[1]!.obs[1]).toBe(s0); // the final obs belongs to the finished episode
    expect(o[2]!.infos[0]).toEqual({ reset: o[2]!.obs[1] }); // the reset step carries the reset info
    expect(o[3]!.infos[0]).toEqual({ t: 1 });
    // env 1 (k = 3): steps 1, 2, 3 (done), reset, 1
    expect(o.map((r) => r.obs[2])).toEqual([1, 2, 3, 0, 1]);
    expect(o.map((r) => r.rewards[1])).toEqual([12, 22, 32, 0, 12]);
    expect(o.map((r) => r.term[1])).toEqual([0, 0, 1, 0, 0]);
    expect(o[2]!.obs[3]).toBe(s1);
    expect(o.every((r) => r.trunc.every((x) => x === 0))).toBe(true);
  });

  it('ignores (and does not validate) the action of the reset step', () => {
    const v = new SyncVectorEnv(countdowns(1));
    v.reset({ seed: 0 });
    v.step(Int32Array.of(0)); // done
    const r = v.step(Int32Array.of(99)); // the reset step: 99 would be invalid
    expect(r.rewards[0]).toBe(0);
    expect(() => v.step(Int32Array.of(99))).toThrow(InvalidActionError);
  });

  it('reports truncation in truncations', () => {
    const v = new SyncVectorEnv([() => new CountdownEnv(2, { truncate: true })]);
    v.reset({ seed: 0 });
    v.step(Int32Array.of(0));
    const r = v.step(Int32Array.of(0));
    expect([r.terminations[0], r.truncations[0]]).toEqual([0, 1]);
    expect(v.step(Int32Array.of(0)).obs).toEqual(Float32Array.of(0, (v.envs[0] as CountdownEnv).start));
  });
});

describe('SyncVectorEnv SAME_STEP autoreset', () => {
  it('returns the reset obs on the done step with the final obs, mask and info alongside', () => {
    const v = new SyncVectorEnv(countdowns(2, 3), { autoresetMode: AutoresetMode.SAME_STEP });
    const r0 = v.reset({ seed: 7 });
    const s0 = (r0.obs as Float32Array)[1]!;
    const a = Int32Array.of(0, 1);
    const r1 = v.step(a);
    expect([...(r1.obs as Float32Array)]).toEqual([1, s0, 1, (r0.obs as Float32Array)[3]]);
    expect([...r1.finalMask!]).toEqual([0, 0]);
    expect(r1.finalInfos).toEqual([null, null]);
    const r2 = v.step(a);
    // env 0 finished: obs is the new episode's first obs, the old episode's last obs is in finalObs
    const obs = r2.obs as Float32Array;
    const env0 = v.envs[0] as CountdownEnv;
    expect([obs[0], obs[1]]).toEqual([0, env0.start]);
    expect(r2.rewards[0]).toBe(20);
    expect(r2.terminations[0]).toBe(1);
    expect([...r2.finalMask!]).toEqual([1, 0]);
    const fin = r2.finalObs as Float32Array;
    expect([fin[0], fin[1]]).toEqual([2, s0]);
    expect(r2.finalInfos![0]).toEqual({ t: 2 });
    expect(r2.finalInfos![1]).toBeNull();
    expect(r2.infos[0]).toEqual({ reset: env0.start });
    // the next step is a normal first step of the new episode
    const r3 = v.step(a);
    expect((r3.obs as Float32Array)[0]).toBe(1);
    expect(r3.rewards[0]).toBe(10);
    expect(r3.finalMask![0]).toBe(0);
    expect(r3.finalMask![1]).toBe(1);
    expect((r3.finalObs as Float32Array)[2]).toBe(3);
  });
});

describe('SyncVectorEnv seeding', () => {
  const run = (seed: number | number[], mode: AutoresetMode = 'next_step'): number[] => {
    const v = new SyncVectorEnv(Array.from({ length: 4 }, () => () => make('CartPole-v1')), { autoresetMode: mode });
    const out = [...(v.reset({ seed }).obs as Float32Array)];
    const a = new Int32Array(4);
    for (let t = 0; t < 60; t++) {
      for (let i = 0; i < 4; i++) a[i] = (t * 7 + i * 3) % 5 < 2 ? 1 : 0;
      const r = v.step(a as never);
      out.push(...(r.obs as Float32Array), ...r.rewards, ...r.terminations);
    }
    return out;
  };

  it('is deterministic: two runs from one seed are identical; another seed differs', () => {
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('seeds sub-env i with seed + i; a seed list gives the same as the number form', () => {
    expect(run([3, 4, 5, 6])).toEqual(run(3));
    const v = new SyncVectorEnv(Array.from({ length: 3 }, () => () => make<Float32Array, number>('CartPole-v1')));
    const obs = v.reset({ seed: 10 }).obs as Float32Array;
    for (let i = 0; i < 3; i++) {
      const single = make<Float32Array, number>('CartPole-v1');
      expect([...obs.subarray(4 * i, 4 * i + 4)]).toEqual([...single.reset({ seed: 10 + i }).obs]);
    }
  });

  it('rejects a seed list of the wrong length and bad seeds', () => {
    const v = new SyncVectorEnv(countdowns(2, 2));
    expect(() => v.reset({ seed: [1, 2, 3] })).toThrow(/length 3, expected numEnvs = 2/);
    expect(() => v.reset({ seed: -1 })).toThrow(/integer ≥ 0/);
    expect(() => v.reset({ seed: [1, 1.5] })).toThrow(/seed\[1\]/);
  });
});

describe('SyncVectorEnv errors', () => {
  it('rejects an invalid action naming the sub-env and the action, stepping nothing', () => {
    const v = new SyncVectorEnv(countdowns(5, 5, 5));
    v.reset({ seed: 0 });
    expect(() => v.step(Int32Array.of(0, 1, 7))).toThrow(InvalidActionError);
    expect(() => v.step(Int32Array.of(0, 1, 7))).toThrow('SyncVectorEnv(CountdownEnv): sub-env 2: action 7 is outside Discrete(3) (valid: 0..2)');
    expect((v.envs[0] as CountdownEnv).t).toBe(0);
    expect(() => v.step(Int32Array.of(0, 1))).toThrow(/actions has length 2, expected 3/);
  });

  it('rejects a wrong-shaped observation naming the sub-env and the expected shape', () => {
    const v = new SyncVectorEnv([() => new CountdownEnv(5), () => new CountdownEnv(5, { badObsAt: 2 })]);
    v.reset({ seed: 0 });
    v.step(Int32Array.of(0, 0));
    const err = (() => {
      try {
        v.step(Int32Array.of(0, 0));
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(InvalidObservationError);
    expect(err!.message).toMatch(/sub-env 1: observation has length 3, expected 2 \(shape \[2\] of Box/);
  });

  it('needs reset before step; close is idempotent and final', () => {
    const v = new SyncVectorEnv(countdowns(2));
    expect(() => v.step(Int32Array.of(0))).toThrow(ResetNeededError);
    v.reset();
    v.close();
    v.close();
    expect(v.closed).toBe(true);
    expect(() => v.step(Int32Array.of(0))).toThrow(/after close/);
  });
});

describe('batching', () => {
  it('creates buffers per batched space: Discrete → Int32Array, Box keeps dtype, Dict/Tuple nest', () => {
    const space = new Dict({
      pos: new Discrete(5),
      img: new Box(0, 255, [2, 2], 'uint8'),
      bits: new MultiBinary(3),
      pair: new Tuple([new MultiDiscrete([2, 3]), new Box(-1, 1, [1], 'float64')]),
    });
    const b = createBatch(space, 4) as Record<string, unknown>;
    expect(b.pos).toBeInstanceOf(Int32Array);
    expect((b.pos as Int32Array).length).toBe(4);
    expect(b.img).toBeInstanceOf(Uint8Array);
    expect((b.img as Uint8Array).length).toBe(16);
    expect(b.bits).toBeInstanceOf(Int8Array);
    const pair = b.pair as [Int32Array, Float64Array];
    expect(pair[0]).toBeInstanceOf(Int32Array);
    expect(pair[0].length).toBe(8);
    expect(pair[1]).toBeInstanceOf(Float64Array);
    // the buffer is an element of space.batch(n)
    expect(space.batch(4).check(b)).toBeNull();

    const write = batchWriter(space, b, 'test');
    const x = { pos: 3, img: Uint8Array.of(1, 2, 3, 4), bits: Int8Array.of(1, 0, 1), pair: [Int32Array.of(1, 2), Float64Array.of(0.5)] };
    write(2, x);
    expect((b.pos as Int32Array)[2]).toBe(3);
    expect([...(b.img as Uint8Array).subarray(8, 12)]).toEqual([1, 2, 3, 4]);
    expect([...pair[0].subarray(4, 6)]).toEqual([1, 2]);
    expect(() => write(1, { ...x, img: new Uint8Array(3) })).toThrow('test: sub-env 1: observation.img has length 3, expected 4 (shape [2, 2] of Box');
    expect(() => write(0, { ...x, pair: [new Int32Array(1), x.pair[1]] })).toThrow(/observation\.pair\[0\] has length 1/);

    const read = batchReader(space, 4, 'test');
    const e = read(b, 2) as typeof x;
    expect(e.pos).toBe(3);
    expect([...e.img]).toEqual([1, 2, 3, 4]);
    expect(space.contains(e)).toBe(true);
    expect(read(b, 2)).toBe(e); // per-env scratch, no allocation

    const copy = createBatch(space, 4);
    copyBatch(space, b, copy, 4, 'test');
    expect(copy).toEqual(b);
  });

  it('steps a vector env over a Dict observation space', () => {
    class DictEnv extends BaseEnv<Record<string, unknown>, Int32Array> {
      readonly actionSpace = new MultiDiscrete([2, 2]);
      readonly observationSpace = new Dict({ n: new Discrete(10), v: new Box(0, 10, [2], 'float32') });
      t = 0;
      reset(o?: ResetOptions): ResetResult<Record<string, unknown>> {
        this.seedRng(o);
        this.t = 0;
        return { obs: { n: 0, v: Float32Array.of(0, 0) }, info: {} };
      }
      step(a: Int32Array): StepResult<Record<string, unknown>> {
        this.t++;
        return { obs: { n: this.t, v: Float32Array.of(a[0]!, a[1]!) }, reward: 0, terminated: false, truncated: false, info: {} };
      }
    }
    const v = new SyncVectorEnv([() => new DictEnv(), () => new DictEnv()]);
    v.reset();
    const r = v.step(Int32Array.of(1, 0, 0, 1) as never);
    const obs = r.obs as { n: Int32Array; v: Float32Array };
    expect([...obs.n]).toEqual([1, 1]);
    expect([...obs.v]).toEqual([1, 0, 0, 1]);
    expect(() => v.step(Int32Array.of(1, 0, 0, 2) as never)).toThrow(/sub-env 1: action entry 1 = 2 is outside/);
  });
});

/**
 * Box observations of `size` floats drawn from the env's RNG (so seeding and resets show); episodes end
 * after 2 + (start mod 5) steps, by truncation when start is even; info changes every step.
 */
class NoisyBoxEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(3, -1);
  readonly observationSpace: Box;
  private readonly obs: Float32Array;
  t = 0;
  start = 0;
  constructor(readonly size: number, readonly badObsAt = -1) {
    super();
    this.observationSpace = new Box(-1e6, 1e6, [size], 'float32');
    this.obs = new Float32Array(size);
  }
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.t = 0;
    this.start = this.rng.integer(1000);
    for (let j = 0; j < this.size; j++) this.obs[j] = this.rng.uniform(-1, 1);
    return { obs: this.obs, info: { reset: this.start } };
  }
  step(action: number): StepResult<Float32Array> {
    this.t++;
    for (let j = 0; j < this.size; j++) this.obs[j] += action * 0.5 + this.rng.uniform(-0.1, 0.1);
    const done = this.t >= 2 + (this.start % 5);
    const obs = this.t === this.badObsAt ? new Float32Array(this.size + 1) : this.obs; // reused buffer, as CartPoleEnv's
    return { obs, reward: action + this.t, terminated: done && this.start % 2 === 1, truncated: done && this.start % 2 === 0, info: { t: this.t } };
  }
}

/** Runs a SubEnvGroup over `make()`-like sub-envs and records every output, step by step. */
function groupTrace(makeEnv: () => Env<unknown, unknown>, mode: AutoresetMode, fastPath: boolean, steps = 300): { fast: boolean; out: unknown[] } {
  const n = 5;
  const envs = Array.from({ length: n }, makeEnv);
  const space = envs[0]!.observationSpace;
  const buffers: SubEnvBuffers = {
    obs: createBatch(space, n), rewards: new Float64Array(n), terminations: new Uint8Array(n), truncations: new Uint8Array(n),
    finalObs: mode === 'same_step' ? createBatch(space, n) : null, finalMask: mode === 'same_step' ? new Uint8Array(n) : null,
  };
  const group = new SubEnvGroup(envs, 0, n, space, envs[0]!.actionSpace, mode, buffers, 'test', { fastPath });
  const rng = new Rng(5);
  const act = envs[0]!.actionSpace as Discrete;
  const a = new Int32Array(n);
  group.reset([10, 11, 12, 13, 14]);
  const out: unknown[] = [[...(buffers.obs as Float32Array)], group.infos.map((i) => ({ ...i }))];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) a[i] = act.start + rng.integer(act.n);
    group.step(a);
    out.push([...(buffers.obs as Float32Array)], [...buffers.rewards], [...buffers.terminations], [...buffers.truncations], group.infos.map((i) => ({ ...i })));
    if (buffers.finalMask) {
      out.push([...buffers.finalMask], group.finalInfos!.map((i) => (i ? { ...i } : null)));
      const size = (space as Box).size;
      out.push([...(buffers.finalObs as Float32Array)].filter((_, j) => buffers.finalMask![Math.floor(j / size)] === 1));
    }
  }
  return { fast: group.fastPath, out };
}

describe('SubEnvGroup fast path (Discrete actions, Box observations)', () => {
  const cases: [string, () => Env<unknown, unknown>][] = [
    ["make('CartPole-v1')", () => make('CartPole-v1')],
    ['Box [3] (shorter than one pass of 4)', () => new NoisyBoxEnv(3)],
    ['Box [6] (a pass of 4 and a remainder)', () => new NoisyBoxEnv(6)],
    ['Box [40] (copied with set)', () => new NoisyBoxEnv(40)],
  ];
  for (const mode of [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]) {
    for (const [name, makeEnv] of cases) {
      it(`gives exactly the general path's results: ${name}, ${mode}`, () => {
        const fast = groupTrace(makeEnv, mode, true);
        const general = groupTrace(makeEnv, mode, false);
        expect(fast.fast).toBe(true);
        expect(general.fast).toBe(false);
        expect(fast.out).toEqual(general.out);
      });
    }
  }

  it('is taken only for Discrete actions and Box observations', () => {
    expect(new SyncVectorEnv([() => make('CartPole-v1')]) as unknown as { group: SubEnvGroup }).toHaveProperty('group.fastPath', true);
    class MultiActionEnv extends NoisyBoxEnv {
      override readonly actionSpace = new MultiDiscrete([2, 2]) as never;
    }
    expect(new SyncVectorEnv([() => new MultiActionEnv(2)]) as unknown as { group: SubEnvGroup }).toHaveProperty('group.fastPath', false);
  });

  for (const mode of [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP]) {
    it(`throws the general path's errors (${mode})`, () => {
      const errorOf = (fastPath: boolean, actions: Int32Array, badObsAt = -1): string => {
        const envs = [new NoisyBoxEnv(6), new NoisyBoxEnv(6, badObsAt)];
        const buffers: SubEnvBuffers = {
          obs: createBatch(envs[0]!.observationSpace, 2), rewards: new Float64Array(2), terminations: new Uint8Array(2), truncations: new Uint8Array(2),
          finalObs: mode === 'same_step' ? createBatch(envs[0]!.observationSpace, 2) : null, finalMask: mode === 'same_step' ? new Uint8Array(2) : null,
        };
        const group = new SubEnvGroup(envs, 0, 2, envs[0]!.observationSpace, envs[0]!.actionSpace, mode, buffers, 'SyncVectorEnv(Noisy)', { fastPath });
        group.reset([0, 1]);
        try {
          group.step(actions);
          group.step(actions);
        } catch (e) {
          return `${(e as Error).constructor.name}: ${(e as Error).message}`;
        }
        return 'no error';
      };
      for (const [actions, badObsAt] of [[Int32Array.of(0, 2), -1], [Int32Array.of(-2, 0), -1], [Int32Array.of(0), -1], [Int32Array.of(0, 1), 2]] as const) {
        const fast = errorOf(true, actions, badObsAt);
        expect(fast).not.toBe('no error');
        expect(fast).toBe(errorOf(false, actions, badObsAt));
      }
      expect(errorOf(true, Int32Array.of(0, 2))).toBe('InvalidActionError: SyncVectorEnv(Noisy): sub-env 1: action 2 is outside Discrete(3, start=-1) (valid: -1..1)');
    });
  }
});
