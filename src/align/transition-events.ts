/**
 * Align-RUDDER step (I) for any env: one interface that turns a transition (obs, action, next obs) into an
 * event id, so the same alignment and redistribution serve every way of finding events:
 * - `feature-events.ts`: the sign pattern of a declared feature slice's change (ItemChain's inventory);
 * - `cluster-events.ts`: learned clusters (affinity propagation) of feature changes or feature vectors;
 * - `successor-events.ts`: the tabular successor-representation clusters of the gridworld reproduction.
 * Unlike the state-cluster route (events.ts, run-length compressed labels), a transition either makes an
 * event or not, so two pickups in a row stay two events (quantities matter in a crafting chain).
 */

/** "This transition is no event." */
export const NO_EVENT = -1;

export interface TransitionEvents {
  /** Shown in logs, e.g. `inventory sign patterns (14 events)`. */
  readonly name: string;
  /** K: event ids are 0..K−1. */
  readonly numEvents: number;
  /** Whether `start` gives events (an episode's sequence then begins with its start event, which is not paid). */
  readonly hasStartEvent: boolean;
  /** The event of an episode's first observation (the state-cluster route: its start cluster), or NO_EVENT. */
  start(obs: Float32Array): number;
  /** The event of the transition `obs` → `next` (taking `action`), or NO_EVENT. `obs`, `next`: [D], not kept. */
  event(obs: Float32Array, action: number, next: Float32Array): number;
  /** A readable name of event `id`. */
  eventName(id: number): string;
  /** The encoder as JSON (encoder-json.ts), for saved models and checkpoints; absent: it cannot be saved (e.g. the tabular route). */
  toJson?(): EncoderJson;
}

/** A fitted encoder as plain JSON: `encoderFromJson` (encoder-json.ts) rebuilds one that gives the same events. */
export type EncoderJson =
  | { kind: 'sign-patterns'; offset: number; length: number; patterns: number[][]; names: string[] | null; sliceName: string }
  | { kind: 'clusters'; offset: number; length: number; on: 'change' | 'state'; exemplars: number[]; converged: boolean };

/**
 * An episode's observations s_0..s_T, as the fitting of events sees them: rows of `dim` values [(T + 1) · dim]
 * (the event feature slice, or the whole observation), and its T actions.
 */
export interface FeatureEpisode {
  dim: number;
  rows: Float32Array;
  actions: Int32Array;
}

/** The slice [offset, offset + length) of a flat observation that an encoder reads. */
export interface ObsSlice {
  offset: number;
  length: number;
}

/** The event sequence of an episode given as observation rows [(T + 1) · D] (the encoder's start event first, when it has one). */
export function episodeEvents(encoder: TransitionEvents, rows: Float32Array, D: number, actions: ArrayLike<number>): Int32Array {
  const T = actions.length;
  if (rows.length !== (T + 1) * D) throw new RangeError(`episodeEvents: ${rows.length} values for ${T + 1} observations of ${D}`);
  const out: number[] = [];
  const s0 = encoder.start(rows.subarray(0, D));
  if (s0 !== NO_EVENT) out.push(s0);
  for (let t = 0; t < T; t++) {
    const e = encoder.event(rows.subarray(t * D, t * D + D), actions[t]!, rows.subarray((t + 1) * D, (t + 2) * D));
    if (e !== NO_EVENT) out.push(e);
  }
  return Int32Array.from(out);
}

export function checkFeatureEpisodes(episodes: readonly FeatureEpisode[], what: string): number {
  if (episodes.length === 0) throw new RangeError(`${what}: no episodes to fit on`);
  const dim = episodes[0]!.dim;
  episodes.forEach((e, k) => {
    if (e.dim !== dim) throw new RangeError(`${what}: episode ${k} has ${e.dim} features per step, episode 0 ${dim}`);
    if (e.rows.length !== (e.actions.length + 1) * dim) throw new RangeError(`${what}: episode ${k} has ${e.rows.length} values, expected (${e.actions.length} actions + 1) × ${dim}`);
  });
  return dim;
}
