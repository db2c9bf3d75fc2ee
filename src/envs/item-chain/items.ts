import { DIR } from '../core/directions.ts';
import type { PaletteEntry } from '../core/scene.ts';

/**
 * The data of ItemChain: materials (what a map cell is), items (what the inventory counts), actions,
 * recipes and MineRL ObtainDiamond's reward table. The env (`item-chain.ts`) only interprets these
 * tables, so every rule of the game can be read here.
 */

// ---------------------------------------------------------------------------------------------------
// Materials: one byte per map cell.

export const MAT = Object.freeze({
  /** Outside the map; appears only in the egocentric view. */
  VOID: 0,
  GRASS: 1,
  SAND: 2,
  /** Floor left where a block was mined. */
  PATH: 3,
  WATER: 4,
  TREE: 5,
  STONE: 6,
  COAL: 7,
  IRON: 8,
  DIAMOND: 9,
  TABLE: 10,
  FURNACE: 11,
});

interface MaterialType {
  /** Stable name (scene palette names, messages). */
  name: string;
  color: string;
  char: string;
  /** The agent may stand on it. */
  walkable: boolean;
  /** `place_table` / `place_furnace` may put a station on it (Crafter: grass, sand, path). */
  placeable: boolean;
}

/** Indexed by material code. */
export const MATERIALS: readonly MaterialType[] = Object.freeze([
  { name: 'void', color: '#000000', char: ' ', walkable: false, placeable: false },
  { name: 'grass', color: '#5a9e3a', char: '.', walkable: true, placeable: true },
  { name: 'sand', color: '#d8cc8c', char: ':', walkable: true, placeable: true },
  { name: 'path', color: '#8a7a66', char: '_', walkable: true, placeable: true },
  { name: 'water', color: '#2f5fbf', char: '~', walkable: false, placeable: false },
  { name: 'tree', color: '#1f5f1f', char: 'T', walkable: false, placeable: false },
  { name: 'stone', color: '#7f7f7f', char: '#', walkable: false, placeable: false },
  { name: 'coal', color: '#2a2a2a', char: 'c', walkable: false, placeable: false },
  { name: 'iron', color: '#c89a78', char: 'i', walkable: false, placeable: false },
  { name: 'diamond', color: '#5fe8e8', char: 'D', walkable: false, placeable: false },
  { name: 'table', color: '#a06a2a', char: 't', walkable: false, placeable: false },
  { name: 'furnace', color: '#505060', char: 'f', walkable: false, placeable: false },
]);

export const MATERIAL_COUNT = MATERIALS.length;

/** 1 where the agent may stand, by material code. */
export const WALKABLE = Uint8Array.from(MATERIALS, (m) => (m.walkable ? 1 : 0));
/** 1 where a station may be placed, by material code. */
export const PLACEABLE = Uint8Array.from(MATERIALS, (m) => (m.placeable ? 1 : 0));

export const ITEM_CHAIN_PALETTE: readonly PaletteEntry[] = Object.freeze(
  MATERIALS.map((m, code) => Object.freeze({ code, name: m.name, color: m.color, char: m.char })),
);

// ---------------------------------------------------------------------------------------------------
// Inventory items (MineRL's item ids). The crafting table and furnace are placed in the world the moment
// they are made, so they are never held and have no inventory slot.

export const ITEM = Object.freeze({
  LOG: 0,
  PLANKS: 1,
  STICK: 2,
  COBBLESTONE: 3,
  COAL: 4,
  IRON_ORE: 5,
  IRON_INGOT: 6,
  DIAMOND: 7,
  WOODEN_PICKAXE: 8,
  STONE_PICKAXE: 9,
  IRON_PICKAXE: 10,
});

/** Inventory slot names, in observation order. */
export const ITEM_NAMES: readonly string[] = Object.freeze([
  'log', 'planks', 'stick', 'cobblestone', 'coal', 'iron_ore', 'iron_ingot', 'diamond',
  'wooden_pickaxe', 'stone_pickaxe', 'iron_pickaxe',
]);
export const ITEM_COUNT = ITEM_NAMES.length;

/** A slot holds at most this many (Minecraft's stack size); mining at the cap still removes the block. */
export const MAX_COUNT = 64;

// ---------------------------------------------------------------------------------------------------
// Actions

export const ACTION = Object.freeze({
  NOOP: 0,
  MOVE_LEFT: 1,
  MOVE_RIGHT: 2,
  MOVE_UP: 3,
  MOVE_DOWN: 4,
  /** Crafter's `do`: mine / chop the cell in front. */
  COLLECT: 5,
  PLACE_TABLE: 6,
  PLACE_FURNACE: 7,
  CRAFT_PLANKS: 8,
  CRAFT_STICK: 9,
  CRAFT_WOODEN_PICKAXE: 10,
  CRAFT_STONE_PICKAXE: 11,
  CRAFT_IRON_PICKAXE: 12,
  SMELT_IRON: 13,
});

export const ACTION_NAMES: readonly string[] = Object.freeze([
  'noop', 'move_left', 'move_right', 'move_up', 'move_down', 'collect', 'place_table', 'place_furnace',
  'craft_planks', 'craft_stick', 'craft_wooden_pickaxe', 'craft_stone_pickaxe', 'craft_iron_pickaxe', 'smelt_iron',
]);
export const ACTION_COUNT = ACTION_NAMES.length;

/** Facing direction of each move action (core/directions.ts: 0 = east, 1 = south, 2 = west, 3 = north), -1 for others. */
export const MOVE_DIR = Int8Array.from(ACTION_NAMES, (name) => ({ move_right: DIR.EAST, move_down: DIR.SOUTH, move_left: DIR.WEST, move_up: DIR.NORTH } as Record<string, number>)[name] ?? -1);

// ---------------------------------------------------------------------------------------------------
// Collecting: what `collect` yields from the cell in front, and the tool it needs (Crafter's rules with
// MineRL's items). A mined block becomes path; a felled tree becomes grass.

export interface CollectRule {
  material: number;
  item: number;
  /** The tool that must be held (not consumed), or -1. */
  tool: number;
  /** The cell left behind. */
  leaves: number;
}

export const COLLECT_RULES: readonly CollectRule[] = Object.freeze([
  { material: MAT.TREE, item: ITEM.LOG, tool: -1, leaves: MAT.GRASS },
  { material: MAT.STONE, item: ITEM.COBBLESTONE, tool: ITEM.WOODEN_PICKAXE, leaves: MAT.PATH },
  { material: MAT.COAL, item: ITEM.COAL, tool: ITEM.WOODEN_PICKAXE, leaves: MAT.PATH },
  { material: MAT.IRON, item: ITEM.IRON_ORE, tool: ITEM.STONE_PICKAXE, leaves: MAT.PATH },
  { material: MAT.DIAMOND, item: ITEM.DIAMOND, tool: ITEM.IRON_PICKAXE, leaves: MAT.PATH },
]);

/** The collect rule of each material code (undefined: `collect` does nothing there). */
export const COLLECT_BY_MATERIAL: readonly (CollectRule | undefined)[] = Object.freeze(
  MATERIALS.map((_, code) => COLLECT_RULES.find((r) => r.material === code)),
);

// ---------------------------------------------------------------------------------------------------
// Recipes (Minecraft's quantities, as MineRL's `craft` / `nearbyCraft` / `nearbySmelt` use them).

/** Where a recipe may be made: anywhere, within NEARBY of a table, or within NEARBY of a furnace. */
export type Station = 'none' | 'table' | 'furnace';

/** "Nearby" is the 3×3 square around the agent (Crafter's `world.nearby(pos, 1)`). */
export const NEARBY = 1;

export interface Recipe {
  action: number;
  /** Stable name of the recipe (the event `craft_…` / `place_…` / `smelt_…`). */
  event: string;
  /** Items consumed, as [item, count] pairs. */
  inputs: readonly (readonly [number, number])[];
  station: Station;
  /** The inventory item made and how many, or -1 for a placed station. */
  output: number;
  outputCount: number;
  /** For a placed station: the material put on the cell in front (which must be grass, sand or path). */
  places: number;
}

/**
 * Recipe table:
 *
 * | action | consumes | station | gives |
 * |---|---|---|---|
 * | craft_planks | 1 log | — | 4 planks |
 * | craft_stick | 2 planks | — | 4 sticks |
 * | place_table | 4 planks | — (front cell grass/sand/path) | a crafting table in front |
 * | craft_wooden_pickaxe | 3 planks + 2 sticks | table | 1 wooden pickaxe |
 * | craft_stone_pickaxe | 3 cobblestone + 2 sticks | table | 1 stone pickaxe |
 * | place_furnace | 8 cobblestone | table (front cell grass/sand/path) | a furnace in front |
 * | smelt_iron | 1 iron ore + 1 fuel (coal, else planks) | furnace | 1 iron ingot |
 * | craft_iron_pickaxe | 3 iron ingots + 2 sticks | table | 1 iron pickaxe |
 *
 * Fuel is one coal per ingot, or one plank when no coal is held (Minecraft burns 8 items per coal and
 * 1.5 per plank; one unit per ingot keeps the counts simple).
 */
export const RECIPES: readonly Recipe[] = Object.freeze([
  { action: ACTION.CRAFT_PLANKS, event: 'craft_planks', inputs: [[ITEM.LOG, 1]], station: 'none', output: ITEM.PLANKS, outputCount: 4, places: -1 },
  { action: ACTION.CRAFT_STICK, event: 'craft_stick', inputs: [[ITEM.PLANKS, 2]], station: 'none', output: ITEM.STICK, outputCount: 4, places: -1 },
  { action: ACTION.PLACE_TABLE, event: 'place_table', inputs: [[ITEM.PLANKS, 4]], station: 'none', output: -1, outputCount: 0, places: MAT.TABLE },
  { action: ACTION.CRAFT_WOODEN_PICKAXE, event: 'craft_wooden_pickaxe', inputs: [[ITEM.PLANKS, 3], [ITEM.STICK, 2]], station: 'table', output: ITEM.WOODEN_PICKAXE, outputCount: 1, places: -1 },
  { action: ACTION.CRAFT_STONE_PICKAXE, event: 'craft_stone_pickaxe', inputs: [[ITEM.COBBLESTONE, 3], [ITEM.STICK, 2]], station: 'table', output: ITEM.STONE_PICKAXE, outputCount: 1, places: -1 },
  { action: ACTION.PLACE_FURNACE, event: 'place_furnace', inputs: [[ITEM.COBBLESTONE, 8]], station: 'table', output: -1, outputCount: 0, places: MAT.FURNACE },
  // Fuel is handled by the env (coal first, else a plank); only the ore is listed here.
  { action: ACTION.SMELT_IRON, event: 'smelt_iron', inputs: [[ITEM.IRON_ORE, 1]], station: 'furnace', output: ITEM.IRON_INGOT, outputCount: 1, places: -1 },
  { action: ACTION.CRAFT_IRON_PICKAXE, event: 'craft_iron_pickaxe', inputs: [[ITEM.IRON_INGOT, 3], [ITEM.STICK, 2]], station: 'table', output: ITEM.IRON_PICKAXE, outputCount: 1, places: -1 },
]);

/** The recipe of each action (undefined for moves, noop and collect). */
export const RECIPE_BY_ACTION: readonly (Recipe | undefined)[] = Object.freeze(
  ACTION_NAMES.map((_, a) => RECIPES.find((r) => r.action === a)),
);

// ---------------------------------------------------------------------------------------------------
// Rewards: MineRLObtainDiamond-v0 (envs-ppo.md §4, rudder.md §4.2), each item paid once per episode, the
// first time it is obtained. The table and furnace count as obtained when placed.

export interface Milestone {
  /** MineRL's item id. */
  name: string;
  reward: number;
}

export const MILESTONES: readonly Milestone[] = Object.freeze([
  { name: 'log', reward: 1 },
  { name: 'planks', reward: 2 },
  { name: 'stick', reward: 4 },
  { name: 'crafting_table', reward: 4 },
  { name: 'wooden_pickaxe', reward: 8 },
  { name: 'cobblestone', reward: 16 },
  { name: 'furnace', reward: 32 },
  { name: 'stone_pickaxe', reward: 32 },
  { name: 'iron_ore', reward: 64 },
  { name: 'iron_ingot', reward: 128 },
  { name: 'iron_pickaxe', reward: 256 },
  { name: 'diamond', reward: 1024 },
]);

/** The largest return of an episode: every milestone once. */
export const MAX_RETURN = MILESTONES.reduce((s, m) => s + m.reward, 0); // 1571

const milestoneIndex = (name: string): number => MILESTONES.findIndex((m) => m.name === name);

/** Milestone index of each inventory item (-1: not rewarded, e.g. coal). */
export const ITEM_MILESTONE = Int8Array.from(ITEM_NAMES, (n) => milestoneIndex(n));
export const TABLE_MILESTONE = milestoneIndex('crafting_table');
export const FURNACE_MILESTONE = milestoneIndex('furnace');

// ---------------------------------------------------------------------------------------------------
// Events (`info.events`): what an action did, then `obtain_<item>` the first time a milestone is reached.

export const ITEM_CHAIN_EVENTS: readonly string[] = Object.freeze([
  ...COLLECT_RULES.map((r) => `collect_${ITEM_NAMES[r.item]!}`),
  ...RECIPES.map((r) => r.event),
  ...MILESTONES.map((m) => `obtain_${m.name}`),
  /** A craft, place or smelt without its inputs, station or a free front cell; or collect without the tool. */
  'requirement_missing',
]);
