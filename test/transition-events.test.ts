import { describe, expect, it } from 'vitest';
import { AlignRudder, alignDemoFrom } from '../src/align/index.ts';
import { ClusterEvents } from '../src/align/cluster-events.ts';
import { envEvents } from '../src/align/event-episodes.ts';
import { SignPatternEvents } from '../src/align/feature-events.ts';
import { SuccessorEvents } from '../src/align/successor-events.ts';
import { NO_EVENT, episodeEvents, type FeatureEpisode } from '../src/align/transition-events.ts';
import { eventFeaturesFor, make, recordExpertDemonstrations, Rng, type RoomsEnv } from '../src/envs/index.ts';
import { roomsSrStates } from '../src/experiments/rooms.ts';

/** An episode of inventory vectors [log, planks, stick] (rows s_0..s_T). */
function inventoryEpisode(rows: number[][]): FeatureEpisode {
  return { dim: 3, rows: Float32Array.from(rows.flat()), actions: new Int32Array(rows.length - 1) };
}

/** A full observation: 2 other values, then the inventory at offset 2. */
const obs = (inv: number[]): Float32Array => Float32Array.from([7, -1, ...inv]);

describe('events from transitions', () => {
  it('the inventory encoder: one event per sign pattern of the change, repeated pickups separate, nothing changed = no event', () => {
    const fitted = SignPatternEvents.fit([inventoryEpisode([[0, 0, 0], [1, 0, 0], [2, 0, 0], [1, 4, 0], [1, 2, 4]])], { offset: 0, length: 3, name: 'inventory', names: ['log', 'planks', 'stick'] });
    expect(fitted.numEvents).toBe(4); // +log, −log +planks, −planks +stick, and `other`
    const enc = fitted.reading(2);
    const collect = enc.event(obs([0, 0, 0]), 5, obs([1, 0, 0]));
    expect(enc.eventName(collect)).toBe('+log');
    expect(enc.event(obs([1, 0, 0]), 5, obs([2, 0, 0]))).toBe(collect); // the same event, whatever the count
    expect(enc.eventName(enc.event(obs([3, 0, 0]), 8, obs([2, 4, 0])))).toBe('−log +planks');
    expect(enc.eventName(enc.event(obs([2, 8, 0]), 9, obs([2, 6, 4])))).toBe('−planks +stick');
    expect(enc.event(obs([2, 8, 0]), 0, obs([2, 8, 0]))).toBe(NO_EVENT);
    expect(enc.event(Float32Array.from([0, 0, 2, 8, 0]), 0, Float32Array.from([5, 5, 2, 8, 0]))).toBe(NO_EVENT); // other values are not events
    expect(enc.eventName(enc.event(obs([2, 8, 0]), 0, obs([2, 8, 1])))).toBe('other'); // a pattern never fitted
    expect(enc.start(obs([1, 1, 1]))).toBe(NO_EVENT);
    // An episode of three pickups in a row is three events.
    const rows = Float32Array.from([obs([0, 0, 0]), obs([1, 0, 0]), obs([1, 0, 0]), obs([2, 0, 0]), obs([3, 0, 0])].flatMap((o) => [...o]));
    expect(Array.from(episodeEvents(enc, rows, 5, [5, 0, 5, 5]))).toEqual([collect, collect, collect]);
    expect(() => SignPatternEvents.fit([inventoryEpisode([[1, 1, 1], [1, 1, 1]])], { offset: 0, length: 3 })).toThrow(/never change/);
  });

  it('ItemChain declares its inventory; the expert demos give its 14 events, each collect, craft, place and smelt its own', () => {
    expect(eventFeaturesFor('ItemChain-v0')).toMatchObject({ name: 'inventory', offset: 9 * 9 * 12 + 4, length: 11 });
    expect(eventFeaturesFor('ItemChain-v0', { view: 5, encoding: 'codes' })).toMatchObject({ offset: 5 * 5 + 4 });
    expect(eventFeaturesFor('CartPole-v1')).toBeNull();
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 3, seed: 0 });
    const ev = envEvents('ItemChain-v0', {}, demos, { otherEpisodes: 2, seed: 100, maxSteps: 300 });
    const names = Array.from({ length: ev.encoder.numEvents }, (_, k) => ev.encoder.eventName(k));
    for (const n of ['+log', '−log +planks', '−planks +stick', '−planks', '+cobblestone', '−cobblestone', '+iron_ore', '−stick −iron_ingot +iron_pickaxe', '+diamond', 'other']) expect(names).toContain(n);
    const first = Array.from(ev.demoEvents[0]!).map((k) => names[k]);
    expect(first[0]).toBe('+log');
    expect(first.at(-1)).toBe('+diamond');
    expect(first.filter((n) => n === '+cobblestone').length).toBeGreaterThanOrEqual(11); // the chain needs 11, each its own event
  });

  it('learned clusters: nearest exemplar labels, and the same clusters under the same or another seed', () => {
    // Changes of 2 features around three centres; the clusters should be the centres whatever the seed.
    const rng = new Rng(3), centres = [[1, 0], [0, 1], [-1, -1]], rows: number[] = [0, 0];
    for (let i = 0; i < 60; i++) {
      const c = centres[i % 3]!, last = rows.slice(-2);
      rows.push(last[0]! + c[0]! + 0.05 * rng.normal(), last[1]! + c[1]! + 0.05 * rng.normal());
    }
    const ep: FeatureEpisode = { dim: 2, rows: Float32Array.from(rows), actions: new Int32Array(60) };
    const probe = centres.map((c) => Float32Array.from(c));
    const partition = (seed: number): number[] => {
      const ce = ClusterEvents.fit([ep], { offset: 0, length: 2 }, { seed });
      return probe.map((p) => ce.label(p, 0));
    };
    const a = ClusterEvents.fit([ep], { offset: 0, length: 2 }, { seed: 1 }), b = ClusterEvents.fit([ep], { offset: 0, length: 2 }, { seed: 1 });
    expect(a.numEvents).toBe(3);
    expect(Array.from(b.exemplars)).toEqual(Array.from(a.exemplars));
    expect(new Set(partition(1)).size).toBe(3);
    for (const seed of [2, 3, 4]) expect(partition(seed)).toEqual(partition(1));
    // A new step is the event of the nearest exemplar change; no change is no event.
    const at = (x: number, y: number): Float32Array => Float32Array.from([x, y]);
    expect(a.event(at(5, 5), 0, at(6.1, 4.9))).toBe(a.label(probe[0]!, 0));
    expect(a.event(at(5, 5), 0, at(5, 5))).toBe(NO_EVENT);
    // Clusters of the vectors themselves: entering another cluster is the event, the start cluster the start event.
    const s = ClusterEvents.fit([{ dim: 1, rows: Float32Array.from([0, 0.1, 0.2, 5, 5.1, 5.2, 10, 10.1, 10.2]), actions: new Int32Array(8) }], { offset: 0, length: 1 }, { on: 'state', seed: 1, preference: -1 });
    expect(s.numEvents).toBe(3);
    expect(s.start(at(0.05, 0))).toBe(s.label(at(0, 0), 0));
    expect(s.event(at(0, 0), 0, at(0.1, 0))).toBe(NO_EVENT);
    expect(s.event(at(0, 0), 0, at(9.9, 0))).toBe(s.label(at(10, 0), 0));
  });

  it('the successor-representation route gives the same event sequences as the tabular pipeline', () => {
    const demos = recordExpertDemonstrations('FourRooms-v0', { episodes: 3, seed: 20 });
    const env = make('FourRooms-v0').unwrapped as RoomsEnv;
    const aligned = demos.map((d, i) => alignDemoFrom(d, (e) => (e.unwrapped as RoomsEnv).state, `demo ${i}`));
    const ar = AlignRudder.fromDemos(aligned, { numStates: env.numStates, goalStates: env.goalState, srStates: roomsSrStates(env), seed: 1 });
    const enc = new SuccessorEvents(ar, (o) => env.stateIndex(o[2]!, o[0]!, o[1]!));
    aligned.forEach((a, k) => {
      const rows = new Float32Array(a.states.length * 3);
      a.states.forEach((s, t) => rows.set([Math.floor((s % 36) / 6), s % 6, Math.floor(s / 36)], t * 3));
      expect(Array.from(episodeEvents(enc, rows, 3, demos[k]!.actions))).toEqual(Array.from(ar.eventsOf(a.states).events));
    });
  });
});
