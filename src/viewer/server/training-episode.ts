/**
 * Training episodes on disk (`RUN/episodes/train-*.json`): one episode a training run played, with what
 * RUDDER or Align-RUDDER made of it, so a replay from disk shows the reward plots as the live view does.
 *
 * A training episode starts wherever the vector env's autoreset left the sub-env, not from a seed, so it
 * is stored as the env's state after that reset (`getState()`, plain JSON) and the actions; the viewer puts
 * a fresh `make(envId, envKwargs)` in that state and steps it (checking every reward, as a demonstration's
 * replay does). E.g.:
 * ```json
 * { "format": "rudder-training-episode", "version": 1, "envId": "KeyDoorTreasure-v0", "envKwargs": {},
 *   "subEnv": 0, "globalStep": 20480, "start": { "kind": "KeyDoorTreasure", … }, "actions": [2, 3, …],
 *   "rewards": [0, 0, …], "return": 1, "terminated": true, "truncated": false, "recordedAt": "…",
 *   "redistribution": { "method": "rudder", "redistributed": […], "predictions": […], "quality": 0.8, "error": 0.1 } }
 * ```
 * `redistribution` is null for plain PPO (and for a RUDDER episode whose report could not be matched).
 * `rudder eval --record` writes its episodes in the same form (`source: "eval"`, the `seed` it reset with,
 * subEnv 0, globalStep the checkpoint's; eval-recorder.ts).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../../agents/run/atomic.ts';
import type { EnvState } from '../../envs/core/env-state.ts';
import type { LiveEpisode } from './live-source.ts';

export const TRAINING_EPISODE_FORMAT = 'rudder-training-episode' as const;
export const TRAINING_EPISODE_VERSION = 1 as const;

const finite = z.number().refine(Number.isFinite, 'must be finite');

const schema = z.strictObject({
  format: z.literal(TRAINING_EPISODE_FORMAT),
  version: z.literal(TRAINING_EPISODE_VERSION),
  envId: z.string().min(1),
  envKwargs: z.record(z.string(), z.unknown()),
  subEnv: z.number().int().min(0),
  /** PPO's global step when the episode ended. */
  globalStep: z.number().int().min(0),
  /** The env's state after the reset that began the episode (s_0). */
  start: z.looseObject({ kind: z.string().min(1) }),
  actions: z.array(z.number().int().min(0)).min(1),
  rewards: z.array(finite),
  return: finite,
  terminated: z.boolean(),
  truncated: z.boolean(),
  recordedAt: z.string().optional(),
  /** `eval`: an episode of `rudder eval --record` (reset with `seed`); absent or `train`: a training episode. */
  source: z.enum(['train', 'eval']).optional(),
  seed: z.number().int().min(0).optional(),
  redistribution: z.strictObject({
    method: z.enum(['rudder', 'align-rudder']),
    /** Per step [length]: the redistributed reward, and the model's return prediction after the step. */
    redistributed: z.array(finite),
    predictions: z.array(finite),
    quality: finite,
    /** The model's error on it; null when it had none yet (NaN before RUDDER's first training: JSON has no NaN). */
    error: finite.nullable(),
  }).nullable(),
});

export type TrainingEpisode = z.infer<typeof schema>;

/** True when a parsed JSON value claims to be a training episode (the replay then validates it whole). */
export function isTrainingEpisode(x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as { format?: unknown }).format === TRAINING_EPISODE_FORMAT;
}

/** Checks the shape of `x`; `label` names it in errors. */
export function parseTrainingEpisode(x: unknown, label: string): TrainingEpisode {
  const r = schema.safeParse(x);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`);
    throw new Error(`${label}: not a valid ${TRAINING_EPISODE_FORMAT} v${TRAINING_EPISODE_VERSION}: ${problems.join('; ')}`);
  }
  const e = r.data;
  const T = e.actions.length;
  if (e.rewards.length !== T) throw new Error(`${label}: ${T} actions but ${e.rewards.length} rewards (one reward per step)`);
  const rd = e.redistribution;
  if (rd && (rd.redistributed.length !== T || rd.predictions.length !== T)) {
    throw new Error(`${label}: redistribution has ${rd.redistributed.length} rewards and ${rd.predictions.length} predictions for ${T} steps`);
  }
  return e;
}

/** A captured live episode as a file's content; null when the env gave no state to start from (no getState). */
export function trainingEpisodeOf(e: LiveEpisode, envId: string, envKwargs: Record<string, unknown>): TrainingEpisode | null {
  const c = e.captured, r = e.redistribution;
  if (!c.start) return null;
  return {
    format: TRAINING_EPISODE_FORMAT, version: TRAINING_EPISODE_VERSION, envId, envKwargs, subEnv: c.env, globalStep: c.globalStep,
    start: c.start as TrainingEpisode['start'], actions: Array.from(c.actions), rewards: Array.from(c.rewards), return: c.return,
    terminated: c.terminated, truncated: c.truncated, recordedAt: new Date().toISOString(),
    // Float32 values widen to doubles exactly, and JSON's shortest round-trip text brings the same doubles back.
    redistribution: r ? { method: e.method ?? 'rudder', redistributed: Array.from(r.redistributed), predictions: Array.from(r.predictions), quality: r.quality, error: Number.isFinite(r.error) ? r.error : null } : null,
  };
}

/** Writes one training episode atomically. */
export function saveTrainingEpisode(path: string, e: TrainingEpisode): void {
  writeFileAtomic(path, `${JSON.stringify(e)}\n`);
}

/** Reads one training episode file (shape only: the replay checks the rewards). */
export function loadTrainingEpisode(path: string): TrainingEpisode {
  return parseTrainingEpisode(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** The start state as the env takes it. */
export function startState(e: TrainingEpisode): EnvState {
  return e.start as EnvState;
}
