/**
 * Builds the viewer's page into a folder the server serves as static files, exactly three of them:
 * `index.html`; `app.js` (esbuild bundle of `page/main.ts`: PixiJS, msgpackr, the page's own modules);
 * `policy.js` (bundle of `page/policy.ts`: TensorFlow.js and the envs, which the page imports only when a
 * saved policy plays). Two separate bundles rather than code splitting, so the file set is fixed and a
 * server can list it. Takes ~1–2 s; the server builds once at start.
 *
 * The installed package has no page sources: `npm run build` bundled the page into `page-build/` beside
 * the compiled build-page.js, and buildPage serves (or copies) those files.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The folder, beside this module, of the page bundled when the package was built. */
export const PREBUILT_PAGE_DIR = 'page-build';

/** True in a clone (the page's TypeScript sources are here), false in the installed package. */
const FROM_SOURCES = existsSync(join(here, 'page', 'main.ts'));

/** Where `rudder view` builds the page unless told otherwise (the installed package: its prebuilt page). */
export const DEFAULT_PAGE_DIR = FROM_SOURCES ? join(here, '..', '..', 'node_modules', '.cache', 'rudder-viewer') : join(here, PREBUILT_PAGE_DIR);

/** The files `buildPage` writes (all of them; serve these). */
export const PAGE_FILES = ['index.html', 'app.js', 'policy.js'] as const;

/** Bundles the page into `outDir` (created if missing); returns `outDir`. */
export async function buildPage(outDir: string = DEFAULT_PAGE_DIR, options: { minify?: boolean } = {}): Promise<string> {
  if (!FROM_SOURCES) return copyPrebuiltPage(outDir);
  const { build } = await import('esbuild'); // only where the sources are
  mkdirSync(outDir, { recursive: true });
  const common = { bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: options.minify ?? true, sourcemap: false, logLevel: 'silent' } as const;
  await Promise.all([
    build({ ...common, entryPoints: [join(here, 'page', 'main.ts')], outfile: join(outDir, 'app.js') }),
    build({ ...common, entryPoints: [join(here, 'page', 'policy.ts')], outfile: join(outDir, 'policy.js') }),
  ]);
  copyFileSync(join(here, 'page', 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

/** The installed package's page: served from where it was built, or copied into `outDir`. */
function copyPrebuiltPage(outDir: string): string {
  const from = join(here, PREBUILT_PAGE_DIR);
  const missing = PAGE_FILES.filter((f) => !existsSync(join(from, f)));
  if (missing.length) throw new Error(`the viewer's page is missing from ${from} (${missing.join(', ')}): the package was not built with \`npm run build\``);
  if (resolve(outDir) === resolve(from)) return outDir;
  mkdirSync(outDir, { recursive: true });
  for (const f of PAGE_FILES) copyFileSync(join(from, f), join(outDir, f));
  return outDir;
}
