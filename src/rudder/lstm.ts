import { Rng } from '../envs/core/rng.ts';

/**
 * RUDDER's return-decomposition LSTM (rudder.md §1.2), forward and backward through time on typed arrays.
 *
 * The canonical form has no forget gate and no output gate, an identity cell activation and a linear
 * output layer, so the cell can count reward pieces:
 *
 *   z_t = tanh(W_z x_t + b_z)          cell input: forward inputs only
 *   i_t = σ(U_i h_{t−1} + b_i)         input gate: recurrent inputs only
 *   c_t = c_{t−1} + i_t ⊙ z_t,  h_t = c_t,  ŷ_t = W_y h_t + b_y
 *
 * Capacity is added in the tutorial's order: an output gate (h_t = o_t ⊙ c_t), a forget gate
 * (c_t = f_t ⊙ c_{t−1} + …), then `fullyConnected` (every gate sees both x_t and h_{t−1}).
 * Hand-written BPTT rather than tfjs autodiff: tfjs-core's Node build registers no gradients, and one op per
 * gate per step would cost ~100 µs × T where this loop costs a few µs.
 */
export interface LstmConfig {
  inputDim: number;
  units: number;
  /** Linear output units (1: the return prediction; more for auxiliary heads). */
  outputs?: number;
  outputGate?: boolean;
  forgetGate?: boolean;
  fullyConnected?: boolean;
  /**
   * Bias init: `demo` (the watch-repair demo: b_z ~ N(0, 1), b_i ~ N(−3, 1)) or `atari` (the Atari configs:
   * b_z = 0, b_i = −5), which keeps a long episode's mostly-zero Δ inputs from adding a drift at every step.
   * Forget and output gates always start at +12 and −5 (the Atari configs). Weights are N(0, 0.1).
   */
  init?: 'demo' | 'atari';
  seed?: number;
  /**
   * Backward only: clip the gradient carried back through the recurrent weights, dL/dh_{t−1}, to
   * [−c, c] elementwise at every step (0: off, the default). Without a forget gate nothing bounds the cell,
   * and through ~1,000 steps that gradient can grow geometrically until float32 overflows.
   */
  recurrentGradClip?: number;
}

type Gate = 'z' | 'i' | 'f' | 'o';

/** An LSTM's state between steps: the cell c and output h [H], and whether no step has run yet. */
export interface LstmState {
  c: Float32Array;
  h: Float32Array;
  fresh: boolean;
}

export function newLstmState(units: number): LstmState {
  return { c: new Float32Array(units), h: new Float32Array(units), fresh: true };
}

/** One gate's parameters: input weights [H, D] and recurrent weights [H, H] where connected, bias [H]. */
interface GateParams { W: Float32Array | null; U: Float32Array | null; b: Float32Array }

export class Lstm {
  readonly inputDim: number;
  readonly units: number;
  readonly outputs: number;
  /** See {@link LstmConfig.recurrentGradClip}. */
  readonly recurrentGradClip: number;
  readonly gates: readonly Gate[];
  private readonly g: Record<Gate, GateParams | null>;
  readonly Wy: Float32Array; // [K, H]
  readonly by: Float32Array; // [K]
  private readonly paramList: Float32Array[];
  private readonly names: string[];
  private readonly shapes: number[][];
  // Activations of the last forward pass, [T, H] each (grown as needed).
  private cap = 0;
  private T = 0;
  private x: Float32Array = new Float32Array(0);
  // The nonzero entries of each x_t (Δ-state inputs are mostly zeros): indices nz[nzStart[t] .. nzStart[t+1]).
  private nz = new Int32Array(0);
  private nzStart = new Int32Array(1);
  private act: Record<Gate, Float32Array> = { z: new Float32Array(0), i: new Float32Array(0), f: new Float32Array(0), o: new Float32Array(0) };
  private c = new Float32Array(0);
  private h = new Float32Array(0);
  // Backward scratch, [H] each.
  private readonly dh: Float64Array;
  private readonly dhRec: Float64Array;
  private readonly dcNext: Float64Array;
  private readonly da: Record<Gate, Float64Array>;
  // run() scratch: h_{t−1} [H] and the nonzero input indices [D].
  private readonly runH: Float32Array;
  private readonly runNz: Int32Array;

  constructor(cfg: LstmConfig) {
    const D = (this.inputDim = cfg.inputDim), H = (this.units = cfg.units), K = (this.outputs = cfg.outputs ?? 1);
    if (!(D >= 1 && H >= 1 && K >= 1) || ![D, H, K].every(Number.isInteger)) throw new RangeError(`Lstm: inputDim, units and outputs must be positive integers, got ${D}, ${H}, ${K}`);
    this.recurrentGradClip = cfg.recurrentGradClip ?? 0;
    if (!(this.recurrentGradClip >= 0)) throw new RangeError(`Lstm: recurrentGradClip must be ≥ 0 (0: off), got ${cfg.recurrentGradClip}`);
    const rng = new Rng(cfg.seed ?? 0);
    const normal = (n: number, mean: number, std: number): Float32Array => Float32Array.from({ length: n }, () => mean + std * rng.normal());
    const full = cfg.fullyConnected ?? false;
    const make = (forward: boolean, recurrent: boolean, biasMean: number, biasStd: number): GateParams => ({
      W: forward ? normal(H * D, 0, 0.1) : null, U: recurrent ? normal(H * H, 0, 0.1) : null, b: normal(H, biasMean, biasStd),
    });
    const atari = cfg.init === 'atari';
    this.g = {
      z: make(true, full, 0, atari ? 0 : 1),
      i: make(full, true, atari ? -5 : -3, atari ? 0 : 1),
      f: cfg.forgetGate ? make(full, true, 12, 0) : null,
      o: cfg.outputGate ? make(full, true, -5, 0) : null,
    };
    this.gates = (['z', 'i', 'f', 'o'] as const).filter((k) => this.g[k] !== null);
    this.Wy = normal(K * H, 0, 0.1);
    this.by = new Float32Array(K);
    this.paramList = [];
    this.names = [];
    this.shapes = [];
    for (const k of this.gates) {
      const p = this.g[k]!;
      if (p.W) this.push(`W_${k}`, p.W, [H, D]);
      if (p.U) this.push(`U_${k}`, p.U, [H, H]);
      this.push(`b_${k}`, p.b, [H]);
    }
    this.push('W_y', this.Wy, [K, H]);
    this.push('b_y', this.by, [K]);
    this.dh = new Float64Array(H);
    this.dhRec = new Float64Array(H);
    this.dcNext = new Float64Array(H);
    this.da = { z: new Float64Array(H), i: new Float64Array(H), f: new Float64Array(H), o: new Float64Array(H) };
    this.runH = new Float32Array(H);
    this.runNz = new Int32Array(D);
  }

  private push(name: string, p: Float32Array, shape: number[]): void {
    this.paramList.push(p);
    this.names.push(name);
    this.shapes.push(shape);
  }

  /** The parameter arrays (live: an optimiser updates them in place), with their names and shapes. */
  params(): Float32Array[] {
    return this.paramList;
  }
  paramNames(): string[] {
    return [...this.names];
  }
  paramShapes(): number[][] {
    return this.shapes.map((s) => [...s]);
  }

  private ensure(T: number): void {
    if (T <= this.cap) return;
    const cap = Math.max(T, 2 * this.cap), H = this.units;
    this.cap = cap;
    this.x = new Float32Array(cap * this.inputDim);
    this.nz = new Int32Array(cap * this.inputDim);
    this.nzStart = new Int32Array(cap + 1);
    this.act = { z: new Float32Array(cap * H), i: new Float32Array(cap * H), f: new Float32Array(cap * H), o: new Float32Array(cap * H) };
    this.c = new Float32Array(cap * H);
    this.h = new Float32Array(cap * H);
  }

  /**
   * Run the sequence `x` [T, D] from a zero state; writes the predictions ŷ [T, K] into `y` and keeps the
   * activations for {@link backward}.
   */
  forward(x: Float32Array, T: number, y: Float32Array): void {
    const D = this.inputDim, H = this.units, K = this.outputs;
    if (x.length < T * D) throw new RangeError(`Lstm.forward: x has ${x.length} values, ${T} steps of ${D} need ${T * D}`);
    if (y.length < T * K) throw new RangeError(`Lstm.forward: y has room for ${y.length} values, ${T} steps of ${K} outputs need ${T * K}`);
    this.ensure(T);
    this.T = T;
    this.x.set(x.subarray(0, T * D));
    const nz = this.nz, nzStart = this.nzStart;
    let q = 0;
    for (let t = 0; t < T; t++) {
      nzStart[t] = q;
      for (let j = 0, o = t * D; j < D; j++) if (x[o + j] !== 0) nz[q++] = j;
    }
    nzStart[T] = q;
    const { z: gz, i: gi, f: gf, o: go } = this.g;
    const { z: az, i: ai, f: af, o: ao } = this.act;
    const c = this.c, h = this.h, Wy = this.Wy, by = this.by;
    for (let t = 0; t < T; t++) {
      const xo = t * D, ho = t * H, po = ho - H; // po: the previous step's row (t > 0)
      const q0 = nzStart[t]!, q1 = nzStart[t + 1]!;
      for (let u = 0; u < H; u++) {
        const zi = Math.tanh(pre(gz!, u, x, xo, nz, q0, q1, h, po, t, D, H));
        const ii = sigmoid(pre(gi!, u, x, xo, nz, q0, q1, h, po, t, D, H));
        const fi = gf ? sigmoid(pre(gf, u, x, xo, nz, q0, q1, h, po, t, D, H)) : 1;
        const oi = go ? sigmoid(pre(go, u, x, xo, nz, q0, q1, h, po, t, D, H)) : 1;
        const cPrev = t > 0 ? c[po + u]! : 0;
        const ci = fi * cPrev + ii * zi;
        az[ho + u] = zi;
        ai[ho + u] = ii;
        af[ho + u] = fi;
        ao[ho + u] = oi;
        c[ho + u] = ci;
        h[ho + u] = oi * ci;
      }
      for (let k = 0; k < K; k++) {
        let s = by[k]!;
        const wo = k * H;
        for (let u = 0; u < H; u++) s += Wy[wo + u]! * h[ho + u]!;
        y[t * K + k] = s;
      }
    }
  }

  /**
   * Inference from a carried state: run `x` [T, D] starting from `state` (c and h of the step before,
   * [H] each; zeros for a new sequence), write ŷ [T, K] into `y`, and leave the state after the last step
   * in `state`. Keeps no activations, so a long episode's prefix can be continued rollout by rollout
   * without re-running it. Allocation-free.
   */
  run(x: Float32Array, T: number, y: Float32Array, state: LstmState): void {
    const D = this.inputDim, H = this.units, K = this.outputs;
    if (x.length < T * D) throw new RangeError(`Lstm.run: x has ${x.length} values, ${T} steps of ${D} need ${T * D}`);
    if (y.length < T * K) throw new RangeError(`Lstm.run: y has room for ${y.length} values, ${T} steps of ${K} outputs need ${T * K}`);
    if (state.c.length !== H || state.h.length !== H) throw new RangeError(`Lstm.run: the state must hold ${H} values in c and h`);
    const { z: gz, i: gi, f: gf, o: go } = this.g;
    // Own scratch, so that a run between forward and backward leaves the kept activations alone.
    const c = state.c, h = state.h, hPrev = this.runH, nz = this.runNz, Wy = this.Wy, by = this.by;
    for (let t = 0; t < T; t++) {
      const xo = t * D;
      let q1 = 0;
      for (let j = 0; j < D; j++) if (x[xo + j] !== 0) nz[q1++] = j;
      hPrev.set(h);
      const first = state.fresh ? 0 : 1; // pre() skips the recurrent term at t = 0
      for (let u = 0; u < H; u++) {
        const zi = Math.tanh(pre(gz!, u, x, xo, nz, 0, q1, hPrev, 0, first, D, H));
        const ii = sigmoid(pre(gi!, u, x, xo, nz, 0, q1, hPrev, 0, first, D, H));
        const fi = gf ? sigmoid(pre(gf, u, x, xo, nz, 0, q1, hPrev, 0, first, D, H)) : 1;
        const oi = go ? sigmoid(pre(go, u, x, xo, nz, 0, q1, hPrev, 0, first, D, H)) : 1;
        c[u] = fi * (state.fresh ? 0 : c[u]!) + ii * zi;
        h[u] = oi * c[u]!;
      }
      state.fresh = false;
      for (let k = 0; k < K; k++) {
        let s = by[k]!;
        const wo = k * H;
        for (let u = 0; u < H; u++) s += Wy[wo + u]! * h[u]!;
        y[t * K + k] = s;
      }
    }
  }

  /**
   * Backpropagate dL/dŷ `dy` [T, K] through the last forward pass; adds the parameter gradients into `grads`
   * (the layout of {@link params}).
   */
  backward(dy: Float32Array, grads: Float32Array[]): void {
    const T = this.T, D = this.inputDim, H = this.units, K = this.outputs;
    const x = this.x, c = this.c, h = this.h, Wy = this.Wy, nz = this.nz, nzStart = this.nzStart;
    const { z: az, i: ai, f: af, o: ao } = this.act;
    const { dh, dhRec, dcNext, da } = this;
    dhRec.fill(0);
    dcNext.fill(0);
    // Gradient arrays in params() order.
    let gi = 0;
    const gGrads = {} as Record<Gate, { W: Float32Array | null; U: Float32Array | null; b: Float32Array }>;
    for (const k of this.gates) {
      const p = this.g[k]!;
      gGrads[k] = { W: p.W ? grads[gi++]! : null, U: p.U ? grads[gi++]! : null, b: grads[gi++]! };
    }
    const gWy = grads[gi++]!, gby = grads[gi++]!;
    const hasF = this.g.f !== null, hasO = this.g.o !== null;
    for (let t = T - 1; t >= 0; t--) {
      const ho = t * H, po = ho - H, xo = t * D, q0 = nzStart[t]!, q1 = nzStart[t + 1]!;
      for (let u = 0; u < H; u++) dh[u] = dhRec[u]!;
      for (let k = 0; k < K; k++) {
        const d = dy[t * K + k]!;
        if (d === 0) continue;
        gby[k]! += d;
        const wo = k * H;
        for (let u = 0; u < H; u++) {
          dh[u]! += Wy[wo + u]! * d;
          gWy[wo + u]! += d * h[ho + u]!;
        }
      }
      for (let u = 0; u < H; u++) {
        const zi = az[ho + u]!, ii = ai[ho + u]!, fi = af[ho + u]!, oi = ao[ho + u]!, ci = c[ho + u]!;
        const cPrev = t > 0 ? c[po + u]! : 0;
        const dc = dh[u]! * oi + dcNext[u]!;
        da.z[u] = dc * ii * (1 - zi * zi);
        da.i[u] = dc * zi * ii * (1 - ii);
        if (hasF) da.f[u] = dc * cPrev * fi * (1 - fi);
        if (hasO) da.o[u] = dh[u]! * ci * oi * (1 - oi);
        dcNext[u] = dc * fi;
      }
      dhRec.fill(0);
      for (const k of this.gates) {
        const p = this.g[k]!, gg = gGrads[k], d = da[k];
        for (let u = 0; u < H; u++) {
          const du = d[u]!;
          if (du === 0) continue;
          gg.b[u]! += du;
          if (p.W) {
            const wo = u * D, gW = gg.W!;
            for (let q = q0; q < q1; q++) {
              const j = nz[q]!;
              gW[wo + j]! += du * x[xo + j]!;
            }
          }
          if (p.U && t > 0) {
            const uo = u * H, gU = gg.U!, U = p.U;
            for (let j = 0; j < H; j++) {
              gU[uo + j]! += du * h[po + j]!;
              dhRec[j]! += U[uo + j]! * du;
            }
          }
        }
      }
      const clip = this.recurrentGradClip;
      if (clip > 0) for (let j = 0; j < H; j++) dhRec[j] = Math.min(clip, Math.max(-clip, dhRec[j]!));
    }
  }
}

/** A gate's pre-activation for unit u at step t: b + W·x_t + U·h_{t−1} (h_{−1} = 0). */
function pre(
  p: GateParams, u: number, x: Float32Array, xo: number, nz: Int32Array, q0: number, q1: number, h: Float32Array, po: number, t: number, D: number, H: number,
): number {
  let s = p.b[u]!;
  if (p.W) {
    const W = p.W, wo = u * D;
    for (let q = q0; q < q1; q++) {
      const j = nz[q]!;
      s += W[wo + j]! * x[xo + j]!;
    }
  }
  if (p.U && t > 0) {
    const U = p.U, uo = u * H;
    for (let j = 0; j < H; j++) s += U[uo + j]! * h[po + j]!;
  }
  return s;
}

function sigmoid(a: number): number {
  return 1 / (1 + Math.exp(-a));
}
