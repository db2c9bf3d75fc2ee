/**
 * Builds the viewer's page into a folder the server serves as static files, exactly three of them:
 * `index.html`; `app.js` (esbuild bundle of `page/main.ts`: PixiJS, msgpackr, the page's own modules);
 * `policy.js` (bundle of `page/policy.ts`: TensorFlow.js and the envs, which the page imports only when a
 * saved policy plays). Two separate bundles rather than code splitting, so the file set is fixed and a
 * server can list it. Takes ~1–2 s; the server builds once at start.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Where `rudder view` builds the page unless told otherwise. */
export const DEFAULT_PAGE_DIR = join(here, '..', '..', 'node_modules', '.cache', 'rudder-viewer');

/** The files `buildPage` writes (all of them; serve these). */
export const PAGE_FILES = ['index.html', 'app.js', 'policy.js'] as const;

/** Bundles the page into `outDir` (created if missing); returns `outDir`. */
export async function buildPage(outDir: string = DEFAULT_PAGE_DIR, options: { minify?: boolean } = {}): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: options.minify ?? true, sourcemap: false, logLevel: 'silent' } as const;
  await Promise.all([
    build({ ...common, entryPoints: [join(here, 'page', 'main.ts')], outfile: join(outDir, 'app.js') }),
    build({ ...common, entryPoints: [join(here, 'page', 'policy.ts')], outfile: join(outDir, 'policy.js') }),
  ]);
  copyFileSync(join(here, 'page', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}
