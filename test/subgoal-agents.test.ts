import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTrain, type TrainCommand } from '../scripts/train.ts';
import { createAgent } from '../src/agents/ppo/agent.ts';
import { agentFromCheckpoint, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { latestCheckpoint, loadCheckpoint } from '../src/agents/run/checkpoint.ts';
import { bcPretrain, type DemoSteps } from '../src/agents/ppo/bc.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { FusedPolicy } from '../src/agents/ppo/policy.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { stageDemoSteps, subgoalAgents, SubgoalPolicy } from '../src/align/subgoal-agents.ts';
import { stageOf, subgoalStages } from '../src/align/subgoal-stages.ts';
import type { Subgoal } from '../src/align/subgoals.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { make, recordExpertDemonstrations, saveDemonstrations } from '../src/envs/index.ts';
import type { Env } from '../src/envs/core/env.ts';
import { rudderIn } from './support/rudder-cli.ts';
import { STAGES } from './support/tiny-chain.ts'; // registers TinyChain-v0

const goal = (event: number): Subgoal => ({ event, name: `e${event}`, columns: [event], reward: 1 });

describe('sub-goal agents: the stage of an observation', () => {
  // Rows of 2 env values then 4 event flags; the sub-goals are events 2, 0, 2 (repeated), 3.
  const stages = subgoalStages([goal(2), goal(0), goal(2), goal(3)], 2, 4);
  const row = (flags: number[]): Float32Array => Float32Array.from([0.5, -1, ...flags]);

  it('is the first sub-goal whose event flag is 0, each event once, the last once all are set', () => {
    expect([...stages.events]).toEqual([2, 0, 3]);
    expect(stageOf(row([0, 0, 0, 0]), stages)).toBe(0);
    expect(stageOf(row([1, 1, 0, 1]), stages)).toBe(0); // events 0 and 3 happened, but sub-goal 0 (event 2) is open
    expect(stageOf(row([0, 0, 1, 1]), stages)).toBe(1);
    expect(stageOf(row([1, 0, 1, 0]), stages)).toBe(2);
    expect(stageOf(row([1, 0, 1, 1]), stages)).toBe(2); // all set: the last agent goes on
    expect(() => subgoalStages([goal(4)], 2, 4)).toThrow(/sub-goal "e4" has event 4, outside 0..3/);
    expect(() => subgoalStages([], 2, 4)).toThrow(/no sub-goals/);
  });

  it('splits demo steps by stage, in order', () => {
    const rows = [row([0, 0, 0, 0]), row([0, 0, 1, 0]), row([1, 0, 1, 0]), row([0, 0, 1, 0])];
    const steps: DemoSteps = { obsDim: 6, obs: Float32Array.from(rows.flatMap((r) => [...r])), actions: Int32Array.from([7, 8, 9, 10]) };
    const split = stageDemoSteps(steps, stages);
    expect(split.map((s) => [...s.actions])).toEqual([[7], [8, 10], [9]]);
    expect([...split[2]!.obs]).toEqual([...rows[2]!]);
    expect(() => stageDemoSteps({ ...steps, obsDim: 5 }, stages)).toThrow(/demo rows of 5 values/);
  });
});

describe('SubgoalPolicy', () => {
  // Two sub-goals (events 0 and 1) on rows of 1 env value + 2 flags; agent j cloned to always take action 2 + j.
  const stages = subgoalStages([goal(0), goal(1)], 1, 2);
  const cloned = (j: number): FusedPolicy => {
    const agent = createAgent(parsePpoConfig({ hidden: [16], seed: 10 + j }), [3], [5]);
    const rows = [[0.1, 0, 0], [0.7, 1, 0], [0.3, 1, 1], [0.9, 0, 1]];
    bcPretrain(agent, { obsDim: 3, obs: Float32Array.from(rows.flat()), actions: new Int32Array(4).fill(2 + j) }, { epochs: 300, learningRate: 1e-2, batchSize: 4 });
    return new FusedPolicy(agent, 1e-3);
  };
  const policies = [cloned(0), cloned(1)];
  const policy = new SubgoalPolicy(policies, stages);
  // Stages: 0, 1, 1, 0, 1 (the last: both flags set).
  const obs = Float32Array.from([0.2, 0, 0, 0.4, 1, 0, 0.6, 1, 0, 0.8, 0, 1, 0.5, 1, 1]);

  it('acts and values each row with the agent of its stage', () => {
    const a = new Int32Array(5), lp = new Float32Array(5), v = new Float32Array(5);
    policy.act(obs, 5, new Rng(1), a, lp, v, true);
    expect([...a]).toEqual([2, 3, 3, 2, 3]);
    const own = new Float32Array(1);
    for (let r = 0; r < 5; r++) {
      policies[[0, 1, 1, 0, 1][r]!]!.value(obs.subarray(3 * r, 3 * r + 3), 1, own);
      expect(v[r]).toBeCloseTo(own[0]!, 6);
    }
    const out = new Float32Array(5);
    policy.value(obs, 5, out);
    expect([...out]).toEqual([...v]);
  });

  it('an update on rows of one stage changes only that agent', () => {
    const before = policies.map((p) => p.agent.params().map((w) => Float32Array.from(w)));
    const rows = Float32Array.from([0.2, 0, 0, 0.8, 0, 1]); // both stage 0
    policy.update({ size: 2, obs: rows, actions: Int32Array.from([1, 4]), masks: null, oldLogProbs: new Float32Array(2).fill(-1), advantages: Float32Array.from([1, -1]), returns: Float32Array.from([1, 0]), oldValues: new Float32Array(2) },
      { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5 });
    const changed = policies.map((p, j) => p.agent.params().some((w, k) => w.some((x, i) => x !== before[j]![k]![i])));
    expect(changed).toEqual([true, false]);
  });

  it('refuses agents of another observation size', () => {
    const wrong = new FusedPolicy(createAgent(parsePpoConfig({ hidden: [16] }), [4], [5]), 1e-3);
    expect(() => new SubgoalPolicy([policies[0]!, wrong], stages)).toThrow(/policy 1 takes 4 observations, the augmented ones have 3/);
    expect(() => new SubgoalPolicy([policies[0]!], stages)).toThrow(/1 policies for 2 sub-goals/);
  });
});

describe('sub-goal agents on the tiny chain', () => {
  it('from 2 demos: one agent per sub-goal, each BC-initialised on its segment; PPO on the redistributed reward finishes the chain, the agents taking turns', async () => {
    const demos = recordExpertDemonstrations('TinyChain-v0', { episodes: 2, seed: 0 });
    expect(() => subgoalAgents(alignFromDemos(demos, { otherEpisodes: 20, seed: 1 }), demos)).toThrow(/augment: true/);
    // The chain pays 1: in those units (or a demo return of 10) the agents end the chain in 20 of the last 20
    // episodes on seeds 1–3; at the default demo return of 100 this small, fast-learning config gets 11, 19, 17.
    const setup = alignFromDemos(demos, { otherEpisodes: 20, seed: 1, augment: true, demoReturn: 'env' });
    const sg = subgoalAgents(setup, demos);
    const m = sg.stages.events.length;
    expect(m).toBeGreaterThan(1);
    expect(m).toBeLessThanOrEqual(STAGES);
    // Every demo step is in exactly one stage's segment, and the last sub-goal is the chain's last item.
    expect(sg.stageSteps.reduce((a, s) => a + s.actions.length, 0)).toBe(2 * STAGES);
    expect(sg.subgoals.at(-1)!.name).toBe(setup.redistribution.encoder.eventName(setup.demoEvents[0]!.at(-1)!));

    const cfg = { envId: 'TinyChain-v0', totalTimesteps: 20_000, numEnvs: 4, numSteps: 64, seed: 1, hidden: [32], learningRate: 2.5e-3 };
    const r = await trainPpo(cfg, { redistribution: setup.redistribution, envWrappers: setup.envWrappers, makePolicy: sg.makePolicy });
    expect(r.policy).toBeInstanceOf(SubgoalPolicy);
    for (const ce of sg.bc) expect(ce![1]).toBeLessThan(0.75 * ce![0]); // each agent's BC lowered its segment's cross-entropy
    expect(r.episodes.slice(-20).filter((e) => e.return > 0).length).toBeGreaterThanOrEqual(15);
    expect(evaluatePolicy(r.policy, 'TinyChain-v0', { episodes: 5, seed: 100, wrappers: setup.envWrappers }).meanReturn).toBe(1);

    // One greedy episode: the stage rises from 0 to the last, one sub-goal at a time.
    let env = make('TinyChain-v0', {}) as Env<unknown, unknown>;
    for (const w of setup.envWrappers) env = w(env);
    const e = env as Env<Float32Array, number>;
    let obs = e.reset({ seed: 7 }).obs;
    const seen: number[] = [], a = new Int32Array(1), lp = new Float32Array(1);
    for (let t = 0; t < 40; t++) {
      const s = stageOf(obs, sg.stages);
      if (seen.at(-1) !== s) seen.push(s);
      r.policy.act(obs, 1, new Rng(t), a, lp, null, true);
      const step = e.step(a[0]!);
      obs = step.obs;
      if (step.terminated || step.truncated) break;
    }
    expect(seen).toEqual(Array.from({ length: m }, (_, j) => j));
  }, 30_000);
});

describe('rudder train --align FILE --align-subgoals', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rudder-subgoals-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const quiet = (): void => {};
  const demosPath = join(tmp, 'demos.jsonl');
  saveDemonstrations(demosPath, recordExpertDemonstrations('ItemChain-v0', { episodes: 2, seed: 0 }));
  const cmd = (out: string): TrainCommand => ({
    config: { envId: 'ItemChain-v0', numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 1, seed: 3, totalTimesteps: 128 }, out, backend: 'cpu', resume: false,
    checkpointEvery: 1, evalEvery: 0, evalEpisodes: 1, stopAt: null, progress: false, rudder: null,
    align: { demos: demosPath, correction: 'none', augment: true, subgoals: { bcEpochs: 2 } }, bc: null,
  });

  it('trains the agents on ItemChain and says so; it writes checkpoints of all agents and model/ (test/subgoal-model.test.ts)', async () => {
    const out = join(tmp, 'run'), lines: string[] = [];
    const r = await runTrain(cmd(out), (l) => void lines.push(l));
    expect(r.policy).toBeInstanceOf(SubgoalPolicy);
    expect(r.globalStep).toBe(128);
    expect(lines.some((l) => /^sub-goal agents: \d+ sub-goals \(.*\+wooden_pickaxe.*\), \d+ agents/.test(l))).toBe(true);
    expect(existsSync(join(out, 'metrics.jsonl'))).toBe(true);
    const ck = loadCheckpoint<PpoCheckpointState>(out);
    expect(ck.state.policyKind).toBe('custom');
    const m = (r.policy as SubgoalPolicy).policies.length;
    expect([...ck.tensors['subgoal/events']!]).toEqual([...(r.policy as SubgoalPolicy).stages.events]);
    for (let j = 0; j < m; j++) expect(ck.tensors[`agent/${j}/param/0`]).toEqual((r.policy as SubgoalPolicy).policies[j]!.agent.params()[0]);
    expect(() => agentFromCheckpoint(ck.state, ck.tensors, ck.label)).toThrow(/made by makePolicy/);
    expect(existsSync(join(out, 'model', 'subgoals.json'))).toBe(true);
  }, 60_000);

  it('a run stopped at a checkpoint and resumed ends with the agents of an uninterrupted one; a wrong or corrupt checkpoint is a clear error', async () => {
    const full = join(tmp, 'full'), cut = join(tmp, 'cut');
    const run = (out: string, steps: number, resume: boolean, subgoals = true): TrainCommand => {
      const c = cmd(out);
      // annealLr off: the stopped run's 128 steps then anneal as the first half of the uninterrupted 256.
      return { ...c, config: { ...c.config, totalTimesteps: steps, annealLr: false }, resume, align: { ...c.align!, subgoals: subgoals ? c.align!.subgoals! : null } };
    };
    const a = await runTrain(run(full, 4 * 64, false), quiet);
    await runTrain(run(cut, 2 * 64, false), quiet);
    await expect(runTrain(run(cut, 4 * 64, true, false), quiet)).rejects.toThrow(/made by makePolicy.*resume it with the same/);
    const b = await runTrain(run(cut, 4 * 64, true), quiet);
    expect(b.globalStep).toBe(4 * 64);
    const pa = (a.policy as SubgoalPolicy).policies, pb = (b.policy as SubgoalPolicy).policies;
    expect(pb.length).toBe(pa.length);
    pa.forEach((p, j) => {
      const sa = p.saveState(), sb = pb[j]!.saveState();
      expect(sb.adamStep).toBe(sa.adamStep);
      for (const [name, t] of Object.entries(sa.tensors)) expect(sb.tensors[name], `agent ${j} ${name}`).toEqual(t);
    });
    expect(b.episodes.map((e) => e.return)).toEqual(a.episodes.slice(-b.episodes.length).map((e) => e.return));

    // A checkpoint of the built-in policy (the same flags, one agent) is refused by the sub-goal agents.
    const plain = join(tmp, 'plain');
    await runTrain(run(plain, 64, false, false), quiet);
    await expect(runTrain(run(plain, 128, true), quiet)).rejects.toThrow(/built-in mlp policy; this run makes its own/);
    // A corrupt checkpoint file: the resume names the problem.
    const dir = join(cut, 'checkpoints', latestCheckpoint(cut)!);
    const bytes = readFileSync(join(dir, 'tensors.bin'));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(dir, 'tensors.bin'), bytes);
    await expect(runTrain(run(cut, 6 * 64, true), quiet)).rejects.toThrow(/is unusable: tensors\.bin does not match its SHA-256 \(corrupted\)/);
  }, 120_000);

  it('--align-demo-return sets the scale of the redistributed reward; a bad value, or no --align, is an error', async () => {
    const train = (...more: string[]) => rudderIn(tmp, 'train', '--env', 'ItemChain-v0', '--steps', '256', '--num-envs', '2', '--no-progress', ...more);
    const ok = await train('--out', join(tmp, 'scaled'), '--align', demosPath, '--align-demo-return', '10');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).toMatch(/C = [\d.e+-]+ \(the demos' redistributed return averages 10\)/);
    const env = await train('--out', join(tmp, 'env-units'), '--align', demosPath, '--align-demo-return', 'env');
    expect(env.stdout + env.stderr).toMatch(/in the env's units/);
    expect((await train('--out', join(tmp, 'bad'), '--align', demosPath, '--align-demo-return', 'lots')).stderr).toMatch(/--align-demo-return must be a number, got "lots"/);
    expect((await train('--out', join(tmp, 'bad2'), '--align-demo-return', '10')).stderr).toMatch(/--align-demo-return scales Align-RUDDER's reward: add --align FILE/);
  }, 60_000);

  it('SubgoalPolicy.restoreState refuses agents of other sub-goals and changes nothing', () => {
    const r = (events: number[], seed: number): SubgoalPolicy => {
      const st = subgoalStages(events.map(goal), 1, 3);
      return new SubgoalPolicy(events.map((_, j) => new FusedPolicy(createAgent(parsePpoConfig({ hidden: [8], seed: seed + j }), [4], [3]), 1e-3)), st);
    };
    const a = r([0, 1], 1), b = r([0, 2], 1), c = r([0, 1], 5);
    const saved = a.saveState();
    const before = c.policies[1]!.agent.params()[0]!.slice();
    expect(() => b.restoreState(saved.tensors, saved.adamStep, 'ck')).toThrow(/ck: its agents are for the sub-goal events \[0, 1\], this run's for \[0, 2\]/);
    const broken = { ...saved.tensors };
    delete broken['agent/1/adam_v/2'];
    expect(() => c.restoreState(broken, saved.adamStep, 'ck')).toThrow(/ck, agent 1: tensor adam_v\/2 has no values/);
    expect(c.policies[1]!.agent.params()[0]).toEqual(before); // refused: nothing changed
    const partly = { ...saved.tensors, 'agent/1/param/0': saved.tensors['agent/1/param/0']!.slice(1) };
    expect(() => c.restoreState(partly, saved.adamStep, 'ck')).toThrow(/agent 1: tensor param\/0/);
    expect(c.policies[0]!.agent.params()[0]).not.toEqual(a.policies[0]!.agent.params()[0]); // agent 0 was not restored either
    c.restoreState(saved.tensors, saved.adamStep, 'ck');
    c.policies.forEach((p, j) => expect(p.agent.params()[0]).toEqual(a.policies[j]!.agent.params()[0]));
  });
});
