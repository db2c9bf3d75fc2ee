/**
 * Forward + backward of one tanh MLP over a minibatch, keeping the activations between the two: the part
 * of PPO's loss (../ppo/loss.ts, through ./policy-pass.ts) that is matrix work. Two implementations with one interface:
 * `WasmMlpPass` (WebAssembly SIMD, ./wasm-simd.ts) where the runtime supports it, and `JsMlpPass`
 * (blocked JS loops, ./dense.ts) otherwise. Both allocate only when the minibatch outgrows their buffers.
 */
import type { DenseParams } from '../nets/mlp.ts';
import { denseForward, denseGradInput, denseGradParams } from './dense.ts';
import { instantiateSimdKernels, type SimdKernels } from './wasm-simd.ts';

export interface MlpPass {
  /** The head's output after `forward`, row r at [r·stride, r·stride + outDim). Re-read after each forward. */
  readonly out: Float32Array;
  /** d loss / d output, same layout as `out`; the caller fills rows < B, columns < outDim. */
  readonly dOut: Float32Array;
  readonly stride: number;
  /** Runs the net on x [B, inDim]. */
  forward(x: Float32Array, B: number): void;
  /** Backpropagates dOut; writes the gradients into pg[offset], pg[offset + 1], … (W0, b0, W1, b1, … order). */
  backward(B: number, pg: Float32Array[], offset: number): void;
}

/** Plain-JS pass over unpadded Float32Arrays. */
export class JsMlpPass implements MlpPass {
  private acts: Float32Array[] = []; // acts[l]: output of layer l, [capacity, outDim_l]
  private grads: Float32Array[] = []; // grads[l]: d loss / d (pre-activation of layer l)
  private capacity = 0;
  private x: Float32Array = new Float32Array(0);
  readonly stride: number;

  constructor(readonly layers: readonly DenseParams[]) {
    this.stride = layers.at(-1)!.outDim;
  }

  get out(): Float32Array { return this.acts.at(-1)!; }
  get dOut(): Float32Array { return this.grads.at(-1)!; }

  forward(x: Float32Array, B: number): void {
    if (B > this.capacity) {
      this.acts = this.layers.map((l) => new Float32Array(B * l.outDim));
      this.grads = this.layers.map((l) => new Float32Array(B * l.outDim));
      this.capacity = B;
    }
    this.x = x;
    const { layers, acts } = this;
    for (let li = 0; li < layers.length; li++) {
      const { w, b, inDim, outDim } = layers[li]!;
      denseForward(li === 0 ? x : acts[li - 1]!, w, b, acts[li]!, B, inDim, outDim, li < layers.length - 1);
    }
  }

  backward(B: number, pg: Float32Array[], offset: number): void {
    const { layers, acts, grads } = this;
    for (let li = layers.length - 1; li >= 0; li--) {
      const { w, inDim, outDim } = layers[li]!;
      denseGradParams(li === 0 ? this.x : acts[li - 1]!, grads[li]!, pg[offset + 2 * li]!, pg[offset + 2 * li + 1]!, B, inDim, outDim);
      // d/d(pre-activation of layer li−1) = (dz · Wᵀ) ⊙ (1 − tanh²); the input layer needs none.
      if (li > 0) denseGradInput(grads[li]!, w, acts[li - 1]!, grads[li - 1]!, B, inDim, outDim);
    }
  }
}

const pad4 = (n: number): number => (n + 3) & ~3;
const pad8 = (n: number): number => (n + 7) & ~7;

/** Byte offsets of one layer's buffers in wasm memory; widths padded to multiples of 8 floats. */
interface LayerRegion {
  inP: number; // padded input width
  outP: number; // padded output width
  w: number; // W [inP, outP]
  wt: number; // Wᵀ [outP, inP], for the input gradient dz·Wᵀ
  b: number; // [outP]
  act: number; // [rows, outP]
  dz: number; // [rows, outP]
  dW: number; // [inP, outP]
  db: number; // [4, outP]: column sums come out of the gemm 4 identical rows at a time
  // Views of W's and dW's first inDim·outDim floats: when outP = outDim those are the whole unpadded
  // matrix, copied with one memcpy-speed set() instead of a loop.
  wView: Float32Array;
  dWView: Float32Array;
}

/**
 * The pass on WebAssembly SIMD. Everything lives in one wasm memory, zero-padded so the gemm's 4×8 tiles
 * never need edge cases: rows to a multiple of 4, widths to a multiple of 8. The padding stays zero (the
 * kernels only ever write zeros there), and the padded rows of dz are cleared each pass so they add nothing
 * to the sums over rows. Per pass, the weights are copied in (the Float32Arrays the optimizer updates stay
 * the master copy) and the gradients copied out: ~2 × 9k floats at CartPole size, a few µs.
 */
export class WasmMlpPass implements MlpPass {
  private k!: SimdKernels;
  private f32: Float32Array = new Float32Array(0);
  private regions: LayerRegion[] = [];
  private xOff = 0; // x [rows, inP of layer 0]
  private onesOff = 0; // [rows] of 1: db = 1ᵀ·dz
  private zerosOff = 0; // a zero bias for the gradient gemms
  private rowCapacity = 0;
  private rows = 0; // B padded to 4, for the current pass
  out: Float32Array = new Float32Array(0);
  dOut: Float32Array = new Float32Array(0);
  readonly stride: number;

  constructor(readonly layers: readonly DenseParams[]) {
    this.stride = pad8(layers.at(-1)!.outDim);
  }

  private allocate(rows: number): void {
    let bytes = 0;
    const take = (floats: number): number => {
      const at = bytes;
      bytes += 4 * floats;
      return at;
    };
    const inP0 = pad8(this.layers[0]!.inDim);
    this.xOff = take(rows * inP0);
    this.onesOff = take(rows);
    this.zerosOff = take(Math.max(...this.layers.map((l) => pad8(Math.max(l.inDim, l.outDim)))));
    const offsets = this.layers.map((l) => {
      const inP = pad8(l.inDim), outP = pad8(l.outDim);
      return { inP, outP, w: take(inP * outP), wt: take(outP * inP), b: take(outP), act: take(rows * outP), dz: take(rows * outP), dW: take(inP * outP), db: take(4 * outP) };
    });
    this.k = instantiateSimdKernels(bytes);
    this.f32 = new Float32Array(this.k.memory.buffer);
    this.regions = offsets.map((g, li) => {
      const n = this.layers[li]!.inDim * this.layers[li]!.outDim;
      return { ...g, wView: this.f32.subarray(g.w / 4, g.w / 4 + n), dWView: this.f32.subarray(g.dW / 4, g.dW / 4 + n) };
    });
    this.f32.fill(1, this.onesOff / 4, this.onesOff / 4 + rows);
    const head = this.regions.at(-1)!;
    this.out = this.f32.subarray(head.act / 4, head.act / 4 + rows * head.outP);
    this.dOut = this.f32.subarray(head.dz / 4, head.dz / 4 + rows * head.outP);
    this.rowCapacity = rows;
  }

  forward(x: Float32Array, B: number): void {
    const rows = pad4(B);
    this.rows = rows;
    if (rows === 0) return; // the kernels' loops run at least once
    if (rows > this.rowCapacity) this.allocate(Math.max(rows, 2 * this.rowCapacity));
    const { f32, k, layers, regions } = this;
    // Copy x in, padded to inP columns (the padding columns are never written, so they stay 0).
    const D = layers[0]!.inDim, inP0 = regions[0]!.inP;
    for (let r = 0; r < B; r++) for (let c = 0; c < D; c++) f32[this.xOff / 4 + r * inP0 + c] = x[r * D + c]!;
    f32.fill(0, this.xOff / 4 + B * inP0, this.xOff / 4 + rows * inP0); // padded rows: finite, so 0·x stays 0
    for (let li = 0; li < layers.length; li++) {
      const { w, b, inDim, outDim } = layers[li]!;
      const g = regions[li]!;
      // W (padded to outP columns) and, for the input gradient, its transpose (not needed for layer 0).
      if (g.outP === outDim) g.wView.set(w);
      else for (let i = 0, wi = g.w / 4; i < inDim; i++) for (let j = 0; j < outDim; j++) f32[wi + i * g.outP + j] = w[i * outDim + j]!;
      if (li > 0) for (let i = 0, ti = g.wt / 4; i < inDim; i++) for (let j = 0; j < outDim; j++) f32[ti + j * g.inP + i] = w[i * outDim + j]!;
      f32.set(b, g.b / 4);
      const input = li === 0 ? this.xOff : regions[li - 1]!.act;
      k.gemm(input, 4 * g.inP, 4, g.w, 4 * g.outP, g.act, 4 * g.outP, g.b, rows, g.outP, inDim);
      if (li < layers.length - 1) k.tanh(g.act, rows * g.outP);
    }
    // Clear dOut: the caller writes rows < B only, and earlier passes may have used the padded rows.
    const head = regions.at(-1)!;
    f32.fill(0, head.dz / 4, head.dz / 4 + rows * head.outP);
  }

  /** B is not needed here: the padded rows have dz = 0, so the sums run over all forward's `rows`. */
  backward(_B: number, pg: Float32Array[], offset: number): void {
    const { f32, k, layers, regions, rows } = this;
    if (rows === 0) {
      for (let t = 0; t < 2 * layers.length; t++) pg[offset + t]!.fill(0);
      return;
    }
    for (let li = layers.length - 1; li >= 0; li--) {
      const { inDim, outDim } = layers[li]!;
      const g = regions[li]!;
      const input = li === 0 ? this.xOff : regions[li - 1]!.act;
      // dW = inputᵀ·dz: A's rows are the input's columns (stride 4 bytes), summed over the minibatch rows.
      k.gemm(input, 4, 4 * g.inP, g.dz, 4 * g.outP, g.dW, 4 * g.outP, this.zerosOff, pad4(inDim), g.outP, rows);
      // db = 1ᵀ·dz, as 4 identical rows.
      k.gemm(this.onesOff, 0, 4, g.dz, 4 * g.outP, g.db, 4 * g.outP, this.zerosOff, 4, g.outP, rows);
      const dW = pg[offset + 2 * li]!, db = pg[offset + 2 * li + 1]!;
      if (g.outP === outDim) dW.set(g.dWView);
      else for (let i = 0, wi = g.dW / 4; i < inDim; i++) for (let j = 0; j < outDim; j++) dW[i * outDim + j] = f32[wi + i * g.outP + j]!;
      for (let j = 0; j < outDim; j++) db[j] = f32[g.db / 4 + j]!;
      if (li === 0) break;
      // dz of the layer below = (dz·Wᵀ) ⊙ (1 − h²), h its tanh output.
      const below = regions[li - 1]!;
      k.gemm(g.dz, 4 * g.outP, 4, g.wt, 4 * g.inP, below.dz, 4 * below.outP, this.zerosOff, rows, below.outP, outDim);
      k.tanhGrad(below.dz, below.act, rows * below.outP);
    }
  }
}
