// A sweep on BullMQ with a real Redis (Debian's redis-server; .ci/run installs it): two workers, one killed
// mid-job, the job finishing on the other from its checkpoint, every seed's result exactly once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAME, type SweepJobData } from '../src/sweep/queue.ts';
import type { RunSummary } from '../src/sweep/run-one.ts';
import { rudderIn } from './support/rudder-cli.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = resolve(ROOT, 'bin/rudder.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'rudder-queue-'));
const children: ChildProcess[] = [];

async function rudder(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return rudderIn(tmp, ...args);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as { port: number }).port;
  await new Promise((res) => srv.close(res));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

async function until(what: string, ok: () => boolean, ms = 100_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A `rudder worker` whose output the test reads as it comes. */
function worker(url: string): { proc: ChildProcess; out: () => string } {
  let text = '';
  const proc = spawn(process.execPath, [BIN, 'worker', '--queue', url, '-j', '1', '--lock-ms', '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d: Buffer) => void (text += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => void (text += d.toString()));
  children.push(proc);
  return { proc, out: () => text };
}

let url = '';
let redis: ChildProcess | null = null;

beforeAll(async () => {
  if (spawnSync('redis-server', ['--version']).error) throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run does)');
  const port = await freePort();
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  url = `redis://127.0.0.1:${port}`;
  await until('redis-server to answer', () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() === 'PONG', 10_000);
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  redis?.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('sweep on a BullMQ queue', () => {
  it('a worker killed mid-job: the job finishes on the other from its checkpoint, each seed done once', async () => {
    // A user's env from a module given to `rudder sweep` only (the workers are started without it: the jobs carry
    // it); 32 iterations of 4 × 32 steps, a checkpoint each.
    const file = join(tmp, 'sweep.json');
    writeFileSync(file, JSON.stringify({ name: 'q', seeds: '1-2', out: 'out', base: { envId: 'Corridor-v0', totalTimesteps: 4096, numSteps: 32, checkpointEvery: 1 }, arms: { a: {} } }));
    const mod = resolve(ROOT, 'examples/custom-env.ts');
    const add = await rudder('--env-module', mod, 'sweep', file, '--queue', url);
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('sweep q: 2 run(s) enqueued');

    const A = worker(url);
    await until('worker A to start a job', () => /start q\.a\.seed-\d/.test(A.out()));
    const victim = /start (q\.a\.seed-(\d+))/.exec(A.out())!;
    const B = worker(url);
    const dir = join(tmp, 'out', 'a', `seed-${victim[2]}`);
    await until('a checkpoint of the victim', () => existsSync(join(dir, 'checkpoints')) && readdirSync(join(dir, 'checkpoints')).filter((f) => f.startsWith('iter-')).length >= 2);
    A.proc.kill('SIGKILL');
    await until('both runs to finish', () => ['1', '2'].every((s) => existsSync(join(tmp, 'out', 'a', `seed-${s}`, 'summary.json'))) && (B.out().match(/^done /gm)?.length ?? 0) === 2);

    expect(A.out()).not.toContain(`done ${victim[1]}`);
    expect(B.out()).toMatch(new RegExp(`start ${victim[1].replace(/\./g, '\\.')} \\(attempt \\d, resumed from its checkpoint\\)`));
    const starts = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"start"')).map((l) => JSON.parse(l) as { resumed_at: number });
    expect(starts.length).toBe(2);
    expect(starts[1]!.resumed_at).toBeGreaterThan(0);

    // Exactly one result per seed in the queue, each the run's summary of all its steps.
    const queue = new Queue<SweepJobData, RunSummary>(QUEUE_NAME, { connection: { url } });
    try {
      const done = (await queue.getJobs(['completed'])).filter((j) => j.name === 'q');
      expect(done.map((j) => j.returnvalue.seed).sort()).toEqual([1, 2]);
      for (const j of done) expect(j.returnvalue).toMatchObject({ arm: 'a', globalStep: 4096 });
      for (const j of done) expect(j.data.envModules).toEqual([mod]);
      expect(await queue.getJobs(['failed', 'active', 'waiting', 'delayed'])).toEqual([]);
    } finally {
      await queue.close();
    }
    for (const seed of ['1', '2']) expect(JSON.parse(readFileSync(join(tmp, 'out', 'a', `seed-${seed}`, 'config.json'), 'utf8'))).toMatchObject({ envId: 'Corridor-v0', envModules: [mod] });
    // Enqueuing again adds nothing: every run is done.
    const [st, again] = await Promise.all([rudder('sweep', 'status', 'q', '--queue', url), rudder('--env-module', mod, 'sweep', file, '--queue', url)]);
    expect(st.stdout).toMatch(/a {2}2\/2 done · 0 running · 0 waiting · 0 failed/);
    expect(again.stdout).toContain('0 run(s) enqueued, 0 failed one(s) retried, 0 already queued, 2 done');
    B.proc.kill('SIGTERM');
  }, 120_000); // generous: the machine may be busy with other suites

  it('an unreachable queue is a clear error', async () => {
    const port = await freePort(); // nothing listens there
    const file = join(tmp, 'sweep.json');
    const r = await rudder('sweep', file, '--queue', `redis://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`rudder: --queue redis://127.0.0.1:${port}: cannot reach Redis (connect ECONNREFUSED 127.0.0.1:${port})`);
  }, 30_000);
});
