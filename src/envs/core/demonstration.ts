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
 * Files: a `.json` file holds one episode (the viewer writes these), a `.jsonl` file one episode per line
 * (`rudder demos record` writes these); both are written atomically and checked by replay on load, and an
 * error names the file, the episode (its line) and the field. An episode, e.g. `demos/KeyDoorTreasure-v0-0001.json`:
 * ```json
 * { "format": "rudder-demonstration", "version": 1, "envId": "KeyDoorTreasure-v0", "envKwargs": {},
 *   "seed": 7, "actions": [2, 2, 3, 1, 2], "rewards": [0, 0, 0, 0, 1], "return": 1,
 *   "terminated": true, "truncated": false, "source": "human", "recordedAt": "2026-12-02T21:00:00.000Z" }
 * ```
 * Only discrete actions (an integer per step) for now. `observations` [T + 1][D] (optional: s_0..s_T, the
 * reset observation first) lets a reader check that the env still makes what was seen; the replay compares them.
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
  /** s_0..s_T as flat number arrays, when recorded; the replay checks them. */
  observations: z.array(z.array(z.number().refine(Number.isFinite, 'must be finite'))).optional(),
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
  if (d.observations && d.observations.length !== d.actions.length + 1) throw new DemonstrationError(`${label}: observations has ${d.observations.length} entries, expected ${d.actions.length + 1} (s_0..s_T, one more than the actions)`);
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
    if (demo.observations) checkObservation(demo.observations[0]!, first.obs, `${label}: observations.0 (after reset)`);
    listen.onReset?.(env, first.obs);
    const T = demo.actions.length;
    for (let t = 0; t < T; t++) {
      const a = demo.actions[t]!;
      if (!env.actionSpace.contains(a)) throw new DemonstrationError(`${label}: action ${t} = ${a} is not in ${demo.envId}'s action space ${env.actionSpace.toString()}`);
      const r = env.step(a);
      if (!close(r.reward, demo.rewards[t]!)) throw new DemonstrationError(`${label}: step ${t} (action ${a}) gives reward ${r.reward} on replay, the file says ${demo.rewards[t]} (another env version, kwargs or seed?)`);
      if (demo.observations) checkObservation(demo.observations[t + 1]!, r.obs, `${label}: observations.${t + 1} (after step ${t})`);
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

/**
 * Writes several episodes to one `.jsonl` file (one episode per line) atomically, after checking that each
 * replays (errors name the episode: `FILE episode 2: …`).
 */
export function saveDemonstrations(path: string, demos: readonly Demonstration[]): void {
  if (demos.length === 0) throw new DemonstrationError(`${path}: no episodes to write`);
  const lines = demos.map((d, i) => {
    const label = `${path} episode ${i}`;
    checkDemonstration(parseDemonstration(d, label), label);
    return JSON.stringify(d);
  });
  writeFileAtomic(path, `${lines.join('\n')}\n`);
}

/**
 * Reads and checks one demonstration file (shape and replay): a `.jsonl` file must hold exactly one
 * episode here (use {@link loadDemonstrations} for several).
 */
export function loadDemonstration(path: string): Demonstration {
  const demos = loadDemonstrationFile(path);
  if (demos.length !== 1) throw new DemonstrationError(`${path}: holds ${demos.length} episodes, expected one (loadDemonstrations reads several)`);
  return demos[0]!;
}

/**
 * The episodes of one file, each checked (shape and replay): a `.jsonl` file one per non-empty line,
 * any other file one JSON object. Errors name the episode and its line: `FILE episode 2 (line 3): …`.
 */
export function loadDemonstrationFile(path: string): Demonstration[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DemonstrationError(`${path}: cannot read (${(e as Error).message})`);
  }
  if (!path.endsWith('.jsonl')) return [parseAndCheck(text, path, 'a JSON file')];
  const out: Demonstration[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    out.push(parseAndCheck(line, `${path} episode ${out.length} (line ${i + 1})`, 'a JSON line'));
  });
  if (out.length === 0) throw new DemonstrationError(`${path}: no episodes (a .jsonl file holds one JSON episode per line)`);
  return out;
}

function parseAndCheck(text: string, label: string, what: string): Demonstration {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DemonstrationError(`${label}: not ${what} (${(e as Error).message})`);
  }
  const d = parseDemonstration(raw, label);
  checkDemonstration(d, label);
  return d;
}

/** The demonstrations in `path`: one file (`.json`: one episode, `.jsonl`: several), or every such file of a folder in name order. */
export function loadDemonstrations(path: string): Demonstration[] {
  if (!statSync(path).isDirectory()) return loadDemonstrationFile(path);
  const files = readdirSync(path).filter((f) => f.endsWith('.json') || f.endsWith('.jsonl')).sort();
  if (files.length === 0) throw new DemonstrationError(`${path}: no demonstration files (*.json, *.jsonl) in this folder`);
  return files.flatMap((f) => loadDemonstrationFile(join(path, f)));
}

function checkObservation(expected: readonly number[], obs: unknown, label: string): void {
  if (!(obs instanceof Float32Array || obs instanceof Float64Array || Array.isArray(obs))) throw new DemonstrationError(`${label}: the env's observation is not a flat numeric array, so it cannot be checked (drop \`observations\`)`);
  const o = obs as ArrayLike<number>;
  if (o.length !== expected.length) throw new DemonstrationError(`${label}: the file has ${expected.length} values, the env's observation ${o.length}`);
  for (let i = 0; i < o.length; i++) {
    if (!close(o[i]!, expected[i]!)) throw new DemonstrationError(`${label}: value ${i} is ${expected[i]} in the file, ${o[i]} on replay`);
  }
}

// Rewards go through float32 in some envs' buffers and through JSON's decimal text in files.
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}
