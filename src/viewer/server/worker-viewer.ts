/**
 * Starts the viewer's server in a worker thread (viewer-worker.ts), wired to a live run in this thread
 * through a bounded {@link LiveChannel}: `rudder train --view` uses it so that the trainer's thread never
 * does socket work (it posts a captured episode, a few kB, and never waits for the worker).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { LiveChannel, liveInfo, LIVE_CHANNEL_CAPACITY } from './live-channel.ts';
import type { LiveSource } from './live-source.ts';
import type { ViewerServerOptions } from './server.ts';
import type { ViewerWorkerData, ViewerWorkerReply } from './viewer-worker.ts';

const BOOTSTRAP = new URL('./viewer-worker-bootstrap.mjs', import.meta.url);

export interface WorkerViewerOptions {
  /** As createViewerServer's, but data only (it crosses to the worker). */
  server: Omit<ViewerServerOptions, 'live'>;
  /** The live run in this thread, or null. */
  live?: LiveSource | null;
  /** Env modules the worker imports first (absolute paths). */
  modules?: readonly string[];
  /** Messages to the worker left unacknowledged before more are dropped (default LIVE_CHANNEL_CAPACITY). */
  capacity?: number;
}

export interface WorkerViewer {
  url: string;
  port: number;
  host: string;
  /** Ids of the runs served at start. */
  runs: string[];
  liveRunId: string | null;
  /** The trainer's end of the live channel (counts of posted and dropped messages), or null. */
  channel: LiveChannel | null;
  /** Training is over: the pages are told (the server keeps serving the files). */
  finish(): void;
  close(): Promise<void>;
}

/** An error from the worker's start, with the `code` (EADDRINUSE …) the in-thread server would have thrown. */
class ViewerStartError extends Error {
  constructor(message: string, readonly code: string | null) {
    super(message);
  }
}

export async function startWorkerViewer(o: WorkerViewerOptions): Promise<WorkerViewer> {
  const ch = o.live ? new MessageChannel() : null;
  const data: ViewerWorkerData = { server: o.server, live: ch && o.live ? { info: liveInfo(o.live), port: ch.port2 } : null, modules: [...(o.modules ?? [])] };
  const worker = new Worker(BOOTSTRAP, { workerData: data, transferList: ch ? [ch.port2] : [] });
  const channel = ch && o.live ? new LiveChannel(o.live, ch.port1, o.capacity ?? LIVE_CHANNEL_CAPACITY) : null;
  let ready: Extract<ViewerWorkerReply, { type: 'ready' }>;
  try {
    ready = await new Promise((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the viewer's worker exited (code ${code}) before it was ready`)));
      worker.once('message', (m: ViewerWorkerReply) => {
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'failed') reject(new ViewerStartError(m.message, m.code));
      });
    });
  } catch (e) {
    channel?.close();
    await worker.terminate();
    throw e;
  }
  worker.removeAllListeners('exit');
  worker.removeAllListeners('error');
  worker.on('error', () => {}); // a crash of the viewer is not the trainer's: its pages disconnect
  let closing: Promise<void> | null = null;
  return {
    url: ready.url, port: ready.port, host: ready.host, runs: ready.runs, liveRunId: ready.liveRunId, channel,
    finish: () => channel?.finish(),
    close: () => (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (m: ViewerWorkerReply) => m.type === 'closed' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
      channel?.close();
      await worker.terminate();
    })()),
  };
}
