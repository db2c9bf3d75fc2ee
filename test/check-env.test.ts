import { describe, expect, it } from 'vitest';
import {
  BaseEnv, Box, CartPoleEnv, Discrete, EnvCheckError, MultiBinary, MultiDiscrete, Rng, Space, checkEnv, make, register, unregister,
  type EnvMetadata, type RenderMode, type RenderResult, type ResetOptions, type ResetResult, type StepResult,
} from '../src/envs/index.ts';

/**
 * A small valid env: a point on [-1, 1] moved by actions 0 (left), 1 (stay), 2 (right) plus seeded noise.
 * Each broken env below overrides exactly one thing, so each test isolates one check.
 */
class Tiny extends BaseEnv<Float32Array, number> {
  actionSpace: Space<number> = new Discrete(3);
  observationSpace: Space<Float32Array> = new Box<Float32Array>(-1, 1, [2]);
  override metadata: EnvMetadata = { renderModes: ['ansi', 'rgb_array'], renderFps: 10 };
  pos = 0;
  closed = false;

  constructor(renderMode: RenderMode | null = null) {
    super(renderMode);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.pos = this.rng.uniform(-0.5, 0.5);
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(action)) this.invalidAction(action);
    return this.move((action - 1) * 0.1);
  }

  move(delta: number): StepResult<Float32Array> {
    this.pos = Math.max(-1, Math.min(1, this.pos + delta + this.rng.uniform(-0.01, 0.01)));
    return { obs: this.obs(), reward: -Math.abs(this.pos), terminated: Math.abs(this.pos) >= 1, truncated: false, info: { pos: this.pos } };
  }

  obs(): Float32Array {
    return Float32Array.of(this.pos, this.pos / 2);
  }

  override render(): RenderResult {
    if (this.renderMode === 'ansi') return `pos=${this.pos.toFixed(2)}`;
    if (this.renderMode === 'rgb_array') return { data: new Uint8Array(4 * 3 * 4).fill(255), width: 4, height: 3 };
    return null;
  }

  override close(): void {
    this.closed = true;
  }
}

/** Tiny with a continuous action: the first entry of a Box action moves the point. */
class ContinuousTiny extends Tiny {
  override step(action: unknown): StepResult<Float32Array> {
    const a = action as Float32Array;
    if (!this.actionSpace.contains(a)) this.invalidAction(a);
    return this.move(0.1 * a[0]!);
  }
}

/** The problems checkEnv reports (empty when it passes). */
function problemsOf(env: unknown, options = {}): string[] {
  try {
    checkEnv(env as Tiny, options);
    return [];
  } catch (e) {
    if (e instanceof EnvCheckError) return e.problems;
    throw e;
  }
}

describe('checkEnv on valid envs', () => {
  it('passes CartPole-v1, unwrapped, with no warnings', () => {
    expect(checkEnv(make('CartPole-v1').unwrapped).warnings).toEqual([]);
    expect(checkEnv(new CartPoleEnv({ renderMode: 'rgb_array' })).warnings).toEqual([]);
  });

  it('passes CartPole-v1 through make but warns that it is wrapped and recommends env.unwrapped', () => {
    const { warnings } = checkEnv(make('CartPole-v1'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/wrapped \(TimeLimit<OrderEnforcing<PassiveEnvChecker<CartPoleEnv<CartPole-v1>>>>\).*env\.unwrapped/);
  });

  it('passes the small reference env in every render mode', () => {
    for (const mode of [null, 'ansi', 'rgb_array'] as const) expect(checkEnv(new Tiny(mode)).warnings).toEqual([]);
  });

  it('closes the env unless skipCloseCheck', () => {
    const a = new Tiny();
    checkEnv(a);
    expect(a.closed).toBe(true);
    const b = new Tiny();
    checkEnv(b, { skipCloseCheck: true });
    expect(b.closed).toBe(false);
  });
});

describe('checkEnv catches broken envs', () => {
  it('an observation outside the space', () => {
    class OutOfBounds extends Tiny {
      override obs(): Float32Array {
        return Float32Array.of(5, 0);
      }
    }
    const p = problemsOf(new OutOfBounds());
    expect(p).toEqual([
      expect.stringMatching(/^OutOfBounds: reset\(\) returned an observation outside Box\(-1, 1, \[2\], float32\): entry 0 = 5 is outside \[-1, 1\]; return an element of observationSpace/),
      expect.stringMatching(/^OutOfBounds: step\(\) returned an observation outside .*entry 0 = 5/),
    ]);
  });

  it('a wrong observation shape', () => {
    class WrongShape extends Tiny {
      override obs(): Float32Array {
        return Float32Array.of(0, 0, 0);
      }
    }
    const p = problemsOf(new WrongShape());
    expect(p.length).toBe(2);
    expect(p[0]).toMatch(/reset\(\) returned an observation outside .*length 3 does not match shape \[2\].*declare the space the env really produces/);
  });

  it('a wrong observation dtype', () => {
    class WrongDtype extends Tiny {
      override obs(): Float32Array {
        return Float64Array.of(0, 0) as unknown as Float32Array;
      }
    }
    expect(problemsOf(new WrongDtype())[0]).toMatch(/dtype float64 does not match Box\(.*\) \(expected Float32Array\)/);
  });

  it('a reset that is not deterministic under a seed (Math.random)', () => {
    class MathRandom extends Tiny {
      override reset(options?: ResetOptions): ResetResult<Float32Array> {
        this.seedRng(options);
        this.pos = Math.random() - 0.5;
        return { obs: this.obs(), info: {} };
      }
    }
    const p = problemsOf(new MathRandom());
    expect(p).toEqual([expect.stringMatching(/reset\(\{ seed: 123 \}\) twice gave different observations \(obs\[0\]: .* vs .*\); call this\.seedRng\(options\) first in reset .*not Math\.random/)]);
  });

  it('a reset that ignores the seed (never calls seedRng)', () => {
    class IgnoresSeed extends Tiny {
      override reset(): ResetResult<Float32Array> {
        this.pos = this.rng.uniform(-0.5, 0.5);
        return { obs: this.obs(), info: {} };
      }
    }
    const p = problemsOf(new IgnoresSeed());
    expect(p).toContainEqual(expect.stringMatching(/twice gave different observations/));
    expect(p).toContainEqual(expect.stringMatching(/reset\(\{ seed: 123 \}\) twice left env\.rng in different states; call this\.seedRng\(options\)/));
  });

  it('a reset that ignores the seed and draws nothing (only the RNG state can tell)', () => {
    class ConstantReset extends Tiny {
      override reset(): ResetResult<Float32Array> {
        this.pos = 0;
        return { obs: this.obs(), info: {} };
      }
    }
    expect(problemsOf(new ConstantReset())).toEqual([
      expect.stringMatching(/reset\(\{ seed: 456 \}\) left env\.rng in the same state as reset\(\{ seed: 123 \}\), so the seed is ignored/),
    ]);
  });

  it('a reset() without seed that reseeds from a fixed seed, or from entropy', () => {
    class FixedReseed extends Tiny {
      override reset(options?: ResetOptions): ResetResult<Float32Array> {
        return super.reset({ ...options, seed: options?.seed ?? 0 });
      }
    }
    expect(problemsOf(new FixedReseed())).toEqual([expect.stringMatching(/reset\(\) without a seed put env\.rng in the same state whether .* seeded with 123 or 456, so it reseeds from a fixed seed/)]);
    class EntropyReseed extends Tiny {
      override reset(options?: ResetOptions): ResetResult<Float32Array> {
        if (options?.seed === undefined) this.rng = new Rng();
        return super.reset(options);
      }
    }
    expect(problemsOf(new EntropyReseed())).toEqual([expect.stringMatching(/reset\(\) after reset\(\{ seed: 123 \}\) gave a different env\.rng state in two runs, so it does not continue the seeded stream/)]);
  });

  it('a reset that rejects options', () => {
    class NoOptions extends Tiny {
      override reset(options?: ResetOptions): ResetResult<Float32Array> {
        if (options?.options) throw new Error('unexpected options');
        return super.reset(options);
      }
    }
    expect(problemsOf(new NoOptions())).toEqual([expect.stringMatching(/reset\(\{ options: \{\} \}\) threw Error: unexpected options;.*accept an options object/)]);
  });

  it('a NaN reward', () => {
    class NaNReward extends Tiny {
      override step(action: number): StepResult<Float32Array> {
        return { ...super.step(action), reward: NaN };
      }
    }
    expect(problemsOf(new NaNReward())).toEqual([expect.stringMatching(/^NaNReward: step\(\) reward must be a finite number, got NaN; return a plain finite number/)]);
  });

  it('a non-boolean terminated', () => {
    class NumericTerminated extends Tiny {
      override step(action: number): StepResult<Float32Array> {
        return { ...super.step(action), terminated: 0 as unknown as boolean };
      }
    }
    expect(problemsOf(new NumericTerminated())).toEqual([expect.stringMatching(/step\(\) terminated must be a boolean, got number 0; return true or false/)]);
  });

  it('a missing info, in reset and in step', () => {
    class NoInfo extends Tiny {
      override reset(options?: ResetOptions): ResetResult<Float32Array> {
        return { obs: super.reset(options).obs } as ResetResult<Float32Array>;
      }
      override step(action: number): StepResult<Float32Array> {
        const { obs, reward, terminated, truncated } = super.step(action);
        return { obs, reward, terminated, truncated } as StepResult<Float32Array>;
      }
    }
    expect(problemsOf(new NoInfo())).toEqual([
      expect.stringMatching(/reset\(\) info must be an object, got undefined; return info: \{\}/),
      expect.stringMatching(/step\(\) info must be an object, got undefined; return info: \{\}/),
    ]);
  });

  it('a step that is not deterministic for the same seed and action, unless the spec says nondeterministic', () => {
    class NoisyStep extends Tiny {
      override step(action: number): StepResult<Float32Array> {
        const r = super.step(action);
        return { ...r, reward: r.reward + Math.random() };
      }
    }
    expect(problemsOf(new NoisyStep())).toEqual([expect.stringMatching(/step\(\d\) after reset\(\{ seed: 123 \}\) differed between two runs \(reward: .* vs .*\); .*nondeterministic: true/)]);
    register('NoisyStep-v0', (kw) => new NoisyStep(kw.renderMode ?? null), { nondeterministic: true });
    try {
      expect(problemsOf(make('NoisyStep-v0').unwrapped)).toEqual([]);
    } finally {
      unregister('NoisyStep-v0');
    }
  });

  it('an invalid action silently accepted, for Discrete and for Box', () => {
    class AcceptsAnything extends Tiny {
      override step(): StepResult<Float32Array> {
        return { obs: this.obs(), reward: 0, terminated: false, truncated: false, info: {} };
      }
    }
    expect(problemsOf(new AcceptsAnything())).toEqual([
      expect.stringMatching(/^AcceptsAnything: step\(3\) accepted an action outside Discrete\(3\); throw on invalid actions.*this\.invalidAction\(action\)/),
    ]);
    class BoxAction extends AcceptsAnything {
      override actionSpace = new Box(-1, 1, [2]) as unknown as Space<number>;
    }
    expect(problemsOf(new BoxAction())).toEqual([expect.stringMatching(/step\(Float32Array\(3\) \[0, 0, 0\]\) accepted an action outside Box\(-1, 1, \[2\], float32\)/)]);
  });

  it('an rgb_array frame with the wrong byte length', () => {
    class RgbFrame extends Tiny {
      override render(): RenderResult {
        return { data: new Uint8Array(4 * 3 * 3), width: 4, height: 3 };
      }
    }
    expect(problemsOf(new RgbFrame('rgb_array'))).toEqual([
      expect.stringMatching(/render\(\) in "rgb_array" mode returned 36 bytes for 4×3, expected width\*height\*4 = 48 \(RGBA, row-major\) \(that is 3 bytes per pixel: add an alpha byte/),
    ]);
  });

  it('an ansi render that is not a string', () => {
    class AnsiLines extends Tiny {
      override render(): RenderResult {
        return ['a', 'b'] as unknown as string;
      }
    }
    expect(problemsOf(new AnsiLines('ansi'))).toEqual([expect.stringMatching(/render\(\) in "ansi" mode must return a string, got \["a", "b"\]/)]);
  });

  it('a render mode not in metadata.renderModes, and bad render metadata', () => {
    expect(problemsOf(new Tiny('human' as RenderMode))).toEqual([
      expect.stringMatching(/renderMode "human" is not in metadata\.renderModes \[ansi, rgb_array\]; reject unsupported modes in the constructor, or add the mode/),
    ]);
    class BadMeta extends Tiny {
      override metadata = { renderModes: 'ansi', renderFps: 0 } as unknown as EnvMetadata;
    }
    expect(problemsOf(new BadMeta())).toEqual([
      expect.stringMatching(/metadata\.renderModes must be an array of strings, got "ansi"/),
      expect.stringMatching(/metadata\.renderFps must be a positive number, got 0/),
    ]);
    expect(problemsOf(new BadMeta(), { skipRenderCheck: true })).toEqual([]);
  });

  it('re-makes each declared render mode through the registry', () => {
    // The factory drops the renderMode kwarg, so make(..., { renderMode }) cannot give the mode it declares.
    register('ForgetsMode-v0', () => new Tiny());
    try {
      const p = problemsOf(make('ForgetsMode-v0').unwrapped);
      expect(p).toEqual([
        expect.stringMatching(/make\("ForgetsMode-v0", …, \{ renderMode: "ansi" \}\): built an env with renderMode null; store the renderMode kwarg/),
        expect.stringMatching(/renderMode: "rgb_array" \}\): built an env with renderMode null/),
      ]);
    } finally {
      unregister('ForgetsMode-v0');
    }
    // A frame bug that only shows in a mode the env under test was not made in.
    class BadRgb extends Tiny {
      override render(): RenderResult {
        return this.renderMode === 'rgb_array' ? { data: new Uint8Array(5), width: 4, height: 3 } : super.render();
      }
    }
    register('BadRgb-v0', (kw) => new BadRgb(kw.renderMode ?? null));
    try {
      expect(problemsOf(make('BadRgb-v0').unwrapped)).toEqual([
        expect.stringMatching(/^BadRgb-v0: make\("BadRgb-v0", …, \{ renderMode: "rgb_array" \}\): render\(\) in "rgb_array" mode returned 5 bytes for 4×3, expected .* = 48/),
      ]);
    } finally {
      unregister('BadRgb-v0');
    }
  });

  it('a close() that throws on the second call', () => {
    class CloseOnce extends Tiny {
      override close(): void {
        if (this.closed) throw new Error('already closed');
        this.closed = true;
      }
    }
    expect(problemsOf(new CloseOnce())).toEqual([expect.stringMatching(/close\(\) on an already closed env threw Error: already closed; make close\(\) idempotent/)]);
    expect(problemsOf(new CloseOnce(), { skipCloseCheck: true })).toEqual([]);
  });

  it('missing or non-Space spaces', () => {
    class NoSpaces extends Tiny {
      override actionSpace = undefined as unknown as Space<number>;
      override observationSpace = { contains: () => true } as unknown as Space<Float32Array>;
    }
    const p = problemsOf(new NoSpaces());
    expect(p).toEqual([
      expect.stringMatching(/env\.observationSpace is not a Space \(got \{contains\}\); use one of Discrete, Box/),
      expect.stringMatching(/env\.actionSpace is missing; set it to a Space, e\.g\. new Discrete\(n\)/),
    ]);
  });

  it('lists every problem at once, and the error message shows them all', () => {
    class ManyBugs extends Tiny {
      override step(action: number): StepResult<Float32Array> {
        return { ...super.step(action), reward: Infinity, truncated: 'no' as unknown as boolean };
      }
      override close(): void {
        throw new Error('boom');
      }
    }
    let err: unknown;
    try {
      checkEnv(new ManyBugs());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvCheckError);
    const { problems, message } = err as EnvCheckError;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/reward must be a finite number, got Infinity/);
    expect(problems[1]).toMatch(/truncated must be a boolean, got string "no"/);
    expect(problems[2]).toMatch(/^ManyBugs: close\(\) threw Error: boom/);
    expect(message).toMatch(/^checkEnv found 3 problems:/);
    for (const p of problems) expect(message).toContain(p);
  });
});

describe('checkEnv on envs not built on BaseEnv', () => {
  /** A plain object env with no `rng`: seeding can only be judged by observations. */
  function plainEnv(random: () => number) {
    let pos = 0;
    return {
      actionSpace: new Discrete(2),
      observationSpace: new Box<Float32Array>(-1, 1, [1]),
      metadata: { renderModes: [] },
      renderMode: null,
      spec: null,
      get unwrapped() {
        return this;
      },
      reset(o?: ResetOptions) {
        pos = o?.seed !== undefined ? (o.seed % 100) / 200 : random() - 0.5;
        return { obs: Float32Array.of(pos), info: {} };
      },
      step(a: number) {
        if (a !== 0 && a !== 1) throw new RangeError(`action ${a} is outside Discrete(2)`);
        pos = Math.max(-1, Math.min(1, pos + (a - 0.5) / 10));
        return { obs: Float32Array.of(pos), reward: pos, terminated: false, truncated: false, info: {} };
      },
      render: () => null,
      close: () => {},
    };
  }

  it('passes a deterministic plain-object env', () => {
    expect(checkEnv(plainEnv(() => 0.25)).warnings).toEqual([]);
  });

  it('catches a seeded reset that ignores the seed by its observations', () => {
    const env = plainEnv(Math.random);
    env.reset = () => ({ obs: Float32Array.of(Math.random() - 0.5), info: {} });
    expect(problemsOf(env)).toEqual([expect.stringMatching(/reset\(\{ seed: 123 \}\) twice gave different observations/)]);
  });

  it('reports a missing method without crashing, and a non-object', () => {
    const env = plainEnv(() => 0) as Partial<ReturnType<typeof plainEnv>>;
    delete env.close;
    delete env.render;
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(/env\.render is not a method \(got undefined\); implement render\(\)/),
      expect.stringMatching(/env\.close is not a method/),
    ]);
    expect(problemsOf(null)).toEqual([expect.stringMatching(/checkEnv expects an env object, got null/)]);
  });
});

describe('checkEnv invalid actions for other spaces', () => {
  it('builds an out-of-range action for MultiDiscrete and MultiBinary', () => {
    for (const space of [new MultiDiscrete([2, 3]), new MultiBinary(3)]) {
      class Lax extends Tiny {
        override actionSpace = space as unknown as Space<number>;
        override step(): StepResult<Float32Array> {
          return this.move(0);
        }
      }
      expect(problemsOf(new Lax())).toEqual([expect.stringMatching(new RegExp(`accepted an action outside ${space.toString().replace(/[[\]()]/g, '\\$&')}`))]);
    }
  });
});

describe('checkEnv space warnings', () => {
  it('warns about render modes checkEnv does not know', () => {
    class Human extends Tiny {
      override metadata: EnvMetadata = { renderModes: ['human' as RenderMode], renderFps: 30 };
    }
    expect(checkEnv(new Human()).warnings).toEqual([expect.stringMatching(/declares "human", which is not a rudder render mode \(ansi, rgb_array\)/)]);
    class NoFps extends Tiny {
      override metadata: EnvMetadata = { renderModes: ['ansi'] };
    }
    expect(checkEnv(new NoFps()).warnings).toEqual([expect.stringMatching(/metadata\.renderFps is not set/)]);
  });

  it('warns on infinite and non-normalised continuous action boxes, and on low == high', () => {
    class InfAction extends ContinuousTiny {
      override actionSpace = new Box(-Infinity, Infinity, [2]) as unknown as Space<number>;
    }
    expect(checkEnv(new InfAction()).warnings).toEqual([expect.stringMatching(/actionSpace Box\(-inf, inf.* has infinite bounds; bound the action space/)]);
    class WideAction extends ContinuousTiny {
      override actionSpace = new Box(0, 10, [2]) as unknown as Space<number>;
    }
    expect(checkEnv(new WideAction()).warnings).toEqual([expect.stringMatching(/actionSpace Box\(0, 10.*: .*use \[-1, 1\] \(or \[0, 1\]\)/)]);
    for (const [lo, hi] of [[-1, 1], [0, 1], [-0.5, 0.5]]) {
      class Normalised extends WideAction {
        override actionSpace = new Box(lo!, hi!, [2]) as unknown as Space<number>;
      }
      expect(checkEnv(new Normalised()).warnings).toEqual([]);
    }
    class FlatObs extends Tiny {
      override observationSpace = new Box([-1, 0], [1, 0]);
      override obs(): Float32Array {
        return Float32Array.of(this.pos, 0);
      }
    }
    expect(checkEnv(new FlatObs()).warnings).toEqual([expect.stringMatching(/observationSpace Box.*: 1 dimension has low == high/)]);
  });
});

describe('checkEnv on metadata.actionNames', () => {
  it('every registered env with Discrete actions but CartPole names each action once, and checkEnv reports wrong names', async () => {
    const { listEnvs } = await import('../src/envs/index.ts');
    for (const id of listEnvs()) {
      const env = make(id);
      const space = env.actionSpace;
      if (space instanceof Discrete && !id.startsWith('CartPole')) {
        const names = env.unwrapped.metadata.actionNames;
        expect(names, id).toBeDefined();
        expect(names!.length, id).toBe(space.n);
        expect(new Set(names).size, id).toBe(space.n);
      }
      env.close();
    }
    const env = make('KeyDoorTreasure-v0').unwrapped;
    env.metadata.actionNames = ['left', 'right'];
    expect(() => checkEnv(env)).toThrow(/metadata.actionNames has 2 names for 5 actions/);
    env.metadata.actionNames = ['a', 'a', 'b', 'c', 'd'];
    expect(() => checkEnv(env)).toThrow(/actionNames repeats a name/);
  });
});
