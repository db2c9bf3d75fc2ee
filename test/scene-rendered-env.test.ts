import { describe, expect, it } from 'vitest';
import { Box, Discrete, SceneRenderedEnv, SCENE_VERSION, type RenderMode, type ResetResult, type Scene, type StepResult } from '../src/index.ts';

/** A one-row world of three cells with the agent on cell `x`. */
class StripEnv extends SceneRenderedEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, 2, [1], 'float32');
  x = 0;
  private readonly obs = new Float32Array(1);

  constructor(renderMode?: RenderMode | null, tilePx?: number) {
    super(renderMode, { renderFps: 7, ...(tilePx === undefined ? {} : { tilePx }) });
  }

  reset(): ResetResult<Float32Array> {
    this.x = 0;
    return { obs: this.obs, info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    this.x = Math.max(0, Math.min(2, this.x + (action === 1 ? 1 : -1)));
    this.obs[0] = this.x;
    return { obs: this.obs, reward: 0, terminated: false, truncated: false, info: {} };
  }

  scene(): Scene {
    return {
      version: SCENE_VERSION,
      width: 3,
      height: 1,
      palette: [{ code: 0, name: 'floor', color: '#000000', char: '.' }],
      layers: [{ name: 'cells', width: 3, height: 1, tiles: [0, 0, 0] }],
      sprites: [{ kind: 'agent', x: this.x, y: 0, color: '#ff0000' }],
      hud: { x: this.x },
    };
  }
}

describe('SceneRenderedEnv', () => {
  it('declares ansi and rgb_array with the given fps, and renders nothing without a renderMode', () => {
    const env = new StripEnv();
    expect(env.metadata).toEqual({ renderModes: ['ansi', 'rgb_array'], renderFps: 7 });
    expect(env.render()).toBeNull();
  });

  it('draws ansi frames from the current scene', () => {
    const env = new StripEnv('ansi');
    env.reset();
    const before = env.render() as string;
    env.step(1);
    const after = env.render() as string;
    expect(typeof before).toBe('string');
    expect(after).not.toBe(before); // the agent moved, so the frame follows the scene
  });

  it('draws rgb_array frames at tilePx pixels per tile (12 by default)', () => {
    const small = new StripEnv('rgb_array').render() as { width: number; height: number };
    const big = new StripEnv('rgb_array', 20).render() as { width: number; height: number };
    expect(big.width / 3).toBe(20);
    expect(small.width / 3).toBe(12);
  });

  it('rejects another renderMode, naming the env, the mode and the supported ones', () => {
    expect(() => new StripEnv('human' as RenderMode)).toThrow('StripEnv: renderMode "human" is not one of ansi, rgb_array');
  });
});
