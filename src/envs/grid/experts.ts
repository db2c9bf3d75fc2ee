import type { Env } from '../core/env.ts';
import type { ExpertFactory, Policy } from '../core/experts.ts';
import { DIR_DX, DIR_DY } from '../core/directions.ts';
import { CELL, PASSABLE } from './cells.ts';
import { KDT_ACTIONS, KeyDoorTreasureEnv } from './key-door-treasure.ts';
import { RoomsEnv } from './rooms.ts';

/**
 * Scripted experts for the grid envs: planners that read the env's state (not only the observation),
 * for demonstrations (Align-RUDDER) and as test oracles. Each `next…Action(env)` returns the action to
 * take now; the `…Expert` factories wrap them as `Policy` for `register(id, factory, { expert })` and accept a wrapped env.
 */

/**
 * KeyDoorTreasure: BFS over (x, y, facing) to the nearest pose facing the current sub-goal (the key,
 * then the locked door, then the treasure), then pickup / open / forward.
 */
export function nextKeyDoorTreasureAction(env: KeyDoorTreasureEnv): number {
  const cells = env.grid.cells;
  const target = !env.carrying ? CELL.KEY : cells[env.doorY * env.size + env.wallX] === CELL.DOOR_LOCKED ? CELL.DOOR_LOCKED : CELL.TREASURE;
  const act = target === CELL.KEY ? KDT_ACTIONS.PICKUP : target === CELL.DOOR_LOCKED ? KDT_ACTIONS.OPEN : KDT_ACTIONS.FORWARD;
  const first = facingBfs(cells, env.size, env.agentX, env.agentY, env.facing, target);
  if (first === -1) throw new Error(`KeyDoorTreasure expert: no path to ${target === CELL.KEY ? 'the key' : target === CELL.DOOR_LOCKED ? 'the door' : 'the treasure'} (this is a bug in the layout generator)`);
  return first === FACING_TARGET ? act : first;
}

const FACING_TARGET = -2;

/**
 * Breadth-first search over poses (x, y, facing) with turn-left / turn-right / forward on passable
 * cells. Returns the first action of a shortest path to a pose whose front cell holds `target`,
 * FACING_TARGET when the start pose already does, or -1 when none is reachable.
 */
export function facingBfs(cells: Uint8Array, n: number, x0: number, y0: number, d0: number, target: number): number {
  const front = (p: number): number => {
    const d = p & 3, c = p >> 2, x = c % n, y = (c - x) / n;
    return cells[(y + DIR_DY[d]!) * n + x + DIR_DX[d]!]!;
  };
  const start = ((y0 * n + x0) << 2) | d0;
  if (front(start) === target) return FACING_TARGET;
  const firstAction = new Int8Array(n * n * 4).fill(-1);
  const queue = new Int32Array(n * n * 4);
  let head = 0, tail = 0;
  firstAction[start] = 0;
  queue[tail++] = start;
  while (head < tail) {
    const p = queue[head++]!;
    const d = p & 3, c = p >> 2;
    const fwdCell = c + DIR_DY[d]! * n + DIR_DX[d]!;
    const next = [((c << 2) | ((d + 3) & 3)), ((c << 2) | ((d + 1) & 3)), PASSABLE[cells[fwdCell]!] === 1 ? ((fwdCell << 2) | d) : -1];
    for (let a = 0; a < 3; a++) {
      const q = next[a]!;
      if (q < 0 || firstAction[q] !== -1) continue;
      firstAction[q] = p === start ? a : firstAction[p]!;
      if (front(q) === target) return firstAction[q]!;
      queue[tail++] = q;
    }
  }
  return -1;
}

const roomDistances = new WeakMap<RoomsEnv, Int16Array>();

/**
 * Steps from every state to the goal under the noise-free transitions (−1 where the goal is
 * unreachable), by backward breadth-first search. Cached per env.
 */
export function roomsDistanceToGoal(env: RoomsEnv): Int16Array {
  let dist = roomDistances.get(env);
  if (dist) return dist;
  const T = env.transitions, S = env.numStates;
  // Predecessor lists in CSR form.
  const count = new Int32Array(S + 1);
  for (let i = 0; i < T.length; i++) count[T[i]! + 1] = count[T[i]! + 1]! + 1;
  for (let s = 0; s < S; s++) count[s + 1] = count[s + 1]! + count[s]!;
  const preds = new Int32Array(T.length), fill = count.slice(0, S);
  for (let i = 0; i < T.length; i++) preds[fill[T[i]!]!++] = i >> 2;
  dist = new Int16Array(S).fill(-1);
  const queue = new Int32Array(S);
  let head = 0, tail = 0;
  dist[env.goalState] = 0;
  queue[tail++] = env.goalState;
  while (head < tail) {
    const s = queue[head++]!;
    for (let k = count[s]!; k < count[s + 1]!; k++) {
      const p = preds[k]!;
      if (dist[p] === -1) {
        dist[p] = dist[s]! + 1;
        queue[tail++] = p;
      }
    }
  }
  roomDistances.set(env, dist);
  return dist;
}

/** Rooms: the first action (lowest index on ties) that brings the agent one step closer to the goal; 0 when the goal is unreachable. */
export function nextRoomsAction(env: RoomsEnv): number {
  const dist = roomsDistanceToGoal(env), T = env.transitions, s = env.state;
  const d = dist[s]!;
  if (d <= 0) return 0;
  for (let a = 0; a < 4; a++) if (dist[T[s * 4 + a]!] === d - 1) return a;
  return 0;
}

export const keyDoorTreasureExpert: ExpertFactory = (env: Env<unknown, unknown>): Policy => {
  const e = unwrapAs(env, KeyDoorTreasureEnv, 'KeyDoorTreasure');
  return () => nextKeyDoorTreasureAction(e);
};

export const roomsExpert: ExpertFactory = (env: Env<unknown, unknown>): Policy => {
  const e = unwrapAs(env, RoomsEnv, 'Rooms');
  return () => nextRoomsAction(e);
};

function unwrapAs<T>(env: Env<unknown, unknown>, cls: abstract new (...args: never[]) => T, what: string): T {
  const inner = env.unwrapped;
  if (!(inner instanceof cls)) throw new TypeError(`the ${what} expert needs a ${what} env, got ${String(inner)}`);
  return inner;
}
