/**
 * Demonstrations: the project's one file format for recorded episodes that a method learns from
 * (Align-RUDDER's few demonstrations, behaviour cloning) and that the viewer records by keyboard play.
 *
 * A demonstration is the seed and the actions, which replay the episode exactly (our envs are
 * deterministic given the reset seed), plus the rewards and the return as recorded, which the loader
 * checks by replaying: a file whose actions do not give its rewards is refused, naming the step.
 * Observations are not stored: they are re-made by the replay (a Bowling episode of 738 steps is
 * 1.5 kB this way against ~1 MB of frames, measurements-2026-12.md §3).
 *
 * One JSON file per episode, e.g. `demos/KeyDoorTreasure-v0-0001.json`:
 * ```json
 * { "format": "rudder-demonstration", "version": 1, "envId": "KeyDoorTreasure-v0", "envKwargs": {},
 *   "seed": 7, "actions": [2, 2, 3, 1, 2], "rewards": [0, 0, 0, 0, 1], "return": 1,
 *   "terminated": true, "truncated": false, "source": "human", "recordedAt": "2026-12-02T21:00:00.000Z" }
 * ```
 * Only discrete actions (an integer per step) for now.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../agents/run/atomic.ts';
import type { Env } from './env.ts';
import { make } from './registry.ts';

export const DEMONSTRATION_FORMAT = 'rudder-demonstration' as const;
export const DEMONSTRATION_VERSION = 1 as const;

const schema = z.strictObject({
  format: z.literal(DEMONSTRATION_FORMAT),
  version: z.literal(DEMONSTRATION_VERSION),
  envId: z.string().min(1),
  envKwargs: z.record(z.string(), z.unknown()),
  seed: z.number().int().min(0),
  /** `reset({ seed, options })`'s env-specific options (e.g. a rooms env's `startRoom`), when any. */
  resetOptions: z.record(z.string(), z.unknown()).optional(),
  actions: z.array(z.number().int().min(0)).min(1),
  rewards: z.array(z.number().refine(Number.isFinite, 'must be finite')),
  return: z.number().refine(Number.isFinite, 'must be finite'),
  terminated: z.boolean(),
  truncated: z.boolean(),
  /** Who acted: `human` (keyboard play), `policy`, `expert`, or a name of your own. */
  source: z.string().min(1),
  recordedAt: z.string().optional(),
  note: z.string().optional(),
});

export type Demonstration = z.infer<typeof schema>;

/** A demonstration file or object that is malformed or does not replay; the message names the file and the problem. */
export class DemonstrationError extends Error {
  override name = 'DemonstrationError';
}

/** Checks the shape of `x` (not the replay: {@link checkDemonstration}); `label` names it in errors. */
export function parseDemonstration(x: unknown, label = 'demonstration'): Demonstration {
  const r = schema.safeParse(x);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`);
    throw new DemonstrationError(`${label}: not a valid ${DEMONSTRATION_FORMAT} v${DEMONSTRATION_VERSION}: ${problems.join('; ')}`);
  }
  const d = r.data;
  if (d.rewards.length !== d.actions.length) throw new DemonstrationError(`${label}: ${d.actions.length} actions but ${d.rewards.length} rewards (one reward per step)`);
  if (d.terminated && d.truncated) throw new DemonstrationError(`${label}: terminated and truncated are both true`);
  const sum = d.rewards.reduce((a, b) => a + b, 0);
  if (!close(sum, d.return)) throw new DemonstrationError(`${label}: return ${d.return} is not the sum of its rewards (${sum})`);
  return d;
}

/** What one replayed step gives a listener: the env after the step, its action and reward. */
export interface ReplayStep<O> {
  t: number;
  env: Env<O, number>;
  obs: O;
  action: number;
  reward: number;
}

/**
 * Replays `demo` in a new env (`make(envId, envKwargs)`), checking every reward and the ending against the
 * file; `onReset` sees the env after reset, `onStep` after each step (copy what you keep: envs reuse buffers).
 * Throws a {@link DemonstrationError} naming the first step that disagrees.
 */
export function checkDemonstration<O = unknown>(demo: Demonstration, label = 'demonstration', listen: { onReset?(env: Env<O, number>, obs: O): void; onStep?(s: ReplayStep<O>): void } = {}): void {
  let env: Env<O, number>;
  try {
    env = make<O, number>(demo.envId, demo.envKwargs);
  } catch (e) {
    throw new DemonstrationError(`${label}: cannot make ${demo.envId}: ${(e as Error).message}`);
  }
  try {
    const first = env.reset(demo.resetOptions ? { seed: demo.seed, options: demo.resetOptions } : { seed: demo.seed });
    listen.onReset?.(env, first.obs);
    const T = demo.actions.length;
    for (let t = 0; t < T; t++) {
      const a = demo.actions[t]!;
      if (!env.actionSpace.contains(a)) throw new DemonstrationError(`${label}: action ${t} = ${a} is not in ${demo.envId}'s action space ${env.actionSpace.toString()}`);
      const r = env.step(a);
      if (!close(r.reward, demo.rewards[t]!)) throw new DemonstrationError(`${label}: step ${t} (action ${a}) gives reward ${r.reward} on replay, the file says ${demo.rewards[t]} (another env version, kwargs or seed?)`);
      listen.onStep?.({ t, env, obs: r.obs, action: a, reward: r.reward });
      const done = r.terminated || r.truncated;
      if (done && t < T - 1) throw new DemonstrationError(`${label}: the episode ends at step ${t} on replay, but the file has ${T} actions`);
      if (t === T - 1 && (r.terminated !== demo.terminated || r.truncated !== demo.truncated)) {
        throw new DemonstrationError(`${label}: after the last action the replay has terminated=${r.terminated}, truncated=${r.truncated}; the file says ${demo.terminated}, ${demo.truncated}`);
      }
    }
  } finally {
    env.close();
  }
}

/** Plays `actions` from `seed` and returns the demonstration they make (rewards and ending from the env). */
export function recordDemonstration(envId: string, envKwargs: Record<string, unknown>, seed: number, actions: readonly number[], source: string, resetOptions?: Record<string, unknown>): Demonstration {
  const env = make<unknown, number>(envId, envKwargs);
  const rewards: number[] = [];
  let terminated = false, truncated = false;
  try {
    env.reset(resetOptions ? { seed, options: resetOptions } : { seed });
    for (let t = 0; t < actions.length; t++) {
      if (terminated || truncated) throw new DemonstrationError(`recordDemonstration: the episode ended at step ${t - 1}, ${actions.length} actions given`);
      const r = env.step(actions[t]!);
      rewards.push(r.reward);
      terminated = r.terminated;
      truncated = r.truncated;
    }
  } finally {
    env.close();
  }
  return parseDemonstration({
    format: DEMONSTRATION_FORMAT, version: DEMONSTRATION_VERSION, envId, envKwargs, seed, ...(resetOptions ? { resetOptions } : {}), actions: [...actions], rewards,
    return: rewards.reduce((a, b) => a + b, 0), terminated, truncated, source, recordedAt: new Date().toISOString(),
  });
}

/** Writes `demo` to `path` atomically, after checking it replays (a demonstration on disk always loads). */
export function saveDemonstration(path: string, demo: Demonstration): void {
  checkDemonstration(parseDemonstration(demo, path), path);
  writeFileAtomic(path, `${JSON.stringify(demo)}\n`);
}

/** Reads and checks one demonstration file (shape and replay). */
export function loadDemonstration(path: string): Demonstration {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DemonstrationError(`${path}: not a JSON file (${(e as Error).message})`);
  }
  const d = parseDemonstration(raw, path);
  checkDemonstration(d, path);
  return d;
}

/** The demonstrations in `path`: one file, or every `*.json` of a folder in name order. */
export function loadDemonstrations(path: string): Demonstration[] {
  if (!statSync(path).isDirectory()) return [loadDemonstration(path)];
  const files = readdirSync(path).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new DemonstrationError(`${path}: no demonstration files (*.json) in this folder`);
  return files.map((f) => loadDemonstration(join(path, f)));
}

// Rewards go through float32 in some envs' buffers and through JSON's decimal text in files.
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}
