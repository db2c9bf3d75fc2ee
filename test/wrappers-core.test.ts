import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Box, Discrete, InvalidActionError, InvalidObservationError, OrderEnforcing, PassiveEnvChecker, ResetNeededError, TimeLimit,
  make, type RenderMode, type RenderResult, type ResetOptions, type ResetResult, type StepResult,
} from '../src/envs/index.ts';

/**
 * Counts steps; terminates at step `terminateAt` (never if null). Like CartPole, it reuses one result
 * object, so a wrapper that writes into it would be caught.
 */
class Counter extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 1000, [1]);
  override metadata = { renderModes: ['ansi', 'rgb_array'] as RenderMode[], renderFps: 1 };
  t = 0;
  closed = 0;
  readonly result: StepResult<Float32Array> = { obs: new Float32Array(1), reward: 0, terminated: false, truncated: false, info: {} };

  constructor(readonly terminateAt: number | null = null, renderMode: RenderMode | null = null, readonly innerTruncateAt: number | null = null) {
    super(renderMode);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.t = 0;
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(action)) this.invalidAction(action);
    this.t++;
    const r = this.result;
    r.obs = this.obs();
    r.reward = 1;
    r.terminated = this.t === this.terminateAt;
    r.truncated = this.t === this.innerTruncateAt;
    return r;
  }

  obs(): Float32Array {
    return Float32Array.of(this.t);
  }

  override render(): RenderResult {
    return this.renderMode === 'ansi' ? `t=${this.t}` : this.renderMode === 'rgb_array' ? { data: new Uint8Array(4), width: 1, height: 1 } : null;
  }

  override close(): void {
    this.closed++;
  }
}

function flags(env: TimeLimit<Float32Array, number>, n: number): [boolean, boolean][] {
  return Array.from({ length: n }, () => {
    const r = env.step(0);
    return [r.terminated, r.truncated];
  });
}

describe('TimeLimit', () => {
  it('truncates at exactly maxEpisodeSteps and leaves terminated false', () => {
    const env = new TimeLimit(new Counter(), 3);
    env.reset();
    expect(flags(env, 3)).toEqual([[false, false], [false, false], [false, true]]);
    expect(env.elapsedSteps).toBe(3);
  });

  it('keeps terminated distinct from truncated', () => {
    const early = new TimeLimit(new Counter(2), 5);
    early.reset();
    expect(flags(early, 2)).toEqual([[false, false], [true, false]]);
  });

  it('sets both flags when the env terminates on the last allowed step', () => {
    const env = new TimeLimit(new Counter(3), 3);
    env.reset();
    expect(flags(env, 3)[2]).toEqual([true, true]);
  });

  it('passes the inner env\'s own truncation through', () => {
    const env = new TimeLimit(new Counter(null, null, 2), 10);
    env.reset();
    expect(flags(env, 2)).toEqual([[false, false], [false, true]]);
  });

  it('restarts the count on reset', () => {
    const env = new TimeLimit(new Counter(), 2);
    env.reset();
    expect(flags(env, 2)[1]).toEqual([false, true]);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(flags(env, 2)).toEqual([[false, false], [false, true]]);
    // A reset in the middle of an episode also restarts it.
    env.reset();
    env.step(0);
    env.reset();
    expect(flags(env, 2)).toEqual([[false, false], [false, true]]);
  });

  it('does not write into the inner env\'s reused result object', () => {
    const inner = new Counter();
    const env = new TimeLimit(inner, 1);
    env.reset();
    const r = env.step(0);
    expect(r.truncated).toBe(true);
    expect(r).not.toBe(inner.result);
    expect(inner.result.truncated).toBe(false);
    expect(r.obs[0]).toBe(1);
    expect(r.reward).toBe(1);
  });

  it('rejects a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN]) expect(() => new TimeLimit(new Counter(), bad)).toThrow(/maxEpisodeSteps must be a positive integer/);
  });
});

describe('OrderEnforcing', () => {
  it('throws ResetNeededError from step and render before reset, with a message that says to call reset', () => {
    const env = new OrderEnforcing(new Counter(null, 'ansi'));
    expect(env.hasReset).toBe(false);
    expect(() => env.step(0)).toThrow(ResetNeededError);
    expect(() => env.step(0)).toThrow(/Counter: cannot call step\(\) before reset\(\); call env\.reset\(\{ seed \}\) first/);
    expect(() => env.render()).toThrow(/cannot call render\(\) before reset\(\); call env\.reset/);
    env.reset({ seed: 1 });
    expect(env.hasReset).toBe(true);
    expect(env.step(0).obs[0]).toBe(1);
    expect(env.render()).toBe('t=1');
  });

  it('names the registered id, and can leave render unenforced', () => {
    expect(() => make('CartPole-v1').step(0)).toThrow(/^CartPole-v1: cannot call step\(\) before reset\(\)/);
    const lenient = new OrderEnforcing(new Counter(null, 'ansi'), true);
    expect(lenient.render()).toBe('t=0');
    expect(() => lenient.step(0)).toThrow(ResetNeededError);
  });
});

describe('PassiveEnvChecker', () => {
  it('rejects an invalid action with a message naming the env, the action and the valid range, before the env sees it', () => {
    const env = make<Float32Array, number>('CartPole-v1');
    env.reset({ seed: 0 });
    const before = Float64Array.from((env.unwrapped as unknown as { state: Float64Array }).state);
    let err: unknown;
    try {
      env.step(7);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidActionError);
    expect((err as Error).message).toBe('CartPole-v1: action 7 is outside Discrete(2) (valid: 0..1)');
    expect(() => env.step(0.5)).toThrow('CartPole-v1: action 0.5 is not an integer');
    expect((env.unwrapped as unknown as { state: Float64Array }).state).toEqual(before);
  });

  it('catches a wrong-shaped observation on the first reset', () => {
    class ShortReset extends Counter {
      override reset(options?: ResetOptions): ResetResult<Float32Array> {
        super.reset(options);
        return { obs: new Float32Array(2), info: {} };
      }
    }
    const env = new PassiveEnvChecker(new ShortReset());
    expect(() => env.reset()).toThrow(InvalidObservationError);
    expect(() => new PassiveEnvChecker(new ShortReset()).reset()).toThrow(
      /^ShortReset: reset\(\) returned an observation outside Box\(0, 1000, \[1\], float32\): length 2 does not match shape \[1\]/,
    );
  });

  it('catches a wrong-shaped observation on the first step', () => {
    class LongStep extends Counter {
      override step(action: number): StepResult<Float32Array> {
        return { ...super.step(action), obs: new Float32Array(3) };
      }
    }
    const env = new PassiveEnvChecker(new LongStep());
    env.reset();
    expect(() => env.step(0)).toThrow(InvalidObservationError);
    expect(() => new PassiveEnvChecker(new LongStep()).reset()).not.toThrow();
  });

  it('checks result types on the first step (reward, flags)', () => {
    class NaNReward extends Counter {
      override step(action: number): StepResult<Float32Array> {
        return { ...super.step(action), reward: NaN };
      }
    }
    const env = new PassiveEnvChecker(new NaNReward());
    env.reset();
    expect(() => env.step(0)).toThrow(/NaNReward: step\(\) reward must be a finite number, got NaN/);
  });

  it('checks the first rgb_array frame', () => {
    const env = new PassiveEnvChecker(new Counter(null, 'rgb_array'));
    env.reset();
    expect(env.render()).toEqual({ data: new Uint8Array(4), width: 1, height: 1 });
    class RgbOnly extends Counter {
      override render(): RenderResult {
        return { data: new Uint8Array(3), width: 1, height: 1 };
      }
    }
    const bad = new PassiveEnvChecker(new RgbOnly(null, 'rgb_array'));
    bad.reset();
    expect(() => bad.render()).toThrow(/RgbOnly: render\(\) in "rgb_array" mode returned 3 bytes for 1×1, expected width\*height\*4 = 4/);
  });

  it('a valid env passes through unchanged', () => {
    const inner = new Counter(2);
    const env = new PassiveEnvChecker(inner);
    expect(env.reset().obs[0]).toBe(0);
    expect(env.step(1)).toBe(inner.result);
    expect(env.step(0).terminated).toBe(true);
  });
});

describe('Wrapper forwarding', () => {
  it('forwards spaces, metadata, renderMode, spec, unwrapped and close through the stack', () => {
    const env = make('CartPole-v1', {}, { renderMode: 'ansi' });
    const base = env.unwrapped;
    expect(env.actionSpace).toBe(base.actionSpace);
    expect(env.observationSpace).toBe(base.observationSpace);
    expect(env.metadata).toBe(base.metadata);
    expect(env.renderMode).toBe('ansi');
    expect(env.spec).toBe(base.spec);
    const inner = new Counter();
    const stack = new TimeLimit(new OrderEnforcing(inner), 5);
    stack.close();
    stack.close();
    expect(inner.closed).toBe(2);
  });
});
