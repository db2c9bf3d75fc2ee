/**
 * Dense-layer kernels for small tanh MLPs on one CPU core, in plain JS over row-major Float32Arrays:
 * the forward pass, the parameter gradient and the input gradient (back through the tanh).
 *
 * Why hand-blocked loops: at CartPole sizes (64-wide layers, batch 1–256) tfjs is bound by per-kernel
 * overhead, and naive JS loops reach ~0.6 GFLOP/s (backends.md §3). Each kernel computes a 2×4 tile of
 * its output in 8 local accumulators, so every loaded value is used 2–4 times and the tile stays in
 * registers (x64 has 16 float registers: 8 sums + 4 + 2 loaded values fit, a 4×4 tile would spill).
 * Sums are accumulated in doubles (JS numbers) and rounded to float32 once, on the store.
 *
 * Since the WebAssembly SIMD kernels (./wasm-simd.ts) are ~4–5× faster still, these are the fallback for
 * runtimes without them, and acting uses them for the widths the SIMD tiles don't fit (the 2-logit head).
 *
 * Layouts: x [rows, inDim], W [inDim, outDim], b [outDim], activations [rows, outDim].
 * The functions are kept monomorphic (always Float32Array) so V8 compiles each of them once.
 */

// tanh(x) ≈ x·P(x²)/Q(x²) for |x| < 9, fitted (weighted least squares, Lawson iterations) to the relative
// error: at most 2.1e-8 on (0, 9], below half a float32 ulp, and monotone; so the float32 result is within
// 1 ulp of Math.tanh's. Past 9, tanh rounds to ±1 in float32. 3–5× cheaper than Math.tanh (a C call in V8).
// The backward pass uses 1 − h², the derivative of tanh at the stored h, as it did with Math.tanh.
export const TANH_P = [9.9999997950023201e-1, 1.338111004811319e-1, 3.4956880147605928e-3, 2.0610710439960666e-5, 1.3356885708581956e-8] as const;
export const TANH_Q = [1, 4.6714425673550386e-1, 2.587736315636812e-2, 3.2857975154059041e-4, 7.7774755007434249e-7] as const;
const [P0, P1, P2, P3, P4] = TANH_P;
const [, Q1, Q2, Q3, Q4] = TANH_Q;

/** tanh to float32 accuracy (see above); small so V8 inlines it. */
export function tanh32(x: number): number {
  if (x >= 9) return 1;
  if (x <= -9) return -1;
  const s = x * x;
  return (x * (P0 + s * (P1 + s * (P2 + s * (P3 + s * P4))))) / (1 + s * (Q1 + s * (Q2 + s * (Q3 + s * Q4))));
}

/** out[r, j] = act(b[j] + Σ_k x[r, k]·W[k, j]) for r < rows, with act = tanh32 when `tanh`, else identity. */
export function denseForward(x: Float32Array, w: Float32Array, b: Float32Array, out: Float32Array, rows: number, inDim: number, outDim: number, tanh: boolean): void {
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const x0 = r * inDim, x1 = x0 + inDim, o0 = r * outDim, o1 = o0 + outDim;
    let j = 0;
    for (; j + 4 <= outDim; j += 4) {
      let s00 = b[j]!, s01 = b[j + 1]!, s02 = b[j + 2]!, s03 = b[j + 3]!;
      let s10 = s00, s11 = s01, s12 = s02, s13 = s03;
      for (let k = 0, wk = j; k < inDim; k++, wk += outDim) {
        const w0 = w[wk]!, w1 = w[wk + 1]!, w2 = w[wk + 2]!, w3 = w[wk + 3]!;
        const a0 = x[x0 + k]!, a1 = x[x1 + k]!;
        s00 += a0 * w0; s01 += a0 * w1; s02 += a0 * w2; s03 += a0 * w3;
        s10 += a1 * w0; s11 += a1 * w1; s12 += a1 * w2; s13 += a1 * w3;
      }
      out[o0 + j] = s00; out[o0 + j + 1] = s01; out[o0 + j + 2] = s02; out[o0 + j + 3] = s03;
      out[o1 + j] = s10; out[o1 + j + 1] = s11; out[o1 + j + 2] = s12; out[o1 + j + 3] = s13;
    }
    // Leftover columns (the 2- or 1-wide heads): two rows at a time.
    for (; j < outDim; j++) {
      let s0 = b[j]!, s1 = s0;
      for (let k = 0, wk = j; k < inDim; k++, wk += outDim) {
        const wv = w[wk]!;
        s0 += x[x0 + k]! * wv;
        s1 += x[x1 + k]! * wv;
      }
      out[o0 + j] = s0;
      out[o1 + j] = s1;
    }
  }
  // An odd last row (acting with one env): 1×4 tiles.
  if (r < rows) {
    const x0 = r * inDim, o0 = r * outDim;
    let j = 0;
    for (; j + 4 <= outDim; j += 4) {
      let s0 = b[j]!, s1 = b[j + 1]!, s2 = b[j + 2]!, s3 = b[j + 3]!;
      for (let k = 0, wk = j; k < inDim; k++, wk += outDim) {
        const a = x[x0 + k]!;
        s0 += a * w[wk]!; s1 += a * w[wk + 1]!; s2 += a * w[wk + 2]!; s3 += a * w[wk + 3]!;
      }
      out[o0 + j] = s0; out[o0 + j + 1] = s1; out[o0 + j + 2] = s2; out[o0 + j + 3] = s3;
    }
    for (; j < outDim; j++) {
      let s = b[j]!;
      for (let k = 0, wk = j; k < inDim; k++, wk += outDim) s += x[x0 + k]! * w[wk]!;
      out[o0 + j] = s;
    }
  }
  // tanh as a separate pass: inlined into the tile stores it costs twice as much (V8 register pressure).
  if (tanh) for (let i = 0, n = rows * outDim; i < n; i++) out[i] = tanh32(out[i]!);
}

/** dW[k, j] = Σ_r x[r, k]·dz[r, j] and db[j] = Σ_r dz[r, j] (both overwritten): the layer's parameter gradient. */
export function denseGradParams(x: Float32Array, dz: Float32Array, dW: Float32Array, db: Float32Array, rows: number, inDim: number, outDim: number): void {
  for (let j = 0; j < outDim; j++) {
    let s = 0;
    for (let r = 0, zr = j; r < rows; r++, zr += outDim) s += dz[zr]!;
    db[j] = s;
  }
  // Tiles of 2 inputs (k) × 4 outputs (j), summed over the rows.
  let k = 0;
  for (; k + 2 <= inDim; k += 2) {
    const d0 = k * outDim, d1 = d0 + outDim;
    let j = 0;
    for (; j + 4 <= outDim; j += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let r = 0, xr = k, zr = j; r < rows; r++, xr += inDim, zr += outDim) {
        const g0 = dz[zr]!, g1 = dz[zr + 1]!, g2 = dz[zr + 2]!, g3 = dz[zr + 3]!;
        const a0 = x[xr]!, a1 = x[xr + 1]!;
        s00 += a0 * g0; s01 += a0 * g1; s02 += a0 * g2; s03 += a0 * g3;
        s10 += a1 * g0; s11 += a1 * g1; s12 += a1 * g2; s13 += a1 * g3;
      }
      dW[d0 + j] = s00; dW[d0 + j + 1] = s01; dW[d0 + j + 2] = s02; dW[d0 + j + 3] = s03;
      dW[d1 + j] = s10; dW[d1 + j + 1] = s11; dW[d1 + j + 2] = s12; dW[d1 + j + 3] = s13;
    }
    for (; j < outDim; j++) {
      let s0 = 0, s1 = 0;
      for (let r = 0, xr = k, zr = j; r < rows; r++, xr += inDim, zr += outDim) {
        const g = dz[zr]!;
        s0 += x[xr]! * g;
        s1 += x[xr + 1]! * g;
      }
      dW[d0 + j] = s0;
      dW[d1 + j] = s1;
    }
  }
  // An odd last input.
  if (k < inDim) {
    for (let j = 0; j < outDim; j++) {
      let s = 0;
      for (let r = 0, xr = k, zr = j; r < rows; r++, xr += inDim, zr += outDim) s += x[xr]! * dz[zr]!;
      dW[k * outDim + j] = s;
    }
  }
}

/**
 * dx[r, k] = (Σ_j dz[r, j]·W[k, j])·(1 − h[r, k]²): the gradient w.r.t. the pre-activation of the layer
 * below, whose tanh output h is this layer's input. Row k of W is contiguous, so no transposed copy is needed.
 */
export function denseGradInput(dz: Float32Array, w: Float32Array, h: Float32Array, dx: Float32Array, rows: number, inDim: number, outDim: number): void {
  let r = 0;
  for (; r + 2 <= rows; r += 2) {
    const z0 = r * outDim, z1 = z0 + outDim, h0 = r * inDim, h1 = h0 + inDim;
    let k = 0;
    for (; k + 4 <= inDim; k += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      const w0 = k * outDim, w1 = w0 + outDim, w2 = w1 + outDim, w3 = w2 + outDim;
      for (let j = 0; j < outDim; j++) {
        const v0 = w[w0 + j]!, v1 = w[w1 + j]!, v2 = w[w2 + j]!, v3 = w[w3 + j]!;
        const g0 = dz[z0 + j]!, g1 = dz[z1 + j]!;
        s00 += g0 * v0; s01 += g0 * v1; s02 += g0 * v2; s03 += g0 * v3;
        s10 += g1 * v0; s11 += g1 * v1; s12 += g1 * v2; s13 += g1 * v3;
      }
      let t = h[h0 + k]!; dx[h0 + k] = s00 * (1 - t * t);
      t = h[h0 + k + 1]!; dx[h0 + k + 1] = s01 * (1 - t * t);
      t = h[h0 + k + 2]!; dx[h0 + k + 2] = s02 * (1 - t * t);
      t = h[h0 + k + 3]!; dx[h0 + k + 3] = s03 * (1 - t * t);
      t = h[h1 + k]!; dx[h1 + k] = s10 * (1 - t * t);
      t = h[h1 + k + 1]!; dx[h1 + k + 1] = s11 * (1 - t * t);
      t = h[h1 + k + 2]!; dx[h1 + k + 2] = s12 * (1 - t * t);
      t = h[h1 + k + 3]!; dx[h1 + k + 3] = s13 * (1 - t * t);
    }
    for (; k < inDim; k++) {
      let s0 = 0, s1 = 0;
      for (let j = 0, wk = k * outDim; j < outDim; j++) {
        const v = w[wk + j]!;
        s0 += dz[z0 + j]! * v;
        s1 += dz[z1 + j]! * v;
      }
      let t = h[h0 + k]!; dx[h0 + k] = s0 * (1 - t * t);
      t = h[h1 + k]!; dx[h1 + k] = s1 * (1 - t * t);
    }
  }
  // An odd last row.
  if (r < rows) {
    const z0 = r * outDim, h0 = r * inDim;
    for (let k = 0; k < inDim; k++) {
      let s = 0;
      for (let j = 0, wk = k * outDim; j < outDim; j++) s += dz[z0 + j]! * w[wk + j]!;
      const t = h[h0 + k]!;
      dx[h0 + k] = s * (1 - t * t);
    }
  }
}
