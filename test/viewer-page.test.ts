// The viewer page in a real browser (Debian's chromium via playwright-core) against a real ws server that
// speaks the protocol from scripted episodes of the registered envs.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEnvs, make } from '../src/envs/core/registry.ts';
import { sceneOf, type Scene, type Sprite } from '../src/envs/core/scene.ts';
import type { Env } from '../src/envs/core/env.ts';
import { buildPage } from '../src/viewer/build-page.ts';
import type { ViewerState } from '../src/viewer/page/state.ts';
import {
  colorDistance, customScene, decodePng, fakeRedistribution, launchChromium, metricsRows, PLAY_SEED, pixel, rgb, sceneEnvIds,
  startServer, type Rgba, type TestServer,
} from './viewer-page-harness.ts';

const WAIT = { timeout: 20_000 };
let dir: string;
let browser: Browser;
let server: TestServer;
let page: Page;
let envIds: string[];
const pageErrors: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rudder-viewer-page-'));
  await buildPage(dir);
  envIds = sceneEnvIds(listEnvs());
  server = await startServer(dir, envIds);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(server.url);
  await page.waitForFunction(() => window.__viewer?.ready && window.__viewer.connected && window.__viewer.runs.length > 0, null, WAIT);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const state = (): Promise<ViewerState> => page.evaluate(() => JSON.parse(JSON.stringify(window.__viewer)) as ViewerState);

/** Clicks the run's replay button and waits until the new episode is on screen. */
async function openReplay(runId: string): Promise<ViewerState> {
  const before = (await state()).episodes.length;
  await page.click(`.run[data-run="${runId}"] button.replay`);
  await page.waitForFunction((n) => window.__viewer.episodes.length > n && window.__viewer.episode === Math.max(...window.__viewer.episodes)
    && window.__viewer.plots.quality !== null, before, WAIT);
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
    expect(s.runs.map((r) => r.id)).toEqual([...envIds.map((id) => `run-${id}`), 'custom']);
    expect(envIds).toContain('CartPole-v1');
    expect(envIds.length).toBe(listEnvs().length); // every registered env has a scene now
    expect(pageErrors).toEqual([]);
  });

  it('draws every registered env: sprite and tile pixels have their scene colours', async () => {
    const failures: string[] = [];
    for (const envId of envIds) {
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
    }
    expect(failures).toEqual([]);
  });
});
