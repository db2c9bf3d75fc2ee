/**
 * Scenes: what the viewer draws, for every env (a user's own included), from one small format.
 *
 * A {@link Scene} is plain JSON (no typed arrays, no class instances, no NaN/Infinity), so it can go over
 * a WebSocket, into a file or a test snapshot unchanged. An env offers it by implementing
 * {@link SceneEnv} (`scene(): Scene`); `hasScene(env)` tells whether an env (or the env under its
 * wrappers) does.
 *
 * ## The format, for authors of custom envs
 *
 * The world is a rectangle of `width × height` **cells**. x grows to the right, y downwards, and cell
 * (0, 0) is the top-left one. Everything is drawn in this order:
 *
 * 1. **Tile layers** (`layers`, bottom first). A layer is a row-major array of tile codes,
 *    `tiles[y * layer.width + x]`, placed at cell (`layer.x`, `layer.y`) of the world (default 0, 0).
 *    Every code must appear in the `palette`, which gives it a `name` (stable, e.g. `wall`, `door_locked`:
 *    the viewer may use it to pick a texture), a `color` (`#rrggbb`, the fallback drawing) and optionally
 *    a one-character `char` for text renders. Use a second layer for things on top of the floor when
 *    that reads better than sprites.
 * 2. **Sprites** (`sprites`, drawn in array order): things that move or need a direction. `kind` is a free
 *    string (conventional kinds: `agent`, `key`, `ball`, `pin`, `monster`, `item`, `marker`); the viewer
 *    has pictures for the conventional ones and draws any other kind as a disc in `color` with its
 *    `label`. `x`, `y` are in cells and may be fractional (continuous games): the sprite is centred at
 *    (x + 0.5, y + 0.5). `facing` is `up | right | down | left`; `size` scales the sprite (1 = one cell).
 *    `angle` (radians, 0 = pointing right, growing clockwise on screen since y grows downwards, so
 *    −π/2 points up) turns a sprite freely and wins over `facing`. `shape` draws plain geometry instead
 *    of a picture: `rect` is a `w × h`-cell rectangle centred on the sprite and turned by `angle`;
 *    `line` is a segment `w` cells long from the sprite's centre in the direction `angle`, `h` cells
 *    thick (default 0.1). CartPole draws its cart as a rect and its pole as a line.
 * 3. **HUD** (`hud`): named numbers, strings or booleans shown beside the world (step, return, carrying,
 *    room…), in key order as given.
 * 4. **Text** (`text`, optional): a mission line or caption. **Events** (`events`, optional): the task
 *    events of the last step, as in `info.events`.
 *
 * `version` is {@link SCENE_VERSION}; a viewer refuses versions it does not know. Run `validateScene` on
 * your env's scene in its test: it lists every problem with its path (`layers[0].tiles[12]: code 9 is not
 * in the palette`).
 *
 * A scene for a 3×2 room with a wall row and an agent looking right:
 * ```json
 * { "version": 1, "width": 3, "height": 2,
 *   "palette": [{ "code": 0, "name": "floor", "color": "#000000", "char": "." },
 *               { "code": 1, "name": "wall", "color": "#808080", "char": "#" }],
 *   "layers": [{ "name": "cells", "width": 3, "height": 2, "tiles": [1, 1, 1, 0, 0, 0] }],
 *   "sprites": [{ "kind": "agent", "x": 0, "y": 1, "facing": "right", "color": "#ff0000" }],
 *   "hud": { "step": 0 } }
 * ```
 *
 * `drawScene` and `sceneToAnsi` below turn any valid scene into an `rgb_array` frame or an `ansi` string,
 * so an env that has `scene()` gets both render modes for free.
 *
 * ## `info.events`, the companion contract
 *
 * Envs report the task events of a step (picked up a key, opened a door, entered room 3…) in
 * `info.events`, a `readonly string[]` of stable snake_case names. To keep stepping allocation-free,
 * the arrays are **frozen and shared**: {@link NO_EVENTS} on quiet steps, otherwise a cached frozen array
 * (see {@link EventTable}). They are safe to keep; they cannot be mutated.
 */
import type { Env, RgbaFrame } from './env.ts';
import { fillCircle, fillQuad, fillRect, newFrame, type Rgb } from './raster.ts';

export const SCENE_VERSION = 1 as const;

/** A direction a sprite looks in. */
export type Facing = 'up' | 'right' | 'down' | 'left';
export const FACINGS: readonly Facing[] = Object.freeze(['up', 'right', 'down', 'left']);

/** What a tile code means and how to draw it. */
export interface PaletteEntry {
  /** The tile code (an integer ≥ 0) used in layers. */
  code: number;
  /** A stable name (`wall`, `floor`, `door_locked`…); viewers may map names to textures. */
  name: string;
  /** `#rrggbb`. */
  color: string;
  /** One character for text renders; default: the first letter of `name`. */
  char?: string;
}

/** A rectangle of tile codes, row-major: `tiles[y * width + x]`. */
export interface TileLayer {
  name: string;
  width: number;
  height: number;
  tiles: number[];
  /** Where the layer's top-left cell sits in the world (default 0). */
  x?: number;
  y?: number;
}

/** A thing drawn over the tiles. */
export interface Sprite {
  /** What it is: `agent`, `key`, `ball`, `pin`, `monster`, `item`, `marker`, or any name of your own. */
  kind: string;
  /** Position in cells (fractional allowed); the sprite is centred at (x + 0.5, y + 0.5). */
  x: number;
  y: number;
  facing?: Facing;
  /** `#rrggbb`. */
  color?: string;
  /** A short text shown with the sprite. */
  label?: string;
  /** Scale, 1 = one cell (default 1). */
  size?: number;
  /** A stable identity across frames, for viewers that animate movement. */
  id?: string;
  /** Direction in radians (0 = right, clockwise on screen); wins over `facing`. */
  angle?: number;
  /** Plain geometry instead of the kind's picture: a `w × h` rect, or a line `w` long and `h` thick. */
  shape?: SpriteShape;
  /** The shape's width (rect) or length (line), in cells (default 1). */
  w?: number;
  /** The shape's height (rect) or thickness (line), in cells (default 1 for a rect, 0.1 for a line). */
  h?: number;
}

export type SpriteShape = 'rect' | 'line';
export const SPRITE_SHAPES: readonly SpriteShape[] = Object.freeze(['rect', 'line']);

export type HudValue = number | string | boolean;

/** A JSON description of what to draw; see the module doc. */
export interface Scene {
  version: typeof SCENE_VERSION;
  /** The world's size in cells. */
  width: number;
  height: number;
  palette: PaletteEntry[];
  layers: TileLayer[];
  sprites: Sprite[];
  hud: Record<string, HudValue>;
  /** A title, e.g. the env id. */
  title?: string;
  /** A mission line or caption. */
  text?: string;
  /** The task events of the last step. */
  events?: string[];
}

/** What `oneLayerScene` assembles: the env's palette table and event array are copied, since scenes are JSON. */
export interface OneLayerSceneParts {
  palette: readonly PaletteEntry[];
  /** The one tile layer; the scene is its size. */
  layer: TileLayer;
  sprites: Sprite[];
  hud: Record<string, HudValue>;
  title?: string;
  text?: string;
  events?: readonly string[];
}

/** A scene of one tile layer (what every built-in env draws), with copies of the palette and the events. */
export function oneLayerScene(parts: OneLayerSceneParts): Scene {
  const s: Scene = {
    version: SCENE_VERSION,
    width: parts.layer.width,
    height: parts.layer.height,
    palette: parts.palette.map((e) => ({ ...e })),
    layers: [parts.layer],
    sprites: parts.sprites,
    hud: parts.hud,
  };
  if (parts.title !== undefined) s.title = parts.title;
  if (parts.text !== undefined) s.text = parts.text;
  if (parts.events !== undefined) s.events = [...parts.events];
  return s;
}

/** An env that can describe itself as a {@link Scene}. */
export interface SceneEnv {
  scene(): Scene;
}

/** True when `env` has a `scene()` method, or the innermost env below its wrappers has one. */
export function hasScene(env: unknown): env is SceneEnv {
  if (typeof env !== 'object' || env === null) return false;
  if (typeof (env as Partial<SceneEnv>).scene === 'function') return true;
  const inner = (env as Partial<Env>).unwrapped;
  return inner !== undefined && inner !== env && typeof (inner as Partial<SceneEnv>).scene === 'function';
}

/** The scene of `env` or of the env below its wrappers; throws when neither has one. */
export function sceneOf(env: unknown): Scene {
  if (typeof env === 'object' && env !== null) {
    if (typeof (env as Partial<SceneEnv>).scene === 'function') return (env as SceneEnv).scene();
    const inner = (env as Partial<Env>).unwrapped;
    if (inner && typeof (inner as Partial<SceneEnv>).scene === 'function') return (inner as unknown as SceneEnv).scene();
  }
  throw new TypeError(`${String(env)} has no scene(): implement SceneEnv to be drawn by the viewer`);
}

/** A scene failed validation; `problems` lists each with its path. */
export class SceneError extends TypeError {
  override name = 'SceneError';
  constructor(readonly problems: string[]) {
    super(`invalid scene (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const COLOR_RE = /^#[0-9a-fA-F]{6}$/;
const SPRITE_KEYS = new Set(['kind', 'x', 'y', 'facing', 'color', 'label', 'size', 'id', 'angle', 'shape', 'w', 'h']);
const SCENE_KEYS = new Set(['version', 'width', 'height', 'palette', 'layers', 'sprites', 'hud', 'title', 'text', 'events']);
const MAX_PROBLEMS = 20;

/**
 * Checks that `x` is a valid {@link Scene} and returns it typed; throws a {@link SceneError} listing the
 * problems (up to 20) with their paths otherwise.
 */
export function validateScene(x: unknown): Scene {
  const problems = sceneProblems(x);
  if (problems.length > 0) throw new SceneError(problems);
  return x as Scene;
}

/** The problems `validateScene` would report (empty when `x` is a valid scene). */
export function sceneProblems(x: unknown): string[] {
  const p: string[] = [];
  const add = (msg: string): boolean => {
    if (p.length < MAX_PROBLEMS) p.push(msg);
    return false;
  };
  if (!isRecord(x)) return [`scene must be an object, got ${show(x)}`];
  for (const k of Object.keys(x)) if (!SCENE_KEYS.has(k)) add(`unknown key "${k}" (valid: ${[...SCENE_KEYS].join(', ')})`);
  if (x.version !== SCENE_VERSION) add(`version must be ${SCENE_VERSION}, got ${show(x.version)}`);
  const sizeOk = isCount(x.width, 'width', add) && isCount(x.height, 'height', add);
  const W = sizeOk ? (x.width as number) : 0, H = sizeOk ? (x.height as number) : 0;

  const codes = new Set<number>();
  if (!Array.isArray(x.palette)) add(`palette must be an array of { code, name, color }, got ${show(x.palette)}`);
  else {
    x.palette.forEach((e: unknown, i) => {
      const at = `palette[${i}]`;
      if (!isRecord(e)) return add(`${at} must be an object, got ${show(e)}`);
      if (!Number.isInteger(e.code) || (e.code as number) < 0) return add(`${at}.code must be an integer ≥ 0, got ${show(e.code)}`);
      if (codes.has(e.code as number)) add(`${at}.code ${e.code as number} appears twice`);
      codes.add(e.code as number);
      if (typeof e.name !== 'string' || e.name === '') add(`${at}.name must be a non-empty string, got ${show(e.name)}`);
      if (typeof e.color !== 'string' || !COLOR_RE.test(e.color)) add(`${at}.color must be "#rrggbb", got ${show(e.color)}`);
      if (e.char !== undefined && (typeof e.char !== 'string' || [...e.char].length !== 1)) add(`${at}.char must be one character, got ${show(e.char)}`);
      return true;
    });
  }

  if (!Array.isArray(x.layers)) add(`layers must be an array, got ${show(x.layers)}`);
  else {
    x.layers.forEach((l: unknown, i) => {
      const at = `layers[${i}]`;
      if (!isRecord(l)) return add(`${at} must be an object, got ${show(l)}`);
      if (typeof l.name !== 'string') add(`${at}.name must be a string, got ${show(l.name)}`);
      if (!isCount(l.width, `${at}.width`, add) || !isCount(l.height, `${at}.height`, add)) return false;
      const lw = l.width as number, lh = l.height as number;
      const ox = l.x ?? 0, oy = l.y ?? 0;
      if (!Number.isInteger(ox) || !Number.isInteger(oy)) return add(`${at}.x and .y must be integers, got ${show(l.x)}, ${show(l.y)}`);
      if (sizeOk && ((ox as number) < 0 || (oy as number) < 0 || (ox as number) + lw > W || (oy as number) + lh > H)) {
        add(`${at} (${lw}×${lh} at ${ox as number},${oy as number}) does not fit in the ${W}×${H} world`);
      }
      if (!Array.isArray(l.tiles)) return add(`${at}.tiles must be an array of numbers (not a typed array: scenes are JSON), got ${show(l.tiles)}`);
      if (l.tiles.length !== lw * lh) return add(`${at}.tiles has length ${l.tiles.length}, expected width × height = ${lw * lh}`);
      for (let j = 0; j < l.tiles.length; j++) {
        const c: unknown = l.tiles[j];
        if (!Number.isInteger(c)) add(`${at}.tiles[${j}] must be an integer tile code, got ${show(c)}`);
        else if (!codes.has(c as number)) add(`${at}.tiles[${j}]: code ${c as number} is not in the palette`);
        if (p.length >= MAX_PROBLEMS) break;
      }
      return true;
    });
  }

  if (!Array.isArray(x.sprites)) add(`sprites must be an array, got ${show(x.sprites)}`);
  else {
    x.sprites.forEach((s: unknown, i) => {
      const at = `sprites[${i}]`;
      if (!isRecord(s)) return add(`${at} must be an object, got ${show(s)}`);
      for (const k of Object.keys(s)) if (!SPRITE_KEYS.has(k)) add(`${at}: unknown key "${k}" (valid: ${[...SPRITE_KEYS].join(', ')})`);
      if (typeof s.kind !== 'string' || s.kind === '') add(`${at}.kind must be a non-empty string, got ${show(s.kind)}`);
      if (!isFiniteNumber(s.x) || !isFiniteNumber(s.y)) add(`${at}.x and .y must be finite numbers, got ${show(s.x)}, ${show(s.y)}`);
      if (s.facing !== undefined && !FACINGS.includes(s.facing as Facing)) add(`${at}.facing must be one of ${FACINGS.join(', ')}, got ${show(s.facing)}`);
      if (s.color !== undefined && (typeof s.color !== 'string' || !COLOR_RE.test(s.color))) add(`${at}.color must be "#rrggbb", got ${show(s.color)}`);
      if (s.label !== undefined && typeof s.label !== 'string') add(`${at}.label must be a string, got ${show(s.label)}`);
      if (s.id !== undefined && typeof s.id !== 'string') add(`${at}.id must be a string, got ${show(s.id)}`);
      if (s.size !== undefined && !(isFiniteNumber(s.size) && s.size > 0)) add(`${at}.size must be a number > 0, got ${show(s.size)}`);
      if (s.angle !== undefined && !isFiniteNumber(s.angle)) add(`${at}.angle must be a finite number (radians), got ${show(s.angle)}`);
      if (s.shape !== undefined && !SPRITE_SHAPES.includes(s.shape as SpriteShape)) add(`${at}.shape must be one of ${SPRITE_SHAPES.join(', ')}, got ${show(s.shape)}`);
      for (const k of ['w', 'h'] as const) {
        if (s[k] !== undefined && !(isFiniteNumber(s[k]) && s[k] > 0)) add(`${at}.${k} must be a number > 0, got ${show(s[k])}`);
      }
      return true;
    });
  }

  if (!isRecord(x.hud)) add(`hud must be an object of named numbers, strings or booleans, got ${show(x.hud)}`);
  else {
    for (const [k, v] of Object.entries(x.hud)) {
      if (!(typeof v === 'string' || typeof v === 'boolean' || isFiniteNumber(v))) add(`hud.${k} must be a finite number, a string or a boolean, got ${show(v)}`);
    }
  }
  if (x.title !== undefined && typeof x.title !== 'string') add(`title must be a string, got ${show(x.title)}`);
  if (x.text !== undefined && typeof x.text !== 'string') add(`text must be a string, got ${show(x.text)}`);
  if (x.events !== undefined && !(Array.isArray(x.events) && x.events.every((e) => typeof e === 'string'))) add(`events must be an array of strings, got ${show(x.events)}`);
  return p;
}

// ---------------------------------------------------------------------------------------------------
// Rendering any scene: rgb_array and ansi

export interface DrawSceneOptions {
  /** Pixels per cell (default 16). */
  tilePx?: number;
  /** Colour outside every layer (default black). */
  background?: Rgb;
}

/** Rasterises a scene: tiles as filled squares in their palette colour, sprites as discs or (agents) triangles. */
export function drawScene(scene: Scene, options: DrawSceneOptions = {}): RgbaFrame {
  const px = options.tilePx ?? 16;
  const f = newFrame(scene.width * px, scene.height * px, options.background ?? [0, 0, 0]);
  const colors = new Map<number, Rgb>();
  for (const e of scene.palette) colors.set(e.code, parseColor(e.color));
  for (const l of scene.layers) {
    const ox = l.x ?? 0, oy = l.y ?? 0;
    for (let y = 0; y < l.height; y++) {
      for (let x = 0; x < l.width; x++) {
        const rgb = colors.get(l.tiles[y * l.width + x]!);
        if (rgb) fillRect(f, (ox + x) * px, (oy + y) * px, px, px, rgb);
      }
    }
  }
  for (const s of scene.sprites) {
    const rgb = s.color ? parseColor(s.color) : ([255, 255, 255] as const);
    const size = (s.size ?? 1) * px;
    const cx = (s.x + 0.5) * px, cy = (s.y + 0.5) * px;
    const dir = spriteDirection(s);
    if (s.shape) {
      fillQuad(f, shapeCorners(s, cx, cy, px), rgb);
    } else if (dir) {
      // A triangle pointing where the sprite looks.
      const [dx, dy] = dir;
      const r = size * 0.4;
      const tip: [number, number] = [cx + dx * r, cy + dy * r];
      const a: [number, number] = [cx - dx * r - dy * r * 0.8, cy - dy * r + dx * r * 0.8];
      const b: [number, number] = [cx - dx * r + dy * r * 0.8, cy - dy * r - dx * r * 0.8];
      fillQuad(f, [tip, a, b], rgb);
    } else {
      fillCircle(f, cx, cy, size * 0.3, rgb);
    }
  }
  return f;
}

const FACING_VEC: Record<Facing, readonly [number, number]> = { up: [0, -1], right: [1, 0], down: [0, 1], left: [-1, 0] };

/** The unit vector a sprite points along (`angle` first, then `facing`), or null when it has neither. */
export function spriteDirection(s: Sprite): readonly [number, number] | null {
  if (s.angle !== undefined) return [Math.cos(s.angle), Math.sin(s.angle)];
  return s.facing ? FACING_VEC[s.facing] : null;
}

/**
 * The four corners (in the units of `px`, centre `cx`, `cy`) of a `rect` or `line` sprite, in drawing
 * order: a rect turns about its centre, a line starts at the centre.
 */
export function shapeCorners(s: Sprite, cx: number, cy: number, px: number): [number, number][] {
  const a = s.angle ?? 0;
  const ux = Math.cos(a), uy = Math.sin(a); // along w
  const vx = -uy, vy = ux; // along h
  const w = (s.w ?? 1) * px;
  const h = (s.h ?? (s.shape === 'line' ? 0.1 : 1)) * px;
  const x0 = s.shape === 'line' ? cx : cx - (ux * w) / 2, y0 = s.shape === 'line' ? cy : cy - (uy * w) / 2;
  const hx = (vx * h) / 2, hy = (vy * h) / 2;
  return [[x0 - hx, y0 - hy], [x0 + ux * w - hx, y0 + uy * w - hy], [x0 + ux * w + hx, y0 + uy * w + hy], [x0 + hx, y0 + hy]];
}
const FACING_CHAR: Record<Facing, string> = { up: '^', right: '>', down: 'v', left: '<' };

/**
 * A text frame: one character per cell (the palette's `char`), sprites on top (an arrow for a sprite with
 * `facing`, else the first letter of its label or kind), then the HUD as `key=value` and the text.
 */
export function sceneToAnsi(scene: Scene): string {
  const chars = new Map<number, string>();
  for (const e of scene.palette) chars.set(e.code, e.char ?? e.name[0] ?? '?');
  const rows: string[][] = Array.from({ length: scene.height }, () => new Array<string>(scene.width).fill(' '));
  for (const l of scene.layers) {
    const ox = l.x ?? 0, oy = l.y ?? 0;
    for (let y = 0; y < l.height; y++) for (let x = 0; x < l.width; x++) rows[oy + y]![ox + x] = chars.get(l.tiles[y * l.width + x]!) ?? '?';
  }
  for (const s of scene.sprites) {
    const x = Math.round(s.x), y = Math.round(s.y);
    if (y < 0 || y >= scene.height || x < 0 || x >= scene.width) continue;
    rows[y]![x] = s.facing ? FACING_CHAR[s.facing] : (s.label?.[0] ?? s.kind[0] ?? '*');
  }
  const lines = rows.map((r) => r.join(''));
  const hud = Object.entries(scene.hud).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v)}`);
  if (hud.length) lines.push(hud.join(' '));
  if (scene.text) lines.push(scene.text);
  return lines.join('\n');
}

/** `#rrggbb` → [r, g, b]. */
export function parseColor(hex: string): Rgb {
  if (!COLOR_RE.test(hex)) throw new RangeError(`colour must be "#rrggbb", got ${show(hex)}`);
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// ---------------------------------------------------------------------------------------------------
// info.events without allocation

/** The shared `info.events` of a step without events. */
export const NO_EVENTS: readonly string[] = Object.freeze([]);

/**
 * An env's event names, each with a bit, and a cache of frozen arrays per combination, so that a step
 * reports `info.events = table.get(mask)` without allocating (after the first time a combination occurs).
 *
 * ```ts
 * const EV = new EventTable(['picked_up_key', 'opened_door']);
 * info.events = EV.get(EV.bit('opened_door')); // ['opened_door'], frozen, shared
 * ```
 */
export class EventTable {
  private readonly cache = new Map<number, readonly string[]>();
  private readonly bits = new Map<string, number>();

  constructor(readonly names: readonly string[]) {
    if (names.length > 31) throw new RangeError(`EventTable: at most 31 event names, got ${names.length}`);
    names.forEach((n, i) => {
      if (!/^[a-z][a-z0-9_]*$/.test(n)) throw new RangeError(`EventTable: event name "${n}" must be snake_case`);
      if (this.bits.has(n)) throw new RangeError(`EventTable: event name "${n}" appears twice`);
      this.bits.set(n, 1 << i);
    });
  }

  /** The bit of an event name. */
  bit(name: string): number {
    const b = this.bits.get(name);
    if (b === undefined) throw new RangeError(`unknown event "${name}" (known: ${this.names.join(', ')})`);
    return b;
  }

  /** The frozen array of the events whose bits are set in `mask` (in declaration order); NO_EVENTS for 0. */
  get(mask: number): readonly string[] {
    if (mask === 0) return NO_EVENTS;
    return this.cache.get(mask) ?? this.build(mask);
  }

  private build(mask: number): readonly string[] {
    const a = Object.freeze(this.names.filter((_, i) => (mask & (1 << i)) !== 0));
    this.cache.set(mask, a);
    return a;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function isCount(v: unknown, name: string, add: (m: string) => boolean): boolean {
  if (!Number.isInteger(v) || (v as number) < 1) return add(`${name} must be an integer ≥ 1, got ${show(v)}`);
  return true;
}

function show(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (ArrayBuffer.isView(x)) return x.constructor.name;
  if (Array.isArray(x)) return `array(${x.length})`;
  if (typeof x === 'object' && x !== null) return 'object';
  return String(x);
}
