// Entry point of ThreadVectorEnv workers. Worker threads do not inherit the loader that lets the main
// thread import .ts files (vitest's, or tsx's when a flag was not used), so register tsx here, then load
// the TypeScript worker. If that fails, report the error the way thread-worker.ts reports its own
// (control block: DONE at +2, STATUS at +3, 16 int32 per worker), so the main thread does not hang.
import { workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./thread-worker.ts');
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  workerData.port.postMessage({ type: 'error', name: err.name, message: `worker failed to load: ${err.message}`, stack: err.stack ?? '' });
  const ctrl = new Int32Array(workerData.ctrl);
  const base = workerData.workerIndex * 16;
  ctrl[base + 3] = 1;
  Atomics.store(ctrl, base + 2, 1);
  Atomics.notify(ctrl, base + 2);
}
