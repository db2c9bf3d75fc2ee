import { Rng } from '../../envs/core/rng.ts';
import { denseForward } from '../kernels/dense.ts';
import { instantiateSimdKernels, wasmSimdSupported, type SimdKernels } from '../kernels/wasm-simd.ts';
import { orthogonal } from './orthogonal.ts';

/** One dense layer's parameters: W [inDim, outDim] row-major, b [outDim]. */
export interface DenseParams {
  w: Float32Array;
  b: Float32Array;
  inDim: number;
  outDim: number;
}

/** Rows per acting chunk: `forward` runs larger batches in chunks of this many. */
const CHUNK_ROWS = 64;
const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * A tanh MLP `inDim → hidden… → outDim` (linear output), CleanRL's actor/critic body.
 * The parameters live in Float32Arrays: the master copy the optimizer updates and acting reads.
 *
 * Where the runtime has WebAssembly SIMD, those Float32Arrays are views into the memory of this net's own
 * SIMD kernels (../kernels/wasm-simd.ts), next to the acting buffers, so acting multiplies by the weights in
 * place: ~3× faster than the JS loops at 4 rows, with no copy per call. The memory never grows, so the
 * views stay valid; they behave as ordinary Float32Arrays (their `.buffer` is the whole memory, ~100 KB).
 */
export class Mlp {
  readonly layers: DenseParams[];
  private readonly simd: SimdKernels | null;
  // Acting buffers for one chunk: the input and each layer's output, [CHUNK_ROWS, width].
  private readonly xChunk: Float32Array;
  private readonly acts: Float32Array[];
  // Their byte offsets in the kernels' memory, with the weights' and biases' (used when `simd`).
  private readonly xOff: number;
  private readonly actOff: number[] = [];
  private readonly wOff: number[] = [];
  private readonly bOff: number[] = [];
  private out = new Float32Array(0); // forward's result [rows, outDim]
  private outView = new Float32Array(0); // out's first rows·outDim values: reused while rows stays the same

  constructor(readonly inDim: number, readonly hidden: readonly number[], readonly outDim: number, headGain: number, rng: Rng) {
    const dims = [inDim, ...hidden, outDim];
    let bytes = 0;
    const take = (floats: number): number => {
      const at = bytes;
      bytes += 4 * pad4(floats); // 16-byte aligned regions
      return at;
    };
    for (let l = 0; l + 1 < dims.length; l++) {
      this.wOff.push(take(dims[l]! * dims[l + 1]!));
      this.bOff.push(take(dims[l + 1]!));
    }
    this.xOff = take(CHUNK_ROWS * inDim);
    for (let l = 0; l + 1 < dims.length; l++) this.actOff.push(take(CHUNK_ROWS * dims[l + 1]!));

    this.simd = wasmSimdSupported() ? instantiateSimdKernels(bytes) : null;
    const memory = this.simd ? new Float32Array(this.simd.memory.buffer) : null;
    const region = (byteOffset: number, floats: number): Float32Array =>
      memory ? memory.subarray(byteOffset / 4, byteOffset / 4 + floats) : new Float32Array(floats);
    this.layers = [];
    for (let l = 0; l + 1 < dims.length; l++) {
      const gain = l + 2 === dims.length ? headGain : Math.SQRT2;
      const w = region(this.wOff[l]!, dims[l]! * dims[l + 1]!);
      w.set(orthogonal(dims[l]!, dims[l + 1]!, gain, rng));
      this.layers.push({ w, b: region(this.bOff[l]!, dims[l + 1]!), inDim: dims[l]!, outDim: dims[l + 1]! });
    }
    this.xChunk = region(this.xOff, CHUNK_ROWS * inDim);
    this.acts = this.actOff.map((off, l) => region(off, CHUNK_ROWS * dims[l + 1]!));
  }

  /** All parameter arrays in a fixed order (W0, b0, W1, b1, …). */
  params(): Float32Array[] {
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  /** Shapes matching `params()`. */
  paramShapes(): number[][] {
    return this.layers.flatMap((l) => [[l.inDim, l.outDim], [l.outDim]]);
  }

  /**
   * Forward pass for acting: x [rows, inDim] → returns a view [rows, outDim] into scratch (valid until the
   * next call). No tfjs: at acting batch sizes the per-kernel overhead would dominate.
   */
  forward(x: Float32Array, rows: number): Float32Array {
    const { layers, acts, simd, inDim, outDim } = this;
    if (rows * outDim > this.out.length) this.out = new Float32Array(rows * outDim);
    if (this.outView.buffer !== this.out.buffer || this.outView.length !== rows * outDim) this.outView = this.out.subarray(0, rows * outDim);
    const out = this.out, xc = this.xChunk, last = layers.length - 1;
    for (let r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - r0);
      for (let i = 0, o = r0 * inDim; i < n * inDim; i++) xc[i] = x[o + i]!;
      for (let li = 0; li <= last; li++) {
        const { w, b, inDim: k, outDim: m } = layers[li]!;
        if (simd && m % 8 === 0) {
          // The gemm's tiles are 4 rows × 8 columns: rows past n compute garbage that is never read.
          const rowsP = pad4(n), inOff = li === 0 ? this.xOff : this.actOff[li - 1]!;
          simd.gemm(inOff, 4 * k, 4, this.wOff[li]!, 4 * m, this.actOff[li]!, 4 * m, this.bOff[li]!, rowsP, m, k);
          if (li < last) simd.tanh(this.actOff[li]!, rowsP * m);
        } else {
          // Widths the tiles don't fit (the 2-logit or 1-value heads): the JS kernel, on the same arrays.
          denseForward(li === 0 ? xc : acts[li - 1]!, w, b, acts[li]!, n, k, m, li < last);
        }
      }
      const head = acts[last]!;
      for (let i = 0, o = r0 * outDim; i < n * outDim; i++) out[o + i] = head[i]!;
    }
    return this.outView;
  }
}
