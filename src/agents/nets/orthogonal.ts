import { Rng } from '../../envs/core/rng.ts';

/**
 * Orthogonal initialisation (Saxe et al. 2014), as CleanRL's `layer_init`: a [rows, cols] matrix
 * (row-major) with orthonormal columns (rows ≥ cols) or rows, scaled by `gain`. Drawn from our seeded
 * Rng and orthogonalised by modified Gram–Schmidt, so the same seed gives the same weights everywhere.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  // Orthonormalise the longer dimension's vectors of an [m, n] Gaussian, m ≥ n, then transpose if needed.
  const m = Math.max(rows, cols), n = Math.min(rows, cols);
  const a = new Float64Array(m * n); // column j = a[j*m .. j*m+m)
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    for (let k = 0; k < j; k++) {
      const ck = k * m;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += a[cj + i]! * a[ck + i]!;
      for (let i = 0; i < m; i++) a[cj + i]! -= dot * a[ck + i]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += a[cj + i]! * a[cj + i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) a[cj + i]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows ≥ cols: W[r, c] = column c, entry r; else W[r, c] = column r, entry c.
      out[r * cols + c] = gain * (rows >= cols ? a[c * m + r]! : a[r * m + c]!);
    }
  }
  return out;
}
