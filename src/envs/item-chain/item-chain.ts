import { EMPTY_INFO, type EnvStateSpec, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import { SceneRenderedEnv } from '../core/scene-rendered-env.ts';
import { EventTable, oneLayerScene, type Scene } from '../core/scene.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { DIR_DX, DIR_DY, DIR_FACING } from '../core/directions.ts';
import { numberIn, oneOf, rewardOption } from '../core/env-options.ts';
import { finishedEpisodeStep } from '../core/finished-episode.ts';
import {
  ACTION, ACTION_COUNT, ACTION_NAMES, COLLECT_BY_MATERIAL, FURNACE_MILESTONE, ITEM, ITEM_CHAIN_EVENTS, ITEM_CHAIN_PALETTE, ITEM_COUNT,
  ITEM_MILESTONE, ITEM_NAMES, MAT, MATERIAL_COUNT, MAX_COUNT, MILESTONES, MOVE_DIR, NEARBY, PLACEABLE, RECIPE_BY_ACTION,
  TABLE_MILESTONE, WALKABLE,
} from './items.ts';
import { generateWorld } from './world.ts';
import { writeStep } from '../core/step-result.ts';

/** Default map side (cells). */
export const ITEM_CHAIN_SIZE = 32;
/**
 * Default step limit: about 15× the scripted expert's median episode (134 steps on 32×32 maps; 95th
 * percentile 191, worst 417 over 3000 seeds), leaving room to explore.
 */
export const ITEM_CHAIN_MAX_STEPS = 2000;

/** What ItemChainEnv.getState saves besides its RNG: the world, the agent, and the observation with its view bookkeeping. */
const ITEM_CHAIN_FIELDS = {
  scalars: ['agentX', 'agentY', 'facing', 't', 'episodeReturn', 'done'],
  arrays: ['cells', 'inventory', 'obtained', 'obs', 'viewCodes'],
} as const;

export interface ItemChainOptions {
  renderMode?: RenderMode | null;
  /** Side of the square map (default 32; 16..128). */
  size?: number;
  /** The env truncates after this many steps (default 2000). */
  maxSteps?: number;
  /**
   * Only `natural` (the default): each milestone's reward on the step it is first reached.
   * (`make('ItemChain-v0', { reward: 'delayed' })` pays the whole return at the last step, diamond or
   * step limit, 0 before: the DelayedReward wrapper.)
   */
  reward?: 'natural';
  /** Side of the egocentric view (odd, default 9, Crafter's width), or `full` for the whole map. */
  view?: number | 'full';
  /** Cell encoding in the observation: `onehot` (default) or `codes`. */
  encoding?: 'onehot' | 'codes';
}

const EVENTS = new EventTable(ITEM_CHAIN_EVENTS);
const COLLECT_BIT = Int32Array.from({ length: MATERIAL_COUNT }, (_, m) => {
  const rule = COLLECT_BY_MATERIAL[m];
  return rule ? EVENTS.bit(`collect_${ITEM_NAMES[rule.item]!}`) : 0;
});
const RECIPE_BIT = Int32Array.from({ length: ACTION_COUNT }, (_, a) => {
  const r = RECIPE_BY_ACTION[a];
  return r ? EVENTS.bit(r.event) : 0;
});
const OBTAIN_BIT = Int32Array.from(MILESTONES, (m) => EVENTS.bit(`obtain_${m.name}`));
const MISSING_BIT = EVENTS.bit('requirement_missing');
const OBTAIN_DIAMOND_BIT = EVENTS.bit('obtain_diamond');
/** Milestone rewards as a typed array for the step loop. */
const MILESTONE_REWARD = Float64Array.from(MILESTONES, (m) => m.reward);

const DEFAULT_FACING = 1; // south, as Crafter's player starts

/**
 * ItemChain-v0: a 2D Minecraft-like world with Crafter's rules (envs-ppo.md §3) and MineRL
 * ObtainDiamond's item chain and sparse rewards (§4; rudder.md §4.2). All tables (materials, items,
 * recipes, rewards, events) are in `items.ts`; the map generator, with its reachability guarantee, in
 * `world.ts`.
 *
 * Rules:
 * - Actions (`Discrete(14)`): noop, move_left/right/up/down, collect, place_table, place_furnace,
 *   craft_planks, craft_stick, craft_wooden/stone/iron_pickaxe, smelt_iron (ACTION_NAMES).
 * - A move turns the agent to that direction and steps there if the cell is walkable (grass, sand,
 *   path); otherwise it only turns (Crafter). The map edge blocks.
 * - `collect` acts on the cell in front: tree → 1 log (no tool, the tree becomes grass); stone →
 *   cobblestone and coal → coal (wooden pickaxe); iron → iron ore (stone pickaxe); diamond (iron
 *   pickaxe). Mined cells become path. Tools are held, never consumed. Counts cap at 64; a block mined
 *   at the cap is lost.
 * - Crafting / placing / smelting follow the recipe table in items.ts; "at a table" / "at a furnace"
 *   means one within the 3×3 square around the agent. Stations go on the cell in front, which must be
 *   grass, sand or path. Without an input, the station or a free front cell the action does nothing
 *   (event `requirement_missing`); so does `collect` without the needed tool.
 * - Reward (MineRL ObtainDiamond): each milestone the first time it is reached: log 1, planks 2, stick 4,
 *   crafting_table 4 (placed), wooden_pickaxe 8, cobblestone 16, furnace 32 (placed), stone_pickaxe 32,
 *   iron_ore 64, iron_ingot 128, iron_pickaxe 256, diamond 1024: at most 1571. Coal is not rewarded.
 * - The episode terminates when a diamond is collected, and truncates after `maxSteps` steps (the env
 *   does it itself, so that `reward: 'delayed'` pays at the last step whatever `maxSteps` is).
 *
 * Observation (Float32Array, reused across steps), with V the view side (9) or the map side (`full`)
 * and C = 12 materials (MAT: void, grass, sand, path, water, tree, stone, coal, iron, diamond, table, furnace):
 * - `[V·V·C]` one-hot view (`onehot`, `[row, col, material]`) or `[V·V]` material codes (`codes`),
 *   row-major, north up. The local view is centred on the agent (cells outside the map are `void`);
 *   `full` is the whole map.
 * - `[4]` facing one-hot (east, south, west, north).
 * - `[11]` inventory counts (0..64) in ITEM_NAMES order: log, planks, stick, cobblestone, coal, iron_ore,
 *   iron_ingot, diamond, wooden_pickaxe, stone_pickaxe, iron_pickaxe.
 * - `full` only: `[2]` agent x, y.
 *
 * `info.events`: ITEM_CHAIN_EVENTS (`collect_log`, `craft_planks`, `place_table`, `smelt_iron`,
 * `obtain_<milestone>` on first obtaining, `requirement_missing`…), frozen shared arrays (scene.ts).
 *
 * Cost of a step: O(1) game logic plus rewriting the V² cells of the local view (it moves with the
 * agent; one-hot entries are only touched where the material changed). `full` views update only the
 * cells that changed.
 */
export class ItemChainEnv extends SceneRenderedEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(ACTION_COUNT);
  readonly observationSpace: Box;
  readonly size: number;
  readonly maxSteps: number;
  /** Side of the egocentric view, or the map side for `full` views. */
  readonly viewSize: number;
  readonly fullView: boolean;
  readonly encoding: 'onehot' | 'codes';
  // World and agent state, read by the expert and tests (do not write).
  /** Material codes, row-major `[y * size + x]`. */
  readonly cells: Uint8Array;
  /** Counts in ITEM_NAMES order. */
  readonly inventory = new Uint8Array(ITEM_COUNT);
  /** 1 for each milestone (MILESTONES order) already reached this episode. */
  readonly obtained = new Uint8Array(MILESTONES.length);
  agentX = 0;
  agentY = 0;
  /** 0 = east, 1 = south, 2 = west, 3 = north. */
  facing = DEFAULT_FACING;
  /** Steps taken in this episode. */
  t = 0;
  /** The return so far (as paid in `natural` mode). */
  episodeReturn = 0;
  private done = false;
  private readonly obs: Float32Array;
  /** The material code last written to each view cell (one-hot: which entry is 1). */
  private readonly viewCodes: Uint8Array;
  private readonly channels: number;
  private readonly extraOffset: number;
  /** Where the 11 inventory counts start in the observation (the event features Align-RUDDER reads). */
  readonly inventoryOffset: number;
  private readonly info: { events: readonly string[] } = { events: EVENTS.get(0) };
  private readonly result: StepResult<Float32Array>;
  private readonly resetResult: ResetResult<Float32Array>;

  constructor(options: ItemChainOptions = {}) {
    super(options.renderMode, { renderFps: 10, tilePx: 12, actionNames: ACTION_NAMES });
    const name = 'ItemChain';
    this.size = numberIn(name, 'size', options.size, 16, 128, ITEM_CHAIN_SIZE, true);
    this.maxSteps = numberIn(name, 'maxSteps', options.maxSteps, 1, 1e9, ITEM_CHAIN_MAX_STEPS, true);
    rewardOption(name, options.reward, ['natural']);
    this.encoding = oneOf(name, 'encoding', options.encoding, ['onehot', 'codes'], 'onehot');
    this.fullView = options.view === 'full';
    if (this.fullView) this.viewSize = this.size;
    else {
      this.viewSize = numberIn(name, 'view', options.view, 3, 63, 9, true);
      if (this.viewSize % 2 === 0) throw new RangeError(`${name}: option view must be odd (the agent sits in the centre) or 'full', got ${this.viewSize}`);
    }
    this.cells = new Uint8Array(this.size * this.size);
    const viewCells = this.viewSize * this.viewSize;
    this.channels = this.encoding === 'onehot' ? MATERIAL_COUNT : 1;
    this.extraOffset = viewCells * this.channels;
    this.inventoryOffset = this.extraOffset + 4;
    const extras = 4 + ITEM_COUNT + (this.fullView ? 2 : 0);
    this.obs = new Float32Array(this.extraOffset + extras);
    this.viewCodes = new Uint8Array(viewCells);
    const high = new Float64Array(this.obs.length).fill(this.encoding === 'onehot' ? 1 : MATERIAL_COUNT - 1);
    high.fill(1, this.extraOffset, this.extraOffset + 4);
    high.fill(MAX_COUNT, this.extraOffset + 4, this.extraOffset + 4 + ITEM_COUNT);
    if (this.fullView) high.fill(this.size - 1, this.extraOffset + 4 + ITEM_COUNT);
    this.observationSpace = new Box(0, high, [high.length], 'float32');
    this.result = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
    this.resetResult = { obs: this.obs, info: EMPTY_INFO };
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    const { spawnX, spawnY } = generateWorld(this.cells, this.size, this.rng);
    this.agentX = spawnX;
    this.agentY = spawnY;
    this.facing = DEFAULT_FACING;
    this.inventory.fill(0);
    this.obtained.fill(0);
    this.t = 0;
    this.episodeReturn = 0;
    this.done = false;
    this.info.events = EVENTS.get(0);
    this.writeViewAll();
    this.writeExtras();
    return this.resetResult;
  }

  step(action: number): StepResult<Float32Array> {
    if (!(Number.isInteger(action) && action >= 0 && action < ACTION_COUNT)) this.invalidAction(action);
    if (this.done) return finishedEpisodeStep(this.result, this.info);
    const r = this.result;
    const t = ++this.t;
    const n = this.size, cells = this.cells, inv = this.inventory;
    let mask = 0, reward = 0;
    const dir = MOVE_DIR[action]!;
    if (dir >= 0) {
      this.facing = dir;
      const x = this.agentX + DIR_DX[dir]!, y = this.agentY + DIR_DY[dir]!;
      if (x >= 0 && y >= 0 && x < n && y < n && WALKABLE[cells[y * n + x]!] === 1) {
        this.agentX = x;
        this.agentY = y;
      }
    } else if (action !== ACTION.NOOP) {
      const fx = this.agentX + DIR_DX[this.facing]!, fy = this.agentY + DIR_DY[this.facing]!;
      const front = fx >= 0 && fy >= 0 && fx < n && fy < n ? fy * n + fx : -1;
      const frontCode = front >= 0 ? cells[front]! : MAT.VOID;
      if (action === ACTION.COLLECT) {
        const rule = COLLECT_BY_MATERIAL[frontCode];
        if (rule !== undefined) {
          if (rule.tool < 0 || inv[rule.tool]! > 0) {
            this.setCell(front, rule.leaves);
            if (inv[rule.item]! < MAX_COUNT) inv[rule.item]!++;
            mask |= COLLECT_BIT[frontCode]!;
            const m = ITEM_MILESTONE[rule.item]!;
            if (m >= 0 && this.obtained[m] === 0) {
              this.obtained[m] = 1;
              reward += MILESTONE_REWARD[m]!;
              mask |= OBTAIN_BIT[m]!;
            }
          } else mask |= MISSING_BIT;
        }
      } else {
        const recipe = RECIPE_BY_ACTION[action]!;
        let ok = recipe.station === 'none' || this.isNearby(recipe.station === 'table' ? MAT.TABLE : MAT.FURNACE);
        for (let k = 0; ok && k < recipe.inputs.length; k++) ok = inv[recipe.inputs[k]![0]]! >= recipe.inputs[k]![1];
        // Smelting also burns one fuel: coal when held, else a plank.
        let fuel = -1;
        if (action === ACTION.SMELT_IRON) {
          fuel = inv[ITEM.COAL]! > 0 ? ITEM.COAL : inv[ITEM.PLANKS]! > 0 ? ITEM.PLANKS : -1;
          if (fuel < 0) ok = false;
        }
        if (recipe.places >= 0 && (front < 0 || PLACEABLE[frontCode] !== 1)) ok = false;
        if (recipe.output >= 0 && inv[recipe.output]! + recipe.outputCount > MAX_COUNT) ok = false;
        if (ok) {
          for (let k = 0; k < recipe.inputs.length; k++) inv[recipe.inputs[k]![0]]! -= recipe.inputs[k]![1];
          if (fuel >= 0) inv[fuel]!--;
          let m: number;
          if (recipe.places >= 0) {
            this.setCell(front, recipe.places);
            m = recipe.places === MAT.TABLE ? TABLE_MILESTONE : FURNACE_MILESTONE;
          } else {
            inv[recipe.output]! += recipe.outputCount;
            m = ITEM_MILESTONE[recipe.output]!;
          }
          mask |= RECIPE_BIT[action]!;
          if (m >= 0 && this.obtained[m] === 0) {
            this.obtained[m] = 1;
            reward += MILESTONE_REWARD[m]!;
            mask |= OBTAIN_BIT[m]!;
          }
        } else mask |= MISSING_BIT;
      }
    }
    const terminated = (mask & OBTAIN_DIAMOND_BIT) !== 0;
    const truncated = !terminated && t >= this.maxSteps;
    if (terminated || truncated) this.done = true;
    this.episodeReturn += reward;
    this.writeViewIfLocal();
    this.writeExtras();
    this.info.events = EVENTS.get(mask);
    return writeStep(r, reward, terminated, truncated);
  }

  /** True when `material` lies in the 3×3 square around the agent (Crafter's "nearby"). */
  isNearby(material: number): boolean {
    return hasNearby(this.cells, this.size, this.agentX, this.agentY, material);
  }

  protected override stateSpec(): EnvStateSpec {
    return { kind: 'ItemChain', config: { size: this.size, maxSteps: this.maxSteps, view: this.fullView ? 'full' : this.viewSize, encoding: this.encoding }, fields: ITEM_CHAIN_FIELDS };
  }

  scene(): Scene {
    const hud: Record<string, number | string> = { step: this.t, maxSteps: this.maxSteps, return: this.episodeReturn };
    for (let i = 0; i < ITEM_COUNT; i++) hud[ITEM_NAMES[i]!] = this.inventory[i]!;
    return oneLayerScene({
      title: this.spec?.id ?? 'ItemChain',
      palette: ITEM_CHAIN_PALETTE,
      layer: { name: 'terrain', width: this.size, height: this.size, tiles: Array.from(this.cells) },
      sprites: [{ kind: 'agent', id: 'agent', x: this.agentX, y: this.agentY, facing: DIR_FACING[this.facing]!, color: '#ff3030' }],
      hud,
      text: 'obtain a diamond: log → planks → stick → table → wooden pickaxe → cobblestone → stone pickaxe → furnace → iron ore → iron ingot → iron pickaxe → diamond',
      events: this.info.events,
    });
  }

  /** Cell `i` becomes `code`; keeps a `full` view in sync (a local view is rewritten at the end of the step). */
  private setCell(i: number, code: number): void {
    const from = this.cells[i]!;
    this.cells[i] = code;
    if (this.fullView) this.writeViewCell(i, from, code);
  }

  private writeViewCell(v: number, from: number, to: number): void {
    if (this.channels === 1) this.obs[v] = to;
    else {
      this.obs[v * this.channels + from] = 0;
      this.obs[v * this.channels + to] = 1;
    }
    this.viewCodes[v] = to;
  }

  private writeViewAll(): void {
    this.obs.fill(0, 0, this.extraOffset);
    // Mark every view cell as void so writeViewCell's "clear the old entry" is right on the first write.
    this.viewCodes.fill(MAT.VOID);
    if (this.channels > 1) for (let v = 0; v < this.viewCodes.length; v++) this.obs[v * this.channels + MAT.VOID] = 1;
    if (this.fullView) for (let i = 0; i < this.cells.length; i++) this.writeViewCell(i, MAT.VOID, this.cells[i]!);
    else this.writeViewIfLocal();
  }

  /** Rewrites the egocentric view (no-op for `full` views, which follow setCell). */
  private writeViewIfLocal(): void {
    if (this.fullView) return;
    const V = this.viewSize, half = V >> 1, n = this.size, cells = this.cells, codes = this.viewCodes;
    const x0 = this.agentX - half, y0 = this.agentY - half;
    for (let vy = 0; vy < V; vy++) {
      const y = y0 + vy;
      const rowIn = y >= 0 && y < n;
      for (let vx = 0; vx < V; vx++) {
        const x = x0 + vx;
        const code = rowIn && x >= 0 && x < n ? cells[y * n + x]! : MAT.VOID;
        const v = vy * V + vx;
        if (codes[v] !== code) this.writeViewCell(v, codes[v]!, code);
      }
    }
  }

  private writeExtras(): void {
    const b = this.obs, o = this.extraOffset;
    b[o] = b[o + 1] = b[o + 2] = b[o + 3] = 0;
    b[o + this.facing] = 1;
    for (let i = 0; i < ITEM_COUNT; i++) b[o + 4 + i] = this.inventory[i]!;
    if (this.fullView) {
      b[o + 4 + ITEM_COUNT] = this.agentX;
      b[o + 5 + ITEM_COUNT] = this.agentY;
    }
  }
}

/** True when `material` lies in the (2·NEARBY+1)² square around (x, y). */
export function hasNearby(cells: Uint8Array, size: number, x: number, y: number, material: number): boolean {
  for (let yy = Math.max(0, y - NEARBY); yy <= Math.min(size - 1, y + NEARBY); yy++) {
    for (let xx = Math.max(0, x - NEARBY); xx <= Math.min(size - 1, x + NEARBY); xx++) if (cells[yy * size + xx] === material) return true;
  }
  return false;
}
