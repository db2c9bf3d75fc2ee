/**
 * Records `rudder eval --record`'s episodes for the viewer: each one to `RUN/episodes/eval-<checkpoint>-seed<s>.json`
 * in the training-episode format (training-episode.ts: the env's state after the seeded reset, the actions and
 * rewards), so the run list shows them beside `--record-every`'s and a replay re-simulates them. When the run
 * trained with RUDDER, the checkpoint's LSTM redistributes each episode (`RudderRedistribution.episodeView`:
 * forward only), and the replay plots it; otherwise the file has no redistribution and the page plots the env
 * reward.
 */
import { join } from 'node:path';
import type { EvalObserver } from '../../agents/ppo/evaluate.ts';
import type { Env } from '../../envs/core/env.ts';
import { hasEnvState, type EnvState } from '../../envs/core/env-state.ts';
import type { RudderRedistribution } from '../../rudder/ppo-redistribution.ts';
import { saveTrainingEpisode, TRAINING_EPISODE_FORMAT, TRAINING_EPISODE_VERSION, type TrainingEpisode } from './training-episode.ts';

export interface EvalRecorderOptions {
  envId: string;
  envKwargs: Record<string, unknown>;
  /** The checkpoint's label (in the file names) and its global step (in the files). */
  label: string;
  globalStep: number;
  /** The run's RUDDER with the checkpoint's state, or null (plain PPO, Align-RUDDER: env reward only). */
  rudder?: RudderRedistribution | null;
}

export class EvalRecorder implements EvalObserver {
  /** Paths written so far, relative to the run folder. */
  readonly written: string[] = [];
  private start: EnvState | null = null;
  private seed = 0;
  private obs: number[] = []; // s_0 … s_T back to back, kept only for RUDDER
  private actions: number[] = [];
  private rewards: number[] = [];
  private ret = 0;

  constructor(private readonly runDir: string, private readonly o: EvalRecorderOptions) {
    if (!/^[\w.-]+$/.test(o.label)) throw new Error(`EvalRecorder: checkpoint label ${JSON.stringify(o.label)} cannot name a file`);
  }

  reset(env: Env, obs: Float32Array, seed: number): void {
    if (!hasEnvState(env)) throw new Error(`--record: ${this.o.envId} cannot save its state (no getState), so its episodes cannot be recorded for replay`);
    this.start = env.getState();
    this.seed = seed;
    this.actions = [];
    this.rewards = [];
    this.ret = 0;
    this.obs = this.o.rudder ? Array.from(obs) : [];
  }

  step(action: number | Int32Array, reward: number, obs: Float32Array, terminated: boolean, truncated: boolean): void {
    if (typeof action !== 'number') throw new Error(`--record: ${this.o.envId} takes ${action.length} actions a step; recorded episodes hold one`);
    this.actions.push(action);
    this.rewards.push(reward);
    this.ret += reward;
    if (this.o.rudder) for (let i = 0; i < obs.length; i++) this.obs.push(obs[i]!);
    if (terminated || truncated) this.write(terminated, truncated);
  }

  private write(terminated: boolean, truncated: boolean): void {
    const red = this.o.rudder ? this.o.rudder.episodeView(Float32Array.from(this.obs), this.actions, this.rewards) : null;
    const file: TrainingEpisode = {
      format: TRAINING_EPISODE_FORMAT, version: TRAINING_EPISODE_VERSION, envId: this.o.envId, envKwargs: this.o.envKwargs, subEnv: 0,
      globalStep: this.o.globalStep, start: this.start as TrainingEpisode['start'], actions: this.actions, rewards: this.rewards, return: this.ret,
      terminated, truncated, recordedAt: new Date().toISOString(), source: 'eval', seed: this.seed,
      redistribution: red ? { method: 'rudder', redistributed: Array.from(red.redistributed), predictions: Array.from(red.predictions), quality: red.quality, error: Number.isFinite(red.error) ? red.error : null } : null,
    };
    const rel = `episodes/eval-${this.o.label}-seed${this.seed}.json`;
    saveTrainingEpisode(join(this.runDir, rel), file);
    this.written.push(rel);
  }
}
