import { instantiateJsKernels } from '../agents/kernels/js-kernels.ts';
import { instantiateSimdKernels, wasmSimdSupported, type SimdKernels } from '../agents/kernels/wasm-simd.ts';
import type { Lstm, LstmState } from './lstm.ts';
import { instantiateCellKernels, type CellKernels } from './lstm-kernels.ts';

/**
 * Forward and backward of an {@link Lstm} over a batch of sequences at once, on the parameters of that Lstm
 * (read at every forward, so an optimiser stepping `lstm.params()` is seen), with the gradients in the
 * layout of `lstm.params()`. Same arithmetic as `Lstm.forward/backward` run sequence by sequence, to
 * float32 rounding; 20–40× faster at 16 sequences × 200 steps, and ~7× on a single sequence (BENCHMARKS.md,
 * `npm run bench -- lstm`).
 *
 * All B sequences advance together, so each step is one matrix product
 *   [B, D + H] × [D + H, gates·H]   (the rows [x_t, h_{t−1}] of the batch times the stacked gate weights)
 * on the WebAssembly SIMD gemm of ../agents/kernels/wasm-simd.ts, then the gates and the cell update on the
 * whole [B, gates·H] block in one SIMD kernel of ./lstm-kernels.ts. A sigmoid gate is σ(a) = ½ + ½·tanh(a/2),
 * the ½ folded into its packed weights and bias (exact: a power of two); in float32 that is ~1e-7 off in
 * absolute terms, so a nearly closed gate (σ ≪ 0.01) has a few more ulps of relative error than
 * Lstm's 1/(1 + e^−a). Backward, a second kernel gives the gate gradients and each step's recurrent
 * gradient dA_t·Uᵀ is one gemm; the weight and bias gradients are gemms over all T·B rows at the end,
 * [x_t, h_{t−1}]ᵀ·dA (in blocks of rows that stay in L2, accumulated), 1ᵀ·dA and hᵀ·dŷ. Without
 * `fullyConnected`, the cell input (no recurrent weights) is computed for all steps by one gemm up front.
 * Where the runtime has no WebAssembly SIMD, the same pass runs on the JS kernels of
 * ../agents/kernels/js-kernels.ts with the elementwise part in JS loops (~8× slower, still ~4× the loop).
 *
 * Variable lengths: the sequences are sorted by length (longest first), so the ones still running at step
 * t are a prefix of the batch and each step's work covers only that prefix (rounded up to 4 rows). The
 * other rows' outputs are never read, and their gradients start at zero, so nothing needs masking.
 *
 * Everything lives in one kernel memory, rows padded to 4 and widths to 8 as the gemm needs; it is
 * re-made only when a batch outgrows it, so a pass allocates nothing.
 */
export class LstmBatch {
  private readonly D: number;
  private readonly H: number;
  private readonly K: number;
  private readonly Hp: number; // H padded to 8: each gate's column block
  private readonly Kp: number;
  private readonly nG: number;
  private readonly NG: number; // nG·Hp: the gate-block width
  private readonly rs: number; // row stride of XH: [x (D), h (Hp)], padded to 4
  private readonly hasF: boolean;
  private readonly hasO: boolean;
  private readonly fOff: number;
  private readonly oOff: number;
  /** Gemm blocks of the stacked weights: rows [k0, k0 + kLen) of XH feed gate columns [c0, c0 + cLen). */
  private readonly blocks: { k0: number; kLen: number; c0: number; cLen: number; recurrent: boolean }[];
  private readonly uCol0: number; // first gate column with recurrent weights
  /** Per gate, in lstm.params() order: the indices of its W, U (−1 where absent) and b, and its scale. */
  private readonly gateParams: { w: number; u: number; b: number; scale: number; col: number }[];
  private readonly wyIndex: number;
  private readonly byIndex: number;
  private readonly useWasm: boolean;
  private k!: SimdKernels;
  private cells: CellKernels | null = null; // the wasm cell kernels (null on the JS kernels)
  private f32 = new Float32Array(0);
  private bCap = 0;
  private tCap = 0;
  // Byte offsets in the kernel memory.
  private o = { xh: 0, act: 0, c: 0, y: 0, dy: 0, dh: 0, dhRec: 0, dcNext: 0, wp: 0, bp: 0, ut: 0, wyT: 0, wyP: 0, byP: 0, zeros: 0, zc: 0, ones: 0, dW: 0, db: 0, dWyT: 0, dby: 0 };
  // The current batch.
  private Bp = 0;
  private T = 0;
  private order = new Int32Array(0); // slot → sequence
  private slotOf = new Int32Array(0); // sequence → slot
  private lens = new Int32Array(0); // per slot
  private active = new Int32Array(0); // per step: rows computed (the running sequences, rounded up to 4)
  private forwarded = false;
  private fromState = false; // the last forward started from given states (inference only)

  constructor(readonly lstm: Lstm, opts: { kernels?: 'auto' | 'wasm' | 'js' } = {}) {
    const D = (this.D = lstm.inputDim), H = (this.H = lstm.units), K = (this.K = lstm.outputs);
    const Hp = (this.Hp = pad8(H));
    this.Kp = pad8(K);
    const names = lstm.paramNames();
    const at = (n: string): number => names.indexOf(n);
    this.gateParams = lstm.gates.map((g, i) => ({ w: at(`W_${g}`), u: at(`U_${g}`), b: at(`b_${g}`), scale: g === 'z' ? 1 : 0.5, col: i * Hp }));
    this.nG = lstm.gates.length;
    this.NG = this.nG * Hp;
    this.rs = pad4(D + Hp);
    this.hasF = lstm.gates.includes('f');
    this.hasO = lstm.gates.includes('o');
    this.fOff = this.hasF ? lstm.gates.indexOf('f') * Hp : -1;
    this.oOff = this.hasO ? lstm.gates.indexOf('o') * Hp : -1;
    this.wyIndex = at('W_y');
    this.byIndex = at('b_y');
    // Which gates see x_t and which h_{t−1}: all of them (fullyConnected), or the cell input z only x_t and
    // the gates only h_{t−1}. Gate z comes first, so both sets are contiguous column ranges.
    const full = this.gateParams.every((p) => p.w >= 0 && p.u >= 0);
    const zOnlyX = this.gateParams[0]!.w >= 0 && this.gateParams[0]!.u < 0 && this.gateParams.slice(1).every((p) => p.w < 0 && p.u >= 0);
    if (!full && !zOnlyX) throw new Error('LstmBatch: unsupported gate connectivity');
    this.blocks = full
      ? [{ k0: 0, kLen: D + H, c0: 0, cLen: this.NG, recurrent: true }]
      : [{ k0: 0, kLen: D, c0: 0, cLen: Hp, recurrent: false }, { k0: D, kLen: H, c0: Hp, cLen: this.NG - Hp, recurrent: true }];
    this.uCol0 = full ? 0 : Hp;
    const kind = opts.kernels ?? 'auto';
    if (kind === 'wasm' && !wasmSimdSupported()) throw new Error('LstmBatch: WebAssembly SIMD is not supported by this runtime');
    this.useWasm = kind === 'wasm' || (kind === 'auto' && wasmSimdSupported());
  }

  /** Which kernels run the pass. */
  get kernels(): 'wasm' | 'js' {
    return this.useWasm ? 'wasm' : 'js';
  }

  private allocate(Bp: number, T: number): void {
    if (Bp <= this.bCap && T <= this.tCap) return;
    // Grown by doubling, so a run whose episodes get longer one step at a time re-makes the memory rarely.
    const bCap = Bp > this.bCap ? Math.max(Bp, 2 * this.bCap) : this.bCap, tCap = T > this.tCap ? Math.max(T, 2 * this.tCap) : this.tCap;
    const rows = bCap * tCap, { rs, NG, Hp, Kp } = this;
    let bytes = 0;
    const take = (floats: number): number => {
      const at = bytes;
      bytes += 4 * pad4(floats);
      return at;
    };
    this.o = {
      xh: take((tCap + 1) * bCap * rs), act: take(rows * NG), c: take(rows * Hp), y: take(rows * Kp), dy: take(rows * Kp), dh: take(rows * Hp),
      dhRec: take(bCap * Hp), dcNext: take(bCap * Hp), wp: take(rs * NG), bp: take(NG), ut: take(NG * Hp), wyT: take(Hp * Kp), wyP: take(Kp * Hp), byP: take(Kp),
      zeros: take(Math.max(NG, Hp, Kp)), zc: take(bCap * Hp), ones: take(rows), dW: take(rs * NG), db: take(4 * NG), dWyT: take(Hp * Kp), dby: take(4 * Kp),
    };
    this.k = this.useWasm ? instantiateSimdKernels(bytes) : instantiateJsKernels(bytes);
    this.f32 = new Float32Array(this.k.memory.buffer);
    this.cells = this.useWasm ? instantiateCellKernels(this.k.memory, this.hasF, this.hasO) : null;
    this.f32.fill(1, this.o.ones >> 2, (this.o.ones >> 2) + rows);
    this.bCap = bCap;
    this.tCap = tCap;
  }

  /** The predictions ŷ after {@link forward}: output k of sequence b at step t is `out[index(b, t) + k]`. */
  get out(): Float32Array {
    return this.f32.subarray(this.o.y >> 2);
  }
  /** dL/dŷ for {@link backward}, same layout as {@link out}; zeroed by forward, filled by the caller. */
  get dOut(): Float32Array {
    return this.f32.subarray(this.o.dy >> 2);
  }
  /** Offset of sequence b's step t in {@link out} and {@link dOut} (t below b's length). */
  index(b: number, t: number): number {
    return (t * this.Bp + this.slotOf[b]!) * this.Kp;
  }

  /** The state sequence b reached at its last step in the last {@link forward}, into `state`. */
  finalState(b: number, state: LstmState): void {
    const s = this.slotOf[b]!, L = this.lens[s]!, { Bp, Hp, rs, D, H, f32, o } = this;
    state.c.set(f32.subarray((o.c >> 2) + ((L - 1) * Bp + s) * Hp, (o.c >> 2) + ((L - 1) * Bp + s) * Hp + H));
    state.h.set(f32.subarray((o.xh >> 2) + (L * Bp + s) * rs + D, (o.xh >> 2) + (L * Bp + s) * rs + D + H));
    state.fresh = false;
  }

  /** Packs the Lstm's parameters into the gemm layouts (sigmoid gates scaled by ½ in Wp and bp). */
  private pack(): void {
    const { D, H, Hp, Kp, K, NG, f32, o } = this;
    const P = this.lstm.params();
    const wp = o.wp >> 2, bp = o.bp >> 2, ut = o.ut >> 2;
    for (const g of this.gateParams) {
      const s = g.scale;
      if (g.w >= 0) {
        const W = P[g.w]!;
        for (let u = 0; u < H; u++) for (let j = 0; j < D; j++) f32[wp + j * NG + g.col + u] = s * W[u * D + j]!;
      }
      if (g.u >= 0) {
        const U = P[g.u]!;
        for (let u = 0; u < H; u++) {
          for (let j = 0; j < H; j++) {
            f32[wp + (D + j) * NG + g.col + u] = s * U[u * H + j]!;
            f32[ut + (g.col + u) * Hp + j] = U[u * H + j]!;
          }
        }
      }
      const b = P[g.b]!;
      for (let u = 0; u < H; u++) f32[bp + g.col + u] = s * b[u]!;
    }
    const Wy = P[this.wyIndex]!, by = P[this.byIndex]!;
    for (let k = 0; k < K; k++) {
      for (let u = 0; u < H; u++) {
        f32[(o.wyT >> 2) + u * Kp + k] = Wy[k * H + u]!;
        f32[(o.wyP >> 2) + k * Hp + u] = Wy[k * H + u]!;
      }
      f32[(o.byP >> 2) + k] = by[k]!;
    }
  }

  /**
   * Runs the sequences `xs[b]` ([lengths[b], D] each) from zero states with the Lstm's current parameters;
   * the predictions are then in {@link out}, and the activations are kept for {@link backward}. With
   * `init`, sequence b starts from state `init[b]` instead (inference only: the episodes in progress of
   * RUDDER on PPO, continued rollout by rollout; {@link finalState} reads where they got to).
   */
  forward(xs: readonly Float32Array[], lengths: readonly number[], init?: readonly LstmState[]): void {
    const B = xs.length, { D, H, Hp, NG, rs } = this;
    if (B < 1 || lengths.length !== B) throw new RangeError(`LstmBatch.forward: ${B} sequences with ${lengths.length} lengths`);
    let T = 0;
    for (let b = 0; b < B; b++) {
      const L = lengths[b]!;
      if (!(Number.isInteger(L) && L >= 1)) throw new RangeError(`LstmBatch.forward: sequence ${b} has length ${L}`);
      if (xs[b]!.length < L * D) throw new RangeError(`LstmBatch.forward: sequence ${b} has ${xs[b]!.length} values, ${L} steps of ${D} need ${L * D}`);
      if (L > T) T = L;
    }
    const Bp = pad4(B);
    this.allocate(Bp, T);

    this.Bp = Bp;
    this.T = T;
    if (this.order.length < Bp) {
      this.order = new Int32Array(Bp);
      this.slotOf = new Int32Array(Bp);
      this.lens = new Int32Array(Bp);
    }
    if (this.active.length < T) this.active = new Int32Array(Math.max(T, 2 * this.active.length));
    const order = this.order, slotOf = this.slotOf, lens = this.lens;
    for (let b = 0; b < B; b++) order[b] = b;
    order.subarray(0, B).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
    for (let s = 0; s < Bp; s++) {
      lens[s] = s < B ? lengths[order[s]!]! : 0;
      if (s < B) slotOf[order[s]!] = s;
    }
    for (let t = 0, n = B; t < T; t++) {
      while (n > 0 && lens[n - 1]! <= t) n--;
      this.active[t] = pad4(n);
    }
    this.pack();
    const { f32, k, o } = this;
    const xh = o.xh >> 2;
    // The inputs, zero past each sequence's end; h_{−1} = 0.
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < Bp; s++) {
        const row = xh + (t * Bp + s) * rs;
        if (t < lens[s]!) f32.set(xs[order[s]!]!.subarray(t * D, (t + 1) * D), row);
        else f32.fill(0, row, row + D);
      }
    }
    for (let s = 0; s < Bp; s++) f32.fill(0, xh + s * rs + D, xh + s * rs + D + H);
    // c_{−1}: zeros, or the given states (h_{−1} into the first XH rows).
    const zc = o.zc >> 2;
    f32.fill(0, zc, zc + Bp * Hp);
    if (init) {
      if (init.length !== B) throw new RangeError(`LstmBatch.forward: ${B} sequences with ${init.length} initial states`);
      for (let s = 0; s < B; s++) {
        const st = init[order[s]!]!;
        if (st.c.length !== H || st.h.length !== H) throw new RangeError(`LstmBatch.forward: initial state ${order[s]} must hold ${H} values in c and h`);
        if (st.fresh) continue;
        f32.set(st.c, zc + s * Hp);
        f32.set(st.h, xh + s * rs + D);
      }
    }
    this.fromState = init !== undefined;
    for (const bl of this.blocks) {
      if (!bl.recurrent) k.gemm(o.xh + 4 * bl.k0, 4 * rs, 4, o.wp + 4 * (bl.k0 * NG + bl.c0), 4 * NG, o.act + 4 * bl.c0, 4 * NG, o.bp + 4 * bl.c0, T * Bp, bl.cLen, bl.kLen);
    }
    const act = o.act >> 2, cOff = o.c >> 2, { hasF, hasO, fOff, oOff } = this;
    for (let t = 0; t < T; t++) {
      const M = this.active[t]!;
      for (const bl of this.blocks) {
        if (bl.recurrent) k.gemm(o.xh + 4 * (t * Bp * rs + bl.k0), 4 * rs, 4, o.wp + 4 * (bl.k0 * NG + bl.c0), 4 * NG, o.act + 4 * (t * Bp * NG + bl.c0), 4 * NG, o.bp + 4 * bl.c0, M, bl.cLen, bl.kLen);
      }
      const cells = this.cells;
      if (cells) {
        cells.cellForward(o.act + 4 * t * Bp * NG, o.c + 4 * t * Bp * Hp, t > 0 ? o.c + 4 * (t - 1) * Bp * Hp : o.zc, o.xh + 4 * ((t + 1) * Bp * rs + D), M, 4 * NG, 4 * Hp, 4 * rs, 4 * Hp, 4 * Hp, 4 * Math.max(0, fOff), 4 * Math.max(0, oOff));
      } else {
        k.tanh(o.act + 4 * t * Bp * NG, M * NG);
        for (let s = 0; s < M; s++) {
          const a = act + (t * Bp + s) * NG, c = cOff + (t * Bp + s) * Hp, cp = c - Bp * Hp, hn = xh + ((t + 1) * Bp + s) * rs + D;
          for (let u = 0; u < H; u++) {
            const z = f32[a + u]!;
            const i = 0.5 + 0.5 * f32[a + Hp + u]!;
            f32[a + Hp + u] = i;
            let f = 1, og = 1;
            if (hasF) f32[a + fOff + u] = f = 0.5 + 0.5 * f32[a + fOff + u]!;
            if (hasO) f32[a + oOff + u] = og = 0.5 + 0.5 * f32[a + oOff + u]!;
            const cv = f * (t > 0 ? f32[cp + u]! : f32[zc + s * Hp + u]!) + i * z;
            f32[c + u] = cv;
            f32[hn + u] = og * cv;
          }
        }
      }
      // Rows not computed at this step keep stale h values in XH; zero them, as the weight-gradient gemm reads them (× 0).
      if (M < Bp) for (let s = M; s < Bp; s++) f32.fill(0, xh + ((t + 1) * Bp + s) * rs + D, xh + ((t + 1) * Bp + s) * rs + D + H);
    }
    // The head over all steps at once: ŷ = h·Wyᵀ + b_y.
    const { Kp } = this;
    k.gemm(o.xh + 4 * (Bp * rs + D), 4 * rs, 4, o.wyT, 4 * Kp, o.y, 4 * Kp, o.byP, T * Bp, Kp, H);
    f32.fill(0, o.dy >> 2, (o.dy >> 2) + T * Bp * Kp);
    this.forwarded = true;
  }

  /**
   * Backpropagates {@link dOut} through the last forward pass; adds the parameter gradients into `grads`
   * (the layout of `lstm.params()`).
   */
  backward(grads: Float32Array[]): void {
    if (!this.forwarded) throw new Error('LstmBatch.backward: no forward pass to go back through');
    if (this.fromState) throw new Error('LstmBatch.backward: the last forward started from given states (inference only)');
    const { D, H, K, Hp, Kp, NG, rs, Bp, T, f32, k, o, hasF, hasO, fOff, oOff } = this;
    const rows = T * Bp;
    // dL/dh from the head, all steps at once: dŷ·Wy.
    k.gemm(o.dy, 4 * Kp, 4, o.wyP, 4 * Hp, o.dh, 4 * Hp, o.zeros, rows, Hp, K);
    const dhRec = o.dhRec >> 2, dcNext = o.dcNext >> 2, act = o.act >> 2, cOff = o.c >> 2, dhOff = o.dh >> 2;
    f32.fill(0, dhRec, dhRec + Bp * Hp);
    f32.fill(0, dcNext, dcNext + Bp * Hp);
    const clip = this.lstm.recurrentGradClip;
    for (let t = T - 1; t >= 0; t--) {
      const M = this.active[t]!;
      const cells = this.cells;
      if (cells) {
        cells.cellBackward(o.act + 4 * t * Bp * NG, o.c + 4 * t * Bp * Hp, t > 0 ? o.c + 4 * (t - 1) * Bp * Hp : o.zc, o.dh + 4 * t * Bp * Hp, o.dhRec, o.dcNext, M, 4 * NG, 4 * Hp, 4 * Hp, 4 * Hp, 4 * Math.max(0, fOff), 4 * Math.max(0, oOff));
      } else {
        for (let s = 0; s < M; s++) {
          const a = act + (t * Bp + s) * NG, c = cOff + (t * Bp + s) * Hp, cp = c - Bp * Hp, dhr = dhOff + (t * Bp + s) * Hp, r = s * Hp;
          for (let u = 0; u < H; u++) {
            const dh = f32[dhr + u]! + f32[dhRec + r + u]!;
            const z = f32[a + u]!, i = f32[a + Hp + u]!;
            const f = hasF ? f32[a + fOff + u]! : 1, og = hasO ? f32[a + oOff + u]! : 1;
            const cPrev = t > 0 ? f32[cp + u]! : 0;
            const dc = dh * og + f32[dcNext + r + u]!;
            f32[a + u] = dc * i * (1 - z) * (1 + z);
            f32[a + Hp + u] = dc * z * i * (1 - i);
            if (hasF) f32[a + fOff + u] = dc * cPrev * f * (1 - f);
            if (hasO) f32[a + oOff + u] = dh * f32[c + u]! * og * (1 - og);
            f32[dcNext + r + u] = dc * f;
          }
        }
      }
      // Rows not computed at this step still hold activations: they must add nothing to the weight gradients.
      if (M < Bp) f32.fill(0, act + (t * Bp + M) * NG, act + (t + 1) * Bp * NG);
      // dL/dh_{t−1} through the recurrent weights: dA_t·Uᵀ (rows ≥ M stay zero: they were never written).
      if (t > 0) k.gemm(o.act + 4 * (t * Bp * NG + this.uCol0), 4 * NG, 4, o.ut + 4 * this.uCol0 * Hp, 4 * Hp, o.dhRec, 4 * Hp, o.zeros, M, Hp, NG - this.uCol0);
      if (t > 0 && clip > 0) for (let q = dhRec, end = dhRec + M * Hp; q < end; q++) f32[q] = Math.min(clip, Math.max(-clip, f32[q]!));
    }
    // Weight gradients over all rows: [x_t, h_{t−1}]ᵀ·dA, 1ᵀ·dA, hᵀ·dŷ, 1ᵀ·dŷ.
    // In blocks of rows that stay in the L2 cache where the accumulating gemm exists (wasm), else in one.
    const chunk = this.cells ? DW_CHUNK : rows;
    for (const bl of this.blocks) {
      for (let r0 = 0; r0 < rows; r0 += chunk) {
        const gemm = r0 === 0 ? k.gemm : this.cells!.gemmAcc;
        gemm(o.xh + 4 * (r0 * rs + bl.k0), 4, 4 * rs, o.act + 4 * (r0 * NG + bl.c0), 4 * NG, o.dW + 4 * (bl.k0 * NG + bl.c0), 4 * NG, o.zeros, pad4(bl.kLen), bl.cLen, Math.min(chunk, rows - r0));
      }
    }
    k.gemm(o.ones, 0, 4, o.act, 4 * NG, o.db, 4 * NG, o.zeros, 4, NG, rows);
    k.gemm(o.xh + 4 * (Bp * rs + D), 4, 4 * rs, o.dy, 4 * Kp, o.dWyT, 4 * Kp, o.zeros, Hp, Kp, rows);
    k.gemm(o.ones, 0, 4, o.dy, 4 * Kp, o.dby, 4 * Kp, o.zeros, 4, Kp, rows);
    const dW = o.dW >> 2, db = o.db >> 2;
    for (const g of this.gateParams) {
      if (g.w >= 0) {
        const gW = grads[g.w]!;
        for (let u = 0; u < H; u++) for (let j = 0; j < D; j++) gW[u * D + j]! += f32[dW + j * NG + g.col + u]!;
      }
      if (g.u >= 0) {
        const gU = grads[g.u]!;
        for (let u = 0; u < H; u++) for (let j = 0; j < H; j++) gU[u * H + j]! += f32[dW + (D + j) * NG + g.col + u]!;
      }
      const gb = grads[g.b]!;
      for (let u = 0; u < H; u++) gb[u]! += f32[db + g.col + u]!;
    }
    const gWy = grads[this.wyIndex]!, gby = grads[this.byIndex]!;
    for (let kk = 0; kk < K; kk++) {
      for (let u = 0; u < H; u++) gWy[kk * H + u]! += f32[(o.dWyT >> 2) + u * Kp + kk]!;
      gby[kk]! += f32[(o.dby >> 2) + kk]!;
    }
  }
}

/** Rows per block of the weight-gradient gemm: [x, h] and dA blocks of 128 rows are ~50 + 130 KB at 32 → 64 cells. */
const DW_CHUNK = 128;
const pad4 = (n: number): number => (n + 3) & ~3;
const pad8 = (n: number): number => (n + 7) & ~7;
