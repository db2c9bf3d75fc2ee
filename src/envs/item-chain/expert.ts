import type { Env } from '../core/env.ts';
import type { ExpertFactory, Policy } from '../core/experts.ts';
import { DIR_DX, DIR_DY } from '../core/directions.ts';
import { ItemChainEnv, hasNearby } from './item-chain.ts';
import { ACTION, FURNACE_MILESTONE, ITEM, MAT, PLACEABLE, TABLE_MILESTONE, WALKABLE } from './items.ts';

/**
 * The scripted ItemChain expert: a planner that reads the env's state (the whole map, as "the known
 * map"), for demonstrations (Align-RUDDER) and as a test oracle.
 *
 * Each step it works out what is still missing for the iron pickaxe from the recipe quantities (items.ts)
 * and the current inventory, and pursues the first missing thing in this order (MineRL's chain, with
 * all wood and all stone gathered in one trip each):
 *
 * 1. logs for every plank still needed (table 4, wooden pickaxe 3, 2 per 4 sticks) → craft planks →
 *    craft sticks (6: one pair per pickaxe) → place a table where it stands;
 * 2. wooden pickaxe at the table → 11 cobblestone (stone pickaxe 3, furnace 8) and 3 coal (fuel) →
 *    stone pickaxe and furnace at the table;
 * 3. 3 iron ore → smelt 3 ingots at the furnace → iron pickaxe at the table → the nearest diamond.
 *
 * Moving uses Dijkstra over map cells: walkable cells cost 1, cells it can mine with its tools (trees,
 * then stone and coal, then iron) cost 3 (turn, collect, step), water and stations block. Stations are
 * placed on the first cell in front that is free, found by a breadth-first search over (cell, facing).
 * When no route exists it returns `noop` (the episode then runs into its step limit).
 */
export class ItemChainPlanner {
  private readonly n: number;
  private readonly dist: Int32Array;
  private readonly parent: Int32Array;
  private readonly heap: Float64Array;
  private readonly poseSeen: Uint8Array;
  private readonly poseFirst: Int8Array;
  private readonly queue: Int32Array;

  constructor(readonly env: ItemChainEnv) {
    const n = (this.n = env.size);
    this.dist = new Int32Array(n * n);
    this.parent = new Int32Array(n * n);
    this.heap = new Float64Array(n * n * 4 + 4);
    this.poseSeen = new Uint8Array(n * n * 4);
    this.poseFirst = new Int8Array(n * n * 4);
    this.queue = new Int32Array(n * n * 4);
  }

  /** The action to take now. */
  next(): number {
    const env = this.env, inv = env.inventory;
    const has = (item: number): boolean => inv[item]! > 0;
    const wp = has(ITEM.WOODEN_PICKAXE), sp = has(ITEM.STONE_PICKAXE), ip = has(ITEM.IRON_PICKAXE);
    const table = env.obtained[TABLE_MILESTONE] === 1, furnace = env.obtained[FURNACE_MILESTONE] === 1;
    if (ip) return this.collect([MAT.DIAMOND]);

    // What the rest of the chain consumes (recipes in items.ts).
    const smeltsLeft = Math.max(0, 3 - inv[ITEM.IRON_INGOT]!);
    const sticksNeeded = 2 * (+!wp + +!sp + +!ip) - inv[ITEM.STICK]!;
    const stickCrafts = Math.ceil(Math.max(0, sticksNeeded) / 4);
    const planksNeeded = 4 * +!table + 3 * +!wp + 2 * stickCrafts - inv[ITEM.PLANKS]!;
    const logsNeeded = Math.ceil(Math.max(0, planksNeeded) / 4) - inv[ITEM.LOG]!;
    const cobbleNeeded = 3 * +!sp + 8 * +!furnace - inv[ITEM.COBBLESTONE]!;
    const coalNeeded = smeltsLeft - inv[ITEM.COAL]! - Math.max(0, -planksNeeded); // spare planks also burn
    const oreNeeded = smeltsLeft - inv[ITEM.IRON_ORE]!;

    if (logsNeeded > 0) return this.collect([MAT.TREE]);
    if (planksNeeded > 0) return ACTION.CRAFT_PLANKS;
    if (sticksNeeded > 0) return ACTION.CRAFT_STICK;
    if (!table) return this.place(ACTION.PLACE_TABLE, false);
    if (!wp) return this.craftAt(MAT.TABLE, ACTION.CRAFT_WOODEN_PICKAXE);
    if (cobbleNeeded > 0 || coalNeeded > 0) {
      const targets = cobbleNeeded > 0 && coalNeeded > 0 ? [MAT.STONE, MAT.COAL] : cobbleNeeded > 0 ? [MAT.STONE] : [MAT.COAL];
      return this.collect(targets);
    }
    if (!sp) return this.craftAt(MAT.TABLE, ACTION.CRAFT_STONE_PICKAXE);
    if (!furnace) return this.place(ACTION.PLACE_FURNACE, true);
    if (oreNeeded > 0) return this.collect([MAT.IRON]);
    if (smeltsLeft > 0) return this.craftAt(MAT.FURNACE, ACTION.SMELT_IRON);
    return this.craftAt(MAT.TABLE, ACTION.CRAFT_IRON_PICKAXE);
  }

  /** Walk (mining through) to a cell next to one of `targets`, face it, collect. */
  private collect(targets: readonly number[]): number {
    const env = this.env, n = this.n, cells = env.cells;
    const isTarget = (i: number): boolean => i >= 0 && targets.includes(cells[i]!);
    const front = this.neighbour(env.agentX, env.agentY, env.facing);
    if (isTarget(front)) return ACTION.COLLECT;
    for (let d = 0; d < 4; d++) if (isTarget(this.neighbour(env.agentX, env.agentY, d))) return MOVE[d]!; // blocked: only turns
    return this.walkTo((c) => {
      const x = c % n, y = (c - x) / n;
      for (let d = 0; d < 4; d++) if (isTarget(this.neighbour(x, y, d))) return true;
      return false;
    });
  }

  /** Walk until `station` is nearby, then do `action`. */
  private craftAt(station: number, action: number): number {
    const env = this.env, n = this.n;
    if (env.isNearby(station)) return action;
    return this.walkTo((c) => hasNearby(env.cells, n, c % n, Math.floor(c / n), station));
  }

  /**
   * Reach a pose whose front cell is free (and, for the furnace, with a table nearby), then place. A
   * walkable cell can only be faced by stepping towards it from behind, so in a cramped spot the front
   * cell may instead be a tree or stone: it is collected first (it then becomes grass or path).
   */
  private place(action: number, nearTable: boolean): number {
    const env = this.env, n = this.n, cells = env.cells;
    // 1: place now, 2: collect the front cell first, 0: not a usable pose.
    const usable = (c: number, d: number): number => {
      if (nearTable && !hasNearby(cells, n, c % n, Math.floor(c / n), MAT.TABLE)) return 0;
      const f = this.neighbour(c % n, Math.floor(c / n), d);
      return f < 0 ? 0 : PLACEABLE[cells[f]!] === 1 ? 1 : this.canMine(cells[f]!) ? 2 : 0;
    };
    const start = env.agentY * n + env.agentX;
    const now = usable(start, env.facing);
    if (now !== 0) return now === 1 ? action : ACTION.COLLECT;
    // Breadth-first search over poses (cell, facing); a move turns, and steps when the cell is walkable.
    // Poses that place directly are preferred to poses that need a collect first.
    const seen = this.poseSeen.fill(0), first = this.poseFirst, q = this.queue;
    let head = 0, tail = 0, fallback = -1;
    const s0 = (start << 2) | env.facing;
    seen[s0] = 1;
    q[tail++] = s0;
    while (head < tail) {
      const p = q[head++]!, c = p >> 2;
      for (let d = 0; d < 4; d++) {
        const f = this.neighbour(c % n, Math.floor(c / n), d);
        const nc = f >= 0 && WALKABLE[cells[f]!] === 1 ? f : c;
        const np = (nc << 2) | d;
        if (seen[np] === 1) continue;
        seen[np] = 1;
        first[np] = p === s0 ? d : first[p]!;
        const u = usable(nc, d);
        if (u === 1) return MOVE[first[np]!]!;
        if (u === 2 && fallback < 0) fallback = first[np]!;
        q[tail++] = np;
      }
    }
    if (fallback >= 0) return MOVE[fallback]!;
    // Nowhere in reach: for the furnace, walk towards a table first; else give up.
    return nearTable && !env.isNearby(MAT.TABLE) ? this.craftAt(MAT.TABLE, ACTION.NOOP) : ACTION.NOOP;
  }

  /** Whether `collect` works on material `m` with the tools held. */
  private canMine(m: number): boolean {
    const inv = this.env.inventory;
    return m === MAT.TREE ||
      ((m === MAT.STONE || m === MAT.COAL) && inv[ITEM.WOODEN_PICKAXE]! > 0) ||
      (m === MAT.IRON && inv[ITEM.STONE_PICKAXE]! > 0) ||
      (m === MAT.DIAMOND && inv[ITEM.IRON_PICKAXE]! > 0);
  }

  /**
   * Dijkstra from the agent to the nearest cell where `goal` holds; returns the action for the first
   * step (move, or turn + collect to mine the way), or noop when no cell is reachable.
   */
  private walkTo(goal: (cell: number) => boolean): number {
    const env = this.env, n = this.n, cells = env.cells;
    const dist = this.dist.fill(0x7fffffff), parent = this.parent, heap = this.heap;
    const start = env.agentY * n + env.agentX;
    let size = 0;
    const push = (key: number): void => {
      let i = size++;
      while (i > 0) {
        const up = (i - 1) >> 1;
        if (heap[up]! <= key) break;
        heap[i] = heap[up]!;
        i = up;
      }
      heap[i] = key;
    };
    const pop = (): number => {
      const top = heap[0]!, last = heap[--size]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && heap[c + 1]! < heap[c]!) c++;
        if (heap[c]! >= last) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
      return top;
    };
    const N = n * n;
    dist[start] = 0;
    parent[start] = -1;
    push(start);
    let found = -1;
    while (size > 0) {
      const key = pop(), c = key % N, dc = (key - c) / N;
      if (dc > dist[c]!) continue;
      if (goal(c)) {
        found = c;
        break;
      }
      const x = c % n, y = (c - x) / n;
      for (let d = 0; d < 4; d++) {
        const f = this.neighbour(x, y, d);
        if (f < 0) continue;
        const m = cells[f]!;
        const cost = WALKABLE[m] === 1 ? 1 : this.canMine(m) ? 3 : -1;
        if (cost < 0 || dc + cost >= dist[f]!) continue;
        dist[f] = dc + cost;
        parent[f] = c;
        push((dc + cost) * N + f);
      }
    }
    if (found < 0) return ACTION.NOOP;
    if (found === start) return ACTION.NOOP; // callers handle "already there"
    let step = found;
    while (parent[step] !== start) step = parent[step]!;
    const d = step === start + 1 ? 0 : step === start + n ? 1 : step === start - 1 ? 2 : 3;
    if (WALKABLE[cells[step]!] === 1) return MOVE[d]!;
    return env.facing === d ? ACTION.COLLECT : MOVE[d]!;
  }

  /** The cell index next to (x, y) in direction d, or -1 outside the map. */
  private neighbour(x: number, y: number, d: number): number {
    const nx = x + DIR_DX[d]!, ny = y + DIR_DY[d]!;
    return nx >= 0 && ny >= 0 && nx < this.n && ny < this.n ? ny * this.n + nx : -1;
  }
}

/** Move action per direction (0 = east, 1 = south, 2 = west, 3 = north). */
const MOVE = Int8Array.of(ACTION.MOVE_RIGHT, ACTION.MOVE_DOWN, ACTION.MOVE_LEFT, ACTION.MOVE_UP);

/** The `expert` registered with ItemChain-v0: accepts the env made by `make` (wrappers are looked through). */
export const itemChainExpert: ExpertFactory = (env: Env<unknown, unknown>): Policy => {
  const inner = env.unwrapped;
  if (!(inner instanceof ItemChainEnv)) throw new TypeError(`the ItemChain expert needs an ItemChain env, got ${String(inner)}`);
  // The planner's buffers are sized from the map; a planner is made per env, which keeps its size.
  const planner = new ItemChainPlanner(inner);
  return () => planner.next();
};
