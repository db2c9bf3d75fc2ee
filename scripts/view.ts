/**
 * `rudder view [RUN_DIR…]` and `rudder train --view`: build the page, start the viewer server, print its URL.
 * The server stays on 127.0.0.1 unless --host says otherwise. With a live run (`train --view`) the server
 * runs in a worker thread (worker-viewer.ts), so the trainer's thread does no socket work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePpoConfig, type PpoConfig } from '../src/agents/ppo/config.ts';
import { buildPage } from '../src/viewer/build-page.ts';
import { createViewerServer, LiveSource, startWorkerViewer } from '../src/viewer/server/index.ts';

export const DEFAULT_VIEW_PORT = 8765;
export const DEFAULT_VIEW_HOST = '127.0.0.1';

export interface ViewOptions {
  host: string;
  port: number;
  /** Run folders to serve; empty: every run folder under ./runs. */
  runDirs: string[];
  live?: LiveSource | null;
  /** Env modules (absolute paths) the worker of a live viewer imports, so it can make the run's env. */
  modules?: readonly string[];
}

/** A started viewer, in this thread or a worker. */
export interface RunningViewer {
  url: string;
  /** The live run's training is over: the pages are told (a viewer in this thread reads it from the LiveSource). */
  finish(): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Builds the page and starts the server; `log` gets the URL (and a warning when it is reachable from elsewhere). */
export async function startViewer(o: ViewOptions, log: (line: string) => void): Promise<RunningViewer> {
  // No RUN_DIR: every run folder under ./runs, and those that appear there later.
  const runsRoot = o.runDirs.length === 0 && !o.live ? 'runs' : null;
  if (runsRoot && !existsSync(runsRoot)) throw new Error('no run folders given and no ./runs folder: pass RUN_DIR (a folder written by `rudder train`)');
  const staticDir = await buildPage();
  let server: RunningViewer & { runs: string[]; liveRunId: string | null };
  try {
    const options = { host: o.host, port: o.port, staticDir, runDirs: o.runDirs, runsRoot };
    if (o.live) server = await startWorkerViewer({ server: options, live: o.live, modules: o.modules ?? [] });
    else {
      const s = await createViewerServer(options);
      server = { url: s.url, runs: s.runs.map((r) => r.id), liveRunId: s.liveRunId, finish: () => {}, close: () => s.close() };
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${o.port} is in use: pass --port <another>, or --port 0 for any free port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new Error(`--host ${o.host}: not an address of this machine`);
    throw e;
  }
  log(`viewer: ${server.url}  (runs: ${server.runs.join(', ') || 'none yet'}${server.liveRunId ? `; live: ${server.liveRunId}` : ''})`);
  if (!LOOPBACK.has(o.host)) log(`warning: --host ${o.host} serves the viewer to other machines: whoever reaches this port can watch your runs and save demonstrations into them`);
  return server;
}

/** A LiveSource for a `rudder train --view` run in `out` (a resumed run's settings come from its config.json). */
export function liveSourceFor(out: string, config: Partial<PpoConfig>, resume: boolean): LiveSource {
  const saved = resume && existsSync(join(out, 'config.json')) ? (JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Partial<PpoConfig>) : {};
  const cfg = parsePpoConfig({ ...saved, ...config }, 'train --view');
  return new LiveSource({ envId: cfg.envId, envKwargs: cfg.envKwargs, numEnvs: cfg.numEnvs, runDir: out });
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
export function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
