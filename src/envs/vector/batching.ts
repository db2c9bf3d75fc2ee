import { InvalidActionError, InvalidObservationError } from '../core/errors.ts';
import { Box } from '../spaces/box.ts';
import { Dict } from '../spaces/dict.ts';
import { Discrete } from '../spaces/discrete.ts';
import { MultiBinary } from '../spaces/multi-binary.ts';
import { MultiDiscrete } from '../spaces/multi-discrete.ts';
import { TYPED_ARRAY, show, type Space, type TypedArray } from '../spaces/space.ts';
import { Tuple } from '../spaces/tuple.ts';

// Batch buffers for vector envs. A batch of n elements of a single space has the layout of
// `space.batch(n)`'s elements:
//   Discrete            → Int32Array  [n]
//   Box(shape, dtype)   → dtype array [n * prod(shape)], row-major, env i at i * prod(shape)
//   MultiDiscrete(nvec) → Int32Array  [n * nvec.length]
//   MultiBinary(shape)  → Int8Array   [n * prod(shape)]
//   Dict / Tuple        → an object / array of batches, one per sub-space
// Writers and readers are built once per vector env and do not allocate when called.

/** A typed-array constructor that can also wrap an existing (shared) buffer. */
export interface TypedArrayConstructor {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
}

/** Makes the typed array of each leaf of a batch: on the heap, or on a SharedArrayBuffer for threads. */
export type BatchAllocator = (ctor: TypedArrayConstructor, length: number) => TypedArray;

export const heapAllocator: BatchAllocator = (ctor, length) => new ctor(length);

export const sharedAllocator: BatchAllocator = (ctor, length) => new ctor(new SharedArrayBuffer(Math.max(1, length) * ctor.BYTES_PER_ELEMENT), 0, length);

/** The typed array type and length per element of a leaf space (Discrete, Box, MultiDiscrete, MultiBinary). */
function leafLayout(space: Space<unknown>): { ctor: TypedArrayConstructor; size: number } | null {
  if (space instanceof Discrete) return { ctor: Int32Array, size: 1 };
  if (space instanceof Box) return { ctor: TYPED_ARRAY[space.dtype] as unknown as TypedArrayConstructor, size: space.size };
  if (space instanceof MultiDiscrete) return { ctor: Int32Array, size: space.nvec.length };
  if (space instanceof MultiBinary) return { ctor: Int8Array, size: space.flatdim };
  return null;
}

function unsupported(space: Space<unknown>): TypeError {
  return new TypeError(`vector envs cannot batch ${space.toString()}: supported spaces are Discrete, Box, MultiDiscrete, MultiBinary, Dict and Tuple of these`);
}

function shapeOf(space: Space<unknown>): string {
  return `[${space.shape.join(', ')}]`;
}

/** A zeroed batch buffer for `n` elements of `space` (layout above). */
export function createBatch(space: Space<unknown>, n: number, alloc: BatchAllocator = heapAllocator): unknown {
  const leaf = leafLayout(space);
  if (leaf) return alloc(leaf.ctor, n * leaf.size);
  if (space instanceof Dict) {
    const out: Record<string, unknown> = {};
    for (const k of space.keys) out[k] = createBatch(space.spaces[k]!, n, alloc);
    return out;
  }
  if (space instanceof Tuple) return space.spaces.map((s) => createBatch(s, n, alloc));
  throw unsupported(space);
}

/** Writes the element of sub-env `i` into a batch; throws InvalidObservationError on a wrong shape. */
export type ElementWriter = (i: number, x: unknown) => void;

/**
 * A writer of observations of `space` into `batch` (made by {@link createBatch}). `who` prefixes errors,
 * e.g. `CartPole-v1: sub-env 3: observation has length 3, expected 4 (shape [4] of Box(...))`.
 */
export function batchWriter(space: Space<unknown>, batch: unknown, who: string, path = ''): ElementWriter {
  const leaf = leafLayout(space);
  if (space instanceof Discrete) {
    const b = batch as Int32Array;
    return (i, x) => {
      if (typeof x !== 'number') throw new InvalidObservationError(`${who}: sub-env ${i}: observation${path} is ${show(x)}, expected an integer of ${space.toString()}`);
      b[i] = x;
    };
  }
  if (leaf) {
    const b = batch as TypedArray;
    const size = leaf.size;
    const desc = `expected ${size} (shape ${shapeOf(space)} of ${space.toString()})`;
    const bad = (i: number, x: unknown): never => {
      const got = x !== null && typeof x === 'object' && typeof (x as { length?: unknown }).length === 'number' ? `has length ${(x as ArrayLike<number>).length}` : `is ${show(x)}`;
      throw new InvalidObservationError(`${who}: sub-env ${i}: observation${path} ${got}, ${desc}`);
    };
    // A short loop beats a native `set` call for small elements (CartPole's 4 floats).
    if (size <= 16) {
      return (i, x) => {
        const a = x as ArrayLike<number>;
        if (a === null || typeof a !== 'object' || a.length !== size) bad(i, x);
        const o = i * size;
        for (let j = 0; j < size; j++) b[o + j] = a[j]!;
      };
    }
    return (i, x) => {
      const a = x as ArrayLike<number>;
      if (a === null || typeof a !== 'object' || a.length !== size) bad(i, x);
      b.set(a, i * size);
    };
  }
  if (space instanceof Dict) {
    const keys = space.keys;
    const subs = keys.map((k) => batchWriter(space.spaces[k]!, (batch as Record<string, unknown>)[k], who, `${path}.${k}`));
    return (i, x) => {
      if (x === null || typeof x !== 'object') throw new InvalidObservationError(`${who}: sub-env ${i}: observation${path} is ${show(x)}, expected an object with keys ${keys.join(', ')}`);
      const o = x as Record<string, unknown>;
      for (let j = 0; j < keys.length; j++) subs[j]!(i, o[keys[j]!]);
    };
  }
  if (space instanceof Tuple) {
    const subs = space.spaces.map((s, j) => batchWriter(s, (batch as unknown[])[j], who, `${path}[${j}]`));
    const len = subs.length;
    return (i, x) => {
      if (!Array.isArray(x) || x.length !== len) throw new InvalidObservationError(`${who}: sub-env ${i}: observation${path} is ${show(x)}, expected an array of ${len} entries (${space.toString()})`);
      for (let j = 0; j < len; j++) subs[j]!(i, x[j]);
    };
  }
  throw unsupported(space);
}

/**
 * Reads the action of sub-env `i` out of a batch of actions. Discrete gives a number; array spaces give a
 * per-sub-env buffer preallocated here and overwritten on every call (so the env never holds the caller's
 * array); Dict/Tuple give a per-sub-env object/array of those. No allocation per call.
 */
export type ElementReader = (batch: unknown, i: number) => unknown;

/** A reader of actions of `space` from batches of `n` elements; a wrong-sized batch is an InvalidActionError. */
export function batchReader(space: Space<unknown>, n: number, who: string, path = ''): ElementReader {
  const leaf = leafLayout(space);
  if (leaf) {
    const size = leaf.size;
    const expected = n * size;
    const check = (b: unknown): void => {
      const len = b !== null && typeof b === 'object' ? (b as { length?: unknown }).length : undefined;
      if (len !== expected) {
        const got = typeof len === 'number' ? `has length ${len}` : `is ${show(b)}`;
        throw new InvalidActionError(`${who}: actions${path} ${got}, expected ${expected} (${n} sub-envs × ${size} for ${space.toString()}); pass one action per sub-env`);
      }
    };
    if (space instanceof Discrete) {
      return (b, i) => {
        const a = b as ArrayLike<number>;
        if (a === null || a === undefined || a.length !== n) check(b);
        return a[i];
      };
    }
    const scratch: TypedArray[] = Array.from({ length: n }, () => new leaf.ctor(size));
    return (b, i) => {
      const a = b as ArrayLike<number>;
      if (a === null || a === undefined || a.length !== expected) check(b);
      const s = scratch[i]!;
      const o = i * size;
      for (let j = 0; j < size; j++) s[j] = a[o + j]!;
      return s;
    };
  }
  if (space instanceof Dict) {
    const keys = space.keys;
    const subs = keys.map((k) => batchReader(space.spaces[k]!, n, who, `${path}.${k}`));
    const scratch: Record<string, unknown>[] = Array.from({ length: n }, () => Object.fromEntries(keys.map((k) => [k, undefined])));
    return (b, i) => {
      if (b === null || typeof b !== 'object') throw new InvalidActionError(`${who}: actions${path} is ${show(b)}, expected an object with keys ${keys.join(', ')}`);
      const batch = b as Record<string, unknown>;
      const s = scratch[i]!;
      for (let j = 0; j < keys.length; j++) s[keys[j]!] = subs[j]!(batch[keys[j]!], i);
      return s;
    };
  }
  if (space instanceof Tuple) {
    const subs = space.spaces.map((s, j) => batchReader(s, n, who, `${path}[${j}]`));
    const len = subs.length;
    const scratch: unknown[][] = Array.from({ length: n }, () => new Array<unknown>(len).fill(undefined));
    return (b, i) => {
      if (!Array.isArray(b) || b.length !== len) throw new InvalidActionError(`${who}: actions${path} is ${show(b)}, expected an array of ${len} batches (${space.toString()})`);
      const s = scratch[i]!;
      for (let j = 0; j < len; j++) s[j] = subs[j]!(b[j], i);
      return s;
    };
  }
  throw unsupported(space);
}

/** Copy a whole batch `src` into `dst` (same layout), checking sizes; used to hand actions to workers. */
export function copyBatch(space: Space<unknown>, src: unknown, dst: unknown, n: number, who: string, path = ''): void {
  const leaf = leafLayout(space);
  if (leaf) {
    const d = dst as TypedArray;
    const s = src as ArrayLike<number>;
    const len = s !== null && typeof s === 'object' ? s.length : undefined;
    if (len !== d.length) {
      throw new InvalidActionError(`${who}: actions${path} ${typeof len === 'number' ? `has length ${len}` : `is ${show(src)}`}, expected ${d.length} (${n} sub-envs × ${leaf.size} for ${space.toString()}); pass one action per sub-env`);
    }
    if (len <= 64) for (let j = 0; j < len; j++) d[j] = s[j]!;
    else d.set(s);
    return;
  }
  if (space instanceof Dict) {
    if (src === null || typeof src !== 'object') throw new InvalidActionError(`${who}: actions${path} is ${show(src)}, expected an object with keys ${space.keys.join(', ')}`);
    for (const k of space.keys) copyBatch(space.spaces[k]!, (src as Record<string, unknown>)[k], (dst as Record<string, unknown>)[k], n, who, `${path}.${k}`);
    return;
  }
  if (space instanceof Tuple) {
    if (!Array.isArray(src) || src.length !== space.spaces.length) throw new InvalidActionError(`${who}: actions${path} is ${show(src)}, expected an array of ${space.spaces.length} batches`);
    space.spaces.forEach((s, j) => copyBatch(s, src[j], (dst as unknown[])[j], n, who, `${path}[${j}]`));
    return;
  }
  throw unsupported(space);
}
