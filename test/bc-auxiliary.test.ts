import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/ppo/agent.ts';
import { BC_COEFS, bcMinibatch, bcPretrain, demoCrossEntropy, demoEntropy, demoSteps } from '../src/agents/ppo/bc.ts';
import { bcAuxiliary } from '../src/agents/ppo/bc-auxiliary.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { PpoLoss } from '../src/agents/ppo/loss.ts';
import type { PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { PpoTrainer, trainPpo, type AuxiliaryLoss } from '../src/agents/ppo/ppo.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from '../src/agents/run/checkpoint.ts';
import { recordExpertDemonstrations, saveDemonstrations } from '../src/envs/index.ts';
import { rudderIn } from './support/rudder-cli.ts';
import { ACTIONS, STAGES } from './support/tiny-chain.ts'; // registers TinyChain-v0

const tmp = mkdtempSync(join(tmpdir(), 'rudder-bc-aux-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const steps = demoSteps(recordExpertDemonstrations('TinyChain-v0', { episodes: 2, seed: 0 }));
const cfg = parsePpoConfig({ envId: 'TinyChain-v0', hidden: [32], seed: 1, numEnvs: 2, numSteps: 64, numMinibatches: 2, updateEpochs: 2 });
const agentFor = (seed = 1) => createAgent({ ...cfg, seed }, [STAGES], [ACTIONS]);
const zeros = (agent: ReturnType<typeof agentFor>) => agent.params().map((p) => new Float32Array(p.length));

describe('BC pre-training with an entropy floor', () => {
  it('stops the epochs once the policy\'s entropy on the demo states falls below the floor, and keeps it above an unfloored run\'s', () => {
    const full = agentFor(), floored = agentFor();
    const a = bcPretrain(full, steps, { epochs: 200, learningRate: 1e-2 });
    expect(a.epochs).toBe(200);
    const floor = 0.5 * Math.log(ACTIONS); // half the uniform policy's entropy
    const b = bcPretrain(floored, steps, { epochs: 200, learningRate: 1e-2, minEntropy: floor });
    expect(b.epochs).toBeGreaterThan(0);
    expect(b.epochs).toBeLessThan(200);
    expect(b.entropy).toBeLessThan(floor); // the epoch that crossed it is the last
    expect(b.entropy).toBe(demoEntropy(floored, steps));
    expect(b.entropy).toBeGreaterThan(a.entropy);
    expect(b.after).toBeLessThan(b.before); // it still cloned
    // One epoch fewer would have stayed above the floor.
    const short = agentFor();
    expect(bcPretrain(short, steps, { epochs: b.epochs - 1, learningRate: 1e-2 }).entropy).toBeGreaterThanOrEqual(floor);
    expect(() => bcPretrain(agentFor(), steps, { minEntropy: -1 })).toThrow(/minEntropy must be a number ≥ 0 \(nats\), got -1/);
  });
});

describe('BC as an auxiliary loss of PPO, its weight decaying to 0', () => {
  /** The cross-entropy's gradient on update u's demo minibatch, computed directly. */
  const ceGrad = (agent: ReturnType<typeof agentFor>, rows: Int32Array): Float32Array[] => {
    const loss = new PpoLoss(agent), g = zeros(agent), mb = bcMinibatch(steps, rows, 0, rows.length);
    loss.logProbs(mb, mb.oldLogProbs);
    loss.run(mb, BC_COEFS, g);
    return g;
  };

  it('adds w_u · ∇CE, w falling linearly from the weight to 0 over `iterations` × updates per iteration, then nothing', () => {
    const agent = agentFor(), n = steps.actions.length, updates = 3 * cfg.updateEpochs * cfg.numMinibatches;
    const aux = bcAuxiliary(steps, { iterations: 3, weight: 2, batchSize: n, seed: 4 })(agent, cfg); // a batch of all steps: every update sees the same rows
    const all = Int32Array.from({ length: n }, (_, i) => i), want = ceGrad(agent, all);
    for (const [u, w] of [[0, 2], [updates / 2, 1], [updates - 1, 2 / updates], [updates, 0], [updates + 5, 0]] as const) {
      const g = zeros(agent).map((p) => p.fill(0.5));
      aux(g, u);
      g.forEach((p, i) => p.forEach((v, k) => expect(v).toBeCloseTo(0.5 + w * want[i]![k]!, 5)));
    }
    expect(want.some((p) => p.some((v) => v !== 0))).toBe(true);
    expect(() => bcAuxiliary(steps, { iterations: 0 })).toThrow(/iterations must be an integer ≥ 1, got 0/);
    expect(() => bcAuxiliary(steps, { iterations: 2, weight: 0 })).toThrow(/weight must be a number > 0, got 0/);
    expect(() => bcAuxiliary(steps, { iterations: 2 })(createAgent(cfg, [STAGES + 1], [ACTIONS]), cfg)).toThrow(/the demos' observations have 12 values, the agent takes 13/);
  });

  it('in PPO it pulls the actor toward the demos while it lasts (lower cross-entropy than plain PPO from the same start)', async () => {
    const run = async (aux: boolean) => (await trainPpo({ ...cfg, totalTimesteps: 64 * 128 }, { auxiliaryLoss: aux ? bcAuxiliary(steps, { iterations: 64, seed: 1 }) : null })).agent;
    const plain = await run(false), withAux = await run(true);
    expect(demoCrossEntropy(withAux, steps)).toBeLessThan(demoCrossEntropy(plain, steps) - 0.1);
  });

  it('a run stopped at a checkpoint and resumed ends as an uninterrupted one (the demo minibatch is a function of the update)', async () => {
    // ItemChain: an env with the env-state contract, so the resumed run continues its episodes (TinyChain would restart them).
    const itemSteps = demoSteps(recordExpertDemonstrations('ItemChain-v0', { episodes: 1, seed: 0 }));
    const c = { envId: 'ItemChain-v0', hidden: [16], seed: 1, numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 6 * 64 };
    const same = bcAuxiliary(itemSteps, { iterations: 4, seed: 2 });
    const train = async (dir: string, resume: boolean, stopAt = Infinity, aux: AuxiliaryLoss | null = same): Promise<Float32Array[]> => {
      const t = await PpoTrainer.create(resume ? {} : c, {
        backend: 'cpu', runDir: join(tmp, dir), resume, checkpointEvery: 1, auxiliaryLoss: aux,
        hooks: {
          onIteration: (s) => s.iteration < stopAt,
          onNote: (m) => {
            throw new Error(`unexpected note: ${m}`);
          },
        },
      });
      try {
        return (await t.train()).agent.params().map((p) => p.slice());
      } finally {
        t.close();
      }
    };
    const full = await train('full', false);
    await train('cut', false, 2); // stopped inside the BC weight's decay
    // The checkpoint records the loss's settings; a resume with others, or none, is refused by name before anything changes.
    const cut = join(tmp, 'cut'), label = latestCheckpoint(cut)!;
    const ck = loadCheckpoint<PpoCheckpointState>(cut);
    expect(ck.state.auxiliary).toEqual({ kind: 'bc', weight: 1, iterations: 4, batchSize: 64, seed: 2 });
    await expect(train('cut', true, Infinity, bcAuxiliary(itemSteps, { iterations: 5, seed: 2 }))).rejects.toThrow(
      `checkpoint ${label} was trained with the auxiliary loss bc (batchSize 64, iterations 4, seed 2, weight 1); this run has the auxiliary loss bc (batchSize 64, iterations 5, seed 2, weight 1)`);
    await expect(train('cut', true, Infinity, bcAuxiliary(itemSteps, { iterations: 4, weight: 0.5, seed: 2 }))).rejects.toThrow(/this run has the auxiliary loss bc \(.*weight 0\.5\)/);
    await expect(train('cut', true, Infinity, null)).rejects.toThrow(`checkpoint ${label} was trained with the auxiliary loss bc (batchSize 64, iterations 4, seed 2, weight 1); this run has no auxiliary loss`);
    // A corrupt field is an error naming it (the checkpoint re-saved with its checksum, as a hand edit would not be caught by it).
    saveCheckpoint(cut, label, { state: { ...ck.state, auxiliary: 'bc' as never }, tensors: ck.tensors });
    await expect(train('cut', true)).rejects.toThrow(`checkpoint ${label}: field auxiliary must be null or an object with a string kind and number, string or boolean settings, got "bc"`);
    saveCheckpoint(cut, label, ck);
    const resumed = await train('cut', true);
    resumed.forEach((p, i) => expect(p).toEqual(full[i]));
    // A run without one records null: a resume that adds one is refused.
    await train('plain', false, 1, null);
    expect(loadCheckpoint<PpoCheckpointState>(join(tmp, 'plain')).state.auxiliary).toBeNull();
    await expect(train('plain', true)).rejects.toThrow(/was trained with no auxiliary loss; this run has the auxiliary loss bc/);
  });

  it('rudder train --bc FILE --bc-aux-iterations K [--bc-aux-weight W] [--bc-min-entropy X]; misuse is an error', async () => {
    const demos = join(tmp, 'demos.jsonl');
    saveDemonstrations(demos, recordExpertDemonstrations('ItemChain-v0', { episodes: 1, seed: 0 }));
    const train = (out: string, ...more: string[]) => rudderIn(tmp, 'train', '--env', 'ItemChain-v0', '--steps', '256', '--num-envs', '2', '--no-progress', '--out', join(tmp, out), ...more);
    const ok = await train('cli', '--bc', demos, '--bc-epochs', '3', '--bc-min-entropy', '2.55', '--bc-aux-iterations', '2', '--bc-aux-weight', '0.5');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/BC auxiliary loss: \d+ demo steps from .*demos\.jsonl, weight 0\.5 falling to 0 over the first 2 iterations/);
    expect(ok.stdout).toMatch(/BC: \d+ demo steps from .*, [0-3] epochs.*entropy [\d.]+/);
    // A resume must repeat the auxiliary loss's flags: without them it would silently train another run.
    const resume = (...more: string[]) => rudderIn(tmp, 'train', '--env', 'ItemChain-v0', '--steps', '512', '--num-envs', '2', '--no-progress', '--out', join(tmp, 'cli'), '--resume', ...more);
    expect((await resume()).stderr).toMatch(/was trained with --bc-aux-iterations 2 --bc-aux-weight 0\.5; resume it with the same --bc FILE --bc-aux-iterations 2 --bc-aux-weight 0\.5 \(given: no BC auxiliary loss\)/);
    expect((await resume('--bc', demos, '--bc-aux-iterations', '3', '--bc-aux-weight', '0.5')).stderr).toMatch(/given: --bc-aux-iterations 3 --bc-aux-weight 0\.5/);
    const resumed = await resume('--bc', demos, '--bc-aux-iterations', '2', '--bc-aux-weight', '0.5');
    expect(resumed.code, resumed.stderr).toBe(0);
    // The record is in the checkpoint, not in a file of the run folder.
    const cli = join(tmp, 'cli');
    expect(existsSync(join(cli, 'bc-auxiliary.json'))).toBe(false);
    const ck = loadCheckpoint<PpoCheckpointState>(cli), label = latestCheckpoint(cli)!;
    expect(ck.state.auxiliary).toMatchObject({ kind: 'bc', iterations: 2, weight: 0.5 });
    saveCheckpoint(cli, label, { state: { ...ck.state, auxiliary: { ...ck.state.auxiliary!, iterations: 'two' } }, tensors: ck.tensors });
    expect((await resume('--bc', demos, '--bc-aux-iterations', '2', '--bc-aux-weight', '0.5')).stderr).toMatch(`checkpoint ${label}: field auxiliary.iterations must be an integer ≥ 1, got "two"`);
    // A run folder from before the field: its bc-auxiliary.json is still read (and refused when corrupt).
    const { auxiliary: _, ...legacy } = ck.state;
    saveCheckpoint(cli, label, { state: legacy as PpoCheckpointState, tensors: ck.tensors });
    writeFileSync(join(cli, 'bc-auxiliary.json'), JSON.stringify({ iterations: 2, weight: 0.5 }));
    expect((await resume()).stderr).toMatch(/was trained with --bc-aux-iterations 2 --bc-aux-weight 0\.5; resume it with the same --bc FILE/);
    writeFileSync(join(cli, 'bc-auxiliary.json'), '{"iter');
    expect((await resume('--bc', demos, '--bc-aux-iterations', '2', '--bc-aux-weight', '0.5')).stderr).toMatch(/bc-auxiliary\.json is corrupt .*: it records the run's --bc-aux-iterations/);
    writeFileSync(join(cli, 'bc-auxiliary.json'), JSON.stringify({ iterations: 2, weight: 0.5 }));
    const old = await rudderIn(tmp, 'train', '--env', 'ItemChain-v0', '--steps', '768', '--num-envs', '2', '--no-progress', '--out', cli, '--resume', '--bc', demos, '--bc-aux-iterations', '2', '--bc-aux-weight', '0.5');
    expect(old.code, old.stderr).toBe(0);
    expect(loadCheckpoint<PpoCheckpointState>(cli).state.auxiliary).toMatchObject({ kind: 'bc', iterations: 2, weight: 0.5 }); // its new checkpoints hold it
    expect((await train('bad1', '--bc-aux-iterations', '2')).stderr).toMatch(/--bc-aux-iterations sets how BC is done: add --bc FILE/);
    expect((await train('bad2', '--bc', demos, '--bc-aux-weight', '2')).stderr).toMatch(/--bc-aux-weight is the weight of the BC auxiliary loss: add --bc-aux-iterations K/);
  }, 60_000);
});
