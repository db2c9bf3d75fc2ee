import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidActionError, InvalidObservationError, Rng, SyncVectorEnv, ThreadVectorEnv, UnknownEnvError, make, makeVec,
  type AutoresetMode, type VectorEnv,
} from '../src/envs/index.ts';

// A user module that registers test envs, imported by each worker through `modules` (as a user's own
// env file would be). It imports the framework by absolute URL so it shares the workers' registry.
const ENVS_URL = new URL('../src/envs/index.ts', import.meta.url).href;
const USER_MODULE = `
import { BaseEnv, Box, Discrete, register } from ${JSON.stringify(ENVS_URL)};

/** Steps to k; info { t, tag: 'é' } each step; kwargs: throwAt (the n-th step since construction throws), badObsAt, bigInfo. */
class TalkyEnv extends BaseEnv {
  actionSpace = new Discrete(2);
  observationSpace = new Box(-1e6, 1e6, [2], 'float32');
  constructor(kw) { super(); this.kw = kw; this.t = 0; this.total = 0; }
  reset(o) {
    this.seedRng(o);
    this.t = 0;
    this.start = this.rng.integer(1000);
    return { obs: Float32Array.of(0, this.start), info: { reset: this.start } };
  }
  step(a) {
    this.t++;
    if (++this.total === this.kw.throwAt) throw new Error('TalkyEnv exploded at step ' + this.total);
    const obs = this.t === this.kw.badObsAt ? new Float32Array(5) : Float32Array.of(this.t, this.start);
    const info = this.kw.bigInfo ? { blob: 'x'.repeat(10000) } : { t: this.t, tag: 'é' };
    return { obs, reward: 10 * this.t + a, terminated: this.t >= (this.kw.k ?? 3), truncated: false, info };
  }
}
register('Talky-v0', (kw) => new TalkyEnv(kw));
`;

let dir = '';
let userModule = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rudder-thread-test-'));
  userModule = join(dir, 'user-envs.mjs');
  writeFileSync(userModule, USER_MODULE);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trace(env: VectorEnv<Float32Array, Int32Array>, steps: number, seed: number | number[]): unknown[] {
  const rng = new Rng(7);
  const a = new Int32Array(env.numEnvs);
  const r0 = env.reset({ seed });
  const out: unknown[] = [[...r0.obs], r0.infos.map((i) => ({ ...i }))];
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < a.length; i++) a[i] = rng.integer(2);
    const r = env.step(a);
    out.push([...r.obs], [...r.rewards], [...r.terminations], [...r.truncations], r.infos.map((i) => ({ ...i })));
    if (r.finalMask) {
      // finalObs is valid only where finalMask is 1 (elsewhere it holds stale values)
      out.push([...r.finalMask], [...r.finalObs!].filter((_, j) => r.finalMask![j >> 2] === 1), r.finalInfos!.map((i) => (i ? { ...i } : null)));
    }
  }
  return out;
}

describe('ThreadVectorEnv', () => {
  for (const mode of ['next_step', 'same_step'] as AutoresetMode[]) {
    it(`gives the same trajectories as SyncVectorEnv for the same seed (CartPole-v1, 5 envs on 2 workers, ${mode})`, () => {
      const threads = new ThreadVectorEnv<Float32Array, Int32Array>('CartPole-v1', 5, { numWorkers: 2, autoresetMode: mode });
      try {
        expect(threads.numWorkers).toBe(2);
        expect(threads.metadata.autoresetMode).toBe(mode);
        expect(threads.observationSpace.shape).toEqual([5, 4]);
        const syncEnv = new SyncVectorEnv(Array.from({ length: 5 }, () => () => make('CartPole-v1')), { autoresetMode: mode });
        const want = trace(syncEnv as unknown as VectorEnv<Float32Array, Int32Array>, 150, 11);
        expect(trace(threads, 150, 11)).toEqual(want);
        // a seed list and a second run from the same seed reproduce it
        expect(trace(threads, 150, [11, 12, 13, 14, 15])).toEqual(want);
      } finally {
        threads.close();
      }
    });
  }

  it('builds user envs registered by `modules`, carries infos, and surfaces worker errors', () => {
    const v = makeVec<Float32Array, Int32Array>('Talky-v0', 3, {
      vectorizationMode: 'threads', modules: [userModule], numWorkers: 2, autoresetMode: 'same_step', kwargs: { throwAt: 8, k: 3 },
    }) as ThreadVectorEnv<Float32Array, Int32Array>;
    try {
      expect(v).toBeInstanceOf(ThreadVectorEnv);
      const r0 = v.reset({ seed: 1 });
      expect(r0.infos.map((i) => typeof i.reset)).toEqual(['number', 'number', 'number']);
      const start0 = r0.obs[1]; // r0.obs is reused by step: keep the value
      const a = Int32Array.of(1, 0, 1);
      let r = v.step(a);
      expect(r.infos[0]).toEqual({ t: 1, tag: 'é' });
      expect([...r.rewards]).toEqual([11, 10, 11]);
      v.step(a);
      r = v.step(a);
      expect([...r.finalMask!]).toEqual([1, 1, 1]);
      expect(r.finalInfos![2]).toEqual({ t: 3, tag: 'é' });
      expect(r.infos[2]).toHaveProperty('reset');
      expect([...r.finalObs!.subarray(0, 2)]).toEqual([3, start0]);
      // an invalid action is checked in the worker and rethrown here with its type and message
      expect(() => v.step(Int32Array.of(1, 0, 3))).toThrow(InvalidActionError);
      expect(() => v.step(Int32Array.of(1, 0, 3))).toThrow('ThreadVectorEnv(Talky-v0): sub-env 2: action 3 is outside Discrete(2) (valid: 0..1)');
      expect(() => v.step(Int32Array.of(1, 0))).toThrow(/actions has length 2, expected 3/);
      // a sub-env that throws: same message in the main thread; the env stays usable after a reset
      v.reset({ seed: 1 });
      for (let t = 0; t < 4; t++) v.step(a);
      const err = (() => {
        try {
          v.step(a);
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(Error);
      expect(err!.message).toBe('TalkyEnv exploded at step 8');
      expect(err!.stack).toMatch(/thrown in ThreadVectorEnv\(Talky-v0\) worker 0/);
      expect(v.reset({ seed: 1 }).obs.length).toBe(6);
    } finally {
      v.close();
    }
    v.close(); // idempotent
    expect(v.closed).toBe(true);
    expect(() => v.reset()).toThrow(/after close/);
  });

  it('rejects wrong-shaped observations and too-large infos with clear errors', () => {
    const v = new ThreadVectorEnv('Talky-v0', 2, { modules: [userModule], numWorkers: 1, kwargs: { badObsAt: 2, k: 9 } });
    try {
      v.reset({ seed: 0 });
      v.step(Int32Array.of(0, 0));
      expect(() => v.step(Int32Array.of(0, 0))).toThrow(InvalidObservationError);
    } finally {
      v.close();
    }
    const big = new ThreadVectorEnv('Talky-v0', 1, { modules: [userModule], kwargs: { bigInfo: true }, infoBytes: 1024 });
    try {
      big.reset();
      expect(() => big.step(Int32Array.of(0))).toThrow(/sub-env 0: its info is 10011 bytes of JSON, more than infoBytes = 1024/);
    } finally {
      big.close();
    }
  });

  it('fails to start with the worker error for an unknown id', () => {
    expect(() => new ThreadVectorEnv('NoSuchEnv-v0', 1)).toThrow(UnknownEnvError);
  });
});
