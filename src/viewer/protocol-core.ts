/**
 * The zod-free half of the protocol (re-exported by protocol.ts): the version, the WebSocket path, scene deltas and how to
 * apply them. The page imports this module directly, so its bundle carries no schema library.
 */
import type { HudValue, Scene, Sprite, TileLayer } from '../envs/core/scene.ts';

/**
 * 2: tile layers as runs on the wire (wire.ts), the `runs` message. 3: `spritePatches` (only the changed fields
 * of the changed sprites) instead of 2's `spriteUpdates` (whole sprites), and a frame may carry several
 * messages (a msgpack array of them, handled in order: the frames of one send go as one WebSocket frame).
 */
export const PROTOCOL_VERSION = 3 as const;
/** Path of the WebSocket endpoint on the viewer's HTTP server. */
export const WS_PATH = '/ws';

/** The part of a scene that changed after a step: fields absent did not change from the previous frame. */
export interface SceneDelta {
  /** The whole sprite list (a plain sender's form; the server sends `spriteList` instead). */
  sprites?: Sprite[];
  /**
   * The new list when its length or ids changed, one entry per sprite: the sprite of the previous frame at `from`
   * (matched by id) with a patch, or a new one (no `from`: `set` is all of it).
   */
  spriteList?: SpriteFrom[];
  /** Otherwise only the sprites that changed, by index into the previous frame's list (a bowling ball rolls, ten pins stand). */
  spritePatches?: SpritePatch[];
  hud?: Record<string, HudValue>;
  text?: string;
  events?: string[];
  /** Only the layers whose tiles changed, by index into the start scene's `layers`. */
  layers?: { index: number; layer: TileLayer }[];
}

/**
 * One sprite's change: the fields that changed (`set`) and the optional fields it lost (`unset`); the sprite
 * at `index` in the previous frame with these applied is the new one.
 */
export interface SpritePatch {
  index: number;
  set?: Partial<Sprite>;
  unset?: (keyof Sprite)[];
}

/** An entry of `spriteList`: the previous frame's sprite `from` (absent: a new sprite) with `set`/`unset` applied. */
export interface SpriteFrom {
  from?: number;
  set?: Partial<Sprite>;
  unset?: (keyof Sprite)[];
}

/** The changed part of `next` relative to `prev` (same env, same static layers unless they changed). */
export function sceneDelta(prev: Scene, next: Scene): SceneDelta {
  const d: SceneDelta = {};
  if (prev.sprites !== next.sprites) {
    // Field by field: sparse patches, or the new list as patches of the sprites with the same ids when the ids changed.
    const patches = spritePatches(prev.sprites, next.sprites);
    if (patches === null) d.spriteList = spriteList(prev.sprites, next.sprites);
    else if (patches.length) d.spritePatches = patches;
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

type Fields = Record<string, unknown>;

/** The fields of `b` that differ from `a`'s, and those `a` has that `b` lacks (sprite fields are all primitives). */
function fieldChanges(a: Sprite, b: Sprite): { set?: Partial<Sprite>; unset?: (keyof Sprite)[] } {
  const fa = a as unknown as Fields, fb = b as unknown as Fields;
  let set: Fields | undefined, unset: (keyof Sprite)[] | undefined;
  for (const k in fb) if (fb[k] !== undefined && fb[k] !== fa[k]) (set ??= {})[k] = fb[k];
  for (const k in fa) if (fa[k] !== undefined && fb[k] === undefined) (unset ??= []).push(k as keyof Sprite);
  return { ...(set ? { set: set as Partial<Sprite> } : {}), ...(unset ? { unset } : {}) };
}

/** The changes of `next`'s sprites from `prev`'s at the same index, or null when the list's length or ids changed. */
function spritePatches(prev: readonly Sprite[], next: readonly Sprite[]): SpritePatch[] | null {
  if (prev.length !== next.length) return null;
  for (let i = 0; i < next.length; i++) if (prev[i]!.id !== next[i]!.id) return null;
  const out: SpritePatch[] = [];
  for (let i = 0; i < next.length; i++) {
    if (prev[i] === next[i]) continue;
    const c = fieldChanges(prev[i]!, next[i]!);
    if (c.set || c.unset) out.push({ index: i, ...c });
  }
  return out;
}

/** `next` as patches of `prev`'s sprites with the same id (a sprite without id: the one at its index, if that has none). */
function spriteList(prev: readonly Sprite[], next: readonly Sprite[]): SpriteFrom[] {
  const byId = new Map<string, number>();
  prev.forEach((s, i) => s.id !== undefined && byId.set(s.id, i));
  return next.map((b, i) => {
    const from = b.id !== undefined ? byId.get(b.id) : prev[i] && prev[i]!.id === undefined ? i : undefined;
    return from === undefined ? { set: b } : { from, ...fieldChanges(prev[from]!, b) };
  });
}

/** `base` with a patch from the wire applied (a `set` or `unset` of the wrong type is ignored). */
function patched(base: Sprite | undefined, set: unknown, unset: unknown): Sprite {
  const sp: Fields = { ...base, ...(typeof set === 'object' && set !== null ? set : {}) };
  if (Array.isArray(unset)) for (const k of unset) if (typeof k === 'string') delete sp[k];
  return sp as unknown as Sprite;
}

/** The scene after a step: the previous frame's scene with the step's `delta` applied (apply them in order from s_0). */
export function applySceneDelta(prev: Scene, delta: SceneDelta): Scene {
  const start = prev;
  const layers = start.layers.slice();
  for (const { index, layer } of delta.layers ?? []) layers[index] = layer;
  const inPrev = (i: unknown): i is number => Number.isInteger(i) && (i as number) >= 0 && (i as number) < start.sprites.length;
  let sprites = delta.sprites ?? start.sprites;
  if (!delta.sprites && Array.isArray(delta.spriteList)) {
    // A `from` outside the previous list makes a sprite from its `set` alone (the scene check then judges it).
    sprites = delta.spriteList.filter((e) => typeof e === 'object' && e !== null).map((e) => patched(inPrev(e.from) ? start.sprites[e.from] : undefined, e.set, e.unset));
  } else if (!delta.sprites && delta.spritePatches?.length) {
    sprites = sprites.slice();
    // Indices outside the list are ignored: a bad delta must not leave holes for the renderer.
    for (const { index, set, unset } of delta.spritePatches) if (inPrev(index)) sprites[index] = patched(sprites[index], set, unset);
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
