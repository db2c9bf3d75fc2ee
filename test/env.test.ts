import { describe, expect, it } from 'vitest';
import { BaseEnv, CartPoleEnv, Discrete, EMPTY_INFO, KeyDoorTreasureEnv, VentureEnv, type RenderMode, type ResetResult, type StepResult } from '../src/index.ts';

class CountEnv extends BaseEnv<number, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Discrete(3);
  override metadata = { renderModes: ['ansi'] as RenderMode[] };

  constructor(renderMode: RenderMode | null) {
    super(renderMode);
    this.checkRenderMode();
  }

  reset(): ResetResult<number> {
    return { obs: 0, info: EMPTY_INFO };
  }

  step(): StepResult<number> {
    return { obs: 0, reward: 0, terminated: true, truncated: false, info: EMPTY_INFO };
  }
}

describe('EMPTY_INFO', () => {
  it('is one frozen empty object, the reset info of the built-in envs', () => {
    expect(Object.isFrozen(EMPTY_INFO)).toBe(true);
    expect(Object.keys(EMPTY_INFO)).toEqual([]);
    expect(new CartPoleEnv().reset({ seed: 1 }).info).toBe(EMPTY_INFO);
    expect(new KeyDoorTreasureEnv().reset({ seed: 1 }).info).toBe(EMPTY_INFO);
    expect(new VentureEnv().reset({ seed: 1 }).info).toBe(EMPTY_INFO);
  });
});

describe('BaseEnv.checkRenderMode', () => {
  it("accepts null and the env's own render modes", () => {
    expect(new CountEnv(null).renderMode).toBeNull();
    expect(new CountEnv('ansi').renderMode).toBe('ansi');
  });

  it('rejects another mode, naming the env, the mode and the supported ones', () => {
    expect(() => new CountEnv('rgb_array')).toThrow('CountEnv: renderMode "rgb_array" is not one of ansi');
    expect(() => new CartPoleEnv({ renderMode: 'human' as RenderMode })).toThrow('CartPole: renderMode "human" is not one of ansi, rgb_array');
  });
});
