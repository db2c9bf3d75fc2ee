/**
 * The kernels of ./wasm-simd.ts (gemm, tanh, tanhGrad, relu, reluGrad, im2col, col2im) in plain JS, over an ArrayBuffer
 * with the same byte offsets and strides: the fallback for runtimes without WebAssembly SIMD, so code
 * written against {@link SimdKernels} (the CNN pass, ./cnn-pass.ts) runs unchanged on either.
 *
 * The gemm computes 2×4 tiles in double accumulators (as ./dense.ts, whose reasons apply), rounded to
 * float32 on the store; the SIMD gemm sums in float32, so the two agree to ~1e-6 relative.
 */
import { tanh32 } from './dense.ts';
import type { SimdKernels } from './wasm-simd.ts';

/** The kernels on a fresh zeroed buffer of at least `bytes` bytes (whole 64 KiB pages, as a wasm memory). */
export function instantiateJsKernels(bytes: number): SimdKernels {
  const buffer = new ArrayBuffer(Math.max(1, Math.ceil(bytes / 65536)) * 65536);
  const f = new Float32Array(buffer);
  return {
    memory: { buffer },
    gemm: (a, aRow, aCol, b, bRow, c, cRow, bias, M, N, K) => gemm(f, a >> 2, aRow >> 2, aCol >> 2, b >> 2, bRow >> 2, c >> 2, cRow >> 2, bias >> 2, M, N, K),
    tanh: (p, n) => {
      for (let i = p >> 2, e = i + n; i < e; i++) f[i] = tanh32(f[i]!);
    },
    tanhGrad: (dx, h, n) => {
      for (let i = dx >> 2, j = h >> 2, e = i + n; i < e; i++, j++) f[i] = f[i]! * (1 - f[j]!) * (1 + f[j]!);
    },
    relu: (p, n) => {
      for (let i = p >> 2, e = i + n; i < e; i++) if (!(f[i]! > 0)) f[i] = 0;
    },
    reluGrad: (dx, h, n) => {
      for (let i = dx >> 2, j = h >> 2, e = i + n; i < e; i++, j++) if (!(f[j]! > 0)) f[i] = 0;
    },
    im2col: (image, cols, n, H, W, Ho, Wo, k, pos, len, reps, row) => patches(f, false, image >> 2, cols >> 2, n, H, W, Ho, Wo, k, pos >> 2, len >> 2, reps, row >> 2),
    col2im: (image, cols, n, H, W, Ho, Wo, k, pos, len, reps, row) => patches(f, true, image >> 2, cols >> 2, n, H, W, Ho, Wo, k, pos >> 2, len >> 2, reps, row >> 2),
  };
}

/** im2col (`add` false) or col2im (`add` true), as documented in ./wasm-simd.ts; offsets and sizes in floats. */
function patches(f: Float32Array, add: boolean, image: number, cols: number, n: number, H: number, W: number, Ho: number, Wo: number, k: number, pos: number, len: number, reps: number, row: number): void {
  for (let b = 0, d = cols; b < n; b++) {
    for (let y = 0; y < Ho; y++) {
      for (let x = 0; x < Wo; x++, d += row) {
        for (let ky = 0, o = d; ky < k; ky++) {
          for (let r = 0, s = image + ((b * H + y + ky) * W + x) * pos; r < reps; r++, o += len, s += pos) {
            if (add) for (let i = 0; i < len; i++) f[s + i]! += f[o + i]!;
            else f.copyWithin(o, s, s + len);
          }
        }
      }
    }
  }
}

/** C[i, j] = bias[j] + Σ_p A[i, p]·B[p, j], offsets and strides in floats; M a multiple of 2, N of 4 (the callers pad to 4 and 8). */
function gemm(f: Float32Array, a: number, aRow: number, aCol: number, b: number, bRow: number, c: number, cRow: number, bias: number, M: number, N: number, K: number): void {
  for (let i = 0; i < M; i += 2) {
    const a0 = a + i * aRow, a1 = a0 + aRow, c0 = c + i * cRow, c1 = c0 + cRow;
    for (let j = 0; j < N; j += 4) {
      let s00 = f[bias + j]!, s01 = f[bias + j + 1]!, s02 = f[bias + j + 2]!, s03 = f[bias + j + 3]!;
      let s10 = s00, s11 = s01, s12 = s02, s13 = s03;
      for (let p = 0, pa = 0, pb = b + j; p < K; p++, pa += aCol, pb += bRow) {
        const w0 = f[pb]!, w1 = f[pb + 1]!, w2 = f[pb + 2]!, w3 = f[pb + 3]!;
        const x0 = f[a0 + pa]!, x1 = f[a1 + pa]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
      }
      f[c0 + j] = s00; f[c0 + j + 1] = s01; f[c0 + j + 2] = s02; f[c0 + j + 3] = s03;
      f[c1 + j] = s10; f[c1 + j + 1] = s11; f[c1 + j + 2] = s12; f[c1 + j + 3] = s13;
    }
  }
}
