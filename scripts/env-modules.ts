/**
 * `--env-module` files: modules that register the user's own envs, loaded before a command runs. They may
 * be `.ts`, `.mts`, `.js` or `.mjs` files anywhere (their folder need not be a package, nor `"type":
 * "module"`), and may import `rudder-ts` whether or not their folder can resolve it (env-module-hooks.mjs).
 * A run records its modules (PpoConfig.envModules, as absolute paths), so `eval` and `--resume` load them again.
 */
import { existsSync, readFileSync } from 'node:fs';
import { register as registerHooks } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { TfjsModelBuilder } from '../src/agents/ppo/tfjs-policy.ts';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** The package's entry points (package.json `exports`), by module path under src/. */
const ENTRY_POINTS: Record<string, string> = {
  'rudder-ts': 'index', 'rudder-ts/agents': 'agents/index', 'rudder-ts/rudder': 'rudder/index', 'rudder-ts/align': 'align/index', 'rudder-ts/experiments': 'experiments/index',
};

/** Whether this process runs the TypeScript sources (through tsx or vitest), rather than the compiled package. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** The tfjs packages a user's module shares with the running copy (for a policy module's model). */
const TFJS_PACKAGES = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'];

const loaded = new Set<string>();
let hooked = false;

/** Absolute paths of `paths` (as given on the command line, relative to the working directory). */
export function absoluteModulePaths(paths: readonly string[]): string[] {
  return paths.map((p) => resolve(p));
}

/** Import each env module once, in order; an error names the module and what went wrong. */
export async function loadEnvModules(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  for (const p of paths) {
    if (!EXTENSIONS.includes(extname(p))) throw new Error(`--env-module ${p}: expected a ${EXTENSIONS.join(', ')} file`);
    if (!existsSync(p)) throw new Error(`--env-module ${p}: no such file`);
  }
  await installHooks(paths.some((p) => extname(p).endsWith('ts')));
  for (const p of paths) {
    const url = pathToFileURL(resolve(p)).href;
    if (loaded.has(url)) continue;
    try {
      await import(url);
    } catch (e) {
      throw new Error(`could not load env module ${p}: ${(e as Error).message}`);
    }
    loaded.add(url);
  }
}

/**
 * A `--policy-module` file: its `buildPolicy` export (or default export) builds PPO's tfjs actor-critic,
 * `(obsSpace, actionSpace) => LayersModel`. Loaded as env modules are; its `@tensorflow/*` imports resolve
 * to the copies that train it (a second tfjs-layers would build variables tfjs's autodiff here cannot see).
 */
export async function loadPolicyModule(p: string): Promise<TfjsModelBuilder> {
  if (!EXTENSIONS.includes(extname(p))) throw new Error(`--policy-module ${p}: expected a ${EXTENSIONS.join(', ')} file`);
  if (!existsSync(p)) throw new Error(`--policy-module ${p}: no such file`);
  await installHooks(extname(p).endsWith('ts'));
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(p)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`could not load policy module ${p}: ${(e as Error).message}`);
  }
  const build = mod.buildPolicy ?? mod.default;
  if (typeof build !== 'function') throw new Error(`--policy-module ${p}: expected a function export \`buildPolicy\` (or a default export) (obsSpace, actionSpace) => tf.LayersModel, found exports: ${Object.keys(mod).join(', ') || 'none'}`);
  return build as TfjsModelBuilder;
}

/**
 * A resumed or evaluated tfjs-policy run rebuilds its network from the `--policy-module` it recorded (an
 * absolute path in config.json); when that file is gone, say so and how to point at it again.
 */
export function checkRecordedPolicyModule(runDir: string, path: string): void {
  if (!existsSync(path)) throw new Error(`${runDir} was trained with --policy-module ${path}, which no longer exists; its network cannot be rebuilt without it: pass --policy-module <its new path>`);
}

/** The env modules a run was trained with (its config.json's envModules); [] when it has none or no config. */
export function savedEnvModules(runDir: string): string[] {
  const file = join(runDir, 'config.json');
  if (!existsSync(file)) return [];
  try {
    const m = (JSON.parse(readFileSync(file, 'utf8')) as { envModules?: unknown }).envModules;
    return Array.isArray(m) ? m.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return []; // a broken config.json is reported by whatever reads the run next
  }
}

/**
 * For `eval` and `--resume`: load the env modules `runDir` was trained with, unless the command was given
 * its own `--env-module` (then those replace them: e.g. the module moved). A recorded module that is gone
 * is an error saying how to point at it again.
 */
export async function loadRunEnvModules(runDir: string, given: readonly string[]): Promise<void> {
  if (given.length > 0) return; // loaded by the global option already
  const saved = savedEnvModules(runDir);
  const gone = saved.filter((p) => !existsSync(p));
  if (gone.length) throw new Error(`${runDir} was trained with --env-module ${gone.join(', ')}, which no longer exists; pass --env-module <its new path>`);
  await loadEnvModules(saved);
}

async function installHooks(typescript: boolean): Promise<void> {
  if (hooked) return;
  hooked = true;
  // The compiled package has no TypeScript loader until a .ts module needs one; registered before the
  // hooks below, so those run first (the last registered runs first).
  if (typescript && !FROM_SOURCES) {
    const { register } = await import('tsx/esm/api');
    register();
  }
  const ext = FROM_SOURCES ? '.ts' : '.js';
  const own: Record<string, string> = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([spec, path]) => [spec, new URL(`../src/${path}${ext}`, import.meta.url).href]));
  const require = createRequire(import.meta.url);
  for (const pkg of TFJS_PACKAGES) own[pkg] = pathToFileURL(require.resolve(pkg)).href; // one tfjs for the user's model and the trainer
  registerHooks(new URL('./env-module-hooks.mjs', import.meta.url), { data: { own } });
}
