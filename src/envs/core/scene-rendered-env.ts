import { BaseEnv, type RenderMode, type RenderResult } from './env.ts';
import { drawScene, sceneToAnsi, type Scene, type SceneEnv } from './scene.ts';

export interface SceneRenderOptions {
  /** Frames per second for playback, `metadata.renderFps`. */
  renderFps: number;
  /** A name per discrete action, `metadata.actionNames`. */
  actionNames?: readonly string[];
  /** Pixels per tile in `rgb_array` frames (default 12). */
  tilePx?: number;
  /** Prefixes the renderMode error (default: the class name). */
  envName?: string;
}

/**
 * The base of envs that describe themselves as a `scene()`: `ansi` and `rgb_array` renders are drawn from
 * the scene, so what `render()` shows and what the viewer draws never disagree, and an env writes no
 * drawing code of its own. The constructor rejects a renderMode other than those two (or null).
 */
export abstract class SceneRenderedEnv<O, A> extends BaseEnv<O, A> implements SceneEnv {
  /** Pixels per tile in `rgb_array` frames. */
  protected tilePx: number;

  constructor(renderMode: RenderMode | null | undefined, options: SceneRenderOptions) {
    super(renderMode ?? null);
    this.metadata = { renderModes: ['ansi', 'rgb_array'], renderFps: options.renderFps };
    if (options.actionNames) this.metadata.actionNames = options.actionNames;
    this.tilePx = options.tilePx ?? 12;
    this.checkRenderMode(options.envName ?? new.target.name);
  }

  abstract scene(): Scene;

  override render(): RenderResult {
    if (this.renderMode === null) return null;
    const s = this.scene();
    return this.renderMode === 'ansi' ? sceneToAnsi(s) : drawScene(s, { tilePx: this.tilePx });
  }
}
