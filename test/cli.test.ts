import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rudderIn } from './support/rudder-cli.ts';

const ROOT = resolve(import.meta.dirname, '..');

async function rudder(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return rudderIn(ROOT, ...args);
}

describe('rudder CLI', () => {
  it('--help lists the commands and examples', async () => {
    const r = await rudder('--help');
    expect(r.code).toBe(0);
    for (const cmd of ['play', 'envs', 'check', 'Examples']) expect(r.stdout).toContain(cmd);
  });

  it('play runs seeded expert episodes and prints statistics', async () => {
    const r = await rudder('play');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CartPole-v1 · expert policy · 5 episode(s) from seed 1');
    // The expert balances the pole for the whole 500-step limit in every episode.
    expect(r.stdout.match(/ 500\.00 +500 +truncated/g)?.length).toBe(5);
    expect(r.stdout).toContain('reward threshold 475: reached');
  });

  it('play is deterministic for a seed and differs across seeds', async () => {
    const a = await rudder('play', '--policy', 'random', '--seed', '3', '--episodes', '4');
    const b = await rudder('play', '--policy', 'random', '--seed', '3', '--episodes', '4');
    const c = await rudder('play', '--policy', 'random', '--seed', '4', '--episodes', '4');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.split('\n').slice(3, 7)).not.toEqual(c.stdout.split('\n').slice(3, 7));
  });

  it('play --render ansi prints the final frame', async () => {
    const r = await rudder('play', '--episodes', '1', '--render', 'ansi', '--policy', 'random');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[#\]/);
  });

  it('envs lists CartPole with its limits and spaces', async () => {
    const r = await rudder('envs');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CartPole-v1 +500 +475 +Discrete\(2\) +Box\(/);
  });

  it('a user env module registers, checks and plays end to end', async () => {
    const mod = resolve(ROOT, 'examples/custom-env.ts');
    const check = await rudder('check', '--env-module', mod, '--env', 'Corridor-v0');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('Corridor-v0: checkEnv passed');
    const play = await rudder('play', '--env-module', mod, '--env', 'Corridor-v0', '--policy', 'random', '--episodes', '2');
    expect(play.code).toBe(0);
    expect(play.stdout).toContain('Corridor-v0 · random policy · 2 episode(s)');
    // The expert registered with the env: always right, so every episode ends at the corridor's end with 1.
    const expert = await rudder('play', '--env-module', mod, '--env', 'Corridor-v0', '--policy', 'expert', '--episodes', '3');
    expect(expert.code).toBe(0);
    expect(expert.stderr).not.toContain('no scripted expert');
    expect(expert.stdout).toContain('Corridor-v0 · expert policy · 3 episode(s)');
    expect(expert.stdout).toMatch(/mean return 1\.00/);
  });

  it('--env-module is one global option: before the command, after it, repeated, and on align too', async () => {
    const mod = resolve(ROOT, 'examples/custom-env.ts');
    const before = await rudder('--env-module', mod, 'check', '--env', 'Corridor-v0');
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('Corridor-v0: checkEnv passed');
    const twice = await rudder('envs', '--env-module', mod, '--env-module', mod);
    expect(twice.code).toBe(0);
    expect(twice.stdout).toMatch(/^Corridor-v0 /m);
    // align loads the module too: a broken one fails before the experiment runs.
    const alignBad = await rudder('align', '--env-module', './no-such-file.ts', '--demos', '2');
    expect(alignBad.code).not.toBe(0);
    expect(alignBad.stderr).toContain('--env-module ./no-such-file.ts: no such file');
    const alignOk = await rudder('align', '--env-module', mod, '--demos', '2', '--method', 'bc-q', '--max-episodes', '10');
    expect(alignOk.code).toBe(0);
    expect(alignOk.stdout).toContain('FourRooms-v0, 2 demonstrations');
    const help = await rudder('align', '--help');
    expect(help.stdout).toMatch(/Global Options:\s+--env-module <path>/);
  });

  it('bad input gets a clear error and a non-zero exit', async () => {
    const unknown = await rudder('play', '--env', 'CartPol-v1');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('Did you mean CartPole-v1');
    const badN = await rudder('play', '--episodes', 'zero');
    expect(badN.code).not.toBe(0);
    expect(badN.stderr).toContain('--episodes must be an integer ≥ 1');
    const badMod = await rudder('envs', '--env-module', './no-such-file.ts');
    expect(badMod.code).not.toBe(0);
    expect(badMod.stderr).toContain('--env-module ./no-such-file.ts: no such file');
  });

  it('align runs Align-RUDDER and BC+Q from the same demos, deterministically, and rejects a non-rooms env', async () => {
    const a = await rudder('align', '--demos', '5', '--seed', '1');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const episodes = (name: string): number => Number(new RegExp(`${name}\\s+reached .* after ([\\d,]+) training episodes`).exec(a.stdout)![1]!.replace(/,/g, ''));
    // Five demos: aligning them pays off (the bench measures this over 20 seeds; this is one fixed seed).
    expect(episodes('Align-RUDDER')).toBeLessThan(episodes('BC\\+Q'));
    expect(a.stdout).toMatch(/FourRooms-v0, 5 demonstrations \(mean length [\d.]+ steps\), seed 1/);
    expect((await rudder('align', '--demos', '5', '--seed', '1', '--method', 'align-rudder')).stdout.split('\n')[0]!.replace(/ · [\d.]+ s$/, ''))
      .toBe(a.stdout.split('\n')[0]!.replace(/ · [\d.]+ s$/, ''));
    const bad = await rudder('align', '--env', 'CartPole-v1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/rooms experiment: "CartPole-v1" is not a rooms env \(its factory must return a RoomsEnv/);
  });
});

describe('--env-module from anywhere', () => {
  // A folder outside the repository with no package.json: .ts and .js files there are CommonJS to Node.
  const dir = mkdtempSync(join(tmpdir(), 'rudder-env-module-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const jsEnv = (id: string): string => `import { BaseEnv, Box, Discrete, register } from 'rudder-ts';
class E extends BaseEnv {
  actionSpace = new Discrete(2);
  observationSpace = new Box(0, 1, [1]);
  reset(o) { this.seedRng(o); return { obs: new Float32Array(1), info: {} }; }
  step() { return { obs: new Float32Array(1), reward: 1, terminated: true, truncated: false, info: {} }; }
}
register('${id}', () => new E(), { maxEpisodeSteps: 7, options: [] });
`;

  it('loads .ts, .mts, .js and .mjs files from a folder that is not a package, each importing rudder-ts', async () => {
    cpSync(resolve(ROOT, 'examples/custom-env.ts'), join(dir, 'corridor.ts'));
    mkdirSync(join(dir, 'sub'));
    // A .ts module that imports a .ts helper of its own.
    writeFileSync(join(dir, 'sub', 'length.ts'), 'export const LENGTH: number = 6;\n');
    writeFileSync(join(dir, 'sub', 'short.mts'), readFileSync(resolve(ROOT, 'examples/custom-env.ts'), 'utf8')
      .replace("from 'rudder-ts';", "from 'rudder-ts';\nimport { LENGTH } from './length.ts';").replace(/Corridor-v0/g, 'ShortCorridor-v0').replace(': 10)', ': LENGTH)'));
    writeFileSync(join(dir, 'plain.js'), jsEnv('PlainJs-v0'));
    writeFileSync(join(dir, 'plain.mjs'), jsEnv('PlainMjs-v0'));
    const r = await rudderIn(dir, 'envs', '--env-module', 'corridor.ts', '--env-module', 'sub/short.mts', '--env-module', 'plain.js', '--env-module', join(dir, 'plain.mjs'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Corridor-v0 +100 .*Box\(0, 1, \[10\]/m);
    expect(r.stdout).toMatch(/^ShortCorridor-v0 +100 .*Box\(0, 1, \[6\]/m);
    expect(r.stdout).toMatch(/^PlainJs-v0 +7 /m);
    expect(r.stdout).toMatch(/^PlainMjs-v0 +7 /m);
    const kw = await rudderIn(dir, 'play', '--env-module', 'corridor.ts', '--env', 'Corridor-v0');
    expect(kw.code).toBe(0);
    const other = await rudderIn(dir, 'envs', '--env-module', 'env.py');
    expect(other.stderr).toContain('--env-module env.py: expected a .ts, .mts, .js, .mjs file');
    writeFileSync(join(dir, 'throws.ts'), "throw new Error('broken on purpose');\n");
    const throws = await rudderIn(dir, 'envs', '--env-module', 'throws.ts');
    expect(throws.stderr).toContain('could not load env module throws.ts: broken on purpose');
  });

  it('a run remembers its module: the hint names it, eval and --resume load it, a moved module is named', async () => {
    const t = await rudderIn(dir, 'train', '--env-module', 'corridor.ts', '--env', 'Corridor-v0', '--steps', '1024', '--checkpoint-every', '1', '--out', 'runs/c', '--no-progress');
    expect(t.stderr).toBe('');
    expect(t.stdout).toContain('evaluate it: npx rudder eval --env-module corridor.ts --run runs/c');
    expect(JSON.parse(readFileSync(join(dir, 'runs/c/config.json'), 'utf8')).envModules).toEqual([join(dir, 'corridor.ts')]);
    const ev = await rudderIn(dir, 'eval', '--run', 'runs/c', '--episodes', '1');
    expect(ev.stderr).toBe('');
    expect(ev.stdout).toContain('Corridor-v0 · runs/c checkpoint iter-0000002');
    const resumed = await rudderIn(dir, 'train', '--out', 'runs/c', '--resume', '--steps', '2048', '--no-progress');
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout).toContain('Corridor-v0 · PPO · seed 1 · 2,048 steps');
    renameSync(join(dir, 'corridor.ts'), join(dir, 'moved.ts'));
    const gone = await rudderIn(dir, 'eval', '--run', 'runs/c', '--episodes', '1');
    expect(gone.stderr).toContain(`runs/c was trained with --env-module ${join(dir, 'corridor.ts')}, which no longer exists; pass --env-module <its new path>`);
    const moved = await rudderIn(dir, 'eval', '--env-module', 'moved.ts', '--run', 'runs/c', '--episodes', '1');
    expect(moved.stderr).toBe('');
    renameSync(join(dir, 'moved.ts'), join(dir, 'corridor.ts'));
  });

  it('names a missing checkpoint and the ones that exist; a --resume before the first checkpoint starts over', async () => {
    // runs/c is the run the test above trained.
    const best = await rudderIn(dir, 'eval', '--run', 'runs/c', '--checkpoint', 'best');
    expect(best.stderr).toMatch(/runs\/c has no checkpoint best; its checkpoints: iter-\d{7}, iter-\d{7} \(`rudder train --resume <label>` continues from one, `rudder eval --checkpoint <label>` evaluates one\)/);
    // A run stopped before its first checkpoint: its config.json and metrics, no checkpoints/.
    const out = join(dir, 'runs', 'early');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'config.json'), JSON.stringify({ envId: 'CartPole-v1', totalTimesteps: 512, numEnvs: 2, numSteps: 128, seed: 5 }));
    const again = await rudderIn(dir, 'train', '--out', 'runs/early', '--resume', '--no-progress');
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('note: runs/early has no checkpoint yet (the run stopped before its first); starting it over from its config.json');
    expect(again.stdout).toContain('CartPole-v1 · PPO · seed 5 · 512 steps');
    // A typo in a config file's envKwargs is an error before anything is written.
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { sise: 6 } }));
    const typo = await rudderIn(dir, 'train', '--config', 'typo.json', '--out', 'runs/typo');
    expect(typo.stderr).toContain('make("KeyDoorTreasure-v0"): unknown option "sise". Did you mean "size"? KeyDoorTreasure-v0 takes: size, maxSteps, reward, distractors, observation');
    expect(existsSync(join(dir, 'runs/typo'))).toBe(false); // no stray metrics.csv (nor folder) after the failure
    const none = await rudderIn(dir, 'train', '--out', 'runs/nothing-here', '--resume');
    expect(none.stderr).toContain('nothing to resume in runs/nothing-here: it holds no run (no checkpoint, no config.json)');
  });

  it('demos record writes expert episodes to a .jsonl file that demos show reads back; an env without an expert is a clear error', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cli-demos-')), 'kdt.jsonl');
    const rec = await rudder('demos', 'record', '--env', 'KeyDoorTreasure-v0', '--episodes', '3', '--seed', '2', '--noise', '0.1', '--out', out);
    expect(rec.code).toBe(0);
    const show = await rudder('demos', 'show', out);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('3 episode(s) of KeyDoorTreasure-v0, each checked by replay');
    expect(show.stdout.match(/^ +\d +[234] +\d+ +[\d.]+ +terminated +expert ε=0\.1$/gm)?.length).toBe(3);
    const bad = await rudder('demos', 'record', '--env', 'CartPole-v1', '--episodes', '1', '--out', join(tmpdir(), 'x.json'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\.jsonl/);
  });
});

describe('train --policy-module: your own tfjs network', () => {
  // A folder outside the repo, with no node_modules: its module's tfjs imports resolve to the trainer's tfjs.
  const dir = mkdtempSync(join(tmpdir(), 'rudder-policy-module-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains the example module on the chosen backend, records it, and saves its layers as model/', async () => {
    cpSync(join(ROOT, 'examples/tfjs-policy.ts'), join(dir, 'net.ts'));
    const t = await rudderIn(dir, 'train', '--policy-module', 'net.ts', '--backend', 'wasm', '--steps', '1024', '--out', 'runs/p', '--no-progress');
    expect(t.stderr).toBe('');
    expect(t.stdout).toContain('tfjs policy: the wasm backend runs its training math');
    expect(t.stdout).toContain("evaluate it: npx rudder eval --run runs/p (or in any tfjs program: loadLayersPolicy('runs/p/model'))");
    const config = JSON.parse(readFileSync(join(dir, 'runs/p/config.json'), 'utf8')) as { policy: string; policyModule: string };
    expect(config).toMatchObject({ policy: 'tfjs', policyModule: join(dir, 'net.ts') });
    const model = JSON.parse(readFileSync(join(dir, 'runs/p/model/model.json'), 'utf8')) as { modelTopology: unknown; userDefinedMetadata: { rudder: { topology: { policy: string } } } };
    expect(model.userDefinedMetadata.rudder.topology.policy).toBe('tfjs');
    expect(JSON.stringify(model.modelTopology)).toContain('LayerNormalization');

    // Its checkpoint: eval rebuilds the network from the recorded module; --resume continues it.
    const ev = await rudderIn(dir, 'eval', '--run', 'runs/p', '--episodes', '2');
    expect(ev.stderr).toBe('');
    expect(ev.stdout).toMatch(/CartPole-v1 · runs\/p checkpoint iter-0000002 · greedy policy · 2 episode\(s\)/);
    expect(ev.stdout).toMatch(/mean return \d+\.\d\d ±/);
    const more = await rudderIn(dir, 'train', '--out', 'runs/p', '--resume', '--steps', '2048', '--no-progress');
    expect(more.stderr).toBe('');
    expect(more.stdout).toContain('(resumed at step 1024)');
    expect(more.stdout).toContain('checkpoints/iter-0000004');
    // The module moved: a clear error, and --policy-module points at it again.
    renameSync(join(dir, 'net.ts'), join(dir, 'moved.ts'));
    const gone = await rudderIn(dir, 'eval', '--run', 'runs/p', '--episodes', '1');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`runs/p was trained with --policy-module ${join(dir, 'net.ts')}, which no longer exists; its network cannot be rebuilt without it: pass --policy-module <its new path>`);
    const goneResume = await rudderIn(dir, 'train', '--out', 'runs/p', '--resume', '--steps', '3072', '--no-progress');
    expect(goneResume.stderr).toContain('which no longer exists');
    const found = await rudderIn(dir, 'eval', '--run', 'runs/p', '--episodes', '2', '--policy-module', 'moved.ts');
    expect(found.stderr).toBe('');
    expect(found.stdout).toMatch(/checkpoint iter-0000004 · greedy policy · 2 episode\(s\)/);
    const bc = await rudderIn(dir, 'train', '--policy-module', 'moved.ts', '--bc', 'none.jsonl', '--steps', '512', '--out', 'runs/bc', '--no-progress');
    expect(bc.stderr).toContain('--bc with --policy tfjs is not supported yet');

    const plain = await rudderIn(dir, 'train', '--steps', '512', '--out', 'runs/m', '--no-progress');
    expect(plain.stdout).toContain('built-in mlp: our fused kernels (wasm-simd) run the training math, the tfjs backend wasm only saves the model (--policy tfjs with --policy-module trains your own network on it)');
    const noModule = await rudderIn(dir, 'train', '--policy', 'tfjs', '--steps', '512', '--out', 'runs/x', '--no-progress');
    expect(noModule.stderr).toContain('--policy tfjs needs --policy-module <file>');
    writeFileSync(join(dir, 'empty.ts'), 'export const nothing = 1;\n');
    const noBuilder = await rudderIn(dir, 'train', '--policy-module', 'empty.ts', '--steps', '512', '--out', 'runs/y', '--no-progress');
    expect(noBuilder.stderr).toMatch(/--policy-module \S*empty\.ts: expected a function export `buildPolicy`.*found exports: nothing/);
  });
});
