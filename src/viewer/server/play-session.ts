/**
 * Keyboard play of one env for one connection: the server picks the seed, the page sends actions, every step
 * is checked against the action space before it reaches the env (a bad action leaves the env untouched), and
 * the episode can be saved as a demonstration (demonstration.ts re-simulates it, then writes it atomically)
 * under the run's `demos/` folder and nowhere else.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../envs/core/env.ts';
import { recordDemonstration, saveDemonstration } from '../../envs/core/demonstration.ts';
import { make } from '../../envs/core/registry.ts';
import { hasScene, sceneOf, type Scene } from '../../envs/core/scene.ts';
import type { ServedRun } from './runs.ts';

/** Longest episode a page may play (an env without a time limit must not grow a session without bound). */
export const MAX_PLAY_STEPS = 100_000;

export class PlayError extends Error {
  constructor(readonly code: 'invalid_action' | 'bad_message' | 'not_found' | 'unknown_run', message: string) {
    super(message);
  }
}

export interface PlayStep {
  t: number;
  action: number;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  prev: Scene;
  scene: Scene;
}

export class PlaySession {
  readonly actions: number[] = [];
  readonly rewards: number[] = [];
  terminated = false;
  truncated = false;
  private scene: Scene;

  private constructor(readonly run: ServedRun, readonly envId: string, readonly envKwargs: Record<string, unknown>, readonly seed: number, private readonly env: Env<unknown, unknown>) {
    this.scene = sceneOf(env);
  }

  /**
   * A new episode of `envId` from a server-chosen seed. The run's own env plays with the run's kwargs (so
   * its demonstrations fit it); any other registered env plays as registered.
   */
  static start(run: ServedRun, envId: string): PlaySession {
    const envKwargs = envId === run.envId ? run.envKwargs : {};
    let env: Env<unknown, unknown>;
    try {
      env = make(envId, envKwargs);
    } catch (e) {
      throw new PlayError('not_found', (e as Error).message);
    }
    if (!hasScene(env)) {
      env.close();
      throw new PlayError('bad_message', `${envId} has no scene() for the viewer to draw, so it cannot be played in the page`);
    }
    const seed = randomInt(0, 2 ** 31 - 1);
    env.reset({ seed });
    return new PlaySession(run, envId, envKwargs, seed, env);
  }

  get firstScene(): Scene {
    return this.scene;
  }

  get done(): boolean {
    return this.terminated || this.truncated;
  }

  /** One step; throws a PlayError (env untouched) for an action outside the space or after the end. */
  act(action: number): PlayStep {
    if (this.done) throw new PlayError('invalid_action', `the episode has ended (after ${this.actions.length} steps): send play_reset for a new one`);
    if (!this.env.actionSpace.contains(action)) throw new PlayError('invalid_action', `action ${action} is not in ${this.envId}'s action space ${this.env.actionSpace.toString()}`);
    if (this.actions.length >= MAX_PLAY_STEPS) throw new PlayError('invalid_action', `play episodes stop at ${MAX_PLAY_STEPS} steps`);
    const r = this.env.step(action);
    this.actions.push(action);
    this.rewards.push(r.reward);
    this.terminated = r.terminated;
    this.truncated = r.truncated;
    const prev = this.scene;
    this.scene = sceneOf(this.env);
    return { t: this.actions.length, action, reward: r.reward, terminated: r.terminated, truncated: r.truncated, prev, scene: this.scene };
  }

  /**
   * Saves the episode so far as a demonstration in `<run>/demos/`; returns the path relative to the run folder.
   * recordDemonstration replays the actions (the rewards saved are the env's), saveDemonstration checks
   * that replay again and writes atomically.
   */
  save(note?: string): { path: string; return: number; length: number } {
    if (!this.run.dir) throw new PlayError('unknown_run', `run ${this.run.id} has no folder to save demonstrations in`);
    if (this.actions.length === 0) throw new PlayError('bad_message', 'nothing to save: the episode has no steps yet');
    const demo = recordDemonstration(this.envId, this.envKwargs, this.seed, this.actions, 'human');
    if (note !== undefined) demo.note = note;
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
    const base = `${this.envId.replace(/[^\w.-]/g, '_')}-${stamp}-${this.seed}`;
    let name = `${base}.json`;
    for (let k = 2; existsSync(join(this.run.dir, 'demos', name)); k++) name = `${base}-${k}.json`;
    saveDemonstration(join(this.run.dir, 'demos', name), demo);
    return { path: `demos/${name}`, return: demo.return, length: demo.actions.length };
  }

  close(): void {
    this.env.close();
  }
}
