/**
 * tfjs-wasm sends only plain, untransposed matmuls to XNNPACK; the transposed ones that BatchMatMul's
 * gradient asks for (dy·bᵀ, aᵀ·dy) fall back to a scalar loop 15-20× slower (backends.md §5: this alone
 * halves a PPO step on wasm). On wasm, this gradient transposes explicitly first. Same values; tfjs's own
 * gradient everywhere else (transposed or batched matmuls, other backends).
 */
import * as tf from '@tensorflow/tfjs-core';

let installed = false;

export function useExplicitTransposeMatMulGrad(): void {
  if (installed) return;
  installed = true;
  const original = tf.getGradient('BatchMatMul');
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (tf.getBackend() !== 'wasm' || transposeA || transposeB || a.rank !== 2 || b.rank !== 2) return original.gradFunc(dy, saved, attrs);
      const g = dy as tf.Tensor2D;
      return { a: () => tf.matMul(g, tf.transpose(b)), b: () => tf.matMul(tf.transpose(a), g) };
    },
  });
}
