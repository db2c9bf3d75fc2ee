import { describe, expect, it } from 'vitest';
import { ClusterEvents } from '../src/align/cluster-events.ts';
import { encoderFromJson, encoderToJson } from '../src/align/encoder-json.ts';
import { envEvents } from '../src/align/event-episodes.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { NO_EVENT, type FeatureEpisode, type TransitionEvents } from '../src/align/transition-events.ts';
import { make, recordExpertDemonstrations, Rng } from '../src/envs/index.ts';
import type { Env } from '../src/envs/core/env.ts';
import type { Discrete } from '../src/envs/spaces/discrete.ts';

/** Every transition of a few random ItemChain episodes (obs, action, next), and each one's event under `enc`. */
function itemChainEvents(encoders: TransitionEvents[]): number[][] {
  const env = make('ItemChain-v0', {}) as Env<Float32Array, number>, rng = new Rng(4), out: number[][] = encoders.map(() => []);
  for (let e = 0; e < 3; e++) {
    let obs = env.reset({ seed: 20 + e }).obs.slice();
    for (let t = 0; t < 300; t++) {
      const a = rng.integer((env.actionSpace as Discrete).n), r = env.step(a);
      encoders.forEach((enc, k) => out[k]!.push(enc.event(obs, a, r.obs)));
      obs = r.obs.slice();
      if (r.terminated || r.truncated) break;
    }
  }
  env.close();
  return out;
}

describe('event encoders as JSON', () => {
  it('ItemChain\'s inventory sign patterns come back with the same events, names and event count', () => {
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 2, seed: 0 });
    const enc = envEvents('ItemChain-v0', {}, demos, { otherEpisodes: 5, seed: 1 }).encoder;
    const back = encoderFromJson(JSON.parse(JSON.stringify(encoderToJson(enc))), 'test');
    expect(back.numEvents).toBe(enc.numEvents);
    expect(back.name).toBe(enc.name);
    for (let id = 0; id < enc.numEvents; id++) expect(back.eventName(id)).toBe(enc.eventName(id));
    const [a, b] = itemChainEvents([enc, back]);
    expect(a!.some((e) => e !== NO_EVENT)).toBe(true);
    expect(b).toEqual(a);
  });

  it('learned clusters come back with the same exemplars (float32, exactly) and labels', () => {
    const rng = new Rng(3), rows: number[] = [0, 0];
    for (let i = 0; i < 60; i++) rows.push(rows.at(-2)! + (i % 3) + 0.05 * rng.normal(), rows.at(-1)! - (i % 2) + 0.05 * rng.normal());
    const ep: FeatureEpisode = { dim: 2, rows: Float32Array.from(rows), actions: new Int32Array(60) };
    for (const on of ['change', 'state'] as const) {
      const enc = ClusterEvents.fit([ep], { offset: 0, length: 2 }, { seed: 1, on }).reading(3);
      const back = encoderFromJson(JSON.parse(JSON.stringify(encoderToJson(enc))), 'test') as ClusterEvents;
      expect(back).toBeInstanceOf(ClusterEvents);
      expect(back.exemplars).toEqual(enc.exemplars);
      expect(back.hasStartEvent).toBe(on === 'state');
      const x = new Float32Array(5), y = new Float32Array(5);
      for (let i = 0; i < 50; i++) {
        x.set([9, 9, 9, 3 * rng.normal(), 3 * rng.normal()]);
        y.set([9, 9, 9, x[3]! + rng.normal(), x[4]! + rng.normal()]);
        expect(back.event(x, 0, y)).toBe(enc.event(x, 0, y));
        expect(back.start(x)).toBe(enc.start(x));
      }
    }
  });

  it('malformed JSON is an error naming where and the field; an encoder that cannot be saved says so', () => {
    const ok = { kind: 'sign-patterns', offset: 2, length: 2, patterns: [[1, 0]], names: null, sliceName: 'inv' };
    expect(encoderFromJson(ok, 'f').numEvents).toBe(2);
    expect(() => encoderFromJson(null, 'f.json')).toThrow(/f\.json: the event encoder must be an object, got null/);
    expect(() => encoderFromJson({ ...ok, kind: 'lstm' }, 'f')).toThrow(/has kind "lstm"; expected "sign-patterns" or "clusters"/);
    expect(() => encoderFromJson({ ...ok, offset: -1 }, 'f')).toThrow(/field offset must be an integer ≥ 0, got -1/);
    expect(() => encoderFromJson({ ...ok, patterns: [[1, 0, 1]] }, 'f')).toThrow(/pattern 0 must hold signs −1, 0 or 1 \(2 values\)/);
    expect(() => encoderFromJson({ ...ok, patterns: [] }, 'f')).toThrow(/field patterns must be a non-empty array/);
    expect(() => encoderFromJson({ ...ok, names: ['a'] }, 'f')).toThrow(/field names must be null or 2 strings/);
    const cl = { kind: 'clusters', offset: 0, length: 2, on: 'change', exemplars: [1, 2, 3], converged: true };
    expect(() => encoderFromJson(cl, 'f')).toThrow(/field exemplars must hold a positive multiple of length 2 values, got 3/);
    expect(() => encoderFromJson({ ...cl, exemplars: [1, 'x'] }, 'f')).toThrow(/field exemplars must be finite numbers/);
    expect(() => encoderFromJson({ ...cl, exemplars: [1, 2], on: 'both' }, 'f')).toThrow(/field on must be "change" or "state", got "both"/);
    const tabular: TransitionEvents = { name: 'successor-representation clusters (4)', numEvents: 4, hasStartEvent: true, start: () => 0, event: () => NO_EVENT, eventName: String };
    expect(() => encoderToJson(tabular)).toThrow(/successor-representation clusters \(4\): this event encoder cannot be saved/);
  });

  it('Align-RUDDER\'s checkpoints hold the encoder; a resume with events fitted otherwise is refused', () => {
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 2, seed: 0 });
    const a = alignFromDemos(demos, { otherEpisodes: 5, seed: 1 }).redistribution;
    const saved = a.saveState();
    expect((saved.state as { encoder?: unknown }).encoder).toEqual(a.encoder.toJson!());
    alignFromDemos(demos, { otherEpisodes: 5, seed: 1 }).redistribution.restoreState(saved.state, saved.tensors, 'ck'); // the same fit: accepted
    // The same events numbered otherwise (two patterns swapped, as other demos could give): refused.
    const enc = structuredClone(saved.state) as unknown as { encoder: { patterns: number[][] } };
    [enc.encoder.patterns[0], enc.encoder.patterns[1]] = [enc.encoder.patterns[1]!, enc.encoder.patterns[0]!];
    expect(() => a.restoreState(enc as unknown as typeof saved.state, saved.tensors, 'ck')).toThrow(/checkpoint ck: its events were fitted otherwise than this run's/);
  });
});
