import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Box, CartPoleEnv, Discrete, EnvStateError, hasEnvState, KeyDoorTreasureEnv, listEnvs, make, makeVec, NormalizeObservation,
  NormalizeReward, RecordEpisodeStatistics, Rng, SyncVectorEnv, VectorRecordEpisodeStatistics,
  type Env, type EnvState, type ResetOptions, type ResetResult, type StepResult, type VectorEnv,
} from '../src/envs/index.ts';

/** One step as plain data: what a trajectory comparison needs. */
interface Rec {
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

/** Random valid actions from a seeded stream, so the same seed gives the same actions. */
function actionsFor(env: Env<unknown, unknown>, seed: number): () => unknown {
  const rng = new Rng(seed);
  const n = (env.actionSpace as Discrete).n;
  return () => rng.integer(n);
}

/** `m` steps with resets (no seed: the env's RNG goes on) after each episode end. */
function run(env: Env<unknown, unknown>, m: number, act: () => unknown): Rec[] {
  const out: Rec[] = [];
  for (let t = 0; t < m; t++) {
    const r = env.step(act());
    out.push({ obs: Array.from(r.obs as Float32Array), reward: r.reward, terminated: r.terminated, truncated: r.truncated });
    if (r.terminated || r.truncated) {
      const z = env.reset();
      out.push({ obs: Array.from(z.obs as Float32Array), reward: NaN, terminated: false, truncated: false });
    }
  }
  return out;
}

const through = (s: EnvState): EnvState => JSON.parse(JSON.stringify(s)) as EnvState;

// Kwargs per id that exercise more state than the defaults: delays, distractors, small worlds.
const VARIANTS: Record<string, Record<string, unknown>[]> = {
  'KeyDoorTreasure-v0': [{ size: 5 }, { size: 5, reward: 'delayed', delay: 7, distractors: true }, { size: 6, observation: 'image', reward: 'delayed', delay: 3, delayObservation: 'frozen' }],
  'ItemChain-v0': [{ size: 16, maxSteps: 60 }],
  'Venture-v0': [{ maxSteps: 120 }],
  'FourRooms-v0': [{ actionNoise: 0.3 }],
  'CartPole-v1': [{}, { reward: 'delayed' }, { reward: 'delayed', delay: 5 }, { reward: 'delayed', delay: 4, delayObservation: 'frozen' }],
};

describe('env state: getState / setState on every registered env', () => {
  const cases = listEnvs().flatMap((id) => (VARIANTS[id] ?? [{}]).map((kw) => [id, kw] as const));

  it.each(cases)('%s %j: step k, save, step on, restore (same env and a fresh one), the same trajectory', (id, kw) => {
    const env = make(id, kw);
    expect(hasEnvState(env)).toBe(true);
    env.reset({ seed: 11 });
    const warm = actionsFor(env, 5);
    run(env, 37, warm);
    const saved = through(env.getState!());
    const m = 150;
    const first = run(env, m, actionsFor(env, 9));
    env.setState!(saved);
    expect(run(env, m, actionsFor(env, 9))).toEqual(first);
    const fresh = make(id, kw);
    fresh.setState!(saved);
    expect(run(fresh, m, actionsFor(fresh, 9))).toEqual(first);
    expect(JSON.stringify(fresh.getState!())).toBe(JSON.stringify(env.getState!()));
    env.close();
    fresh.close();
  });
});

describe('env state: saved inside a DelayedReward delay', () => {
  it.each(['counter', 'frozen'])('%s observation: the rest of the delay and its payment come back', (delayObservation) => {
    const kw = { reward: 'delayed', delay: 6, delayObservation };
    const env = make<Float32Array, number>('CartPole-v1', kw);
    env.reset({ seed: 2 });
    let r = env.step(0);
    while (!('delayStepsLeft' in r.info)) r = env.step(0); // pushing left until the pole falls, then the delay
    const saved = through(env.getState!());
    const fresh = make<Float32Array, number>('CartPole-v1', kw);
    fresh.setState!(saved);
    const a = run(env as Env<unknown, unknown>, 20, () => 1), b = run(fresh as Env<unknown, unknown>, 20, () => 1);
    expect(b).toEqual(a);
    expect(a.some((s) => s.reward !== 0 && !Number.isNaN(s.reward))).toBe(true); // the delayed return was paid
  });
});

describe('env state: vector envs, autoresets inside the window', () => {
  function vrun(v: VectorEnv<Float32Array, Int32Array>, m: number, seed: number, warmUp = false): unknown[] {
    const rng = new Rng(seed);
    const n = v.singleActionSpace instanceof Discrete ? v.singleActionSpace.n : 2;
    const a = new Int32Array(v.numEnvs);
    const out: unknown[] = [];
    let dones = 0;
    for (let t = 0; t < m; t++) {
      for (let i = 0; i < a.length; i++) a[i] = rng.integer(n);
      const r = v.step(a);
      for (let i = 0; i < a.length; i++) dones += r.terminations[i]! | r.truncations[i]!;
      // finalObs is valid only where finalMask is 1.
      const finals = r.finalObs ? Array.from(r.finalObs).map((x, j) => (r.finalMask![Math.floor(j / (r.finalObs!.length / a.length))] ? x : null)) : null;
      out.push([Array.from(r.obs), Array.from(r.rewards), Array.from(r.terminations), Array.from(r.truncations), finals]);
    }
    if (!warmUp) expect(dones).toBeGreaterThan(0); // the window holds autoresets
    return out;
  }

  const cases: [string, string, Record<string, unknown>, 'sync' | 'vector_entry_point' | undefined, 'next_step' | 'same_step', number][] = [
    ['CartPole native', 'CartPole-v1', {}, 'vector_entry_point', 'next_step', 80],
    ['CartPole native same_step', 'CartPole-v1', {}, 'vector_entry_point', 'same_step', 80],
    ['CartPole sync', 'CartPole-v1', {}, 'sync', 'next_step', 80],
    ['CartPole sync same_step', 'CartPole-v0', {}, 'sync', 'same_step', 80],
    ['KeyDoorTreasure 5×5 delayed', 'KeyDoorTreasure-v0', { size: 5, reward: 'delayed', delay: 5 }, undefined, 'next_step', 300],
    ['WatchRepair', 'WatchRepair-v0', {}, undefined, 'next_step', 120],
  ];

  it.each(cases)('%s', (_name, id, kwargs, mode, autoresetMode, m) => {
    const make3 = (): VectorRecordEpisodeStatistics<Float32Array, Int32Array> =>
      new VectorRecordEpisodeStatistics(makeVec<Float32Array, Int32Array>(id, 3, { kwargs, autoresetMode, ...(mode ? { vectorizationMode: mode } : {}) }));
    const v = make3();
    expect(hasEnvState(v)).toBe(true);
    v.reset({ seed: 3 });
    vrun(v, 23, 1, true);
    const saved = through(v.getState());
    const first = vrun(v, m, 2);
    const stats = [v.episodeCount, Array.from(v.recentReturns())];
    v.setState(saved);
    expect(vrun(v, m, 2)).toEqual(first);
    const fresh = make3();
    fresh.setState(saved);
    expect(vrun(fresh, m, 2)).toEqual(first);
    expect([fresh.episodeCount, Array.from(fresh.recentReturns())]).toEqual(stats);
    v.close();
    fresh.close();
  });

  it('ThreadVectorEnv: the workers\' sub-envs are saved and restored, also into another worker split (and a SyncVectorEnv state is refused)', () => {
    const opts = { kwargs: { size: 5, reward: 'delayed', delay: 3 }, vectorizationMode: 'threads', numWorkers: 2 } as const;
    const v = makeVec<Float32Array, Int32Array>('KeyDoorTreasure-v0', 3, opts);
    const fresh = makeVec<Float32Array, Int32Array>('KeyDoorTreasure-v0', 3, { ...opts, numWorkers: 1 }); // another split: states are in sub-env order
    try {
      expect(hasEnvState(v)).toBe(true);
      v.reset({ seed: 8 });
      vrun(v, 17, 1, true);
      const saved = through(v.getState!());
      const first = vrun(v, 300, 2);
      fresh.setState!(saved);
      expect(vrun(fresh, 300, 2)).toEqual(first);
      v.setState!(saved);
      expect(vrun(v, 300, 2)).toEqual(first);
      const sync = makeVec('KeyDoorTreasure-v0', 3, { kwargs: opts.kwargs });
      expect(() => v.setState!(sync.getState!())).toThrow(/state of SyncVectorEnv, not of ThreadVectorEnv/);
    } finally {
      v.close();
      fresh.close();
    }
  });
});

class NoStateEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 1, [1], 'float32');
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    return { obs: Float32Array.of(0), info: {} };
  }
  step(): StepResult<Float32Array> {
    return { obs: Float32Array.of(0), reward: 1, terminated: false, truncated: false, info: {} };
  }
}

describe('env state: what is refused', () => {
  it('an env without the contract, and wrappers or vector envs over it, report no state support', () => {
    const e = new NoStateEnv();
    expect(hasEnvState(e)).toBe(false);
    expect(hasEnvState(new RecordEpisodeStatistics(e))).toBe(false);
    expect(hasEnvState(new SyncVectorEnv([() => new NoStateEnv()]))).toBe(false);
    expect(() => e.getState()).toThrow(/NoStateEnv does not implement the env-state contract/);
    expect(hasEnvState(new RecordEpisodeStatistics(new CartPoleEnv()))).toBe(true);
  });

  it('a state of another env, or of the same env with other options, is refused by name and changes nothing', () => {
    const cart = new CartPoleEnv();
    cart.reset({ seed: 1 });
    const kdt = new KeyDoorTreasureEnv({ size: 5 });
    kdt.reset({ seed: 1 });
    const before = JSON.stringify(cart.getState());
    expect(() => cart.setState(kdt.getState())).toThrow(EnvStateError);
    expect(() => cart.setState(kdt.getState())).toThrow(/state of KeyDoorTreasure, not of CartPole/);
    expect(JSON.stringify(cart.getState())).toBe(before);

    const big = new KeyDoorTreasureEnv({ size: 8 });
    big.reset({ seed: 2 });
    expect(() => big.setState(kdt.getState())).toThrow(/made with \{"size":5.*this one was made with \{"size":8/);

    // Through make's wrapper stacks: CartPole is TimeLimit-wrapped, KeyDoorTreasure is not.
    const m1 = make('CartPole-v1');
    m1.reset({ seed: 0 });
    expect(() => m1.setState!(make('KeyDoorTreasure-v0').getState!())).toThrow(/not of TimeLimit/);
    const v0 = make('CartPole-v0');
    expect(() => v0.setState!(m1.getState!())).toThrow(/TimeLimit.*made with \{"maxEpisodeSteps":500\}.*\{"maxEpisodeSteps":200\}/);
  });

  it('a corrupt field is refused naming the field, and the env is unchanged', () => {
    const kdt = new KeyDoorTreasureEnv({ size: 5 });
    kdt.reset({ seed: 4 });
    const good = kdt.getState();
    const fields = good.fields as Record<string, unknown>;
    const bad = { ...good, fields: { ...fields, grid: { cells: { dtype: 'Uint8Array', length: 25, base64: 'AAAA' } } } };
    expect(() => kdt.setState(bad)).toThrow(/fields\.grid\.cells: the array's base64 holds 3 bytes/);
    expect(() => kdt.setState({ ...good, fields: { ...fields, agentX: 'x' } })).toThrow(/fields\.agentX: expected a number/);
    expect(() => kdt.setState({ ...good, rng: { s: [0, 0, 0, 0] } })).toThrow(/rng: RNG state must not be all zero/);
    expect(kdt.getState()).toEqual(good);
  });

  it('a vector env restores all sub-envs or none', () => {
    const v = makeVec('KeyDoorTreasure-v0', 3, { kwargs: { size: 5 } });
    v.reset({ seed: 1 });
    const before = JSON.stringify(v.getState!());
    const other = makeVec('KeyDoorTreasure-v0', 3, { kwargs: { size: 5 } });
    other.reset({ seed: 2 });
    const s = other.getState!() as EnvState & { envs: EnvState[] };
    const broken = { ...s, envs: [s.envs[0]!, s.envs[1]!, { kind: 'Nope' }] };
    expect(() => v.setState!(broken)).toThrow(/sub-env 2: .*state of Nope/);
    expect(JSON.stringify(v.getState!())).toBe(before);
  });

  it('NormalizeObservation / NormalizeReward save the inner env with their statistics', () => {
    const a = new NormalizeReward(new NormalizeObservation(make<Float32Array, number>('CartPole-v1')));
    a.reset({ seed: 3 });
    for (let t = 0; t < 30; t++) if (a.step(t % 2).terminated) a.reset();
    const saved = through(a.getState());
    const b = new NormalizeReward(new NormalizeObservation(make<Float32Array, number>('CartPole-v1')));
    b.setState(saved);
    for (let t = 0; t < 40; t++) {
      const ra = a.step(t % 3 === 0 ? 1 : 0), rb = b.step(t % 3 === 0 ? 1 : 0);
      expect([Array.from(rb.obs), rb.reward, rb.terminated, rb.truncated]).toEqual([Array.from(ra.obs), ra.reward, ra.terminated, ra.truncated]);
      if (ra.terminated || ra.truncated) {
        expect(Array.from(b.reset().obs)).toEqual(Array.from(a.reset().obs));
      }
    }
  });
});
