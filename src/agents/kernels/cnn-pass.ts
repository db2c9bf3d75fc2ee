/**
 * Forward + backward of the CNN actor-critic (../nets/cnn.ts) over a batch, by hand: im2col turns each
 * convolution into one matrix product, so every layer runs on the gemm of ./wasm-simd.ts (or, without
 * WebAssembly SIMD, the same kernels in JS, ./js-kernels.ts). The same pass serves acting (forward only)
 * and PPO's loss (forward, then backward from d loss / d heads).
 *
 * Per layer, with X the layer's input rows and Z = X·W + b its output (ReLU'd except the heads); im2col and
 * its adjoint col2im are kernels too:
 *   convolution l:  X = im2col(previous activation)   [B·outH·outW, k·k·inC]
 *   dense / heads:  X = previous activation, the last convolution's flattened NHWC   [B, features]
 *   backward:       dW = Xᵀ·dZ,  db = 1ᵀ·dZ,  dX = dZ·Wᵀ;  a convolution's dX is scattered back (col2im)
 *                   onto the positions it was gathered from, then masked by the ReLU below (h > 0).
 * The two heads are one gemm: `[logits…, value]` per row.
 *
 * Layout: one memory per pass, zero-padded so the gemm's 4×8 tiles need no edge cases: the batch to a
 * multiple of 4 samples (`Bp`), every output width to a multiple of 8 (`NP`). Padding stays zero: the
 * padded weight rows and columns are never written, so padded channels compute ReLU(0) = 0, and padded
 * samples (zero input, zero d loss / d output) add nothing to any gradient sum. The weights are copied in
 * per pass (the Float32Arrays in `Cnn` stay the master copy the optimizer updates), their transposes at
 * the start of `backward`; the gradients are copied out. Memory grows only with the largest batch seen.
 */
import type { Cnn, ConvParams } from '../nets/cnn.ts';
import type { DenseParams } from '../nets/mlp.ts';
import { instantiateJsKernels } from './js-kernels.ts';
import { instantiateSimdKernels, type SimdKernels } from './wasm-simd.ts';

const pad4 = (n: number): number => (n + 3) & ~3;
const pad8 = (n: number): number => (n + 7) & ~7;

/** A convolution's buffers: byte offsets into the pass's memory. */
interface ConvRegion {
  g: ConvParams;
  P: number; // output positions per sample
  Kc: number; // k·k·inC, the im2col row
  KcP: number; // padded to 8
  CoP: number; // output channels padded to 8
  inCS: number; // floats per input position in the buffer read (the previous CoP, or inC for the observation)
  image: number; // the input: the observations [Bp, H, W, inC] or the previous activation [Bp, H, W, CoP]
  pieceLen: number; // im2col's pieces (wasm-simd.ts): bytes per piece, pieces per kernel row
  pieceReps: number;
  cols: number; // [Bp·P, KcP]
  dcols: number; // [Bp·P, KcP], d loss / d cols (not for the first convolution)
  w: number; // [Kc, CoP]
  wt: number; // [Co, KcP] (not for the first convolution)
  b: number; // [CoP]
  act: number; // [Bp·P, CoP]
  dz: number; // [Bp·P, CoP]
  dW: number; // [KcP, CoP]
  db: number; // [4, CoP]
}

/** A dense layer (or the two heads, as one): its input is the previous activation, `K` floats per sample. */
interface DenseRegion {
  K: number; // input floats per sample (padded); the gemm's inner dimension
  N: number; // outputs
  NP: number; // padded to 8
  in: number; // the previous layer's activation [Bp, K]
  dIn: number; // its d loss / d pre-activation, same layout
  w: number; // [K, NP]
  wt: number; // [N, K]
  b: number; // [NP]
  act: number; // [Bp, NP]
  dz: number; // [Bp, NP]
  dW: number; // [K, NP]
  db: number; // [4, NP]
  relu: boolean;
}

export class CnnPass {
  private k!: SimdKernels;
  private f32 = new Float32Array(0);
  private convR: ConvRegion[] = [];
  private denseR: DenseRegion[] = []; // the hidden layers, then the heads
  private obs = 0; // [Bp, H·W·C], the observations copied in
  private ones = 0;
  private zeros = 0;
  private capacity = 0; // samples
  private Bp = 0; // the current pass's padded batch
  /** Master weight row r of a layer fed by the flatten → its row in the padded buffers (r when no channel padding). */
  private readonly flatRow: (r: number) => number;
  private readonly flatPadded: boolean;
  /** Heads' output [Bp, stride]: the logits in columns 0..numLogits−1, the value in column `valueCol`. Re-read after each forward. */
  out = new Float32Array(0);
  /** d loss / d out, same layout; forward clears it, the caller fills rows < B. */
  dOut = new Float32Array(0);
  readonly stride: number;
  readonly valueCol: number;

  /** `kernels`: WebAssembly SIMD, or the same kernels in JS where the runtime lacks it. */
  constructor(readonly net: Cnn, private readonly kernels: 'wasm' | 'js') {
    this.valueCol = net.numLogits;
    this.stride = pad8(net.numLogits + 1);
    const last = net.convs.at(-1)!, co = last.outC, coP = pad8(co);
    this.flatPadded = co !== coP;
    this.flatRow = this.flatPadded ? (r) => Math.floor(r / co) * coP + (r % co) : (r) => r;
  }

  private allocate(Bp: number): void {
    const net = this.net;
    let bytes = 0;
    const take = (floats: number): number => {
      const at = bytes;
      bytes += 4 * floats;
      return at;
    };
    let maxRows = 4, maxWidth = 8;
    this.obs = take(Bp * net.inputSize);
    let image = this.obs;
    this.convR = net.convs.map((g, l) => {
      const P = g.outH * g.outW, Kc = g.k * g.k * g.inC, KcP = pad8(Kc), CoP = pad8(g.outC), rows = Bp * P;
      const inCS = l === 0 ? g.inC : pad8(g.inC);
      maxRows = Math.max(maxRows, rows);
      maxWidth = Math.max(maxWidth, KcP, CoP);
      const r: ConvRegion = {
        g, P, Kc, KcP, CoP, inCS, image, pieceLen: 4 * (inCS === g.inC ? g.k * g.inC : g.inC), pieceReps: inCS === g.inC ? 1 : g.k,
        cols: take(rows * KcP), dcols: l === 0 ? -1 : take(rows * KcP),
        w: take(Kc * CoP), wt: l === 0 ? -1 : take(g.outC * KcP), b: take(CoP), act: take(rows * CoP), dz: take(rows * CoP), dW: take(KcP * CoP), db: take(4 * CoP),
      };
      image = r.act;
      return r;
    });
    const lastConv = this.convR.at(-1)!;
    let K = lastConv.P * lastConv.CoP, input = lastConv.act, dInput = lastConv.dz;
    const layers: (DenseParams & { relu: boolean })[] = [
      ...net.dense.map((l) => ({ ...l, relu: true })),
      { ...net.actorHead, outDim: net.numLogits + 1, relu: false }, // both heads
    ];
    this.denseR = layers.map((l) => {
      const NP = pad8(l.outDim);
      maxWidth = Math.max(maxWidth, K, NP);
      const r: DenseRegion = {
        K, N: l.outDim, NP, in: input, dIn: dInput, w: take(K * NP), wt: take(l.outDim * K), b: take(NP),
        act: take(Bp * NP), dz: take(Bp * NP), dW: take(K * NP), db: take(4 * NP), relu: l.relu,
      };
      K = NP;
      input = r.act;
      dInput = r.dz;
      return r;
    });
    this.ones = take(maxRows);
    this.zeros = take(maxWidth);
    this.k = this.kernels === 'wasm' ? instantiateSimdKernels(bytes) : instantiateJsKernels(bytes);
    this.f32 = new Float32Array(this.k.memory.buffer);
    this.f32.fill(1, this.ones / 4, this.ones / 4 + maxRows);
    const head = this.denseR.at(-1)!;
    this.out = this.f32.subarray(head.act / 4, head.act / 4 + Bp * head.NP);
    this.dOut = this.f32.subarray(head.dz / 4, head.dz / 4 + Bp * head.NP);
    this.capacity = Bp;
  }

  /** Runs the net on x [B, H·W·C]; the heads' output is then in `out`. */
  forward(x: Float32Array, B: number): void {
    const Bp = pad4(B);
    this.Bp = Bp;
    if (Bp === 0) return;
    if (Bp > this.capacity) this.allocate(Math.max(Bp, 2 * this.capacity));
    const { f32, k } = this;
    this.copyWeights();
    const D = this.net.inputSize, o = this.obs / 4;
    if (x.length === B * D) f32.set(x, o);
    else for (let i = 0; i < B * D; i++) f32[o + i] = x[i]!;
    f32.fill(0, o + B * D, o + Bp * D); // padded samples: zero input
    for (const r of this.convR) {
      const g = r.g, rows = Bp * r.P;
      k.im2col(r.image, r.cols, Bp, g.inH, g.inW, g.outH, g.outW, g.k, 4 * r.inCS, r.pieceLen, r.pieceReps, 4 * r.KcP);
      k.gemm(r.cols, 4 * r.KcP, 4, r.w, 4 * r.CoP, r.act, 4 * r.CoP, r.b, rows, r.CoP, r.Kc);
      k.relu(r.act, rows * r.CoP);
    }
    for (const r of this.denseR) {
      k.gemm(r.in, 4 * r.K, 4, r.w, 4 * r.NP, r.act, 4 * r.NP, r.b, Bp, r.NP, r.K);
      if (r.relu) k.relu(r.act, Bp * r.NP);
    }
    const head = this.denseR.at(-1)!;
    f32.fill(0, head.dz / 4, head.dz / 4 + Bp * head.NP);
  }

  /**
   * Backpropagates `dOut` (set by the caller after `forward`) and writes the parameter gradients into
   * pg[offset…] in `Cnn.params()` order. B is not needed: padded rows have zero d loss / d output.
   */
  backward(_B: number, pg: Float32Array[], offset = 0): void {
    const { f32, k, net, Bp } = this;
    const nConv = net.convs.length, nDense = net.dense.length;
    if (Bp === 0) {
      for (let t = 0; t < 2 * (nConv + nDense + 2); t++) pg[offset + t]!.fill(0);
      return;
    }
    this.copyTransposes();
    const z = this.zeros, ones = this.ones;
    // Dense layers and heads, last first.
    for (let d = this.denseR.length - 1; d >= 0; d--) {
      const r = this.denseR[d]!;
      k.gemm(r.in, 4, 4 * r.K, r.dz, 4 * r.NP, r.dW, 4 * r.NP, z, pad4(r.K), r.NP, Bp);
      k.gemm(ones, 0, 4, r.dz, 4 * r.NP, r.db, 4 * r.NP, z, 4, r.NP, Bp);
      const fromFlatten = d === 0;
      if (d === this.denseR.length - 1) {
        const L = net.numLogits, t = offset + 2 * (nConv + nDense);
        this.copyGradOut(r, net.actorHead, 0, fromFlatten, pg[t]!, pg[t + 1]!);
        this.copyGradOut(r, net.criticHead, L, fromFlatten, pg[t + 2]!, pg[t + 3]!);
      } else {
        const t = offset + 2 * (nConv + d);
        this.copyGradOut(r, net.dense[d]!, 0, fromFlatten, pg[t]!, pg[t + 1]!);
      }
      // d/d(the input's pre-activation) = (dZ·Wᵀ) ⊙ ReLU'(input).
      k.gemm(r.dz, 4 * r.NP, 4, r.wt, 4 * r.K, r.dIn, 4 * r.K, z, Bp, r.K, r.N);
      k.reluGrad(r.dIn, r.in, Bp * r.K);
    }
    // Convolutions, last first.
    for (let l = nConv - 1; l >= 0; l--) {
      const r = this.convR[l]!, g = r.g, rows = Bp * r.P;
      k.gemm(r.cols, 4, 4 * r.KcP, r.dz, 4 * r.CoP, r.dW, 4 * r.CoP, z, pad4(r.Kc), r.CoP, rows);
      k.gemm(ones, 0, 4, r.dz, 4 * r.CoP, r.db, 4 * r.CoP, z, 4, r.CoP, rows);
      const dW = pg[offset + 2 * l]!, db = pg[offset + 2 * l + 1]!, Co = g.outC;
      for (let i = 0; i < r.Kc; i++) for (let j = 0, s = r.dW / 4 + i * r.CoP; j < Co; j++) dW[i * Co + j] = f32[s + j]!;
      for (let j = 0; j < Co; j++) db[j] = f32[r.db / 4 + j]!;
      if (l === 0) break;
      const below = this.convR[l - 1]!;
      k.gemm(r.dz, 4 * r.CoP, 4, r.wt, 4 * r.KcP, r.dcols, 4 * r.KcP, z, rows, r.KcP, Co);
      const belowRows = Bp * below.P;
      f32.fill(0, below.dz / 4, below.dz / 4 + belowRows * below.CoP);
      k.col2im(below.dz, r.dcols, Bp, g.inH, g.inW, g.outH, g.outW, g.k, 4 * r.inCS, r.pieceLen, r.pieceReps, 4 * r.KcP);
      k.reluGrad(below.dz, below.act, belowRows * below.CoP);
    }
  }

  /** Column block [col0, col0 + p.outDim) of layer r's dW and db → the master-shaped gradients of `p`. */
  private copyGradOut(r: DenseRegion, p: DenseParams, col0: number, fromFlatten: boolean, dW: Float32Array, db: Float32Array): void {
    const f32 = this.f32, n = p.outDim;
    for (let i = 0; i < p.inDim; i++) {
      const s = r.dW / 4 + (fromFlatten ? this.flatRow(i) : i) * r.NP + col0;
      for (let j = 0; j < n; j++) dW[i * n + j] = f32[s + j]!;
    }
    for (let j = 0; j < n; j++) db[j] = f32[r.db / 4 + col0 + j]!;
  }

  /** The master weights and biases into the padded buffers. */
  private copyWeights(): void {
    const { f32, net } = this;
    for (const r of this.convR) {
      const { w, b, outC: Co } = r.g;
      if (Co === r.CoP) f32.set(w, r.w / 4);
      else for (let i = 0; i < r.Kc; i++) for (let j = 0; j < Co; j++) f32[r.w / 4 + i * r.CoP + j] = w[i * Co + j]!;
      f32.set(b, r.b / 4);
    }
    for (let d = 0; d < net.dense.length; d++) this.copyDense(this.denseR[d]!, net.dense[d]!, 0, d === 0, false);
    const head = this.denseR.at(-1)!, headFromFlatten = net.dense.length === 0;
    this.copyDense(head, net.actorHead, 0, headFromFlatten, false);
    this.copyDense(head, net.criticHead, net.numLogits, headFromFlatten, false);
  }

  /** Wᵀ of every layer but the first convolution (whose input needs no gradient), for dX = dZ·Wᵀ. */
  private copyTransposes(): void {
    const { f32, net } = this;
    for (let l = 1; l < this.convR.length; l++) {
      const r = this.convR[l]!, { w, outC: Co } = r.g;
      for (let i = 0; i < r.Kc; i++) for (let j = 0; j < Co; j++) f32[r.wt / 4 + j * r.KcP + i] = w[i * Co + j]!;
    }
    for (let d = 0; d < net.dense.length; d++) this.copyDense(this.denseR[d]!, net.dense[d]!, 0, d === 0, true);
    const head = this.denseR.at(-1)!, headFromFlatten = net.dense.length === 0;
    this.copyDense(head, net.actorHead, 0, headFromFlatten, true);
    this.copyDense(head, net.criticHead, net.numLogits, headFromFlatten, true);
  }

  /** Dense params `p` into columns [col0, col0 + p.outDim) of layer r's padded W (or, `transposed`, rows of its Wᵀ), and its bias. */
  private copyDense(r: DenseRegion, p: DenseParams, col0: number, fromFlatten: boolean, transposed: boolean): void {
    const f32 = this.f32, n = p.outDim, w = p.w;
    if (transposed) {
      for (let i = 0; i < p.inDim; i++) {
        const c = fromFlatten ? this.flatRow(i) : i;
        for (let j = 0; j < n; j++) f32[r.wt / 4 + (col0 + j) * r.K + c] = w[i * n + j]!;
      }
      return;
    }
    if ((!fromFlatten || !this.flatPadded) && col0 === 0 && n === r.NP) f32.set(w, r.w / 4); // the same layout: a memcpy
    else for (let i = 0; i < p.inDim; i++) for (let j = 0, d = r.w / 4 + (fromFlatten ? this.flatRow(i) : i) * r.NP + col0; j < n; j++) f32[d + j] = w[i * n + j]!;
    f32.set(p.b, r.b / 4 + col0);
  }
}
