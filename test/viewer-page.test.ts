// The viewer page in a real browser (Debian's chromium via playwright-core) against a real ws server that
// speaks the protocol from scripted episodes of the registered envs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { pack } from 'msgpackr';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEnvs, make } from '../src/envs/core/registry.ts';
import { sceneOf, type Scene, type Sprite } from '../src/envs/core/scene.ts';
import type { Env } from '../src/envs/core/env.ts';
import { initBackend } from '../src/agents/backend.ts';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
import { savePolicyModel } from '../src/agents/run/model-io.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { buildPage, PAGE_FILES } from '../src/viewer/build-page.ts';
import type { ViewerState } from '../src/viewer/page/state.ts';
import {
  colorDistance, customScene, decodePng, EXPERT_ENV, fakeRedistribution, launchChromium, metricsRows, PLAY_SEED, pixel, rgb, sceneEnvIds,
  startServer, type Rgba, type TestServer,
} from './viewer-page-harness.ts';

const WAIT = { timeout: 20_000 };
/** The page's global, as functions passed to page.evaluate see it (the root tsconfig has no DOM lib). */
type G = { __viewer: ViewerState };
let dir: string;
let browser: Browser;
let server: TestServer;
let page: Page;
let envIds: string[];
/** Every registered env with a scene (all of them). */
const ENV_IDS = sceneEnvIds(listEnvs());
let policyAgent: ActorCritic;
const POLICY_ENV = 'CartPole-v1';
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rudder-viewer-page-'));
  await buildPage(join(dir, 'page'));
  envIds = ENV_IDS;
  // A run with a saved policy (an untrained MLP is enough: the page must act as Node does).
  await initBackend('cpu');
  policyAgent = new ActorCritic(4, 2, [16, 16], 5);
  await savePolicyModel(join(dir, 'runs', `run-${POLICY_ENV}`, 'model'), policyAgent, POLICY_ENV);
  server = await startServer(join(dir, 'page'), envIds, join(dir, 'runs'));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // WebGL asked for: headless chromium's WebGL is SwiftShader, where the page would pick Canvas 2D by itself
  // (renderer.ts preferredBackend; that choice has its own tests below).
  await page.goto(`${server.url}?renderer=webgl`);
  await page.waitForFunction(() => (globalThis as unknown as G).__viewer?.ready && (globalThis as unknown as G).__viewer.connected && (globalThis as unknown as G).__viewer.runs.length > 0, null, WAIT);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const state = (): Promise<ViewerState> => page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as G).__viewer)) as ViewerState);

/** Clicks the run's replay button and waits until the new episode is on screen. */
async function openReplay(runId: string, nth = 0): Promise<ViewerState> {
  const before = (await state()).episodes.length;
  await page.locator(`.run[data-run="${runId}"] button.replay`).nth(nth).click();
  await page.waitForFunction((n) => {
    const v = (globalThis as unknown as G).__viewer;
    return v.episodes.length > n && v.episode === v.episodes[v.episodes.length - 1] && v.plots.quality !== null;
  }, before, WAIT);
  return state();
}

async function screenshot(): Promise<Rgba> {
  return decodePng(await page.locator('#pane-0 canvas').screenshot());
}

/** The sprite to probe: the topmost one whose centre no later sprite and no label covers. */
function probeSprite(scene: Scene): Sprite | undefined {
  const covers = (s: Sprite, x: number, y: number, labelled: boolean): boolean => {
    const r = (s.size ?? 1) * 0.6 + (s.shape ? Math.max(s.w ?? 1, s.h ?? 1) : 0);
    if (Math.abs(s.x - x) < r && Math.abs(s.y - y) < r) return true;
    return labelled && !!s.label && Math.abs(s.x - x) < 3 && s.y - y > 0 && s.y - y < 2.5;
  };
  const sprites = scene.sprites.filter((s) => !s.shape);
  for (let i = sprites.length - 1; i >= 0; i--) {
    const s = sprites[i]!;
    if (sprites.slice(i + 1).some((o) => covers(o, s.x, s.y, false))) continue;
    if (sprites.some((o) => o !== s && covers(o, s.x, s.y, true))) continue;
    return s;
  }
  return undefined;
}

/** A cell at least 3 cells from every sprite; its colour is the topmost layer's tile there. */
function probeTile(scene: Scene): { x: number; y: number; color: string } | undefined {
  for (let y = 0; y < scene.height; y++) {
    for (let x = 0; x < scene.width; x++) {
      if (scene.sprites.some((s) => Math.abs(s.x - x) < 3 + (s.w ?? 0) && Math.abs(s.y - y) < 3 + (s.w ?? 0))) continue;
      for (let i = scene.layers.length - 1; i >= 0; i--) {
        const l = scene.layers[i]!;
        const lx = x - (l.x ?? 0), ly = y - (l.y ?? 0);
        if (lx < 0 || ly < 0 || lx >= l.width || ly >= l.height) continue;
        const code = l.tiles[ly * l.width + lx]!;
        return { x, y, color: scene.palette.find((p) => p.code === code)!.color };
      }
    }
  }
  return undefined;
}

describe('viewer page in chromium', () => {
  it('loads over WebGL, lists every run from hello and has no page errors', async () => {
    const s = await state();
    expect(s.backend).toBe('webgl');
    expect(readdirSync(join(dir, 'page')).sort()).toEqual([...PAGE_FILES].sort()); // a fixed file set to serve
    expect(s.runs.map((r) => r.id)).toEqual([...envIds.map((id) => `run-${id}`), 'custom']);
    expect(envIds).toContain('CartPole-v1');
    expect(envIds.length).toBe(listEnvs().length); // every registered env has a scene now
    expect(pageErrors).toEqual([]);
  });

  it.each(ENV_IDS)('draws %s: sprite and tile pixels have their scene colours', async (envId) => {
    expect(await drawFailures(envId)).toEqual([]);
  });
});

/** Replays the env's scripted episode on `page` and probes a sprite's and a tile's pixels; what differs. */
async function drawFailures(envId: string): Promise<string[]> {
  const failures: string[] = [];
  const s = await openReplay(`run-${envId}`);
  expect(s.envId).toBe(envId);
  const scene = server.scripted.get(envId)!.frames[0]!;
  expect(s.hud).toEqual(scene.hud);
  expect(s.frameCount).toBe(server.scripted.get(envId)!.frames.length);
  const img = await screenshot();
  const c = s.cell;
  const sp = probeSprite(scene);
  if (!sp) failures.push(`${envId}: no probe-able sprite`);
  else {
    const got = pixel(img, (sp.x + 0.5) * c, (sp.y + 0.5) * c);
    if (colorDistance(got, rgb(sp.color ?? '#ffffff')) > 12) failures.push(`${envId}: sprite ${sp.kind} at ${sp.x},${sp.y}: ${got} ≠ ${sp.color}`);
  }
  const tile = probeTile(scene);
  if (tile) {
    const got = pixel(img, (tile.x + 0.5) * c, (tile.y + 0.5) * c);
    if (colorDistance(got, rgb(tile.color)) > 12) failures.push(`${envId}: tile ${tile.x},${tile.y}: ${got} ≠ ${tile.color}`);
  }
  return failures;
}

describe('viewer page on Canvas 2D (its own choice where WebGL is emulated on the CPU)', () => {
  let webglPage: Page;
  beforeAll(async () => {
    webglPage = page;
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(server.url);
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer?.ready && (globalThis as unknown as G).__viewer.connected && (globalThis as unknown as G).__viewer.runs.length > 0, null, WAIT);
  }, 60_000);
  afterAll(async () => {
    await page.close();
    page = webglPage;
  });

  it('picks Canvas 2D over SwiftShader’s WebGL', async () => {
    const renderer = await page.evaluate(`(() => { const gl = document.createElement('canvas').getContext('webgl'); const i = gl.getExtension('WEBGL_debug_renderer_info'); return gl.getParameter(i.UNMASKED_RENDERER_WEBGL); })()`);
    expect(String(renderer)).toMatch(/SwiftShader/i);
    expect((await state()).backend).toBe('canvas');
  });

  it.each(ENV_IDS)('draws %s on Canvas 2D: sprite and tile pixels have their scene colours', async (envId) => {
    expect(await drawFailures(envId)).toEqual([]);
  });
});

describe('viewer page drawing into the canvas element, or through a bitmaprenderer (?surface=dom|bitmap)', () => {
  // The page draws offscreen by default (surface.ts); the other two ways must still show every frame.
  let mainPage: Page;
  beforeAll(() => void (mainPage = page));
  afterAll(() => void (page = mainPage));

  it.each(['dom', 'bitmap'])('draws KeyDoorTreasure and Bowling with ?surface=%s, and plays (animation frames: about one per frame shown with dom, none with bitmap)', async (surface) => {
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    try {
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(`${server.url}?surface=${surface}`);
      await page.waitForFunction(() => (globalThis as unknown as G).__viewer?.ready && (globalThis as unknown as G).__viewer.connected && (globalThis as unknown as G).__viewer.runs.length > 0, null, WAIT);
      expect((await state()).surface).toBe(surface);
      expect(await drawFailures('Bowling-v0')).toEqual([]);
      expect(await drawFailures('KeyDoorTreasure-v0')).toEqual([]);
      // Playing: the frame drawn last is the one on screen.
      await page.evaluate(`(() => {
        const raf = globalThis.requestAnimationFrame;
        globalThis.__rafCalls = 0;
        globalThis.requestAnimationFrame = (cb) => (globalThis.__rafCalls++, raf.call(globalThis, cb));
      })()`);
      const draws0 = (await state()).draws;
      await page.click('#tl-play');
      await page.waitForFunction(() => (globalThis as unknown as G).__viewer.t >= 8, null, WAIT);
      await page.click('#tl-play'); // pause
      const s = await state();
      const calls = (await page.evaluate('globalThis.__rafCalls')) as number;
      if (surface === 'dom') expect(calls).toBeLessThanOrEqual(2 * (s.draws - draws0) + 4);
      else expect(calls).toBe(0);
      const agent = server.scripted.get('KeyDoorTreasure-v0')!.frames[s.t]!.sprites.find((p) => p.kind === 'agent')!;
      expect(colorDistance(pixel(await screenshot(), (agent.x + 0.5) * s.cell, (agent.y + 0.5) * s.cell), rgb(agent.color!))).toBeLessThan(13);
    } finally {
      await page.close();
      page = mainPage;
    }
  }, 60_000);
});

describe('episode view', () => {
  it('scrubs: stepping and the slider show step k\'s HUD and sprite', async () => {
    const envId = 'KeyDoorTreasure-v0';
    const s0 = await openReplay(`run-${envId}`);
    const frames = server.scripted.get(envId)!.frames;
    expect(s0.t).toBe(0);
    for (let i = 0; i < 5; i++) await page.click('#tl-fwd');
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.t === 5, null, WAIT);
    let s = await state();
    expect(s.hud).toEqual(frames[5]!.hud);
    expect(s.hudText).toContain(`step:\u00a0${String(frames[5]!.hud.step)}`);
    await page.click('#tl-back');
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.t === 4, null, WAIT);
    expect((await state()).hud).toEqual(frames[4]!.hud);

    const k = 17;
    await page.$eval('#tl-slider', (el, v) => {
      (el as unknown as { value: string }).value = String(v);
      el.dispatchEvent(new Event('input'));
    }, k);
    await page.waitForFunction((k) => (globalThis as unknown as G).__viewer.t === k, k, WAIT);
    s = await state();
    expect(s.hud).toEqual(frames[k]!.hud);
    expect(await page.textContent('#tl-label')).toBe(`t = ${k} / ${frames.length - 1}`);
    const agent = frames[k]!.sprites.find((p) => p.kind === 'agent')!;
    const img = await screenshot();
    expect(colorDistance(pixel(img, (agent.x + 0.5) * s.cell, (agent.y + 0.5) * s.cell), rgb(agent.color!))).toBeLessThan(13);
    // Outside keyboard play, → and ← step the timeline.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((t) => (globalThis as unknown as G).__viewer.t === t, k + 1, WAIT);
    expect((await state()).hud).toEqual(frames[k + 1]!.hud);
  });

  it('plays at 8× to the end of a finished episode, then stops', async () => {
    await page.selectOption('#tl-speed', '8');
    await page.evaluate(() => (globalThis as unknown as G).__viewer.seek(0));
    await page.click('#tl-play');
    await page.waitForFunction(() => !(globalThis as unknown as G).__viewer.playing && (globalThis as unknown as G).__viewer.t === (globalThis as unknown as G).__viewer.frameCount - 1, null, { timeout: 30_000 });
    const s = await state();
    expect(s.speed).toBe(8);
    expect(server.received).toContainEqual({ type: 'speed', factor: 8 });
    expect(server.received).toContainEqual({ type: 'pause', paused: false });
    await page.selectOption('#tl-speed', '1');
  });

  it('asks for about one animation frame per frame shown when it plays below the display\'s rate', async () => {
    // Each animation frame asked for is one chromium produces; at 10 fps the timeline sleeps between frames
    // instead of asking at the display's rate (60 a second: ~6 per frame shown).
    await page.evaluate(`(() => {
      const raf = globalThis.__rafBefore = globalThis.requestAnimationFrame;
      globalThis.__rafCalls = 0;
      globalThis.requestAnimationFrame = (cb) => (globalThis.__rafCalls++, raf.call(globalThis, cb));
    })()`);
    try {
      await openReplay('run-KeyDoorTreasure-v0');
      await page.selectOption('#tl-speed', '1');
      await page.evaluate(() => (globalThis as unknown as G).__viewer.seek(0));
      const fps = server.scripted.get('KeyDoorTreasure-v0')!.fps;
      expect(fps).toBeLessThanOrEqual(15);
      const [draws0, calls0] = (await page.evaluate('[globalThis.__viewer.draws, globalThis.__rafCalls]')) as [number, number];
      await page.click('#tl-play');
      await page.waitForFunction(() => (globalThis as unknown as G).__viewer.t >= 8, null, WAIT);
      await page.click('#tl-play'); // pause
      const [draws1, calls1] = (await page.evaluate('[globalThis.__viewer.draws, globalThis.__rafCalls]')) as [number, number];
      expect(draws1 - draws0).toBeGreaterThanOrEqual(8);
      expect(calls1 - calls0).toBeLessThanOrEqual(2 * (draws1 - draws0) + 4);
    } finally {
      await page.evaluate('globalThis.requestAnimationFrame = globalThis.__rafBefore');
    }
  });

  it('draws offscreen and plays on a timer: no animation frames, and per-frame texts at most once a second', async () => {
    // The pane's canvas hands its drawing to an OffscreenCanvas (surface.ts): a draw reaches the screen with
    // no page frame, so playback needs no animation frame. Any DOM write still costs a page frame: the
    // slider's label, the pane's title and the plot's step marker follow playback at most once a second,
    // and show the frame at once when paused.
    expect((await state()).surface).toBe('transfer');
    await openReplay('run-KeyDoorTreasure-v0');
    const frames = server.scripted.get('KeyDoorTreasure-v0')!.frames;
    const fps = server.scripted.get('KeyDoorTreasure-v0')!.fps;
    await page.selectOption('#tl-speed', '1');
    await page.evaluate(() => (globalThis as unknown as G).__viewer.seek(0));
    await page.evaluate(`(() => {
      const raf = globalThis.__rafBefore = globalThis.requestAnimationFrame;
      globalThis.__rafCalls = 0;
      globalThis.requestAnimationFrame = (cb) => (globalThis.__rafCalls++, raf.call(globalThis, cb));
      // Writes counted per task that made them (one observer callback each).
      const w = globalThis.__writes = { label: 0, title: 0, marker: 0 };
      globalThis.__observers = [['#tl-label', 'label'], ['#pane-0 .pane-head span', 'title'], ['.plot-marker', 'marker']].map(([sel, key]) => {
        const o = new MutationObserver(() => void w[key]++);
        o.observe(document.querySelector(sel), { childList: true, characterData: true, subtree: true, attributes: true });
        return o;
      });
    })()`);
    try {
      const draws0 = (await state()).draws;
      await page.click('#tl-play');
      const t0 = Date.now();
      await page.waitForFunction(() => (globalThis as unknown as G).__viewer.t >= 15, null, WAIT);
      const ms = Date.now() - t0;
      const [draws1, calls, writes] = (await page.evaluate('[globalThis.__viewer.draws, globalThis.__rafCalls, globalThis.__writes]')) as [number, number, Record<string, number>];
      expect(calls).toBe(0);
      expect(draws1 - draws0).toBeGreaterThanOrEqual(15);
      expect(draws1 - draws0).toBeLessThanOrEqual(Math.ceil((ms / 1000) * fps) + 2); // no frame shown twice
      // ~1.5 s of playback: a write as it starts, then one a second (at 250 ms, 6 or more).
      for (const key of ['label', 'title', 'marker']) expect(writes[key], key).toBeLessThanOrEqual(Math.ceil(ms / 1000) + 1);
      await page.click('#tl-play'); // pause
      const s = await state();
      expect(s.playing).toBe(false);
      expect(await page.textContent('#tl-label')).toBe(`t = ${s.t} / ${frames.length - 1}`);
      expect(await page.textContent('#pane-0 .pane-head span')).toMatch(new RegExp(` · t = ${s.t}$`));
      // The offscreen drawing is what the page shows: the agent where frame t has it.
      const agent = frames[s.t]!.sprites.find((p) => p.kind === 'agent')!;
      const img = await screenshot();
      expect(colorDistance(pixel(img, (agent.x + 0.5) * s.cell, (agent.y + 0.5) * s.cell), rgb(agent.color!))).toBeLessThan(13);
    } finally {
      await page.evaluate('globalThis.requestAnimationFrame = globalThis.__rafBefore; for (const o of globalThis.__observers) o.disconnect()');
    }
  });

  it('jumps to the next and previous event', async () => {
    // Find an env whose scripted replay has at least two event frames.
    const envId = envIds.find((id) => server.scripted.get(id)!.frames.filter((f) => f.events?.length).length >= 2);
    expect(envId, 'a scripted replay with events').toBeDefined();
    const frames = server.scripted.get(envId!)!.frames;
    const events = frames.flatMap((f, i) => (f.events?.length ? [i] : []));
    await openReplay(`run-${envId!}`);
    await page.click('#tl-next-event');
    await page.waitForFunction((t) => (globalThis as unknown as G).__viewer.t === t, events[0]!, WAIT);
    await page.click('#tl-next-event');
    await page.waitForFunction((t) => (globalThis as unknown as G).__viewer.t === t, events[1]!, WAIT);
    expect((await state()).captionText).toContain(`events: ${frames[events[1]!]!.events!.join(', ')}`);
    await page.click('#tl-prev-event');
    await page.waitForFunction((t) => (globalThis as unknown as G).__viewer.t === t, events[0]!, WAIT);
  });

  it('plots exactly the redistribution message\'s arrays, with running sums and the trust', async () => {
    const envId = 'Bowling-v0';
    const s = await openReplay(`run-${envId}`);
    const r = fakeRedistribution(server.scripted.get(envId)!, s.episode!);
    expect(s.plots.rewards).toEqual(r.rewards);
    expect(s.plots.redistributed).toEqual(r.redistributed);
    expect(s.plots.predictions).toEqual(r.predictions);
    let acc = 0;
    expect(s.plots.cumRedistributed).toEqual(r.redistributed.map((v) => (acc += v)));
    expect(s.plots.quality).toBe(r.quality);
    expect(s.plots.trust.episodes).toContain(s.episode);
    expect(await page.textContent('#trust-line')).toContain('trust q = 0.813');
    // The current step is marked: the marker line over the reward plot moves right as t grows.
    const markerAt = async (t: number): Promise<number> => {
      await page.evaluate((k) => (globalThis as unknown as G).__viewer.seek(k), t);
      const tf = await page.$eval('#plot-reward + .plot-marker', (e) => { const st = (e as unknown as { style: { display: string; transform: string } }).style; return st.display === 'none' ? 'none' : st.transform; });
      const m = /translateX\((\d+)px\)/.exec(tf);
      expect(m, `marker at t = ${t}: ${tf}`).not.toBeNull();
      return Number(m![1]);
    };
    const n = s.frameCount;
    const xs = [await markerAt(1), await markerAt(Math.floor(n / 2)), await markerAt(n - 1)];
    expect(xs[0]).toBeLessThan(xs[1]!);
    expect(xs[1]).toBeLessThan(xs[2]!);
    expect(xs[2]).toBeLessThanOrEqual(400); // inside the 400-pixel canvas
  });

  it('shows an HTML label of a custom env as literal text, drawn with no per-env code', async () => {
    const s = await openReplay('custom');
    expect(s.envId).toBe('Custom-v0');
    expect(s.labels).toEqual(['<b>x</b>']);
    expect(s.hudText).toContain('<i>not markup</i>');
    expect(await page.evaluate('document.querySelectorAll("#panes b, #panes i").length')).toBe(0);
    const sc = customScene();
    const sp = sc.sprites[0]!;
    const img = await screenshot();
    expect(colorDistance(pixel(img, (sp.x + 0.5) * s.cell, (sp.y + 0.5) * s.cell), rgb(sp.color!))).toBeLessThan(13);
    expect(colorDistance(pixel(img, 0.5 * s.cell, 1.5 * s.cell), rgb('#1f7a3a'))).toBeLessThan(13);
  });

  it('draws learning curves from metrics rows', async () => {
    await page.click('.run[data-run="run-KeyDoorTreasure-v0"] button.metrics');
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.metrics.y.length > 0, null, WAIT);
    const s = await state();
    const rows = metricsRows();
    expect(s.metrics.column).toBe('episode_return');
    expect(s.metrics.x).toEqual(rows.map((r) => r.global_step));
    expect(s.metrics.y).toEqual(rows.map((r) => r.episode_return));
  });

  it('pins an episode beside the next one; both step together', async () => {
    const first = await openReplay('run-EightRooms-v0');
    await page.click('#pin');
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.panes === 2, null, WAIT);
    await openReplay('run-FourRooms-v0');
    await page.evaluate(() => (globalThis as unknown as G).__viewer.seek(6));
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.t === 6, null, WAIT);
    expect(await page.textContent('#pane-1 .pane-head span')).toBe(`#${first.episode!} EightRooms-v0 (replay, 40 steps, return ${server.scripted.get('EightRooms-v0')!.rewards.reduce((a, b) => a + b, 0)}) · t = 6`);
    expect(await page.textContent('#pane-0 .pane-head span')).toMatch(/FourRooms-v0 .* · t = 6$/);
    await page.click('#pane-1 .pane-head button');
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.panes === 1, null, WAIT);
  });
});

describe('bad input from the server', () => {
  it('logs garbage frames and an invalid scene, and keeps working', async () => {
    const before = (await state()).errors.length;
    server.sendRaw(Uint8Array.of(0xc1));
    server.sendRaw(new TextEncoder().encode('not msgpack at all'));
    server.sendRaw(pack({ type: 'episode_start', episode: 999, source: 'replay', runId: 'x', envId: 'X', subEnv: -1, seed: null,
      globalStep: null, actionNames: [], fps: 10, scene: { version: 1, width: 0, height: 2, palette: [], layers: [], sprites: [], hud: {} } }));
    await page.waitForFunction((n) => (globalThis as unknown as G).__viewer.errors.length >= n + 3, before, WAIT);
    const s = await state();
    expect(s.errors.slice(before).join('\n')).toMatch(/episode 999: invalid start scene: width must be an integer ≥ 1/);
    expect(s.episodes).not.toContain(999);
    const after = await openReplay('run-WatchRepair-v0');
    expect(after.envId).toBe('WatchRepair-v0');
    // A step that does not follow the last frame cannot be applied (deltas): the episode stays as it was.
    server.sendRaw(pack({ type: 'step', episode: after.episode, t: after.frameCount + 3, action: 0, reward: 0, delta: { hud: { step: -1 } } }));
    await page.waitForFunction((n) => (globalThis as unknown as G).__viewer.errors.length > n, after.errors.length, WAIT);
    const s2 = await state();
    expect(s2.errors.at(-1)).toMatch(/the episode stops there/);
    expect(s2.frameCount).toBe(after.frameCount);
    await page.locator(`#episodes button[data-episode="${after.episode!}"]`, { hasText: 'cut at a lost step' }).waitFor(WAIT);
    expect(pageErrors).toEqual([]);
  });
});

describe('live', () => {
  it('plays a live episode as it streams, then the next one, each with the trainer\'s length and return', async () => {
    const envId = 'KeyDoorTreasure-v0';
    const ep = server.scripted.get(envId)!;
    const ret = ep.rewards.reduce((a, b) => a + b, 0);
    await page.selectOption('#tl-speed', '8');
    const before = Math.max(0, ...(await state()).episodes);
    await page.fill(`.run[data-run="run-${envId}"] input.subenv`, '2');
    await page.click(`.run[data-run="run-${envId}"] button.live`);
    // The first live episode plays (it was not clicked), reaching its last frame before the second shows.
    await page.waitForFunction((id) => (globalThis as unknown as G).__viewer.episode === id && (globalThis as unknown as G).__viewer.playing, before + 1, WAIT);
    await page.waitForFunction((id) => (globalThis as unknown as G).__viewer.episode === id, before + 2, { timeout: 30_000 });
    await page.waitForFunction((n) => (globalThis as unknown as G).__viewer.ended && (globalThis as unknown as G).__viewer.t === n, ep.frames.length - 1, { timeout: 30_000 });
    expect(server.received).toContainEqual({ type: 'subscribe', runId: `run-${envId}`, subEnv: 2 });
    const s = await state();
    expect(s.t).toBe(ep.frames.length - 1);
    // The run is still live: playback waits at the end for the next episode instead of stopping, which
    // would send the server `pause` and hold that episode's start.
    expect(s.playing).toBe(true);
    expect(server.received.slice(server.received.map((m) => m.type).lastIndexOf('subscribe'))).not.toContainEqual({ type: 'pause', paused: true });
    expect(s.hud).toEqual(ep.frames.at(-1)!.hud);
    for (const id of [before + 1, before + 2]) {
      expect(await page.textContent(`#episodes button[data-episode="${id}"]`)).toBe(`#${id} ${envId} (live, ${ep.actions.length} steps, return ${ret})`);
    }
    await page.selectOption('#tl-speed', '1');
  });
});

describe('policy in the page', () => {
  it('plays the run\'s saved policy with TensorFlow.js in the page: the same actions as Node\'s agent', async () => {
    const baseJs = server.requested.filter((p) => p.endsWith('.js'));
    await page.fill('#policy-seed', '3');
    await page.click(`.run[data-run="run-${POLICY_ENV}"] button.policy`);
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.policy.status !== 'loading' && (globalThis as unknown as G).__viewer.policy.status !== 'idle'
      && (globalThis as unknown as G).__viewer.policy.status !== 'playing', null, { timeout: 60_000 });
    const s = await state();
    expect(s.policy.status).toBe('done');
    expect(s.source).toBe('policy');
    expect(s.episode).toBe(s.policy.episode);
    // Node: the trainer's own greedy act on the same env from the same seed.
    const env = make(POLICY_ENV) as Env<Float32Array, number>;
    let obs = env.reset({ seed: 3 }).obs;
    const nodeActions: number[] = [];
    const a = new Int32Array(1), lp = new Float32Array(1), rng = new Rng(0);
    for (;;) {
      policyAgent.act(obs, 1, rng, a, lp, null, true);
      nodeActions.push(a[0]!);
      const r = env.step(a[0]!);
      obs = r.obs;
      if (r.terminated || r.truncated) break;
    }
    expect(nodeActions.length).toBeGreaterThan(5);
    expect(s.policy.actions).toEqual(nodeActions);
    expect(server.requested).toContain(`/runs/run-${POLICY_ENV}/model/model.json`);
    // TensorFlow.js came in policy.js, loaded only now, not with the base page.
    expect(baseJs).not.toContain('/policy.js');
    expect(server.requested.filter((p) => p.endsWith('.js') && !baseJs.includes(p))).toEqual(['/policy.js']);
    await page.waitForFunction((n) => (globalThis as unknown as G).__viewer.frameCount === n, nodeActions.length + 1, WAIT);
  });

  it('keeps the base page (what loads before a policy plays) under 250 kB gzipped', async () => {
    const p = await browser.newPage();
    const before = server.requested.length;
    await p.goto(server.url);
    await p.waitForFunction(() => (globalThis as unknown as G).__viewer?.ready, null, WAIT);
    const js = [...new Set(server.requested.slice(before).filter((x) => x.endsWith('.js')))];
    await p.close();
    expect(js).toEqual(['/app.js']);
    const bytes = js.reduce((n, f) => n + gzipSync(readFileSync(join(dir, 'page', f))).length, 0);
    expect(bytes).toBeLessThan(250_000);
  });
});

describe('keyboard play', () => {
  it('maps keys from the action names, sends play_act, shows each new frame and saves', async () => {
    const envId = 'KeyDoorTreasure-v0';
    // The policy's episode, played at 1× frame by frame, may still be playing: its end sends `pause`.
    await page.waitForFunction(() => !(globalThis as unknown as G).__viewer.playing, null, { timeout: 30_000 });
    server.received.length = 0;
    await page.click(`.run[data-run="run-${envId}"] button.play`);
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.source === 'play' && (globalThis as unknown as G).__viewer.keyMap.length > 0, null, WAIT);
    expect(server.received).toEqual([{ type: 'play_reset', runId: `run-${envId}`, envId }]);
    const legend = await page.textContent('#keys');
    expect(legend).toContain('←/A left');
    expect(legend).toContain('↑/W forward');
    expect(legend).toContain('1 pickup');
    expect((await state()).keyMap.map((b) => b.keys)).toEqual([['ArrowLeft', 'a'], ['ArrowRight', 'd'], ['ArrowUp', 'w'], ['1'], ['2']]);
    // forward, turn left, pickup, turn right (by WASD), open
    const keys = ['ArrowUp', 'ArrowLeft', '1', 'd', '2'];
    const expected = [2, 0, 3, 1, 4];
    for (let i = 0; i < keys.length; i++) {
      await page.keyboard.press(keys[i]!);
      await page.waitForFunction((n) => (globalThis as unknown as G).__viewer.frameCount === n && (globalThis as unknown as G).__viewer.t === n - 1, i + 2, WAIT);
    }
    expect(server.received.filter((m) => m.type === 'play_act')).toEqual(expected.map((action) => ({ type: 'play_act', action })));
    // What the page shows is what the env shows after the same actions from the same seed.
    const env = make(envId) as Env<unknown, number>;
    env.reset({ seed: PLAY_SEED });
    for (const a of expected) env.step(a);
    const s = await state();
    expect(s.hud).toEqual((JSON.parse(JSON.stringify(sceneOf(env))) as Scene).hud);
    await page.click('#play-save');
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.saved !== null, null, WAIT);
    expect((await state()).saved!.length).toBe(5);
    expect(server.received.at(-1)).toEqual({ type: 'play_save' });
  });

  it('saves a screenshot of a replay for the README (docs/viewer.png) when asked or missing', async () => {
    const out = join(import.meta.dirname, '..', 'docs', 'viewer.png');
    if (existsSync(out) && !process.env.VIEWER_SCREENSHOT) return;
    // A fresh page, so nothing from the tests above shows; the expert's KeyDoorTreasure episode mid-way.
    const p = await browser.newPage({ viewport: { width: 1180, height: 600 }, deviceScaleFactor: 1 });
    await p.goto(server.url);
    await p.waitForFunction(() => (globalThis as unknown as G).__viewer?.connected && (globalThis as unknown as G).__viewer.runs.length > 0, null, WAIT);
    await p.locator(`.run[data-run="run-${EXPERT_ENV}"] button.replay`).nth(1).click();
    await p.waitForFunction(() => (globalThis as unknown as G).__viewer.plots.quality !== null, null, WAIT);
    await p.click(`.run[data-run="run-${EXPERT_ENV}"] button.metrics`);
    await p.waitForFunction(() => (globalThis as unknown as G).__viewer.metrics.y.length > 0, null, WAIT);
    const frames = server.scripted.get(`${EXPERT_ENV}#expert`)!.frames;
    const k = Math.max(1, frames.findIndex((f) => f.events?.length));
    await p.evaluate((k) => (globalThis as unknown as G).__viewer.seek(k), k);
    await p.waitForFunction((k) => (globalThis as unknown as G).__viewer.t === k, k, WAIT);
    await p.evaluate('document.querySelector("aside").scrollTop = 0');
    const png = await p.screenshot();
    await p.close();
    writeFileSync(out, png);
    expect(png.length).toBeLessThan(200_000);
  });
});

describe('reconnect', () => {
  it('reconnects after the server drops it; a new connection\'s episode ids do not clobber held episodes', async () => {
    const first = await openReplay('run-WatchRepair-v0');
    const held = first.episodes.length;
    const connections = first.connections;
    server.dropClients();
    await page.waitForFunction((n) => (globalThis as unknown as G).__viewer.connections > n && (globalThis as unknown as G).__viewer.runs.length > 0, connections, WAIT);
    const s = await openReplay('run-Venture-v0');
    expect(s.episode).toBe(1); // the new connection numbers from 1 again
    expect(s.envId).toBe('Venture-v0');
    expect(s.episodes.length).toBe(held + 1);
    // Both episodes are listed, and the first still opens.
    await page.click(`#episodes button[data-episode="${first.episode!}"] >> nth=-1`);
    await page.waitForFunction(() => (globalThis as unknown as G).__viewer.envId === 'WatchRepair-v0', null, WAIT);
    expect((await state()).episode).toBe(first.episode);
  });
});
