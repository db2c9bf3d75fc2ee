// The viewer end to end: the real server (createViewerServer with a LiveSource on a real PPO + RUDDER run
// writing a run folder, and a second run folder on disk), the built page in Debian's chromium. What the page
// shows is checked against the trainer's own records, RUDDER's own output and the env stepped in Node.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainPpo, type EpisodeRecord } from '../src/agents/ppo/ppo.ts';
import { AlignRudder, alignDemoFrom } from '../src/align/index.ts';
import { loadDemonstration, make, RoomsEnv } from '../src/envs/index.ts';
import { sceneOf } from '../src/envs/core/scene.ts';
import { roomsSrStates } from '../src/experiments/rooms.ts';
import { RudderRedistribution, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';
import { buildPage } from '../src/viewer/build-page.ts';
import type { ViewerState } from '../src/viewer/page/state.ts';
import { createViewerServer, EpisodeRecorder, LiveSource, loadTrainingEpisode, type ViewerServer } from '../src/viewer/server/index.ts';
import { launchChromium } from './viewer-page-harness.ts';

const WAIT = { timeout: 10_000 };
type G = { __viewer: ViewerState };
const CFG = { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 }, totalTimesteps: 8192, numEnvs: 4, numSteps: 512, seed: 3 };

let dir: string;
let browser: Browser;
let page: Page;
let server: ViewerServer;
let live: LiveSource;
const pageErrors: string[] = [];
// The live run's records (trainer and RUDDER), kept for the replay of its recorded episodes.
const episodes: EpisodeRecord[] = [];
const reports: RudderEpisode[] = [];
let recorded: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rudder-viewer-e2e-'));
  const staticDir = await buildPage(join(dir, 'page'));
  // A run folder on disk (as `rudder train --out` leaves one) to play FourRooms in.
  const rooms = join(dir, 'runs', 'rooms');
  mkdirSync(rooms, { recursive: true });
  writeFileSync(join(rooms, 'config.json'), JSON.stringify({ envId: 'FourRooms-v0', envKwargs: {}, seed: 1 }));
  live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runDir: join(dir, 'runs', 'kdt') });
  server = await createViewerServer({ staticDir, live, runDirs: [rooms] });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => void (m.type() === 'error' && pageErrors.push(m.text())));
  await page.goto(server.url);
  await until(() => { const v = (globalThis as unknown as G).__viewer; return v?.ready && v.connected && v.runs.length === 2; }, null);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits for `cond` in the page; on timeout the error carries what the page shows. */
async function until<A>(cond: (arg: A) => boolean, arg: A): Promise<void> {
  try {
    await page.waitForFunction(cond as (arg: unknown) => boolean, arg as unknown, WAIT);
  } catch (e) {
    const v = await state();
    const brief = { ...v, sent: v.sent.slice(-5), runs: v.runs.map((r) => ({ id: r.id, episodes: r.episodes })), keyMap: undefined };
    throw new Error(`${(e as Error).message.split('\n')[0]}; page: ${JSON.stringify(brief).slice(0, 2000)}`);
  }
}

const state = (): Promise<ViewerState> => page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as G).__viewer)) as ViewerState);

describe('the viewer against the real server', () => {
  it('shows a live PPO + RUDDER episode as the trainer and RUDDER saw it', async () => {
    const red = RudderRedistribution.forEnv(CFG.envId, CFG.envKwargs, { seed: 3, features: 'gridCodeCounts' });
    red.onEpisode = (e) => void reports.push(e);
    live.attachRudder(red);
    await page.selectOption('#tl-speed', '8');
    await page.locator('.run[data-run="kdt"] button.live').click();
    await until(() => (globalThis as unknown as G).__viewer.sent.some((m) => m.type === 'subscribe'), null);
    for (let k = 0; live.subscribers === 0 && k < 400; k++) await new Promise((r) => setTimeout(r, 5));
    expect(live.armedEnv).toBe(0);

    // rudder train --record-every's recorder on the same live source: training episodes to runs/kdt/episodes/.
    const recorder = new EpisodeRecorder(live, join(dir, 'runs', 'kdt'), { everySteps: 4096 });
    await trainPpo(CFG, {
      backend: 'cpu', tap: live.tap, redistribution: red, runDir: join(dir, 'runs', 'kdt'),
      hooks: { onEpisode: (e) => void episodes.push(e), onIteration: (s) => recorder.tick(s.globalStep) },
    });
    recorder.close();
    recorded = recorder.written;
    // The first live episode on screen, arrived whole with its redistribution; read at its last frame in the same
    // task (playback moves on to the next live episode as soon as it reaches the end).
    await until(() => {
      const v = (globalThis as unknown as G).__viewer;
      if (!(v.source === 'live' && v.ended && v.plots.quality !== null && v.plots.rewards.length === v.frameCount - 1)) return false;
      v.seek(v.frameCount - 1);
      (globalThis as unknown as { __seen: unknown }).__seen = JSON.parse(JSON.stringify(v));
      return true;
    }, null);
    const v = await page.evaluate(() => (globalThis as unknown as { __seen: ViewerState }).__seen);
    expect(v.subEnv).toBe(0);
    const mine = episodes.find((e) => e.env === 0 && e.globalStep === v.globalStep);
    expect(mine).toBeDefined();
    expect(v.frameCount - 1).toBe(mine!.length);
    expect(v.plots.cumReturn.at(-1)).toBeCloseTo(mine!.return, 6);
    expect(v.hud!.step).toBe(mine!.length); // the frames the page built end on the trainer's last step
    // The plotted redistribution is RUDDER's for that very episode: the k-th episode of sub-env 0 is its k-th report there.
    const onEnv0 = episodes.filter((e) => e.env === 0), reports0 = reports.filter((e) => e.env === 0);
    expect(reports0.map((e) => e.length)).toEqual(onEnv0.map((e) => e.length));
    const theirs = reports0[onEnv0.indexOf(mine!)]!;
    expect(v.plots.redistributed).toEqual(Array.from(theirs.redistributed));
    expect(v.plots.predictions).toEqual(Array.from(theirs.predictions));
    expect(v.plots.quality).toBe(theirs.quality);
    live.finish();
  }, 60_000);

  it('replays a recorded training episode from disk beside RUDDER’s redistribution of it', async () => {
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    const path = recorded.at(-1)!;
    const file = loadTrainingEpisode(join(dir, 'runs', 'kdt', path));
    await until((p) => (globalThis as unknown as G).__viewer.runs.some((r) => r.id === 'kdt' && r.episodes.includes(p)), path);
    await page.locator('.run[data-run="kdt"] button.replay', { hasText: path }).click();
    await until((n) => { const v = (globalThis as unknown as G).__viewer; return v.source === 'replay' && v.ended && v.frameCount === n && v.plots.quality !== null; }, file.actions.length + 1);
    const v = await state();
    expect(v.globalStep).toBe(file.globalStep);
    // Which episode it was, from the trainer's records; RUDDER's k-th report on sub-env 0 is its k-th episode there.
    const onEnv0 = episodes.filter((e) => e.env === 0), reports0 = reports.filter((e) => e.env === 0);
    const mine = onEnv0.find((e) => e.globalStep === file.globalStep && e.length === file.actions.length)!;
    expect(mine).toBeDefined();
    const theirs = reports0[onEnv0.indexOf(mine)]!;
    expect(v.plots.rewards).toEqual(file.rewards);
    expect(v.plots.redistributed).toEqual(Array.from(theirs.redistributed));
    expect(v.plots.predictions).toEqual(Array.from(theirs.predictions));
    expect(v.plots.quality).toBe(theirs.quality);
    expect(v.plots.cumReturn.at(-1)).toBeCloseTo(mine.return, 6);
  }, 60_000);

  it('plays FourRooms by keyboard as Node steps it, saves a demonstration Align-RUDDER accepts, and replays it', async () => {
    await page.locator('.run[data-run="rooms"] button.play').click();
    await until(() => (globalThis as unknown as G).__viewer.source === 'play', null);
    const start = await state();
    expect(start.seed).not.toBeNull();
    const keys = ['ArrowUp', 'ArrowLeft', 'ArrowUp', 'ArrowRight', 'ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowUp'];
    const env = make('FourRooms-v0');
    env.reset({ seed: start.seed! });
    const rewards: number[] = [];
    for (const [i, key] of keys.entries()) {
      const action = start.keyMap.findIndex((b) => b.keys.includes(key));
      expect(action).toBeGreaterThanOrEqual(0);
      await page.keyboard.press(key);
      await until((n) => (globalThis as unknown as G).__viewer.frameCount === n, i + 2);
      rewards.push(env.step(start.keyMap[action]!.action).reward);
      const s = await state();
      expect(s.t).toBe(i + 1);
      expect(s.hud).toEqual(sceneOf(env).hud); // the page's frame is the env's, from the server's seed
    }
    await page.locator('#play-save').click();
    await until(() => (globalThis as unknown as G).__viewer.saved !== null, null);
    const saved = (await state()).saved!;
    expect(saved.length).toBe(keys.length);
    const demo = loadDemonstration(join(dir, 'runs', 'rooms', saved.path));
    expect(demo).toMatchObject({ envId: 'FourRooms-v0', seed: start.seed, source: 'human' });
    expect(demo.rewards).toEqual(rewards);
    // Align-RUDDER takes it: its states re-simulated, an alignment model built from it.
    const rooms = make('FourRooms-v0').unwrapped as RoomsEnv;
    const aligned = alignDemoFrom(demo, (e) => (e.unwrapped as RoomsEnv).state, saved.path);
    expect(aligned.states.length).toBe(keys.length + 1);
    const ar = AlignRudder.fromDemos([aligned], { numStates: rooms.numStates, goalStates: rooms.goalState, srStates: roomsSrStates(rooms), seed: 1 });
    expect(ar.demoEvents.length).toBe(1);

    // The run list follows the folder: the saved file is offered for replay, and replays with the saved rewards.
    await until((p) => (globalThis as unknown as G).__viewer.runs.some((r) => r.episodes.includes(p)), saved.path);
    await page.locator(`.run[data-run="rooms"] button.replay`, { hasText: saved.path }).click();
    await until((n) => { const v = (globalThis as unknown as G).__viewer; return v.source === 'replay' && v.ended && v.frameCount === n; }, keys.length + 1);
    expect((await state()).plots.rewards).toEqual(demo.rewards);
  }, 60_000);

  it('runs under its Content-Security-Policy: the trained policy plays in the page (tfjs), nothing refused', async () => {
    const res = await fetch(server.url);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/); // no 'unsafe-eval', no inline script
    // The model the trainer saved at the end shows up in the run list by itself.
    await until(() => (globalThis as unknown as G).__viewer.runs.some((r) => r.id === 'kdt' && r.hasModel), null);
    await page.locator('.run[data-run="kdt"] button.policy').click();
    await until(() => (globalThis as unknown as G).__viewer.policy.status === 'done', null);
    const v = await state();
    expect(v.source).toBe('policy');
    expect(v.policy.actions.length).toBe(v.frameCount - 1);
    expect(v.policy.actions.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
