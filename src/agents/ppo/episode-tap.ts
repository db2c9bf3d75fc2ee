/**
 * A per-sub-env tap on PPO's rollout, for the viewer: arm it with a sub-env index and PPO records that
 * sub-env's next whole episode (the env's state after reset, the actions and rewards), then hands it over
 * once the rollout's reward redistribution has run, so a listener of the redistributor's per-episode output
 * (RUDDER's `onEpisode`) has already seen the same episode.
 *
 * Off (`env = -1`, the default) it costs PPO one comparison per step; armed, one `getState()` per captured
 * episode and two pushes per step: the scenes are made later, off the rollout, by stepping a copy of the env
 * from that state with the same actions ({@link captureScenes}). An env without state support (a user's env
 * with no getState) costs one `scene()` per step instead. The trainer never waits on the listener:
 * `onCapture` must return at once.
 */
import type { Env } from '../../envs/core/env.ts';
import { hasEnvState, type EnvState } from '../../envs/core/env-state.ts';
import { make } from '../../envs/core/registry.ts';
import { hasScene, sceneOf, type Scene } from '../../envs/core/scene.ts';
import type { VectorEnv } from '../../envs/vector/vector-env.ts';

export interface CapturedEpisode {
  /** The sub-env it ran in. */
  env: number;
  /** PPO's global step when it ended. */
  globalStep: number;
  /** The env's state after the reset (s_0), when it supports getState: the scenes are re-made from it. */
  start: EnvState | null;
  /** Scenes s_0 … s_T (after reset, then after every step), recorded only when `start` is null. */
  scenes: Scene[] | null;
  /** The first action head of every step [T]. */
  actions: Int32Array;
  /** The env's reward of every step [T]. */
  rewards: Float64Array;
  return: number;
  terminated: boolean;
  truncated: boolean;
}

/** What PPO's `tap` option takes; {@link EpisodeTap} is the usual implementation. */
export interface RolloutTap {
  /** The sub-env whose next episode to record, or −1 (read every step: a plain field). */
  env: number;
  /** Called by PPO after each env step for the armed sub-env. */
  step(sub: Env, wasReset: boolean, action: number, reward: number, terminated: boolean, truncated: boolean, globalStep: number): void;
  /** Called by PPO after each rollout's redistribution. */
  flush(): void;
}

/** Captures one episode at a time and passes finished ones to `onCapture`. */
export class EpisodeTap implements RolloutTap {
  env = -1;
  private start: EnvState | null = null;
  private scenes: Scene[] | null = null;
  private actions: number[] = [];
  private rewards: number[] = [];
  private recording = false;
  private readonly done: CapturedEpisode[] = [];

  constructor(private readonly onCapture: (episode: CapturedEpisode) => void) {}

  /** Record sub-env `env`'s next episode (from its next reset); −1 stops. Re-arming drops an episode in progress. */
  arm(env: number): void {
    this.env = env;
    this.recording = false;
  }

  step(sub: Env, wasReset: boolean, action: number, reward: number, terminated: boolean, truncated: boolean, globalStep: number): void {
    if (wasReset) {
      // NEXT_STEP autoreset: this step was the reset, the scene now is s_0.
      if (!hasScene(sub)) throw new Error(`EpisodeTap: sub-env ${this.env} has no scene() to capture`);
      this.recording = true;
      this.start = hasEnvState(sub) ? sub.getState() : null;
      this.scenes = this.start ? null : [sceneOf(sub)];
      this.actions = [];
      this.rewards = [];
      return;
    }
    if (!this.recording) return;
    this.scenes?.push(sceneOf(sub));
    this.actions.push(action);
    this.rewards.push(reward);
    if (terminated || truncated) {
      const rewards = Float64Array.from(this.rewards);
      this.done.push({
        env: this.env, globalStep, start: this.start, scenes: this.scenes, actions: Int32Array.from(this.actions), rewards,
        return: rewards.reduce((a, b) => a + b, 0), terminated, truncated,
      });
      this.recording = false;
      this.env = -1; // one episode per arming: the listener re-arms when it wants the next
    }
  }

  flush(): void {
    while (this.done.length) this.onCapture(this.done.shift()!);
  }
}

/**
 * The scenes s_0 … s_T of a captured episode, one at a time: the recorded ones, or those of a fresh
 * `make(envId, envKwargs)` put in the captured start state and stepped with the captured actions. Throws
 * when the copy's rewards differ from the captured ones (the env was made with other options than the
 * trainer's, or its state misses something that shapes its steps).
 */
export function* captureScenes(c: CapturedEpisode, envId: string, envKwargs: Record<string, unknown>): Generator<Scene, void, void> {
  if (c.scenes) {
    yield* c.scenes;
    return;
  }
  const env = make(envId, envKwargs) as Env<unknown, number>;
  try {
    if (!hasEnvState(env) || !hasScene(env)) throw new Error(`${envId}: a fresh env cannot be put in the captured state or has no scene()`);
    env.setState(c.start!);
    yield sceneOf(env);
    for (let t = 0; t < c.actions.length; t++) {
      const r = env.step(c.actions[t]!);
      if (r.reward !== c.rewards[t]) throw new Error(`${envId}: re-simulating the captured episode gave reward ${r.reward} at step ${t + 1}, the trainer got ${c.rewards[t]} (other env options?)`);
      yield sceneOf(env);
    }
  } finally {
    env.close();
  }
}

/** The sub-envs of a vector env that runs them in this thread (SyncVectorEnv and wrappers of it), or null. */
export function subEnvsOf(vec: VectorEnv<unknown, unknown>): readonly Env[] | null {
  let v: unknown = vec;
  for (let depth = 0; depth < 8 && typeof v === 'object' && v !== null; depth++) {
    const envs = (v as { envs?: unknown }).envs;
    if (Array.isArray(envs)) return envs as Env[];
    v = (v as { env?: unknown }).env;
  }
  return null;
}
