import { BaseEnv, EMPTY_INFO, type EnvStateSpec, type RenderMode, type RenderResult, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { drawCartPole } from './cartpole-render.ts';
import { cartPoleScene } from './cartpole-scene.ts';
import type { Scene, SceneEnv } from '../core/scene.ts';
import { CARTPOLE, cartPoleStep } from './cartpole-physics.ts';
import { writeStep } from '../core/step-result.ts';

export interface CartPoleOptions {
  renderMode?: RenderMode | null;
  /** Sutton & Barto's reward: 0 per step and −1 on termination. */
  suttonBartoReward?: boolean;
}

/** Action 0 pushes the cart left, 1 right. */
export const CARTPOLE_ACTION_NAMES: readonly string[] = Object.freeze(['left', 'right']);

/** What CartPoleEnv.getState saves besides its RNG (the obs buffer too: a caller may read it after setState). */
const CARTPOLE_FIELDS = { scalars: ['stepsBeyondTerminated'], arrays: ['state', 'obs'] } as const;

const HIGH = [CARTPOLE.xThreshold * 2, Infinity, CARTPOLE.thetaThresholdRadians * 2, Infinity];

/**
 * CartPole-v1 (Barto, Sutton & Anderson 1983), Gymnasium's physics and registration.
 * Action 0 pushes left, 1 pushes right. Observation `[x, ẋ, θ, θ̇]` as a Float32Array(4), reused across steps.
 */
export class CartPoleEnv extends BaseEnv<Float32Array, number> implements SceneEnv {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(HIGH.map((v) => -v), HIGH, [4], 'float32');
  override metadata = { renderModes: ['ansi', 'rgb_array'] as RenderMode[], renderFps: 50, actionNames: CARTPOLE_ACTION_NAMES };
  /** Physical state, float64 as in Gymnasium. */
  readonly state = new Float64Array(4);
  private readonly obs = new Float32Array(4);
  private readonly suttonBarto: boolean;
  private stepsBeyondTerminated = -1;
  private steps = 0;
  private readonly resetResult: ResetResult<Float32Array> = { obs: this.obs, info: EMPTY_INFO };
  private readonly result: StepResult<Float32Array> = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: EMPTY_INFO };

  constructor(options: CartPoleOptions = {}) {
    super(options.renderMode ?? null);
    this.checkRenderMode('CartPole');
    this.suttonBarto = options.suttonBartoReward ?? false;
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    const lo = typeof options?.options?.low === 'number' ? options.options.low : -0.05;
    const hi = typeof options?.options?.high === 'number' ? options.options.high : 0.05;
    const rng = this.rng;
    for (let i = 0; i < 4; i++) this.state[i] = rng.uniform(lo, hi);
    this.stepsBeyondTerminated = -1;
    this.steps = 0;
    this.writeObs();
    return this.resetResult;
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) this.invalidAction(action);
    const r = this.result;
    if (this.stepsBeyondTerminated >= 0) {
      // Stepping a finished episode is the caller's bug; Gymnasium warns and pays 0.
      this.stepsBeyondTerminated++;
      r.reward = 0;
      r.terminated = true;
      return r;
    }
    const terminated = cartPoleStep(this.state, 0, action);
    this.steps++;
    this.writeObs();
    if (terminated) this.stepsBeyondTerminated = 0;
    return writeStep(r, this.suttonBarto ? (terminated ? -1 : 0) : 1, terminated, false);
  }

  protected override stateSpec(): EnvStateSpec {
    return { kind: 'CartPole', config: { suttonBartoReward: this.suttonBarto }, fields: CARTPOLE_FIELDS };
  }

  override render(): RenderResult {
    if (this.renderMode === 'ansi') return cartPoleAnsi(this.state);
    if (this.renderMode === 'rgb_array') return drawCartPole(this.state);
    return null;
  }

  /** What the viewer draws (the rgb_array picture stays Gymnasium's own). */
  scene(): Scene {
    return cartPoleScene(this.state, this.steps);
  }

  private writeObs(): void {
    const s = this.state, o = this.obs;
    o[0] = s[0]!;
    o[1] = s[1]!;
    o[2] = s[2]!;
    o[3] = s[3]!;
  }
}

/** One text line: the track, the cart `[#]` at x, and the pole's lean. */
export function cartPoleAnsi(s: Float64Array): string {
  const width = 49;
  const col = Math.round(((s[0]! + CARTPOLE.xThreshold) / (2 * CARTPOLE.xThreshold)) * (width - 1));
  const track = Array.from({ length: width }, () => '-');
  const c = Math.max(1, Math.min(width - 2, col));
  track[c - 1] = '[';
  track[c] = '#';
  track[c + 1] = ']';
  const deg = (s[2]! * 180) / Math.PI;
  const lean = deg < -2 ? '\\' : deg > 2 ? '/' : '|';
  const pole = ' '.repeat(c) + lean;
  return `${pole}\n${track.join('')}\nx=${s[0]!.toFixed(3)} θ=${deg.toFixed(2)}°`;
}
