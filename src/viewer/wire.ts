/**
 * The wire form of server messages: what is packed differs from the protocol's types only in tile layers,
 * which go as runs (`rle: [code, count, code, count, …]` instead of `tiles`, width × height codes: a room's
 * walls and floor are a few runs per row), and palette entries without `char` (a terminal rendering's glyph,
 * which the page does not draw). `toWire` is applied by the server's encoder, `fromWire` by the page's
 * decoder; a layer that still carries `tiles` passes through, so a plain msgpack sender works too.
 * Zod-free: the page bundles it.
 */
import type { PaletteEntry, Scene, TileLayer } from '../envs/core/scene.ts';
import type { SceneDelta } from './protocol-core.ts';

/** Largest layer a page expands (cells): a bad count cannot make it allocate without bound. */
export const MAX_LAYER_CELLS = 1 << 20;

/** A tile layer as sent. */
export interface WireTileLayer {
  name: string;
  width: number;
  height: number;
  /** Runs of equal codes in row-major order: code, count, code, count, … (counts ≥ 1, summing to width × height). */
  rle: number[];
  x?: number;
  y?: number;
}

/** Runs of `tiles`: [code, count, …]. */
export function encodeRuns(tiles: ArrayLike<number>): number[] {
  const out: number[] = [];
  const n = tiles.length;
  for (let i = 0; i < n; ) {
    const c = tiles[i]!;
    let j = i + 1;
    while (j < n && tiles[j] === c) j++;
    out.push(c, j - i);
    i = j;
  }
  return out;
}

/** The `cells` codes of `runs`; throws naming the problem when the runs do not describe exactly `cells` codes. */
export function decodeRuns(runs: unknown, cells: number, what = 'layer'): number[] {
  if (!Array.isArray(runs) || runs.length % 2 !== 0) throw new Error(`${what}: rle must be an array of code, count pairs`);
  if (!Number.isInteger(cells) || cells < 0 || cells > MAX_LAYER_CELLS) throw new Error(`${what}: ${cells} cells is outside 0..${MAX_LAYER_CELLS}`);
  const out = new Array<number>(cells);
  let k = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const code = runs[i], count = runs[i + 1];
    if (typeof code !== 'number' || !Number.isInteger(count) || (count as number) < 1 || k + (count as number) > cells) {
      throw new Error(`${what}: bad run ${i / 2} (code ${String(code)}, count ${String(count)}) for ${cells} cells`);
    }
    out.fill(code, k, k + (count as number));
    k += count as number;
  }
  if (k !== cells) throw new Error(`${what}: runs cover ${k} of ${cells} cells`);
  return out;
}

function layerToWire(l: TileLayer): WireTileLayer {
  const { tiles, ...rest } = l;
  return { ...rest, rle: encodeRuns(tiles) };
}

function layerFromWire(l: unknown, what: string): unknown {
  if (typeof l !== 'object' || l === null || !('rle' in l)) return l;
  const { rle, ...rest } = l as WireTileLayer;
  return { ...rest, tiles: decodeRuns(rle, rest.width * rest.height, what) };
}

/** `s` as a page gets it after the round trip through the wire: the same but for the palette's glyphs. */
export function sceneAsReceived(s: Scene): Scene {
  return { ...s, palette: s.palette.map(({ char: _char, ...e }: PaletteEntry) => e) };
}

function sceneToWire(s: Scene): unknown {
  return { ...s, palette: s.palette.map(({ char: _char, ...e }: PaletteEntry) => e), layers: s.layers.map(layerToWire) };
}

/** The object to pack for `msg` (a ServerMessage): layers as runs, palettes without glyphs; others as they are. */
export function toWire<M extends { type: string }>(msg: M): unknown {
  if (msg.type === 'episode_start') {
    const m = msg as unknown as { scene: Scene };
    return { ...msg, scene: sceneToWire(m.scene) };
  }
  if (msg.type === 'step') {
    const d = (msg as unknown as { delta: SceneDelta }).delta;
    if (d.layers?.length) return { ...msg, delta: { ...d, layers: d.layers.map(({ index, layer }) => ({ index, layer: layerToWire(layer) })) } };
  }
  return msg;
}

/** Undoes {@link toWire} on a decoded message (untrusted shape: anything odd is left for the caller's checks; bad runs throw). */
export function fromWire(m: unknown): unknown {
  if (typeof m !== 'object' || m === null) return m;
  const o = m as Record<string, unknown>;
  if (o.type === 'episode_start' && typeof o.scene === 'object' && o.scene !== null) {
    const s = o.scene as Record<string, unknown>;
    if (Array.isArray(s.layers)) return { ...o, scene: { ...s, layers: s.layers.map((l, i) => layerFromWire(l, `scene layer ${i}`)) } };
  }
  if (o.type === 'step' && typeof o.delta === 'object' && o.delta !== null) {
    const d = o.delta as Record<string, unknown>;
    if (Array.isArray(d.layers)) {
      return { ...o, delta: { ...d, layers: d.layers.map((e: unknown, i) => (typeof e === 'object' && e !== null ? { ...e, layer: layerFromWire((e as { layer?: unknown }).layer, `delta layer ${i}`) } : e)) } };
    }
  }
  return m;
}
