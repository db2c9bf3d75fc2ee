import { assertShape, shapeSize } from '../spaces/space.ts';

/** `RunningMeanStd.getState()`: plain numbers, safe for `JSON.stringify`. */
export interface RunningMeanStdState {
  shape: number[];
  mean: number[];
  var: number[];
  count: number;
}

/**
 * Running per-entry mean and (population) variance of a stream of samples of one shape, as Gymnasium's
 * RunningMeanStd: mean starts at 0, var at 1 and count at `epsilon`, so the first samples are blended
 * with that prior.
 *
 * Updates use the parallel-variance formula of Chan, Golub & LeVeque (1979): merging a batch with
 * mean m_b, variance v_b and count n_b into (m, v, n) gives, with δ = m_b − m and N = n + n_b,
 *   m' = m + δ·n_b/N,   v' = (v·n + v_b·n_b + δ²·n·n_b/N) / N,   n' = N.
 * So one update with a batch equals updates with its samples one at a time (up to rounding).
 */
export class RunningMeanStd {
  readonly shape: readonly number[];
  /** Entries per sample: prod(shape). */
  readonly size: number;
  readonly mean: Float64Array; // [size]
  readonly var: Float64Array; // [size]
  count: number;
  private readonly batchMean: Float64Array; // scratch for `update`
  private readonly batchVar: Float64Array;

  /**
   * @param shape a sample's shape; a number n means [n]; default [] (a scalar, size 1)
   * @param epsilon the initial count (> 0), so that the variance is defined before any update
   */
  constructor(shape: number | readonly number[] = [], epsilon = 1e-4) {
    this.shape = typeof shape === 'number' ? [shape] : [...shape];
    assertShape(this.shape, 'RunningMeanStd');
    if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`RunningMeanStd: epsilon must be a finite number > 0, got ${String(epsilon)}`);
    this.size = shapeSize(this.shape);
    this.mean = new Float64Array(this.size);
    this.var = new Float64Array(this.size).fill(1);
    this.count = epsilon;
    this.batchMean = new Float64Array(this.size);
    this.batchVar = new Float64Array(this.size);
  }

  /** Update with a batch of samples laid out row-major: `batch.length = rows * size` (`[rows, ...shape]`). */
  update(batch: ArrayLike<number>): void {
    const d = this.size;
    if (batch.length % d !== 0) {
      throw new RangeError(`RunningMeanStd.update: batch length ${batch.length} is not a multiple of the sample size ${d} (shape [${this.shape.join(', ')}])`);
    }
    const rows = batch.length / d;
    if (rows === 0) return;
    const m = this.batchMean, v = this.batchVar;
    // Two passes per entry: the mean, then the mean squared deviation (numpy's var, ddof = 0).
    m.fill(0);
    v.fill(0);
    for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) m[i]! += batch[r * d + i]!;
    for (let i = 0; i < d; i++) m[i]! /= rows;
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < d; i++) {
        const e = batch[r * d + i]! - m[i]!;
        v[i]! += e * e;
      }
    }
    for (let i = 0; i < d; i++) v[i]! /= rows;
    this.updateFromMoments(m, v, rows);
  }

  /** Update with one sample of length `size`; allocation-free (the hot path of the normalising wrappers). */
  updateOne(x: ArrayLike<number>): void {
    if (x.length !== this.size) {
      throw new RangeError(`RunningMeanStd.updateOne: sample has length ${x.length}, expected ${this.size} (shape [${this.shape.join(', ')}])`);
    }
    // Chan's formula with n_b = 1 and v_b = 0.
    const n = this.count, total = n + 1;
    const mean = this.mean, variance = this.var;
    for (let i = 0; i < this.size; i++) {
      const delta = x[i]! - mean[i]!;
      mean[i]! += delta / total;
      variance[i] = (variance[i]! * n + (delta * delta * n) / total) / total;
    }
    this.count = total;
  }

  /** Merge a batch given by its per-entry mean and population variance and its count. */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    if (batchMean.length !== this.size || batchVar.length !== this.size) {
      throw new RangeError(`RunningMeanStd.updateFromMoments: mean and var must have length ${this.size}, got ${batchMean.length} and ${batchVar.length}`);
    }
    if (!(batchCount > 0)) return;
    const n = this.count, total = n + batchCount;
    const mean = this.mean, variance = this.var;
    for (let i = 0; i < this.size; i++) {
      const delta = batchMean[i]! - mean[i]!;
      mean[i]! += (delta * batchCount) / total;
      variance[i] = (variance[i]! * n + batchVar[i]! * batchCount + (delta * delta * n * batchCount) / total) / total;
    }
    this.count = total;
  }

  getState(): RunningMeanStdState {
    return { shape: [...this.shape], mean: Array.from(this.mean), var: Array.from(this.var), count: this.count };
  }

  /** Restore `getState()` output; throws a RangeError/TypeError naming the bad field, leaving this unchanged. */
  setState(state: RunningMeanStdState): void {
    const where = 'RunningMeanStd.setState';
    if (typeof state !== 'object' || state === null) throw new TypeError(`${where}: expected an object with shape, mean, var and count, got ${String(state)}`);
    const { shape, mean, var: variance, count } = state;
    const want = `[${this.shape.join(', ')}]`;
    if (!Array.isArray(shape) || shape.length !== this.shape.length || shape.some((d, i) => d !== this.shape[i])) {
      throw new RangeError(`${where}: state has shape ${Array.isArray(shape) ? `[${shape.join(', ')}]` : String(shape)}, expected ${want}`);
    }
    for (const [name, a] of [['mean', mean], ['var', variance]] as const) {
      if (!Array.isArray(a) || a.length !== this.size) {
        throw new RangeError(`${where}: ${name} must be an array of ${this.size} numbers for shape ${want}, got ${Array.isArray(a) ? `${a.length} entries` : typeof a}`);
      }
      const bad = a.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || (name === 'var' && v < 0));
      if (bad >= 0) throw new RangeError(`${where}: ${name}[${bad}] = ${String(a[bad])} is not a finite number${name === 'var' ? ' ≥ 0' : ''}`);
    }
    if (typeof count !== 'number' || !Number.isFinite(count) || count <= 0) {
      throw new RangeError(`${where}: count must be a finite number > 0, got ${String(count)}`);
    }
    this.mean.set(mean);
    this.var.set(variance);
    this.count = count;
  }
}
