import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { pack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/envs/core/rng.ts';
import { MAX_INBOUND_BYTES, type ErrorMessage, type MetricsMessage, type StepMessage } from '../src/viewer/protocol.ts';
import { createViewerServer, type ViewerServer } from '../src/viewer/server/index.ts';
import { recordDemonstration, saveDemonstration } from '../src/envs/index.ts';
import { ViewerClient } from './support/viewer-client.ts';

function str(s: string): number[] {
  return [0xa0 | s.length, ...Buffer.from(s)];
}

/** Frames no valid client sends; each must earn one `error` reply, never a crash or a closed connection. */
function badFrames(): { name: string; bytes: Uint8Array | string; binary?: boolean }[] {
  const rng = new Rng(5);
  const out: { name: string; bytes: Uint8Array | string; binary?: boolean }[] = [];
  for (let i = 0; i < 120; i++) {
    const n = 1 + Math.floor(rng.random() * 300);
    out.push({ name: `random ${i}`, bytes: Uint8Array.from({ length: n }, () => Math.floor(rng.random() * 256)) });
  }
  const valid = pack({ type: 'get_metrics', runId: 'r' });
  for (let k = 1; k < valid.length; k += 3) out.push({ name: `truncated at ${k}`, bytes: valid.subarray(0, k) });
  out.push({ name: 'trailing bytes', bytes: Buffer.concat([valid, Buffer.from([0x00])]) });
  out.push({ name: 'array32 claiming 4e9 items', bytes: Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0) });
  out.push({ name: 'str32 claiming 4 GB', bytes: Uint8Array.of(0xdb, 0xff, 0xff, 0xff, 0xff, 0x61) });
  out.push({ name: 'deep arrays', bytes: Uint8Array.from([...new Array(60_000).fill(0x91), 0xc0]) });
  out.push({ name: 'deep maps', bytes: Uint8Array.from([...new Array(20_000).fill([0x81, 0xa1, 0x61]).flat(), 0xc0]) });
  out.push({ name: 'byte 0xC1', bytes: Uint8Array.of(0xc1) });
  out.push({ name: 'map then 0xC1', bytes: Uint8Array.of(0x81, ...str('type'), 0xc1) });
  out.push({ name: 'unknown extension', bytes: Uint8Array.of(0xd4, 0x7f, 0x00) });
  out.push({ name: 'unknown ext8', bytes: Uint8Array.of(0xc7, 0x03, 0x42, 1, 2, 3) });
  out.push({ name: 'timestamp ext', bytes: pack(new Date(0)) });
  out.push({ name: '__proto__ key', bytes: Uint8Array.of(0x82, ...str('type'), ...str('pause'), ...str('__proto__'), 0x81, ...str('polluted'), 0xc3) });
  out.push({ name: '__proto__ with valid fields', bytes: Uint8Array.of(0x83, ...str('type'), ...str('pause'), ...str('paused'), 0xc3, ...str('__proto__'), 0x81, ...str('polluted'), 0xc3) });
  out.push({ name: 'constructor key', bytes: pack({ type: 'pause', paused: true, constructor: { prototype: { polluted: true } } }) });
  for (const [name, v] of [
    ['nil', null], ['number', 42], ['string', 'subscribe'], ['array', ['subscribe', 'r']], ['no type', { runId: 'r' }], ['unknown type', { type: 'shutdown' }],
    ['type not a string', { type: 7 }], ['action a string', { type: 'play_act', action: '1' }], ['action negative', { type: 'play_act', action: -1 }],
    ['action NaN', { type: 'play_act', action: NaN }], ['action float', { type: 'play_act', action: 1.5 }], ['speed Infinity', { type: 'speed', factor: Infinity }],
    ['subEnv huge', { type: 'subscribe', runId: 'r', subEnv: 1e12 }], ['runId empty', { type: 'get_metrics', runId: '' }], ['runId huge', { type: 'get_metrics', runId: 'x'.repeat(5000) }],
    ['extra field', { type: 'unsubscribe', extra: 1 }], ['paused a number', { type: 'pause', paused: 1 }], ['binary runId', { type: 'get_metrics', runId: Buffer.from('r') }],
  ] as const) out.push({ name, bytes: pack(v) });
  out.push({ name: 'empty frame', bytes: new Uint8Array(0) });
  out.push({ name: 'text frame', bytes: '{"type":"unsubscribe"}', binary: false });
  return out;
}

describe('viewer server under hostile input', () => {
  let server: ViewerServer;
  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'viewer-fuzz-'));
    mkdirSync(join(root, 'page'));
    writeFileSync(join(root, 'page', 'index.html'), '<!doctype html>');
    const runDir = join(root, 'r');
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'config.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0', envKwargs: { size: 5 } }));
    writeFileSync(join(runDir, 'metrics.jsonl'), '{"type":"iteration","iteration":1}\n');
    // A long run's metrics (~3 MB): what a client that stops reading asks for, again and again.
    const big = join(root, 'big');
    mkdirSync(big);
    writeFileSync(join(big, 'config.json'), JSON.stringify({ envId: 'KeyDoorTreasure-v0' }));
    writeFileSync(join(big, 'metrics.jsonl'), Array.from({ length: 30_000 }, (_, i) => JSON.stringify({ type: 'episode', global_step: i * 100, return: i / 7, length: 100, note: 'x'.repeat(40) })).join('\n'));
    saveDemonstration(join(runDir, 'demos', 'd.json'), recordDemonstration('KeyDoorTreasure-v0', { size: 5 }, 2, [0, 1, 2, 2, 1, 0, 2, 2, 2, 1, 2, 2], 'test'));
    server = await createViewerServer({ staticDir: join(root, 'page'), runDirs: [runDir, big] });
  });
  afterAll(async () => server?.close());

  it('answers every malformed frame with an error and keeps serving it and the other clients', async () => {
    const bystander = await ViewerClient.open(server.url);
    bystander.send({ type: 'speed', factor: 2 });
    const replay = bystander.ask({ type: 'open_replay', runId: 'r', path: 'demos/d.json' }, (m) => m.type === 'episode_end');
    const c = await ViewerClient.open(server.url);
    const frames = badFrames();
    const from = c.messages.length;
    for (const f of frames) c.sendRaw(f.bytes, f.binary ?? true);
    await c.wait(() => c.messages.length - from >= frames.length, 15_000, from);
    const replies = c.messages.slice(from) as ErrorMessage[];
    expect(replies.length).toBe(frames.length);
    for (const [i, r] of replies.entries()) expect([frames[i]!.name, r.type, r.code]).toEqual([frames[i]!.name, 'error', 'bad_message']);
    expect(replies.find((_, i) => frames[i]!.name === 'text frame')!.message).toMatch(/binary/);
    expect(replies.find((_, i) => frames[i]!.name === 'action a string')!.message).toMatch(/action/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // The fuzzing client itself is still served.
    const m = await c.ask<MetricsMessage>({ type: 'get_metrics', runId: 'r' }, (x) => x.type === 'metrics');
    expect(m.rows).toEqual([{ type: 'iteration', iteration: 1 }]);

    // A frame over 64 KiB closes that client's socket (1009), and only that one.
    const big = await ViewerClient.open(server.url);
    big.sendRaw(new Uint8Array(MAX_INBOUND_BYTES + 1));
    await new Promise<void>((r) => big.ws.once('close', () => r()));
    expect(big.closeCode).toBe(1009);
    // Exactly at the cap is fine (and answered as the garbage it is).
    const edge = await ViewerClient.open(server.url);
    const from2 = edge.messages.length;
    edge.sendRaw(new Uint8Array(MAX_INBOUND_BYTES));
    expect(await edge.wait<ErrorMessage>((x) => x.type === 'error', 5000, from2)).toMatchObject({ code: 'bad_message', message: expect.stringMatching(/msgpack/) });
    expect(edge.closeCode).toBeNull();

    await replay; // the bystander's replay ran to its end through all of it
    const steps = bystander.messages.filter((x): x is StepMessage => x.type === 'step');
    expect(steps.length).toBe(12);
    expect((await bystander.ask<MetricsMessage>({ type: 'get_metrics', runId: 'r' }, (x) => x.type === 'metrics')).rows.length).toBe(1);
    expect((await c.ask<MetricsMessage>({ type: 'get_metrics', runId: 'r' }, (x) => x.type === 'metrics')).rows.length).toBe(1);
    const late = await ViewerClient.open(server.url); // and new clients are welcome
    expect(late.messages[0]!.type).toBe('hello');
    for (const x of [bystander, c, edge, late]) await x.close();
  });

  it('cuts off a client that stops reading once its unsent data passes the bound; others are served meanwhile', async () => {
    const slow = await ViewerClient.open(server.url);
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause(); // reads nothing from now on
    const other = await ViewerClient.open(server.url);
    for (let i = 0; i < 10; i++) slow.send({ type: 'get_metrics', runId: 'big' }); // ~30 MB of replies
    const m = await other.ask<MetricsMessage>({ type: 'get_metrics', runId: 'r' }, (x) => x.type === 'metrics');
    expect(m.rows.length).toBe(1);
    socket.resume();
    await new Promise<void>((r) => (slow.closeCode !== null ? r() : slow.ws.once('close', () => r())));
    expect(slow.closeCode).toBe(1006); // terminated by the server, not closed by us
    const got = slow.messages.filter((x): x is MetricsMessage => x.type === 'metrics').reduce((n, x) => n + x.rows.length, 0);
    expect(got).toBeLessThan(10 * 30_000); // it did not get (so the server did not hold) all it asked for
    expect((await other.ask<MetricsMessage>({ type: 'get_metrics', runId: 'r' }, (x) => x.type === 'metrics')).rows.length).toBe(1);
    await other.close();
  });

  it('tells a client that floods it to slow down, without closing it', async () => {
    const c = await ViewerClient.open(server.url);
    const from = c.messages.length;
    const valid = pack({ type: 'pause', paused: false });
    for (let i = 0; i < 600; i++) c.sendRaw(valid);
    await c.wait((m) => m.type === 'error' && m.code === 'busy', 5000, from);
    await new Promise((r) => setTimeout(r, 1100)); // the bucket refills
    const m = await c.ask<MetricsMessage>({ type: 'get_metrics', runId: 'r' }, (x) => x.type === 'metrics');
    expect(m.rows.length).toBe(1);
    await c.close();
  });
});
