import { EnvStateError } from './env-state.ts';

/**
 * Saving and restoring named fields of an env object for the env-state contract (env-state.ts): each env
 * lists its mutable fields once (a {@link FieldList}) and gets an exact JSON snapshot of them.
 *
 * Scalars are numbers (non-finite ones as the strings "NaN", "Infinity", "-Infinity", which JSON lacks) or
 * booleans. Typed arrays are `{ dtype, length, base64 }` of their bytes (little-endian, as every platform
 * Node and browsers run on), so floats come back bit for bit. A restore checks every field before it
 * writes any, so a bad state leaves the env as it was.
 */
export interface FieldList {
  /** Number or boolean fields. */
  readonly scalars?: readonly string[];
  /** Typed-array fields (restored in place: same dtype and length). */
  readonly arrays?: readonly string[];
  /** Object fields with fields of their own (e.g. a grid, a physics state). */
  readonly objects?: Readonly<Record<string, FieldList>>;
}

/** A typed array in a state: its constructor's name, its length and its bytes in base64. */
export interface EncodedArray {
  dtype: string;
  length: number;
  base64: string;
}

type AnyTypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

function isTypedArray(v: unknown): v is AnyTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

export function encodeArray(a: AnyTypedArray): EncodedArray {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { dtype: a.constructor.name, length: a.length, base64: btoa(bin) };
}

/** The bytes of `enc` as an array like `like` (same dtype and length), or an EnvStateError naming `where`. */
export function decodeArrayLike(like: AnyTypedArray, enc: unknown, where: string): AnyTypedArray {
  const e = enc as Partial<EncodedArray> | null;
  if (typeof e !== 'object' || e === null || typeof e.base64 !== 'string' || typeof e.dtype !== 'string') {
    throw new EnvStateError(`${where}: expected an encoded array { dtype, length, base64 }, got ${short(enc)}`);
  }
  const dtype = like.constructor.name;
  if (e.dtype !== dtype || e.length !== like.length) throw new EnvStateError(`${where}: the state holds a ${e.dtype}[${String(e.length)}], this env needs a ${dtype}[${like.length}]`);
  let bin: string;
  try {
    bin = atob(e.base64);
  } catch {
    throw new EnvStateError(`${where}: the array's base64 is corrupt`);
  }
  if (bin.length !== like.byteLength) throw new EnvStateError(`${where}: the array's base64 holds ${bin.length} bytes, a ${dtype}[${like.length}] needs ${like.byteLength}`);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const Ctor = like.constructor as new (buf: ArrayBuffer) => AnyTypedArray;
  return new Ctor(bytes.buffer);
}

const DTYPES: Readonly<Record<string, new (n: number) => AnyTypedArray>> = {
  Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray,
};

/** A new typed array of the saved dtype and length (for a state field with no buffer of its own to restore into). */
export function decodeArray(enc: unknown, where: string): AnyTypedArray {
  const e = enc as Partial<EncodedArray> | null;
  const Ctor = typeof e === 'object' && e !== null && typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
  if (!Ctor || !Number.isSafeInteger(e!.length) || e!.length! < 0) throw new EnvStateError(`${where}: expected an encoded typed array { dtype, length, base64 }, got ${short(enc)}`);
  return decodeArrayLike(new Ctor(e!.length!), enc, where);
}

/** A number or boolean for a state: non-finite numbers as strings. */
export function encodeScalar(v: number | boolean): number | boolean | string {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/** The value of an {@link encodeScalar} output of the same type as `like`, or an EnvStateError naming `where`. */
export function decodeScalar(like: unknown, v: unknown, where: string): number | boolean {
  if (typeof like === 'boolean') {
    if (typeof v !== 'boolean') throw new EnvStateError(`${where}: expected a boolean, got ${short(v)}`);
    return v;
  }
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  throw new EnvStateError(`${where}: expected a number, got ${short(v)}`);
}

/** A snapshot of `list`'s fields of `obj`; a listed field that is missing or of the wrong type throws (a bug in the list). */
export function saveFields(obj: object, list: FieldList, where: string): Record<string, unknown> {
  const o = obj as Record<string, unknown>, out: Record<string, unknown> = {};
  for (const k of list.scalars ?? []) {
    const v = o[k];
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new Error(`${where}: field ${k} is ${short(v)}, not a number or boolean`);
    out[k] = encodeScalar(v);
  }
  for (const k of list.arrays ?? []) {
    const v = o[k];
    if (!isTypedArray(v)) throw new Error(`${where}: field ${k} is not a typed array`);
    out[k] = encodeArray(v);
  }
  for (const [k, sub] of Object.entries(list.objects ?? {})) {
    const v = o[k];
    if (typeof v !== 'object' || v === null) throw new Error(`${where}: field ${k} is not an object`);
    out[k] = saveFields(v, sub, `${where}.${k}`);
  }
  return out;
}

/** Puts a {@link saveFields} snapshot back into `obj`, after checking all of it (nothing is written if any field is wrong). */
export function loadFields(obj: object, list: FieldList, data: unknown, where: string): void {
  const writes: (() => void)[] = [];
  planLoad(obj, list, data, where, writes);
  for (const w of writes) w();
}

/** Checks a {@link saveFields} snapshot against `obj` without writing anything; throws EnvStateError on the first bad field. */
export function checkFields(obj: object, list: FieldList, data: unknown, where: string): void {
  planLoad(obj, list, data, where, []);
}

function planLoad(obj: object, list: FieldList, data: unknown, where: string, writes: (() => void)[]): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new EnvStateError(`${where}: expected an object of fields, got ${short(data)}`);
  const o = obj as Record<string, unknown>, d = data as Record<string, unknown>;
  for (const k of list.scalars ?? []) {
    if (!(k in d)) throw new EnvStateError(`${where}: the state lacks field ${k}`);
    const v = decodeScalar(o[k], d[k], `${where}.${k}`);
    writes.push(() => {
      o[k] = v;
    });
  }
  for (const k of list.arrays ?? []) {
    if (!(k in d)) throw new EnvStateError(`${where}: the state lacks field ${k}`);
    const dst = o[k] as AnyTypedArray;
    const src = decodeArrayLike(dst, d[k], `${where}.${k}`);
    writes.push(() => dst.set(src));
  }
  for (const [k, sub] of Object.entries(list.objects ?? {})) {
    if (!(k in d)) throw new EnvStateError(`${where}: the state lacks field ${k}`);
    planLoad(o[k] as object, sub, d[k], `${where}.${k}`, writes);
  }
}

function short(v: unknown): string {
  if (v === undefined) return 'undefined';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
