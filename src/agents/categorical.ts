import type { Rng } from '../envs/core/rng.ts';

/**
 * Categorical distribution over logits [rows, n] (row-major), in plain JS for acting.
 * Writes actions and log-probabilities; `mask` (1 = allowed) sets masked logits to −∞.
 */
export function sampleCategorical(
  logits: Float32Array, rows: number, n: number, rng: Rng,
  actions: Int32Array, logProbs: Float32Array, mask?: Uint8Array, greedy = false,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if ((!mask || mask[o + j]) && logits[o + j]! > max) max = logits[o + j]!;
    if (max === -Infinity) throw new RangeError(`action mask of row ${r} allows no action`);
    let sum = 0;
    for (let j = 0; j < n; j++) if (!mask || mask[o + j]) sum += Math.exp(logits[o + j]! - max);
    const logZ = max + Math.log(sum);
    let a = -1;
    if (greedy) {
      for (let j = 0; j < n; j++) if ((!mask || mask[o + j]) && logits[o + j] === max) { a = j; break; }
    } else {
      let u = rng.random() * sum;
      for (let j = 0; j < n; j++) {
        if (mask && !mask[o + j]) continue;
        u -= Math.exp(logits[o + j]! - max);
        a = j;
        if (u < 0) break;
      }
    }
    actions[r] = a;
    logProbs[r] = logits[o + a]! - logZ;
  }
}
