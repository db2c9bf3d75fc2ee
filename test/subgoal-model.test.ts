import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEval } from '../scripts/eval.ts';
import { runTrain, type TrainCommand } from '../scripts/train.ts';
import type { PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { evaluatePolicy, type ActingPolicy } from '../src/agents/ppo/evaluate.ts';
import { loadCheckpoint } from '../src/agents/run/checkpoint.ts';
import { alignEvalParts } from '../src/align/saved-align.ts';
import { SubgoalPolicy } from '../src/align/subgoal-agents.ts';
import { stageOf } from '../src/align/subgoal-stages.ts';
import { loadSubgoalModel } from '../src/align/subgoal-model.ts';
import { subgoalDemoSteps } from '../src/align/subgoal-demo-steps.ts';
import { subgoalWrapper } from '../src/align/subgoal-observation.ts';
import type { TransitionEvents } from '../src/align/transition-events.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { loadDemonstrations, make, recordExpertDemonstrations, saveDemonstrations } from '../src/envs/index.ts';
import type { Env } from '../src/envs/core/env.ts';
import type { EnvState } from '../src/envs/core/env-state.ts';
import { rudderIn } from './support/rudder-cli.ts';

describe('the sub-goal agents as files: model/, checkpoints and rudder eval', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rudder-subgoal-model-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const quiet = (): void => {};
  const demosPath = join(tmp, 'demos.jsonl');
  saveDemonstrations(demosPath, recordExpertDemonstrations('ItemChain-v0', { episodes: 2, seed: 0 }));
  const cmd = (out: string, subgoals = true): TrainCommand => ({
    config: { envId: 'ItemChain-v0', numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 1, seed: 3, totalTimesteps: 256 }, out, backend: 'cpu', resume: false,
    checkpointEvery: 2, evalEvery: 0, evalEpisodes: 1, stopAt: null, progress: false, rudder: null,
    align: { demos: demosPath, correction: 'none', augment: true, subgoals: subgoals ? { bcEpochs: 2 } : null }, bc: null,
  });

  /** Augmented observations of every stage: the demos' steps with the flags this encoder sets (subgoalDemoSteps). */
  const observations = (encoder: TransitionEvents): { obs: Float32Array; rows: number } => {
    const steps = subgoalDemoSteps(loadDemonstrations(demosPath), encoder);
    return { obs: steps.obs, rows: steps.actions.length };
  };

  /** Greedy and sampled (same RNG stream) actions, log-probabilities and values of each policy on the same rows. */
  const outputs = (p: ActingPolicy & { value(obs: Float32Array, rows: number, out: Float32Array): void }, obs: Float32Array, rows: number) => {
    const greedy = new Int32Array(rows), sampled = new Int32Array(rows), lp = new Float32Array(rows), values = new Float32Array(rows), v = new Float32Array(rows);
    p.act(obs, rows, new Rng(1), greedy, lp, values, true);
    p.act(obs, rows, new Rng(2), sampled, lp, null, false);
    p.value(obs, rows, v);
    return { greedy: [...greedy], sampled: [...sampled], lp: [...lp], values: [...v] };
  };

  it('an --align-subgoals run writes model/ (every agent and the switch); the model, any checkpoint and rudder eval act as the trained switcher', async () => {
    const out = join(tmp, 'run');
    const r = await runTrain(cmd(out), quiet);
    const trained = r.policy as SubgoalPolicy;
    expect(trained).toBeInstanceOf(SubgoalPolicy);
    const m = trained.policies.length;
    expect(m).toBeGreaterThan(1);
    const json = JSON.parse(readFileSync(join(out, 'model', 'subgoals.json'), 'utf8')) as { events: number[]; agents: string[]; names: string[] };
    expect(json.events).toEqual([...trained.stages.events]);
    expect(json.agents.length).toBe(m);
    for (const a of json.agents) expect(existsSync(join(out, 'model', a, 'weights.bin'))).toBe(true);
    expect(json.names).toEqual([...trained.stages.events].map((e) => trained.encoder!.eventName(e)));
    expect(json.names.some((n) => n.endsWith('+wooden_pickaxe'))).toBe(true);
    expect(readdirSync(out).filter((n) => n.includes('.tmp-'))).toEqual([]); // the atomic swap left no temporary folder

    // The same observations (with flags of several stages) give the same actions, log-probabilities and values.
    const { obs, rows } = observations(trained.encoder!), D = trained.stages.envObsDim + trained.stages.numEvents;
    const stagesSeen = new Set(Array.from({ length: rows }, (_, b) => stageOf(obs.subarray(b * D, b * D + D), trained.stages)));
    expect(stagesSeen.size).toBe(m); // the demos go through every stage
    const want = outputs(trained, obs, rows);
    const fromModel = SubgoalPolicy.fromModel(loadSubgoalModel(join(out, 'model')));
    expect(outputs(fromModel, obs, rows)).toEqual(want);
    const ck = loadCheckpoint<PpoCheckpointState>(out);
    const parts = alignEvalParts(ck.state, ck.tensors, ck.label);
    expect(outputs(parts.policy!, obs, rows)).toEqual(want);
    // The flags the saved encoders set are those the trained run's encoder sets.
    expect(observations(fromModel.encoder!).obs).toEqual(obs);
    expect(observations(parts.policy!.encoder!).obs).toEqual(obs);

    // rudder eval: the same episodes as the trained policy on envs wrapped as in training.
    for (const sample of [false, true]) {
      const direct = evaluatePolicy(trained, 'ItemChain-v0', { episodes: 3, seed: 40, greedy: !sample, wrappers: [subgoalWrapper(trained.encoder!)] });
      const ev = await runEval({ run: out, episodes: 3, seed: 40, sample });
      expect(ev.result.returns).toEqual(direct.returns);
      expect(ev.result.lengths).toEqual(direct.lengths);
    }
    // --record writes the episodes as a plain env's (below the flags): each replays on a fresh env from its start state.
    const rec = await runEval({ run: out, episodes: 2, seed: 40, sample: true, record: true });
    expect(rec.recorded.length).toBe(2);
    for (const f of rec.recorded) {
      const ep = JSON.parse(readFileSync(join(out, f), 'utf8')) as { start: EnvState; actions: number[]; return: number };
      const env = make('ItemChain-v0', {}) as Env<Float32Array, number> & { setState(s: EnvState): void };
      env.setState(ep.start);
      let ret = 0;
      for (const a of ep.actions) ret += env.step(a).reward;
      expect(ret).toBeCloseTo(ep.return, 6);
      env.close();
    }
    // An earlier checkpoint evaluates too (its own weights).
    const early = await runEval({ run: out, episodes: 2, seed: 40, sample: true, checkpoint: 'iter-0000002' });
    expect(early.label).toBe('iter-0000002');
    // And on the command line.
    const cli = await rudderIn(tmp, 'eval', '--run', out, '--episodes', '2', '--sample');
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/ItemChain-v0 · .* sampled policy · 2 episode\(s\)/);
  }, 120_000);

  it('an --align-augment run (one policy) evaluates on the flags rebuilt from its checkpoint', async () => {
    const out = join(tmp, 'augmented');
    const r = await runTrain(cmd(out, false), quiet);
    const ck = loadCheckpoint<PpoCheckpointState>(out);
    const parts = alignEvalParts(ck.state, ck.tensors, ck.label);
    expect(parts.policy).toBeNull();
    expect(parts.wrappers.length).toBe(1);
    const direct = evaluatePolicy(r.agent, 'ItemChain-v0', { episodes: 2, seed: 40, greedy: false, wrappers: parts.wrappers });
    expect((await runEval({ run: out, episodes: 2, seed: 40, sample: true })).result.returns).toEqual(direct.returns);
  }, 60_000);

  it('a corrupt or mismatched model, or a checkpoint without its encoder, is a clear error', async () => {
    const out = join(tmp, 'run'); // from the first test
    const model = join(out, 'model'), file = join(model, 'subgoals.json');
    const good = readFileSync(file, 'utf8');
    const edit = (f: (j: Record<string, unknown>) => void): void => {
      const j = JSON.parse(good) as Record<string, unknown>;
      f(j);
      writeFileSync(file, JSON.stringify(j));
    };
    try {
      writeFileSync(file, good.slice(0, 40));
      expect(() => loadSubgoalModel(model)).toThrow(/subgoals\.json is not valid JSON/);
      edit((j) => (j.format = 'rudder-actor-critic'));
      expect(() => loadSubgoalModel(model)).toThrow(/is not a sub-goal model: expected format "rudder-subgoal-agents" version 1/);
      edit((j) => (j.events = [0, 999]));
      expect(() => loadSubgoalModel(model)).toThrow(/field events must be distinct event ids in 0\.\.\d+, got \[0,999\]/);
      edit((j) => (j.envObsDim = (j.envObsDim as number) + 1));
      expect(() => loadSubgoalModel(model)).toThrow(/agent 0 takes \d+ observations, the sub-goal model's are \d+ \+ \d+ flags/);
      edit((j) => (j.agents = (j.agents as string[]).slice(1)));
      expect(() => loadSubgoalModel(model)).toThrow(/field agents must name \d+ agent folders, one per sub-goal/);
      edit((j) => ((j.encoder as Record<string, unknown>).patterns = [[7]]));
      expect(() => loadSubgoalModel(model)).toThrow(/subgoals\.json: the event encoder pattern 0 must hold signs −1, 0 or 1/);
      writeFileSync(file, good);
      const bin = join(model, 'agent-1', 'weights.bin'), bytes = readFileSync(bin);
      writeFileSync(bin, bytes.subarray(0, bytes.length - 4));
      expect(() => loadSubgoalModel(model)).toThrow(/agent-1\/weights\.bin has \d+ bytes, the model in model\.json needs \d+/);
      writeFileSync(bin, bytes);
      expect(() => loadSubgoalModel(model)).not.toThrow();
    } finally {
      writeFileSync(file, good);
    }
    // A checkpoint written before the encoder was saved: eval says why it cannot rebuild the flags.
    const ck = loadCheckpoint<PpoCheckpointState>(out);
    const old = structuredClone(ck.state);
    delete (old.redistribution!.state as { encoder?: unknown }).encoder;
    expect(() => alignEvalParts(old, ck.tensors, 'old')).toThrow(/checkpoint old was trained with Align-RUDDER's state augmentation but does not hold its event encoder/);
    // Agents of other sub-goals than the checkpoint's events: refused by name.
    const tensors = { ...ck.tensors, 'agent/0/param/0': ck.tensors['agent/0/param/0']!.slice(1) };
    expect(() => alignEvalParts(ck.state, tensors, 'cut')).toThrow(/checkpoint cut, agent 0: tensor param\/0 has \d+ values/);
  }, 60_000);
});
