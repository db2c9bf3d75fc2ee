import * as tf from '@tensorflow/tfjs-core';

/** Which TensorFlow.js backend runs the nets. `auto` tries them in the order below. */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** The native packages, best first; importing one registers tfjs's `tensorflow` backend. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/** Imports a native package (a parameter so the ladder's order can be tested where neither installs). */
export type NativeLoader = (pkg: (typeof NATIVE_PACKAGES)[number]) => Promise<unknown>;

/**
 * Pick the fastest backend available (backends.md): the native `tensorflow` backend when the user has
 * installed `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node` (optional peers: their install downloads
 * libtensorflow, so they are never hard dependencies), else `wasm` (XNNPACK + SIMD, 3.5–10× the `cpu`
 * backend here), else the pure-JS `cpu`. Returns the backend that runs.
 */
export async function initBackend(choice: BackendChoice = 'auto', loadNative: NativeLoader = (pkg) => import(pkg)): Promise<string> {
  if (!BACKEND_CHOICES.includes(choice)) throw new RangeError(`unknown backend "${String(choice)}" (valid: ${BACKEND_CHOICES.join(', ')})`);
  if (choice === 'auto' || choice === 'tensorflow') {
    for (const pkg of NATIVE_PACKAGES) {
      try {
        await loadNative(pkg);
        if (tf.findBackend('tensorflow') && (await tf.setBackend('tensorflow'))) return 'tensorflow';
      } catch {
        // not installed, or its native library / CUDA is missing: fall through
      }
    }
    if (choice === 'tensorflow') {
      throw new Error('backend "tensorflow" requested, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node could be loaded (npm i @tensorflow/tfjs-node@4.22.0 needs internet for libtensorflow)');
    }
  }
  if (choice === 'auto' || choice === 'wasm') {
    try {
      await importWithoutCrashHandlers('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) return 'wasm';
    } catch (e) {
      if (choice === 'wasm') throw new Error(`backend "wasm" failed to start: ${(e as Error).message}`);
    }
  }
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('no TensorFlow.js backend could be started (tried tensorflow, wasm, cpu)');
  return 'cpu';
}

/**
 * The wasm backend's Emscripten glue installs process-wide `uncaughtException`/`unhandledRejection`
 * handlers that rethrow, so any later crash prints a screen of minified code instead of the error.
 * Import it, then remove the handlers it added.
 */
async function importWithoutCrashHandlers(pkg: string): Promise<void> {
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = events.map((ev) => new Set(emitter.listeners(ev)));
  await import(pkg);
  events.forEach((ev, i) => {
    for (const l of emitter.listeners(ev)) if (!before[i]!.has(l)) emitter.removeListener(ev, l as (...args: unknown[]) => void);
  });
}
