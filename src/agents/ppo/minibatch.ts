import type { Minibatch } from './loss.ts';

/**
 * Minibatches: an empty one of a given size, and the row gather that fills one from a larger batch of
 * samples (PPO's rollout, or a minibatch split by sub-goal in src/align/subgoal-agents.ts).
 */

/** The per-sample arrays a minibatch's rows are copied from, with the same layout as a Minibatch's ([S, ·]). */
export interface MinibatchSource {
  obs: Float32Array; // [S, D]
  actions: Int32Array; // [S, K]
  masks: Uint8Array | null; // [S, L]
  oldLogProbs: Float32Array; // [S]
  advantages: Float32Array; // [S]
  returns: Float32Array; // [S]
  oldValues: Float32Array; // [S]
}

/** A zero-filled minibatch of B rows: observations of D values, K action heads, L logits (0: no masks). */
export function newMinibatch(B: number, D: number, K: number, L: number): Minibatch {
  return {
    size: B, obs: new Float32Array(B * D), actions: new Int32Array(B * K), masks: L ? new Uint8Array(B * L) : null, oldLogProbs: new Float32Array(B),
    advantages: new Float32Array(B), returns: new Float32Array(B), oldValues: new Float32Array(B),
  };
}

/**
 * Copy samples rows[from..from + dst.size) of `src` into `dst`'s rows 0..size (masks only when both have
 * them). Advantages are copied as they are: normalising them is the caller's.
 */
export function copyMinibatchRows(dst: Minibatch, src: MinibatchSource, rows: Int32Array, from: number, D: number, K: number, L: number): void {
  const masks = src.masks && dst.masks;
  for (let b = 0; b < dst.size; b++) {
    const k = rows[from + b]!;
    dst.obs.set(src.obs.subarray(k * D, k * D + D), b * D);
    for (let h = 0; h < K; h++) dst.actions[b * K + h] = src.actions[k * K + h]!;
    if (masks) masks.set(src.masks!.subarray(k * L, k * L + L), b * L);
    dst.oldLogProbs[b] = src.oldLogProbs[k]!;
    dst.advantages[b] = src.advantages[k]!;
    dst.returns[b] = src.returns[k]!;
    dst.oldValues[b] = src.oldValues[k]!;
  }
}
