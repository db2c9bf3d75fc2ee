import { describe, expect, it } from 'vitest';
import { CartPoleEnv } from '../src/envs/classic/cartpole.ts';
import { BaseEnv, type Info, type ResetOptions, type ResetResult, type StepResult } from '../src/envs/core/env.ts';
import { Box } from '../src/envs/spaces/box.ts';
import { Dict, type DictElement } from '../src/envs/spaces/dict.ts';
import { Discrete } from '../src/envs/spaces/discrete.ts';
import { MultiBinary } from '../src/envs/spaces/multi-binary.ts';
import { Tuple } from '../src/envs/spaces/tuple.ts';
import { unflatten } from '../src/envs/spaces/utils.ts';
import { FlattenObservation } from '../src/envs/wrappers/flatten-observation.ts';

/**
 * A grid-walker with a Dict observation: `pos` (Box [2], in [-1, 1]), `dir` (Discrete(4)) and
 * `flags` (MultiBinary(3)). At step t: pos = [0.1·t, −0.1·t], dir = t mod 4, flags = [t odd, bit 1 of t, 1].
 * Ends (terminated) at t = 5; reward = t.
 */
class DictObsEnv extends BaseEnv<DictElement, number> {
  readonly actionSpace = new Discrete(2);
  // Declared in an unsorted order; a plain object's keys are sorted: dir, flags, pos.
  readonly observationSpace = new Dict({ pos: new Box(-1, 1, [2]), dir: new Discrete(4), flags: new MultiBinary(3) });
  readonly info: Info = { note: 'x' };
  private t = 0;

  static expectedFlat(t: number): number[] {
    const oneHot = [0, 0, 0, 0];
    oneHot[t % 4] = 1;
    return [...oneHot, t & 1, (t >> 1) & 1, 1, Math.fround(0.1 * t), Math.fround(-0.1 * t)];
  }

  reset(options?: ResetOptions): ResetResult<DictElement> {
    this.seedRng(options);
    this.t = 0;
    return { obs: this.obs(), info: this.info };
  }

  step(): StepResult<DictElement> {
    this.t++;
    return { obs: this.obs(), reward: this.t, terminated: this.t >= 5, truncated: false, info: this.info };
  }

  obs(): DictElement {
    const t = this.t;
    return {
      pos: Float32Array.of(0.1 * t, -0.1 * t),
      dir: t % 4,
      flags: Int8Array.of(t & 1, (t >> 1) & 1, 1),
    };
  }
}

describe('FlattenObservation', () => {
  it('flattens a Dict observation in sorted key order, Discrete one-hot', () => {
    const env = new FlattenObservation(new DictObsEnv());
    const r0 = env.reset({ seed: 0 });
    expect(Array.from(r0.obs)).toEqual(DictObsEnv.expectedFlat(0));
    for (let t = 1; t <= 5; t++) {
      const r = env.step(0);
      expect(Array.from(r.obs)).toEqual(DictObsEnv.expectedFlat(t));
      expect(r.reward).toBe(t);
      expect(r.terminated).toBe(t === 5);
      expect(r.info).toEqual({ note: 'x' });
      // Every output lies in the flattened space.
      expect(env.observationSpace.check(r.obs)).toBeNull();
    }
  });

  it('observation space is flattenSpace of the inner one: float32 Box [9] with per-part bounds', () => {
    const env = new FlattenObservation(new DictObsEnv());
    const s = env.observationSpace;
    expect(s).toBeInstanceOf(Box);
    expect(s.shape).toEqual([9]);
    expect(s.dtype).toBe('float32');
    expect(Array.from(s.low)).toEqual([0, 0, 0, 0, 0, 0, 0, -1, -1]);
    expect(Array.from(s.high)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(env.actionSpace).toBe(env.env.actionSpace);
  });

  it('unflattening the output gives back the inner observation', () => {
    const inner = new DictObsEnv();
    const env = new FlattenObservation(inner);
    env.reset();
    env.step(0);
    env.step(0);
    const flat = env.step(0).obs;
    const back = unflatten(inner.observationSpace, flat);
    expect(back).toEqual(inner.obs());
  });

  it('writes every observation into one reused buffer', () => {
    const env = new FlattenObservation(new DictObsEnv());
    const a = env.reset().obs;
    const b = env.step(0).obs;
    const c = env.step(0).obs;
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(Array.from(a)).toEqual(DictObsEnv.expectedFlat(2));
  });

  it('flattens a Tuple observation and leaves a Box one as its entries', () => {
    class TupleEnv extends BaseEnv<unknown[], number> {
      readonly actionSpace = new Discrete(1);
      readonly observationSpace = new Tuple([new Discrete(3, 1), new Box(0, 5, [2, 2], 'uint8')]);
      reset(): ResetResult<unknown[]> {
        return { obs: [2, Uint8Array.of(1, 2, 3, 4)], info: {} };
      }
      step(): StepResult<unknown[]> {
        return { obs: [3, Uint8Array.of(5, 0, 5, 0)], reward: 0, terminated: false, truncated: false, info: {} };
      }
    }
    const env = new FlattenObservation(new TupleEnv());
    expect(Array.from(env.reset().obs)).toEqual([0, 1, 0, 1, 2, 3, 4]);
    expect(Array.from(env.step(0).obs)).toEqual([0, 0, 1, 5, 0, 5, 0]);

    const cart = new FlattenObservation(new CartPoleEnv());
    const inner = new CartPoleEnv();
    expect(Array.from(cart.reset({ seed: 9 }).obs)).toEqual(Array.from(inner.reset({ seed: 9 }).obs));
    expect(cart.observationSpace.shape).toEqual([4]);
  });
});
