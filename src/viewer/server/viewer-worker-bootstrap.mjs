// Entry point of the viewer's worker thread (worker-viewer.ts). Worker threads do not inherit the loader
// that lets the main thread import .ts files (vitest's, or tsx's), so register tsx here, then load the
// worker: the compiled one in the installed package (dist/), else the TypeScript source. A failure to load
// is reported as the worker reports its own, so the starter does not wait forever.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';

try {
  const compiled = new URL('./viewer-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(compiled))) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  await import(existsSync(fileURLToPath(compiled)) ? compiled.href : new URL('./viewer-worker.ts', import.meta.url).href);
} catch (e) {
  parentPort.postMessage({ type: 'failed', message: `the viewer's worker failed to load: ${e instanceof Error ? e.message : String(e)}`, code: null });
}
