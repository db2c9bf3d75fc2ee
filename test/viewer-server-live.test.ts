import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainPpo, type EpisodeRecord } from '../src/agents/ppo/ppo.ts';
import { RudderRedistribution, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';
import {
  applySceneDelta, type EpisodeEndMessage, type EpisodeStartMessage, type ErrorMessage, type MetricsMessage, type RedistributionMessage, type StepMessage,
} from '../src/viewer/protocol.ts';
import { createViewerServer, LiveSource, type LiveEpisode } from '../src/viewer/server/index.ts';
import { recordDemonstration, saveDemonstration } from '../src/envs/index.ts';
import { ViewerClient } from './support/viewer-client.ts';

const CFG = { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 }, totalTimesteps: 8192, numEnvs: 4, numSteps: 512, seed: 3 };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('live training in the viewer', () => {
  it('streams a sub-env’s episode as the trainer saw it, with RUDDER’s redistribution for that episode, and metrics as they come', async () => {
    const root = mkdtempSync(join(tmpdir(), 'viewer-live-'));
    mkdirSync(join(root, 'page'));
    writeFileSync(join(root, 'page', 'index.html'), '<!doctype html>');
    const live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runId: 'live' });
    const red = RudderRedistribution.forEnv(CFG.envId, CFG.envKwargs, { seed: 3, features: 'gridCodeCounts' });
    const rudderSeen: RudderEpisode[] = [];
    red.onEpisode = (e) => rudderSeen.push(e); // a listener already there stays (train.ts logs this way)
    live.attachRudder(red);
    const old = join(root, 'old');
    mkdirSync(old);
    writeFileSync(join(old, 'config.json'), JSON.stringify({ envId: CFG.envId, envKwargs: CFG.envKwargs }));
    saveDemonstration(join(old, 'demos', 'd.json'), recordDemonstration(CFG.envId, CFG.envKwargs, 4, [2, 2, 1, 2, 0, 2], 'test'));
    const server = await createViewerServer({ staticDir: join(root, 'page'), live, runDirs: [old] });
    try {
      expect(live.armedEnv).toBe(-1); // nobody watches: the tap is off
      const c = await ViewerClient.open(server.url);
      expect(c.messages[0]).toMatchObject({ type: 'hello', live: true, runs: [{ id: 'live', envId: CFG.envId, hasModel: false }, { id: 'old' }] });
      expect((await c.ask<ErrorMessage>({ type: 'subscribe', runId: 'live', subEnv: 4 }, (m) => m.type === 'error')).message).toMatch(/sub-envs 0..3/);
      c.send({ type: 'speed', factor: 8 });
      c.send({ type: 'get_metrics', runId: 'live' });
      c.send({ type: 'subscribe', runId: 'live', subEnv: 1 });
      await until(() => live.subscribers === 1);
      expect(live.armedEnv).toBe(1);
      const direct: LiveEpisode[] = [];
      const stopDirect = live.subscribe(1, (e) => direct.push(e));

      const episodes: EpisodeRecord[] = [];
      await trainPpo(CFG, {
        backend: 'cpu', tap: live.tap, redistribution: red,
        hooks: { onEpisode: (e) => void episodes.push(e), onIteration: (s) => live.metric({ type: 'iteration', iteration: s.iteration, global_step: s.globalStep }) },
      });
      expect(direct.length).toBeGreaterThanOrEqual(2); // re-armed after each episode

      // The first episode the page got (the player skips to the newest when behind, so it is the first captured).
      const start = await c.wait<EpisodeStartMessage>((m) => m.type === 'episode_start', 10_000, 0);
      expect(start).toMatchObject({ source: 'live', runId: 'live', envId: CFG.envId, subEnv: 1, seed: null });
      const msgs = await c.episode(start.episode);
      const steps = msgs.filter((m): m is StepMessage => m.type === 'step');
      const end = msgs.at(-1) as EpisodeEndMessage;
      const red0 = msgs.find((m): m is RedistributionMessage => m.type === 'redistribution')!;
      expect(msgs.map((m) => m.type).slice(0, 3)).toEqual(['episode_start', 'redistribution', 'step']);

      // The trainer's own record of that episode (sub-env 1, ending at the start message's global step).
      const mine = episodes.find((e) => e.env === 1 && e.globalStep === start.globalStep)!;
      expect(mine).toBeDefined();
      expect(end.length).toBe(mine.length);
      expect(steps.length).toBe(mine.length);
      expect(end.return).toBeCloseTo(mine.return, 6);
      expect(steps.reduce((a, s) => a + s.reward, 0)).toBeCloseTo(mine.return, 6);
      expect(direct[0]!.captured.globalStep).toBe(start.globalStep);
      expect(Array.from(direct[0]!.captured.rewards)).toEqual(steps.map((s) => s.reward));
      let scene = start.scene;
      for (const s of steps) scene = applySceneDelta(scene, s.delta);
      expect(scene.hud.step).toBe(mine.length);

      // RUDDER's report for that very episode: the k-th finished episode of sub-env 1 is RUDDER's k-th report for it.
      const onEnv1 = episodes.filter((e) => e.env === 1), rudder1 = rudderSeen.filter((e) => e.env === 1);
      expect(rudder1.map((e) => e.length)).toEqual(onEnv1.map((e) => e.length));
      const theirs = rudder1[onEnv1.indexOf(mine)]!;
      expect(red0).toMatchObject({ method: 'rudder', quality: theirs.quality, error: theirs.error });
      expect(red0.redistributed).toEqual(Array.from(theirs.redistributed));
      expect(red0.predictions).toEqual(Array.from(theirs.predictions));
      expect(red0.rewards).toEqual(steps.map((s) => s.reward));
      expect(red0.redistributed.length).toBe(mine.length);
      // Every episode handed to a subscriber was paired with its own report.
      for (const d of direct) {
        const k = onEnv1.findIndex((e) => e.globalStep === d.captured.globalStep);
        expect(d.redistribution).toBe(rudder1[k]);
      }

      // Metrics rows as the trainer reported them, after the (empty) file's rows.
      await until(() => c.messages.filter((m) => m.type === 'metrics').length >= 1 + 4);
      const rows = c.messages.filter((m): m is MetricsMessage => m.type === 'metrics').flatMap((m) => m.rows);
      expect(rows.map((r) => r.iteration)).toEqual([1, 2, 3, 4]);

      // Everyone gone: the tap switches off.
      await c.close();
      await until(() => live.subscribers === 1);
      stopDirect.close();
      expect(live.armedEnv).toBe(-1);

      // A page alone captures on demand: the next episode when the last one starts to play, not every episode.
      const page = await ViewerClient.open(server.url);
      page.send({ type: 'subscribe', runId: 'live', subEnv: 2 });
      await until(() => live.subscribers === 1);
      const before = live.delivered;
      let onEnv2 = 0;
      const r = await trainPpo(CFG, { backend: 'cpu', tap: live.tap, hooks: { onEpisode: (e) => void (e.env === 2 && onEnv2++) } });
      expect(r.globalStep).toBe(CFG.totalTimesteps);
      expect(onEnv2).toBeGreaterThan(6);
      expect(live.delivered - before).toBeGreaterThanOrEqual(1);
      expect(live.delivered - before).toBeLessThanOrEqual(2); // one playing (1× speed: seconds), one waiting
      await page.wait((m) => m.type === 'episode_start' && m.subEnv === 2, 5000, 0);
      // A replay in between: the live episode that waits plays after it, and asks for the next capture.
      expect(live.armedEnv).toBe(-1); // one plays, one waits: nothing asked for
      page.send({ type: 'speed', factor: 8 });
      const replay = await page.ask<EpisodeStartMessage>({ type: 'open_replay', runId: 'old', path: 'demos/d.json' }, (m) => m.type === 'episode_start' && m.source === 'replay');
      const replayEnd = await page.wait((m) => m.type === 'episode_end' && m.episode === replay.episode, 5000, 0);
      const resumed = await page.wait<EpisodeStartMessage>((m) => m.type === 'episode_start' && m.source === 'live', 5000, page.messages.indexOf(replayEnd));
      expect(resumed.subEnv).toBe(2);
      expect(live.armedEnv).toBe(2);
      await page.close();
      await until(() => live.subscribers === 0);
      expect(live.armedEnv).toBe(-1);
    } finally {
      await server.close();
    }
  });

  it('pages watching one sub-env share its messages; a page that stops reading holds up neither training nor the others', async () => {
    const root = mkdtempSync(join(tmpdir(), 'viewer-live-'));
    const live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runId: 'live' });
    const server = await createViewerServer({ staticDir: root, live });
    try {
      const pages = await Promise.all([0, 1, 2].map(() => ViewerClient.open(server.url)));
      const stalled = await ViewerClient.open(server.url);
      for (const p of [...pages, stalled]) {
        p.send({ type: 'speed', factor: 8 });
        p.send({ type: 'subscribe', runId: 'live', subEnv: 0 });
      }
      await until(() => live.subscribers === 4);
      (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause(); // reads nothing from now on
      const r = await trainPpo({ ...CFG, totalTimesteps: 4096 }, { backend: 'cpu', tap: live.tap });
      expect(r.globalStep).toBe(4096); // training ran to its end with a page that does not read
      const firsts = await Promise.all(pages.map((p) => p.wait<EpisodeStartMessage>((m) => m.type === 'episode_start', 10_000, 0)));
      // The first capture went to all of them: one episode id on this server, the same messages.
      expect(new Set(firsts.map((f) => f.episode)).size).toBe(1);
      const eps = await Promise.all(pages.map((p) => p.episode(firsts[0]!.episode)));
      expect(eps[0]!.length).toBeGreaterThan(3);
      expect(eps[1]).toEqual(eps[0]);
      expect(eps[2]).toEqual(eps[0]);
      expect(server.busyMs()).toBeGreaterThan(0);
      for (const p of pages) await p.close();
    } finally {
      await server.close();
    }
  });

  it('refuses to show an env without a scene, and a capture that fails never stops training', async () => {
    const root = mkdtempSync(join(tmpdir(), 'viewer-live-'));
    await import('../examples/custom-env.ts'); // Corridor-v0: a user's env with no scene()
    const cart = new LiveSource({ envId: 'Corridor-v0', numEnvs: 2, runId: 'cart' });
    const server = await createViewerServer({ staticDir: root, live: cart });
    try {
      const c = await ViewerClient.open(server.url);
      const e = await c.ask<ErrorMessage>({ type: 'subscribe', runId: 'cart', subEnv: 0 }, (m) => m.type === 'error');
      expect(e.message).toMatch(/Corridor-v0 has no scene\(\)/);
      expect(cart.armedEnv).toBe(-1);
      await c.close();
    } finally {
      await server.close();
    }
    // A source told the wrong env (KeyDoorTreasure has a scene, the trainer's Corridor has none): the capture
    // fails inside PPO's loop, is caught there, and switches off; training runs to its end.
    const wrong = new LiveSource({ envId: 'KeyDoorTreasure-v0', numEnvs: 2 });
    wrong.subscribe(0, () => {});
    const episodes: EpisodeRecord[] = [];
    const r = await trainPpo({ envId: 'Corridor-v0', numEnvs: 2, numSteps: 64, totalTimesteps: 512, seed: 1 }, { backend: 'cpu', tap: wrong.tap, hooks: { onEpisode: (x) => void episodes.push(x) } });
    expect(r.globalStep).toBe(512);
    expect(wrong.failure).toMatch(/no scene\(\)/);
    expect(wrong.armedEnv).toBe(-1);
  });
});
