/**
 * The viewer server: one `node:http` server for the page's files and the runs' files, and a `ws`
 * WebSocket endpoint at WS_PATH speaking protocol.ts. Safe by default: binds 127.0.0.1; every request's
 * Host and Origin must name this server (403 otherwise, before any upgrade); inbound frames are capped at
 * MAX_INBOUND_BYTES; every socket has an `'error'` handler (ws reports an oversized frame there, and an
 * unhandled one would end the process); one client's bad input only ever earns it an `error` reply or its
 * own disconnection.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { basename, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_INBOUND_BYTES, WS_PATH } from '../protocol.ts';
import { Connection, type ServerContext } from './connection.ts';
import type { SharedEpisode } from './episodes.ts';
import type { CapturedEpisode } from '../../agents/ppo/episode-tap.ts';
import { allowedHosts, checkRequest } from './host-check.ts';
import { plain, serveFile } from './http-files.ts';
import type { LiveFeed } from './live-source.ts';
import { findRunDirs, loadRuns, runId, ServedRun } from './runs.ts';

export interface ViewerServerOptions {
  /** Interface to bind (default 127.0.0.1; `0.0.0.0` serves other machines, only when asked). */
  host?: string;
  /** Port (default 0: any free one). */
  port?: number;
  /** The built page (buildPage's folder): index.html, app.js. */
  staticDir: string;
  /** Run folders written by `rudder train`. */
  runDirs?: readonly string[];
  /**
   * A folder whose run folders (those with a config.json) are all served, new ones included as they appear
   * (`rudder view` with no RUN_DIR: `./runs`). A folder that is no valid run is skipped.
   */
  runsRoot?: string | null;
  /** How often the run folders are looked at again for new runs, episodes and models (ms; default 2000). */
  refreshMs?: number;
  /** A training run to stream live: its LiveSource (same thread), or a worker's stand-in for it. */
  live?: LiveFeed | null;
  /** More Host names to accept (e.g. a machine name when bound to 0.0.0.0). */
  allowedHostNames?: readonly string[];
  /** Most pages connected at once (default 64). */
  maxClients?: number;
}

export interface ViewerServer {
  /** `http://host:port/`. */
  url: string;
  port: number;
  host: string;
  /** The runs served (the live one first when there is one); grows as `runsRoot` gains run folders. */
  readonly runs: readonly ServedRun[];
  /** Looks at the run folders now, and sends the run list to every page if it changed. */
  refreshRuns(): void;
  /** The live run's id, or null. */
  liveRunId: string | null;
  /**
   * Time the server has spent making and sending episode frames and replies, over all pages (ms of this
   * thread: in `rudder train --view`, the trainer's). The sends themselves never wait for a socket.
   */
  busyMs(): number;
  close(): Promise<void>;
}

export async function createViewerServer(opts: ViewerServerOptions): Promise<ViewerServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxClients = opts.maxClients ?? 64;
  const taken = new Set<string>();
  const live = opts.live ?? null;
  let liveRun: ServedRun | null = null;
  if (live) {
    const id = live.runId ?? runId(live.runDir ? basename(live.runDir) : 'live', taken);
    taken.add(id);
    liveRun = new ServedRun(id, live.runDir, live.envId, live.envKwargs);
    liveRun.envFacts();
  }
  const runs = [...(liveRun ? [liveRun] : []), ...loadRuns(opts.runDirs ?? [], taken)];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const servedDirs = new Set(runs.map((r) => r.dir).filter((d): d is string => d !== null));
  const runsRoot = opts.runsRoot ? resolve(opts.runsRoot) : null;
  const connections = new Set<Connection>();
  const isLive = (): boolean => live !== null && !live.finished;
  let lastList = '';
  // New run folders under runsRoot join the list; then the list (episodes, models, live) is compared with
  // what the pages were last told, and sent again when it differs.
  const refreshRuns = (): void => {
    if (runsRoot) {
      for (const dir of findRunDirs(runsRoot)) {
        if (servedDirs.has(dir)) continue;
        servedDirs.add(dir); // once: a folder that fails is not retried every tick
        try {
          const [run] = loadRuns([dir], taken);
          runs.push(run!);
          byId.set(run!.id, run!);
        } catch {
          // not a run this viewer can serve (bad config.json, unknown env): skipped, as at start
        }
      }
    }
    const infos = runs.map((r) => r.info()), list = JSON.stringify([infos, isLive()]);
    if (list === lastList) return;
    const first = lastList === '';
    lastList = list;
    if (!first) for (const c of connections) c.runs(infos, isLive());
  };
  refreshRuns();
  let episodeIds = 0;
  const shared = new WeakMap<CapturedEpisode, SharedEpisode>();
  const ctx: ServerContext = {
    runs: () => runs, run: (id) => byId.get(id), live, liveRunId: liveRun?.id ?? null, runsChanged: refreshRuns, nextEpisodeId: () => ++episodeIds,
    sharedLive: (c, make) => {
      let s = shared.get(c);
      if (!s) shared.set(c, (s = make(++episodeIds)));
      return s;
    },
  };
  let closedBusyMs = 0;

  let allowed = new Set<string>();
  const anyIp = host === '0.0.0.0' || host === '::';
  const server = createServer((req, res) => {
    const v = checkRequest(req, allowed, anyIp);
    if (!v.ok) return plain(res, v.status, v.reason);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return plain(res, 405, 'method not allowed');
    }
    const raw = req.url ?? '';
    if (!raw.startsWith('/')) return plain(res, 400, 'bad path: must start with /');
    serveFile(req, res, raw.split('?')[0]!, opts.staticDir, ctx.run);
  });
  server.on('clientError', (_e, socket) => socket.destroy());

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_INBOUND_BYTES, perMessageDeflate: false, clientTracking: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    const v = checkRequest(req, allowed, anyIp);
    if (!v.ok) return refuse(v.status, v.reason);
    if ((req.url ?? '').split('?')[0] !== WS_PATH) return refuse(404, 'Not Found');
    if (wss.clients.size >= maxClients) return refuse(503, 'Too many viewers');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    const c = new Connection(ws, ctx);
    connections.add(c);
    ws.on('error', () => ws.terminate()); // e.g. a frame over maxPayload (close 1009): that socket only
    ws.on('message', (data, isBinary) => c.onMessage(data as Buffer, isBinary));
    ws.on('close', () => {
      closedBusyMs += c.busyMs;
      c.close();
      connections.delete(c);
    });
    c.hello();
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const ticker = setInterval(() => {
    try {
      refreshRuns();
    } catch {
      // a folder vanished between readdir and read: the next tick sees the settled state
    }
  }, opts.refreshMs ?? 2000);
  ticker.unref();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  allowed = allowedHosts(host, port, opts.allowedHostNames);
  const shown = anyIp ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`, port, host, runs, liveRunId: liveRun?.id ?? null, refreshRuns,
    busyMs: () => closedBusyMs + [...connections].reduce((a, c) => a + c.busyMs, 0),
    close: async () => {
      clearInterval(ticker);
      for (const c of connections) c.close();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
