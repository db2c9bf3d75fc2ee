import { describe, expect, it } from 'vitest';
import { AugmentedQ, TabularQ } from '../src/agents/tabular/q-learning.ts';
import { redistributeCode, topByReturn } from '../src/align/align-redistribution.ts';
import { AlignRudder } from '../src/align/align-rudder.ts';
import { GAP } from '../src/align/events.ts';
import { roomsEnv, roomsSrStates, runRoomsExperiment, sampleRoomsDemos, srPassesFor } from '../src/experiments/rooms.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { NUM_START_ROOMS } from '../src/envs/grid/rooms.ts';

describe('TabularQ', () => {
  /** 2 states × 2 actions with Q = [[1, 2], [3, 5]]. */
  function tiny(): TabularQ {
    const q = new TabularQ(2, 2);
    q.q.set([1, 2, 3, 5]);
    return q;
  }

  it('TD update: Q(s,a) ← (1−α)Q + α(r + γ max Q(s′,·)), no bootstrap when done', () => {
    const q = tiny();
    q.tdUpdate(0, 1, 0.5, 1, false, 0.1, 1);
    expect(q.q[1]).toBeCloseTo(0.9 * 2 + 0.1 * (0.5 + 5), 14); // 2.35
    q.tdUpdate(0, 0, 0.5, 1, false, 0.5, 0.9);
    expect(q.q[0]).toBeCloseTo(0.5 * 1 + 0.5 * (0.5 + 0.9 * 5), 14); // 3
    q.tdUpdate(1, 1, 3.1, 0, true, 0.01, 1);
    expect(q.q[3]).toBeCloseTo(0.99 * 5 + 0.01 * 3.1, 14);
    expect(q.q[2]).toBe(3);
  });

  it('update towards a target: Q ← (1−α)Q + ακ, nothing else moves', () => {
    const q = tiny();
    q.updateTowards(1, 0, 10, 0.1);
    expect([...q.q]).toEqual([1, 2, 0.9 * 3 + 0.1 * 10, 5]);
  });

  it('acts greedily at ε = 0 (lowest index on ties), uniformly at ε = 1', () => {
    const q = new TabularQ(1, 4), rng = new Rng(1);
    q.q.set([0, 7, 7, 1]);
    expect(q.greedy(0)).toBe(1);
    expect(q.act(0, 0, rng)).toBe(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[q.act(0, 1, rng)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });

  it('initNormal draws N(mean, std²) deterministically for a seed', () => {
    const a = new TabularQ(500, 4), b = new TabularQ(500, 4);
    a.initNormal(new Rng(3), 1, 0.5);
    b.initNormal(new Rng(3), 1, 0.5);
    expect(a.q).toEqual(b.q);
    const m = a.q.reduce((x, y) => x + y, 0) / a.q.length;
    const sd = Math.sqrt(a.q.reduce((x, y) => x + (y - m) ** 2, 0) / a.q.length);
    expect(m).toBeCloseTo(1, 1);
    expect(sd).toBeCloseTo(0.5, 1);
  });

  it('bcInit: Q(s,a) = mean return-to-go of (s,a) × n(s,a)/n(s,·); untouched pairs keep their value', () => {
    const q = new TabularQ(4, 2);
    q.q.fill(-9);
    // Demo 1: 0 -a0-> 1 -a1-> 2 -a0-> 3, rewards 0, 1, 2 → returns-to-go 3, 3, 2.
    // Demo 2: 0 -a1-> 1 -a1-> 3, rewards 0, 4 → returns-to-go 4, 4.
    // Demo 3: 0 -a0-> 3, reward 1 → return-to-go 1.
    q.bcInit([
      { states: Int32Array.of(0, 1, 2, 3), actions: Int32Array.of(0, 1, 0), rewards: [0, 1, 2] },
      { states: Int32Array.of(0, 1, 3), actions: Int32Array.of(1, 1), rewards: [0, 4] },
      { states: Int32Array.of(0, 3), actions: Int32Array.of(0), rewards: [1] },
    ]);
    // State 0: (0,a0) twice with returns 3 and 1, (0,a1) once with 4; n(0,·) = 3.
    expect(q.q[0]).toBeCloseTo(((3 + 1) / 2) * (2 / 3), 14);
    expect(q.q[1]).toBeCloseTo(4 * (1 / 3), 14);
    // State 1: (1,a1) twice with 3 and 4; (1,a0) never taken.
    expect(q.q[2]).toBe(-9);
    expect(q.q[3]).toBeCloseTo(3.5, 14);
    // State 2: (2,a0) once with 2.
    expect(q.q[4]).toBeCloseTo(2, 14);
    expect(q.q[5]).toBe(-9);
    // State 3 is only ever a final state.
    expect([...q.q.subarray(6)]).toEqual([-9, -9]);
  });

  it('rejects out-of-range states and actions by name', () => {
    const q = new TabularQ(3, 4);
    expect(() => q.tdUpdate(3, 0, 0, 0, true, 0.1, 1)).toThrow(/state 3 is outside 0..2/);
    expect(() => q.updateTowards(0, 4, 0, 0.1)).toThrow(/action 4 is outside Discrete\(4\)/);
    expect(() => q.bcInit([{ states: Int32Array.of(0), actions: Int32Array.of(0, 1), rewards: [0, 0] }])).toThrow(/demo 0 has 1 states for 2 actions/);
  });
});

describe('AugmentedQ', () => {
  it('creates a row on first touch as a copy of the base row; rows are independent afterwards', () => {
    const base = new TabularQ(3, 2);
    base.q.set([1, 2, 3, 4, 5, 6]);
    const aq = new AugmentedQ(base, 4);
    expect(aq.size).toBe(0);
    // Untouched rows read as the base row, for any mask.
    expect([...aq.row(1, 0b0101)]).toEqual([3, 4]);
    expect(aq.size).toBe(0); // reading does not create
    aq.updateTowards(1, 0b0101, 0, 13, 0.5);
    expect(aq.has(1, 0b0101)).toBe(true);
    expect(aq.size).toBe(1);
    expect([...aq.row(1, 0b0101)]).toEqual([8, 4]); // copied [3, 4], then 0.5·3 + 0.5·13 on action 0
    // Other masks of the same state, and the base, are unaffected.
    expect([...aq.row(1, 0b0001)]).toEqual([3, 4]);
    expect([...aq.base.subarray(2, 4)]).toEqual([3, 4]);
    aq.updateTowards(1, 0b0001, 1, 0, 1);
    expect([...aq.row(1, 0b0001)]).toEqual([3, 0]);
    expect([...aq.row(1, 0b0101)]).toEqual([8, 4]);
    // The base is a snapshot: later changes to the TabularQ do not reach it.
    base.q[0] = 100;
    expect([...aq.row(0, 0b0011)]).toEqual([1, 2]);
    expect(aq.greedy(1, 0b0101)).toBe(0);
    expect(aq.greedy(1, 0b0001)).toBe(0);
  });

  it('rejects masks beyond its history bits', () => {
    const aq = new AugmentedQ(new TabularQ(2, 2), 3);
    expect(() => aq.row(0, 8)).toThrow(/mask 8 is outside 0..2\^3 − 1/);
    expect(() => aq.updateTowards(2, 0, 0, 1, 0.1)).toThrow(/state 2 is outside 0..1/);
  });
});

describe('AlignRudder on FourRooms expert demos', () => {
  const env = roomsEnv('FourRooms-v0');
  // Expert demos with a little extra noise (the reference's demos are not optimal either).
  const demos = sampleRoomsDemos(env, 10, new Rng(11), 0.05);
  const goals = Array.from({ length: env.numRooms }, (_, room) => env.stateIndex(room, 4, 4));
  const ar = AlignRudder.fromDemos(demos, { numStates: env.numStates, goalStates: goals, seed: 0, srStates: roomsSrStates(env) });
  const room = (s: number): number => Math.floor(s / 36);

  it('has at most numClusters + 2 labels, the goal label last and on every room\'s (4,4)', () => {
    expect(ar.numLabels).toBeLessThanOrEqual(15 + 2);
    expect(ar.numLabels).toBeGreaterThanOrEqual(3);
    for (const g of goals) expect(ar.labelOf(g)).toBe(ar.numLabels - 1);
    expect(ar.meanDemoReturn).toBeCloseTo(demos.reduce((x, d) => x + d.ret, 0) / 10, 12);
    const few = AlignRudder.fromDemos(demos, { numStates: env.numStates, goalStates: goals, numClusters: 3, seed: 0, srStates: roomsSrStates(env) });
    expect(few.numLabels).toBeLessThanOrEqual(3 + 2);
  });

  it("the MSA puts each demo's entry into every chain room, and the goal, in one shared column", () => {
    const msa = ar.profile.msa, order = topByReturn(demos.map((d) => d.ret), 12);
    expect(msa.rows.length).toBe(10);
    for (let R = NUM_START_ROOMS; R < env.numRooms; R++) {
      const cols = new Set<number>(), events = new Set<number>();
      order.forEach((k, r) => {
        const d = demos[k]!, ev = ar.demoEvents[k]!;
        // The step of the last entry into room R (a noisy demo may step back out and in again) …
        const t = lastEntry(d.states, R);
        // … lies in event i; its column is where row r holds its i-th non-gap.
        let i = 0;
        while (ev.runEnds[i]! < t) i++;
        cols.add(columnOf(msa.rows[r]!, i));
        events.add(ev.events[i]!);
      });
      expect(events.size, `room ${R}`).toBe(1);
      expect(cols.size, `room ${R}`).toBe(1);
    }
    // The goal is every demo's last event, in the last column.
    for (const row of msa.rows) expect(row[msa.columns - 1]).toBe(ar.numLabels - 1);
  });

  function lastEntry(states: Int32Array, R: number): number {
    for (let t = states.length - 1; t >= 1; t--) if (room(states[t]!) === R && room(states[t - 1]!) !== R) return t;
    throw new Error(`no entry into room ${R}`);
  }

  function columnOf(row: Int32Array, i: number): number {
    for (let c = 0, n = 0; c < row.length; c++) if (row[c] !== GAP && n++ === i) return c;
    throw new Error(`row has no event ${i}`);
  }

  it('redistributes each demo into T rewards summing to the mean demo return, on the last step of each cluster run', () => {
    let droppedCases = 0;
    for (const d of [...demos, ...sampleRoomsDemos(env, 10, new Rng(12), 0.3)]) {
      const T = d.actions.length, rr = ar.redistribute(d.states), labels = ar.labelsOf(d.states);
      const { runEnds } = ar.eventsOf(d.states);
      expect(rr.length).toBe(T);
      const sum = rr.reduce((x, y) => x + y, 0);
      // Nonzero only at t = runEnds[i] − 1: the transition into the last state of a cluster run (the reference
      // gives each event's share to the last step of its run), so the next step enters a new cluster or ends.
      const paid = new Set(Array.from(runEnds, (e) => e - 1));
      rr.forEach((r, t) => {
        expect(r).toBeGreaterThanOrEqual(0);
        if (r !== 0) {
          expect(paid.has(t)).toBe(true);
          expect(t === T - 1 || labels[t + 2] !== labels[t + 1]).toBe(true);
        }
      });
      expect(rr[T - 1]).toBeGreaterThan(0); // entering the goal is the last event and scores highest
      if (runEnds[0] === 0) {
        // The reference's drop-the-first case: the first run is s_0 alone, its share goes with the dropped
        // first element. Doubling s_0 makes that run 2 long without changing the events: its share
        // reappears in front, and the rest is the same.
        droppedCases++;
        const doubled = redistributeCode(ar.labelsOf(Int32Array.of(d.states[0]!, ...d.states)), ar.profile, ar.meanDemoReturn);
        expect([...doubled.subarray(1)]).toEqual([...rr]);
        expect(sum + doubled[0]!).toBeCloseTo(ar.meanDemoReturn, 5);
      } else {
        expect(sum).toBeCloseTo(ar.meanDemoReturn, 5);
      }
    }
    // Both branches ran (with these seeds, one of the 20 episodes leaves s_0's cluster on its first step).
    expect(droppedCases).toBeGreaterThan(0);
    expect(droppedCases).toBeLessThan(20);
  });

  it('observe() adds visits, which the next PSSM uses; clusters and the MSA stay', () => {
    const other = AlignRudder.fromDemos(demos, { numStates: env.numStates, goalStates: goals, seed: 0, srStates: roomsSrStates(env) });
    const before = other.profile;
    const total = other.visits.reduce((x, y) => x + y, 0);
    other.observe(demos[0]!.states);
    expect(other.visits.reduce((x, y) => x + y, 0)).toBe(total + demos[0]!.states.length);
    const after = other.profile;
    expect(after.msa).toBe(before.msa);
    expect(after.pssm.scores).not.toEqual(before.pssm.scores);
    expect([...other.labels]).toEqual([...ar.labels]);
  });

  it('rejects bad demos by name', () => {
    expect(() => AlignRudder.fromDemos([], { numStates: 4, goalStates: 3 })).toThrow(/demos is empty/);
    expect(() => AlignRudder.fromDemos([{ states: Int32Array.of(0, 5), ret: 1 }], { numStates: 4, goalStates: 3 })).toThrow(/demo 0 state 1 = 5 is outside 0..3/);
    expect(() => AlignRudder.fromDemos([{ states: Int32Array.of(0, 1), ret: 1 }], { numStates: 4, goalStates: 3, srStates: Int32Array.of(0, 3) })).toThrow(/demo 0 state 1 = 1 is not in srStates/);
  });
});

describe('runRoomsExperiment', () => {
  it('is deterministic for a seed and reports the settings it ran', () => {
    for (const method of ['align-rudder', 'bc-q'] as const) {
      const opts = { method, numDemos: 5, seed: 3, maxEpisodes: 150 };
      const a = runRoomsExperiment(opts), b = runRoomsExperiment(opts);
      expect(b).toEqual(a);
      expect(a.episodes % 10).toBe(0);
      expect(a.episodes).toBeLessThanOrEqual(150);
      expect(a.reached || a.episodes === 150).toBe(true);
      expect(a.target).toBeCloseTo(0.8 * a.meanDemoReturn, 12);
      expect(a.meanDemoReturn).toBeGreaterThan(2.9); // every demo reached the goal
      expect(Number.isFinite(a.lastEvalReturn)).toBe(true);
      if (method === 'align-rudder') expect(a.numLabels).toBeLessThanOrEqual(17);
    }
    expect(runRoomsExperiment({ method: 'bc-q', numDemos: 5, seed: 4, maxEpisodes: 150 })).not.toEqual(runRoomsExperiment({ method: 'bc-q', numDemos: 5, seed: 3, maxEpisodes: 150 }));
  });

  it("SR passes: the reference's 10 by default, 'scaled' = max(4, round(20 / demos)), reported with the run", () => {
    expect([1, 2, 3, 5, 10, 100].map((n) => srPassesFor('scaled', n))).toEqual([20, 10, 7, 4, 4, 4]);
    expect(srPassesFor(6, 10)).toBe(6);
    expect(() => srPassesFor(0, 2)).toThrow(/srPasses must be a positive integer or 'scaled', got 0/);
    const base = { method: 'align-rudder' as const, numDemos: 10, seed: 3, maxEpisodes: 10 };
    expect(runRoomsExperiment(base).srPasses).toBe(10);
    const scaled = runRoomsExperiment({ ...base, srPasses: 'scaled' });
    expect(scaled.srPasses).toBe(4);
    // Fewer SR updates along the chain every demo crosses: finer clusters there, so more labels.
    expect(scaled.numLabels!).toBeGreaterThan(runRoomsExperiment(base).numLabels!);
  });

  it('rejects an unknown method and a non-rooms env', () => {
    expect(() => runRoomsExperiment({ method: 'dqfd' as 'bc-q', numDemos: 2, seed: 0 })).toThrow(/method must be 'align-rudder' or 'bc-q'/);
    expect(() => runRoomsExperiment({ method: 'bc-q', numDemos: 2, seed: 0, env: 'CartPole-v1' })).toThrow(/"CartPole-v1" is not a rooms env/);
  });
});
