/**
 * The zod-free half of the protocol (re-exported by protocol.ts): the version, the WebSocket path, scene deltas and how to
 * apply them. The page imports this module directly, so its bundle carries no schema library.
 */
import type { HudValue, Scene, Sprite, TileLayer } from '../envs/core/scene.ts';

export const PROTOCOL_VERSION = 1 as const;
/** Path of the WebSocket endpoint on the viewer's HTTP server. */
export const WS_PATH = '/ws';

/** The part of a scene that changed after a step: fields absent did not change from the previous frame. */
export interface SceneDelta {
  sprites?: Sprite[];
  hud?: Record<string, HudValue>;
  text?: string;
  events?: string[];
  /** Only the layers whose tiles changed, by index into the start scene's `layers`. */
  layers?: { index: number; layer: TileLayer }[];
}

/** The changed part of `next` relative to `prev` (same env, same static layers unless they changed). */
export function sceneDelta(prev: Scene, next: Scene): SceneDelta {
  const d: SceneDelta = {};
  if (prev.sprites !== next.sprites && json(prev.sprites) !== json(next.sprites)) d.sprites = next.sprites;
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

/** The scene after a step: the previous frame's scene with the step's `delta` applied (apply them in order from s_0). */
export function applySceneDelta(prev: Scene, delta: SceneDelta): Scene {
  const start = prev;
  const layers = start.layers.slice();
  for (const { index, layer } of delta.layers ?? []) layers[index] = layer;
  return {
    ...start,
    layers,
    sprites: delta.sprites ?? start.sprites,
    hud: delta.hud ?? start.hud,
    text: delta.text ?? start.text,
    events: delta.events ?? [],
  };
}
