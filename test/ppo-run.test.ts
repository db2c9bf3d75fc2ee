import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { agentFromCheckpoint, type PpoCheckpointState } from '../src/agents/ppo/checkpoint.ts';
import { PpoTrainer } from '../src/agents/ppo/ppo.ts';
import { CheckpointError, loadCheckpoint } from '../src/agents/run/checkpoint.ts';
import { loadPolicyModel, type PolicyModelJson } from '../src/agents/run/model-io.ts';
import { rudderIn } from './support/rudder-cli.ts';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'rudder-ppo-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const small = { envId: 'CartPole-v1', numEnvs: 2, numSteps: 64, numMinibatches: 2, updateEpochs: 2, seed: 3 };

async function rudder(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return rudderIn(ROOT, ...args);
}

describe('PPO checkpoints', () => {
  it('a checkpoint round trip reproduces the next update bit for bit', async () => {
    const dir = join(tmp, 'roundtrip');
    // Run A: 3 iterations with checkpoints; run B: the same seed stopped after 2 iterations, no files.
    const a = await PpoTrainer.create({ ...small, totalTimesteps: 3 * 128 }, { backend: 'cpu', runDir: dir, checkpointEvery: 1 });
    await a.train();
    a.close();
    const b = await PpoTrainer.create({ ...small, totalTimesteps: 3 * 128 }, { backend: 'cpu', hooks: { onIteration: (s) => s.iteration < 2 } });
    await b.train();
    const restored = await PpoTrainer.create({}, { backend: 'cpu', runDir: dir, resume: 'iter-0000002' });
    expect(restored.iteration).toBe(2);
    expect(restored.globalStep).toBe(256);
    expect(restored.agent.params()).toEqual(b.agent.params());
    expect(restored.adam.m).toEqual(b.adam.m);
    expect(restored.adam.v).toEqual(b.adam.v);
    // Same rollout data into both, then one update each: identical weights afterwards.
    for (const k of Object.keys(b.buf) as (keyof typeof b.buf)[]) (restored.buf[k] as Float32Array | null)?.set(b.buf[k] as Float32Array);
    restored.adam.lr = b.adam.lr;
    const sb = b.update(), sr = restored.update();
    expect(sr).toEqual(sb);
    expect(restored.agent.params()).toEqual(b.agent.params());
    expect(restored.adam.step).toBe(b.adam.step);
    b.close();
    restored.close();
  });

  it('a corrupt checkpoint is a clear error that names the file, and the previous checkpoint survives', async () => {
    const dir = join(tmp, 'corrupt');
    const t = await PpoTrainer.create({ ...small, totalTimesteps: 2 * 128 }, { backend: 'cpu', runDir: dir, checkpointEvery: 1 });
    await t.train();
    t.close();
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['iter-0000001', 'iter-0000002', 'latest.json']);
    const bin = join(dir, 'checkpoints/iter-0000002/tensors.bin');
    const bytes = readFileSync(bin);
    bytes[100] ^= 0xff;
    writeFileSync(bin, bytes);
    expect(() => loadCheckpoint(dir)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(dir)).toThrow(/iter-0000002 is unusable: tensors\.bin does not match its SHA-256.*Other checkpoints in this run: iter-0000001/);
    await expect(PpoTrainer.create({}, { backend: 'cpu', runDir: dir, resume: true })).rejects.toThrow(/SHA-256/);
    writeFileSync(bin, bytes.subarray(0, 50));
    expect(() => loadCheckpoint(dir)).toThrow(/tensors\.bin has 50 bytes/);
    // The previous checkpoint is intact and resumable.
    const r = await PpoTrainer.create({}, { backend: 'cpu', runDir: dir, resume: 'iter-0000001' });
    expect(r.iteration).toBe(1);
    r.close();
  });

  it('a mismatched resume is refused naming the setting', async () => {
    const dir = join(tmp, 'roundtrip');
    await expect(PpoTrainer.create({ hidden: [32] }, { backend: 'cpu', runDir: dir, resume: true })).rejects.toThrow(/cannot resume .* with hidden = \[32\]: the checkpoint was trained with \[64,64\]/);
  });
});

describe('rudder train / eval', () => {
  it('the README main command (`rudder train`, all defaults) trains CartPole and saves the run', async () => {
    const cwd = mkdtempSync(join(tmp, 'readme-'));
    const r = await rudderIn(cwd, 'train');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CartPole-v1 · PPO · seed 1 · 499,712 steps');
    expect(r.stdout).toContain('saved in runs/CartPole-v1-ppo-seed1/');
    const summary = JSON.parse(readFileSync(join(cwd, 'runs/CartPole-v1-ppo-seed1/summary.json'), 'utf8')) as { meanReturnLast20: number };
    // The first impression: the default run solves CartPole (its threshold, 475, is printed as reached).
    expect(summary.meanReturnLast20).toBeGreaterThanOrEqual(475);
    expect(r.stdout).toContain('(reward threshold 475: reached)');
  });

  it('trains, saves a run folder with metrics and a plot, and evaluates it', async () => {
    const out = join(tmp, 'cli-run');
    const r = await rudder('train', '--steps', '4096', '--seed', '2', '--out', out, '--no-progress', '--checkpoint-every', '2', '--eval-every', '2048', '--eval-episodes', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CartPole-v1 · PPO · seed 2 · 4,096 steps · built-in mlp: our fused kernels \((wasm-simd|js)\) run the training math, the tfjs backend (wasm|cpu|tensorflow) only saves the model \(--policy tfjs with --policy-module trains your own network on it\) · run folder/);
    expect(r.stdout).toMatch(/done: 4,096 steps, \d+ episodes/);
    for (const f of ['metrics.jsonl', 'metrics.csv', 'curve.svg', 'summary.json', 'config.json', 'checkpoints/latest.json', 'checkpoints/best/state.json', 'model/model.json', 'model/weights.bin']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toContain('global_step');
    expect(csv).toHaveLength(1 + 8); // header + 8 iterations of 512 steps
    const types = new Set(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type));
    expect([...types].sort()).toEqual(['checkpoint', 'episode', 'eval', 'iteration', 'start']);
    expect(readFileSync(join(out, 'curve.svg'), 'utf8')).toContain('<polyline');

    // Resume continues the same curve: the step counter goes on and the CSV grows.
    const again = await rudder('train', '--out', out, '--resume', '--steps', '6144', '--no-progress');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('(resumed at step 4096)');
    const csv2 = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv2).toHaveLength(1 + 12);
    expect(csv2[9]!.split(',')[1]).toBe('4608');

    const ev = await rudder('eval', '--run', out, '--episodes', '3');
    expect(ev.code).toBe(0);
    expect(ev.stdout).toMatch(/checkpoint iter-0000012 · greedy policy · 3 episode\(s\)/);
    expect(ev.stdout).toMatch(/mean return \d+\.\d\d ±/);
  });

  it('refuses to overwrite a run, and rejects a bad config naming the field', async () => {
    const out = join(tmp, 'cli-run');
    const r = await rudder('train', '--out', out, '--steps', '1024', '--no-progress');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/already holds a run .* pass --resume/);
    const cfg = join(tmp, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ learningRate: 'fast', numEnvs: 4 }));
    const bad = await rudder('train', '--config', cfg, '--out', join(tmp, 'x'), '--no-progress');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--config .*bad\.json is invalid:\n\s+- learningRate: Invalid input: expected number, received string/);
    expect(existsSync(join(tmp, 'x', 'checkpoints'))).toBe(false);
  });

  it('trains the CNN policy from a --config file ({"policy": "cnn", "envKwargs": {…}}), resumes it, and saves a CNN tfjs model', async () => {
    const out = join(tmp, 'cnn-run');
    const cfg = join(tmp, 'cnn.json');
    const envKwargs = { size: 5, observation: 'image', reward: 'shaped', maxSteps: 50 };
    writeFileSync(cfg, JSON.stringify({ envId: 'KeyDoorTreasure-v0', policy: 'cnn', cnnChannels: [8, 16], hidden: [32], envKwargs, numEnvs: 4, numSteps: 64, seed: 4 }));
    const r = await rudder('train', '--config', cfg, '--steps', '1024', '--out', out, '--no-progress', '--eval-every', '512', '--eval-episodes', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/KeyDoorTreasure-v0 · PPO · seed 4 · 1,024 steps/);
    const again = await rudder('train', '--out', out, '--resume', '--steps', '1536', '--no-progress');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('(resumed at step 1024)');

    const json = JSON.parse(readFileSync(join(out, 'model/model.json'), 'utf8')) as PolicyModelJson;
    expect(json.format).toBe('layers-model');
    expect(json.userDefinedMetadata?.rudder.topology).toMatchObject({ policy: 'cnn', obsShape: [5, 5, 13], channels: [8, 16], hidden: [32], nvec: [5] });
    const { agent } = loadPolicyModel(join(out, 'model'));
    const ck = loadCheckpoint<PpoCheckpointState>(out);
    expect(ck.state.config).toMatchObject({ policy: 'cnn', cnnChannels: [8, 16], envKwargs });
    expect(ck.state.globalStep).toBe(1536);
    const fromCk = agentFromCheckpoint(ck.state, ck.tensors, ck.label);
    expect(fromCk.params()).toEqual(agent.params()); // the final model is the last checkpoint's policy
    const ev = evaluatePolicy(fromCk, 'KeyDoorTreasure-v0', { episodes: 3, seed: 1, kwargs: envKwargs });
    expect(ev.returns).toHaveLength(3);
    const cli = await rudder('eval', '--run', out, '--episodes', '3', '--seed', '1');
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(new RegExp(`mean return ${(ev.meanReturn).toFixed(2)} ±`));
  });

  it("trains a user's own env from its module (examples/custom-env.ts)", async () => {
    const out = join(tmp, 'corridor');
    const r = await rudder('train', '--env-module', 'examples/custom-env.ts', '--env', 'Corridor-v0', '--steps', '2048', '--out', out, '--no-progress');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Corridor-v0 · PPO');
    const ev = await rudder('eval', '--env-module', 'examples/custom-env.ts', '--run', out, '--episodes', '2');
    expect(ev.code).toBe(0);
  });

  it('--rudder trains with RUDDER redistributing the delayed reward, logs its model, and resumes with it', async () => {
    const out = join(tmp, 'rudder-run');
    const cfg = join(tmp, 'kdt5.json');
    writeFileSync(cfg, JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, reward: 'delayed' }, seed: 2 }));
    const r = await rudder('train', '--config', cfg, '--rudder', '--steps', '8192', '--out', out, '--no-progress');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('KeyDoorTreasure-v0 · PPO + RUDDER · seed 2');
    const its = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"iteration"')).map((l) => JSON.parse(l) as Record<string, number>);
    expect(its).toHaveLength(16);
    const last = its.at(-1)!;
    expect(last.rudder_episodes).toBeGreaterThan(20); // a 5×5 episode is short: many finished, each trained on
    expect(last.rudder_active).toBe(1);
    expect(Number.isFinite(last.rudder_loss)).toBe(true);
    expect(last.rudder_quality).toBeGreaterThan(0);
    expect(last.rudder_skipped_steps).toBe(0); // short episodes: no gradient overflowed
    // One rudder_episode record per finished episode, saying where the redistribution put the return.
    const eps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"rudder_episode"')).map((l) => JSON.parse(l) as Record<string, number | boolean>);
    expect(eps).toHaveLength(last.rudder_episodes!);
    expect(eps.some((e) => e.active && (e.quality as number) > 0)).toBe(true);
    for (const e of eps) expect(e.rr_max_step as number).toBeLessThan(e.length as number);
    // RUDDER's settings from the config file's `rudder` object (and features by name from the command line).
    const cfg2 = join(tmp, 'kdt5-rudder.json');
    writeFileSync(cfg2, JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5, reward: 'delayed' }, rudder: { mode: 'reward', trace: 0 } }));
    const withFile = await rudder('train', '--config', cfg2, '--rudder-features', 'gridCodeCounts', '--steps', '1024', '--out', join(tmp, 'rudder-file'), '--no-progress');
    expect(withFile.code).toBe(0);
    expect(withFile.stdout).toContain('PPO + RUDDER');
    writeFileSync(cfg2, JSON.stringify({ envId: 'KeyDoorTreasure-v0', rudder: { trace: 2 } }));
    const bad = await rudder('train', '--config', cfg2, '--steps', '1024', '--out', join(tmp, 'rudder-bad'), '--no-progress');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`--config ${cfg2}: rudder.trace`);
    // A resume brings RUDDER back from the checkpoint (its settings, LSTM, optimiser, buffer, trust) and goes on.
    const again = await rudder('train', '--out', out, '--resume', '--steps', '10240', '--no-progress');
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('PPO + RUDDER · seed 2');
    expect(again.stdout).toContain('(resumed at step 8192)');
    const its2 = readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"iteration"')).map((l) => JSON.parse(l) as Record<string, number>);
    expect(its2).toHaveLength(20);
    expect(its2[16]!.rudder_episodes).toBeGreaterThan(last.rudder_episodes!); // counted on from the saved state
    expect(its2[16]!.rudder_active).toBe(1); // no new warm-up
    // Other RUDDER settings, or RUDDER on a plain-PPO run, are refused naming the difference.
    writeFileSync(cfg2, JSON.stringify({ rudder: { units: 8 } }));
    const other = await rudder('train', '--out', out, '--resume', '--config', cfg2, '--steps', '12288', '--no-progress');
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/RUDDER was trained with units = 32, this run has 8/);
    const plainOut = join(tmp, 'plain-kdt');
    expect((await rudder('train', '--env', 'KeyDoorTreasure-v0', '--steps', '1024', '--out', plainOut, '--no-progress')).code).toBe(0);
    const plain = await rudder('train', '--out', plainOut, '--resume', '--rudder', '--steps', '2048', '--no-progress');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/cannot resume .* with RUDDER: checkpoint iter-0000002 was trained without it \(plain PPO\)/);
  });
});
