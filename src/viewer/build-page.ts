/**
 * Builds the viewer's page: esbuild bundles `page/main.ts` (PixiJS, msgpackr, the page's own modules) into
 * one script and writes it with `page/index.html` into a folder the server serves as static files.
 * Takes ~0.4 s; the server builds once at start.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Where `rudder view` builds the page unless told otherwise. */
export const DEFAULT_PAGE_DIR = join(here, '..', '..', 'node_modules', '.cache', 'rudder-viewer');

/** Bundles the page into `outDir` (created if missing); returns `outDir`. */
export async function buildPage(outDir: string = DEFAULT_PAGE_DIR, options: { minify?: boolean } = {}): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'page', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: false,
    outfile: join(outDir, 'app.js'),
    logLevel: 'silent',
  });
  copyFileSync(join(here, 'page', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}
