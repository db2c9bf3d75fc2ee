/**
 * The viewer's server in a worker thread (`rudder train --view`; started by worker-viewer.ts): the same
 * `createViewerServer`, with a {@link RemoteLiveSource} for the trainer's live run. Everything a page costs
 * (re-making scenes, packing, socket writes, replays, keyboard play) happens on this thread, not the trainer's.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import '../../envs/registrations.ts';
import { RemoteLiveSource, type LiveInfo } from './live-channel.ts';
import { createViewerServer, type ViewerServerOptions } from './server.ts';

/** What the worker is started with. */
export interface ViewerWorkerData {
  server: Omit<ViewerServerOptions, 'live'>;
  live: { info: LiveInfo; port: MessagePort } | null;
  /** Env modules to import first (absolute paths), so `make` knows the run's own envs. */
  modules: string[];
}

/** Worker → starter. */
export type ViewerWorkerReply =
  | { type: 'ready'; url: string; port: number; host: string; runs: string[]; liveRunId: string | null }
  | { type: 'failed'; message: string; code: string | null }
  | { type: 'closed' };

const d = workerData as ViewerWorkerData;
const reply = (m: ViewerWorkerReply): void => parentPort!.postMessage(m);
try {
  for (const m of d.modules) await import(pathToFileURL(m).href);
  const live = d.live ? new RemoteLiveSource(d.live.info, d.live.port) : null;
  const server = await createViewerServer({ ...d.server, live });
  parentPort!.on('message', (m: { type: 'close' }) => {
    if (m.type !== 'close') return;
    void server.close().then(() => {
      d.live?.port.close();
      reply({ type: 'closed' });
    });
  });
  reply({ type: 'ready', url: server.url, port: server.port, host: server.host, runs: server.runs.map((r) => r.id), liveRunId: server.liveRunId });
} catch (e) {
  reply({ type: 'failed', message: (e as Error).message, code: (e as NodeJS.ErrnoException).code ?? null });
}
