/**
 * The package as a user gets it: `npm pack` (its prepack builds dist/), the tarball installed into an empty
 * folder, then imported from a .mjs and a .ts file, the `rudder` command run from node_modules/.bin with an
 * env module of the user's own, the viewer's page served, and the README's code examples typechecked and run.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeBlocks } from './support/readme-blocks.ts';

const ROOT = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let tmp = '';
let app = '';

async function sh(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await exec(cmd, args, { cwd, maxBuffer: 64 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

const rudder = (...args: string[]) => sh(join(app, 'node_modules', '.bin', 'rudder'), args, app);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rudder-pkg-'));
  const t0 = performance.now();
  const pack = await sh('npm', ['pack', '--pack-destination', tmp], ROOT);
  const t1 = performance.now();
  expect(pack.code, pack.stderr).toBe(0);
  const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  app = join(tmp, 'app');
  mkdirSync(app);
  // An ES module project (the package is ES modules only); the env module test below uses a CommonJS folder inside it.
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  // From the npm cache when it has every dependency, else the registry (never libtensorflow: tfjs-node is an optional peer).
  const flags = ['--no-audit', '--no-fund', '--ignore-scripts'];
  let install = await sh('npm', ['install', '--offline', ...flags, join(tmp, tarball!)], app);
  if (install.code !== 0) install = await sh('npm', ['install', '--prefer-offline', ...flags, join(tmp, tarball!)], app);
  expect(install.code, install.stderr).toBe(0);
  console.log(`npm pack (with the build) ${((t1 - t0) / 1000).toFixed(1)} s, npm install ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}, 600_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true }); // an installed node_modules: slow to delete on a busy disk
}, 120_000);

describe('the packed tarball, installed into an empty folder', () => {
  it('ships compiled JavaScript and declarations, not the sources, and no libtensorflow', () => {
    const pkg = join(app, 'node_modules', 'rudder-ts');
    for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/agents/index.js', 'dist/scripts/cli.js', 'dist/src/viewer/page-build/app.js', 'bin/rudder.mjs']) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    expect(existsSync(join(pkg, 'scripts'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', '@tensorflow', 'tfjs-node'))).toBe(false);
    // Relative imports were rewritten to .js on emit.
    expect(readFileSync(join(pkg, 'dist/src/index.js'), 'utf8')).toMatch(/from ["']\.\/envs\/index\.js["']/);
  });

  it('imports rudder-ts, rudder-ts/agents, rudder-ts/rudder and rudder-ts/align from a plain .mjs', async () => {
    writeFileSync(join(app, 'main.mjs'), `
import { make, makeVec, listEnvs } from 'rudder-ts';
import { trainPpo } from 'rudder-ts/agents';
import { RudderRedistribution } from 'rudder-ts/rudder';
import { AlignRudder } from 'rudder-ts/align';
const env = make('CartPole-v1');
const { obs } = env.reset({ seed: 3 });
// ThreadVectorEnv's workers load the compiled worker from dist/.
const threads = makeVec('CartPole-v1', 2, { vectorizationMode: 'threads' });
const batch = threads.reset({ seed: 1 }).obs.length;
threads.close();
const { episodes } = await trainPpo({ envId: 'CartPole-v1', totalTimesteps: 1024, numEnvs: 2, numSteps: 256, seed: 1 });
console.log(JSON.stringify({
  from: import.meta.resolve('rudder-ts'), envs: listEnvs().length, obs: obs.length, batch, episodes: episodes.length,
  rudder: typeof RudderRedistribution, align: typeof AlignRudder.fromDemos,
}));
`);
    const r = await sh(process.execPath, ['main.mjs'], app);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(out.from).toMatch(/node_modules\/rudder-ts\/dist\/src\/index\.js$/);
    expect(out).toMatchObject({ obs: 4, batch: 8, rudder: 'function', align: 'function' });
    expect(out.envs).toBeGreaterThanOrEqual(11);
    expect(out.episodes).toBeGreaterThan(0);
  });

  it('typechecks a .ts file against the declarations (wrong types are errors) and runs it', async () => {
    writeFileSync(join(app, 'main.ts'), `
import { make, type Env } from 'rudder-ts';
import { parsePpoConfig, type PpoConfig } from 'rudder-ts/agents';
const env: Env<Float32Array, number> = make<Float32Array, number>('CartPole-v1');
const first: Float32Array = env.reset({ seed: 1 }).obs;
const reward: number = env.step(1).reward;
const cfg: PpoConfig = parsePpoConfig({ envId: 'CartPole-v1' });
// @ts-expect-error totalTimesteps is a number: the declarations are real types, not any
const wrong: Partial<PpoConfig> = { totalTimesteps: 'many' };
void wrong;
console.log(first.length, reward, cfg.numEnvs);
`);
    writeTsconfig(app, ['main.ts']);
    const tc = await sh(process.execPath, [TSC, '-p', app], app);
    expect(tc.stdout + tc.stderr).toBe('');
    expect(tc.code).toBe(0);
    const r = await sh(join(app, 'node_modules', '.bin', 'tsx'), ['main.ts'], app);
    expect(r.stderr, r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('4 1 4');
  });

  it('puts `rudder` on the PATH: a .ts env module from a CommonJS folder trains, and eval reloads it from the run', async () => {
    // A .ts file in a folder whose package.json does not say "type": "module": the case that used to fail.
    mkdirSync(join(app, 'envs'));
    writeFileSync(join(app, 'envs', 'package.json'), JSON.stringify({ name: 'my-envs' }));
    writeFileSync(join(app, 'envs', 'my-env.ts'), readFileSync(join(app, 'node_modules', 'rudder-ts', 'examples', 'custom-env.ts'), 'utf8'));
    const envs = await rudder('envs', '--env-module', 'envs/my-env.ts');
    expect(envs.stderr).toBe('');
    expect(envs.stdout).toMatch(/Corridor-v0 +100 /);
    expect(envs.stdout).toMatch(/KeyDoorTreasure-v0 +640 /);
    const train = await rudder('train', '--env-module', 'envs/my-env.ts', '--env', 'Corridor-v0', '--steps', '1024', '--out', 'runs/c', '--no-progress');
    expect(train.stderr).toBe('');
    expect(train.stdout).toContain('evaluate it: npx rudder eval --env-module envs/my-env.ts --run runs/c');
    const ev = await rudder('eval', '--run', 'runs/c', '--episodes', '2');
    expect(ev.stderr).toBe('');
    expect(ev.stdout).toContain('Corridor-v0 · runs/c checkpoint');
    const bad = await rudder('check', '--env', 'KeyDoorTreasure-v0', '--env-module', 'nope.ts');
    expect(bad.stderr).toContain('--env-module nope.ts: no such file');
  });

  it("serves the viewer's page, bundled when the package was built", async () => {
    const child = spawn(join(app, 'node_modules', '.bin', 'rudder'), ['view', '--port', '0', 'runs/c'], { cwd: app });
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /viewer: (http:\/\/\S+)/.exec(out);
          if (m) res(m[1]!);
        });
        child.on('exit', (code) => rej(new Error(`rudder view exited (${code}): ${out}`)));
      });
      for (const f of ['', 'app.js', 'policy.js']) {
        const r = await fetch(new URL(f, url));
        expect(r.status, f).toBe(200);
        expect((await r.text()).length, f).toBeGreaterThan(f ? 10_000 : 100);
      }
    } finally {
      child.kill();
    }
  });

  it("runs the README's code examples as written (top-level await in a \"type\": \"module\" folder)", async () => {
    const dir = join(app, 'readme');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const blocks = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const files = blocks.filter((b) => b.kind !== 'sketch').map((b, i) => {
      const name = `example-${i}.ts`;
      writeFileSync(join(dir, name), b.code);
      return { name, run: b.kind === 'run' };
    });
    expect(files.filter((f) => f.run).length).toBeGreaterThanOrEqual(2);
    writeTsconfig(dir, files.map((f) => f.name));
    const tc = await sh(process.execPath, [TSC, '-p', dir], dir);
    expect(tc.stdout + tc.stderr).toBe('');
    for (const f of files.filter((x) => x.run)) {
      const r = await sh(join(app, 'node_modules', '.bin', 'tsx'), [f.name], dir);
      expect(r.stderr, `${f.name}:\n${readFileSync(join(dir, f.name), 'utf8')}`).toBe('');
      expect(r.code).toBe(0);
    }
  });
});

/** A user's tsconfig: strict NodeNext. */
function writeTsconfig(dir: string, files: string[]): void {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
      types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], skipLibCheck: true, // tfjs's own declarations fail strict checks
    },
    files,
  }));
}
