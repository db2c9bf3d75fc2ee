import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type NativeLoader } from '../src/agents/backend.ts';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ActorCritic } from '../src/agents/ppo/agent.ts';
import type { LossStats, Minibatch } from '../src/agents/ppo/loss.ts';
import { FusedPolicy, type UpdateCoefs } from '../src/agents/ppo/policy.ts';
import { actionHeads, trainPpo, type PpoIterationStats } from '../src/agents/ppo/ppo.ts';
import { TfjsActorCritic, type TfjsModelBuilder } from '../src/agents/ppo/tfjs-policy.ts';
import { useExplicitTransposeMatMulOnWasm } from '../src/agents/ppo/tfjs-wasm-matmul.ts';
import { useConv3dFilterGradOnWasm } from '../src/agents/ppo/tfjs-conv-grad.ts';
import { loadLayersPolicy, loadPolicyModel, toLayersModel, type PolicyModelJson } from '../src/agents/run/model-io.ts';
import { Rng } from '../src/envs/core/rng.ts';

beforeAll(async () => {
  await initBackend('wasm'); // the project's default backend
});

const COEFS: UpdateCoefs = { clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5 };
const STAT_KEYS = ['loss', 'policyLoss', 'valueLoss', 'entropy', 'oldApproxKl', 'approxKl', 'clipFrac'] as const;

/**
 * A minibatch from the agent's own policy, with old log-probs and values nudged off the current ones so
 * that some ratios and value differences fall outside the clip range (both branches of each max are taken).
 */
function minibatch(agent: ActorCritic, B: number, seed: number, masked: boolean): Minibatch {
  const rng = new Rng(seed), D = agent.obsDim, K = agent.numHeads, L = agent.numLogits;
  const obs = Float32Array.from({ length: B * D }, () => rng.normal());
  const firsts = new Set<number>(); // each head's first action stays allowed
  for (let h = 0, o = 0; h < K; o += agent.nvec[h]!, h++) firsts.add(o);
  const masks = masked ? Uint8Array.from({ length: B * L }, (_, i) => (firsts.has(i % L) || rng.random() < 0.7 ? 1 : 0)) : null;
  const actions = new Int32Array(B * K), logp = new Float32Array(B), values = new Float32Array(B);
  agent.act(obs, B, rng, actions, logp, values, false, masks);
  let mean = 0;
  const adv = Float32Array.from({ length: B }, () => rng.normal());
  adv.forEach((a) => (mean += a / B));
  return {
    size: B, obs, actions, masks,
    oldLogProbs: logp.map((l) => l + 0.3 * rng.normal()),
    advantages: adv.map((a) => a - mean),
    returns: values.map((v) => v + rng.normal()),
    oldValues: values.map((v) => v + 0.3 * rng.normal()),
  };
}

function expectClose(a: LossStats, b: LossStats, where: string): void {
  for (const k of STAT_KEYS) {
    const tol = k === 'clipFrac' ? 1 / 64 + 1e-9 : 1e-5 * (1 + Math.abs(a[k])); // a ratio exactly at 1 ± ε may round either way
    expect(Math.abs(a[k] - b[k]), `${where}: ${k} fused ${a[k]} tfjs ${b[k]}`).toBeLessThanOrEqual(tol);
  }
}

describe("PPO policy 'tfjs': a tfjs Layers model trained by tfjs autodiff", () => {
  for (const c of [
    { name: 'Discrete(2), CartPole sizes', obsDim: 4, nvec: [2], masked: false },
    { name: 'MultiDiscrete([3, 2]) with action masks', obsDim: 5, nvec: [3, 2], masked: true },
  ]) {
    it(`gives the fused path's losses and weights update after update (same MLP, same minibatches): ${c.name}`, () => {
      const agent = new ActorCritic(c.obsDim, c.nvec, [64, 64], 3);
      const tfjsPolicy = new TfjsActorCritic(toLayersModel(agent), [c.obsDim], c.nvec, 2.5e-4); // a copy of the initial weights
      const fused = new FusedPolicy(agent, 2.5e-4);
      try {
        const batches = [0, 1, 2].map((s) => minibatch(agent, 64, 10 + s, c.masked));
        let clippedSteps = 0;
        for (let step = 0; step < 6; step++) {
          const mb = batches[step % batches.length]!;
          fused.lr = tfjsPolicy.lr = 2.5e-4 * (1 - step / 6); // the trainer's linear annealing
          const a = fused.update(mb, COEFS);
          const b = tfjsPolicy.update(mb, COEFS);
          expectClose(a, b, `update ${step}`);
          if (a.clipFrac > 0) clippedSteps++;
        }
        expect(clippedSteps).toBeGreaterThan(0); // the clipped branches were exercised
        // And the weights moved the same way: both now act alike.
        const mb = batches[0]!, K = agent.numHeads;
        const va = new Float32Array(mb.size), vb = new Float32Array(mb.size);
        fused.value(mb.obs, mb.size, va);
        tfjsPolicy.value(mb.obs, mb.size, vb);
        let moved = 0;
        for (let i = 0; i < mb.size; i++) {
          expect(Math.abs(va[i]! - vb[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(va[i]!)));
          moved = Math.max(moved, Math.abs(va[i]! - mb.oldValues[i]!));
        }
        expect(moved).toBeGreaterThan(0);
        const la = new Float32Array(mb.size), lb = new Float32Array(mb.size);
        const aa = new Int32Array(mb.size * K), ab = new Int32Array(mb.size * K);
        fused.act(mb.obs, mb.size, new Rng(5), aa, la, null, true, mb.masks);
        tfjsPolicy.act(mb.obs, mb.size, new Rng(5), ab, lb, null, true, mb.masks);
        for (let i = 0; i < mb.size; i++) expect(Math.abs(la[i]! - lb[i]!)).toBeLessThan(1e-4);
      } finally {
        tfjsPolicy.dispose();
      }
    });
  }

  it('trainPpo with the same MLP as a tfjs model gives the fused run\'s first-iteration losses', async () => {
    const cfg = { envId: 'CartPole-v1', seed: 4, numEnvs: 4, numSteps: 32, totalTimesteps: 4 * 32 * 2, numMinibatches: 2, updateEpochs: 2 };
    const stats = async (tfjs: boolean): Promise<PpoIterationStats[]> => {
      const out: PpoIterationStats[] = [];
      const r = await trainPpo(tfjs ? { ...cfg, policy: 'tfjs' } : cfg, {
        backend: 'wasm', hooks: { onIteration: (s) => void out.push(s) },
        // The fused agent the config would build, copied into tfjs layers: the same initial weights.
        tfjsModel: tfjs ? (obs, act) => toLayersModel(new ActorCritic(obs.size, actionHeads(act)!, [64, 64], cfg.seed)) : null,
      });
      if (r.policy instanceof TfjsActorCritic) r.policy.dispose();
      return out;
    };
    const fused = await stats(false), viaTfjs = await stats(true);
    expect(viaTfjs.length).toBe(2);
    expectClose(fused[0]!, viaTfjs[0]!, 'iteration 1');
    expect(viaTfjs[0]!.episodes).toBe(fused[0]!.episodes); // same rollout: same actions sampled
  });

  it('leaks no tensors: tf.memory().numTensors is flat over 100 updates and 100 acting steps', () => {
    const agent = new ActorCritic(4, [2], [16, 16], 1);
    const p = new TfjsActorCritic(toLayersModel(agent), [4], [2], 1e-3);
    try {
      const mb = minibatch(agent, 32, 2, false);
      const actions = new Int32Array(4), logp = new Float32Array(4), values = new Float32Array(4), rng = new Rng(1);
      p.update(mb, COEFS); // the first step creates Adam's moment variables
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) {
        p.update(mb, COEFS);
        p.act(mb.obs, 4, rng, actions, logp, values);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(p.step).toBe(101);
    } finally {
      p.dispose();
    }
  });
});

describe("PPO policy 'tfjs': a network the fused path does not have", () => {
  /** ReLU dense → layer normalisation → tanh dense, a shared torso with linear logits and value heads; seeded init. */
  const build: TfjsModelBuilder = (obs, act) => {
    const input = tfl.input({ shape: [...obs.shape] });
    let h = tfl.layers.dense({ units: 64, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.layerNormalization().apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tfl.SymbolicTensor;
    const logits = tfl.layers.dense({ units: actionHeads(act)![0]!, kernelInitializer: tfl.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: 3 }) }).apply(h) as tfl.SymbolicTensor;
    const value = tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(h) as tfl.SymbolicTensor;
    return tfl.model({ inputs: input, outputs: [logits, value] });
  };

  it('trains on CartPole to a rising return (fixed seed), and saves model/ that tfjs-layers loads and runs the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rudder-tfjs-'));
    const notes: string[] = [];
    try {
      const r = await trainPpo({ envId: 'CartPole-v1', seed: 1, policy: 'tfjs', totalTimesteps: 8192, learningRate: 1e-3 }, {
        backend: 'wasm', tfjsModel: build, runDir: dir, hooks: { onNote: (m) => void notes.push(m) },
      });
      const policy = r.policy as TfjsActorCritic;
      try {
        const mean = (a: { return: number }[]): number => a.reduce((x, e) => x + e.return, 0) / a.length;
        const first = mean(r.episodes.slice(0, 20)), last = mean(r.episodes.slice(-20));
        expect(last).toBeGreaterThan(2 * first); // seen: 21.4 → 98.0
        expect(existsSync(join(dir, 'checkpoints', 'iter-0000016', 'tensors.bin'))).toBe(true); // the final checkpoint

        const json = JSON.parse(readFileSync(join(dir, 'model', 'model.json'), 'utf8')) as PolicyModelJson;
        expect(json.userDefinedMetadata?.rudder.topology).toEqual({ policy: 'tfjs', obsShape: [4], nvec: [2], envId: 'CartPole-v1' });
        expect(JSON.stringify(json.modelTopology)).toContain('LayerNormalization');
        expect(() => loadPolicyModel(join(dir, 'model'))).toThrow(/policy 'tfjs'.*loadLayersPolicy/);
        const loaded = await loadLayersPolicy(join(dir, 'model'));
        const x = tf.tensor2d([[0.01, -0.2, 0.03, 0.4], [0.1, 0.5, -0.05, -0.3]]);
        const a = policy.model.predict(x) as tf.Tensor[], b = loaded.predict(x) as tf.Tensor[];
        expect(Array.from(b[0]!.dataSync())).toEqual(Array.from(a[0]!.dataSync()));
        expect(Array.from(b[1]!.dataSync())).toEqual(Array.from(a[1]!.dataSync()));
        tf.dispose([x, ...a, ...b]);
        loaded.dispose();
      } finally {
        policy.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resumes bit for bit: 4 iterations straight give the weights of 2, a checkpoint, and 2 more in a new trainer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rudder-tfjs-resume-'));
    const cfg = { envId: 'CartPole-v1', seed: 2, policy: 'tfjs' as const, numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 4 * 4 * 32 };
    const weights = (p: TfjsActorCritic): Float32Array[] => p.model.getWeights().map((w) => w.dataSync() as Float32Array);
    try {
      const straight = await trainPpo(cfg, { backend: 'wasm', tfjsModel: build, runDir: dir, checkpointEvery: 2 });
      const want = weights(straight.policy as TfjsActorCritic);
      const wantMoments = (straight.policy as TfjsActorCritic).saveState().tensors;
      straight.policy.dispose();
      // A new trainer (a freshly built, differently initialised network) from the iteration-2 checkpoint.
      const other: TfjsModelBuilder = (obs, act) => { const m = build(obs, act); m.setWeights(m.getWeights().map((w) => tf.mul(w, 0.5))); return m; };
      const resumed = await trainPpo(cfg, { backend: 'wasm', tfjsModel: other, runDir: dir, resume: 'iter-0000002' });
      const p = resumed.policy as TfjsActorCritic;
      try {
        expect(resumed.iteration).toBe(4);
        expect(p.step).toBe(4 * 2 * 2); // Adam's t: iterations × epochs × minibatches
        const got = weights(p);
        expect(got.length).toBe(want.length);
        got.forEach((w, i) => expect(Array.from(w), `weight ${i}`).toEqual(Array.from(want[i]!)));
        const moments = p.saveState().tensors;
        for (const k of Object.keys(wantMoments)) expect(Array.from(moments[k]!), k).toEqual(Array.from(wantMoments[k]!));
        expect(Object.keys(wantMoments)).toContain('adam_beta_pow');
      } finally {
        p.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a checkpoint that does not fit the network, or is corrupt, is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rudder-tfjs-bad-'));
    const cfg = { envId: 'CartPole-v1', seed: 2, policy: 'tfjs' as const, numEnvs: 4, numSteps: 32, totalTimesteps: 2 * 4 * 32 };
    try {
      (await trainPpo(cfg, { backend: 'wasm', tfjsModel: build, runDir: dir })).policy.dispose();
      const wider: TfjsModelBuilder = (obs, act) => {
        const input = tfl.input({ shape: [...obs.shape] });
        const h = tfl.layers.dense({ units: 32, activation: 'tanh' }).apply(input) as tfl.SymbolicTensor;
        return tfl.model({ inputs: input, outputs: [tfl.layers.dense({ units: actionHeads(act)![0]! }).apply(h) as tfl.SymbolicTensor, tfl.layers.dense({ units: 1 }).apply(h) as tfl.SymbolicTensor] });
      };
      await expect(trainPpo({ ...cfg, totalTimesteps: 4 * 4 * 32 }, { backend: 'wasm', tfjsModel: wider, runDir: dir, resume: true }))
        .rejects.toThrow(/checkpoint iter-0000002: tensor adam_m\/0 has 256 values, the tfjs model "\w+" needs 128/);
      const bin = join(dir, 'checkpoints', 'iter-0000002', 'tensors.bin');
      const bytes = readFileSync(bin);
      bytes[100] ^= 1;
      writeFileSync(bin, bytes);
      await expect(trainPpo({ ...cfg, totalTimesteps: 4 * 4 * 32 }, { backend: 'wasm', tfjsModel: build, runDir: dir, resume: true }))
        .rejects.toThrow(/iter-0000002 is unusable: tensors.bin does not match its SHA-256/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model whose outputs are not [logits, value], naming what it got', async () => {
    const bad: TfjsModelBuilder = (obs) => {
      const input = tfl.input({ shape: [...obs.shape] });
      return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2 }).apply(input) as tfl.SymbolicTensor });
    };
    await expect(trainPpo({ envId: 'CartPole-v1', policy: 'tfjs', totalTimesteps: 512 }, { tfjsModel: bad })).rejects.toThrow(/outputs should be \[logits \[null, 2\], value \[null, 1\]\], got \[\[null,2\]\]/);
    await expect(trainPpo({ envId: 'CartPole-v1', policy: 'tfjs', totalTimesteps: 512 })).rejects.toThrow(/needs a model: pass tfjsModel/);
  });
});

describe("PPO policy 'tfjs' on the backend the ladder picks (tfjs-node stand-in)", () => {
  // tfjs-node(-gpu) cannot be installed here (their install downloads libtensorflow). As in backend.test.ts, a
  // loader stands in for them: importing "tfjs-node" registers a `tensorflow` backend, here one whose kernels
  // are the cpu backend's, counted. What this shows: the trainer runs its tfjs math on whatever backend the
  // ladder picked. It has not run on real tfjs-node or a GPU.
  const calls = new Map<string, number>();
  const standIn: NativeLoader = async (pkg) => {
    if (pkg === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so.11.0: cannot open shared object file'); // no CUDA: falls through
    if (tf.findBackend('tensorflow')) return;
    for (const k of tf.getKernelsForBackend('cpu')) {
      tf.registerKernel({ ...k, backendName: 'tensorflow', kernelFunc: (args) => (calls.set(k.kernelName, (calls.get(k.kernelName) ?? 0) + 1), k.kernelFunc(args)) });
    }
    tf.registerBackend('tensorflow', () => new MathBackendCPU());
  };
  const cfg = { envId: 'CartPole-v1', seed: 3, numEnvs: 4, numSteps: 32, totalTimesteps: 2 * 4 * 32, numMinibatches: 2, updateEpochs: 2 };
  const run = async (backend: 'auto' | 'cpu', policy: 'tfjs' | 'mlp'): Promise<{ stats: PpoIterationStats[]; backend: string }> => {
    const stats: PpoIterationStats[] = [];
    const r = await trainPpo({ ...cfg, policy }, {
      backend, loadNative: standIn, hooks: { onIteration: (s) => void stats.push(s) },
      tfjsModel: policy === 'tfjs' ? (obs, act) => toLayersModel(new ActorCritic(obs.size, actionHeads(act)!, [64, 64], cfg.seed)) : null,
    });
    r.policy.dispose();
    return { stats, backend: r.backend };
  };

  it("trains a tfjs policy on the stand-in 'tensorflow' backend (its kernels run the math), as on cpu; the fused path calls none of them", async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    const onCpu = await run('cpu', 'tfjs');
    calls.clear();
    const native = await run('auto', 'tfjs');
    expect(native.backend).toBe('tensorflow');
    expect(calls.get('BatchMatMul') ?? 0).toBeGreaterThan(0); // forward and gradient matmuls ran on it
    expect([...calls.keys()]).toContain('Sqrt'); // and Adam's update
    // The stand-in's kernels are cpu's: the same run, step for step.
    expect(native.stats.map((s) => [s.loss, s.entropy, s.approxKl])).toEqual(onCpu.stats.map((s) => [s.loss, s.entropy, s.approxKl]));
    calls.clear();
    const fused = await run('auto', 'mlp');
    expect(fused.backend).toBe('tensorflow');
    expect(calls.size).toBe(0); // the built-in policy's training math is the fused kernels', whatever the backend
    await initBackend('wasm');
  });
});

describe('transposed matmuls on wasm: explicit transposes first, so XNNPACK runs them', () => {
  it("gives the cpu backend's values for transposeA / transposeB at rank 2 and 3, and frees its temporaries", async () => {
    const rng = new Rng(9);
    const cases = [
      { a: [6, 5], b: [6, 3], ta: true, tb: false }, { a: [6, 5], b: [3, 5], ta: false, tb: true }, { a: [5, 6], b: [3, 5], ta: true, tb: true },
      { a: [1, 6, 5], b: [1, 6, 3], ta: true, tb: false }, { a: [2, 6, 5], b: [2, 3, 5], ta: false, tb: true },
    ].map((c) => ({ ...c, av: Float32Array.from({ length: c.a.reduce((x, y) => x * y) }, () => rng.normal()), bv: Float32Array.from({ length: c.b.reduce((x, y) => x * y) }, () => rng.normal()) }));
    const products = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
      await initBackend(backend);
      useExplicitTransposeMatMulOnWasm();
      return cases.map((c) => tf.tidy(() => tf.matMul(tf.tensor(c.av, c.a), tf.tensor(c.bv, c.b), c.ta, c.tb).dataSync() as Float32Array));
    };
    const onCpu = await products('cpu'), onWasm = await products('wasm');
    expect(tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc.toString()).toContain('transposeA'); // the wrapper is installed
    onWasm.forEach((p, i) => {
      expect(p.length).toBe(onCpu[i]!.length);
      p.forEach((v, k) => expect(Math.abs(v - onCpu[i]![k]!), `case ${i}[${k}]`).toBeLessThan(1e-5 * (1 + Math.abs(v))));
    });
    const backend = tf.engine().backend;
    const before = backend.numDataIds();
    await products('wasm');
    expect(backend.numDataIds()).toBe(before); // the explicit transposes are freed
  });
});

describe("Conv2D's filter gradient on wasm through Conv3DBackpropFilterV2 (wasm has no Conv2DBackpropFilter)", () => {
  it("gives the cpu backend's gradients at stride 1, 'valid' and 'same' padding", async () => {
    useConv3dFilterGradOnWasm();
    const rng = new Rng(4);
    const xs = Float32Array.from({ length: 2 * 6 * 5 * 3 }, () => rng.normal()), ws = Float32Array.from({ length: 3 * 3 * 3 * 4 }, () => rng.normal());
    const grads = async (backend: 'wasm' | 'cpu', pad: 'valid' | 'same'): Promise<Float32Array[]> => {
      await initBackend(backend);
      return tf.tidy(() => tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, pad))))([tf.tensor4d(xs, [2, 6, 5, 3]), tf.tensor4d(ws, [3, 3, 3, 4])]))
        .map((g) => g.dataSync() as Float32Array);
    };
    for (const pad of ['valid', 'same'] as const) {
      const onWasm = await grads('wasm', pad), onCpu = await grads('cpu', pad);
      expect(onWasm[1]!.length).toBe(3 * 3 * 3 * 4);
      onWasm.forEach((g, i) => g.forEach((v, k) => expect(Math.abs(v - onCpu[i]![k]!), `${pad} grad ${i}[${k}]`).toBeLessThan(1e-4 * (1 + Math.abs(v)))));
    }
    await initBackend('wasm');
  });
});
