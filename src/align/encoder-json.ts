import { ClusterEvents } from './cluster-events.ts';
import { SignPatternEvents } from './feature-events.ts';
import type { EncoderJson, TransitionEvents } from './transition-events.ts';

/**
 * A fitted event encoder (transition-events.ts) as JSON and back, so that what detects the events (the state
 * augmentation's flags, the sub-goal agents' switch) is saved with a run instead of being fitted again on
 * the demos: sub-goal models (subgoal-model.ts) and Align-RUDDER's checkpoints hold it. Fitting is
 * deterministic, but it needs the demonstration file and the random episodes; a saved encoder needs neither.
 */

/** The encoder's JSON; an encoder without `toJson` (the tabular successor-representation route) is an error naming it. */
export function encoderToJson(encoder: TransitionEvents): EncoderJson {
  if (!encoder.toJson) throw new TypeError(`${encoder.name}: this event encoder cannot be saved (no toJson); only declared-feature sign patterns and learned clusters can`);
  return encoder.toJson();
}

/** Rebuilds an encoder from `encoderToJson`'s JSON; anything malformed is an error that names `where` and the field. */
export function encoderFromJson(raw: unknown, where: string): TransitionEvents {
  const fail = (what: string): never => {
    throw new Error(`${where}: the event encoder ${what}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail(`must be an object, got ${JSON.stringify(raw)}`);
  const j = raw as Record<string, unknown>;
  const int = (k: string, min: number): number => {
    const v = j[k];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) fail(`field ${k} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const offset = int('offset', 0), length = int('length', 1);
  const numbers = (v: unknown, n: number | null, what: string, ok: (x: number) => boolean): number[] => {
    if (!Array.isArray(v) || (n !== null && v.length !== n) || !v.every((x) => typeof x === 'number' && ok(x))) fail(`${what}${n === null ? '' : ` (${n} values)`}, got ${JSON.stringify(v)?.slice(0, 80)}`);
    return v as number[];
  };
  if (j.kind === 'sign-patterns') {
    if (!Array.isArray(j.patterns) || j.patterns.length === 0) return fail('field patterns must be a non-empty array');
    const patterns = (j.patterns as unknown[]).map((p, i) => numbers(p, length, `pattern ${i} must hold signs −1, 0 or 1`, (x) => x === -1 || x === 0 || x === 1));
    const names = j.names === null || j.names === undefined ? null : j.names;
    if (names !== null && !(Array.isArray(names) && names.length === length && names.every((x) => typeof x === 'string'))) fail(`field names must be null or ${length} strings`);
    if (typeof j.sliceName !== 'string') fail('field sliceName must be a string');
    return SignPatternEvents.fromJson({ kind: 'sign-patterns', offset, length, patterns, names: names as string[] | null, sliceName: j.sliceName as string });
  }
  if (j.kind === 'clusters') {
    if (j.on !== 'change' && j.on !== 'state') fail(`field on must be "change" or "state", got ${JSON.stringify(j.on)}`);
    const ex = numbers(j.exemplars, null, 'field exemplars must be finite numbers', Number.isFinite);
    if (ex.length === 0 || ex.length % length !== 0) fail(`field exemplars must hold a positive multiple of length ${length} values, got ${ex.length}`);
    return ClusterEvents.fromJson({ kind: 'clusters', offset, length, on: j.on as 'change' | 'state', exemplars: ex, converged: j.converged === true });
  }
  return fail(`has kind ${JSON.stringify(j.kind)}; expected "sign-patterns" or "clusters"`);
}
