import { Rng } from '../../envs/core/rng.ts';
import { denseForward } from '../kernels/dense.ts';
import { orthogonal } from './orthogonal.ts';

/** One dense layer's parameters: W [inDim, outDim] row-major, b [outDim]. */
export interface DenseParams {
  w: Float32Array;
  b: Float32Array;
  inDim: number;
  outDim: number;
}

/**
 * A tanh MLP `inDim → hidden… → outDim` (linear output), CleanRL's actor/critic body.
 * The parameters live in Float32Arrays: the master copy the optimizer updates and acting reads.
 */
export class Mlp {
  readonly layers: DenseParams[];
  // Acting scratch: activations of each layer for up to `scratchRows` rows.
  private scratch: Float32Array[] = [];
  private scratchRows = 0;

  constructor(readonly inDim: number, readonly hidden: readonly number[], readonly outDim: number, headGain: number, rng: Rng) {
    const dims = [inDim, ...hidden, outDim];
    this.layers = [];
    for (let l = 0; l + 1 < dims.length; l++) {
      const gain = l + 2 === dims.length ? headGain : Math.SQRT2;
      this.layers.push({ w: orthogonal(dims[l]!, dims[l + 1]!, gain, rng), b: new Float32Array(dims[l + 1]!), inDim: dims[l]!, outDim: dims[l + 1]! });
    }
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
   * Plain-JS forward pass for acting: x [rows, inDim] → returns a view [rows, outDim] into scratch
   * (valid until the next call). No tfjs: at acting batch sizes the per-kernel overhead would dominate.
   */
  forward(x: Float32Array, rows: number): Float32Array {
    if (rows > this.scratchRows) {
      this.scratch = this.layers.map((l) => new Float32Array(rows * l.outDim));
      this.scratchRows = rows;
    }
    let input = x;
    for (let li = 0; li < this.layers.length; li++) {
      const { w, b, inDim, outDim } = this.layers[li]!;
      denseForward(input, w, b, this.scratch[li]!, rows, inDim, outDim, li < this.layers.length - 1);
      input = this.scratch[li]!;
    }
    return input.subarray(0, rows * this.outDim);
  }
}
