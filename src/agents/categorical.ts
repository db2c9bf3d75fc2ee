import type { Rng } from '../envs/core/rng.ts';

/**
 * Independent categorical heads over logits `[rows, L]`, L = Σ nvec (Discrete n is nvec = [n]; a
 * MultiDiscrete is one head per entry). For each row and head it writes the sampled (or, with `greedy`, the
 * most likely) action into `actions[row · K + head]` and the summed log-probability into `logProbs[row]`.
 * `mask` `[rows, L]` (1 = allowed) removes actions: their logits count as −∞.
 */
export function sampleCategorical(
  logits: Float32Array, rows: number, nvec: Int32Array, rng: Rng,
  actions: Int32Array, logProbs: Float32Array, mask: Uint8Array | null, greedy = false,
): void {
  const K = nvec.length;
  let L = 0;
  for (let h = 0; h < K; h++) L += nvec[h]!;
  for (let r = 0; r < rows; r++) {
    let logp = 0;
    let o = r * L;
    for (let h = 0; h < K; h++) {
      const n = nvec[h]!;
      let max = -Infinity;
      for (let j = 0; j < n; j++) if ((!mask || mask[o + j]) && logits[o + j]! > max) max = logits[o + j]!;
      if (max === -Infinity) throw new RangeError(`the action mask of row ${r}${K > 1 ? `, head ${h},` : ''} allows no action`);
      let sum = 0;
      for (let j = 0; j < n; j++) if (!mask || mask[o + j]) sum += Math.exp(logits[o + j]! - max);
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
      actions[r * K + h] = a;
      logp += logits[o + a]! - max - Math.log(sum);
      o += n;
    }
    logProbs[r] = logp;
  }
}
