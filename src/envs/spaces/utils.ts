import { Box } from './box.ts';
import { Dict } from './dict.ts';
import { Discrete } from './discrete.ts';
import { MultiBinary } from './multi-binary.ts';
import { MultiDiscrete } from './multi-discrete.ts';
import type { JSONBound, Space, SpaceJSON } from './space.ts';
import { Tuple } from './tuple.ts';

/** Length of the flat vector of an element of `space` (Gymnasium's `flatdim`). */
export function flatdim(space: Space<unknown>): number {
  return space.flatdim;
}

/** `x` as a flat Float32Array (Discrete and MultiDiscrete become one-hot). */
export function flatten<T>(space: Space<T>, x: T): Float32Array {
  return space.flatten(x);
}

/** Write `x` flattened into `out` at `offset`, allocation-free. */
export function flattenInto<T>(space: Space<T>, x: T, out: Float32Array, offset = 0): void {
  space.flattenInto(x, out, offset);
}

export function unflatten<T>(space: Space<T>, flat: ArrayLike<number>): T {
  if (flat.length !== space.flatdim) throw new RangeError(`unflatten: got ${flat.length} values, ${space.toString()} needs ${space.flatdim}`);
  return space.unflatten(flat, 0);
}

/** The Box that flattened elements of `space` live in (float32, 1-D). */
export function flattenSpace(space: Space<unknown>): Box {
  const low = new Float64Array(space.flatdim);
  const high = new Float64Array(space.flatdim);
  writeFlatBounds(space, low, high, 0);
  return new Box(low, high, [space.flatdim], 'float32');
}

function writeFlatBounds(space: Space<unknown>, low: Float64Array, high: Float64Array, offset: number): number {
  if (space instanceof Box) {
    low.set(space.low, offset);
    high.set(space.high, offset);
  } else if (space instanceof Dict) {
    let o = offset;
    for (const k of space.keys) o = writeFlatBounds(space.spaces[k]!, low, high, o);
  } else if (space instanceof Tuple) {
    let o = offset;
    for (const s of space.spaces) o = writeFlatBounds(s, low, high, o);
  } else {
    // Discrete, MultiDiscrete (one-hot) and MultiBinary: every entry is 0 or 1.
    high.fill(1, offset, offset + space.flatdim);
  }
  return offset + space.flatdim;
}

/** Rebuild a space from `space.toJSON()`. */
export function spaceFromJSON(j: SpaceJSON): Space<unknown> {
  switch (j.type) {
    case 'Discrete':
      return new Discrete(j.n, j.start);
    case 'Box':
      return new Box(j.low.map(fromJSONBound), j.high.map(fromJSONBound), j.shape, j.dtype);
    case 'MultiDiscrete':
      return new MultiDiscrete(j.nvec, { shape: j.shape, start: j.start });
    case 'MultiBinary':
      return new MultiBinary(j.shape);
    case 'Dict':
      return new Dict(j.spaces.map(([k, s]): [string, Space<unknown>] => [k, spaceFromJSON(s)]));
    case 'Tuple':
      return new Tuple(j.spaces.map(spaceFromJSON));
    default:
      throw new TypeError(`spaceFromJSON: unknown space type ${JSON.stringify((j as { type: unknown }).type)}`);
  }
}

function fromJSONBound(v: JSONBound): number {
  return v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
}
