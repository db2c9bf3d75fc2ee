import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PpoConfig } from '../src/agents/ppo/config.ts';
import { PpoTrainer, type EpisodeRecord, type PpoIterationStats, type PpoTrainOptions } from '../src/agents/ppo/ppo.ts';
import { loadCheckpoint } from '../src/agents/run/checkpoint.ts';
import type { PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { register, unregister } from '../src/envs/core/registry.ts';
import { BaseEnv, type ResetOptions, type ResetResult, type StepResult } from '../src/envs/core/env.ts';
import { Box } from '../src/envs/spaces/box.ts';
import { Discrete } from '../src/envs/spaces/discrete.ts';
import { RudderRedistribution } from '../src/rudder/ppo-redistribution.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rudder-ppo-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** What a run logs, minus wall-clock timing: what an interrupted run must repeat exactly. */
interface Log {
  iterations: Omit<PpoIterationStats, 'sps'>[];
  episodes: EpisodeRecord[];
}

async function train(cfg: Partial<PpoConfig>, opts: PpoTrainOptions & { stopAt?: number; rudder?: boolean }, log: Log & { rudderActive?: boolean }): Promise<Float32Array[]> {
  const redistribution = opts.rudder ? RudderRedistribution.forEnv(cfg.envId ?? '', cfg.envKwargs ?? {}, { seed: 5, units: 8, warmupEpisodes: 3, bufferCapacity: 16 }) : null;
  const t = await PpoTrainer.create(opts.resume ? {} : cfg, {
    backend: 'cpu', checkpointEvery: 1, ...opts, redistribution,
    hooks: {
      onIteration: (s) => {
        const { sps: _sps, ...rest } = s;
        log.iterations.push(rest);
        return opts.stopAt === undefined || s.iteration < opts.stopAt;
      },
      onEpisode: (e) => log.episodes.push(e),
      onNote: (m) => {
        throw new Error(`unexpected note: ${m}`);
      },
    },
  });
  try {
    const r = await t.train();
    if (redistribution) log.rudderActive = redistribution.stats().episodes > 3 && Number.isFinite(redistribution.stats().lastLoss);
    return r.agent.params().map((p) => Float32Array.from(p));
  } finally {
    t.close();
  }
}

const CASES: [string, Partial<PpoConfig>, boolean][] = [
  ['CartPole', { envId: 'CartPole-v1', numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, seed: 7, totalTimesteps: 6 * 128 }, false],
  ['KeyDoorTreasure 5×5 delayed', { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, reward: 'delayed' }, numEnvs: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 2, seed: 7, totalTimesteps: 6 * 256 }, false],
  ['KeyDoorTreasure 5×5 delayed + RUDDER', { envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, reward: 'delayed' }, numEnvs: 4, numSteps: 64, numMinibatches: 2, updateEpochs: 2, seed: 7, totalTimesteps: 6 * 256 }, true],
  ['CartPole + RUDDER', { envId: 'CartPole-v1', numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, seed: 7, totalTimesteps: 6 * 128 }, true],
];

describe('PPO resume = uninterrupted run', () => {
  it.each(CASES)('%s: interrupted at iteration 3 and resumed (latest, then from an older label), equal metrics and weights', async (name, cfg, rudder) => {
    const base = join(tmp, name.replace(/\W+/g, '-'));
    const full: Log & { rudderActive?: boolean } = { iterations: [], episodes: [] };
    const fullWeights = await train(cfg, { runDir: `${base}-full`, rudder }, full);
    if (rudder) expect(full.rudderActive).toBe(true); // RUDDER trained on episodes, so its state mattered
    expect(full.iterations).toHaveLength(6);
    expect(full.episodes.length).toBeGreaterThan(0);

    // Stopped after iteration 3 (a checkpoint is saved there), then resumed from the latest.
    const cut: Log = { iterations: [], episodes: [] };
    await train(cfg, { runDir: `${base}-cut`, stopAt: 3, rudder }, cut);
    const ck = loadCheckpoint<PpoCheckpointState>(`${base}-cut`);
    expect(ck.state.rollout).toBeTruthy();
    const resumed: Log = { iterations: cut.iterations.slice(), episodes: cut.episodes.slice() };
    const resumedWeights = await train(cfg, { runDir: `${base}-cut`, resume: true, rudder }, resumed);
    expect(resumed.iterations).toEqual(full.iterations);
    expect(resumed.episodes).toEqual(full.episodes);
    expect(resumedWeights).toEqual(fullWeights);

    // From an older label (iteration 5 of 6, kept beside the final one): the same last iteration again.
    const older: Log = { iterations: full.iterations.slice(0, 5), episodes: full.episodes.filter((e) => e.globalStep <= full.iterations[4]!.globalStep) };
    const olderWeights = await train(cfg, { runDir: `${base}-full`, resume: 'iter-0000005', rudder }, older);
    expect(older.iterations).toEqual(full.iterations);
    expect(older.episodes).toEqual(full.episodes);
    expect(olderWeights).toEqual(fullWeights);
  });
});

/** A user's env without getState/setState: resume restarts its episodes and says so. */
class PlainEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(-1, 1, [2], 'float32');
  private t = 0;
  reset(o?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(o);
    this.t = 0;
    return { obs: Float32Array.of(this.rng.uniform(-1, 1), 0), info: {} };
  }
  step(a: number): StepResult<Float32Array> {
    this.t++;
    return { obs: Float32Array.of(this.rng.uniform(-1, 1), this.t / 10), reward: a, terminated: this.t >= 10, truncated: false, info: {} };
  }
}

describe('PPO resume of an env without the env-state contract', () => {
  it('restarts the episodes with a note, as before', async () => {
    register('PlainResume-v0', () => new PlainEnv());
    try {
      const dir = join(tmp, 'plain');
      const cfg = { envId: 'PlainResume-v0', numEnvs: 2, numSteps: 16, numMinibatches: 1, updateEpochs: 1, seed: 1, totalTimesteps: 3 * 32 };
      const a = await PpoTrainer.create(cfg, { backend: 'cpu', runDir: dir, checkpointEvery: 1, hooks: { onIteration: (s) => s.iteration < 2 } });
      await a.train();
      a.close();
      expect(loadCheckpoint<PpoCheckpointState>(dir).state.rollout).toBeNull();
      const notes: string[] = [];
      const b = await PpoTrainer.create({}, { backend: 'cpu', runDir: dir, resume: true, hooks: { onNote: (m) => notes.push(m) } });
      await b.train();
      b.close();
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatch(/PlainResume-v0 has no getState\/setState .* restart their episodes with seed 15839/);
      expect(b.iteration).toBe(3);
    } finally {
      unregister('PlainResume-v0');
    }
  });
});
