import { describe, expect, it } from 'vitest';
import { checkEnv, DelayedReward, expertFor, KDT_EVENTS, KeyDoorTreasureEnv, make, type Env, type StepResult } from '../src/index.ts';

type E = Env<Float32Array, number>;
const DISTRACTORS = { probability: 0.3, magnitude: 0.05 };

interface Trace { rewards: number[]; obs: Float32Array[]; terminated: boolean[]; truncated: boolean[]; infos: unknown[]; treasureAt: number }

/** One episode: the expert until the inner env is done, then `delayAction` (the delay ignores it). */
function runExpert(env: E, seed: number, delayAction = 2, cap = 100_000): Trace {
  const policy = expertFor('KeyDoorTreasure-v0')!(env as Env<unknown, unknown>);
  const t: Trace = { rewards: [], obs: [], terminated: [], truncated: [], infos: [], treasureAt: -1 };
  let obs = env.reset({ seed }).obs;
  t.obs.push(obs.slice());
  for (let i = 0; i < cap; i++) {
    const inDelay = t.treasureAt >= 0;
    const r: StepResult<Float32Array> = env.step(inDelay ? delayAction : (policy(obs) as number));
    obs = r.obs;
    t.rewards.push(r.reward);
    t.obs.push(obs.slice());
    t.terminated.push(r.terminated);
    t.truncated.push(r.truncated);
    t.infos.push(structuredClone(r.info));
    if ((r.info.events as string[] | undefined)?.includes(KDT_EVENTS.reachedTreasure)) t.treasureAt = i + 1;
    if (r.terminated || r.truncated) return t;
  }
  throw new Error('episode did not end');
}

/** One episode of seeded random actions. */
function runRandom(env: E, seed: number): Trace {
  env.actionSpace.seed(seed);
  const t: Trace = { rewards: [], obs: [], terminated: [], truncated: [], infos: [], treasureAt: -1 };
  t.obs.push(env.reset({ seed }).obs.slice());
  for (;;) {
    const r = env.step(env.actionSpace.sample());
    t.rewards.push(r.reward);
    t.obs.push(r.obs.slice());
    t.terminated.push(r.terminated);
    t.truncated.push(r.truncated);
    t.infos.push(structuredClone(r.info));
    if ((r.info.events as string[] | undefined)?.includes(KDT_EVENTS.reachedTreasure)) t.treasureAt = t.rewards.length;
    if (r.terminated || r.truncated) return t;
  }
}

const sum = (a: number[]): number => a.reduce((s, x) => s + x, 0);

describe('DelayedReward delay', () => {
  it('KeyDoorTreasure: the episode runs exactly D steps after the treasure, then terminates and pays the natural return plus the delay\'s distractors', () => {
    for (const D of [1, 7, 50, 200]) {
      for (const seed of [3, 4]) {
        const env = make<Float32Array, number>('KeyDoorTreasure-v0', { reward: 'delayed', delay: D, distractors: DISTRACTORS }) as E;
        const tr = runExpert(env, seed);
        expect(tr.treasureAt).toBeGreaterThan(0);
        const L = tr.rewards.length;
        expect(L).toBe(tr.treasureAt + D);
        expect(tr.terminated.slice(0, L - 1).every((x) => !x)).toBe(true);
        expect(tr.truncated.every((x) => !x)).toBe(true);
        expect(tr.terminated[L - 1]).toBe(true);
        expect(tr.rewards.slice(0, L - 1).every((x) => x === 0)).toBe(true);
        // The same episode without the wrapper, then the env's delay-phase draws: the same total, summed in the same order.
        const natural = new KeyDoorTreasureEnv({ distractors: DISTRACTORS });
        const nt = runExpert(natural as E, seed);
        expect(nt.rewards.length).toBe(tr.treasureAt);
        let total = sum(nt.rewards);
        for (let k = 0; k < D; k++) total += natural.delayStepReward();
        expect(tr.rewards[L - 1]).toBe(total);
        expect(tr.infos[tr.treasureAt - 1]).toMatchObject({ events: [KDT_EVENTS.reachedTreasure] });
        expect(tr.infos[L - 1]).toEqual({ delayStepsLeft: 0 });
      }
    }
  });

  it('the delay\'s distractors are real: over many seeds the delayed total differs from the pre-treasure return', () => {
    let differs = 0;
    for (let seed = 0; seed < 10; seed++) {
      const env = make<Float32Array, number>('KeyDoorTreasure-v0', { reward: 'delayed', delay: 100, distractors: DISTRACTORS }) as E;
      const natural = make<Float32Array, number>('KeyDoorTreasure-v0', { distractors: DISTRACTORS }) as E;
      if (runExpert(env, seed).rewards.at(-1) !== sum(runExpert(natural, seed).rewards)) differs++;
    }
    expect(differs).toBeGreaterThan(5);
  });

  it('return equivalence under random actions, with truncations: each episode pays once, at its end, what the natural env paid (+ the delay\'s draws)', () => {
    const D = 30;
    const kw = { size: 5, maxSteps: 150, distractors: DISTRACTORS };
    let truncations = 0, successes = 0;
    for (let seed = 0; seed < 80; seed++) {
      const tr = runRandom(make<Float32Array, number>('KeyDoorTreasure-v0', { ...kw, reward: 'delayed', delay: D }) as E, seed);
      const natural = new KeyDoorTreasureEnv(kw);
      const nt = runRandom(natural as E, seed);
      const L = tr.rewards.length;
      let total = sum(nt.rewards);
      if (nt.terminated.at(-1)) {
        successes++;
        expect(L).toBe(nt.rewards.length + D);
        expect(tr.terminated[L - 1]).toBe(true);
        for (let k = 0; k < D; k++) total += natural.delayStepReward();
      } else {
        // An inner truncation is passed on at once, not delayed.
        truncations++;
        expect(L).toBe(150);
        expect([tr.terminated[L - 1], tr.truncated[L - 1]]).toEqual([false, true]);
      }
      expect(tr.rewards.slice(0, L - 1).every((x) => x === 0)).toBe(true);
      expect(tr.rewards[L - 1]).toBe(total);
    }
    expect(truncations).toBeGreaterThan(0);
    expect(successes).toBeGreaterThan(0);
  });

  it('TimeLimit (inside) never cuts the delay; a TimeLimit truncation is not delayed', () => {
    // CartPole with a limit of 30: falling over early is a termination, delayed 100 steps past the limit.
    const env = make<Float32Array, number>('CartPole-v1', { reward: 'delayed', delay: 100 }, { maxEpisodeSteps: 30 }) as E;
    env.reset({ seed: 1 });
    let n = 0, r: StepResult<Float32Array>;
    do r = env.step(1), n++; while (!r.terminated && !r.truncated);
    expect(n).toBeGreaterThan(100);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(n - 100); // CartPole pays 1 per inner step
    // Alternating actions keep it up: truncated at 30, paid at once.
    env.reset({ seed: 1 });
    n = 0;
    do r = env.step(n % 2), n++; while (!r.terminated && !r.truncated);
    expect([n, r.truncated, r.terminated, r.reward]).toEqual([30, true, false, 30]);
  });

  it("observation 'counter': one value appended, D_left / D during the delay and 0 before; the rest frozen at the treasure", () => {
    const D = 4;
    const env = make<Float32Array, number>('KeyDoorTreasure-v0', { reward: 'delayed', delay: D }) as E;
    const plain = make<Float32Array, number>('KeyDoorTreasure-v0') as E;
    const n = plain.observationSpace.shape![0]!;
    expect(env.observationSpace.shape).toEqual([n + 1]);
    const tr = runExpert(env, 11), pt = runExpert(plain, 11);
    const k = tr.treasureAt;
    for (let i = 0; i < k; i++) {
      expect(Array.from(tr.obs[i]!.subarray(0, n))).toEqual(Array.from(pt.obs[i]!));
      expect(tr.obs[i]![n]).toBe(0);
    }
    const last = Array.from(pt.obs[k]!);
    expect(Array.from({ length: D + 1 }, (_, j) => tr.obs[k + j]![n])).toEqual([1, 0.75, 0.5, 0.25, 0]);
    for (let j = 0; j <= D; j++) expect(Array.from(tr.obs[k + j]!.subarray(0, n))).toEqual(last);
    for (const o of tr.obs) expect(env.observationSpace.contains(o)).toBe(true);
  });

  it("observation 'frozen': the inner terminal observation, unchanged, through the delay (any observation space)", () => {
    const env = make<Float32Array, number>('KeyDoorTreasure-v0', { reward: 'delayed', delay: 5, delayObservation: 'frozen', observation: 'image' }) as E;
    const plain = make<Float32Array, number>('KeyDoorTreasure-v0', { observation: 'image' }) as E;
    expect(env.observationSpace.shape).toEqual(plain.observationSpace.shape);
    const tr = runExpert(env, 2), pt = runExpert(plain, 2);
    expect(tr.rewards.length).toBe(pt.rewards.length + 5);
    for (let j = 0; j <= 5; j++) expect(tr.obs[tr.treasureAt + j]).toEqual(pt.obs.at(-1));
  });

  it('delay 0 is the plain DelayedReward: same spaces, observations, rewards and flags as without the option', () => {
    const a = make<Float32Array, number>('KeyDoorTreasure-v0', { size: 5, reward: 'delayed', delay: 0, distractors: true }) as E;
    const b = make<Float32Array, number>('KeyDoorTreasure-v0', { size: 5, reward: 'delayed', distractors: true }) as E;
    expect(a.observationSpace.shape).toEqual(b.observationSpace.shape);
    expect(String(a)).toBe(String(b));
    for (let seed = 0; seed < 30; seed++) {
      const x = runRandom(a, seed), y = runRandom(b, seed);
      expect(x.rewards).toEqual(y.rewards);
      expect(x.obs).toEqual(y.obs);
      expect(x.terminated).toEqual(y.terminated);
      expect(x.truncated).toEqual(y.truncated);
    }
  });

  it('same seed, same episode (the delay\'s distractors included); a reset in the delay starts afresh', () => {
    const mk = (): E => make<Float32Array, number>('KeyDoorTreasure-v0', { size: 5, maxSteps: 200, reward: 'delayed', delay: 40, distractors: DISTRACTORS }) as E;
    for (let seed = 0; seed < 10; seed++) {
      const x = runRandom(mk(), seed), y = runRandom(mk(), seed);
      expect(x.rewards).toEqual(y.rewards);
      expect(x.obs).toEqual(y.obs);
    }
    const env = mk() as unknown as DelayedReward<Float32Array, number>;
    const tr = runExpert(env, 5);
    const policy = expertFor('KeyDoorTreasure-v0')!(env as Env<unknown, unknown>);
    let obs = env.reset({ seed: 5 }).obs;
    while (env.delayStepsLeft === 0) obs = env.step(policy(obs) as number).obs;
    env.step(0);
    expect(env.delayStepsLeft).toBe(39);
    expect(env.pending).not.toBe(0);
    expect(runExpert(env, 5).rewards).toEqual(tr.rewards);
  });

  it('stepping after the paid end pays 0 and stays terminated', () => {
    const env = make<Float32Array, number>('KeyDoorTreasure-v0', { reward: 'delayed', delay: 3 }) as E;
    runExpert(env, 1);
    const r = env.step(0);
    expect([r.reward, r.terminated]).toEqual([0, true]);
    expect(env.step(1).reward).toBe(0);
  });

  it('passes checkEnv in both observation modes, distractors on (the only warning: it is wrapped)', () => {
    for (const kw of [{ delay: 5 }, { delay: 5, delayObservation: 'frozen' }, { delay: 5, distractors: true }]) {
      const env = make('KeyDoorTreasure-v0', { reward: 'delayed', ...kw }) as Env<unknown, unknown>;
      expect(checkEnv(env).warnings.filter((w) => !w.includes('the env is wrapped'))).toEqual([]);
    }
  });

  it('bad options and actions get errors naming them', () => {
    expect(() => make('KeyDoorTreasure-v0', { delay: 10 })).toThrow(/option delay .*needs reward: 'delayed'/);
    expect(() => make('KeyDoorTreasure-v0', { reward: 'shaped', delay: 10 })).toThrow(/option delay .*needs reward: 'delayed'/);
    expect(() => make('KeyDoorTreasure-v0', { delayObservation: 'frozen' })).toThrow(/option delayObservation .*needs reward: 'delayed'/);
    for (const bad of [-1, 2.5, '10', Number.NaN, null]) {
      expect(() => make('KeyDoorTreasure-v0', { reward: 'delayed', delay: bad })).toThrow(/make\("KeyDoorTreasure-v0"\): option delay must be an integer in \[0, 1000000000\]/);
    }
    expect(() => make('KeyDoorTreasure-v0', { reward: 'delayed', delay: 5, delayObservation: 'counted' })).toThrow(/option delayObservation must be one of 'counter', 'frozen', got "counted"/);
    expect(() => make('KeyDoorTreasure-v0', { reward: 'delayed', delay: 5, observation: 'image' })).toThrow(/delayObservation 'counter'.*use delayObservation 'frozen'/);
    expect(() => new DelayedReward(new KeyDoorTreasureEnv(), { delay: -3 })).toThrow(/DelayedReward: option delay must be an integer/);
    // The delay ignores actions, but an invalid one is still an error.
    const env = make<Float32Array, number>('KeyDoorTreasure-v0', { reward: 'delayed', delay: 5 }) as E;
    runExpert(env, 1, 2, 100_000);
    env.reset({ seed: 1 });
    const policy = expertFor('KeyDoorTreasure-v0')!(env as Env<unknown, unknown>);
    let obs = env.reset({ seed: 1 }).obs;
    while ((env as unknown as DelayedReward<Float32Array, number>).delayStepsLeft === 0) obs = env.step(policy(obs) as number).obs;
    expect(() => env.step(7)).toThrow(/DelayedReward: action 7 is not in the action space/);
    // The factory never sees make's own kwargs.
    expect(() => make('CartPole-v1', { reward: 'delayed', delay: 3, delayObservation: 'frozen' })).not.toThrow();
  });
});
