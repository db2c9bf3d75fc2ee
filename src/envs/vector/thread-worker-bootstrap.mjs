// Entry point of ThreadVectorEnv workers. Worker threads do not inherit the loader that lets the main
// thread import .ts files (vitest's, or tsx's when a flag was not used), so register tsx here (the user's
// `modules` may be TypeScript), then load the worker: the compiled one in the installed package (dist/),
// else the TypeScript source. If that fails, report the error the way thread-worker.ts reports its own
// (control block: DONE at +2, STATUS at +3, 16 int32 per worker), so the main thread does not hang.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  const compiled = new URL('./thread-worker.js', import.meta.url);
  await import(existsSync(fileURLToPath(compiled)) ? compiled.href : new URL('./thread-worker.ts', import.meta.url).href);
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  workerData.port.postMessage({ type: 'error', name: err.name, message: `worker failed to load: ${err.message}`, stack: err.stack ?? '' });
  const ctrl = new Int32Array(workerData.ctrl);
  const base = workerData.workerIndex * 16;
  ctrl[base + 3] = 1;
  Atomics.store(ctrl, base + 2, 1);
  Atomics.notify(ctrl, base + 2);
}
