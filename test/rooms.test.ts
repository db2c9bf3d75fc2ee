import { describe, expect, it } from 'vitest';
import {
  CELL, checkEnv, EAST_DOOR_START_ROOMS, expertFor, make, nextRoomsAction, roomsDistanceToGoal, roomsEventNames, RoomsEnv,
  START_DOOR_WALLS, validateScene, type Env, type RgbaFrame,
} from '../src/index.ts';

const N = 0, S = 1, W = 2, E = 3;
const goalReward = (t: number): number => 3 - t / 200 + 53.32 / 200; // rudder.md §4.1

/** The state after `action` from (room, row, col), found by stepping the env itself (no noise). */
function stepFrom(env: RoomsEnv, s: number, action: number): number {
  env.reset({ options: { startRoom: 0 } });
  env.placeAgent(Math.floor(s / 36), Math.floor((s % 36) / 6), s % 6);
  env.step(action);
  return env.state;
}

/** Shortest step counts from `start` to the goal by BFS over env.step (independent of env.transitions). */
function bfsSteps(env: RoomsEnv, start: number): number {
  const dist = new Map<number, number>([[start, 0]]);
  const queue = [start];
  while (queue.length) {
    const s = queue.shift()!;
    if (s === env.goalState) return dist.get(s)!;
    for (let a = 0; a < 4; a++) {
      const t = stepFrom(env, s, a);
      if (!dist.has(t)) {
        dist.set(t, dist.get(s)! + 1);
        queue.push(t);
      }
    }
  }
  return -1;
}

describe('Rooms layout and constants', () => {
  it('the east-door start rooms of the reference sequence are 4, 6, 10, 18', () => {
    expect(START_DOOR_WALLS).toHaveLength(20);
    expect(EAST_DOOR_START_ROOMS).toEqual([4, 6, 10, 18]);
  });

  it('FourRooms has 23 rooms and EightRooms 27; the goal is (4,4) of the last room', () => {
    const four = new RoomsEnv({ chainRooms: 3 }), eight = new RoomsEnv({ chainRooms: 7 });
    expect([four.numRooms, eight.numRooms]).toEqual([23, 27]);
    expect(four.goalState).toBe(four.stateIndex(22, 4, 4));
    expect(eight.goalState).toBe(eight.stateIndex(26, 4, 4));
    expect(four.roomCells[four.goalState]).toBe(CELL.GOAL);
  });
});

describe('Rooms BFS optimum (stepping the env, not its table)', () => {
  const cases = [
    { id: 'FourRooms', chain: 3, lo: 21 },
    { id: 'EightRooms', chain: 7, lo: 47 },
  ];
  for (const { id, chain, lo } of cases) {
    for (const fix of [false, true]) {
      it(`${id}-v${fix ? 1 : 0}: ${lo}–${lo + 1} steps from every solvable start room; unsolvable ${fix ? 'none' : '{4, 6, 10, 18}'}`, () => {
        const env = new RoomsEnv({ chainRooms: chain, fixEastDoors: fix, actionNoise: 0 });
        const unsolvable: number[] = [];
        for (let k = 0; k < 20; k++) {
          const d = bfsSteps(env, env.stateIndex(k, 3, 3));
          if (d < 0) unsolvable.push(k);
          else {
            // By geometry: a door on S or E is 2 moves from (3,3), on N or W 3 moves; crossing adds 1.
            const wall = START_DOOR_WALLS[k]!;
            expect(d).toBe(wall === 3 || wall === 2 ? lo : lo + 1);
          }
          expect(env.startRoomSolvable(k)).toBe(d >= 0);
          expect(roomsDistanceToGoal(env)[env.stateIndex(k, 3, 3)]).toBe(d);
        }
        expect(unsolvable).toEqual(fix ? [] : [4, 6, 10, 18]);
      });
    }
  }
});

describe('Rooms rules', () => {
  const env = new RoomsEnv({ actionNoise: 0 });

  it('moves into walls leave the agent in place', () => {
    env.reset({ options: { startRoom: 1 } });
    env.placeAgent(1, 1, 1);
    env.step(N);
    env.step(W);
    expect([env.room, env.row, env.col]).toEqual([1, 1, 1]);
    env.step(S);
    expect([env.room, env.row, env.col]).toEqual([1, 2, 1]);
  });

  it('a door is a passable wall cell; moving out through it teleports to the paired door (2 moves to cross)', () => {
    env.reset({ options: { startRoom: 0 } }); // door on N
    env.placeAgent(0, 1, 3);
    expect(env.step(N).info.events).toEqual([]);
    expect([env.room, env.row, env.col]).toEqual([0, 0, 3]);
    const r = env.step(N);
    expect([env.room, env.row, env.col]).toEqual([20, 0, 3]);
    expect(r.info.events).toEqual(['entered_room_1']);
    expect(r.obs).toEqual(new Float32Array([0, 3, 20]));
    // Moving along the door cell (not out) is a wall move.
    env.step(W);
    expect([env.room, env.row, env.col]).toEqual([20, 0, 3]);
  });

  it('the first chain room entry is one-way; later entries lead back to the previous exit', () => {
    env.reset({ options: { startRoom: 0 } });
    env.placeAgent(20, 0, 3);
    env.step(N);
    expect([env.room, env.row, env.col]).toEqual([20, 0, 3]);
    env.placeAgent(20, 3, 5); // exit of chain room 1 (east)
    expect(env.step(E).info.events).toEqual(['entered_room_2']);
    expect([env.room, env.row, env.col]).toEqual([21, 0, 3]);
    expect(env.step(N).info.events).toEqual(['entered_room_1']);
    expect([env.room, env.row, env.col]).toEqual([20, 3, 5]);
    env.placeAgent(21, 3, 0); // exit of chain room 2 (west)
    env.step(W);
    expect([env.room, env.row, env.col]).toEqual([22, 0, 3]);
  });

  it('v0: the east door of start rooms 4, 6, 10, 18 can be stood on but not used; v1 fixes it', () => {
    for (const k of [4, 6, 10, 18]) {
      const v0 = new RoomsEnv({ actionNoise: 0 }), v1 = new RoomsEnv({ actionNoise: 0, fixEastDoors: true });
      for (const e of [v0, v1]) {
        e.reset({ options: { startRoom: k } });
        e.step(E);
        e.step(E);
        expect([e.room, e.row, e.col]).toEqual([k, 3, 5]);
        e.step(E);
      }
      expect([v0.room, v0.row, v0.col]).toEqual([k, 3, 5]);
      expect([v1.room, v1.row, v1.col]).toEqual([20, 0, 3]);
    }
  });

  it('the goal pays 3 − t/200 + 53.32/200 and terminates', () => {
    env.reset({ options: { startRoom: 3 } });
    for (let i = 0; i < 9; i++) env.step(W); // 9 steps (the last ones against the west wall): t = 9
    env.placeAgent(22, 4, 3);
    const r = env.step(E);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.reward).toBeCloseTo(goalReward(10), 12);
    expect(r.reward).toBeCloseTo(3.2166, 4);
    expect(r.info.events).toEqual(['reached_goal']);
  });

  it('without the goal, step 200 pays +1 and truncates (the distractor); nothing else is rewarded', () => {
    const wrapped = make<Float32Array, number>('FourRooms-v0', { actionNoise: 0 });
    wrapped.reset({ seed: 0, options: { startRoom: 4 } }); // unsolvable in v0
    let total = 0;
    for (let t = 1; t <= 200; t++) {
      const r = wrapped.step(t % 4);
      total += r.reward;
      expect(r.truncated).toBe(t === 200);
      expect(r.terminated).toBe(false);
      if (t === 200) {
        expect(r.reward).toBe(1);
        expect(r.info.events).toEqual(['time_up']);
      } else expect(r.reward).toBe(0);
    }
    expect(total).toBe(1);
  });

  it('action noise replaces about 1 % of actions by a uniform one (≈ 0.75 % end up different)', () => {
    const noisy = new RoomsEnv(); // default actionNoise 0.01
    noisy.reset({ seed: 1, options: { startRoom: 0 } });
    const n = 100_000;
    let moved = 0;
    const before = noisy.noisyActions;
    for (let i = 0; i < n; i++) {
      if (noisy.t >= 190) noisy.reset({ options: { startRoom: 0 } });
      noisy.placeAgent(0, 2, 2); // all four moves lead to different cells
      noisy.step(S);
      if (!(noisy.row === 3 && noisy.col === 2)) moved++;
    }
    const replaced = (noisy.noisyActions - before) / n;
    expect(replaced).toBeGreaterThan(0.0089);
    expect(replaced).toBeLessThan(0.0111);
    expect(moved / n).toBeGreaterThan(0.0065);
    expect(moved / n).toBeLessThan(0.0085);
    const clean = new RoomsEnv({ actionNoise: 0 });
    clean.reset({ seed: 1 });
    for (let i = 0; i < 1000; i++) clean.step(i % 4);
    expect(clean.noisyActions).toBe(0);
  });
});

describe('Rooms expert, events, determinism', () => {
  it('without noise the expert takes exactly the BFS optimum and earns the matching return', () => {
    const env = new RoomsEnv({ actionNoise: 0 });
    for (const k of [0, 1, 2]) {
      env.reset({ options: { startRoom: k } });
      const events: string[] = [];
      let t = 0, last = 0;
      for (;;) {
        const r = env.step(nextRoomsAction(env));
        t++;
        events.push(...(r.info.events as readonly string[]));
        if (r.terminated || r.truncated) {
          last = r.reward;
          break;
        }
      }
      const expected = START_DOOR_WALLS[k] === 3 ? 21 : 22;
      expect(t).toBe(expected);
      expect(last).toBeCloseTo(goalReward(expected), 12);
      expect(events).toEqual(['entered_room_1', 'entered_room_2', 'entered_room_3', 'reached_goal']);
    }
  });

  it('event names are stable', () => {
    expect(roomsEventNames(3)).toEqual(['entered_room_1', 'entered_room_2', 'entered_room_3', 'reached_goal', 'time_up']);
    expect(new RoomsEnv({ chainRooms: 7 }).eventNames).toHaveLength(9);
  });

  for (const id of ['FourRooms-v0', 'FourRooms-v1', 'EightRooms-v0', 'EightRooms-v1']) {
    it(`${id}: the registered expert reaches the goal in ≥ 95 % of 40 seeds (solvable starts), with 1 % noise`, () => {
      const factory = expertFor(id)!;
      let solved = 0, episodes = 0, unsolvableReturn = 0;
      for (let seed = 0; seed < 40; seed++) {
        const env = make<Float32Array, number>(id) as Env<Float32Array, number>;
        const inner = env.unwrapped as RoomsEnv;
        const policy = factory(env as Env<unknown, unknown>);
        let obs = env.reset({ seed }).obs, ret = 0, reached = false;
        for (;;) {
          const r = env.step(policy(obs) as number);
          obs = r.obs;
          ret += r.reward;
          if (r.terminated || r.truncated) {
            reached = r.terminated;
            break;
          }
        }
        if (inner.startRoomSolvable(inner.startRoom)) {
          episodes++;
          if (reached) solved++;
        } else unsolvableReturn = ret;
        if (!reached) expect(ret).toBe(1);
      }
      expect(solved / episodes).toBeGreaterThanOrEqual(0.95);
      if (id.endsWith('v0')) expect(unsolvableReturn).toBe(1);
      else expect(episodes).toBe(40);
    });
  }

  it('the same seed gives the same start room and noisy trajectory; start rooms are drawn uniformly', () => {
    const run = (seed: number): number[] => {
      const env = make<Float32Array, number>('EightRooms-v1', { actionNoise: 0.3 });
      const out = Array.from(env.reset({ seed }).obs);
      for (let t = 0; t < 100; t++) out.push(...env.step(t % 4).obs);
      return out;
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    const env = new RoomsEnv();
    const counts = new Array<number>(20).fill(0);
    for (let seed = 0; seed < 2000; seed++) {
      env.reset({ seed });
      counts[env.startRoom]!++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(60); // expected 100 each
  });

  it('onehot observations mark exactly the state index', () => {
    const env = new RoomsEnv({ observation: 'onehot' });
    env.reset({ seed: 2 });
    for (let t = 0; t < 300; t++) {
      const r = env.step(t % 3 === 0 ? E : S);
      expect(r.obs.reduce((a, b) => a + b, 0)).toBe(1);
      expect(r.obs[env.state]).toBe(1);
      if (r.terminated || r.truncated) env.reset();
    }
  });

  it('rejects invalid actions and options with clear errors', () => {
    const env = make('FourRooms-v0');
    env.reset({ seed: 0 });
    expect(() => env.step(4)).toThrow('FourRooms-v0: action 4 is outside Discrete(4) (valid: 0..3)');
    const bare = new RoomsEnv();
    bare.reset({ seed: 0 });
    expect(() => bare.step(-1)).toThrow(/action -1 is outside Discrete\(4\)/);
    expect(() => bare.reset({ options: { startRoom: 20 } })).toThrow('RoomsEnv: reset option startRoom must be an integer in 0..19, got 20');
    expect(() => new RoomsEnv({ actionNoise: 2 })).toThrow('Rooms: option actionNoise must be a number in [0, 1], got 2');
    expect(() => bare.placeAgent(0, 0, 0)).toThrow(/not a passable cell/);
    expect(() => make('FourRooms-v0', { reward: 'soon' })).toThrow(`Rooms: option reward must be one of 'natural', 'delayed', got "soon"`);
  });

  it("reward: 'delayed' (make's DelayedReward) pays the same as natural: all reward is at the last step already", () => {
    for (const seed of [0, 1, 2]) {
      const rewards = (kw: Record<string, unknown>): number[] => {
        const env = make<Float32Array, number>('FourRooms-v1', kw);
        const policy = expertFor('FourRooms-v1')!(env as Env<unknown, unknown>);
        let { obs } = env.reset({ seed });
        const out: number[] = [];
        for (;;) {
          const r = env.step(policy(obs) as number);
          obs = r.obs;
          out.push(r.reward);
          if (r.terminated || r.truncated) return out;
        }
      };
      expect(rewards({ reward: 'delayed' })).toEqual(rewards({}));
    }
  });

  it('renders the room atlas (ansi, rgb_array) from a valid scene', () => {
    const env = new RoomsEnv({ renderMode: 'rgb_array' });
    env.reset({ seed: 0, options: { startRoom: 12 } });
    const s = validateScene(env.scene());
    expect([s.width, s.height]).toEqual([69, 20]);
    expect(s.sprites[0]).toMatchObject({ kind: 'agent', x: 2 * 7 + 3, y: 7 + 3 });
    const f = env.render() as RgbaFrame;
    expect([f.width, f.height]).toEqual([69 * 8, 20 * 8]);
    const a = new RoomsEnv({ renderMode: 'ansi', chainRooms: 7 });
    a.reset({ seed: 0 });
    const text = a.render() as string;
    expect(text).toContain('G');
    expect(text.split('\n')).toHaveLength(20 + 2);
  });
});

describe('Rooms checkEnv', () => {
  it('passes for every registered id and the onehot observation', () => {
    for (const id of ['FourRooms-v0', 'FourRooms-v1', 'EightRooms-v0', 'EightRooms-v1']) expect(checkEnv(make(id).unwrapped).warnings).toEqual([]);
    expect(checkEnv(new RoomsEnv({ observation: 'onehot' })).warnings).toEqual([]);
  });
});
