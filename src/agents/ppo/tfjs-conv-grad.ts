/**
 * tfjs-wasm 4.22 has no Conv2DBackpropFilter kernel, so a Conv2D layer cannot train on it ("Kernel
 * 'Conv2DBackpropFilter' not registered for backend 'wasm'"). It does have Conv3DBackpropFilterV2, and a
 * 2-D convolution is a 3-D one of depth 1: on wasm, Conv2D's filter gradient goes through that kernel with
 * x [B, 1, H, W, C] and dy [B, 1, H', W', C']. Same values at stride 1 (checked against the cpu backend
 * in test/ppo-tfjs.test.ts); at stride 2 that wasm kernel gives wrong values, so strided convolutions keep
 * tfjs's own gradient (and its missing-kernel error), as do other backends, NCHW and explicit padding.
 */
import * as tf from '@tensorflow/tfjs-core';

let installed = false;

export function useConv3dFilterGradOnWasm(): void {
  if (installed) return;
  installed = true;
  const original = tf.getGradient('Conv2D');
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const grads = original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat } = attrs as { strides: number | [number, number]; pad: unknown; dataFormat: string };
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      if (tf.getBackend() !== 'wasm' || dataFormat !== 'NHWC' || (pad !== 'valid' && pad !== 'same') || sh !== 1 || sw !== 1) return grads;
      const d = dy as tf.Tensor4D;
      return {
        ...grads,
        filter: () => tf.reshape(
          tf.engine().runKernel('Conv3DBackpropFilterV2', { x: tf.expandDims(x, 1), dy: tf.expandDims(d, 1) }, { strides: [1, 1, 1], pad, filterShape: [1, ...filter.shape] }) as tf.Tensor,
          filter.shape,
        ),
      };
    },
  });
}
