import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlignRudder, alignDemoFrom } from '../src/align/index.ts';
import { loadDemonstrations, make, nextRoomsAction, recordDemonstration, recordExpertDemonstrations, RoomsEnv, saveDemonstration, saveDemonstrations } from '../src/envs/index.ts';
import type { Demonstration } from '../src/envs/core/demonstration.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { roomsSrStates } from '../src/experiments/rooms.ts';
import { applySceneDelta, type EpisodeEndMessage, type EpisodeStartMessage, type ErrorMessage, type HelloMessage, type MetricsMessage, type RunsMessage, type SavedMessage, type StepMessage } from '../src/viewer/protocol.ts';
import { createViewerServer, type ViewerServer } from '../src/viewer/server/index.ts';
import { MIN_SEND_INTERVAL_MS } from '../src/viewer/server/playback.ts';
import { sceneAsReceived } from '../src/viewer/wire.ts';
import type { Scene } from '../src/envs/core/scene.ts';
import { rawGet, ViewerClient } from './support/viewer-client.ts';

/** A run folder as `rudder train` leaves it (config, metrics, model), plus a demonstration, and things that must not be served. */
function makeFixture(): { root: string; staticDir: string; runDir: string; demo: ReturnType<typeof recordDemonstration>; lines: Demonstration[] } {
  const root = mkdtempSync(join(tmpdir(), 'viewer-'));
  const staticDir = join(root, 'page');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>viewer</title><script src="app.js"></script>');
  writeFileSync(join(staticDir, 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'SECRET');
  symlinkSync(join(root, 'secret.txt'), join(staticDir, 'link-out.txt'));
  const runDir = join(root, 'runs', 'kdt-run');
  mkdirSync(join(runDir, 'model'), { recursive: true });
  mkdirSync(join(runDir, 'checkpoints'), { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 }, seed: 1 }));
  writeFileSync(join(runDir, 'metrics.jsonl'), [
    { type: 'start', env: 'KeyDoorTreasure-v0' }, { type: 'iteration', iteration: 1, global_step: 512, sps: 1000 },
    { type: 'episode', global_step: 600, return: 0.5, length: 40, nested: { dropped: true } },
  ].map((r) => JSON.stringify(r)).join('\n') + '\n{"type":"iterat');
  writeFileSync(join(runDir, 'model', 'model.json'), '{"modelTopology":{}}');
  writeFileSync(join(runDir, 'model', 'weights.bin'), Buffer.from([1, 2, 3, 4]));
  writeFileSync(join(runDir, 'checkpoints', 'state.json'), '{}');
  symlinkSync(join(root, 'secret.txt'), join(runDir, 'model', 'leak.bin'));
  // The scripted expert's episode on KeyDoorTreasure 5×5 from seed 11: it reaches the treasure (return > 0).
  const env = make('KeyDoorTreasure-v0', { size: 5 });
  const act = expertFor('KeyDoorTreasure-v0')!(env);
  let obs = env.reset({ seed: 11 }).obs;
  const actions: number[] = [];
  for (;;) {
    const a = act(obs) as number;
    actions.push(a);
    const r = env.step(a);
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
  const demo = recordDemonstration('KeyDoorTreasure-v0', { size: 5 }, 11, actions, 'expert');
  saveDemonstration(join(runDir, 'demos', 'expert-11.json'), demo);
  // A .jsonl file of two episodes (`rudder demos record` writes these): each is its own replay entry.
  const lines = recordExpertDemonstrations('KeyDoorTreasure-v0', { episodes: 2, seed: 20, envKwargs: { size: 5 } });
  saveDemonstrations(join(runDir, 'demos', 'expert-20.jsonl'), lines);
  return { root, staticDir, runDir, demo, lines };
}

describe('viewer server', () => {
  let fx: ReturnType<typeof makeFixture>;
  let server: ViewerServer;
  beforeAll(async () => {
    fx = makeFixture();
    server = await createViewerServer({ staticDir: fx.staticDir, runDirs: [fx.runDir] });
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds 127.0.0.1 and says hello with the run: env, action names, fps, episodes, model', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const c = await ViewerClient.open(server.url);
    const hello = c.messages[0] as HelloMessage;
    expect(hello).toMatchObject({ type: 'hello', protocol: 3, sceneVersion: 1, live: false });
    expect(hello.runs).toEqual([{
      id: 'kdt-run', envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 }, actionNames: make('KeyDoorTreasure-v0').metadata.actionNames, fps: 10,
      episodes: ['demos/expert-11.json', 'demos/expert-20.jsonl#0', 'demos/expert-20.jsonl#1'], hasModel: true,
    }]);
    expect(hello.runs[0]!.actionNames.length).toBeGreaterThan(2);
    await c.close();
  });

  it('serves the page and the run files the page needs, nothing else', async () => {
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('x-frame-options')).toBe('DENY'); // no other site frames keyboard play
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await index.text()).toContain('<title>viewer</title>');
    expect((await fetch(`${server.url}app.js`)).headers.get('content-type')).toMatch(/javascript/);
    const model = await fetch(`${server.url}runs/kdt-run/model/model.json`);
    expect(model.status).toBe(200);
    expect(await model.json()).toEqual({ modelTopology: {} });
    expect(Buffer.from(await (await fetch(`${server.url}runs/kdt-run/model/weights.bin`)).arrayBuffer())).toEqual(Buffer.from([1, 2, 3, 4]));
    expect((await fetch(`${server.url}runs/kdt-run/demos/expert-11.json`)).status).toBe(200);
    expect((await fetch(`${server.url}runs/kdt-run/checkpoints/state.json`)).status).toBe(404); // not a served part of a run
    expect((await fetch(`${server.url}runs/nope/model/model.json`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('keeps file access inside the served folders: dot segments, encoded dots, backslashes, absolute paths, NUL, symlinks out', async () => {
    const p = server.port;
    const cases: [string, number][] = [
      ['/../secret.txt', 400],
      ['/%2e%2e/secret.txt', 400],
      ['/%2E%2E/%2e%2e/etc/passwd', 400],
      ['/runs/kdt-run/model/../../../secret.txt', 400],
      ['/runs/kdt-run/model/%2e%2e/config.json', 400],
      ['/..%2fsecret.txt', 400],
      ['/..%5csecret.txt', 400],
      ['/%5c..%5csecret.txt', 400],
      ['//etc/passwd', 400],
      ['/%2fetc%2fpasswd', 400],
      ['/C:/Windows/win.ini', 400],
      ['/index.html%00.js', 400],
      ['/./index.html', 400],
      ['/%zz', 400],
      ['/link-out.txt', 404],
      ['/runs/kdt-run/model/leak.bin', 404],
      ['/missing.js', 404],
      ['/runs', 404],
    ];
    for (const [path, status] of cases) {
      const r = await rawGet(p, path);
      expect([path, r.status]).toEqual([path, status]);
      expect(r.body).not.toContain('SECRET');
    }
    expect((await rawGet(p, '/index.html')).status).toBe(200); // the same client, a fair request
  });

  it('refuses a foreign Origin or Host before the upgrade, and foreign Hosts on plain HTTP', async () => {
    await expect(ViewerClient.open(server.url, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(ViewerClient.open(server.url, { Origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow(/403/);
    await expect(ViewerClient.open(server.url, { Host: `rebind.example:${server.port}` })).rejects.toThrow(/403/);
    expect((await rawGet(server.port, '/index.html', { host: `rebind.example:${server.port}` })).status).toBe(403);
    const ok = await ViewerClient.open(server.url, { Origin: `http://localhost:${server.port}` });
    expect(ok.messages[0]!.type).toBe('hello');
    await ok.close();
    // Only WS_PATH upgrades.
    await expect(ViewerClient.open(server.url.replace(/\/$/, '/other/'))).rejects.toThrow(/404/);
  });

  it('bound to every interface only when asked: then IP-literal Hosts with its port pass, names and other ports do not', async () => {
    const open = await createViewerServer({ host: '0.0.0.0', staticDir: fx.staticDir });
    try {
      expect(open.url).toBe(`http://127.0.0.1:${open.port}/`);
      expect((await rawGet(open.port, '/index.html', { host: `127.0.0.1:${open.port}` })).status).toBe(200);
      expect((await rawGet(open.port, '/index.html', { host: `10.1.2.3:${open.port}` })).status).toBe(200);
      expect((await rawGet(open.port, '/index.html', { host: `rebind.example:${open.port}` })).status).toBe(403);
      expect((await rawGet(open.port, '/index.html', { host: `10.1.2.3:${open.port + 1}` })).status).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('replays a demonstration: re-simulated, every step streamed with the file’s reward, scenes rebuilt from deltas', async () => {
    const c = await ViewerClient.open(server.url);
    c.send({ type: 'speed', factor: 0.5 });
    const start = await c.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'kdt-run', path: 'demos/expert-11.json' }, (m) => m.type === 'episode_start');
    expect(start).toMatchObject({ source: 'replay', envId: 'KeyDoorTreasure-v0', seed: 11, fps: 10, subEnv: -1 });
    const t0 = performance.now();
    const msgs = await c.episode(start.episode);
    const steps = msgs.filter((m): m is StepMessage => m.type === 'step');
    expect(steps.length).toBe(fx.demo.actions.length);
    expect(steps.map((s) => s.reward)).toEqual(fx.demo.rewards);
    expect(steps.map((s) => s.action)).toEqual(fx.demo.actions);
    expect(steps.map((s) => s.t)).toEqual(steps.map((_, i) => i + 1));
    const end = msgs.at(-1) as EpisodeEndMessage;
    expect(end).toMatchObject({ type: 'episode_end', length: fx.demo.actions.length, terminated: true });
    expect(end.return).toBeCloseTo(fx.demo.return, 9);
    expect(fx.demo.return).toBeGreaterThan(0);
    // Paced at 10 fps × 0.5: after the frames sent ahead at the start (one send interval's), T frames take about T/5 s,
    // sent in few frames (several messages each).
    const ahead = Math.ceil((MIN_SEND_INTERVAL_MS / 1000) * 5) + 1;
    expect(steps.length).toBeGreaterThan(ahead + 1);
    expect(performance.now() - t0).toBeGreaterThan(((steps.length - ahead - 1) / 5) * 1000);
    expect(c.frames).toBeLessThan(c.messages.length);
    // The deltas rebuild the env's own scenes.
    const env = make('KeyDoorTreasure-v0', { size: 5 }).unwrapped as unknown as { scene(): Scene; reset(o: object): unknown; step(a: number): unknown };
    env.reset({ seed: 11 });
    let scene = start.scene;
    expect(scene).toEqual(sceneAsReceived(env.scene()));
    for (const s of steps) {
      env.step(s.action);
      scene = applySceneDelta(scene, s.delta);
      expect(scene).toEqual(sceneAsReceived(env.scene()));
    }
    await c.close();
  });

  it('replays each episode of a .jsonl file as its own entry', async () => {
    const c = await ViewerClient.open(server.url);
    c.send({ type: 'speed', factor: 8 });
    expect(fx.lines[0]!.actions).not.toEqual(fx.lines[1]!.actions); // two different episodes (seeds 20, 21)
    for (const k of [1, 0]) {
      const start = await c.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'kdt-run', path: `demos/expert-20.jsonl#${k}` }, (m) => m.type === 'episode_start');
      expect(start).toMatchObject({ source: 'replay', envId: 'KeyDoorTreasure-v0', seed: fx.lines[k]!.seed });
      const steps = (await c.episode(start.episode)).filter((m): m is StepMessage => m.type === 'step');
      expect(steps.map((s) => s.action)).toEqual(fx.lines[k]!.actions);
      expect(steps.map((s) => s.reward)).toEqual(fx.lines[k]!.rewards);
    }
    const err = (path: string) => c.ask<ErrorMessage>({ type: 'open_replay', runId: 'kdt-run', path }, (m) => m.type === 'error');
    for (const path of ['demos/expert-20.jsonl', 'demos/expert-20.jsonl#2', 'demos/expert-20.jsonl#01', 'demos/expert-11.json#0']) {
      expect(await err(path)).toMatchObject({ code: 'not_found' });
    }
    await c.close();
  });

  it('pauses and resumes a replay', async () => {
    const c = await ViewerClient.open(server.url);
    c.send({ type: 'speed', factor: 1 });
    const start = await c.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'kdt-run', path: 'demos/expert-11.json' }, (m) => m.type === 'episode_start');
    await c.wait((m) => m.type === 'step' && m.t === 2);
    c.send({ type: 'pause', paused: true });
    await new Promise((r) => setTimeout(r, 150));
    const n = c.messages.length;
    await new Promise((r) => setTimeout(r, 600)); // 6 frames' time at 10 fps
    expect(c.messages.length).toBe(n);
    c.send({ type: 'pause', paused: false });
    const msgs = await c.episode(start.episode);
    expect(msgs.filter((m) => m.type === 'step').length).toBe(fx.demo.actions.length);
    // A replay asked for while paused still comes (the page pauses whenever its timeline stops).
    c.send({ type: 'pause', paused: true });
    const again = await c.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'kdt-run', path: 'demos/expert-11.json' }, (m) => m.type === 'episode_start');
    expect((await c.episode(again.episode)).filter((m) => m.type === 'step').length).toBe(fx.demo.actions.length);
    await c.close();
  });

  it('serves run folders that appear under runsRoot, and tells connected pages when the run list changes', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'viewer-runs-root-'));
    const s = await createViewerServer({ staticDir: fx.staticDir, runsRoot: parent, refreshMs: 50 });
    try {
      const c = await ViewerClient.open(s.url);
      expect((c.messages[0] as HelloMessage).runs).toEqual([]);
      const dir = join(parent, 'later');
      mkdirSync(dir);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ envId: 'FourRooms-v0', envKwargs: {} }));
      const first = await c.wait<RunsMessage>((m) => m.type === 'runs');
      expect(first).toMatchObject({ live: false, runs: [{ id: 'later', envId: 'FourRooms-v0', episodes: [], hasModel: false }] });
      saveDemonstration(join(dir, 'demos', 'd.json'), recordDemonstration('FourRooms-v0', {}, 2, [0, 1], 'test'));
      const second = await c.wait<RunsMessage>((m) => m.type === 'runs' && m !== first);
      expect(second.runs[0]!.episodes).toEqual(['demos/d.json']);
      // A folder that is no valid run is skipped, not fatal.
      mkdirSync(join(parent, 'broken'));
      writeFileSync(join(parent, 'broken', 'config.json'), '{"envId": "NoSuchEnv-v0"}');
      s.refreshRuns();
      expect(s.runs.map((r) => r.id)).toEqual(['later']);
      expect((await c.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'later', path: 'demos/d.json' }, (m) => m.type === 'episode_start')).envId).toBe('FourRooms-v0');
      await c.close();
    } finally {
      await s.close();
    }
  });

  it('answers bad requests with errors naming the problem', async () => {
    const c = await ViewerClient.open(server.url);
    const err = (msg: unknown) => c.ask<ErrorMessage>(msg, (m) => m.type === 'error');
    expect(await err({ type: 'open_replay', runId: 'nope', path: 'demos/expert-11.json' })).toMatchObject({ code: 'unknown_run', message: expect.stringContaining('kdt-run') });
    expect(await err({ type: 'open_replay', runId: 'kdt-run', path: '../secret.txt' })).toMatchObject({ code: 'not_found' });
    expect(await err({ type: 'open_replay', runId: 'kdt-run', path: 'config.json' })).toMatchObject({ code: 'not_found' });
    expect(await err({ type: 'subscribe', runId: 'kdt-run', subEnv: 0 })).toMatchObject({ code: 'unknown_run', message: expect.stringContaining('not live') });
    expect(await err({ type: 'play_act', action: 1 })).toMatchObject({ code: 'bad_message', message: expect.stringContaining('play_reset') });
    expect(await err({ type: 'play_reset', runId: 'kdt-run', envId: 'Nope-v0' })).toMatchObject({ code: 'not_found', message: expect.stringContaining('Nope-v0') });
    expect(await err({ type: 'speed', factor: 100 })).toMatchObject({ code: 'bad_message', message: expect.stringContaining('factor') });
    await c.close();
  });

  it('get_metrics sends the rows of metrics.jsonl (scalars; a torn last line skipped)', async () => {
    const c = await ViewerClient.open(server.url);
    const m = await c.ask<MetricsMessage>({ type: 'get_metrics', runId: 'kdt-run' }, (x) => x.type === 'metrics');
    expect(m.rows).toEqual([
      { type: 'start', env: 'KeyDoorTreasure-v0' }, { type: 'iteration', iteration: 1, global_step: 512, sps: 1000 },
      { type: 'episode', global_step: 600, return: 0.5, length: 40 },
    ]);
    await c.close();
  });

  it('keyboard play: server seed, steps equal the env’s, a bad action leaves the env untouched, saved demos load and Align-RUDDER accepts them', async () => {
    const c = await ViewerClient.open(server.url);
    const saved: SavedMessage[] = [];
    for (let k = 0; k < 3; k++) {
      const start = await c.ask<EpisodeStartMessage>({ type: 'play_reset', runId: 'kdt-run', envId: 'FourRooms-v0' }, (m) => m.type === 'episode_start');
      expect(start).toMatchObject({ source: 'play', envId: 'FourRooms-v0', runId: 'kdt-run' });
      expect(Number.isInteger(start.seed)).toBe(true);
      // Play the scripted expert in a local env from the server's seed; the server's steps must match it.
      const env = make('FourRooms-v0');
      env.reset({ seed: start.seed! });
      let scene = start.scene;
      expect(scene).toEqual(sceneAsReceived((env.unwrapped as RoomsEnv).scene()));
      let ending = [false, false];
      for (let t = 1; ; t++) {
        if (t === 3) {
          const e = await c.ask<ErrorMessage>({ type: 'play_act', action: 99 }, (m) => m.type === 'error');
          expect(e).toMatchObject({ code: 'invalid_action', message: expect.stringContaining('action 99') });
        }
        const a = nextRoomsAction(env.unwrapped as RoomsEnv);
        const r = env.step(a);
        const s = await c.ask<StepMessage>({ type: 'play_act', action: a }, (m) => m.type === 'step' && m.t === t);
        expect([s.action, s.reward]).toEqual([a, r.reward]);
        scene = applySceneDelta(scene, s.delta);
        expect(scene).toEqual(sceneAsReceived((env.unwrapped as RoomsEnv).scene()));
        ending = [r.terminated, r.truncated];
        if (r.terminated || r.truncated) break;
      }
      const end = await c.wait<EpisodeEndMessage>((m) => m.type === 'episode_end' && m.episode === start.episode, 5000, 0);
      expect([end.terminated, end.truncated]).toEqual(ending);
      expect((await c.ask<ErrorMessage>({ type: 'play_act', action: 0 }, (m) => m.type === 'error')).message).toMatch(/episode has ended/);
      saved.push(await c.ask<SavedMessage>({ type: 'play_save', note: `try ${k}` }, (m) => m.type === 'saved'));
      env.close();
    }
    for (const s of saved) expect(s.path).toMatch(/^demos\/FourRooms-v0-\d{8}T\d{6}-\d+(-\d+)?\.json$/);
    const demos = loadDemonstrations(join(fx.runDir, 'demos')).filter((d) => d.envId === 'FourRooms-v0');
    expect(demos.length).toBe(3);
    expect(demos.map((d) => d.source)).toEqual(['human', 'human', 'human']);
    expect(demos.map((d) => d.return).sort()).toEqual(saved.map((s) => s.return).sort());
    const file = JSON.parse(readFileSync(join(fx.runDir, saved[0]!.path), 'utf8')) as { actions: number[]; note: string };
    expect(file.actions.length).toBe(saved[0]!.length);
    expect(file.note).toBe('try 0');
    const env = make('FourRooms-v0').unwrapped as RoomsEnv;
    const aligned = demos.map((d, i) => alignDemoFrom(d, (e) => (e.unwrapped as RoomsEnv).state, `demo ${i}`));
    const ar = AlignRudder.fromDemos(aligned, { numStates: env.numStates, goalStates: env.goalState, srStates: roomsSrStates(env), seed: 1 });
    expect(ar.demoEvents.length).toBe(3);
    // The saved episodes are listed for replay now.
    const hello = (await ViewerClient.open(server.url)).messages[0] as HelloMessage;
    expect(hello.runs[0]!.episodes).toEqual(expect.arrayContaining(saved.map((s) => s.path)));
    await c.close();
  });
});
