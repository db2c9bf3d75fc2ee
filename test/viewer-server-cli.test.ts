import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EpisodeEndMessage, EpisodeStartMessage, HelloMessage, RedistributionMessage, StepMessage } from '../src/viewer/protocol.ts';
import { ViewerClient } from './support/viewer-client.ts';
import '../src/envs/index.ts'; // registers the built-in envs the replay makes
import { createViewerServer, loadTrainingEpisode, readRecordedEpisode } from '../src/viewer/server/index.ts';
import { runEval } from '../scripts/eval.ts';

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

  it('eval --record writes its episodes with RUDDER’s redistribution; the viewer lists them and replays them step for step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-cli-eval-')), out = join(dir, 'kdt');
    writeFileSync(join(dir, 'kdt.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, maxSteps: 60 } }));
    const train = start(['train', '--config', join(dir, 'kdt.json'), '--steps', '8192', '--seed', '2', '--rudder', '--out', out, '--no-progress']);
    expect(await train.exited).toBe(0);
    const ev = start(['eval', '--run', out, '--episodes', '3', '--seed', '40', '--record']);
    expect(await ev.exited).toBe(0);
    expect(ev.output()).toContain(`recorded 3 episode(s) in ${join(out, 'episodes')}`);
    const label = /checkpoint (\S+) ·/.exec(ev.output())![1]!;
    const names = [40, 41, 42].map((s) => `episodes/eval-${label}-seed${s}.json`);
    expect(readdirSync(join(out, 'episodes')).map((f) => `episodes/${f}`).sort()).toEqual(names);
    // The same evaluation in this process (greedy, same seeds): what each file must hold.
    const mine = await runEval({ run: out, episodes: 3, seed: 40, sample: false });
    const mean = /mean return (-?[\d.]+)/.exec(ev.output())![1]!;
    expect(Number(mean)).toBeCloseTo(mine.result.meanReturn, 2);
    const files = names.map((n) => loadTrainingEpisode(join(out, n)));
    files.forEach((f, i) => {
      expect(f).toMatchObject({ source: 'eval', seed: 40 + i, envId: 'KeyDoorTreasure-v0' });
      expect(f.actions.length).toBe(mine.result.lengths[i]);
      expect(f.return).toBeCloseTo(mine.result.returns[i]!, 9);
      expect(f.redistribution?.method).toBe('rudder');
      expect(f.redistribution!.redistributed.length).toBe(f.actions.length);
      // RUDDER's redistribution pays the episode's return (the last step carries G − ŷ).
      expect(f.redistribution!.redistributed.reduce((a, b) => a + b, 0)).toBeCloseTo(f.return, 4);
    });

    // The viewer: the run list names them, and a replay over a real socket re-simulates each from its file.
    const staticDir = mkdtempSync(join(tmpdir(), 'viewer-cli-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    const server = await createViewerServer({ staticDir, runDirs: [out], port: 0 });
    try {
      const c = await ViewerClient.open(server.url);
      expect((c.messages[0] as HelloMessage).runs[0]!.episodes).toEqual(names);
      c.send({ type: 'speed', factor: 8 });
      for (const [i, path] of names.entries()) {
        const st = await c.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'kdt', path }, (m) => m.type === 'episode_start');
        expect(st).toMatchObject({ source: 'replay', seed: 40 + i });
        const msgs = await c.episode(st.episode);
        const steps = msgs.filter((m): m is StepMessage => m.type === 'step');
        const end = msgs.find((m): m is EpisodeEndMessage => m.type === 'episode_end')!;
        expect(steps.length).toBe(mine.result.lengths[i]);
        expect(end.length).toBe(mine.result.lengths[i]);
        expect(end.return).toBeCloseTo(mine.result.returns[i]!, 9);
        expect(steps.map((m) => m.action)).toEqual(files[i]!.actions);
        const rd = msgs.find((m): m is RedistributionMessage => m.type === 'redistribution')!;
        expect(rd.redistributed).toEqual(files[i]!.redistribution!.redistributed);
      }
      await c.close();
    } finally {
      await server.close();
    }
  }, 120_000);

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
