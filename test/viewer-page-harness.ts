/**
 * Test harness for the viewer page in a real browser: a static file server for the built page plus a
 * real `ws` WebSocketServer at WS_PATH that speaks the protocol from scripted episodes of real envs, a
 * PNG decoder for pixel probes, and Debian's chromium through playwright-core.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { inflateSync } from 'node:zlib';
import { pack, unpack } from 'msgpackr';
import { chromium, type Browser } from 'playwright-core';
import { WebSocketServer, type WebSocket } from 'ws';
import { make } from '../src/envs/core/registry.ts';
import { hasScene, sceneOf, SCENE_VERSION, type Scene } from '../src/envs/core/scene.ts';
import type { Env } from '../src/envs/core/env.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import '../src/envs/registrations.ts';
import {
  parseClientMessage, PROTOCOL_VERSION, sceneDelta, WS_PATH, type ClientMessage, type EpisodeSource, type RunInfo, type ServerMessage,
} from '../src/viewer/protocol.ts';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

// ------------------------------------------------------------------ scripted episodes of real envs

export interface ScriptedEpisode {
  envId: string;
  /** frames[t] = s_t as the env described it (JSON copies). */
  frames: Scene[];
  actions: number[];
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
  actionNames: string[];
  fps: number;
}

const json = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** Actions from a small LCG seeded by `seed`, so every run of the test sees the same episode. */
export function scriptEpisode(envId: string, seed: number, maxSteps: number, useExpert = false): ScriptedEpisode {
  const env = make(envId) as Env<unknown, number>;
  const reset = env.reset({ seed });
  const expert = useExpert ? expertFor(envId)?.(env as Env<unknown, unknown>) ?? null : null;
  if (useExpert && !expert) throw new Error(`${envId} has no expert`);
  let obs: unknown = reset.obs;
  const n = (env.actionSpace as unknown as { n: number }).n;
  const frames = [json(sceneOf(env))];
  const actions: number[] = [], rewards: number[] = [];
  let terminated = false, truncated = false, rng = seed * 7919 + 17;
  for (let t = 0; t < maxSteps && !terminated && !truncated; t++) {
    rng = (rng * 1103515245 + 12345) % 2147483648;
    const a = expert ? (expert(obs) as number) : rng % n;
    const r = env.step(a);
    obs = r.obs;
    actions.push(a);
    rewards.push(r.reward);
    terminated = r.terminated;
    truncated = r.truncated;
    frames.push(json(sceneOf(env)));
  }
  const meta = env.unwrapped.metadata;
  return { envId, frames, actions, rewards, terminated, truncated, actionNames: [...(meta.actionNames ?? [])], fps: meta.renderFps ?? 10 };
}

/** A method's output for a scripted episode: made-up but distinct numbers, float64 on the wire. */
export function fakeRedistribution(ep: ScriptedEpisode, episode: number): Extract<ServerMessage, { type: 'redistribution' }> {
  const L = ep.rewards.length;
  const total = ep.rewards.reduce((a, b) => a + b, 0);
  const redistributed = ep.rewards.map((_, i) => total / L + ((i % 3) - 1) * 0.125 + i * 1e-3);
  let s = 0;
  const predictions = redistributed.map((r) => (s += r) + 0.01);
  return { type: 'redistribution', episode, method: 'rudder', rewards: [...ep.rewards], redistributed, predictions, quality: 0.8125, error: 0.0231 };
}

/** The messages that stream `ep` as episode `episode`. */
export function episodeMessages(ep: ScriptedEpisode, episode: number, source: EpisodeSource, runId: string): ServerMessage[] {
  const out: ServerMessage[] = [{
    type: 'episode_start', episode, source, runId, envId: ep.envId, subEnv: -1, seed: 7, globalStep: null,
    actionNames: ep.actionNames, fps: ep.fps, scene: ep.frames[0]!,
  }];
  for (let t = 1; t < ep.frames.length; t++) {
    out.push({ type: 'step', episode, t, action: ep.actions[t - 1]!, reward: ep.rewards[t - 1]!, delta: sceneDelta(ep.frames[t - 1]!, ep.frames[t]!) });
  }
  out.push({ type: 'episode_end', episode, length: ep.actions.length, return: ep.rewards.reduce((a, b) => a + b, 0), terminated: ep.terminated, truncated: ep.truncated });
  out.push(fakeRedistribution(ep, episode));
  return out;
}

/** A custom env's scene the registry has never heard of, with an HTML label that must show as text. */
export function customScene(): Scene {
  return {
    version: SCENE_VERSION, width: 6, height: 4,
    palette: [{ code: 0, name: 'grass', color: '#1f7a3a' }, { code: 1, name: 'rock', color: '#777777' }],
    layers: [{ name: 'ground', width: 6, height: 4, tiles: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1] }],
    sprites: [{ kind: 'robot', x: 3, y: 2, color: '#ff00ff', label: '<b>x</b>' }],
    hud: { note: '<i>not markup</i>', step: 0 },
    title: 'Custom-v0',
  };
}

/** Every registered env id whose env has a scene. */
export function sceneEnvIds(ids: readonly string[]): string[] {
  return ids.filter((id) => hasScene(make(id)));
}

// ------------------------------------------------------------------ the server

export interface TestServer {
  url: string;
  /** Every client message received, decoded and validated, in order. */
  received: ClientMessage[];
  /** Every HTTP path requested, in order. */
  requested: string[];
  scripted: Map<string, ScriptedEpisode>;
  /** The play env of the last play_reset (its state after the acts). */
  playEnv: Env<unknown, number> | null;
  /** Sends raw bytes to every connected page (for garbage and bad-message tests). */
  sendRaw(bytes: Uint8Array): void;
  /** Closes every page's socket (the server stays up; pages reconnect). */
  dropClients(): void;
  close(): Promise<void>;
}

const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json' };
export const PLAY_SEED = 123;
export const REPLAY_SEED = 7;
export const REPLAY_STEPS = 40;
/** The env whose run also offers an expert's episode (the README's screenshot). */
export const EXPERT_ENV = 'KeyDoorTreasure-v0';

export function metricsRows(): Record<string, number | string>[] {
  return Array.from({ length: 12 }, (_, i) => ({ type: 'iteration', iteration: i + 1, global_step: (i + 1) * 2048, episode_return: i * i * 0.5 - 1, sps: 30000 + i }));
}

/**
 * Serves `pageDir` and a protocol-speaking WebSocket with one run per env in `envIds` plus a custom one;
 * `/runs/<id>/…` from `runsDir` (a run has a model when `runsDir/<id>/model/model.json` exists).
 */
export async function startServer(pageDir: string, envIds: readonly string[], runsDir?: string): Promise<TestServer> {
  const scripted = new Map<string, ScriptedEpisode>();
  const server: TestServer = { url: '', received: [], requested: [], scripted, playEnv: null, sendRaw: () => {}, dropClients: () => {}, close: async () => {} };
  const http: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^(\.\.[/\\])+/, '');
    server.requested.push(path);
    const fromRuns = runsDir !== undefined && path.startsWith('/runs/');
    const root = fromRuns ? runsDir : pageDir;
    const file = join(root, fromRuns ? path.slice('/runs/'.length) : path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  const wss = new WebSocketServer({ server: http, path: WS_PATH });
  server.dropClients = () => {
    for (const c of wss.clients) c.terminate();
  };
  server.sendRaw = (bytes) => {
    for (const c of wss.clients) c.send(bytes);
  };
  const runs: RunInfo[] = envIds.map((envId) => {
    const ep = scriptEpisode(envId, REPLAY_SEED, REPLAY_STEPS);
    scripted.set(envId, ep);
    const episodes = [`episodes/${envId}-seed${REPLAY_SEED}.msgpack`];
    if (envId === EXPERT_ENV) {
      scripted.set(`${envId}#expert`, scriptEpisode(envId, REPLAY_SEED, 500, true));
      episodes.push('episodes/expert.msgpack');
    }
    const hasModel = runsDir !== undefined && existsSync(join(runsDir, `run-${envId}`, 'model', 'model.json'));
    return { id: `run-${envId}`, envId, envKwargs: {}, actionNames: ep.actionNames, fps: ep.fps, episodes, hasModel };
  });
  runs.push({ id: 'custom', envId: 'Custom-v0', envKwargs: {}, actionNames: [], fps: 10, episodes: ['episodes/html-label.msgpack'], hasModel: false });

  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => {});
    let nextEpisode = 1;
    let play: { env: Env<unknown, number>; episode: number; t: number; prev: Scene; ret: number; done: boolean } | null = null;
    const send = (m: ServerMessage): void => ws.send(pack(m));
    send({ type: 'hello', protocol: PROTOCOL_VERSION, sceneVersion: SCENE_VERSION, runs, live: true });
    ws.on('message', (data: Buffer) => {
      let m: ClientMessage;
      try {
        m = parseClientMessage(unpack(data));
      } catch (e) {
        send({ type: 'error', code: 'bad_message', message: (e as Error).message });
        return;
      }
      server.received.push(m);
      switch (m.type) {
        case 'open_replay': {
          const run = runs.find((r) => r.id === m.runId);
          if (!run) return send({ type: 'error', code: 'unknown_run', message: m.runId });
          if (run.id === 'custom') {
            const s = customScene();
            const s1 = { ...json(s), sprites: [{ ...s.sprites[0]!, x: 4 }], hud: { ...s.hud, step: 1 } };
            const ep: ScriptedEpisode = { envId: 'Custom-v0', frames: [s, s1], actions: [0], rewards: [1], terminated: true, truncated: false, actionNames: ['go'], fps: 10 };
            for (const msg of episodeMessages(ep, nextEpisode++, 'replay', run.id)) send(msg);
            return;
          }
          const ep = scripted.get(m.path === 'episodes/expert.msgpack' ? `${run.envId}#expert` : run.envId)!;
          for (const msg of episodeMessages(ep, nextEpisode++, 'replay', run.id)) send(msg);
          return;
        }
        case 'subscribe': {
          // Two live episodes back to back, frames 5 ms apart (faster than the page plays them).
          const run = runs.find((r) => r.id === m.runId);
          if (!run) return send({ type: 'error', code: 'unknown_run', message: m.runId });
          const msgs = [
            ...episodeMessages(scripted.get(run.envId)!, nextEpisode++, 'live', run.id),
            ...episodeMessages(scripted.get(run.envId)!, nextEpisode++, 'live', run.id),
          ];
          const timer = setInterval(() => {
            const next = msgs.shift();
            if (!next || ws.readyState !== ws.OPEN) clearInterval(timer);
            else send(next);
          }, 5);
          return;
        }
        case 'get_metrics':
          return send({ type: 'metrics', runId: m.runId, rows: metricsRows() });
        case 'play_reset': {
          const env = make(m.envId) as Env<unknown, number>;
          env.reset({ seed: PLAY_SEED });
          server.playEnv = env;
          const scene = json(sceneOf(env));
          play = { env, episode: nextEpisode++, t: 0, prev: scene, ret: 0, done: false };
          const meta = env.unwrapped.metadata;
          return send({
            type: 'episode_start', episode: play.episode, source: 'play', runId: m.runId, envId: m.envId, subEnv: -1, seed: PLAY_SEED,
            globalStep: null, actionNames: [...(meta.actionNames ?? [])], fps: meta.renderFps ?? 10, scene,
          });
        }
        case 'play_act': {
          if (!play || play.done) return send({ type: 'error', code: 'invalid_action', message: 'no play episode running' });
          const r = play.env.step(m.action);
          const scene = json(sceneOf(play.env));
          play.t++;
          play.ret += r.reward;
          send({ type: 'step', episode: play.episode, t: play.t, action: m.action, reward: r.reward, delta: sceneDelta(play.prev, scene) });
          play.prev = scene;
          if (r.terminated || r.truncated) {
            play.done = true;
            send({ type: 'episode_end', episode: play.episode, length: play.t, return: play.ret, terminated: r.terminated, truncated: r.truncated });
          }
          return;
        }
        case 'play_save':
          if (!play) return send({ type: 'error', code: 'not_found', message: 'nothing to save' });
          return send({ type: 'saved', path: `demos/play-${play.episode}.json`, return: play.ret, length: play.t });
        default:
          return;
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const addr = http.address();
  server.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
  server.close = () => new Promise<void>((resolve) => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    http.close(() => resolve());
  });
  return server;
}

// ------------------------------------------------------------------ PNG (for pixel probes of screenshots)

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Decodes the 8-bit RGB/RGBA, non-interlaced PNGs chromium writes. */
export function decodePng(buf: Buffer): Rgba {
  let pos = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
      colorType = body[9]!;
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  if (!bpp) throw new Error(`PNG colour type ${colorType} not supported`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = new Uint8Array(width * height * bpp);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp]! : 0;
      let v = src[x]!;
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 255;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = px[i * bpp]!;
    data[i * 4 + 1] = px[i * bpp + 1]!;
    data[i * 4 + 2] = px[i * bpp + 2]!;
    data[i * 4 + 3] = bpp === 4 ? px[i * bpp + 3]! : 255;
  }
  return { width, height, data };
}

export function pixel(img: Rgba, x: number, y: number): [number, number, number] {
  const i = (Math.floor(y) * img.width + Math.floor(x)) * 4;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

export function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Largest channel difference. */
export function colorDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0]! - b[0]!), Math.abs(a[1]! - b[1]!), Math.abs(a[2]! - b[2]!));
}
