import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/envs/core/check-env.ts';
import type { Env } from '../src/envs/core/env.ts';
import { InvalidActionError } from '../src/envs/core/errors.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { make } from '../src/envs/core/registry.ts';
import { NO_EVENTS, validateScene } from '../src/envs/core/scene.ts';
import { Rng } from '../src/envs/core/rng.ts';
import {
  ACTION, ACTION_COUNT, ITEM, ITEM_COUNT, ItemChainEnv, ItemChainPlanner, MAT, MATERIAL_COUNT, MAX_RETURN, MILESTONES,
  generateWorld, missingResources, type ItemChainOptions,
} from '../src/envs/item-chain/index.ts';
import '../src/envs/item-chain/register.ts';

/** A seeded env whose map is then replaced by open grass, the agent at (5, 5) facing east, holding `inv`. */
function sandbox(inv: Partial<Record<keyof typeof ITEM, number>> = {}, options: ItemChainOptions = {}): ItemChainEnv {
  const env = new ItemChainEnv({ size: 16, ...options });
  env.reset({ seed: 0 });
  env.cells.fill(MAT.GRASS);
  env.agentX = 5;
  env.agentY = 5;
  env.facing = 0;
  for (const [k, v] of Object.entries(inv)) env.inventory[ITEM[k as keyof typeof ITEM]] = v;
  return env;
}

const at = (env: ItemChainEnv, x: number, y: number): number => env.cells[y * env.size + x]!;
const set = (env: ItemChainEnv, x: number, y: number, m: number): void => void (env.cells[y * env.size + x] = m);

/** Runs the expert for one episode; returns rewards and events per step. */
function runExpert(env: Env<Float32Array, number>, seed: number): { rewards: number[]; events: (readonly string[])[]; terminated: boolean; truncated: boolean } {
  env.reset({ seed });
  const planner = new ItemChainPlanner(env.unwrapped as ItemChainEnv);
  const rewards: number[] = [], events: (readonly string[])[] = [];
  for (;;) {
    const r = env.step(planner.next());
    rewards.push(r.reward);
    events.push(r.info.events as readonly string[]);
    if (r.terminated || r.truncated) return { rewards, events, terminated: r.terminated, truncated: r.truncated };
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('ItemChain-v0 recipes', () => {
  it('crafts planks and sticks anywhere, only with their inputs', () => {
    const env = sandbox();
    let r = env.step(ACTION.CRAFT_PLANKS);
    expect(r.info.events).toEqual(['requirement_missing']);
    expect(r.reward).toBe(0);
    expect(Array.from(env.inventory)).toEqual(new Array(ITEM_COUNT).fill(0));
    env.inventory[ITEM.LOG] = 1;
    r = env.step(ACTION.CRAFT_PLANKS);
    expect(r.info.events).toEqual(['craft_planks', 'obtain_planks']);
    expect(r.reward).toBe(2);
    expect(env.inventory[ITEM.LOG]).toBe(0);
    expect(env.inventory[ITEM.PLANKS]).toBe(4);
    r = env.step(ACTION.CRAFT_STICK);
    expect(r.reward).toBe(4);
    expect([env.inventory[ITEM.PLANKS], env.inventory[ITEM.STICK]]).toEqual([2, 4]);
    env.step(ACTION.CRAFT_STICK);
    r = env.step(ACTION.CRAFT_STICK); // no planks left
    expect(r.info.events).toEqual(['requirement_missing']);
    expect([env.inventory[ITEM.PLANKS], env.inventory[ITEM.STICK]]).toEqual([0, 8]);
  });

  it('needs a table nearby for pickaxes and the furnace, and a furnace for smelting', () => {
    const env = sandbox({ PLANKS: 7, STICK: 6, COBBLESTONE: 11, IRON_ORE: 3, COAL: 3 });
    for (const a of [ACTION.CRAFT_WOODEN_PICKAXE, ACTION.CRAFT_STONE_PICKAXE, ACTION.PLACE_FURNACE, ACTION.SMELT_IRON]) {
      const before = Array.from(env.inventory);
      expect(env.step(a).info.events).toEqual(['requirement_missing']);
      expect(Array.from(env.inventory)).toEqual(before);
    }
    let r = env.step(ACTION.PLACE_TABLE); // 4 planks, on the grass in front (east)
    expect(r.info.events).toEqual(['place_table', 'obtain_crafting_table']);
    expect(at(env, 6, 5)).toBe(MAT.TABLE);
    expect(env.inventory[ITEM.PLANKS]).toBe(3);
    // Two cells away is not nearby.
    env.agentX = 4;
    expect(env.step(ACTION.CRAFT_WOODEN_PICKAXE).info.events).toEqual(['requirement_missing']);
    env.agentX = 5;
    env.agentY = 4; // diagonal neighbour of the table: nearby (3×3)
    r = env.step(ACTION.CRAFT_WOODEN_PICKAXE);
    expect(r.info.events).toEqual(['craft_wooden_pickaxe', 'obtain_wooden_pickaxe']);
    expect([env.inventory[ITEM.PLANKS], env.inventory[ITEM.STICK], env.inventory[ITEM.WOODEN_PICKAXE]]).toEqual([0, 4, 1]);
    r = env.step(ACTION.CRAFT_STONE_PICKAXE);
    expect(r.reward).toBe(32);
    expect([env.inventory[ITEM.COBBLESTONE], env.inventory[ITEM.STICK]]).toEqual([8, 2]);
    // The furnace goes on the free cell in front; facing the table, there is none.
    env.agentY = 5;
    expect(env.step(ACTION.PLACE_FURNACE).info.events).toEqual(['requirement_missing']);
    env.step(ACTION.MOVE_UP); // turns north and steps to (5, 4); the front (5, 3) is grass
    r = env.step(ACTION.PLACE_FURNACE);
    expect(r.info.events).toEqual(['place_furnace', 'obtain_furnace']);
    expect(r.reward).toBe(32);
    expect(at(env, 5, 3)).toBe(MAT.FURNACE);
    expect(env.inventory[ITEM.COBBLESTONE]).toBe(0);
    r = env.step(ACTION.SMELT_IRON);
    expect(r.info.events).toEqual(['smelt_iron', 'obtain_iron_ingot']);
    expect([env.inventory[ITEM.IRON_ORE], env.inventory[ITEM.COAL], env.inventory[ITEM.IRON_INGOT]]).toEqual([2, 2, 1]);
    // Not enough ingots yet; then enough.
    expect(env.step(ACTION.CRAFT_IRON_PICKAXE).info.events).toEqual(['requirement_missing']);
    env.step(ACTION.SMELT_IRON);
    env.step(ACTION.SMELT_IRON);
    r = env.step(ACTION.CRAFT_IRON_PICKAXE);
    expect(r.info.events).toEqual(['craft_iron_pickaxe', 'obtain_iron_pickaxe']);
    expect(r.reward).toBe(256);
    expect([env.inventory[ITEM.IRON_INGOT], env.inventory[ITEM.STICK], env.inventory[ITEM.IRON_PICKAXE]]).toEqual([0, 0, 1]);
  });

  it('burns a plank when no coal is held, and cannot smelt without fuel', () => {
    const env = sandbox({ IRON_ORE: 2, PLANKS: 1 });
    set(env, 6, 5, MAT.FURNACE);
    env.step(ACTION.SMELT_IRON);
    expect([env.inventory[ITEM.IRON_ORE], env.inventory[ITEM.PLANKS], env.inventory[ITEM.IRON_INGOT]]).toEqual([1, 0, 1]);
    expect(env.step(ACTION.SMELT_IRON).info.events).toEqual(['requirement_missing']);
    expect(env.inventory[ITEM.IRON_ORE]).toBe(1);
  });

  it('places stations only on grass, sand or path, inside the map', () => {
    const env = sandbox({ PLANKS: 8 });
    set(env, 6, 5, MAT.WATER);
    expect(env.step(ACTION.PLACE_TABLE).info.events).toEqual(['requirement_missing']);
    env.agentX = env.size - 1; // facing east, off the map
    expect(env.step(ACTION.PLACE_TABLE).info.events).toEqual(['requirement_missing']);
    expect(env.inventory[ITEM.PLANKS]).toBe(8);
  });
});

describe('ItemChain-v0 collecting', () => {
  it('gates mining by tools (Crafter): wood by hand, stone and coal by wooden, iron by stone, diamond by iron pickaxe', () => {
    const cases: [number, number, number, number][] = [
      // material, item, tool, what the cell becomes
      [MAT.TREE, ITEM.LOG, -1, MAT.GRASS],
      [MAT.STONE, ITEM.COBBLESTONE, ITEM.WOODEN_PICKAXE, MAT.PATH],
      [MAT.COAL, ITEM.COAL, ITEM.WOODEN_PICKAXE, MAT.PATH],
      [MAT.IRON, ITEM.IRON_ORE, ITEM.STONE_PICKAXE, MAT.PATH],
      [MAT.DIAMOND, ITEM.DIAMOND, ITEM.IRON_PICKAXE, MAT.PATH],
    ];
    for (const [material, item, tool, leaves] of cases) {
      const env = sandbox();
      set(env, 6, 5, material);
      if (tool >= 0) {
        // Every lesser tool fails.
        for (const lesser of [ITEM.WOODEN_PICKAXE, ITEM.STONE_PICKAXE, ITEM.IRON_PICKAXE].filter((t) => t < tool)) env.inventory[lesser] = 1;
        const r = env.step(ACTION.COLLECT);
        expect(r.info.events).toEqual(['requirement_missing']);
        expect(at(env, 6, 5)).toBe(material);
        expect(env.inventory[item]).toBe(0);
        env.inventory[tool] = 1;
      }
      const r = env.step(ACTION.COLLECT);
      expect((r.info.events as readonly string[])[0]).toMatch(/^collect_/);
      expect(env.inventory[item]).toBe(1);
      expect(at(env, 6, 5)).toBe(leaves);
    }
  });

  it('does nothing on grass, water or stations, and moves only onto walkable cells', () => {
    const env = sandbox();
    for (const m of [MAT.GRASS, MAT.WATER, MAT.TABLE]) {
      set(env, 6, 5, m);
      expect(env.step(ACTION.COLLECT).info.events).toBe(NO_EVENTS);
    }
    set(env, 6, 5, MAT.WATER);
    env.step(ACTION.MOVE_RIGHT);
    expect([env.agentX, env.agentY, env.facing]).toEqual([5, 5, 0]);
    env.step(ACTION.MOVE_DOWN);
    expect([env.agentX, env.agentY, env.facing]).toEqual([5, 6, 1]);
    env.agentY = env.size - 1;
    env.step(ACTION.MOVE_DOWN); // the map edge blocks
    expect(env.agentY).toBe(env.size - 1);
  });
});

describe('ItemChain-v0 rewards', () => {
  it('pays each MineRL milestone once, with its amount; the expert collects 1571', () => {
    const env = new ItemChainEnv();
    const { rewards, events, terminated } = runExpert(env, 3);
    expect(terminated).toBe(true);
    expect(sum(rewards)).toBe(1571);
    expect(MAX_RETURN).toBe(1571);
    const table = Object.fromEntries(MILESTONES.map((m) => [m.name, m.reward]));
    expect(table).toEqual({
      log: 1, planks: 2, stick: 4, crafting_table: 4, wooden_pickaxe: 8, cobblestone: 16, furnace: 32,
      stone_pickaxe: 32, iron_ore: 64, iron_ingot: 128, iron_pickaxe: 256, diamond: 1024,
    });
    const seen = new Map<string, number>();
    events.forEach((evs, t) => {
      const paid = evs.filter((e) => e.startsWith('obtain_')).map((e) => table[e.slice('obtain_'.length)]!);
      expect(rewards[t]).toBe(sum(paid)); // reward only on first-obtain steps, with the milestones' amounts
      for (const e of evs) seen.set(e, (seen.get(e) ?? 0) + 1);
    });
    for (const m of MILESTONES) expect(seen.get(`obtain_${m.name}`)).toBe(1);
    // Repeated collecting / crafting happens, but is not paid again.
    expect(seen.get('collect_log')!).toBeGreaterThan(1);
    expect(seen.get('collect_cobblestone')!).toBeGreaterThan(1);
  });

  it('delayed: the whole return at the last step and 0 elsewhere (diamond, and step limit)', () => {
    const natural = runExpert(new ItemChainEnv(), 5);
    const delayed = runExpert(make<Float32Array, number>('ItemChain-v0', { reward: 'delayed' }), 5);
    expect(delayed.rewards.length).toBe(natural.rewards.length);
    expect(delayed.rewards.slice(0, -1).every((r) => r === 0)).toBe(true);
    expect(delayed.rewards.at(-1)).toBe(1571);
    // Cut by the step limit half-way: the partial return is paid at the truncating step.
    const half = Math.floor(natural.rewards.length / 2);
    const cut = runExpert(make<Float32Array, number>('ItemChain-v0', { reward: 'delayed', maxSteps: half }), 5);
    expect(cut.truncated).toBe(true);
    expect(cut.terminated).toBe(false);
    expect(cut.rewards.length).toBe(half);
    expect(cut.rewards.slice(0, -1).every((r) => r === 0)).toBe(true);
    expect(cut.rewards.at(-1)).toBe(sum(natural.rewards.slice(0, half)));
  });

  it('ends the episode on the diamond; further steps pay nothing', () => {
    const env = sandbox({ IRON_PICKAXE: 1 });
    set(env, 6, 5, MAT.DIAMOND);
    env.step(ACTION.NOOP);
    const r = env.step(ACTION.COLLECT);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(false);
    expect(r.info.events).toEqual(['collect_diamond', 'obtain_diamond']);
    expect(r.reward).toBe(1024);
    const after = env.step(ACTION.COLLECT);
    expect([after.reward, after.terminated, after.info.events]).toEqual([0, true, NO_EVENTS]);
  });

  it('truncates itself at maxSteps', () => {
    const env = new ItemChainEnv({ maxSteps: 5 });
    env.reset({ seed: 1 });
    const flags = Array.from({ length: 5 }, () => env.step(ACTION.NOOP).truncated);
    expect(flags).toEqual([false, false, false, false, true]);
  });
});

describe('ItemChain-v0 world', () => {
  it('is deterministic under reset({ seed }) and differs between seeds', () => {
    const a = new ItemChainEnv(), b = new ItemChainEnv();
    a.reset({ seed: 42 });
    b.reset({ seed: 42 });
    expect(Array.from(a.cells)).toEqual(Array.from(b.cells));
    const rng = new Rng(7);
    for (let t = 0; t < 300; t++) {
      const act = rng.integer(ACTION_COUNT);
      const ra = a.step(act), rb = b.step(act);
      expect(ra.reward).toBe(rb.reward);
      expect(ra.info.events).toBe(rb.info.events);
    }
    expect(Array.from(a.step(0).obs)).toEqual(Array.from(b.step(0).obs));
    const maps = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      a.reset({ seed });
      maps.add(Array.from(a.cells).join(''));
    }
    expect(maps.size).toBe(10);
  });

  it('always generates the resources of the chain within reach (map sizes 16, 32, 64)', () => {
    for (const size of [16, 32, 64]) {
      const cells = new Uint8Array(size * size);
      for (let seed = 0; seed < 40; seed++) {
        const { spawnX, spawnY } = generateWorld(cells, size, new Rng(seed));
        expect(missingResources(cells, size, spawnX, spawnY)).toBeNull();
        expect(cells[spawnY * size + spawnX]).toBe(MAT.GRASS);
      }
    }
  });
});

describe('ItemChain-v0 observation', () => {
  it('is the one-hot 9×9 view centred on the agent, facing one-hot, then inventory counts', () => {
    const env = sandbox({ LOG: 2, WOODEN_PICKAXE: 1 });
    set(env, 6, 5, MAT.TREE);
    env.agentX = 1; // the view's left columns are outside the map
    set(env, 2, 5, MAT.STONE);
    const obs = env.step(ACTION.NOOP).obs;
    expect(obs.length).toBe(9 * 9 * MATERIAL_COUNT + 4 + ITEM_COUNT);
    expect(env.observationSpace.contains(obs)).toBe(true);
    const cellCode = (vx: number, vy: number): number => {
      const o = (vy * 9 + vx) * MATERIAL_COUNT;
      const hot = Array.from(obs.subarray(o, o + MATERIAL_COUNT));
      expect(hot.reduce((s, v) => s + v, 0)).toBe(1);
      return hot.indexOf(1);
    };
    expect(cellCode(4, 4)).toBe(MAT.GRASS); // the agent's own cell
    expect(cellCode(5, 4)).toBe(MAT.STONE); // east of the agent
    expect(cellCode(0, 4)).toBe(MAT.VOID); // x = −3
    expect(cellCode(2, 4)).toBe(MAT.VOID); // x = −1
    expect(cellCode(3, 4)).toBe(MAT.GRASS); // x = 0
    const extras = obs.subarray(9 * 9 * MATERIAL_COUNT);
    expect(Array.from(extras.subarray(0, 4))).toEqual([1, 0, 0, 0]); // facing east
    expect(extras[4 + ITEM.LOG]).toBe(2);
    expect(extras[4 + ITEM.WOODEN_PICKAXE]).toBe(1);
    // Moving shifts the view.
    env.step(ACTION.MOVE_DOWN);
    expect(cellCode(5, 3)).toBe(MAT.STONE);
    expect(Array.from(extras.subarray(0, 4))).toEqual([0, 1, 0, 0]);
  });

  it('offers codes and a full-map view, kept in sync with mining and moves', () => {
    const env = new ItemChainEnv({ size: 16, view: 'full', encoding: 'codes' });
    env.reset({ seed: 9 });
    const obs = env.step(ACTION.NOOP).obs;
    expect(obs.length).toBe(16 * 16 + 4 + ITEM_COUNT + 2);
    expect(Array.from(obs.subarray(0, 256))).toEqual(Array.from(env.cells));
    const planner = new ItemChainPlanner(env);
    for (let t = 0; t < 60; t++) env.step(planner.next());
    expect(Array.from(obs.subarray(0, 256))).toEqual(Array.from(env.cells));
    expect(Array.from(obs.subarray(256 + 4 + ITEM_COUNT))).toEqual([env.agentX, env.agentY]);
    expect(env.observationSpace.contains(obs)).toBe(true);
    const oneHot = new ItemChainEnv({ size: 16, view: 'full' });
    const o2 = oneHot.reset({ seed: 9 }).obs;
    for (let i = 0; i < 256; i++) expect(o2[i * MATERIAL_COUNT + oneHot.cells[i]!]).toBe(1);
  });

  it('rejects bad options with clear errors', () => {
    expect(() => new ItemChainEnv({ view: 8 })).toThrow(/view must be odd/);
    expect(() => new ItemChainEnv({ encoding: 'rgb' as 'codes' })).toThrow(/encoding must be one of/);
    expect(() => new ItemChainEnv({ size: 8 })).toThrow(/size must be an integer in \[16, 128\]/);
  });
});

describe('ItemChain-v0 contract', () => {
  it('passes checkEnv (direct and made)', () => {
    expect(() => checkEnv(new ItemChainEnv())).not.toThrow();
    expect(() => checkEnv(make('ItemChain-v0').unwrapped)).not.toThrow();
  });

  it('rejects invalid actions with a clear error', () => {
    const env = new ItemChainEnv();
    env.reset({ seed: 0 });
    for (const bad of [14, -1, 1.5, '3', null]) expect(() => env.step(bad as number)).toThrow(InvalidActionError);
    expect(() => env.step(14)).toThrow(/action 14 is outside Discrete\(14\)/);
  });

  it('reuses the step result and reports frozen, shared events', () => {
    const env = new ItemChainEnv();
    env.reset({ seed: 0 });
    const r1 = env.step(ACTION.NOOP);
    const r2 = env.step(ACTION.CRAFT_PLANKS);
    expect(r1).toBe(r2);
    expect(r1.info.events).toEqual(['requirement_missing']);
    expect(Object.isFrozen(r1.info.events)).toBe(true);
    expect(env.step(ACTION.CRAFT_PLANKS).info.events).toBe(r2.info.events);
  });

  it('offers a valid scene and renders ansi and rgb_array from it', () => {
    const env = new ItemChainEnv({ renderMode: 'ansi' });
    env.reset({ seed: 2 });
    env.step(ACTION.COLLECT);
    const scene = validateScene(JSON.parse(JSON.stringify(env.scene())));
    expect(scene.width).toBe(32);
    expect(scene.sprites[0]).toMatchObject({ kind: 'agent', x: env.agentX, y: env.agentY, facing: 'down' });
    expect(scene.hud).toMatchObject({ step: 1, log: 0, iron_pickaxe: 0 });
    expect(scene.palette.map((p) => p.name)).toContain('diamond');
    const text = env.render() as string;
    expect(text.split('\n')[env.agentY]![env.agentX]).toBe('v');
    const rgb = new ItemChainEnv({ renderMode: 'rgb_array' });
    rgb.reset({ seed: 2 });
    const frame = rgb.render() as { data: Uint8Array; width: number; height: number };
    expect([frame.width, frame.height, frame.data.length]).toEqual([384, 384, 384 * 384 * 4]);
  });
});

describe('ItemChain-v0 expert', () => {
  it('obtains the diamond on ≥ 95 % of 24 seeds through make() and the registered expert', () => {
    let wins = 0;
    for (let seed = 100; seed < 124; seed++) {
      const env = make<Float32Array, number>('ItemChain-v0');
      const policy = expertFor('ItemChain-v0')!(env as never);
      let { obs } = env.reset({ seed });
      let ret = 0;
      for (;;) {
        const r = env.step(policy(obs) as number);
        obs = r.obs;
        ret += r.reward;
        if (r.terminated || r.truncated) {
          if (r.terminated && ret === 1571) wins++;
          break;
        }
      }
    }
    expect(wins / 24).toBeGreaterThanOrEqual(0.95);
  });

  it('also wins on small and large maps', () => {
    for (const size of [16, 64]) {
      const env = new ItemChainEnv({ size, maxSteps: 5000 });
      let wins = 0;
      for (let seed = 0; seed < 10; seed++) if (runExpert(env, seed).terminated) wins++;
      expect(wins).toBeGreaterThanOrEqual(9);
    }
  });
});
