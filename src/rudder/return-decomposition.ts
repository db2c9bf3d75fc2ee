import { Adam, clipScale } from '../agents/adam.ts';
import { Lstm, type LstmConfig } from './lstm.ts';
import { LstmBatch } from './lstm-batch.ts';

/** What the model trains on: one episode's encoded inputs [length, inputDim] and its return. */
export interface EpisodeSample {
  inputs: Float32Array;
  length: number;
  ret: number;
}

export interface DecompositionConfig {
  /** Weight of the auxiliary loss (predict G at every step); 0.5 in the demo and the tutorial. */
  auxWeight: number;
  /** Returns are divided by this before the LSTM sees them (the demo's 10), and redistributed rewards multiplied back. */
  returnScale: number;
  learningRate: number;
  /** L2 weight decay added to the weight gradients (the demo's 1e-6). */
  l2: number;
  /** Global gradient-norm clip (the Atari code's 0.5); 0 turns it off. */
  maxGradNorm: number;
}

/** The watch-repair demo's settings (rudder.md §1.8). */
export const DEMO_DECOMPOSITION: DecompositionConfig = { auxWeight: 0.5, returnScale: 10, learningRate: 1e-2, l2: 1e-6, maxGradNorm: 0 };

export interface Losses {
  /** (ŷ_{T−1} − G)², in scaled return units. */
  main: number;
  /** mean_t (ŷ_t − G)². */
  aux: number;
  total: number;
}

/** How the part of the return the model did not predict is paid (rudder.md §1.4). */
export type Correction = 'uniform' | 'final' | 'none';

/**
 * Return decomposition (rudder.md §1.3–1.5): an LSTM trained to predict the episode's return at its last
 * step (plus, weighted, at every step), whose consecutive prediction differences are the redistributed
 * reward. Losses are true MSEs (the tutorial's (mean error)² is a bug the spec warns about).
 */
export class ReturnDecomposition {
  readonly lstm: Lstm;
  readonly cfg: DecompositionConfig;
  readonly adam: Adam;
  private readonly grads: Float32Array[];
  private readonly decay: boolean[]; // which parameters get L2 (weights, not biases)
  private y = new Float32Array(0);
  private dy = new Float32Array(0);
  private batchPass: LstmBatch | null = null;
  /**
   * Adam steps skipped because the gradient was not finite. Without a forget gate the cell state is not
   * bounded, and backpropagation through a sequence of ~1,000 steps can overflow float32; clipping cannot
   * mend an infinite norm (its scale is 0, and 0·∞ is NaN in every weight), so the step is dropped.
   */
  skippedSteps = 0;

  constructor(lstm: Lstm | LstmConfig, cfg: Partial<DecompositionConfig> = {}) {
    this.lstm = lstm instanceof Lstm ? lstm : new Lstm(lstm);
    this.cfg = { ...DEMO_DECOMPOSITION, ...cfg };
    this.adam = new Adam(this.lstm.params(), this.cfg.learningRate, 0.9, 0.999, 1e-8);
    this.grads = this.lstm.params().map((p) => new Float32Array(p.length));
    this.decay = this.lstm.paramNames().map((n) => !n.startsWith('b_'));
  }

  private ensure(T: number): void {
    const K = this.lstm.outputs;
    if (this.y.length < T * K) {
      this.y = new Float32Array(2 * T * K);
      this.dy = new Float32Array(2 * T * K);
    }
  }

  /**
   * Losses of one episode; with `grads`, also adds their gradients (scaled by `weight`); with `predictions`,
   * writes ŷ_t in return units [T] from the same forward pass.
   */
  loss(ep: EpisodeSample, grads?: Float32Array[], weight = 1, predictions?: Float32Array): Losses {
    const T = ep.length, K = this.lstm.outputs;
    if (T < 1) throw new RangeError('ReturnDecomposition: an episode needs at least one step');
    this.ensure(T);
    const { y, dy } = this;
    this.lstm.forward(ep.inputs, T, y);
    if (predictions) for (let t = 0; t < T; t++) predictions[t] = y[t * K]! * this.cfg.returnScale;
    const g = ep.ret / this.cfg.returnScale, a = this.cfg.auxWeight;
    const eT = y[(T - 1) * K]! - g;
    let aux = 0;
    for (let t = 0; t < T; t++) aux += (y[t * K]! - g) ** 2;
    aux /= T;
    if (grads) {
      dy.fill(0, 0, T * K);
      for (let t = 0; t < T; t++) dy[t * K] = (weight * a * 2 * (y[t * K]! - g)) / T;
      dy[(T - 1) * K]! += weight * 2 * eT;
      this.lstm.backward(dy, grads);
    }
    return { main: eT * eT, aux, total: eT * eT + a * aux };
  }

  /**
   * {@link loss} of every episode of `batch`, run together on {@link LstmBatch}: adds their summed losses into
   * `sum` and the gradient of their mean into this.grads (the same as the episode-by-episode loop, to float32 rounding).
   */
  private batchLoss(batch: readonly EpisodeSample[], sum: Losses, predictions?: Float32Array): void {
    const pass = (this.batchPass ??= new LstmBatch(this.lstm));
    const B = batch.length, a = this.cfg.auxWeight, w = 1 / B;
    pass.forward(batch.map((ep) => ep.inputs), batch.map((ep) => ep.length));
    const y = pass.out, dy = pass.dOut;
    for (let b = 0; b < B; b++) {
      const ep = batch[b]!, T = ep.length, g = ep.ret / this.cfg.returnScale;
      let aux = 0;
      for (let t = 0; t < T; t++) {
        const at = pass.index(b, t), e = y[at]! - g;
        if (predictions && b === 0) predictions[t] = y[at]! * this.cfg.returnScale;
        aux += e * e;
        dy[at] = (w * a * 2 * e) / T;
      }
      const last = pass.index(b, T - 1), eT = y[last]! - g;
      dy[last]! += w * 2 * eT;
      aux /= T;
      sum.main += eT * eT;
      sum.aux += aux;
      sum.total += eT * eT + a * aux;
    }
    pass.backward(this.grads);
  }

  /** One Adam step on the mean loss of `batch`; returns the batch's mean losses (before the step). */
  trainBatch(batch: readonly EpisodeSample[]): Losses {
    if (batch.length === 0) throw new RangeError('ReturnDecomposition.trainBatch: empty batch');
    for (const g of this.grads) g.fill(0);
    const sum: Losses = { main: 0, aux: 0, total: 0 };
    this.batchLoss(batch, sum);
    this.applyGradients();
    return { main: sum.main / batch.length, aux: sum.aux / batch.length, total: sum.total / batch.length };
  }

  /**
   * One Adam step on one episode, with its predictions ŷ_t (return units, before the step) written into
   * `predictions` [T] from the same forward pass: what RUDDER needs of a finished episode, for the price of
   * one forward and one backward pass (on {@link LstmBatch}, ~17× the per-episode loop's speed at one
   * sequence). Returns its losses before the step.
   */
  trainEpisode(ep: EpisodeSample, predictions: Float32Array): Losses {
    if (predictions.length < ep.length) throw new RangeError(`ReturnDecomposition.trainEpisode: predictions has room for ${predictions.length} values, the episode has ${ep.length} steps`);
    for (const g of this.grads) g.fill(0);
    const l: Losses = { main: 0, aux: 0, total: 0 };
    this.batchLoss([ep], l, predictions);
    this.applyGradients();
    return l;
  }

  /** L2 on the weights, the global-norm clip, then Adam, with the gradients in `this.grads`. */
  private applyGradients(): void {
    const params = this.lstm.params();
    if (this.cfg.l2 > 0) {
      params.forEach((p, k) => {
        if (!this.decay[k]) return;
        const g = this.grads[k]!;
        for (let i = 0; i < p.length; i++) g[i]! += this.cfg.l2 * p[i]!;
      });
    }
    const { scale, norm } = clipScale(this.grads, this.cfg.maxGradNorm > 0 ? this.cfg.maxGradNorm : Infinity);
    if (!Number.isFinite(norm)) {
      this.skippedSteps++;
      return;
    }
    this.adam.update(this.grads, scale);
  }

  /**
   * Change the units of the targets (G / returnScale). Predictions are multiplied by it, so change it only
   * while the model has learned nothing but zero returns, when every target is 0 at any scale.
   */
  setReturnScale(scale: number): void {
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`ReturnDecomposition: returnScale must be a positive number, got ${scale}`);
    this.cfg.returnScale = scale;
  }

  /**
   * Move to new target units, keeping every prediction in return units as it is: the head (W_y, b_y) is
   * multiplied by k = old/new scale, and Adam's moments by the factors the gradients change by (head: m·k,
   * v·k²; the rest: m·k², v·k⁴). The LSTM's next Adam step is then the one the old units would have
   * taken; the head's is Adam's usual step in its new units (Adam is not equivariant to a parameter's
   * scale), as if it had been trained in them. Returns k; losses in target units change by k².
   */
  rescaleReturns(scale: number): number {
    if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`ReturnDecomposition: returnScale must be a positive number, got ${scale}`);
    const k = this.cfg.returnScale / scale, k2 = k * k;
    const names = this.lstm.paramNames(), P = this.lstm.params();
    names.forEach((name, i) => {
      const head = name === 'W_y' || name === 'b_y';
      const p = P[i]!, m = this.adam.m[i]!, v = this.adam.v[i]!, fm = head ? k : k2, fv = head ? k2 : k2 * k2;
      for (let j = 0; j < p.length; j++) {
        if (head) p[j]! *= k;
        m[j]! *= fm;
        v[j]! *= fv;
      }
    });
    this.cfg.returnScale = scale;
    return k;
  }

  /** The predicted return after each step, ŷ_t in return units, into `out` [T]. */
  predict(ep: Pick<EpisodeSample, 'inputs' | 'length'>, out: Float32Array = new Float32Array(ep.length)): Float32Array {
    const T = ep.length, K = this.lstm.outputs;
    this.ensure(T);
    this.lstm.forward(ep.inputs, T, this.y);
    for (let t = 0; t < T; t++) out[t] = this.y[t * K]! * this.cfg.returnScale;
    return out;
  }

  /**
   * Redistributed reward of a finished episode into `out` [T]: r_0 = ŷ_0, r_t = ŷ_t − ŷ_{t−1}, so Σr = ŷ_{T−1};
   * then the unpredicted rest G − ŷ_{T−1} is spread over all steps (`uniform`, the tutorial's strict
   * return equivalence), paid at the last step (`final`, the papers' correction reward), or dropped.
   * Also returns the prediction and the trust weight q = 1 − err when the relative squared error
   * err = (G − ŷ_{T−1})² / (G² + ε) is below `maxError` (0.2, the Atari threshold), else 0.
   */
  redistribute(ep: EpisodeSample, out: Float32Array = new Float32Array(ep.length), opts: { correction?: Correction; maxError?: number; eps?: number } = {}): { predicted: number; quality: number; error: number } {
    const T = ep.length;
    this.predict(ep, out);
    const predicted = out[T - 1]!;
    for (let t = T - 1; t > 0; t--) out[t] = out[t]! - out[t - 1]!;
    const rest = ep.ret - predicted;
    const correction = opts.correction ?? 'uniform';
    if (correction === 'uniform') for (let t = 0; t < T; t++) out[t]! += rest / T;
    else if (correction === 'final') out[T - 1]! += rest;
    const error = (rest * rest) / (ep.ret * ep.ret + (opts.eps ?? 1e-5));
    const quality = error < (opts.maxError ?? 0.2) ? 1 - error : 0;
    return { predicted, quality, error };
  }
}
