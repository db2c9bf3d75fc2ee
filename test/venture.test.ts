import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/envs/core/check-env.ts';
import type { Env } from '../src/envs/core/env.ts';
import { InvalidActionError } from '../src/envs/core/errors.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { make } from '../src/envs/core/registry.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { NO_EVENTS, validateScene } from '../src/envs/core/scene.ts';
import {
  KILL_REWARD, MAP_W, MAPS, MAX_ROOM_MONSTERS, OBS_CHANNELS, OBS_DIM, OBS_GRID, TREASURE_REWARD, VENTURE_ACTIONS as A,
  VentureEnv, type VentureOptions,
} from '../src/envs/venture/index.ts';
import '../src/envs/venture/register.ts';

/** Frozen monsters, so that a rule test sets the board up by hand and nothing moves unless it says so. */
const FROZEN: VentureOptions = { hallMonsterSpeed: 0, roomMonsterSpeed: 0, releasedMonsterSpeed: 0 };

function xy(cell: number): [number, number] {
  return [cell % MAP_W, Math.floor(cell / MAP_W)];
}

/** All hall monsters to the hallway's top-right corner, far from every doorway. */
function parkHallMonsters(env: VentureEnv): void {
  env.hallX.fill(17);
  env.hallY.fill(1);
}

/** A fresh env with the player just inside room `n` (through its doorway). */
function inRoom(n: number, options: VentureOptions = {}): VentureEnv {
  const env = new VentureEnv({ ...FROZEN, ...options });
  env.reset({ seed: 0 });
  parkHallMonsters(env);
  const [ox, oy] = xy(MAPS[0]!.outside[n]!);
  const [dx] = xy(MAPS[0]!.doorway[n]!);
  env.px = ox;
  env.py = oy;
  const r = env.step(dx < ox ? A.LEFT : A.RIGHT);
  expect(r.info.events).toEqual([`enter_room_${n}`]);
  expect(env.map).toBe(n);
  expect([env.px, env.py]).toEqual(xy(MAPS[n]!.entry));
  return env;
}

/** Puts the player on (x, y) of the current map, facing `facing` (0..3 = up, right, down, left). */
function teleport(env: VentureEnv, x: number, y: number, facing = 0): void {
  env.px = x;
  env.py = y;
  env.facing = facing;
}

function runExpert(env: Env<Float32Array, number>, seed: number): { ret: number; rewards: number[]; events: string[][]; obs: Float32Array[] } {
  const policy = expertFor('Venture-v0')!(env as Env<unknown, unknown>);
  let { obs } = env.reset({ seed });
  const rewards: number[] = [], events: string[][] = [], obsList: Float32Array[] = [obs.slice()];
  for (;;) {
    const r = env.step(policy(obs) as number);
    obs = r.obs;
    rewards.push(r.reward);
    events.push([...(r.info.events as readonly string[])]);
    obsList.push(obs.slice());
    if (r.terminated || r.truncated) break;
  }
  return { ret: rewards.reduce((a, b) => a + b, 0), rewards, events, obs: obsList };
}

describe('Venture-v0: spaces and observation', () => {
  it('has 6 actions and a [0, 1] Float32 observation of OBS_DIM', () => {
    const env = new VentureEnv();
    expect(env.actionSpace.n).toBe(6);
    expect(env.observationSpace.shape).toEqual([OBS_DIM]);
    const { obs } = env.reset({ seed: 1 });
    expect(obs).toBeInstanceOf(Float32Array);
    expect(obs.length).toBe(OBS_DIM);
    expect(env.observationSpace.contains(obs)).toBe(true);
  });

  it('lays out the map channels, the moving things and the extras as documented', () => {
    const env = new VentureEnv(FROZEN);
    const { obs } = env.reset({ seed: 1 });
    const at = (cell: number, ch: number): number => obs[cell * OBS_CHANNELS + ch]!;
    const start = MAPS[0]!.entry;
    expect(at(start, 3)).toBe(1); // player
    expect(at(0, 0)).toBe(1); // the corner is wall
    expect(at(MAPS[0]!.doorway[1]!, 1)).toBe(1); // door
    for (let k = 0; k < 3; k++) expect(at(env.hallY[k]! * MAP_W + env.hallX[k]!, 4)).toBe(1);
    let ones = 0;
    for (let i = 0; i < OBS_GRID; i++) if (i % OBS_CHANNELS >= 2) ones += obs[i]!;
    expect(ones).toBeLessThanOrEqual(4); // the player and 3 hall monsters (two may share a cell)
    expect(Array.from(obs.subarray(OBS_GRID, OBS_GRID + 5))).toEqual([1, 0, 0, 0, 0]); // hallway
    expect(obs[OBS_GRID + 5]).toBe(1); // facing up
    expect(obs[OBS_GRID + 13]).toBe(1); // 4/4 lives

    const r2 = inRoom(2).step(A.NOOP).obs;
    expect(Array.from(r2.subarray(OBS_GRID, OBS_GRID + 5))).toEqual([0, 0, 1, 0, 0]);
    expect(r2[MAPS[2]!.treasure * OBS_CHANNELS + 2]).toBe(1);
    for (const s of MAPS[2]!.monsterSpawns) expect(r2[s * OBS_CHANNELS + 5]).toBe(1);
    // The player's old cell is cleared when it moves: exactly one player mark.
    let players = 0;
    for (let i = 3; i < OBS_GRID; i += OBS_CHANNELS) players += r2[i]!;
    expect(players).toBe(1);
  });

  it('reuses one result object and observation buffer, and shares frozen event arrays', () => {
    const env = new VentureEnv();
    const { obs } = env.reset({ seed: 2 });
    const r1 = env.step(A.NOOP);
    const r2 = env.step(A.UP);
    expect(r1).toBe(r2);
    expect(r2.obs).toBe(obs);
    expect(r2.info.events).toBe(NO_EVENTS);
    const room = inRoom(1);
    const ev = room.step(A.FIRE).info.events as readonly string[];
    expect(ev).toEqual(['arrow_fired']);
    expect(Object.isFrozen(ev)).toBe(true);
  });
});

describe('Venture-v0: rules', () => {
  it('pays a room monster kill 0 before the room\'s treasure and KILL_REWARD after it', () => {
    const env = inRoom(1);
    const base = 1 * MAX_ROOM_MONSTERS;
    const [mx, my] = [env.roomX[base]!, env.roomY[base]!];
    teleport(env, mx - 3, my, 1); // three cells left of monster 0, facing right
    let r = env.step(A.FIRE);
    expect(r.info.events).toEqual(['arrow_fired']);
    expect(env.arrow).toBe(true);
    r = env.step(A.NOOP); // the arrow flies 2 cells a step: it reaches the monster now
    expect(r.info.events).toEqual(['kill_monster']);
    expect(r.reward).toBe(0);
    expect(env.roomAlive[base]).toBe(0);
    expect(env.arrow).toBe(false);

    const [tx, ty] = xy(MAPS[1]!.treasure);
    teleport(env, tx + 1, ty);
    r = env.step(A.LEFT);
    expect(r.reward).toBe(TREASURE_REWARD[1]);
    const [nx, ny] = [env.roomX[base + 1]!, env.roomY[base + 1]!];
    teleport(env, nx, ny - 4, 2); // above monster 1, facing down
    env.step(A.FIRE);
    r = env.step(A.NOOP);
    expect(r.info.events).toEqual(['kill_monster']);
    expect(r.reward).toBe(KILL_REWARD[1]);
    expect(KILL_REWARD[1]).toBe(100);
  });

  it('stops the arrow at walls, allows one arrow at a time, and does not shoot in the hallway', () => {
    const env = inRoom(1);
    teleport(env, 1, 1, 3); // top-left corner facing the wall
    expect(env.step(A.FIRE).info.events).toEqual(['arrow_fired']);
    expect(env.arrow).toBe(false); // hit the wall at once
    teleport(env, 1, 1, 1);
    env.step(A.FIRE);
    expect(env.arrow).toBe(true);
    expect(env.step(A.FIRE).info.events).toBe(NO_EVENTS); // still in flight
    const hall = new VentureEnv(FROZEN);
    hall.reset({ seed: 0 });
    expect(hall.step(A.FIRE).info.events).toBe(NO_EVENTS);
    expect(hall.arrow).toBe(false);
  });

  it('pays each treasure once, by room', () => {
    for (let n = 1; n <= 4; n++) {
      const env = inRoom(n);
      const [tx, ty] = xy(MAPS[n]!.treasure);
      teleport(env, tx, ty + 1);
      let r = env.step(A.UP);
      expect(r.reward).toBe(TREASURE_REWARD[n]);
      expect(r.info.events).toEqual([`treasure_${n}`]);
      expect(env.taken[n]).toBe(1);
      env.step(A.DOWN);
      r = env.step(A.UP);
      expect(r.reward).toBe(0);
      expect(r.info.events).toBe(NO_EVENTS);
    }
    expect(TREASURE_REWARD.slice(1)).toEqual([200, 300, 400, 500]);
  });

  it('costs a life on contact with a hall monster and restarts at the hallway start', () => {
    const env = new VentureEnv(FROZEN);
    env.reset({ seed: 0 });
    parkHallMonsters(env);
    env.hallX[0] = env.px + 1;
    env.hallY[0] = env.py;
    const r = env.step(A.RIGHT);
    expect(r.info.events).toEqual(['killed_by_hall_monster']);
    expect(env.lives).toBe(3);
    expect(r.terminated).toBe(false);
    expect([env.px, env.py]).toEqual(xy(MAPS[0]!.entry));
    expect(r.obs[OBS_GRID + 13]).toBe(0.75);
    // A hall monster moving onto the player kills too.
    const moving = new VentureEnv({ hallMonsterSpeed: 1 });
    moving.reset({ seed: 0 });
    parkHallMonsters(moving);
    moving.hallX[0] = moving.px;
    moving.hallY[0] = moving.py - 1;
    moving.hallDir[0] = 2; // heading down, onto the player
    let died = false;
    for (let i = 0; i < 20 && !died; i++) died = (moving.step(A.NOOP).info.events as readonly string[]).includes('killed_by_hall_monster');
    expect(died).toBe(true);
  });

  it('costs a life on walking into a room monster', () => {
    const env = inRoom(3);
    const base = 3 * MAX_ROOM_MONSTERS;
    teleport(env, env.roomX[base]! - 1, env.roomY[base]!);
    const r = env.step(A.RIGHT);
    expect(r.info.events).toEqual(['killed_by_room_monster']);
    expect(env.lives).toBe(3);
    expect(env.map).toBe(0);
  });

  it('keeps hall monsters moving while the player is in a room, and leaving puts the player outside the doorway', () => {
    const env = inRoom(4, { hallMonsterSpeed: 1 });
    const before = [...env.hallX, ...env.hallY].join();
    for (let i = 0; i < 3; i++) env.step(A.NOOP);
    expect([...env.hallX, ...env.hallY].join()).not.toBe(before);
    parkHallMonsters(env);
    const [ex, ey] = xy(MAPS[4]!.exit);
    teleport(env, ex + 1, ey);
    const r = env.step(A.LEFT);
    expect(r.info.events).toEqual(['leave_room']);
    expect(env.map).toBe(0);
    expect([env.px, env.py]).toEqual(xy(MAPS[0]!.outside[4]!));
  });

  it('releases a hall monster into the room after lingerSteps steps there, which then chases and kills', () => {
    const env = inRoom(2, { lingerSteps: 5, releasedMonsterSpeed: 1 });
    for (let i = 1; i < 5; i++) expect(env.step(A.NOOP).info.events).toBe(NO_EVENTS);
    const r = env.step(A.NOOP);
    expect(r.info.events).toEqual(['hall_monster_released']);
    expect(env.released).toBe(true);
    expect([env.releasedX, env.releasedY]).toEqual(xy(MAPS[2]!.exit));
    expect(r.obs[OBS_GRID + 15]).toBe(1);
    expect(r.obs[MAPS[2]!.exit * OBS_CHANNELS + 4]).toBe(1);
    // The player stands next to the exit: the released monster steps onto it.
    const r2 = env.step(A.NOOP);
    expect(r2.info.events).toEqual(['killed_by_hall_monster']);
    expect(env.released).toBe(false);
    expect(env.lives).toBe(3);
  });

  it('does not release a hall monster when the player leaves in time', () => {
    const env = inRoom(1, { lingerSteps: 3 });
    env.step(A.NOOP);
    const r = env.step(A.RIGHT); // back out through the exit
    expect(r.info.events).toEqual(['leave_room']);
    for (let i = 0; i < 10; i++) expect(env.step(A.NOOP).info.events).toBe(NO_EVENTS); // the hallway has no linger clock
    expect(env.released).toBe(false);
  });

  it('lets arrows pass through the released hall monster, which cannot be killed', () => {
    const env = inRoom(1, { lingerSteps: 1 });
    expect(env.step(A.NOOP).info.events).toEqual(['hall_monster_released']);
    env.releasedX = 14; // onto the floor of row 6, in the player's line of fire
    teleport(env, 10, 6, 1);
    const events = [A.FIRE, A.NOOP, A.NOOP, A.NOOP].flatMap((a) => [...(env.step(a).info.events as readonly string[])]); // the result object is reused: read it at once
    expect(events).toEqual(['arrow_fired']);
    expect(env.arrow).toBe(false); // spent on the wall beyond
    expect(env.released).toBe(true);
  });

  it('terminates when the last life is lost', () => {
    const env = new VentureEnv({ ...FROZEN, lives: 2 });
    env.reset({ seed: 0 });
    for (let life = 2; life >= 1; life--) {
      parkHallMonsters(env);
      env.hallX[0] = env.px - 1;
      env.hallY[0] = env.py;
      const r = env.step(A.LEFT);
      expect(env.lives).toBe(life - 1);
      expect(r.terminated).toBe(life === 1);
      expect(r.info.events).toEqual(life === 1 ? ['killed_by_hall_monster', 'game_over'] : ['killed_by_hall_monster']);
    }
    const after = env.step(A.NOOP);
    expect(after.reward).toBe(0);
    expect(after.terminated).toBe(true);
  });

  it('terminates when all four treasures are taken', () => {
    const env = inRoom(4);
    env.taken[1] = env.taken[2] = env.taken[3] = 1;
    const [tx, ty] = xy(MAPS[4]!.treasure);
    teleport(env, tx - 1, ty);
    const r = env.step(A.RIGHT);
    expect(r.reward).toBe(500);
    expect(r.terminated).toBe(true);
    expect(r.info.events).toEqual(['treasure_4', 'all_treasures']);
  });

  it('truncates itself at maxSteps', () => {
    const env = new VentureEnv({ ...FROZEN, maxSteps: 10 });
    env.reset({ seed: 0 });
    parkHallMonsters(env);
    for (let i = 1; i <= 10; i++) {
      const r = env.step(A.NOOP);
      expect(r.truncated).toBe(i === 10);
      expect(r.terminated).toBe(false);
    }
  });

  it('pays the whole return at the last step with reward: delayed', () => {
    const natural = runExpert(new VentureEnv(), 7);
    const delayed = runExpert(make<Float32Array, number>('Venture-v0', { reward: 'delayed' }), 7);
    expect(natural.ret).toBeGreaterThanOrEqual(1400);
    expect(delayed.rewards.length).toBe(natural.rewards.length);
    expect(delayed.rewards.slice(0, -1).every((r) => r === 0)).toBe(true);
    expect(delayed.rewards.at(-1)).toBe(natural.ret);
    expect(delayed.events).toEqual(natural.events);
    // A delayed episode cut by the env's own time limit still pays what was earned.
    const short = make<Float32Array, number>('Venture-v0', { reward: 'delayed', maxSteps: 60 });
    const policy = expertFor('Venture-v0')!(short as Env<unknown, unknown>);
    short.reset({ seed: 7 });
    let last = 0;
    for (let i = 0; i < 60; i++) last = short.step(policy(null) as number).reward;
    expect(last).toBe((short.unwrapped as VentureEnv).score);
  });

  it('rejects invalid actions and options with clear errors', () => {
    const env = new VentureEnv();
    env.reset({ seed: 0 });
    for (const bad of [6, -1, 1.5, '1', null]) {
      expect(() => env.step(bad as number)).toThrow(InvalidActionError);
    }
    expect(() => env.step(6)).toThrow(/action 6 .*Discrete\(6\)/);
    expect(() => new VentureEnv({ reward: 'sparse' as 'natural' })).toThrow(`Venture: option reward must be one of 'natural', 'delayed', got "sparse"`);
    expect(() => make('Venture-v0', { reward: 'sparse' })).toThrow(`Venture: option reward must be one of 'natural', 'delayed', got "sparse"`);
    expect(() => new VentureEnv({ lives: 0 })).toThrow(/option lives must be an integer in \[1, 99\], got 0/);
    expect(() => new VentureEnv({ roomMonsterSpeed: 2 })).toThrow(/roomMonsterSpeed/);
    expect(() => new VentureEnv({ renderMode: 'human' as 'ansi' })).toThrow(/renderMode "human"/);
  });
});

describe('Venture-v0: determinism, checkEnv, scene', () => {
  it('replays the same episode from the same seed, monster moves included', () => {
    const play = (seed: number): string => {
      const env = new VentureEnv();
      const rng = new Rng(99);
      let obs = env.reset({ seed }).obs;
      const sums: number[] = [];
      for (let i = 0; i < 300; i++) {
        const r = env.step(rng.integer(6));
        obs = r.obs;
        let h = 0;
        for (let j = 0; j < obs.length; j++) h = (h * 31 + obs[j]! * (j + 1)) % 1e9;
        sums.push(h, r.reward);
        if (r.terminated || r.truncated) obs = env.reset().obs;
      }
      return sums.join();
    };
    expect(play(5)).toBe(play(5));
    expect(play(5)).not.toBe(play(6));
  });

  it('passes checkEnv, directly and through make', () => {
    expect(checkEnv(new VentureEnv()).warnings).toEqual([]);
    const env = make('Venture-v0');
    expect(checkEnv(env.unwrapped).warnings).toEqual([]);
  });

  it('offers a valid scene in the hallway and in a room, and renders ansi and rgb_array from it', () => {
    const env = new VentureEnv({ renderMode: 'ansi' });
    env.reset({ seed: 3 });
    const hall = validateScene(JSON.parse(JSON.stringify(env.scene())));
    expect(hall.hud).toMatchObject({ lives: 4, score: 0, room: 'hallway', treasures: '0/4' });
    expect(hall.sprites.filter((s) => s.kind === 'monster').length).toBe(3);
    expect(hall.sprites.at(-1)).toMatchObject({ kind: 'agent', facing: 'up' });

    const room = inRoom(1, { lingerSteps: 2 });
    room.step(A.FIRE);
    room.step(A.NOOP);
    const s = validateScene(room.scene());
    expect(s.hud.room).toBe('room 1');
    expect(s.sprites.map((p) => p.kind)).toEqual(expect.arrayContaining(['item', 'monster', 'agent']));
    expect(s.sprites.some((p) => p.id === 'hall_monster_released')).toBe(true);
    expect(s.events).toEqual(['hall_monster_released']);

    const text = env.render() as string;
    expect(text.split('\n')[0]).toBe('#'.repeat(MAP_W));
    expect(text).toContain('lives=4');
    const rgb = new VentureEnv({ renderMode: 'rgb_array' });
    rgb.reset({ seed: 3 });
    const f = rgb.render() as { data: Uint8Array; width: number; height: number };
    expect(f.data.length).toBe(f.width * f.height * 4);
    // A taken room's doorway is drawn as done.
    const done = inRoom(2);
    done.taken[2] = 1;
    teleport(done, ...xy(MAPS[2]!.entry));
    done.step(A.LEFT);
    expect(done.scene().layers[0]!.tiles[MAPS[0]!.doorway[2]!]).toBe(4);
  });
});

describe('Venture-v0: expert', () => {
  it('takes all four treasures in ≥ 95 % of 30 seeds through make()', () => {
    const env = make<Float32Array, number>('Venture-v0');
    let wins = 0;
    for (let seed = 0; seed < 30; seed++) {
      const { events } = runExpert(env, seed);
      if (events.at(-1)!.includes('all_treasures')) wins++;
    }
    expect(wins).toBeGreaterThanOrEqual(29);
  });
});
