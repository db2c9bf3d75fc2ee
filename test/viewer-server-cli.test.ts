import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpisodeEndMessage, HelloMessage } from '../src/viewer/protocol.ts';
import { ViewerClient } from './support/viewer-client.ts';
import '../src/envs/index.ts'; // registers the built-in envs the replay makes
import { loadTrainingEpisode, readRecordedEpisode } from '../src/viewer/server/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = resolve(ROOT, 'bin/rudder.mjs');

/** Starts `rudder …`; `output()` is everything printed so far, `exited` its exit code. */
function start(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exited };
}

async function until<T>(f: () => T | null | undefined, ms: number, what: string, output: () => string): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('rudder train --view and rudder view', () => {
  it('train --view prints the URL, streams the run live, keeps serving the finished run, stops on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-cli-')), out = join(dir, 'kdt');
    // Short episodes (5×5, 60 steps), so a few end in every sub-env during the run.
    writeFileSync(join(dir, 'kdt.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, maxSteps: 60 } }));
    const p = start(['train', '--config', join(dir, 'kdt.json'), '--steps', '8192', '--seed', '2', '--rudder', '--out', out, '--view', '--port', '0', '--no-progress']);
    try {
      const url = await until(() => /viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(p.output())?.[1], 30_000, 'the URL', p.output);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<script/);
      const c = await ViewerClient.open(url);
      const hello = c.messages[0] as HelloMessage;
      expect(hello).toMatchObject({ live: true, runs: [{ id: 'kdt', envId: 'KeyDoorTreasure-v0' }] });
      c.send({ type: 'speed', factor: 8 });
      c.send({ type: 'subscribe', runId: 'kdt', subEnv: 0 });
      await until(() => /the viewer keeps serving/.test(p.output()), 60_000, 'the end of training', p.output);
      expect(p.output()).toMatch(/done: 8,192 steps/);
      // The run's episodes reach the page (PPO let the server run between iterations).
      const end = await c.wait<EpisodeEndMessage>((m) => m.type === 'episode_end', 20_000, 0);
      expect(end.length).toBeGreaterThan(0);
      expect(c.messages.some((m) => m.type === 'redistribution')).toBe(true);
      // The finished run: its model is there for the page.
      const again = await ViewerClient.open(url);
      expect((again.messages[0] as HelloMessage).runs[0]!.hasModel).toBe(true);
      expect((again.messages[0] as HelloMessage).live).toBe(false); // training is over
      expect(await again.ask({ type: 'subscribe', runId: 'kdt', subEnv: 0 }, (m) => m.type === 'error')).toMatchObject({ message: expect.stringMatching(/training has finished/) });
      expect((await fetch(`${url}runs/kdt/model/model.json`)).status).toBe(200);
      await c.close();
      await again.close();
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('train --record-every writes training episodes with RUDDER’s redistribution that replay from disk (no viewer needed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-cli-rec-')), out = join(dir, 'kdt');
    writeFileSync(join(dir, 'kdt.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, maxSteps: 60 } }));
    const p = start(['train', '--config', join(dir, 'kdt.json'), '--steps', '8192', '--seed', '2', '--rudder', '--record-every', '4096', '--out', out, '--no-progress']);
    expect(await p.exited).toBe(0);
    const files = readdirSync(join(out, 'episodes'));
    expect(p.output()).toContain(`recorded ${files.length} training episodes in ${join(out, 'episodes')}`);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const e = loadTrainingEpisode(join(out, 'episodes', f));
      expect(e.redistribution?.redistributed.length).toBe(e.actions.length);
      expect(readRecordedEpisode(join(out, 'episodes', f), f).redistribution?.redistributed).toEqual(e.redistribution!.redistributed);
    }
  });

  it('view refuses what it cannot serve, naming it; --port without --view is an error', async () => {
    const missing = start(['view', '/nonexistent/run', '--port', '0']);
    const notRun = start(['view', tmpdir(), '--port', '0']);
    const stray = start(['train', '--port', '9000']);
    expect(await Promise.all([missing.exited, notRun.exited, stray.exited])).toEqual([1, 1, 1]);
    expect(missing.output()).toMatch(/\/nonexistent\/run: no such folder/);
    expect(notRun.output()).toMatch(/not a run folder/);
    expect(stray.output()).toMatch(/--port and --host set up the viewer: add --view/);
  });
});
