import { describe, expect, it } from 'vitest';
import {
  CELL, checkEnv, DelayedReward, expertFor, InvalidActionError, KDT_ACTIONS, KDT_EVENTS, KeyDoorTreasureEnv, make, nextKeyDoorTreasureAction,
  validateScene, type Env, type RgbaFrame,
} from '../src/index.ts';

const { LEFT, RIGHT, FORWARD, PICKUP, OPEN } = KDT_ACTIONS;

/** Put the agent at (x, y) facing `facing` (0 E, 1 S, 2 W, 3 N), then turn twice so the observation is rewritten. */
function pose(env: KeyDoorTreasureEnv, x: number, y: number, facing: number): void {
  env.agentX = x;
  env.agentY = y;
  env.facing = facing;
  env.step(LEFT);
  env.step(RIGHT);
}

function findCell(env: KeyDoorTreasureEnv, code: number): [number, number] {
  const i = env.grid.cells.indexOf(code);
  if (i < 0) throw new Error(`no cell ${code}`);
  return [i % env.size, Math.floor(i / env.size)];
}

/** A pose next to (tx, ty) on the left-room side, facing it, with a floor cell to stand on. */
function faceFromWest(env: KeyDoorTreasureEnv, tx: number, ty: number): void {
  pose(env, tx - 1, ty, 0);
}

describe('KeyDoorTreasure-v0 layout', () => {
  it('is a walled N×N grid split by a wall with one locked door, key and agent left, treasure right', () => {
    for (const size of [5, 8, 11]) {
      const env = new KeyDoorTreasureEnv({ size });
      const wallCols = new Set<number>();
      for (let seed = 0; seed < 60; seed++) {
        env.reset({ seed });
        const g = env.grid, n = size;
        for (let i = 0; i < n; i++) {
          for (const [x, y] of [[i, 0], [i, n - 1], [0, i], [n - 1, i]] as const) expect(g.get(x, y)).toBe(CELL.WALL);
        }
        expect(env.wallX).toBeGreaterThanOrEqual(2);
        expect(env.wallX).toBeLessThanOrEqual(n - 3);
        wallCols.add(env.wallX);
        for (let y = 1; y < n - 1; y++) expect(g.get(env.wallX, y)).toBe(y === env.doorY ? CELL.DOOR_LOCKED : CELL.WALL);
        const count = (c: number): number => g.cells.filter((v) => v === c).length;
        expect([count(CELL.KEY), count(CELL.TREASURE), count(CELL.DOOR_LOCKED)]).toEqual([1, 1, 1]);
        const [kx] = findCell(env, CELL.KEY), [tx] = findCell(env, CELL.TREASURE);
        expect(kx).toBeLessThan(env.wallX);
        expect(tx).toBeGreaterThan(env.wallX);
        expect(env.agentX).toBeLessThan(env.wallX);
        expect(g.get(env.agentX, env.agentY)).toBe(CELL.EMPTY);
        expect(env.carrying).toBe(false);
      }
      expect(wallCols.size).toBe(size - 4); // every allowed wall column occurs
    }
  });

  it('maxSteps defaults to 10·N², and the registration has no TimeLimit (the env truncates itself)', () => {
    expect(new KeyDoorTreasureEnv().maxSteps).toBe(640);
    expect(new KeyDoorTreasureEnv({ size: 5 }).maxSteps).toBe(250);
    const env = new KeyDoorTreasureEnv({ maxSteps: 10 });
    env.reset({ seed: 1 });
    for (let t = 1; t <= 10; t++) {
      const r = env.step(LEFT);
      expect(r.truncated).toBe(t === 10);
      expect(r.terminated).toBe(false);
      expect(r.reward).toBe(0);
    }
  });
});

describe('KeyDoorTreasure-v0 rules', () => {
  it('the door stays locked without the key: open does nothing but report tried_locked_door, forward is blocked', () => {
    const env = new KeyDoorTreasureEnv();
    env.reset({ seed: 5 });
    faceFromWest(env, env.wallX, env.doorY);
    const r = env.step(OPEN);
    expect(r.info.events).toEqual([KDT_EVENTS.triedLockedDoor]);
    expect(env.grid.get(env.wallX, env.doorY)).toBe(CELL.DOOR_LOCKED);
    const x = env.agentX;
    expect(env.step(FORWARD).info.events).toEqual([]);
    expect(env.agentX).toBe(x);
  });

  it('pickup takes the key in front once; the key blocks movement before; the observation follows', () => {
    const env = new KeyDoorTreasureEnv();
    for (let seed = 0; seed < 30; seed++) {
      env.reset({ seed });
      const [kx, ky] = findCell(env, CELL.KEY);
      if (kx < 2) continue; // need a free cell west of the key
      if (env.agentX === kx - 1 && env.agentY === ky) continue;
      faceFromWest(env, kx, ky);
      expect(env.step(FORWARD).info.events).toEqual([]);
      expect(env.agentX).toBe(kx - 1); // the key blocks
      const r = env.step(PICKUP);
      expect(r.info.events).toEqual([KDT_EVENTS.pickedUpKey]);
      expect(env.carrying).toBe(true);
      expect(env.grid.get(kx, ky)).toBe(CELL.EMPTY);
      expect(r.obs[ky * env.size + kx]).toBe(CELL.EMPTY);
      expect(r.obs[env.size * env.size + 3]).toBe(1); // carrying
      expect(env.step(PICKUP).info.events).toEqual([]); // nothing left to pick up
      expect(env.step(FORWARD).info.events).toEqual([]);
      expect(env.agentX).toBe(kx);
      return;
    }
    throw new Error('no seed with room west of the key');
  });

  it('with the key, open unlocks the door for good, and walking through reports entered_treasure_room', () => {
    const env = new KeyDoorTreasureEnv();
    env.reset({ seed: 11 });
    env.carrying = true;
    faceFromWest(env, env.wallX, env.doorY);
    expect(env.step(OPEN).info.events).toEqual([KDT_EVENTS.openedDoor]);
    expect(env.grid.get(env.wallX, env.doorY)).toBe(CELL.DOOR_OPEN);
    expect(env.step(OPEN).info.events).toEqual([]); // stays open
    expect(env.step(FORWARD).info.events).toEqual([]); // onto the door
    expect(env.agentX).toBe(env.wallX);
    const r = env.step(FORWARD);
    if (env.wallX + 1 === env.treasureX && env.doorY === env.treasureY) {
      expect(r.info.events).toEqual([KDT_EVENTS.enteredTreasureRoom, KDT_EVENTS.reachedTreasure]);
    } else expect(r.info.events).toEqual([KDT_EVENTS.enteredTreasureRoom]);
    expect(env.agentX).toBe(env.wallX + 1);
  });

  it('reaching the treasure terminates with 1 − 0.9·t/maxSteps', () => {
    for (const seed of [0, 1, 2]) {
      const env = new KeyDoorTreasureEnv();
      env.reset({ seed });
      let t = 0, total = 0;
      for (;;) {
        const r = env.step(nextKeyDoorTreasureAction(env));
        t++;
        total += r.reward;
        if (r.terminated || r.truncated) {
          expect(r.terminated).toBe(true);
          expect(r.info.events).toContain(KDT_EVENTS.reachedTreasure);
          expect(r.reward).toBeCloseTo(1 - (0.9 * t) / 640, 12);
          break;
        }
        expect(r.reward).toBe(0);
      }
      expect(total).toBeGreaterThan(0.9);
    }
  });

  it('turning cycles the facing; forward into a wall stays put', () => {
    const env = new KeyDoorTreasureEnv();
    env.reset({ seed: 2 });
    pose(env, 1, 1, 3); // north, facing the border wall
    expect(env.step(FORWARD).obs.slice(64, 67)).toEqual(new Float32Array([1, 1, 3]));
    const seen = [env.facing];
    for (let i = 0; i < 4; i++) seen.push(env.step(RIGHT).obs[66]!);
    expect(seen).toEqual([3, 0, 1, 2, 3]);
    expect(env.step(LEFT).obs[66]).toBe(2);
  });
});

describe('KeyDoorTreasure-v0 reward options', () => {
  it('distractors: zero-mean ±magnitude rewards at about the given rate, each with an event', () => {
    const env = new KeyDoorTreasureEnv({ distractors: { probability: 0.2, magnitude: 0.05 }, maxSteps: 100_000 });
    env.reset({ seed: 4 });
    let events = 0, sum = 0;
    const n = 20_000;
    for (let t = 0; t < n; t++) {
      const r = env.step(t % 2 === 0 ? LEFT : RIGHT); // never reaches the treasure
      if (r.reward !== 0) {
        expect(Math.abs(r.reward)).toBeCloseTo(0.05, 12);
        expect(r.info.events).toEqual([KDT_EVENTS.distractorReward]);
        events++;
        sum += r.reward;
      } else expect(r.info.events).toEqual([]);
    }
    expect(events / n).toBeGreaterThan(0.19);
    expect(events / n).toBeLessThan(0.21);
    expect(Math.abs(sum / events / 0.05)).toBeLessThan(0.05); // signs balance
  });

  it("reward: 'delayed' pays the natural return at the last step and 0 before", () => {
    const opts = { distractors: true, reward: 'natural' as const };
    const nat = new KeyDoorTreasureEnv(opts), del = make<Float32Array, number>('KeyDoorTreasure-v0', { ...opts, reward: 'delayed' });
    nat.reset({ seed: 8 });
    del.reset({ seed: 8 });
    let natSum = 0, delivered = 0;
    for (;;) {
      const a = nextKeyDoorTreasureAction(nat);
      expect(nextKeyDoorTreasureAction(del.unwrapped as KeyDoorTreasureEnv)).toBe(a);
      const rn = nat.step(a), rd = del.step(a);
      natSum += rn.reward;
      expect(rd.info.events).toEqual(rn.info.events);
      if (rn.terminated || rn.truncated) {
        expect(rd.terminated).toBe(rn.terminated);
        expect(rd.reward).toBeCloseTo(natSum, 12);
        break;
      }
      expect(rd.reward).toBe(0);
      if (rn.reward !== 0) delivered++;
    }
    expect(delivered).toBeGreaterThan(0); // the seed had distractors along the way
  });

  it("reward: 'shaped' adds +0.1 at the key pickup and +0.1 at the door opening, once each", () => {
    const nat = new KeyDoorTreasureEnv({}), sh = new KeyDoorTreasureEnv({ reward: 'shaped' });
    nat.reset({ seed: 12 });
    sh.reset({ seed: 12 });
    let natSum = 0, shSum = 0;
    for (;;) {
      const a = nextKeyDoorTreasureAction(nat);
      const rn = nat.step(a), rs = sh.step(a);
      natSum += rn.reward;
      shSum += rs.reward;
      const ev = rs.info.events as readonly string[];
      const bonus = (ev.includes(KDT_EVENTS.pickedUpKey) ? 0.1 : 0) + (ev.includes(KDT_EVENTS.openedDoor) ? 0.1 : 0);
      expect(rs.reward).toBeCloseTo(rn.reward + bonus, 12);
      if (rn.terminated || rn.truncated) break;
    }
    expect(shSum).toBeCloseTo(natSum + 0.2, 12);
    expect(() => new KeyDoorTreasureEnv({ reward: 'dense' as never })).toThrow(/reward/);
  });
});

describe('KeyDoorTreasure-v0 observation, determinism and errors', () => {
  it('codes: the grid part equals the cells, then [x, y, facing, carrying]; onehot is consistent after random play', () => {
    for (const observation of ['codes', 'onehot'] as const) {
      const env = new KeyDoorTreasureEnv({ observation });
      env.reset({ seed: 9 });
      const n = env.size, C = 9;
      env.actionSpace.seed(1);
      for (let t = 0; t < 400; t++) {
        const r = env.step(env.actionSpace.sample());
        const o = r.obs;
        if (observation === 'codes') {
          expect(Array.from(o.subarray(0, n * n))).toEqual(Array.from(env.grid.cells));
          expect(Array.from(o.subarray(n * n))).toEqual([env.agentX, env.agentY, env.facing, env.carrying ? 1 : 0]);
        } else {
          const expected = new Float32Array(n * n * C);
          for (let i = 0; i < n * n; i++) expected[i * C + env.grid.cells[i]!] = 1;
          expected[(env.agentY * n + env.agentX) * C + 8] = 1;
          expect(o.subarray(0, n * n * C)).toEqual(expected);
          expect(Array.from(o.subarray(n * n * C))).toEqual([0, 1, 2, 3].map((d) => (d === env.facing ? 1 : 0)).concat(env.carrying ? 1 : 0));
        }
        expect(env.observationSpace.contains(o)).toBe(true);
        if (r.terminated || r.truncated) env.reset();
      }
    }
  });

  it('image: [size, size, 13] = one-hot cells, the agent in its facing channel, a carrying plane; it matches the grid after every step', () => {
    for (const size of [5, 8]) {
      const env = new KeyDoorTreasureEnv({ size, observation: 'image' });
      const n = size, C = 13;
      expect(env.observationSpace.shape).toEqual([n, n, C]);
      /** The image written from scratch from the env's state. */
      const expected = (): Float32Array => {
        const img = new Float32Array(n * n * C);
        for (let i = 0; i < n * n; i++) {
          img[i * C + env.grid.cells[i]!] = 1;
          img[i * C + 12] = env.carrying ? 1 : 0;
        }
        img[(env.agentY * n + env.agentX) * C + 8 + env.facing] = 1;
        return img;
      };
      /** Steps whose observation differs from the image written from scratch (toEqual per step is slow). */
      let mismatches = 0;
      const check = (o: Float32Array): void => {
        const e = expected();
        if (o.length !== e.length || o.some((v, i) => v !== e[i])) mismatches++;
      };
      env.actionSpace.seed(2);
      let obs = env.reset({ seed: 11 }).obs;
      expect(obs).toEqual(expected());
      let carried = 0, episodes = 0;
      // Random play with a bias to pickup/open, so keys are carried and doors opened along the way.
      for (let t = 0; t < 3000; t++) {
        const a = t % 3 === 0 ? [PICKUP, OPEN][t % 2]! : env.actionSpace.sample();
        const r = env.step(a);
        obs = r.obs;
        check(obs);
        if (t % 100 === 0) expect(env.observationSpace.contains(obs)).toBe(true);
        if (env.carrying) carried++;
        if (r.terminated || r.truncated) {
          episodes++;
          obs = env.reset().obs;
          check(obs); // the carrying plane is cleared again
        }
      }
      expect(mismatches).toBe(0);
      expect(carried).toBeGreaterThan(100);
      expect(episodes).toBeGreaterThan(3);
    }
  });

  it('image: picking up the key turns the carrying plane on; the agent channel follows turns and moves', () => {
    const env = new KeyDoorTreasureEnv({ size: 6, observation: 'image' });
    env.reset({ seed: 3 });
    const n = 6, C = 13;
    const agentMarks = (o: Float32Array): [number, number][] => {
      const marks: [number, number][] = [];
      for (let i = 0; i < n * n; i++) for (let d = 0; d < 4; d++) if (o[i * C + 8 + d] === 1) marks.push([i, d]);
      return marks;
    };
    const expert = expertFor('KeyDoorTreasure-v0')!(env);
    let r = env.step(expert(null) as number);
    while (!env.carrying) {
      expect(Array.from({ length: n * n }, (_, i) => r.obs[i * C + 12])).toEqual(new Array(n * n).fill(0));
      r = env.step(expert(null) as number);
    }
    expect(Array.from({ length: n * n }, (_, i) => r.obs[i * C + 12])).toEqual(new Array(n * n).fill(1));
    expect(agentMarks(r.obs)).toEqual([[env.agentY * n + env.agentX, env.facing]]);
    r = env.step(LEFT);
    expect(agentMarks(r.obs)).toEqual([[env.agentY * n + env.agentX, env.facing]]);
  });

  it('image: the same seed and actions give the same images (through make)', () => {
    const run = (seed: number): number[] => {
      const env = make<Float32Array, number>('KeyDoorTreasure-v0', { size: 5, observation: 'image' });
      const out = Array.from(env.reset({ seed }).obs);
      for (let t = 0; t < 120; t++) {
        const r = env.step((t * 7) % 5);
        out.push(r.reward, ...r.obs);
        if (r.terminated || r.truncated) break;
      }
      return out;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
    expect(() => new KeyDoorTreasureEnv({ observation: 'pixels' as never })).toThrow(/option observation must be one of 'codes', 'onehot', 'image'/);
  });

  it('the same seed gives the same layout and episode; different seeds differ', () => {
    const run = (seed: number): number[] => {
      const env = make<Float32Array, number>('KeyDoorTreasure-v0', { distractors: true });
      const out = Array.from(env.reset({ seed }).obs);
      for (let t = 0; t < 200; t++) {
        const r = env.step((t * 7) % 5);
        out.push(r.reward, ...r.obs);
        if (r.terminated || r.truncated) break;
      }
      return out;
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3)).not.toEqual(run(4));
  });

  it('rejects invalid actions with a clear error', () => {
    const env = make('KeyDoorTreasure-v0');
    env.reset({ seed: 0 });
    expect(() => env.step(7)).toThrow('KeyDoorTreasure-v0: action 7 is outside Discrete(5) (valid: 0..4)');
    const bare = new KeyDoorTreasureEnv();
    bare.reset({ seed: 0 });
    for (const a of [5, -1, 1.5, '2', null]) expect(() => bare.step(a as number)).toThrow(InvalidActionError);
    expect(() => new KeyDoorTreasureEnv({ size: 4 })).toThrow('KeyDoorTreasure: option size must be an integer in [5, 64], got 4');
    expect(() => new KeyDoorTreasureEnv({ reward: 'soon' as 'shaped' })).toThrow(/option reward must be one of 'natural', 'delayed', 'shaped', got "soon"/);
    expect(() => make('KeyDoorTreasure-v0', { reward: 'soon' })).toThrow(/option reward must be one of 'natural', 'delayed', 'shaped', got "soon"/);
  });

  it('renders ansi and rgb_array from its scene', () => {
    const a = new KeyDoorTreasureEnv({ renderMode: 'ansi' });
    a.reset({ seed: 1 });
    const text = a.render() as string;
    expect(text.split('\n').slice(0, 8).every((l) => l.length === 8)).toBe(true);
    expect(text).toContain('D');
    expect(text).toMatch(/[<>^v]/);
    const b = new KeyDoorTreasureEnv({ renderMode: 'rgb_array' });
    b.reset({ seed: 1 });
    const f = b.render() as RgbaFrame;
    expect([f.width, f.height]).toEqual([128, 128]);
    const s = validateScene(b.scene());
    expect(s.sprites[0]).toMatchObject({ kind: 'agent', x: b.agentX, y: b.agentY });
  });
});

describe('KeyDoorTreasure-v0 expert', () => {
  it('solves ≥ 95 % of 30 seeds at sizes 5, 8 and 12, through make and the expert registry', () => {
    const factory = expertFor('KeyDoorTreasure-v0')!;
    expect(factory).not.toBeNull();
    for (const size of [5, 8, 12]) {
      let solved = 0;
      for (let seed = 0; seed < 30; seed++) {
        const env = make<Float32Array, number>('KeyDoorTreasure-v0', { size }) as Env<Float32Array, number>;
        const policy = factory(env as Env<unknown, unknown>);
        let r = { obs: env.reset({ seed }).obs, terminated: false, truncated: false, reward: 0, info: {} as Record<string, unknown> };
        const events: string[] = [];
        while (!r.terminated && !r.truncated) {
          r = env.step(policy(r.obs) as number);
          events.push(...(r.info.events as string[]));
        }
        if (r.terminated && r.reward > 0) solved++;
        expect(events.slice(0, 2)).toEqual([KDT_EVENTS.pickedUpKey, KDT_EVENTS.openedDoor]);
      }
      expect(solved / 30).toBeGreaterThanOrEqual(0.95);
    }
  });
});

describe('KeyDoorTreasure-v0 checkEnv', () => {
  it('passes for every observation mode and with the reward options', () => {
    expect(checkEnv(new KeyDoorTreasureEnv()).warnings).toEqual([]);
    expect(checkEnv(new KeyDoorTreasureEnv({ size: 5, observation: 'image', reward: 'shaped' })).warnings).toEqual([]);
    expect(checkEnv(make('KeyDoorTreasure-v0', { observation: 'image' }).unwrapped).warnings).toEqual([]);
    // 'delayed' is the DelayedReward wrapper: checked through it, the only warning is that it is wrapped.
    const delayed = new DelayedReward(new KeyDoorTreasureEnv({ observation: 'onehot', distractors: true })) as Env<unknown, unknown>;
    expect(checkEnv(delayed).warnings.filter((w) => !w.includes('the env is wrapped'))).toEqual([]);
    expect(checkEnv(make('KeyDoorTreasure-v0').unwrapped).warnings).toEqual([]);
  });
});
