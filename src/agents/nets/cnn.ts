import { Rng } from '../../envs/core/rng.ts';
import type { DenseParams } from './mlp.ts';
import { orthogonal } from './orthogonal.ts';

/** Side of every convolution's square kernel. Stride 1 and no padding ("valid"): see {@link Cnn}. */
export const CONV_KERNEL = 3;

/**
 * One 3×3 convolution's parameters and geometry. `w` is `[k, k, inC, outC]` row-major, tfjs's conv2d filter
 * layout, which is also the `[k·k·inC, outC]` matrix that multiplies im2col rows (column (ky·k + kx)·inC + c).
 */
export interface ConvParams {
  w: Float32Array;
  b: Float32Array; // [outC]
  k: number;
  inC: number;
  outC: number;
  inH: number;
  inW: number;
  outH: number; // inH − k + 1
  outW: number;
}

/**
 * A small CNN actor-critic for image observations `[H, W, C]` (channels-last float32; one-hot grid cells
 * need no scaling, pixels should be divided by 255 first, as CleanRL's Atari agent does):
 *
 *   conv 3×3 (channels[0]) → ReLU → … → conv 3×3 (channels[n−1]) → ReLU → flatten (NHWC order)
 *   → dense (hidden[0]) → ReLU → … → actor head (numLogits) and critic head (1), both linear.
 *
 * The torso is shared by the two heads, as in CleanRL's `ppo_atari.py` (its Nature-CNN), and ReLU is its
 * activation; the MLP policy keeps classic control's separate tanh nets. Sharing is chosen because the
 * convolutions are nearly all of the cost, so one torso halves acting and update time, and because
 * CleanRL's Atari results come from this arrangement. Orthogonal init: √2 in the torso, 0.01 on the
 * actor head, 1.0 on the critic head, zero biases (envs-ppo.md §6.1, detail 2).
 *
 * Stride 1, no padding: grid images are small (5×5 to 16×16) and walled, and a "valid" 3×3 window over
 * every cell keeps all of the input while shrinking the flatten (8×8 → 6×6 → 4×4·32 = 512 features).
 *
 * This class holds the parameters (the master copies the optimizer updates) and the shapes; the
 * arithmetic is in ../kernels/cnn-pass.ts.
 */
export class Cnn {
  readonly convs: ConvParams[] = [];
  readonly dense: DenseParams[] = [];
  readonly actorHead: DenseParams;
  readonly criticHead: DenseParams;
  /** Positions × channels after the last convolution: the flatten's width. */
  readonly flatDim: number;

  constructor(readonly inputShape: readonly number[], readonly channels: readonly number[], readonly hidden: readonly number[], readonly numLogits: number, rng: Rng) {
    if (inputShape.length !== 3 || inputShape.some((s) => !Number.isInteger(s) || s < 1)) {
      throw new RangeError(`Cnn: the input must be an image [H, W, C] of positive integers, got [${inputShape.join(', ')}]`);
    }
    if (channels.length === 0) throw new RangeError('Cnn: at least one convolution is needed');
    let [h, w, c] = inputShape as [number, number, number];
    const k = CONV_KERNEL;
    if (h - channels.length * (k - 1) < 1 || w - channels.length * (k - 1) < 1) {
      throw new RangeError(`Cnn: an image of ${h}×${w} is too small for ${channels.length} unpadded ${k}×${k} convolutions (each takes ${k - 1} rows and columns off; at least ${1 + channels.length * (k - 1)}×${1 + channels.length * (k - 1)} needed)`);
    }
    for (const outC of channels) {
      const fanIn = k * k * c;
      this.convs.push({ w: orthogonal(fanIn, outC, Math.SQRT2, rng), b: new Float32Array(outC), k, inC: c, outC, inH: h, inW: w, outH: h - k + 1, outW: w - k + 1 });
      h -= k - 1;
      w -= k - 1;
      c = outC;
    }
    this.flatDim = h * w * c;
    let inDim = this.flatDim;
    for (const width of hidden) {
      this.dense.push({ w: orthogonal(inDim, width, Math.SQRT2, rng), b: new Float32Array(width), inDim, outDim: width });
      inDim = width;
    }
    this.actorHead = { w: orthogonal(inDim, numLogits, 0.01, rng), b: new Float32Array(numLogits), inDim, outDim: numLogits };
    this.criticHead = { w: orthogonal(inDim, 1, 1.0, rng), b: new Float32Array(1), inDim, outDim: 1 };
  }

  /** Observation size, H·W·C. */
  get inputSize(): number {
    return this.inputShape[0]! * this.inputShape[1]! * this.inputShape[2]!;
  }

  /** Convolutions, dense layers, actor head, critic head: (W, b) each. */
  params(): Float32Array[] {
    return [...this.convs, ...this.dense, this.actorHead, this.criticHead].flatMap((l) => [l.w, l.b]);
  }

  /** Shapes matching `params()`; convolution kernels as tfjs's `[k, k, inC, outC]`. */
  paramShapes(): number[][] {
    return [
      ...this.convs.flatMap((l) => [[l.k, l.k, l.inC, l.outC], [l.outC]]),
      ...[...this.dense, this.actorHead, this.criticHead].flatMap((l) => [[l.inDim, l.outDim], [l.outDim]]),
    ];
  }
}
