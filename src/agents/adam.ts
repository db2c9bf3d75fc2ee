/**
 * Adam (Kingma & Ba 2015) fused over Float32Array parameters, with PyTorch's update rule (CleanRL uses
 * torch.optim.Adam, eps 1e-5): one JS loop instead of ~15 tfjs kernels per parameter tensor, and the
 * moments are plain arrays that a checkpoint saves as they are.
 */
export class Adam {
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  step = 0;

  constructor(readonly params: Float32Array[], public lr: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-5) {
    this.m = params.map((p) => new Float32Array(p.length));
    this.v = params.map((p) => new Float32Array(p.length));
  }

  /** Apply one update with `grads` (same layout as params), after scaling them by `gradScale`. */
  update(grads: readonly Float32Array[], gradScale = 1): void {
    this.step++;
    const { beta1: b1, beta2: b2, eps } = this;
    const bc1 = 1 - b1 ** this.step, bc2 = 1 - b2 ** this.step;
    const stepSize = this.lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (let t = 0; t < this.params.length; t++) {
      const p = this.params[t]!, g = grads[t]!, m = this.m[t]!, v = this.v[t]!;
      if (g.length !== p.length) throw new RangeError(`Adam: gradient ${t} has ${g.length} entries, parameter has ${p.length}`);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * gradScale;
        const mi = (m[i] = b1 * m[i]! + (1 - b1) * gi);
        const vi = (v[i] = b2 * v[i]! + (1 - b2) * gi * gi);
        p[i]! -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
      }
    }
  }
}

/** The scale that clips the global L2 norm of `grads` to `maxNorm` (1 when already within), and the norm. */
export function clipScale(grads: readonly Float32Array[], maxNorm: number): { scale: number; norm: number } {
  let sq = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
  const norm = Math.sqrt(sq);
  // torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6), applied when < 1.
  const coef = maxNorm / (norm + 1e-6);
  return { scale: coef < 1 ? coef : 1, norm };
}
