import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainPpo, type EpisodeRecord } from '../src/agents/ppo/ppo.ts';
import { RudderRedistribution, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';
import { make } from '../src/envs/core/registry.ts';
import { sceneOf } from '../src/envs/core/scene.ts';
import { hasEnvState } from '../src/envs/core/env-state.ts';
import type { RedistributionMessage, ServerMessage } from '../src/viewer/protocol.ts';
import { EpisodeRecorder, episodeMessages, LiveSource, loadTrainingEpisode, readRecordedEpisode, type LiveEpisode } from '../src/viewer/server/index.ts';
import { liveEpisodeData } from '../src/viewer/server/connection.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import type { RedistributedEpisode } from '../src/agents/ppo/redistribution.ts';
import { recordExpertDemonstrations } from '../src/envs/core/expert-demonstrations.ts';

const CFG = { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 }, totalTimesteps: 8192, numEnvs: 4, numSteps: 512, seed: 5 };

describe('EpisodeRecorder: training episodes to disk', () => {
  it('writes sub-env 0 episodes with RUDDER’s redistribution of that very episode; a replay from disk carries it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-record-'));
    const live = new LiveSource({ envId: CFG.envId, envKwargs: CFG.envKwargs, numEnvs: CFG.numEnvs, runDir: dir });
    const red = RudderRedistribution.forEnv(CFG.envId, CFG.envKwargs, { seed: 5, features: 'gridCodeCounts' });
    const reports: RudderEpisode[] = [];
    red.onEpisode = (e) => void reports.push(e);
    live.attachRudder(red);
    const recorder = new EpisodeRecorder(live, dir, { everySteps: 2048 });
    const episodes: EpisodeRecord[] = [];
    await trainPpo(CFG, { backend: 'cpu', tap: live.tap, redistribution: red, hooks: { onEpisode: (e) => void episodes.push(e), onIteration: (s) => recorder.tick(s.globalStep) } });
    recorder.close();
    expect(live.armedEnv).toBe(-1); // nothing asked for between recordings, nothing after close

    // One episode at the start, then one per 2048 steps asked for at the end of an iteration: 8192 / 2048 = 4 (the last maybe cut by the end).
    const files = readdirSync(join(dir, 'episodes')).sort();
    expect(files.map((f) => `episodes/${f}`)).toEqual([...recorder.written].sort());
    expect(files.length).toBeGreaterThanOrEqual(3);
    const onEnv0 = episodes.filter((e) => e.env === 0), reports0 = reports.filter((e) => e.env === 0);
    expect(reports0.map((e) => e.length)).toEqual(onEnv0.map((e) => e.length));
    let withRudder = 0;
    for (const f of files) {
      const path = join(dir, 'episodes', f);
      const file = loadTrainingEpisode(path);
      const mine = onEnv0.find((e) => e.globalStep === file.globalStep && e.length === file.actions.length)!;
      expect(mine).toBeDefined();
      expect(file.return).toBeCloseTo(mine.return, 6);
      // RUDDER's report for that episode: the k-th of sub-env 0 is the k-th episode there.
      const theirs = reports0[onEnv0.indexOf(mine)]!;
      expect(file.redistribution).not.toBeNull();
      withRudder++;
      expect(file.redistribution!.redistributed).toEqual(Array.from(theirs.redistributed));
      expect(file.redistribution!.predictions).toEqual(Array.from(theirs.predictions));
      expect(file.redistribution!.quality).toBe(theirs.quality);

      // Read back as the viewer does: re-simulated from its start state (rewards checked), redistribution as recorded.
      const rec = readRecordedEpisode(path, `episodes/${f}`);
      expect(rec.scenes.length).toBe(file.actions.length + 1);
      const msgs: ServerMessage[] = [...episodeMessages({ source: 'replay', runId: 'r', envId: rec.envId, subEnv: rec.subEnv, seed: rec.seed, globalStep: rec.globalStep, actionNames: [], fps: 10, scenes: rec.scenes, actions: rec.actions, rewards: rec.rewards, terminated: rec.terminated, truncated: rec.truncated, redistribution: rec.redistribution }, 1)];
      const rd = msgs.find((m): m is RedistributionMessage => m.type === 'redistribution')!;
      expect(rd.redistributed).toEqual(Array.from(theirs.redistributed));
      expect(rd.rewards).toEqual(file.rewards);
    }
    expect(withRudder).toBe(files.length);

    // The stored start state is the trainer's s_0: a fresh env put in it draws the replay's first frame.
    const first = loadTrainingEpisode(join(dir, 'episodes', files[0]!));
    const env = make(CFG.envId, CFG.envKwargs);
    if (!hasEnvState(env)) throw new Error('KeyDoorTreasure has getState');
    env.setState(first.start as Parameters<typeof env.setState>[0]);
    expect(readRecordedEpisode(join(dir, 'episodes', files[0]!), 'x').scenes[0]).toEqual(sceneOf(env));

    // A file whose actions do not give its rewards is refused, naming the step.
    const bad = { ...first, rewards: first.rewards.map((r, i) => (i === first.rewards.length - 1 ? r + 1 : r)), return: first.return + 1 };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    expect(() => readRecordedEpisode(join(dir, 'bad.json'), 'bad.json')).toThrow(/bad\.json: does not replay: .*reward/);
    writeFileSync(join(dir, 'short.json'), JSON.stringify({ ...first, redistribution: { ...first.redistribution!, predictions: [1] } }));
    expect(() => readRecordedEpisode(join(dir, 'short.json'), 'short.json')).toThrow(/short\.json: redistribution has \d+ rewards and 1 predictions/);
    expect(readFileSync(join(dir, 'episodes', files[0]!), 'utf8').endsWith('\n')).toBe(true);
  }, 120_000);

  it('Align-RUDDER: recorded and live episodes carry the C·ΔS rewards PPO was given for them, as method align-rudder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-record-align-'));
    const envKwargs = { maxSteps: 200 }, cfg = { envId: 'ItemChain-v0', envKwargs, totalTimesteps: 4096, numEnvs: 2, numSteps: 128, seed: 3 };
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 6, seed: 0, noise: 0.1, envKwargs });
    // In the env's units (the papers' C), so that with the final correction an episode's rewards sum to its return.
    const red = alignFromDemos(demos, { correction: 'final', seed: 1, otherEpisodes: 6, demoReturn: 'env' }).redistribution;
    // What PPO was given: sub-env 0's redistributed reward, valid rows in order (its episodes back to back).
    const given: number[] = [];
    const inner = red.redistribute.bind(red);
    red.redistribute = (v, rr, q) => {
      inner(v, rr, q);
      for (let t = 0; t < v.numSteps; t++) if (v.valid[t * v.numEnvs]) given.push(rr[t * v.numEnvs]!);
    };
    const reports: RedistributedEpisode[] = [];
    red.onEpisode = (e) => void reports.push(e);
    const live = new LiveSource({ envId: cfg.envId, envKwargs, numEnvs: cfg.numEnvs, runDir: dir });
    live.attachRedistribution(red, 'align-rudder');
    const seenLive: LiveEpisode[] = [];
    const sub = live.subscribe(1, (e) => void seenLive.push(e)); // a page watching sub-env 1
    const recorder = new EpisodeRecorder(live, dir, { everySteps: 512 });
    const episodes: EpisodeRecord[] = [];
    await trainPpo(cfg, { backend: 'cpu', tap: live.tap, redistribution: red, hooks: { onEpisode: (e) => void episodes.push(e), onIteration: (s) => recorder.tick(s.globalStep) } });
    recorder.close();
    sub.close();

    expect(given.some((r) => r !== 0)).toBe(true); // events happened and were paid
    const onEnv0 = episodes.filter((e) => e.env === 0);
    expect(reports.filter((e) => e.env === 0).map((e) => e.length)).toEqual(onEnv0.map((e) => e.length));
    const files = readdirSync(join(dir, 'episodes')).sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const file = loadTrainingEpisode(join(dir, 'episodes', f));
      const k = onEnv0.findIndex((e) => e.globalStep === file.globalStep && e.length === file.actions.length);
      expect(k).toBeGreaterThanOrEqual(0);
      const from = onEnv0.slice(0, k).reduce((s, e) => s + e.length, 0);
      const rd = file.redistribution!;
      expect(rd.method).toBe('align-rudder');
      expect(rd.redistributed).toEqual(given.slice(from, from + file.actions.length));
      expect(rd.quality).toBe(1);
      // With the final correction the rewards pay the return; the prediction is the running C·(S_t − S_0) (C·ΔS sums to it).
      expect(rd.redistributed.reduce((a, b) => a + b, 0)).toBeCloseTo(file.return, 2);
      for (let t = 0; t < file.actions.length - 1; t++) expect(rd.predictions[t]! - (t > 0 ? rd.predictions[t - 1]! : 0)).toBeCloseTo(rd.redistributed[t]!, 2);
      // The replay from disk sends it as the page's redistribution message.
      const rec = readRecordedEpisode(join(dir, 'episodes', f), `episodes/${f}`);
      const msgs = [...episodeMessages({ source: 'replay', runId: 'r', envId: rec.envId, subEnv: rec.subEnv, seed: rec.seed, globalStep: rec.globalStep, actionNames: [], fps: 10, scenes: rec.scenes, actions: rec.actions, rewards: rec.rewards, terminated: rec.terminated, truncated: rec.truncated, redistribution: rec.redistribution }, 1)];
      const m = msgs.find((x): x is RedistributionMessage => x.type === 'redistribution')!;
      expect(m.method).toBe('align-rudder');
      expect(m.redistributed).toEqual(rd.redistributed);
    }
    // Live (sub-env 1): every captured episode is paired with Align-RUDDER's report of it, and goes to the page as such.
    expect(seenLive.length).toBeGreaterThanOrEqual(2);
    for (const e of seenLive) {
      expect(e.method).toBe('align-rudder');
      expect(e.redistribution!.length).toBe(e.captured.actions.length);
      const data = liveEpisodeData(e, 'r', cfg.envId, envKwargs, [], 10);
      expect(data.redistribution!.method).toBe('align-rudder');
      expect(data.redistribution!.redistributed).toEqual(Array.from(e.redistribution!.redistributed));
    }
  }, 120_000);
});
