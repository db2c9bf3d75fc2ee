import { describe, expect, it } from 'vitest';
import type { RolloutView } from '../src/agents/ppo/redistribution.ts';
import { AlignRudder, alignDemoFrom, prefixScores, redistributePaper, withFinalState } from '../src/align/index.ts';
import { buildEventProfile, eventScale, keepFilledColumns, scoreGain } from '../src/align/event-profile.ts';
import { AlignRedistribution, alignFromDemos, redistributeEventsOffline } from '../src/align/ppo-align.ts';
import { PrefixScorer } from '../src/align/prefix-scorer.ts';
import { SuccessorEvents } from '../src/align/successor-events.ts';
import { NO_EVENT, type TransitionEvents } from '../src/align/transition-events.ts';
import { GAP } from '../src/align/events.ts';
import { Rng, make, recordExpertDemonstrations, type RoomsEnv } from '../src/envs/index.ts';
import { roomsSrStates } from '../src/experiments/rooms.ts';

const K = 5;

/** A test encoder over observations [step, item]: a transition whose item changes is the event "the new item". */
const itemEvents: TransitionEvents = {
  name: 'items', numEvents: K, hasStartEvent: false,
  start: () => NO_EVENT,
  event: (obs, _a, next) => (next[1] !== obs[1] ? next[1]! : NO_EVENT),
  eventName: (id) => `item ${id}`,
};

const demoSeqs = [[0, 1, 2, 3, 4], [0, 1, 1, 2, 3, 4], [0, 2, 1, 3, 4]].map((s) => Int32Array.from(s));
const others = [[1, 1, 0], [4], [], [2, 2, 2, 1]].map((s) => Int32Array.from(s));

/** An episode of the test env: observations [T + 1][2], actions, rewards (the last pays `ret`). */
interface Episode { obs: number[][]; actions: number[]; rewards: number[] }

function randomEpisode(rng: Rng): Episode {
  const T = 3 + rng.integer(12), obs = [[0, rng.integer(K)]], actions: number[] = [], rewards: number[] = [];
  for (let t = 0; t < T; t++) {
    const item = rng.random() < 0.4 ? rng.integer(K) : obs[t]![1]!;
    obs.push([t + 1, item]);
    actions.push(rng.integer(3));
    rewards.push(t === T - 1 ? rng.integer(10) : 0);
  }
  return { obs, actions, rewards };
}

/**
 * PPO's rollouts of N envs with NEXT_STEP autoreset: each episode's T steps (valid), then a row whose obs is
 * the terminal observation and whose action the env ignores (valid 0), then the next episode. Returns the
 * rollouts of `rows` steps and every env's finished episodes.
 */
function rollouts(N: number, rows: number, count: number, seed: number): { views: RolloutView[]; episodes: Episode[][] } {
  const rng = new Rng(seed), D = 2, total = rows * count + 1;
  const streams = Array.from({ length: N }, () => ({ obs: [] as number[][], act: [] as number[], rew: [] as number[], term: [] as number[], valid: [] as number[] }));
  const episodes: Episode[][] = Array.from({ length: N }, () => []);
  streams.forEach((s, i) => {
    while (s.obs.length < total) {
      const ep = randomEpisode(rng);
      const T = ep.actions.length;
      for (let t = 0; t < T; t++) (s.obs.push(ep.obs[t]!), s.act.push(ep.actions[t]!), s.rew.push(ep.rewards[t]!), s.term.push(t === T - 1 ? 1 : 0), s.valid.push(1));
      s.obs.push(ep.obs[T]!), s.act.push(0), s.rew.push(0), s.term.push(0), s.valid.push(0);
      if (s.obs.length <= rows * count + 1) episodes[i]!.push(ep); // finished inside the rollouts (its autoreset row included)
    }
  });
  const views: RolloutView[] = [];
  for (let r = 0; r < count; r++) {
    const obs = new Float32Array(rows * N * D), actions = new Int32Array(rows * N), rewards = new Float32Array(rows * N), terminated = new Uint8Array(rows * N), valid = new Uint8Array(rows * N), nextObs = new Float32Array(N * D);
    for (let t = 0; t < rows; t++) {
      for (let i = 0; i < N; i++) {
        const k = t * N + i, j = r * rows + t, s = streams[i]!;
        obs.set(s.obs[j]!, k * D);
        actions[k] = s.act[j]!;
        rewards[k] = s.rew[j]!;
        terminated[k] = s.term[j]!;
        valid[k] = s.valid[j]!;
      }
    }
    streams.forEach((s, i) => nextObs.set(s.obs[(r + 1) * rows]!, i * D));
    views.push({ numSteps: rows, numEnvs: N, obsDim: D, obs, actions, rewards, terminated, truncated: new Uint8Array(rows * N), valid, nextObs, globalStep: (r + 1) * rows * N });
  }
  return { views, episodes };
}

/** Runs `red` over the rollouts and cuts each env's rewards into its episodes (valid rows only). */
function paidPerEpisode(red: AlignRedistribution, views: RolloutView[], N: number): number[][][] {
  const out: number[][][] = Array.from({ length: N }, () => [[]]);
  for (const v of views) {
    const rr = new Float32Array(v.numSteps * N), q = new Float32Array(v.numSteps * N);
    red.redistribute(v, rr, q);
    for (let t = 0; t < v.numSteps; t++) {
      for (let i = 0; i < N; i++) {
        const k = t * N + i;
        if (!v.valid[k]) continue;
        out[i]!.at(-1)!.push(rr[k]!);
        expect(q[k]).toBe(1);
        if (v.terminated[k]) out[i]!.push([]);
      }
    }
  }
  return out;
}

describe('Align-RUDDER online in PPO', () => {
  it('the incremental prefix score equals the offline DP, with and without gap costs', () => {
    const profile = buildEventProfile(demoSeqs, [1, 1, 1], others, K, { minColumnFill: 0 });
    const rng = new Rng(4);
    for (const gaps of [{ open: 0, extend: 0 }, { open: 0.5, extend: 0.2 }]) {
      const sc = new PrefixScorer(profile.pssm, gaps);
      for (let n = 0; n < 20; n++) {
        const q = Int32Array.from({ length: 1 + rng.integer(15) }, () => rng.integer(K));
        const offline = prefixScores(q, profile.pssm, { gaps });
        sc.reset();
        expect(sc.score).toBe(0);
        q.forEach((e, i) => expect(sc.push(e)).toBe(offline[i]));
      }
    }
    expect(() => new PrefixScorer(profile.pssm).push(K)).toThrow(/event 5 is outside 0..4/);
  });

  it('online equals offline on finished episodes, across rollout boundaries and autoresets; the rewards sum to C·(S_T − S_0), or to G with the correction', () => {
    const profile = buildEventProfile(demoSeqs, [2, 3, 4], others, K);
    const C = eventScale(demoSeqs, [2, 3, 4], profile, false);
    expect(C).toBeCloseTo(3 / (demoSeqs.map((s) => scoreGain(s, profile, false)).reduce((a, b) => a + b, 0) / 3), 9);
    const N = 3;
    for (const correction of ['none', 'final'] as const) {
      const { views, episodes } = rollouts(N, 16, 6, 7);
      const paid = paidPerEpisode(new AlignRedistribution(itemEvents, profile, C, { correction }), views, N);
      let checked = 0;
      for (let i = 0; i < N; i++) {
        episodes[i]!.forEach((ep, e) => {
          const steps = Int32Array.from(ep.actions, (a, t) => itemEvents.event(Float32Array.from(ep.obs[t]!), a, Float32Array.from(ep.obs[t + 1]!)));
          const G = ep.rewards.reduce((a, b) => a + b, 0);
          const offline = redistributeEventsOffline(steps, NO_EVENT, profile, C, G, correction);
          expect(paid[i]![e]).toEqual(Array.from(offline));
          const seq = Int32Array.from([...steps].filter((x) => x !== NO_EVENT));
          const sum = paid[i]![e]!.reduce((a, b) => a + b, 0);
          const target = correction === 'final' ? G : seq.length ? C * scoreGain(seq, profile, false) : 0;
          expect(sum).toBeCloseTo(target, 3);
          checked++;
        });
      }
      expect(checked).toBeGreaterThan(10);
    }
  });

  it('a checkpoint taken mid-episode restores the same payments', () => {
    const profile = buildEventProfile(demoSeqs, [2, 3, 4], others, K);
    const { views } = rollouts(2, 10, 4, 11);
    const run = (restoreAfter: number | null): number[] => {
      let red = new AlignRedistribution(itemEvents, profile, 2, { correction: 'final' });
      const out: number[] = [];
      views.forEach((v, r) => {
        const rr = new Float32Array(20), q = new Float32Array(20);
        red.redistribute(v, rr, q);
        out.push(...rr);
        if (r === restoreAfter) {
          const saved = JSON.parse(JSON.stringify(red.saveState())) as ReturnType<AlignRedistribution['saveState']>;
          red = new AlignRedistribution(itemEvents, profile, 2, { correction: 'final' });
          red.restoreState(saved.state, saved.tensors, 'test');
        }
      });
      return out;
    };
    expect(run(1)).toEqual(run(null));
    const other = new AlignRedistribution(itemEvents, profile, 2, { obsDim: 3 });
    expect(() => other.redistribute(views[0]!, new Float32Array(20), new Float32Array(20))).toThrow(/observations have 2 values, the demonstrations' env 3/);
  });

  it('the tabular route online gives the paper-form redistribution of the gridworld pipeline', () => {
    const demos = recordExpertDemonstrations('FourRooms-v0', { episodes: 3, seed: 30 });
    const env = make('FourRooms-v0').unwrapped as RoomsEnv;
    const aligned = demos.map((d, i) => alignDemoFrom(d, (e) => (e.unwrapped as RoomsEnv).state, `demo ${i}`));
    const ar = AlignRudder.fromDemos(aligned, { numStates: env.numStates, goalStates: env.goalState, srStates: roomsSrStates(env), seed: 1 });
    const enc = new SuccessorEvents(ar, (o) => env.stateIndex(o[2]!, o[0]!, o[1]!));
    const coords = (s: number): number[] => [Math.floor((s % 36) / 6), s % 6, Math.floor(s / 36)];
    const red = new AlignRedistribution(enc, ar.profile, 1.5);
    // One env, one demo episode as a single rollout (it ends at its last row; nextObs is its terminal state).
    const a = aligned[1]!, T = a.states.length - 1, D = 3;
    const obs = new Float32Array(T * D);
    for (let t = 0; t < T; t++) obs.set(coords(a.states[t]!), t * D);
    const terminated = new Uint8Array(T);
    terminated[T - 1] = 1;
    const rr = new Float32Array(T);
    red.redistribute({ numSteps: T, numEnvs: 1, obsDim: D, obs, actions: Int32Array.from(demos[1]!.actions), rewards: Float32Array.from(demos[1]!.rewards), terminated, truncated: new Uint8Array(T), valid: new Uint8Array(T).fill(1), nextObs: Float32Array.from(coords(a.states[T]!)), globalStep: T }, rr, new Float32Array(T));
    const labels = withFinalState(ar.labelsOf(a.states.subarray(0, T)), ar.labelOf(a.states[T]!));
    expect(Array.from(rr)).toEqual(Array.from(redistributePaper(labels, ar.profile, 1.5, demos[1]!.return, { correction: 'none' })));
  });

  it('ItemChain: the default profile scores every demo above every random episode, the reference form does not (measurements-2026-12.md §2: 12 demos, 20 random episodes)', () => {
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 12, seed: 0, noise: 0.1 });
    const gains = (profile: object): { demo: number[]; random: number[] } => {
      const s = alignFromDemos(demos, { otherEpisodes: 20, seed: 1000, profile });
      const p = s.redistribution.profile;
      return { demo: s.demoEvents.map((e) => scoreGain(e, p, false)), random: s.otherEvents.map((e) => scoreGain(e, p, false)) };
    };
    const def = gains({}), ref = gains({ frequencies: 'demos', minColumnFill: 0 });
    expect(Math.min(...def.demo)).toBeGreaterThan(Math.max(...def.random));
    expect(Math.max(...ref.random)).toBeGreaterThan(Math.min(...ref.demo));
  });

  it('demoReturn sets C so the demos\' redistributed return averages it; `env` is the papers\' C; the correction pays the env return in those units', () => {
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 4, seed: 3, noise: 0.1 });
    const meanG = demos.reduce((a, d) => a + d.return, 0) / demos.length;
    const mean = (s: ReturnType<typeof alignFromDemos>): number => s.demoEvents.reduce((a, e) => a + s.redistribution.scale * scoreGain(e, s.redistribution.profile, false), 0) / demos.length;
    const def = alignFromDemos(demos, { otherEpisodes: 4, seed: 1, maxSteps: 200 });
    const env = alignFromDemos(demos, { otherEpisodes: 4, seed: 1, maxSteps: 200, demoReturn: 'env' });
    const ten = alignFromDemos(demos, { otherEpisodes: 4, seed: 1, maxSteps: 200, demoReturn: 10, correction: 'final' });
    expect(mean(def)).toBeCloseTo(100, 6);
    expect(mean(env)).toBeCloseTo(meanG, 6);
    expect(mean(ten)).toBeCloseTo(10, 6);
    expect(env.redistribution.scale / def.redistribution.scale).toBeCloseTo(meanG / 100, 9);
    expect(ten.redistribution.returnScale).toBeCloseTo(10 / meanG, 12);
    expect(def.redistribution.returnScale).toBe(1);
    expect(() => alignFromDemos(demos, { otherEpisodes: 4, seed: 1, maxSteps: 200, demoReturn: -1 })).toThrow(/demoReturn must be a number > 0 or 'env', got -1/);
    // The correction with k: an episode's rewards sum to k·G.
    const red = new AlignRedistribution(itemEvents, buildEventProfile(demoSeqs, [1, 1, 1], others, K), 2, { correction: 'final', returnScale: 0.25 });
    const ep = randomEpisode(new Rng(5)), T = ep.actions.length;
    const view: RolloutView = {
      numSteps: T, numEnvs: 1, obsDim: 2, obs: Float32Array.from(ep.obs.slice(0, T).flat()), actions: Int32Array.from(ep.actions), rewards: Float32Array.from(ep.rewards),
      terminated: Uint8Array.from({ length: T }, (_, t) => (t === T - 1 ? 1 : 0)), truncated: new Uint8Array(T), valid: new Uint8Array(T).fill(1),
      nextObs: Float32Array.from(ep.obs[T]!), globalStep: T,
    };
    const rr = new Float32Array(T), q = new Float32Array(T);
    red.redistribute(view, rr, q);
    const G = ep.rewards.reduce((a, b) => a + b, 0);
    expect(G).toBeGreaterThan(0);
    expect(rr.reduce((a, b) => a + b, 0)).toBeCloseTo(0.25 * G, 4);
  });

  it('keeps only the columns at least the given share of demos fill', () => {
    const msa = { columns: 4, rows: [[0, GAP, 1, GAP], [0, 2, GAP, GAP], [0, GAP, 1, 3]].map((r) => Int32Array.from(r)) };
    expect(keepFilledColumns(msa, 0.5).rows.map((r) => Array.from(r))).toEqual([[0, 1], [0, GAP], [0, 1]]);
    expect(keepFilledColumns(msa, 1).columns).toBe(1);
    expect(() => buildEventProfile([Int32Array.from([1]), new Int32Array(0)], [1, 1], [], K)).toThrow(/demo 1 has no events/);
  });
});
