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
import { EpisodeRecorder, episodeMessages, LiveSource, loadTrainingEpisode, readRecordedEpisode } from '../src/viewer/server/index.ts';

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
});
