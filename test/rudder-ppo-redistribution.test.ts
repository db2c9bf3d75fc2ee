import { describe, expect, it } from 'vitest';
import type { RolloutView } from '../src/agents/ppo/redistribution.ts';
import { encodeEpisode } from '../src/rudder/encode.ts';
import { RudderRedistribution, type RudderEpisode } from '../src/rudder/ppo-redistribution.ts';
import { newLstmState } from '../src/rudder/lstm.ts';
import { gridCodeCounts, gridEvents } from '../src/rudder/grid-features.ts';
import { KeyDoorTreasureEnv } from '../src/envs/grid/key-door-treasure.ts';
import { CELL_COUNT } from '../src/envs/grid/cells.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { make } from '../src/envs/core/registry.ts';
import { eventFeaturesFor } from '../src/envs/core/event-features.ts';
import type { Env } from '../src/envs/core/env.ts';
import '../src/envs/registrations.ts';

const T = 6, N = 2, D = 2;

/** A rollout [T, N] from per-env step lists; `null` marks a NEXT_STEP autoreset row. */
function rollout(envs: ({ obs: [number, number]; a: number; r: number; end?: 'term' | 'trunc' } | null)[][]): RolloutView {
  const v = {
    numSteps: T, numEnvs: N, obsDim: D, globalStep: 0,
    obs: new Float32Array(T * N * D), actions: new Int32Array(T * N), rewards: new Float32Array(T * N),
    terminated: new Uint8Array(T * N), truncated: new Uint8Array(T * N), valid: new Uint8Array(T * N), nextObs: new Float32Array(N * D),
  };
  envs.forEach((steps, n) => steps.forEach((s, t) => {
    const k = t * N + n;
    if (!s) return;
    v.valid[k] = 1;
    v.obs.set(s.obs, k * D);
    v.actions[k] = s.a;
    v.rewards[k] = s.r;
    if (s.end === 'term') v.terminated[k] = 1;
    if (s.end === 'trunc') v.truncated[k] = 1;
  }));
  return v;
}

const step = (x: number, a: number, r = 0, end?: 'term' | 'trunc') => ({ obs: [x, x * x] as [number, number], a, r, end });

describe('RUDDER through the PPO seam', () => {
  it('trusts nothing until two different returns were seen, then redistributes finished and running episodes at their rollout rows', () => {
    // (Without the terminal observation, so the episodes below are the inputs the model sees; it has its own test.)
    const red = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 0, trace: 0.5, seed: 3, terminalObservation: false });
    const rr = new Float32Array(T * N), q = new Float32Array(T * N);
    // Rollout 1: env 0 finishes an episode of return 1, env 1 one of return 0 (truncated). Not active yet.
    red.redistribute(rollout([
      [step(0.1, 0), step(0.2, 1), step(0.3, 0, 1, 'term'), null, step(0.5, 1), step(0.6, 0)],
      [step(1, 1), step(1.1, 1), step(1.2, 0, 0, 'trunc'), null, step(0.4, 0), step(0.7, 1)],
    ]), rr, q);
    expect(Array.from(q).every((x) => x === 0)).toBe(true); // no trust yet: PPO's advantages stay as they are
    for (let t = 0; t < T; t++) expect(rr[t * N]).toBe(0); // env 0 came before the second return was seen
    expect(red.stats()).toMatchObject({ episodes: 2, active: true, bufferSize: 2 });
    const paramsAfter1 = red.model.lstm.params().map((p) => p.slice()); // the model that ran env 1's new prefix

    // Rollout 2: env 0's running episode (2 steps so far) ends at row 1 with return 0.5; a new one starts at
    // row 3 after the autoreset row. env 1's episode runs through the whole rollout.
    const v = rollout([
      [step(0.8, 1), step(0.9, 0, 0.5, 'term'), null, step(0.2, 1), step(0.3, 1), step(0.4, 0)],
      [step(0.9, 0), step(1.0, 1), step(1.1, 0), step(1.2, 1), step(1.3, 0), step(1.4, 1)],
    ]);
    // What the model (not yet trained on this rollout) says: env 0's finished episode, whole.
    const ep0 = encodeEpisode(Float32Array.from([0.5, 0.25, 0.6, 0.36, 0.8, 0.64, 0.9, 0.81]), D, Int32Array.from([1, 0, 1, 0]), [2], 4);
    const r0 = new Float32Array(4);
    // The gate's ε is κ·E[G²] (κ = 0.1, an EMA of decay 0.99 over the returns 1, then 0).
    const { quality: q0 } = red.model.redistribute({ inputs: ep0, length: 4, ret: 0.5 }, r0, { correction: 'none', eps: 0.1 * (0.99 * 1 ** 2 + 0.01 * 0 ** 2) });
    // Its first two steps were paid nothing (the model was not trusted yet), so the last step gets the
    // correction G − (what this rollout pays before it): the episode pays exactly its return.
    r0[3] = 0.5 - r0[2]!;
    // env 1's running episode (2 steps from rollout 1, 6 here), predicted before env 0's episode trains the model.
    const obs1 = [0.4, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4];
    const ep1 = encodeEpisode(Float32Array.from(obs1.flatMap((x) => [x, x * x])), D, Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]), [2], 8);

    rr.fill(0);
    q.fill(0);
    red.redistribute(v, rr, q);
    // env 0: rows 0-1 hold the traced last two steps of the finished episode (its first two were in rollout 1).
    expect(rr[0]).toBeCloseTo(r0[2]! + 0.5 * r0[3]!, 5);
    expect(q[0]).toBeCloseTo(q0, 6);
    // The last step closes what PPO is given (q·RR + (1 − q)·r per step) to exactly G, untouched by the mix.
    expect(q[1 * N]).toBe(1);
    expect(rr[1 * N]).toBeCloseTo(0.5 - q0 * rr[0]!, 5);
    expect(rr[2 * N]).toBe(0); // the autoreset row
    expect(q[2 * N]).toBe(0);
    // env 1 and env 0's new episode are running: prediction differences of their prefixes, trusted at the
    // running quality. env 1's first two steps were run at rollout 1's end (by that rollout's model); the
    // LSTM goes on from the state they left, with the model that has trained on env 0's episode since.
    const W = red.model.lstm.inputDim, now = red.model.lstm.params().map((p) => p.slice());
    red.model.lstm.params().forEach((p, i) => p.set(paramsAfter1[i]!));
    const state = newLstmState(red.cfg.units), yOld = new Float32Array(2), yNew = new Float32Array(6);
    red.model.lstm.run(ep1.subarray(0, 2 * W), 2, yOld, state);
    red.model.lstm.params().forEach((p, i) => p.set(now[i]!));
    red.model.lstm.run(ep1.subarray(2 * W), 6, yNew, state);
    const scale = red.model.cfg.returnScale;
    const diff1 = [0, 0, ...Array.from(yNew, (y, j) => (y - (j === 0 ? yOld[1]! : yNew[j - 1]!)) * scale)];
    let e = 0;
    for (let i = 7; i >= 2; i--) {
      e = diff1[i]! + 0.5 * e;
      expect(rr[(i - 2) * N + 1]).toBeCloseTo(e, 5);
      expect(q[(i - 2) * N + 1]).toBeCloseTo(red.stats().quality, 6);
    }
    expect(red.stats().episodes).toBe(3);
  });

  it('rejects a rollout that does not fit', () => {
    const red = new RudderRedistribution(3, { numActions: 2 });
    expect(() => red.redistribute(rollout([[], []]), new Float32Array(T * N), new Float32Array(T * N))).toThrow(/built for observations of 3 values, the rollout has 2/);
    const red2 = new RudderRedistribution(D, { numActions: 2 });
    expect(() => red2.redistribute(rollout([[step(0, 5)], []]), new Float32Array(T * N), new Float32Array(T * N))).toThrow(/action 5 at rollout step 0, env 0 is outside 0\.\.1/);
    expect(() => new RudderRedistribution(D, { numActions: 2, trace: 2 })).toThrow(/trace must be in \[0, 1\]/);
    // forEnv reads the sizes off the env's spaces: KeyDoorTreasure 5×5 `codes` is 25 cells + 4 extras, 5 actions.
    expect(RudderRedistribution.forEnv('KeyDoorTreasure-v0', { size: 5 }).model.lstm.inputDim).toBe(25 + 4 + 5);
  });

  it('with grid features, the LSTM sees per-code cell counts (so a key pickup is one input wherever the key is)', () => {
    const env = new KeyDoorTreasureEnv({ size: 6 });
    const { obs } = env.reset({ seed: 4 });
    const f = gridCodeCounts(6, 4), out = new Float32Array(1 + f.dim);
    f.write(obs, 0, out, 1);
    expect(out[0]).toBe(0); // writes only its own slice
    const counts = Array.from(out.subarray(1, 1 + CELL_COUNT));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(36);
    for (let c = 0; c < CELL_COUNT; c++) expect(counts[c]).toBe(Array.from(obs.subarray(0, 36)).filter((x) => x === c).length);
    expect(Array.from(out.subarray(1 + CELL_COUNT))).toEqual(Array.from(obs.subarray(36, 40)));
    const red = new RudderRedistribution(40, { numActions: 5, features: f });
    expect(red.model.lstm.inputDim).toBe(CELL_COUNT + 4 + 5);
  });

  it('gridEvents drops the agent pose, so a walk is no input and only events (a pickup, the delay clock) are', () => {
    const env = make('KeyDoorTreasure-v0', { size: 6, reward: 'delayed', delay: 3 }) as Env<Float32Array, number>;
    const { obs } = env.reset({ seed: 4 });
    const f = gridEvents(6, 5), a = new Float32Array(f.dim), b = new Float32Array(f.dim);
    expect(f.dim).toBe(CELL_COUNT + 2); // carrying and the delay counter
    f.write(obs, 0, a, 0);
    expect(Array.from(a.subarray(CELL_COUNT))).toEqual([obs[36 + 3], obs[36 + 4]]);
    // Turning changes the pose only: the features stay the same.
    const before = Float32Array.from(obs);
    const r = env.step(0);
    expect(Array.from(r.obs.subarray(36, 39))).not.toEqual(Array.from(before.subarray(36, 39)));
    f.write(r.obs, 0, b, 0);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(() => gridEvents(6, 2)).toThrow(/2 extras cannot hold the agent's pose/);
    // Without the action input the LSTM sees the features only.
    const red = RudderRedistribution.forEnv('KeyDoorTreasure-v0', { size: 6 }, { features: 'gridEvents', actionInput: false });
    expect(red.model.lstm.inputDim).toBe(CELL_COUNT + 1);
  });

  it("`declared` features are the env's declared event slice (Venture: map, facing, treasures, lives); an env without one is an error", () => {
    const red = RudderRedistribution.forEnv('Venture-v0', {}, { features: 'declared', actionInput: false });
    expect(red.model.lstm.inputDim).toBe(14);
    const slice = eventFeaturesFor('Venture-v0')!;
    const env = make('Venture-v0', {}) as Env<Float32Array, number>;
    const { obs } = env.reset({ seed: 3 });
    const f = red.cfg.features!, out = new Float32Array(f.dim);
    f.write(obs, 0, out, 0);
    expect(Array.from(out)).toEqual(Array.from(obs.subarray(slice.offset, slice.offset + 14)));
    expect(out[0]).toBe(1); // the game starts in the hallway
    expect(red.savedSettings().features).toBe('declared');
    expect(() => RudderRedistribution.forEnv('CartPole-v1', {}, { features: 'declared' })).toThrow(/features "declared": CartPole-v1 declares no event features/);
  });

  it("the `none` gate trusts every episode once the warm-up is over, and each still pays exactly G", () => {
    const red = new RudderRedistribution(D, { numActions: 2, trustGate: 'none', warmupEpisodes: 0, seed: 3 });
    const rr = new Float32Array(T * N), q = new Float32Array(T * N);
    const rng = new Rng(5);
    for (let i = 0; i < 20; i++) {
      const G = () => (rng.random() < 0.5 ? 1 : -0.4);
      const g1 = G(), g2 = G(), wasActive = red.active;
      red.redistribute(rollout([[step(0.1, 0), step(0.2, 1, g1, 'term'), null], [step(0.3, 1), step(0.4, 0, g2, 'term'), null]]), rr, q);
      if (!wasActive) continue;
      // Reward mode: PPO's per-step reward q·rr + (1 − q)·r_env sums to the episode's return.
      expect(q[0]).toBe(1);
      expect(rr[0]! + rr[N]!).toBeCloseTo(g1, 5);
      expect(rr[1]! + rr[N + 1]!).toBeCloseTo(g2, 5);
    }
    expect(red.stats().quality).toBeGreaterThan(0.5);
  });

  it('PPO is given exactly the return of an episode that spans rollouts, though the model and the trust changed in between', () => {
    // A lenient gate (maxError 1, a large ε), so that the running trust is not 0 and differs from the episode's.
    const red = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 0, trace: 0, seed: 5, maxError: 1, trustEps: 10 });
    const rrA = new Float32Array(T * N), qA = new Float32Array(T * N), rrB = new Float32Array(T * N), qB = new Float32Array(T * N);
    red.redistribute(rollout([
      [step(0.1, 0), step(0.2, 1, 1, 'term'), null, step(0.1, 0), step(0.2, 0), step(0.3, 1)],
      [step(0.5, 1), step(0.6, 0), step(0.7, 1, 0, 'trunc'), null, step(0.4, 1), step(0.8, 0)],
    ]), rrA, qA);
    expect(red.active).toBe(true); // both returns seen once env 1's first episode ended: its next one is paid
    red.redistribute(rollout([
      [step(0.4, 0), step(0.5, 0), step(0.6, 0), step(0.7, 0), step(0.8, 0), step(0.9, 0)],
      [step(0.9, 1), step(1.0, 0, 0.7, 'term'), null, step(0.3, 0), step(0.2, 1), step(0.1, 0)],
    ]), rrB, qB);
    // What PPO mixes from it, r' = q·RR + (1 − q)·r: rows 4-5 of rollout A ran at the running trust,
    // rows 0-1 of rollout B at the episode's own; the env paid 0.7 on the last step.
    const given = (rr: Float32Array, q: Float32Array, t: number, r: number): number => q[t * N + 1]! * rr[t * N + 1]! + (1 - q[t * N + 1]!) * r;
    expect(qA[4 * N + 1]).not.toBe(qB[0 * N + 1]); // the running trust is not the episode's
    expect(given(rrA, qA, 4, 0) + given(rrA, qA, 5, 0) + given(rrB, qB, 0, 0) + given(rrB, qB, 1, 0.7)).toBeCloseTo(0.7, 5);
    expect(rrA[4 * N + 1]).not.toBe(0);
  });

  it('is scale-free: returns ×1024 give RR ×1024 and the same trust (×1000: the same to float tolerance)', () => {
    // A few rollouts with varied returns, the same actions and observations at every scale.
    const make = (c: number) => [0, 1, 2, 3, 4, 5].map((i) => rollout([
      [step(0.1 * i, i % 2), step(0.2, 1, c * (i % 3 === 0 ? 1 : 0.25)), step(0.3, 0, 0, 'term'), null, step(0.5, i % 2), step(0.6, 1)],
      [step(1, 1), step(1.1, i % 2, c * 0.5), step(1.2, 0, c * (i % 2), 'trunc'), null, step(0.4, 0), step(0.7, 1)],
    ]));
    const run = (c: number) => {
      const red = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 2, maxError: 1, seed: 9 }); // a wide gate, so trust is compared too
      const out: { rr: Float32Array; q: Float32Array }[] = [];
      for (const v of make(c)) {
        const rr = new Float32Array(T * N), q = new Float32Array(T * N);
        red.redistribute(v, rr, q);
        out.push({ rr, q });
      }
      return { out, red };
    };
    const a = run(1), b = run(1024), c = run(1000);
    expect(a.red.stats().active).toBe(true);
    expect(b.red.model.cfg.returnScale).toBe(1024 * a.red.model.cfg.returnScale);
    let trusted = 0;
    for (let i = 0; i < a.out.length; i++) {
      for (let k = 0; k < T * N; k++) {
        expect(b.out[i]!.q[k]).toBe(a.out[i]!.q[k]);
        expect(b.out[i]!.rr[k]).toBe(1024 * a.out[i]!.rr[k]!);
        expect(c.out[i]!.q[k]).toBeCloseTo(a.out[i]!.q[k]!, 4);
        expect(c.out[i]!.rr[k]! / 1000).toBeCloseTo(a.out[i]!.rr[k]!, 4);
        if (a.out[i]!.q[k]! > 0) trusted++;
      }
    }
    expect(a.out.some((o) => o.rr.some((x) => x !== 0))).toBe(true); // something was redistributed
    expect(trusted).toBeGreaterThan(10); // the trust weights compared above are not all zero
  });

  it("returnScale 'auto' follows the non-zero returns' RMS past 2× (a first return that was noise does not fix it)", () => {
    const red = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 0, seed: 4 });
    const ep = (r: number) => rollout([
      [step(0.1, 0), step(0.2, 1), step(0.3, 0, r, 'term'), null, step(0.5, 1), step(0.6, 0)],
      [step(1, 1), step(1.1, 1), step(1.2, 0, r, 'trunc'), null, step(0.4, 0), step(0.7, 1)],
    ]);
    const rr = new Float32Array(T * N), q = new Float32Array(T * N);
    red.redistribute(ep(0.03), rr, q);
    expect(red.model.cfg.returnScale).toBeCloseTo(0.03, 6);
    const scales = [red.model.cfg.returnScale];
    for (let i = 0; i < 60; i++) {
      const s0 = red.model.cfg.returnScale;
      red.redistribute(ep(1), rr, q);
      if (red.model.cfg.returnScale !== s0) scales.push(red.model.cfg.returnScale);
    }
    // The RMS of the non-zero returns (EMA 0.99, 2 episodes a rollout) goes 0.03 → 0.84 over 120 episodes;
    // the scale follows in steps of more than 2× and ends within 2× of it.
    expect(scales.length).toBeGreaterThan(3);
    for (let i = 1; i < scales.length; i++) expect(scales[i]! / scales[i - 1]!).toBeGreaterThan(2);
    expect(red.model.cfg.returnScale).toBeGreaterThan(0.42);
    // A constant return never moves it.
    const fixed = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 0, seed: 4 });
    for (let i = 0; i < 20; i++) fixed.redistribute(ep(2), rr, q);
    expect(fixed.model.cfg.returnScale).toBe(2);
  });

  it("keeps the Atari code's scale-dependent choices when asked (returnScale, trustEps: 'atari', raw RR)", () => {
    const red = new RudderRedistribution(D, { numActions: 2, returnScale: 100, trustEps: 'atari', rrNormalization: 'none' });
    expect(red.model.cfg.returnScale).toBe(100);
    expect(red.normalizeRr).toBe(false);
    expect(new RudderRedistribution(D, { numActions: 2, decomposition: { returnScale: 7 } }).model.cfg.returnScale).toBe(7);
    expect(new RudderRedistribution(D, { numActions: 2 }).normalizeRr).toBe(true);
    expect(() => new RudderRedistribution(D, { numActions: 2, trustEps: -1 })).toThrow(/trustEps must be a number ≥ 0 or 'atari', got -1/);
    expect(() => new RudderRedistribution(D, { numActions: 2, returnScale: 0 })).toThrow(/returnScale must be a positive number or 'auto', got 0/);
  });

  it("refuses a model that predicts the mean on a task with varied returns (the Atari code's ε lets it through)", () => {
    // Every episode looks the same (same observations, action 0) and returns 0.5 with probability 0.25,
    // else 0: the best the LSTM can do is predict the mean, 0.125. Two 2-step episodes per env and rollout.
    const run = (trustEps: number | 'atari') => {
      const red = new RudderRedistribution(D, { numActions: 2, trustEps, fullyConnected: false, seed: 2, decomposition: { learningRate: 3e-3 } });
      const rng = new Rng(11), rr = new Float32Array(T * N), q = new Float32Array(T * N);
      const G = () => (rng.random() < 0.25 ? 0.5 : 0);
      for (let i = 0; i < 200; i++) {
        const env = () => [step(0.5, 0), step(0.5, 0, G(), 'term'), null, step(0.5, 0), step(0.5, 0, G(), 'term'), null];
        red.redistribute(rollout([env(), env()]), rr, q);
      }
      const y = red.model.predict({ inputs: encodeEpisode(Float32Array.from([0.5, 0.25, 0.5, 0.25]), D, Int32Array.from([0, 0]), [2], 2), length: 2 });
      return { predicted: y[1]!, quality: red.stats().quality };
    };
    const ours = run(0.1), atari = run('atari');
    expect(ours.predicted).toBeGreaterThan(0.08); // it did learn the mean…
    expect(ours.predicted).toBeLessThan(0.18);
    expect(ours.quality).toBeLessThan(0.02); // …and is not trusted
    expect(atari.quality).toBeGreaterThan(0.5); // the Atari ε trusts the same mean predictor
  });

  it("the `explained` gate refuses a mean predictor, and trusts a model that learned the signal under noise no input predicts", () => {
    // Signal: the first observation (0.5 or 0.1) decides G = 0.5 or 0; noise: ±0.3 added at random, seen by
    // nothing. The best model explains 41 % of Var(G) (0.0625 signal, 0.09 noise). Without the signal in the
    // observation (the mean predictor's task above) it explains nothing.
    const run = (signal: boolean) => {
      const red = new RudderRedistribution(D, { numActions: 2, trustGate: 'explained', seed: 2 });
      const rng = new Rng(11), rr = new Float32Array(T * N), q = new Float32Array(T * N);
      const env = () => {
        const good = rng.random() < 0.5, x = signal && good ? 0.5 : 0.1, G = (good ? 0.5 : 0) + (rng.random() < 0.5 ? 0.3 : -0.3);
        return [step(x, 0), step(0.25, 0, G, 'term'), null];
      };
      for (let i = 0; i < 500; i++) red.redistribute(rollout([[...env(), ...env()], [...env(), ...env()]]), rr, q);
      return red.stats().quality;
    };
    expect(run(false)).toBeLessThan(0.02);
    const trusted = run(true);
    expect(trusted).toBeGreaterThan(0.2);
    expect(trusted).toBeLessThan(0.45); // no more than the signal's share of the variance
    expect(() => new RudderRedistribution(D, { numActions: 2, trustGate: 'r2' as 'episode' })).toThrow(/trustGate must be 'episode', 'explained' or 'none', got "r2"/);
  });

  it('reports every finished episode to onEpisode (sums to G, predictions before training), without changing what PPO gets', () => {
    const rollouts = [0, 1, 2, 3].map((i) => rollout([
      [step(0.1, 0), step(0.2, 1, i % 2), step(0.3, 0, 0.5, 'term'), null, step(0.5, 1), step(0.6, 0)],
      [step(1, 1), step(1.1, 1), step(1.2, 0, i * 0.25, 'trunc'), null, step(0.4, 0), step(0.7, 1)],
    ]));
    const run = (listen: boolean) => {
      const red = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 2, maxError: 1, seed: 4 });
      const seen: { env: number; length: number; ret: number; sum: number; predicted: number; last: number; quality: number; active: boolean }[] = [];
      if (listen) red.onEpisode = (e) => seen.push({ env: e.env, length: e.length, ret: e.ret, sum: e.redistributed.reduce((a, b) => a + b, 0), predicted: e.predicted, last: e.predictions[e.length - 1]!, quality: e.quality, active: e.active });
      const out: Float32Array[] = [];
      for (const v of rollouts) {
        const rr = new Float32Array(T * N), q = new Float32Array(T * N);
        red.redistribute(v, rr, q);
        out.push(rr, q);
      }
      return { seen, out };
    };
    const quiet = run(false), heard = run(true);
    expect(heard.out).toEqual(quiet.out);
    expect(heard.seen.length).toBe(8); // each env ends one episode per rollout (at row 2)
    for (const e of heard.seen) {
      expect(e.sum).toBeCloseTo(e.ret, 5);
      expect(e.last).toBeCloseTo(e.predicted, 6);
      if (!e.active) expect(e.quality).toBe(0);
    }
    expect(heard.seen.slice(0, 2).map((e) => [e.env, e.active])).toEqual([[0, false], [1, false]]);
    expect(heard.seen.some((e) => e.active && e.quality > 0)).toBe(true);
  });

  it('episodeView: the model\'s view of an episode PPO did not play, as onEpisode would report it, without training', () => {
    const red = new RudderRedistribution(D, { numActions: 2, warmupEpisodes: 0, seed: 4, returnScale: 1 }); // (auto would set the scale from this very episode)
    // Env 0's first episode below: s_0..s_2, then the terminal observation (the autoreset row's, zeros here).
    const obs = Float32Array.from([0.1, 0.01, 0.2, 0.04, 0.3, 0.09, 0, 0]), actions = [0, 1, 0], rewards = [0, 1, 0.5];
    const before = red.episodeView(obs, actions, rewards);
    expect(red.episodeView(obs, actions, rewards)).toEqual(before); // nothing learned from looking
    expect(red.stats()).toMatchObject({ episodes: 0, trainSteps: 0, bufferSize: 0 });
    expect(before.redistributed.reduce((a, b) => a + b, 0)).toBeCloseTo(1.5, 5);
    const seen: RudderEpisode[] = [];
    red.onEpisode = (e) => void seen.push(e);
    red.redistribute(rollout([
      [step(0.1, 0), step(0.2, 1, 1), step(0.3, 0, 0.5, 'term'), null, step(0.5, 1), step(0.6, 0)],
      [step(1, 1), step(1.1, 1), step(1.2, 0, 0, 'trunc'), null, step(0.4, 0), step(0.7, 1)],
    ]), new Float32Array(T * N), new Float32Array(T * N));
    // The same model saw the same episode first in training: the same predictions and rewards.
    const e0 = seen[0]!;
    expect(e0.env).toBe(0);
    expect(Array.from(before.predictions).map((x, i) => x - e0.predictions[i]!).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    expect(Array.from(before.redistributed).map((x, i) => x - e0.redistributed[i]!).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    expect(before.quality).toBe(e0.quality);
    expect(() => red.episodeView(obs.subarray(2), actions, rewards)).toThrow(/\(T \+ 1\) × 2 values/);
    expect(() => red.episodeView(obs, [0, 2, 0], rewards)).toThrow(/action 2 at step 1 is outside 0\.\.1/);
  });
});

