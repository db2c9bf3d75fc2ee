/**
 * The zod-free half of the protocol (re-exported by protocol.ts): the version, the WebSocket path, scene deltas and how to
 * apply them. The page imports this module directly, so its bundle carries no schema library.
 */
import type { HudValue, Scene, Sprite, TileLayer } from '../envs/core/scene.ts';

/** 2: tile layers as runs on the wire (wire.ts), the `runs` message, `spriteUpdates` in scene deltas. */
export const PROTOCOL_VERSION = 2 as const;
/** Path of the WebSocket endpoint on the viewer's HTTP server. */
export const WS_PATH = '/ws';

/** The part of a scene that changed after a step: fields absent did not change from the previous frame. */
export interface SceneDelta {
  /** The whole sprite list, when its length or ids changed (or most sprites did). */
  sprites?: Sprite[];
  /** Otherwise only the sprites that changed, by index into the previous frame's list (a bowling ball rolls, ten pins stand). */
  spriteUpdates?: { index: number; sprite: Sprite }[];
  hud?: Record<string, HudValue>;
  text?: string;
  events?: string[];
  /** Only the layers whose tiles changed, by index into the start scene's `layers`. */
  layers?: { index: number; layer: TileLayer }[];
}

/** The changed part of `next` relative to `prev` (same env, same static layers unless they changed). */
export function sceneDelta(prev: Scene, next: Scene): SceneDelta {
  const d: SceneDelta = {};
  if (prev.sprites !== next.sprites) {
    // Sprite by sprite (each one's JSON made once along the episode); the whole list when its shape changed.
    const updates = spriteUpdates(prev.sprites, next.sprites);
    if (updates === null) d.sprites = next.sprites;
    else if (updates.length) d.spriteUpdates = updates;
  }
  if (prev.hud !== next.hud && json(prev.hud) !== json(next.hud)) d.hud = next.hud;
  if (prev.text !== next.text && next.text !== undefined) d.text = next.text;
  if (next.events && next.events.length) d.events = [...next.events];
  const changed: { index: number; layer: TileLayer }[] = [];
  next.layers.forEach((layer, index) => {
    const old = prev.layers[index];
    if (!old || old.width !== layer.width || old.height !== layer.height || old.tiles.some((c, i) => c !== layer.tiles[i])) {
      changed.push({ index, layer });
    }
  });
  if (changed.length) d.layers = changed;
  return d;
}

// Deltas go along an episode, so each scene's sprites and HUD are compared twice (as next, then as prev):
// their JSON is kept by object identity. Scenes are not mutated after they are made (scene.ts).
const jsonOf = new WeakMap<object, string>();
function json(x: object): string {
  let j = jsonOf.get(x);
  if (j === undefined) jsonOf.set(x, (j = JSON.stringify(x)));
  return j;
}

/** The sprites of `next` that differ from `prev`'s at the same index, or null when the list's shape changed or most did. */
function spriteUpdates(prev: readonly Sprite[], next: readonly Sprite[]): { index: number; sprite: Sprite }[] | null {
  if (prev.length !== next.length) return null;
  const out: { index: number; sprite: Sprite }[] = [];
  for (let i = 0; i < next.length; i++) {
    const a = prev[i]!, b = next[i]!;
    if (a.id !== b.id || a.kind !== b.kind) return null; // another sprite in this slot: send the list
    if (a !== b && json(a) !== json(b)) out.push({ index: i, sprite: b });
  }
  return out.length * 2 <= next.length ? out : null; // most changed: the list is as small and simpler
}

/** The scene after a step: the previous frame's scene with the step's `delta` applied (apply them in order from s_0). */
export function applySceneDelta(prev: Scene, delta: SceneDelta): Scene {
  const start = prev;
  const layers = start.layers.slice();
  for (const { index, layer } of delta.layers ?? []) layers[index] = layer;
  let sprites = delta.sprites ?? start.sprites;
  if (!delta.sprites && delta.spriteUpdates?.length) {
    sprites = sprites.slice();
    // Indices outside the list are ignored: a bad delta must not leave holes for the renderer.
    for (const { index, sprite } of delta.spriteUpdates) if (Number.isInteger(index) && index >= 0 && index < sprites.length) sprites[index] = sprite;
  }
  return {
    ...start,
    layers,
    sprites,
    hud: delta.hud ?? start.hud,
    text: delta.text ?? start.text,
    events: delta.events ?? [],
  };
}
