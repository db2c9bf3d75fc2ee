/**
 * `npm run build` (and `prepack`): the package's dist/. tsc compiles src/ and scripts/ (the CLI) to
 * JavaScript with type declarations (tsconfig.build.json); then the files tsc does not emit are added: the
 * worker bootstraps (env threads, the viewer's server) and the CLI's loader hooks (plain .mjs), and the viewer's page, bundled now so that an
 * installed package serves it without its sources.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage, PREBUILT_PAGE_DIR } from '../src/viewer/build-page.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

rmSync(dist, { recursive: true, force: true }); // nothing stale from an earlier build is packed
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const f of ['src/envs/vector/thread-worker-bootstrap.mjs', 'src/viewer/server/viewer-worker-bootstrap.mjs', 'scripts/env-module-hooks.mjs']) copyFileSync(join(root, f), join(dist, f));
// PREBUILT_PAGE_DIR is where the compiled build-page.js looks: dist/src/viewer/page-build.
await buildPage(join(dist, 'src', 'viewer', PREBUILT_PAGE_DIR));
process.stdout.write(`built ${dist}\n`);
