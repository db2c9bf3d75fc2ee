/**
 * The wire encoding: one msgpack object per binary WebSocket frame (protocol.ts). Outbound messages are
 * trusted and packed as they are; inbound bytes are untrusted, so decoding never throws: it gives either a
 * validated {@link ClientMessage} or the problem as text for an `error` reply.
 */
import { pack, unpack } from 'msgpackr';
import { parseClientMessage, type ClientMessage, type ServerMessage } from '../protocol.ts';
import { toWire } from '../wire.ts';

/** The frame for `msg`, in its wire form (wire.ts: tile layers as runs). */
export function encodeMessage(msg: ServerMessage): Buffer {
  return pack(toWire(msg));
}

// A live episode's messages are one set of objects shared by every page that watches it (SharedEpisode),
// so each is packed once however many pages get it; the bytes go when the message object does.
const packed = new WeakMap<ServerMessage, Buffer>();

/** {@link encodeMessage}, packed once per message object. */
export function encodeShared(msg: ServerMessage): Buffer {
  let b = packed.get(msg);
  if (!b) packed.set(msg, (b = encodeMessage(msg)));
  return b;
}

/**
 * Several messages as one frame (protocol 3): a msgpack array of them, made from their packed bytes (so a
 * message shared by several pages is still packed once). One message goes as itself.
 */
export function encodeBatch(msgs: readonly ServerMessage[]): Buffer {
  if (msgs.length === 1) return encodeShared(msgs[0]!);
  const n = msgs.length;
  const head = n < 16 ? Buffer.from([0x90 | n]) : n < 0x10000 ? Buffer.from([0xdc, n >> 8, n & 0xff]) : Buffer.from([0xdd, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([head, ...msgs.map(encodeShared)]);
}

export type Decoded = { ok: true; message: ClientMessage } | { ok: false; error: string };

/**
 * Decodes and validates one inbound frame. msgpackr throws on truncated input, unknown extensions and deep
 * nesting, and returns odd values for others (byte 0xC1, renamed `__proto__` keys): both end here as errors.
 */
export function decodeClientMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Decoded {
  if (!isBinary) return { ok: false, error: 'text frames are not accepted: send one msgpack-encoded message per binary frame' };
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  if (bytes.length === 0) return { ok: false, error: 'empty frame: expected a msgpack-encoded message' };
  let raw: unknown;
  try {
    raw = unpack(bytes);
  } catch (e) {
    return { ok: false, error: `not valid msgpack: ${short((e as Error).message)}` };
  }
  try {
    return { ok: true, message: parseClientMessage(raw) };
  } catch (e) {
    return { ok: false, error: short((e as Error).message) };
  }
}

// Error text goes back to the client: keep it short, and never echo its payload at length.
function short(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
