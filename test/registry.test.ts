import { afterEach, describe, expect, it } from 'vitest';
import {
  BaseEnv, CartPoleEnv, DelayedReward, Discrete, Box, OrderEnforcing, PassiveEnvChecker, RewardWrapper, TimeLimit, UnknownEnvError,
  expertFor, listEnvs, listExperts, make, makeVec, parseEnvId, register, spec, unregister,
  type Env, type EnvKwargs, type ResetOptions, type ResetResult, type StepResult,
} from '../src/envs/index.ts';

/** Records the kwargs its factory was given; episodes never end on their own. */
class KwEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 1, [1]);
  constructor(readonly kwargs: EnvKwargs) {
    super(kwargs.renderMode ?? null);
  }
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    return { obs: new Float32Array(1), info: {} };
  }
  step(): StepResult<Float32Array> {
    return { obs: new Float32Array(1), reward: 1, terminated: false, truncated: false, info: {} };
  }
}

class DoubleReward<O, A> extends RewardWrapper<O, A> {
  reward(r: number): number {
    return 2 * r;
  }
}

const made: string[] = [];
function registerTemp(id: string, options: Parameters<typeof register>[2] = {}): void {
  register(id, (kw) => new KwEnv(kw), options);
  made.push(id);
}
afterEach(() => {
  for (const id of made.splice(0)) unregister(id);
});

describe('register, spec, listEnvs', () => {
  it('records a spec with the parsed id and the defaults of Gymnasium EnvSpec', () => {
    registerTemp('test/Kw-v3');
    const s = spec('test/Kw-v3');
    expect(s).toMatchObject({
      id: 'test/Kw-v3', namespace: 'test', name: 'Kw', version: 3,
      maxEpisodeSteps: null, rewardThreshold: null, nondeterministic: false, orderEnforce: true, disableEnvChecker: false,
      kwargs: {}, additionalWrappers: [], vectorFactory: null, expert: null,
    });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('lists registered ids sorted, including the built-in CartPole versions', () => {
    registerTemp('Aaa-v0');
    registerTemp('Zzz-v0');
    const ids = listEnvs();
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['Aaa-v0', 'Zzz-v0', 'CartPole-v0', 'CartPole-v1']));
    unregister('Zzz-v0');
    expect(listEnvs()).not.toContain('Zzz-v0');
  });

  it('re-registering an id replaces it', () => {
    registerTemp('Re-v0', { maxEpisodeSteps: 5 });
    registerTemp('Re-v0', { maxEpisodeSteps: 9 });
    expect(spec('Re-v0').maxEpisodeSteps).toBe(9);
  });

  it('rejects a bad maxEpisodeSteps or factory at registration', () => {
    expect(() => register('Bad-v0', (kw) => new KwEnv(kw), { maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps must be a positive integer or null, got 0/);
    expect(() => register('Bad-v0', 'not a function' as never)).toThrow(/factory must be a function/);
    expect(listEnvs()).not.toContain('Bad-v0');
  });
});

describe('experts registered with the env', () => {
  it('register(id, factory, { expert }) is what expertFor(id) and listExperts read back', () => {
    const expert = () => () => 1;
    registerTemp('WithExpert-v0', { expert });
    registerTemp('NoExpert-v0');
    expect(expertFor('WithExpert-v0')).toBe(expert);
    expect(expertFor('NoExpert-v0')).toBeNull();
    expect(expertFor('Unregistered-v0')).toBeNull();
    expect(listExperts()).toContain('WithExpert-v0');
    expect(listExperts()).not.toContain('NoExpert-v0');
    // Every built-in env comes with its scripted expert.
    for (const id of ['CartPole-v1', 'KeyDoorTreasure-v0', 'FourRooms-v1', 'WatchRepair-v0', 'Bowling-v0', 'ItemChain-v0', 'Venture-v0']) expect(listExperts()).toContain(id);
  });

  it('rejects an expert that is not a function', () => {
    expect(() => register('Bad-v0', (kw) => new KwEnv(kw), { expert: 'scripted' as never })).toThrow(/register\("Bad-v0"\): expert must be a function \(env\) => Policy, got string/);
    expect(listEnvs()).not.toContain('Bad-v0');
  });
});

describe('parseEnvId', () => {
  it('follows Gymnasium\'s id grammar', () => {
    expect(parseEnvId('CartPole-v1')).toEqual({ namespace: null, name: 'CartPole', version: 1 });
    expect(parseEnvId('ALE/Bowling-v5')).toEqual({ namespace: 'ALE', name: 'Bowling', version: 5 });
    expect(parseEnvId('MiniGrid-DoorKey-8x8-v0')).toEqual({ namespace: null, name: 'MiniGrid-DoorKey-8x8', version: 0 });
    expect(parseEnvId('CartPole')).toEqual({ namespace: null, name: 'CartPole', version: null });
  });

  it('rejects malformed ids, in register and in make', () => {
    expect(() => parseEnvId('Cart Pole-v1')).toThrow(/malformed env id "Cart Pole-v1": expected \[namespace\/\]Name-vN, e.g. CartPole-v1/);
    expect(() => register('a/b/c-v0', (kw) => new KwEnv(kw))).toThrow(UnknownEnvError);
    expect(() => make('Cart Pole-v1')).toThrow(/^malformed env id "Cart Pole-v1": .* Did you mean CartPole-v1/);
  });
});

describe('make', () => {
  it('passes spec kwargs to the factory, overridden by make\'s kwargs, on a deep copy', () => {
    registerTemp('Kw-v0', { kwargs: { size: 5, color: 'red', nested: { depth: 1 } } });
    const env = make<Float32Array, number>('Kw-v0', { size: 7 });
    const kw = (env.unwrapped as KwEnv).kwargs;
    expect(kw).toEqual({ size: 7, color: 'red', nested: { depth: 1 } });
    (kw.nested as { depth: number }).depth = 99; // a factory that mutates its kwargs must not change the spec
    expect(spec('Kw-v0').kwargs).toEqual({ size: 5, color: 'red', nested: { depth: 1 } });
    expect((make('Kw-v0').unwrapped as KwEnv).kwargs.nested).toEqual({ depth: 1 });
    // The env's spec records what it was made with; the registered spec is unchanged.
    expect(env.spec?.kwargs).toMatchObject({ size: 7, color: 'red' });
    expect(spec('Kw-v0').kwargs.size).toBe(5);
  });

  it('writes the spec onto the unwrapped env and passes renderMode through', () => {
    const plain = make('CartPole-v1');
    expect(plain.unwrapped.spec).toBe(spec('CartPole-v1'));
    const ansi = make('CartPole-v1', {}, { renderMode: 'ansi' });
    expect(ansi.renderMode).toBe('ansi');
    expect(ansi.unwrapped.spec?.kwargs.renderMode).toBe('ansi');
    expect(spec('CartPole-v1').kwargs).toEqual({});
  });

  it('stacks wrappers innermost first: env, PassiveEnvChecker, OrderEnforcing, TimeLimit, additional wrappers', () => {
    const env = make('CartPole-v1');
    expect(String(env)).toBe('TimeLimit<OrderEnforcing<PassiveEnvChecker<CartPoleEnv<CartPole-v1>>>>');
    expect(env).toBeInstanceOf(TimeLimit);
    const ol = (env as TimeLimit<unknown, unknown>).env;
    expect(ol).toBeInstanceOf(OrderEnforcing);
    const pc = (ol as OrderEnforcing<unknown, unknown>).env;
    expect(pc).toBeInstanceOf(PassiveEnvChecker);
    expect((pc as PassiveEnvChecker<unknown, unknown>).env).toBeInstanceOf(CartPoleEnv);
    expect((pc as PassiveEnvChecker<unknown, unknown>).env).toBe(env.unwrapped);

    registerTemp('Extra-v0', { maxEpisodeSteps: 3, additionalWrappers: [(e) => new DoubleReward(e)] });
    const extra = make('Extra-v0');
    expect(String(extra)).toBe('DoubleReward<TimeLimit<OrderEnforcing<PassiveEnvChecker<KwEnv<Extra-v0>>>>>');
    extra.reset();
    expect(extra.step(0).reward).toBe(2);
  });

  it('maxEpisodeSteps: the spec\'s limit, make\'s override, and -1 for none', () => {
    const byDefault = make('CartPole-v1') as TimeLimit<unknown, unknown>;
    expect(byDefault.maxEpisodeSteps).toBe(500);
    const ten = make('CartPole-v1', {}, { maxEpisodeSteps: 10 }) as TimeLimit<unknown, unknown>;
    expect(ten.maxEpisodeSteps).toBe(10);
    expect(ten.spec?.maxEpisodeSteps).toBe(10);
    const none = make('CartPole-v1', {}, { maxEpisodeSteps: -1 });
    expect(String(none)).toBe('OrderEnforcing<PassiveEnvChecker<CartPoleEnv<CartPole-v1>>>');
    expect(none.spec?.maxEpisodeSteps).toBeNull();
    registerTemp('Unlimited-v0');
    expect(String(make('Unlimited-v0'))).toBe('OrderEnforcing<PassiveEnvChecker<KwEnv<Unlimited-v0>>>');
    expect(String(make('Unlimited-v0', {}, { maxEpisodeSteps: 4 }))).toBe('TimeLimit<OrderEnforcing<PassiveEnvChecker<KwEnv<Unlimited-v0>>>>');
  });

  it('truncates at the effective limit', () => {
    const env = make<Float32Array, number>('CartPole-v1', {}, { maxEpisodeSteps: 3 });
    env.reset({ seed: 0 });
    const flags = [0, 1, 2].map((i) => env.step(i % 2).truncated);
    expect(flags).toEqual([false, false, true]);
  });

  it('disableEnvChecker, from make or from the spec, and orderEnforce: false', () => {
    expect(String(make('CartPole-v1', {}, { disableEnvChecker: true }))).toBe('TimeLimit<OrderEnforcing<CartPoleEnv<CartPole-v1>>>');
    registerTemp('NoCheck-v0', { disableEnvChecker: true, orderEnforce: false });
    expect(String(make('NoCheck-v0'))).toBe('KwEnv<NoCheck-v0>');
    expect(String(make('NoCheck-v0', {}, { disableEnvChecker: false }))).toBe('PassiveEnvChecker<KwEnv<NoCheck-v0>>');
  });

  it('rejects a factory that does not return an env', () => {
    register('NotAnEnv-v0', () => ({}) as unknown as Env);
    made.push('NotAnEnv-v0');
    expect(() => make('NotAnEnv-v0')).toThrow(/make\("NotAnEnv-v0"\): the registered factory did not return an env: an object without reset\(\), step\(\), render\(\), close\(\), actionSpace, observationSpace, unwrapped/);
    // What used to fail deep inside make ("Cannot set properties of undefined (setting 'spec')"): step and reset but no unwrapped.
    register('HalfEnv-v0', () => ({ step() {}, reset() {}, render() {}, close() {}, actionSpace: new Discrete(2), observationSpace: new Box(0, 1, [1]) }) as unknown as Env);
    made.push('HalfEnv-v0');
    expect(() => make('HalfEnv-v0')).toThrow(/make\("HalfEnv-v0"\): the registered factory did not return an env: an object without unwrapped \(extend BaseEnv/);
    register('Undef-v0', () => undefined as unknown as Env);
    made.push('Undef-v0');
    expect(() => make('Undef-v0')).toThrow(/make\("Undef-v0"\): .* it returned undefined/);
  });
});

describe('declared env options', () => {
  it('an unknown kwarg is an error naming the env, the valid keys and the closest one', () => {
    expect(() => make('KeyDoorTreasure-v0', { sise: 6 })).toThrow(
      'make("KeyDoorTreasure-v0"): unknown option "sise". Did you mean "size"? KeyDoorTreasure-v0 takes: size, maxSteps, reward, distractors, observation; and, as every env: reward, delay, delayObservation, renderMode',
    );
    expect(() => make('CartPole-v1', { zzzzzzzz: 1 })).toThrow(/unknown option "zzzzzzzz"\. CartPole-v1 takes: suttonBartoReward;/); // nothing close: no guess
    expect(() => makeVec('CartPole-v1', 2, { kwargs: { suttonBarto: true } })).toThrow(/make\("CartPole-v1"\): unknown option "suttonBarto"\. Did you mean "suttonBartoReward"\?/);
    expect(() => makeVec('KeyDoorTreasure-v0', 2, { kwargs: { sise: 6 } })).toThrow(/unknown option "sise"/);
  });

  it("every built-in env declares its options, and make accepts each declared one and make's own", () => {
    for (const id of listEnvs()) {
      const s = spec(id);
      expect(s.options, id).not.toBeNull();
      expect(() => make(id, { renderMode: null, reward: 'delayed' }).close(), id).not.toThrow();
    }
    expect(make('KeyDoorTreasure-v0', { size: 6 }).unwrapped).toMatchObject({ size: 6 });
    expect(make('Venture-v0', { lives: 2, hallMonsterSpeed: 0.5 }).unwrapped).toMatchObject({ startLives: 2 });
  });

  it('an env registered without options takes any kwargs (not checked); a bad declaration is refused', () => {
    register('Free-v0', (kw) => new KwEnv(kw));
    made.push('Free-v0');
    expect((make('Free-v0', { anything: 1 }).unwrapped as KwEnv).kwargs.anything).toBe(1);
    register('Declared-v0', (kw) => new KwEnv(kw), { options: ['width'] });
    made.push('Declared-v0');
    expect((make('Declared-v0', { width: 3 }).unwrapped as KwEnv).kwargs.width).toBe(3);
    expect(() => make('Declared-v0', { widht: 3 })).toThrow('make("Declared-v0"): unknown option "widht". Did you mean "width"?');
    expect(() => register('Bad-v0', (kw) => new KwEnv(kw), { options: [3] as unknown as string[] })).toThrow(/options must be a list of option names/);
  });
});

describe("make(id, { reward: 'delayed' })", () => {
  /** Steps `env` with action 0 until the episode ends; the per-step rewards and how it ended. */
  const run = (env: Env<Float32Array, number>): { rewards: number[]; terminated: boolean; truncated: boolean } => {
    env.reset({ seed: 0 });
    const rewards: number[] = [];
    for (;;) {
      const r = env.step(0);
      rewards.push(r.reward);
      if (r.terminated || r.truncated) return { rewards, terminated: r.terminated, truncated: r.truncated };
    }
  };

  it("gives any registered env a delayed variant: the kwarg is make's, not the factory's, and a TimeLimit cut pays the sum", () => {
    registerTemp('Kw-v0', { maxEpisodeSteps: 4, kwargs: { size: 5 } });
    const env = make<Float32Array, number>('Kw-v0', { reward: 'delayed' });
    expect((env.unwrapped as KwEnv).kwargs).toEqual({ size: 5 });
    expect(env).toBeInstanceOf(DelayedReward);
    // Outside TimeLimit: KwEnv never ends by itself, TimeLimit cuts it at 4 and that step pays 1+1+1+1.
    expect(run(env)).toEqual({ rewards: [0, 0, 0, 4], terminated: false, truncated: true });
    expect(env.spec?.kwargs).toEqual({ size: 5, reward: 'delayed' }); // what it was made with, so it can be rebuilt
    expect(make('Kw-v0', env.spec!.kwargs)).toBeInstanceOf(DelayedReward);
  });

  it("applies a spec's default reward: 'delayed', which a kwarg can override; other values go to the env", () => {
    registerTemp('Kw-v0', { maxEpisodeSteps: 3, kwargs: { reward: 'delayed' } });
    expect(run(make('Kw-v0')).rewards).toEqual([0, 0, 3]);
    const natural = make<Float32Array, number>('Kw-v0', { reward: 'natural' });
    expect(run(natural).rewards).toEqual([1, 1, 1]);
    expect((natural.unwrapped as KwEnv).kwargs.reward).toBe('natural');
    expect((make('Kw-v0', { reward: 'shaped' }).unwrapped as KwEnv).kwargs.reward).toBe('shaped');
  });

  it('equals the built-in delayed rewards: the envs that truncate themselves pay at their own last step', () => {
    // KeyDoorTreasure-v0 has no TimeLimit; with maxSteps 5 the env's own truncation is the last step.
    const kdt = run(make<Float32Array, number>('KeyDoorTreasure-v0', { maxSteps: 5, distractors: { probability: 1 }, reward: 'delayed' }));
    const natural = run(make<Float32Array, number>('KeyDoorTreasure-v0', { maxSteps: 5, distractors: { probability: 1 } }));
    expect(kdt.truncated).toBe(true);
    expect(kdt.rewards.slice(0, -1)).toEqual([0, 0, 0, 0]);
    expect(kdt.rewards.at(-1)).toBe(natural.rewards.reduce((a, b) => a + b, 0));
  });

  it('makeVec builds delayed sub-envs through make, never the native vector env that has no wrapper', () => {
    const vec = makeVec('CartPole-v1', 2, { kwargs: { reward: 'delayed' } });
    expect(vec.constructor.name).toBe('SyncVectorEnv');
    vec.close();
    expect(() => makeVec('CartPole-v1', 2, { kwargs: { reward: 'delayed' }, vectorizationMode: 'vector_entry_point' })).toThrow(/reward "delayed" is make's DelayedReward wrapper and needs vectorizationMode "sync" or "threads"/);
  });
});

describe('unknown ids', () => {
  it('names the other versions of the same env', () => {
    expect(() => make('CartPole-v9')).toThrow(UnknownEnvError);
    expect(() => make('CartPole-v9')).toThrow('unknown env id "CartPole-v9": CartPole exists as CartPole-v0, CartPole-v1');
    expect(() => spec('CartPole')).toThrow(/CartPole exists as CartPole-v0, CartPole-v1/);
  });

  it('suggests the closest registered ids first', () => {
    registerTemp('MountainCar-v0');
    let message = '';
    try {
      make('CartPoel-v1');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^unknown env id "CartPoel-v1"\. Did you mean CartPole-v1, CartPole-v0(, \S+)?\?/);
    expect(message).toMatch(/lists all \d+\)$/);
  });

  it('a namespace is part of the identity', () => {
    registerTemp('ns/Thing-v0');
    expect(() => make('Thing-v1')).toThrow(/unknown env id "Thing-v1"\. Did you mean .*ns\/Thing-v0/);
    expect(() => make('ns/Thing-v1')).toThrow(/Thing exists as ns\/Thing-v0/);
  });
});
