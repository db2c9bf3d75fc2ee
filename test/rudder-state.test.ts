import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RolloutView } from '../src/agents/ppo/redistribution.ts';
import { loadCheckpoint, saveCheckpoint } from '../src/agents/run/checkpoint.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { encodeEpisode, TimeEncoding } from '../src/rudder/encode.ts';
import { Lstm, newLstmState } from '../src/rudder/lstm.ts';
import { LstmBatch } from '../src/rudder/lstm-batch.ts';
import { RudderRedistribution, type RudderCheckpointState, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A toy delayed task as PPO's rollouts: one episode of `len` steps per env and rollout, then its autoreset
 * row. The only decisive action is the first: action 1 at t = 0 pays 1 at the last step. Coins (obs[0] = 1)
 * appear at random steps in between and pay 0.5 when they appear: distractor rewards, unrelated to the
 * first action. obs[1] is the time t / len, so each step differs from the last.
 */
function toyRollouts(count: number, N: number, len: number, seed: number): RolloutView[] {
  const T = len + 1, D = 2, rng = new Rng(seed), out: RolloutView[] = [];
  for (let r = 0; r < count; r++) {
    const v = {
      numSteps: T, numEnvs: N, obsDim: D, globalStep: (r + 1) * T * N, obs: new Float32Array(T * N * D), actions: new Int32Array(T * N),
      rewards: new Float32Array(T * N), terminated: new Uint8Array(T * N), truncated: new Uint8Array(T * N), valid: new Uint8Array(T * N), nextObs: new Float32Array(N * D),
    };
    for (let n = 0; n < N; n++) {
      let decisive = 0;
      for (let t = 0; t < len; t++) {
        const k = t * N + n, coin = t > 0 && t < len - 1 && rng.random() < 0.3;
        v.valid[k] = 1;
        v.obs[k * D] = coin ? 1 : 0;
        v.obs[k * D + 1] = t / len;
        v.actions[k] = t === 0 ? (decisive = rng.integer(2)) : rng.integer(2); // later actions change nothing
        v.rewards[k] = (coin ? 0.5 : 0) + (t === len - 1 ? decisive : 0);
      }
      v.terminated[(len - 1) * N + n] = 1;
      v.obs[(len * N + n) * D + 1] = 1; // the autoreset row holds the terminal observation
    }
    out.push(v);
  }
  return out;
}

function feed(red: RudderRedistribution, rollouts: RolloutView[]): { rr: Float32Array; q: Float32Array }[] {
  return rollouts.map((v) => {
    const rr = new Float32Array(v.numSteps * v.numEnvs), q = new Float32Array(v.numSteps * v.numEnvs);
    red.redistribute(v, rr, q);
    return { rr, q };
  });
}

describe('RUDDER for PPO: what the LSTM sees, what it learns, and its checkpoints', () => {
  it('the LSTM run on from a carried state gives what one forward pass over the whole sequence gives', () => {
    const lstm = new Lstm({ inputDim: 5, units: 6, outputGate: true, forgetGate: true, fullyConnected: true, seed: 3 });
    const rng = new Rng(1), T = 9;
    const x = Float32Array.from({ length: T * 5 }, (_, i) => (i % 3 === 0 ? 0 : rng.normal()));
    const whole = new Float32Array(T);
    lstm.forward(x, T, whole);
    const state = newLstmState(6), pieces = new Float32Array(T);
    for (const [a, b] of [[0, 2], [2, 3], [3, 9]] as const) lstm.run(x.subarray(a * 5, b * 5), b - a, pieces.subarray(a, b), state);
    for (let t = 0; t < T; t++) expect(pieces[t]).toBeCloseTo(whole[t]!, 6);
    expect(() => lstm.run(x, T, pieces, newLstmState(5))).toThrow(/state must hold 6 values/);
    // The batched pass from carried states (two sequences of different lengths, one fresh) gives the same.
    const batch = new LstmBatch(lstm), s1 = newLstmState(6), s2 = newLstmState(6), y1 = new Float32Array(T);
    lstm.run(x.subarray(0, 3 * 5), 3, y1, s1);
    batch.forward([x.subarray(3 * 5), x.subarray(0, 4 * 5)], [6, 4], [s1, s2]);
    for (let t = 0; t < 6; t++) expect(batch.out[batch.index(0, t)]).toBeCloseTo(whole[3 + t]!, 5);
    for (let t = 0; t < 4; t++) expect(batch.out[batch.index(1, t)]).toBeCloseTo(whole[t]!, 5);
    batch.finalState(1, s2);
    const rest = new Float32Array(5);
    lstm.run(x.subarray(4 * 5), 5, rest, s2); // and goes on from where the batch left it
    for (let t = 0; t < 5; t++) expect(rest[t]).toBeCloseTo(whole[4 + t]!, 5);
    expect(() => batch.backward(lstm.params().map((p) => new Float32Array(p.length)))).toThrow(/inference only/);
  });

  it('the triangular time encoding: 41 nodes for max 10000 / span 500, two neighbours sum to 1', () => {
    const enc = new TimeEncoding(10000, 500), out = new Float32Array(enc.dim);
    expect(enc.dim).toBe(41);
    enc.write(0, out, 0);
    expect(out[0]).toBe(1);
    enc.write(375, out, 0); // halfway between the peaks at 250 and 500
    expect([out[1], out[2]]).toEqual([0.5, 0.5]);
    expect(out.reduce((a, b) => a + b, 0)).toBe(1);
    enc.write(99999, out, 0); // past max: the last node
    expect(out[40]).toBe(1);
    expect(() => new TimeEncoding(100, 0)).toThrow(/span > 0/);
    const red = new RudderRedistribution(2, { numActions: 3, timeEncoding: { max: 1000, span: 500 } });
    expect(red.model.lstm.inputDim).toBe(2 + 3 + 5);
  });

  it('feeds the terminal observation as a last input without an action, and pays its step to the last action', () => {
    const red = new RudderRedistribution(2, { numActions: 2, warmupEpisodes: 0, seed: 4 });
    const seen: RudderEpisode[] = [];
    red.onEpisode = (e) => seen.push(e);
    const [v] = toyRollouts(1, 1, 4, 2);
    feed(red, [v!]);
    const lesson = red.buffer.all()[0]!;
    expect(lesson.length).toBe(5); // 4 steps + the terminal observation
    const obs = Float32Array.from([...v!.obs.subarray(0, 8), ...v!.obs.subarray(8, 10)]);
    const expected = encodeEpisode(obs, 2, v!.actions, [2], 5, { lastWithoutAction: true });
    expect(Array.from(lesson.inputs)).toEqual(Array.from(expected));
    expect(Array.from(lesson.inputs.subarray(4 * 4 + 2, 4 * 4 + 4))).toEqual([0, 0]); // no action at the terminal input
    expect(seen[0]!.length).toBe(4);
    expect(seen[0]!.redistributed.reduce((a, b) => a + b, 0)).toBeCloseTo(seen[0]!.ret, 5);
    // Without it the lesson is the 4 steps alone.
    const off = new RudderRedistribution(2, { numActions: 2, terminalObservation: false });
    feed(off, [v!]);
    expect(off.buffer.all()[0]!.length).toBe(4);
  });

  it('on a toy delayed task (decisive action at t = 0, reward at t = T, coins in between) the trained model pays the delayed reward at step 0', () => {
    // The demo's learning rate and its training until the loss is low: with the defaults (lr 1e-3, one
    // step per episode) 1,200 episodes move only ~5 % of the credit to step 0, as measured when this was written.
    const red = new RudderRedistribution(2, { numActions: 2, warmupEpisodes: 0, seed: 1, units: 16, decomposition: { learningRate: 1e-2 }, updateTraining: { batchSize: 8, maxBatches: 10, lossThreshold: 0.01 } });
    for (const v of toyRollouts(300, 4, 10, 5)) {
      feed(red, [v]);
      red.afterUpdate();
    }
    const seen: RudderEpisode[] = [];
    red.onEpisode = (e) => seen.push(e);
    const test = toyRollouts(10, 4, 10, 99);
    feed(red, test);
    // Mean RR at step 0 when the first action was 1 minus when it was 0: the delayed reward's credit.
    let one = 0, zero = 0, nOne = 0, nZero = 0, last = 0;
    seen.forEach((e, i) => {
      const a0 = test[Math.floor(i / 4)]!.actions[i % 4]!;
      if (a0 === 1) { one += e.redistributed[0]!; nOne++; } else { zero += e.redistributed[0]!; nZero++; }
      last += Math.abs(e.redistributed[9]!);
    });
    expect(nOne).toBeGreaterThan(5);
    expect(nZero).toBeGreaterThan(5);
    const credit = one / nOne - zero / nZero;
    expect(credit).toBeGreaterThan(0.7); // most of the 1 moved to the decisive step…
    expect(credit).toBeLessThan(1.3);
    expect(last / seen.length).toBeLessThan(0.2); // …and little is left where the env paid it
  });

  it('trains after each PPO update until the loss EMA is below the threshold, at most maxBatches', () => {
    const red = new RudderRedistribution(2, { numActions: 2, warmupEpisodes: 0, seed: 2, updateTraining: { batchSize: 4, maxBatches: 7, lossThreshold: 0 } });
    feed(red, toyRollouts(2, 4, 6, 1));
    const before = red.stats().trainSteps;
    expect(before).toBe(16); // one step per finished episode and one replay
    red.afterUpdate();
    expect(red.stats().trainSteps).toBe(before + 7); // a threshold of 0 is never reached
    const easy = new RudderRedistribution(2, { numActions: 2, warmupEpisodes: 0, seed: 2, updateTraining: { batchSize: 4, maxBatches: 7, lossThreshold: 1e9 } });
    feed(easy, toyRollouts(2, 4, 6, 1));
    easy.afterUpdate();
    expect(easy.stats().trainSteps).toBe(17); // one batch, then the EMA is below
    expect(() => new RudderRedistribution(2, { numActions: 2, updateTraining: { batchSize: 0, maxBatches: 1, lossThreshold: 0 } })).toThrow(/updateTraining needs a positive integer batchSize/);
  });

  it('a checkpoint round trip (through a real checkpoint folder) reproduces the next update exactly', () => {
    // A wide gate (maxError 10), so the compared update uses RR.
    const cfg = { numActions: 2, warmupEpisodes: 1, seed: 6, maxError: 10, trace: 0.5, buffer: 'fifo' as const, bufferCapacity: 5, updateTraining: { batchSize: 2, maxBatches: 2, lossThreshold: 1e-9 } };
    // Episodes of 7 steps in rollouts of 5 rows: episodes span rollouts, so some are in progress at the save.
    const rollouts = toyRollouts(12, 3, 7, 8).map((v): RolloutView => ({ ...v, numSteps: 5, obs: v.obs.subarray(0, 5 * 3 * 2), actions: v.actions.subarray(0, 15), rewards: v.rewards.subarray(0, 15), terminated: v.terminated.subarray(0, 15), truncated: v.truncated.subarray(0, 15), valid: v.valid.subarray(0, 15) }));
    // (Cut to 5 rows the toy's episodes never end; end one per env at varied rows so the buffer fills.)
    rollouts.forEach((v, i) => { v.terminated[((i + 1) % 5) * 3 + (i % 3)] = 1; });
    const a = new RudderRedistribution(2, cfg);
    feed(a, rollouts.slice(0, 8));
    a.afterUpdate();
    const dir = mkdtempSync(join(tmpdir(), 'rudder-state-'));
    dirs.push(dir);
    saveCheckpoint(dir, 'iter-1', a.saveState());
    const ck = loadCheckpoint<RudderCheckpointState>(dir);
    const b = new RudderRedistribution(2, cfg);
    b.restoreState(ck.state, ck.tensors, ck.label);
    expect(b.stats()).toEqual(a.stats());
    for (const red of [a, b]) red.afterUpdate();
    const outA = feed(a, rollouts.slice(8)), outB = feed(b, rollouts.slice(8));
    a.afterUpdate();
    b.afterUpdate();
    expect(outB).toEqual(outA);
    expect(outA.some((o) => o.q.some((x) => x > 0))).toBe(true); // the compared update used the redistribution
    expect(b.model.lstm.params()).toEqual(a.model.lstm.params());
    expect(b.stats()).toEqual(a.stats());
    // A RUDDER built with other settings refuses the state, naming the setting.
    expect(() => new RudderRedistribution(2, { ...cfg, units: 8 }).restoreState(ck.state, ck.tensors, ck.label)).toThrow(/RUDDER was trained with units = 32, this run has 8/);
    const broken = { ...ck.tensors, lessons: ck.tensors.lessons!.subarray(1) };
    expect(() => new RudderRedistribution(2, cfg).restoreState(ck.state, broken, ck.label)).toThrow(/RUDDER tensor lessons has \d+ values, \d+ expected/);
  });
});
