/**
 * `rudder view [RUN_DIR…]` and `rudder train --view`: build the page, start the viewer server, print its URL.
 * The server stays on 127.0.0.1 unless --host says otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePpoConfig, type PpoConfig } from '../src/agents/ppo/config.ts';
import { buildPage } from '../src/viewer/build-page.ts';
import { createViewerServer, LiveSource, type ViewerServer } from '../src/viewer/server/index.ts';

export const DEFAULT_VIEW_PORT = 8765;
export const DEFAULT_VIEW_HOST = '127.0.0.1';

export interface ViewOptions {
  host: string;
  port: number;
  /** Run folders to serve; empty: every run folder under ./runs. */
  runDirs: string[];
  live?: LiveSource | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Builds the page and starts the server; `log` gets the URL (and a warning when it is reachable from elsewhere). */
export async function startViewer(o: ViewOptions, log: (line: string) => void): Promise<ViewerServer> {
  // No RUN_DIR: every run folder under ./runs, and those that appear there later.
  const runsRoot = o.runDirs.length === 0 && !o.live ? 'runs' : null;
  if (runsRoot && !existsSync(runsRoot)) throw new Error('no run folders given and no ./runs folder: pass RUN_DIR (a folder written by `rudder train`)');
  const staticDir = await buildPage();
  let server: ViewerServer;
  try {
    server = await createViewerServer({ host: o.host, port: o.port, staticDir, runDirs: o.runDirs, runsRoot, live: o.live ?? null });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`port ${o.port} is in use: pass --port <another>, or --port 0 for any free port`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new Error(`--host ${o.host}: not an address of this machine`);
    throw e;
  }
  log(`viewer: ${server.url}  (runs: ${server.runs.map((r) => r.id).join(', ') || 'none yet'}${server.liveRunId ? `; live: ${server.liveRunId}` : ''})`);
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
