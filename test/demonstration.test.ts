import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlignRudder, alignDemoFrom } from '../src/align/index.ts';
import {
  DemonstrationError, checkDemonstration, loadDemonstration, loadDemonstrations, make, parseDemonstration, recordDemonstration, saveDemonstration,
  RoomsEnv, nextRoomsAction, type Demonstration,
} from '../src/envs/index.ts';
import { roomsSrStates } from '../src/experiments/rooms.ts';

/** The scripted expert's actions on FourRooms-v0 from start room `room`, reset with `seed`. */
function expertActions(seed: number, room: number): number[] {
  const env = make('FourRooms-v0').unwrapped as RoomsEnv;
  env.reset({ seed, options: { startRoom: room } });
  const actions: number[] = [];
  for (;;) {
    const a = nextRoomsAction(env);
    actions.push(a);
    const r = env.step(a);
    if (r.terminated || r.truncated) break;
  }
  env.close();
  return actions;
}

describe('demonstration files', () => {
  it('a recorded episode saves atomically, loads back checked by replay, and Align-RUDDER accepts a folder of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demos-'));
    const rooms = [0, 3, 7];
    rooms.forEach((room, i) => saveDemonstration(join(dir, `FourRooms-v0-${i}.json`), recordDemonstration('FourRooms-v0', {}, 10 + i, expertActions(10 + i, room), 'expert', { startRoom: room })));
    expect(readdirSync(dir).sort()).toEqual(['FourRooms-v0-0.json', 'FourRooms-v0-1.json', 'FourRooms-v0-2.json']); // no temporary files left
    const demos = loadDemonstrations(dir);
    expect(demos.map((d) => d.terminated)).toEqual([true, true, true]);
    expect(demos[0]!.return).toBeGreaterThan(2); // reached the goal: 3 − t/200 + …
    const env = make('FourRooms-v0').unwrapped as RoomsEnv;
    const aligned = demos.map((d, i) => alignDemoFrom(d, (e) => (e.unwrapped as RoomsEnv).state, `demo ${i}`));
    expect(aligned[0]!.states.length).toBe(demos[0]!.actions.length + 1);
    expect(aligned[0]!.states[aligned[0]!.states.length - 1]).toBe(env.goalState);
    const ar = AlignRudder.fromDemos(aligned, { numStates: env.numStates, goalStates: env.goalState, srStates: roomsSrStates(env), seed: 1 });
    expect(ar.meanDemoReturn).toBeCloseTo(demos.reduce((s, d) => s + d.return, 0) / 3, 9);
    expect(ar.demoEvents.length).toBe(3);
  });

  it('refuses malformed files and episodes that do not replay, naming the problem; a refused save leaves the old file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demos-bad-'));
    const good = recordDemonstration('KeyDoorTreasure-v0', { size: 5 }, 3, [0, 2, 1], 'human');
    const path = join(dir, 'd.json');
    saveDemonstration(path, good);
    const before = readFileSync(path, 'utf8');
    const bad = (patch: Partial<Record<keyof Demonstration, unknown>>): unknown => ({ ...good, ...patch });
    expect(() => parseDemonstration(bad({ format: 'other' }), 'x.json')).toThrow(/x.json: not a valid rudder-demonstration v1: format/);
    expect(() => parseDemonstration(bad({ actions: [0, 1.5, 2] }))).toThrow(/actions.1/);
    expect(() => parseDemonstration(bad({ rewards: [0, 0] }))).toThrow(/3 actions but 2 rewards/);
    expect(() => parseDemonstration(bad({ return: 5 }))).toThrow(/return 5 is not the sum of its rewards/);
    expect(() => parseDemonstration(bad({ extra: 1 } as never))).toThrow(/extra|Unrecognized/);
    expect(() => parseDemonstration(JSON.parse('{"__proto__": {"x": 1}}'))).toThrow(DemonstrationError);
    expect(() => checkDemonstration(parseDemonstration(bad({ envId: 'Nope-v0' })))).toThrow(/cannot make Nope-v0/);
    expect(() => checkDemonstration(parseDemonstration(bad({ actions: [0, 9, 1] })))).toThrow(/action 1 = 9 is not in KeyDoorTreasure-v0's action space/);
    expect(() => checkDemonstration(parseDemonstration(bad({ rewards: [0, 0.5, 0], return: 0.5 })))).toThrow(/step 1 \(action 2\) gives reward 0 on replay, the file says 0.5/);
    expect(() => checkDemonstration(parseDemonstration(bad({ terminated: true })))).toThrow(/after the last action the replay has terminated=false/);
    expect(() => saveDemonstration(path, { ...good, rewards: [0, 0, 1], return: 1 })).toThrow(DemonstrationError);
    expect(readFileSync(path, 'utf8')).toBe(before);
    writeFileSync(join(dir, 'torn.json'), before.slice(0, 40));
    expect(() => loadDemonstration(join(dir, 'torn.json'))).toThrow(/torn.json: not a JSON file/);
    expect(() => loadDemonstrations(mkdtempSync(join(tmpdir(), 'empty-')))).toThrow(/no demonstration files/);
  });
});
