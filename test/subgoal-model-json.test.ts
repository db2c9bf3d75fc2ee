// The records Align-RUDDER adds to a saved policy (model.json's observation record, subgoals.json), parsed by the
// same code in Node and in the viewer's page: what they rebuild, and each malformed case named.
import { describe, expect, it } from 'vitest';
import { SignPatternEvents } from '../src/align/feature-events.ts';
import { eventFlagsToJson, parseEventFlags, parseSubgoalModelJson, SUBGOAL_MODEL_FORMAT } from '../src/align/subgoal-model-json.ts';
import type { FeatureEpisode } from '../src/align/transition-events.ts';

// An encoder fitted on a hand-made 2-feature episode: +a, +b, −a+b (three events, then `other`).
const episode: FeatureEpisode = { dim: 2, rows: Float32Array.from([0, 0, 1, 0, 1, 1, 0, 2]), actions: Int32Array.from([0, 1, 2]) };
const encoder = SignPatternEvents.fit([episode], { offset: 3, length: 2, names: ['a', 'b'], name: 'inv' });

describe('the observation record of an augmented single policy', () => {
  it('round-trips: the rebuilt encoder gives the same events', () => {
    const j = eventFlagsToJson(5, encoder);
    const back = parseEventFlags(JSON.parse(JSON.stringify(j)), 'm.json');
    expect(back.envObsDim).toBe(5);
    expect(back.numEvents).toBe(encoder.numEvents);
    const x = Float32Array.from([9, 9, 9, 1, 0]), y = Float32Array.from([9, 9, 9, 0, 1]);
    expect(back.encoder.event(x, 0, y)).toBe(encoder.event(x, 0, y));
    expect(back.encoder.event(x, 0, y)).toBeGreaterThanOrEqual(0);
  });

  it('names what is wrong', () => {
    const j = eventFlagsToJson(5, encoder) as unknown as Record<string, unknown>;
    expect(() => parseEventFlags({ ...j, kind: 'other' }, 'm.json')).toThrow(/m\.json: the observation record must have kind "event-flags" and version 1/);
    expect(() => parseEventFlags({ ...j, envObsDim: 0 }, 'm.json')).toThrow(/m\.json: fields envObsDim and numEvents must be integers ≥ 1, got 0/);
    expect(() => parseEventFlags({ ...j, numEvents: encoder.numEvents + 1 }, 'm.json')).toThrow(/the encoder has \d+ events, numEvents says \d+/);
    expect(() => parseEventFlags({ ...j, encoder: { kind: 'x' } }, 'm.json')).toThrow(/m\.json: the event encoder/);
    expect(() => parseEventFlags(null, 'm.json')).toThrow(/must have kind "event-flags"/);
  });
});

describe('subgoals.json', () => {
  const good = {
    format: SUBGOAL_MODEL_FORMAT, version: 1, envId: 'X-v0', envKwargs: {}, envObsDim: 5, numEvents: encoder.numEvents, events: [1, 0], names: ['b', 'a'],
    encoder: encoder.toJson!(), agents: ['agent-0', 'agent-1'],
  };
  it('rebuilds the switch', () => {
    const s = parseSubgoalModelJson(good, 'subgoals.json');
    expect([...s.stages.events]).toEqual([1, 0]);
    expect(s.stages.envObsDim).toBe(5);
    expect(s.agents).toEqual(['agent-0', 'agent-1']);
  });
  it('refuses agent folders outside the model folder, by name', () => {
    for (const bad of ['../x', '/abs', 'a\\b', '']) {
      expect(() => parseSubgoalModelJson({ ...good, agents: ['agent-0', bad] }, 'subgoals.json')).toThrow(/field agents must name 2 agent folders/);
    }
    expect(() => parseSubgoalModelJson({ ...good, events: [1, 1] }, 'subgoals.json')).toThrow(/field events must be distinct event ids/);
  });
});
