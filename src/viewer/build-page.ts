/**
 * Builds the viewer's page: esbuild bundles `page/main.ts` (PixiJS, msgpackr, the page's own modules) into
 * `app.js`, and what the page imports lazily (`page/policy.ts`: TensorFlow.js and the envs) into
 * `chunk-*.js` files beside it, and writes them with `page/index.html` into a folder the server serves as
 * static files (every file in it). Takes ~1 s; the server builds once at start.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Where `rudder view` builds the page unless told otherwise. */
export const DEFAULT_PAGE_DIR = join(here, '..', '..', 'node_modules', '.cache', 'rudder-viewer');

/** Bundles the page into `outDir` (created if missing); returns `outDir`. */
export async function buildPage(outDir: string = DEFAULT_PAGE_DIR, options: { minify?: boolean } = {}): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  // Old chunks would pile up under new hashes.
  for (const f of readdirSync(outDir)) if (/^chunk-.*\.js$/.test(f)) rmSync(join(outDir, f));
  await build({
    entryPoints: [join(here, 'page', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: false,
    splitting: true, // the policy's TensorFlow.js loads as a second chunk, only when used
    outdir: outDir,
    entryNames: 'app',
    chunkNames: 'chunk-[hash]',
    logLevel: 'silent',
  });
  copyFileSync(join(here, 'page', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}
