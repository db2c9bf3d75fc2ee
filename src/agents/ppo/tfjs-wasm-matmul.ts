/**
 * tfjs-wasm sends only plain, untransposed matmuls to XNNPACK; a transposed one (`transposeA`/`transposeB`,
 * as every matmul gradient asks: dy·bᵀ, aᵀ·dy) falls back to a scalar loop 15-20× slower (backends.md §5).
 * Patching BatchMatMul's gradient is not enough: tfjs's fused matmul (what a Dense layer runs) has its own
 * gradient that calls transposed matmuls directly, and at 1024 hidden units those took 95% of a PPO update.
 * So the wasm BatchMatMul kernel itself is wrapped: a transposed operand is transposed explicitly first (the
 * wasm Transpose kernel), then the plain kernel runs. Same values; other backends are untouched.
 */
import * as tf from '@tensorflow/tfjs-core';

let installed = false;

interface MatMulArgs {
  inputs: { a: tf.TensorInfo; b: tf.TensorInfo };
  attrs: { transposeA: boolean; transposeB: boolean };
  backend: { disposeData(dataId: object): boolean };
}

/** Wraps the wasm backend's BatchMatMul (once, when that backend is loaded; a no-op otherwise). */
export function useExplicitTransposeMatMulOnWasm(): void {
  if (installed) return;
  const original = tf.getKernel('BatchMatMul', 'wasm'), transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return; // the wasm backend is not loaded: nothing to patch (yet)
  installed = true;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args as unknown as MatMulArgs;
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      // Swap the last two axes: [..., r, c] → [..., c, r].
      const t = (x: tf.TensorInfo): tf.TensorInfo => {
        const n = x.shape.length, perm = x.shape.map((_, i) => (i === n - 2 ? n - 1 : i === n - 1 ? n - 2 : i));
        return transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const a = attrs.transposeA ? t(inputs.a) : inputs.a, b = attrs.transposeB ? t(inputs.b) : inputs.b;
      try {
        return original.kernelFunc({ ...args, inputs: { a, b }, attrs: { ...attrs, transposeA: false, transposeB: false } });
      } finally {
        if (a !== inputs.a) backend.disposeData(a.dataId);
        if (b !== inputs.b) backend.disposeData(b.dataId);
      }
    },
  });
}
