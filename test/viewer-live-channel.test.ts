import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { trainPpo, type EpisodeRecord } from '../src/agents/ppo/ppo.ts';
import { RudderRedistribution, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';
import '../src/envs/registrations.ts';
import type { EpisodeEndMessage, EpisodeStartMessage, MetricsMessage, RedistributionMessage, StepMessage } from '../src/viewer/protocol.ts';
import { LiveChannel, LiveSource, startWorkerViewer } from '../src/viewer/server/index.ts';
import type { ToTrainer, ToViewer } from '../src/viewer/server/live-channel.ts';
import { ViewerClient } from './support/viewer-client.ts';

const CFG = { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, maxSteps: 60 }, numEnvs: 4, numSteps: 128, seed: 7 };
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the viewer in a worker thread (rudder train --view)', () => {
  it('streams the trainer’s episodes with RUDDER’s redistribution through the worker: the page’s episode is the trainer’s', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'viewer-worker-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    const live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runId: 'live' });
    const red = RudderRedistribution.forEnv(CFG.envId, CFG.envKwargs, { seed: 7 });
    const reports: RudderEpisode[] = [];
    red.onEpisode = (e) => void reports.push(e);
    live.attachRudder(red);
    const viewer = await startWorkerViewer({ server: { staticDir }, live });
    try {
      expect(viewer.liveRunId).toBe('live');
      const c = await ViewerClient.open(viewer.url);
      c.send({ type: 'speed', factor: 8 });
      c.send({ type: 'subscribe', runId: 'live', subEnv: 1 });
      await c.ask({ type: 'get_metrics', runId: 'live' }, (m) => m.type === 'metrics'); // then follows the rows
      await new Promise((r) => setTimeout(r, 200)); // the subscription crosses to the trainer's thread
      const episodes: EpisodeRecord[] = [];
      await trainPpo({ ...CFG, totalTimesteps: 4096 }, {
        backend: 'cpu', tap: live.tap, redistribution: red,
        hooks: { onEpisode: (e) => void episodes.push(e), onIteration: (s) => live.metric({ type: 'iteration', iteration: s.iteration, global_step: s.globalStep }) },
      });
      live.finish();
      viewer.finish();
      const start = await c.wait<EpisodeStartMessage>((m) => m.type === 'episode_start', 20_000, 0);
      const msgs = await c.episode(start.episode);
      const end = msgs.find((m): m is EpisodeEndMessage => m.type === 'episode_end')!;
      const steps = msgs.filter((m): m is StepMessage => m.type === 'step');
      expect(start).toMatchObject({ source: 'live', subEnv: 1, runId: 'live' });
      // The trainer's record of that episode (sub-env 1, ended at this global step) and RUDDER's report of it.
      const onEnv1 = episodes.filter((e) => e.env === 1);
      const k = onEnv1.findIndex((e) => e.globalStep === start.globalStep && e.length === end.length);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(steps.length).toBe(onEnv1[k]!.length);
      expect(end.return).toBeCloseTo(onEnv1[k]!.return, 6);
      const rd = msgs.find((m): m is RedistributionMessage => m.type === 'redistribution')!;
      expect(rd.redistributed).toEqual(Array.from(reports.filter((e) => e.env === 1)[k]!.redistributed));
      // The live metrics rows crossed too (batched per iteration).
      await c.wait((m) => m.type === 'metrics' && (m as MetricsMessage).rows.some((r) => r.iteration === 8), 10_000, 0);
      expect(viewer.channel!.dropped).toBe(0);
      await c.close();
    } finally {
      await viewer.close();
    }
  }, 120_000);

  it('is bounded: with the worker not acknowledging, at most `capacity` messages go, the rest are dropped, and training never waits', async () => {
    const live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runId: 'live' });
    const { port1, port2 } = new MessageChannel();
    const channel = new LiveChannel(live, port1, 3);
    const got: ToViewer[] = [];
    port2.on('message', (m: ToViewer) => void got.push(m));
    port2.postMessage({ type: 'subscribe', sub: 1, subEnv: 0, onDemand: true } satisfies ToTrainer);
    await turn();
    await turn();
    expect(live.subscribers).toBe(1);
    for (let i = 0; i < 3; i++) {
      live.metric({ row: i });
      await turn(); // one message per turn of the loop
    }
    expect(channel.posted).toBe(3); // the worker has acknowledged none: the channel is full
    const episodes: EpisodeRecord[] = [];
    await trainPpo({ ...CFG, totalTimesteps: 8192 }, { backend: 'cpu', tap: live.tap, hooks: { onEpisode: (e) => void episodes.push(e), onIteration: (s) => live.metric({ iteration: s.iteration }) } });
    await turn();
    expect(channel.posted).toBe(3);
    expect(got.map((m) => m.type)).toEqual(['metrics', 'metrics', 'metrics']);
    expect(channel.dropped).toBeGreaterThan(live.delivered); // every episode, and the iterations' rows
    // A dropped episode re-asks for the next one (the page never saw it, so it cannot ask): sub-env 0 kept being captured.
    expect(live.delivered).toBeGreaterThan(1);
    expect(live.delivered).toBeLessThanOrEqual(episodes.filter((e) => e.env === 0).length);
    // Acknowledged, the channel takes messages again.
    port2.postMessage({ type: 'ack', count: 3 } satisfies ToTrainer);
    await turn();
    await turn();
    live.metric({ iteration: 999 });
    await turn();
    await turn();
    expect(channel.posted).toBe(4);
    expect(got.at(-1)).toEqual({ type: 'metrics', rows: [{ iteration: 999 }] });
    expect(got.length).toBe(4);
    channel.close();
    port2.close();
  }, 120_000);

  it('posts a capture once for all the subscriptions waiting for it (the worker packs it once for all its pages)', async () => {
    const live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runId: 'live' });
    const { port1, port2 } = new MessageChannel();
    const channel = new LiveChannel(live, port1);
    const got: ToViewer[] = [];
    port2.on('message', (m: ToViewer) => {
      got.push(m);
      port2.postMessage({ type: 'ack', count: 1 } satisfies ToTrainer);
    });
    for (let sub = 1; sub <= 5; sub++) port2.postMessage({ type: 'subscribe', sub, subEnv: 2, onDemand: false } satisfies ToTrainer);
    await turn();
    await turn();
    expect(live.subscribers).toBe(5);
    await trainPpo({ ...CFG, totalTimesteps: 2048 }, { backend: 'cpu', tap: live.tap });
    await turn();
    const episodes = got.filter((m): m is Extract<ToViewer, { type: 'episode' }> => m.type === 'episode');
    expect(episodes.length).toBe(live.delivered);
    expect(episodes.length).toBeGreaterThan(0);
    for (const e of episodes) {
      expect(e.subs).toEqual([1, 2, 3, 4, 5]);
      expect(e.episode.captured.env).toBe(2);
    }
    expect(channel.dropped).toBe(0);
    channel.close();
    port2.close();
  }, 120_000);
});
