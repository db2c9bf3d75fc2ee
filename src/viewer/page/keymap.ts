/**
 * The keyboard map for play, built from an env's action names alone (so any env, custom ones included,
 * gets one): direction-like names take the arrow keys and WASD, `fire` takes Space, every other action
 * the next free digit, then letter. Pure (no DOM), so Node tests can check it.
 */

export interface KeyBinding {
  /** `KeyboardEvent.key` values that trigger the action (letters lower case). */
  keys: string[];
  action: number;
  name: string;
}

// Name (lower case, a `move_` prefix dropped) → the keys of that direction.
const DIRECTION_KEYS: Record<string, string[]> = {
  up: ['ArrowUp', 'w'], north: ['ArrowUp', 'w'], forward: ['ArrowUp', 'w'],
  down: ['ArrowDown', 's'], south: ['ArrowDown', 's'], backward: ['ArrowDown', 's'],
  left: ['ArrowLeft', 'a'], west: ['ArrowLeft', 'a'],
  right: ['ArrowRight', 'd'], east: ['ArrowRight', 'd'],
  fire: [' '],
};
const SPARE_KEYS = [...'1234567890qeruiopfghjklzxcvbnmty'];

/** One binding per action, in action order; actions beyond the spare keys get no key. */
export function buildKeyMap(actionNames: readonly string[]): KeyBinding[] {
  const taken = new Set<string>();
  const out: KeyBinding[] = actionNames.map((name, action) => ({ keys: [], action, name }));
  // Directions first, so a later "up" never loses its arrow to an earlier odd name.
  for (const b of out) {
    const keys = DIRECTION_KEYS[b.name.toLowerCase().replace(/^move_/, '')];
    if (keys && !keys.some((k) => taken.has(k))) {
      b.keys = [...keys];
      for (const k of keys) taken.add(k);
    }
  }
  let spare = 0;
  for (const b of out) {
    if (b.keys.length) continue;
    while (spare < SPARE_KEYS.length && taken.has(SPARE_KEYS[spare]!)) spare++;
    if (spare >= SPARE_KEYS.length) break;
    const k = SPARE_KEYS[spare++]!;
    b.keys = [k];
    taken.add(k);
  }
  return out;
}

/** The action a key triggers under `map`, or −1. Letters match in either case. */
export function actionForKey(map: readonly KeyBinding[], key: string): number {
  const k = key.length === 1 ? key.toLowerCase() : key;
  for (const b of map) if (b.keys.includes(k)) return b.action;
  return -1;
}

/** How a key is shown in the legend. */
export function keyLabel(key: string): string {
  if (key === ' ') return 'Space';
  if (key.startsWith('Arrow')) return ({ ArrowUp: '↑', ArrowDown: '↓', ArrowLeft: '←', ArrowRight: '→' } as Record<string, string>)[key] ?? key;
  return key.toUpperCase();
}
