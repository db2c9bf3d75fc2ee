import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { initBackend, NATIVE_PACKAGES, type NativeLoader } from '../src/agents/backend.ts';

// tfjs-node(-gpu) cannot be installed here (their install downloads libtensorflow), so the ladder's order is
// tested with a loader that stands in for them: "installed" means importing it registers a `tensorflow`
// backend, as the real packages do. The real native path has not run on this machine.
const missing: NativeLoader = (pkg) => Promise.reject(new Error(`Cannot find package '${pkg}'`));

describe('backend ladder', () => {
  it('without tfjs-node, auto picks wasm, and the tfjs-core engine runs on it', async () => {
    const tried: string[] = [];
    expect(await initBackend('auto', (pkg) => (tried.push(pkg), missing(pkg)))).toBe('wasm');
    expect(tried).toEqual([...NATIVE_PACKAGES]); // GPU first, then CPU-native
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync())).toEqual([4, 6]);
  });

  it('asking for "tensorflow" without tfjs-node is an error that says how to install it', async () => {
    await expect(initBackend('tensorflow', missing)).rejects.toThrow(/neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node could be loaded \(npm i @tensorflow\/tfjs-node/);
  });

  it('an installed tfjs-node is preferred by auto; a broken tfjs-node-gpu (no CUDA) falls through to it', async () => {
    const loader: NativeLoader = async (pkg) => {
      if (pkg === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so: cannot open shared object file');
      if (!tf.findBackend('tensorflow')) tf.registerBackend('tensorflow', () => new MathBackendCPU());
    };
    expect(await initBackend('auto', loader)).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('--backend cpu and wasm override the ladder; an unknown name is a clear error', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    await expect(initBackend('gpu' as never)).rejects.toThrow(/unknown backend "gpu" \(valid: auto, tensorflow, wasm, cpu\)/);
  });
});
