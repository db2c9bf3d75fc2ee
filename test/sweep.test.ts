import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { median, summarize } from '../src/stats/index.ts';
import { buildReport, formatReport, readSweepDir, stepsToThreshold, writeReport } from '../src/sweep/report.ts';
import { inPool } from '../src/sweep/pool.ts';
import { parseSeeds, parseSweep, sweepRuns } from '../src/sweep/spec.ts';
import { exactRunMetrics } from './support/run-metrics.ts';
import { rudderIn } from './support/rudder-cli.ts';

const ROOT = resolve(import.meta.dirname, '..');
const exec = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'rudder-sweep-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function rudder(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return rudderIn(tmp, ...args);
}

/** A sweep file in its own folder; returns its path. */
function sweepFile(dir: string, sweep: object): string {
  mkdirSync(join(tmp, dir), { recursive: true });
  const file = join(tmp, dir, 'sweep.json');
  writeFileSync(file, JSON.stringify(sweep));
  return file;
}

const json = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

describe('sweep file', () => {
  const ok = { name: 's', seeds: '1-3', base: { envId: 'CartPole-v1', totalTimesteps: 2048 }, arms: { a: {}, b: { learningRate: 1e-3, rudder: true } } };

  it('expands seeds and arms into fixed run folders, seed by seed', () => {
    const s = parseSweep(ok, '/x/sweep.json');
    expect(s.out).toBe('/x/sweeps/s');
    expect(s.seeds).toEqual([1, 2, 3]);
    expect(sweepRuns(s).map((r) => `${r.index}:${r.arm}:${r.seed}`)).toEqual(['0:a:1', '1:b:1', '2:a:2', '3:b:2', '4:a:3', '5:b:3']);
    expect(sweepRuns(s)[3]!.dir).toBe('/x/sweeps/s/b/seed-2');
    const b = s.arms[1]!;
    expect(b.config).toEqual({ envId: 'CartPole-v1', totalTimesteps: 2048, learningRate: 1e-3 });
    expect(b.flags).toContain('--rudder');
    expect(parseSweep({ ...ok, envModules: ['my-env.ts'] }, '/x/sweep.json').envModules).toEqual(['/x/my-env.ts']);
    expect(parseSeeds('1-3,7, 9-10')).toEqual([1, 2, 3, 7, 9, 10]);
    expect(parseSeeds([4, 2])).toEqual([4, 2]);
  });

  it('names the field of each error', () => {
    const bad = (patch: object): string => {
      try {
        parseSweep({ ...ok, ...patch }, 'sw.json');
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(bad({ arms: { a: { learningRate: 'fast' } } })).toMatch(/sw\.json is invalid:\n {2}- arms\.a\.learningRate: .*expected number/);
    expect(bad({ arms: { a: { numEnvs: 0 } } })).toMatch(/arms\.a\.numEnvs/);
    expect(bad({ base: { learningrate: 1 } })).toMatch(/base: Unrecognized key: "learningrate"/);
    expect(bad({ base: { seed: 4 } })).toMatch(/base\.seed: each run's seed comes from the sweep's `seeds`/);
    expect(bad({ seeds: '5-2' })).toMatch(/seeds: range "5-2" runs backwards/);
    expect(bad({ seeds: '1,x' })).toMatch(/seeds: "x" is not a seed or a range/);
    expect(bad({ seeds: '1,2,1' })).toMatch(/seed 1 is listed twice/);
    expect(bad({ arms: {} })).toMatch(/arms: needs at least one arm/);
    expect(bad({ arms: { 'a b': {} } })).toMatch(/arms\.a b: an arm name must be/);
    expect(bad({ name: undefined })).toMatch(/- name: /);
    expect(bad({ arms: { a: { alignAugment: true } } })).toMatch(/arms\.a\.alignAugment: sets up Align-RUDDER: add `align`/);
    expect(bad({ arms: { a: { rudder: { units: -1 } } } })).toMatch(/arms\.a\.rudder\.units/);
    expect(bad({ arms: { a: { numEnvs: 3, numSteps: 5 } } })).toMatch(/arms\.a \(base \+ its overrides\): numEnvs × numSteps = 15 must be divisible by numMinibatches = 4/);
  });

  it("the README's example sweep file is valid", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /## Sweeps[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!;
    const s = parseSweep(JSON.parse(block), '/x/cartpole-lr.json');
    expect(sweepRuns(s).length).toBe(30);
    expect(s.arms.map((a) => a.name)).toEqual(['default', 'fast', 'rudder']);
  });

  it('the CLI names a bad file and the field', async () => {
    const file = sweepFile('bad', { ...ok, arms: { a: { gamma: 2 } } });
    const [r, both] = await Promise.all([rudder('sweep', file), rudder('sweep', file, '--slurm', '--workers', '2')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rudder: sweep file .*bad\/sweep\.json is invalid:\n {2}- arms\.a\.gamma: /);
    expect(both.stderr).toContain('rudder: --slurm and --workers are different ways to run a sweep: choose one');
  });
});

describe('inPool', () => {
  it('runs at most N at a time, starts in order, and returns results in the items\' order whatever finished first', async () => {
    let running = 0, most = 0;
    const started: number[] = [];
    const out = await inPool([30, 5, 20, 1, 10], 2, async (ms, i) => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise((res) => setTimeout(res, ms));
      running--;
      return ms * 2;
    });
    expect(out).toEqual([60, 10, 40, 2, 20]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(await inPool([], 3, async () => 1)).toEqual([]);
    await expect(inPool([1], 0, async () => 1)).rejects.toThrow(/workers must be an integer ≥ 1, got 0/);
  });
});

describe('report statistics', () => {
  it('steps to threshold: the first step where the mean of the last 20 returns reaches it', () => {
    // 19 episodes of 10, then 30s: the 20-episode mean reaches 11 at the 20th episode (190 + 30 = 220 / 20 = 11).
    const eps = Array.from({ length: 25 }, (_, i) => ({ step: (i + 1) * 100, ret: i < 19 ? 10 : 30 }));
    expect(stepsToThreshold(eps, 11)).toBe(2000);
    // 12 needs 2 × 20 more: the 21st episode (20 × … : 18·10 + 2·30 = 240 / 20 = 12).
    expect(stepsToThreshold(eps, 12)).toBe(2100);
    expect(stepsToThreshold(eps, 31)).toBeNull();
    expect(stepsToThreshold(eps.slice(0, 10), 5)).toBeNull(); // fewer than 20 episodes: not yet
  });

  it('per arm summaries and Mann–Whitney p from hand-made runs', () => {
    // Two arms × 3 seeds of fake runs: arm "slow" returns 10 for 40 episodes, then its final value; "fast" reaches 20 early.
    const out = join(tmp, 'hand');
    const s = parseSweep({ name: 'hand', seeds: '1-3', out, base: { totalTimesteps: 512, numEnvs: 1, numSteps: 128 }, arms: { slow: {}, fast: {} }, threshold: 20 }, join(tmp, 'hand.json'));
    writeFileSync(join(tmp, 'hand.json'), '{}');
    const finals: Record<string, number[]> = { slow: [5, 7, 6], fast: [21, 25, 30] };
    const reachAt: Record<string, (number | null)[]> = { slow: [null, null, null], fast: [3000, 2000, 2500] };
    for (const r of sweepRuns(s)) {
      mkdirSync(r.dir, { recursive: true });
      const reach = reachAt[r.arm]![r.seed - 1]!;
      const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ type: 'episode', global_step: (i + 1) * 100, return: reach !== null && (i + 1) * 100 > reach - 2000 ? 20 : 10, length: 10 }));
      writeFileSync(join(r.dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
      writeFileSync(join(r.dir, 'config.json'), JSON.stringify({ totalTimesteps: 512, numEnvs: 1, numSteps: 128 }));
      writeFileSync(join(r.dir, 'summary.json'), JSON.stringify({ globalStep: 512, iterations: 4, episodes: 40, meanReturnLast20: finals[r.arm]![r.seed - 1], stoppedEarly: false, rewardThreshold: 475 }));
    }
    writeFileSync(join(out, 'sweep.json'), JSON.stringify(s));
    const { report, curves } = buildReport(readSweepDir(out), { baseline: 'slow' });
    expect(report.threshold).toBe(20); // the sweep's, over the env's 475
    const fast = report.arms[1]!, slow = report.arms[0]!;
    expect(fast.final).toEqual(summarize([21, 25, 30]));
    expect(fast.final.median).toBe(25);
    expect(fast.final.q1).toBe(23); // [21, 25, 30]: position 0.5 → 23
    expect(fast.final.q3).toBe(27.5);
    // Episodes ending after reach − 2000 return 20: the 20-episode mean reaches 20 when all 20 are such, at step `reach`.
    expect(fast.steps).toEqual([3000, 2000, 2500]);
    expect(slow.steps).toEqual([null, null, null]);
    // 3 vs 3, completely separated: exact two-sided p = 2 / C(6, 3) = 0.1, for both metrics.
    expect(fast.finalTest!.p).toBeCloseTo(0.1, 12);
    expect(fast.stepsTest!.p).toBeCloseTo(0.1, 12);
    expect(fast.finalTest!.u).toBe(9);
    expect(slow.finalTest).toBeNull();
    const md = formatReport(report);
    expect(md).toContain('| fast | 3 | 25 | 25.3 | 4.5 [23, 27.5] | 0.100 (exact) | 3/3 | 2.5k | 2.5k | 500 [2.25k, 2.75k] | 0.100 (exact) |');
    expect(md).toContain('| slow | 3 | 6 | 6 | 1 [5.5, 6.5] | – | 0/3 | ∞ | ∞ | 0 [∞, ∞] | – |');
    // Curves: at the last point every fast seed's mean is 20, every slow seed's 10.
    expect(curves[1]!.median.at(-1)).toBe(20);
    expect(curves[0]!.median.at(-1)).toBe(10);
    expect(median(curves[1]!.q3.filter(Number.isFinite))).toBeGreaterThanOrEqual(median(curves[0]!.q3.filter(Number.isFinite)));
    writeReport(out, { baseline: 'slow' });
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    expect(svg.match(/class="band"/g)?.length).toBe(2);
    expect(svg.match(/class="median"/g)?.length).toBe(2);
    expect(json<{ arms: { arm: string }[] }>(join(out, 'report.json')).arms.map((a) => a.arm)).toEqual(['slow', 'fast']);
    expect(() => buildReport(readSweepDir(out), { baseline: 'nope' })).toThrow(/--baseline nope: sweep hand has no such arm \(arms: slow, fast\)/);
  });
});

describe('running a sweep', () => {
  // One sweep serves the launchers, one seed, three arms: `a` and `twin` the same CartPole settings (whose env
  // state a checkpoint holds, so a resumed run repeats the uninterrupted one), `b` a user's env from a module file
  // given as `rudder --env-module` (not in the sweep file). Tiny runs: 32 iterations of 4 × 32 steps, a checkpoint each.
  const base = { envId: 'CartPole-v1', totalTimesteps: 4096, numSteps: 32, checkpointEvery: 1 };

  it('Slurm: the script maps SLURM_ARRAY_TASK_ID to its arm and seed and trains that run only; the local pool resumes it after a kill, trains the rest once and skips them on a rerun; every run loads --env-module; the report reads them', async () => {
    const file = sweepFile('pool', { name: 'pool', seeds: [1], out: 'out', base, arms: { b: { envId: 'Corridor-v0', learningRate: 1e-3 }, twin: {}, a: {} } });
    cpSync(resolve(ROOT, 'examples/custom-env.ts'), join(tmp, 'pool', 'corridor.ts'));
    const mod = join(tmp, 'pool', 'corridor.ts'), out = join(tmp, 'pool', 'out');
    // Relative to the launcher's folder; the script and the runs get it as an absolute path.
    const w = await rudder('--env-module', 'pool/corridor.ts', 'sweep', file, '--slurm', '--max-parallel', '3', '--sbatch', '--partition=cpu');
    expect(w.stderr).toBe('');
    const script = readFileSync(join(out, 'sweep.sbatch'), 'utf8');
    expect(script).toContain('#SBATCH --array=0-2%3\n');
    expect(script).toContain('#SBATCH --requeue\n');
    expect(script).toContain('#SBATCH --partition=cpu\n');
    expect(script).toContain(` --env-module ${mod} sweep ${file} --run "$ARM:$SEED"`);
    const outside = await exec('bash', [join(out, 'sweep.sbatch')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '3' } }).catch((e: { stderr: string; code: number }) => e);
    expect(outside).toMatchObject({ code: 2 });
    expect((outside as { stderr: string }).stderr).toContain('task 3 is outside 0-2');

    // Task 2 is the third run, seed by seed with the arms in file order: (a, 1). Killed after its second checkpoint.
    const task = spawn('bash', [join(out, 'sweep.sbatch')], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '2' }, stdio: 'ignore' });
    const ckpt = join(out, 'a', 'seed-1', 'checkpoints');
    while (!(existsSync(ckpt) && readdirSync(ckpt).filter((f) => f.startsWith('iter-')).length >= 2)) await new Promise((res) => setTimeout(res, 20));
    task.kill('SIGKILL'); // bash exec'd `rudder sweep --run`; its `rudder train` child sees its parent gone and is killed too (bin/parent-watch.mjs)
    await new Promise((res) => task.once('exit', res));
    await new Promise((res) => setTimeout(res, 300));
    expect(existsSync(join(out, 'a', 'seed-1', 'summary.json'))).toBe(false);
    expect(json<{ seed: number; envModules: string[] }>(join(out, 'a', 'seed-1', 'config.json'))).toMatchObject({ seed: 1, envModules: [mod] });
    for (const other of ['b', 'twin']) expect(existsSync(join(out, other, 'seed-1'))).toBe(false);

    const r = await rudder('sweep', file, '--workers', '2', '--env-module', 'pool/corridor.ts');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/start {2}a seed 1 \(resumed from its checkpoint\)/);
    expect(r.stdout).toMatch(/sweep pool:\n {2}b {5}1\/1 done\n {2}twin {2}1\/1 done\n {2}a {5}1\/1 done/);
    for (const arm of ['a', 'twin', 'b']) {
      const dir = join(out, arm, 'seed-1');
      expect(json<{ globalStep: number; seed: number }>(join(dir, 'summary.json'))).toMatchObject({ globalStep: 4096, seed: 1 });
      expect(json<{ envId: string; learningRate: number; envModules: string[] }>(join(dir, 'config.json'))).toMatchObject({ envId: arm === 'b' ? 'Corridor-v0' : 'CartPole-v1', learningRate: arm === 'b' ? 1e-3 : 2.5e-4, envModules: [mod] });
    }
    const starts = readFileSync(join(out, 'a', 'seed-1', 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"start"')).map((l) => JSON.parse(l) as { resumed_at: number });
    expect(starts.length).toBe(2);
    expect(starts[1]!.resumed_at).toBeGreaterThan(0);
    // The resumed run's records are those of the uninterrupted twin (wall-clock columns and start lines aside).
    const a = exactRunMetrics(join(out, 'a', 'seed-1')), twin = exactRunMetrics(join(out, 'twin', 'seed-1'));
    expect(a.iterations).toEqual([...Array(32).keys()].map((i) => i + 1));
    expect(a.jsonl).toEqual(twin.jsonl);

    const [again, rep] = await Promise.all([rudder('sweep', file, '--workers', '2'), rudder('report', out, '--threshold', '0.5')]);
    expect(again.stdout).toContain('3 already done; 0 to run');
    expect(rep.code).toBe(0);
    // One seed per arm: the median and mean are its final return, the IQR 0; b is the baseline, and one run against one is p = 1.
    const cell = (arm: string): string => String(Number(json<{ meanReturnLast20: number }>(join(out, arm, 'seed-1', 'summary.json')).meanReturnLast20.toPrecision(3))).replace('.', '\\.');
    const [fb, fa] = [cell('b'), cell('a')];
    expect(rep.stdout).toMatch(new RegExp(`\\| b \\| 1 \\| ${fb} \\| ${fb} \\| 0 \\[${fb}, ${fb}\\] \\| – \\|`));
    expect(rep.stdout).toMatch(new RegExp(`\\| a \\| 1 \\| ${fa} \\| ${fa} \\| 0 \\[${fa}, ${fa}\\] \\| 1\\.000 \\(exact\\) \\|`));
    expect(existsSync(join(out, 'curves.svg'))).toBe(true);
  }, 120_000); // generous: the machine may be busy with other suites
});
