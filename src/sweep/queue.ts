/**
 * A sweep on BullMQ (Redis), for several machines sharing a filesystem: `rudder sweep FILE --queue URL`
 * enqueues one job per unfinished run, `rudder worker --queue URL` on each machine takes jobs and trains
 * each in a `rudder train` child process (so the worker's event loop is free to renew its job locks), and
 * `rudder sweep status NAME` shows where the sweep stands.
 *
 * BullMQ delivers a job at least once: a worker that dies loses its lock, and after `lockMs` the job goes
 * back to the queue; a failed run is retried with backoff. Both are safe because a run trains in its fixed
 * folder and resumes its checkpoint. The queue carries only the run's name and, when done, its small summary.
 */
import { Queue, UnrecoverableError, Worker, type Job, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { finishedRun, prepareSweep, runOne, type RudderCommand, type RunSummary } from './run-one.ts';
import { readSweepFile, sweepRuns, withEnvModules, type Sweep } from './spec.ts';

/** The queue every sweep's jobs go to; a job's name is its sweep's. */
export const QUEUE_NAME = 'rudder-sweeps';

export interface SweepJobData {
  sweep: string;
  /** Absolute path of the sweep file, on the shared filesystem. */
  file: string;
  arm: string;
  seed: number;
  /** Env modules every run loads (absolute paths): the file's and those given to `rudder sweep` with --env-module. */
  envModules?: string[];
}

const jobId = (sweep: string, arm: string, seed: number): string => `${sweep}.${arm}.seed-${seed}`;

function connection(url: string): { url: string; maxRetriesPerRequest: null } {
  return { url, maxRetriesPerRequest: null }; // BullMQ's workers need unlimited retries per request
}

/** Fail at once, naming the URL, when no Redis answers there (BullMQ's own client would retry forever). */
export async function checkQueue(url: string): Promise<void> {
  if (!/^rediss?:\/\/[^/]/.test(url)) throw new Error(`--queue ${url}: expected redis://HOST:PORT (or rediss:// for TLS)`);
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000, enableOfflineQueue: false });
  let cause: Error | null = null; // the socket's error (ECONNREFUSED, ENOTFOUND…), clearer than connect()'s "Connection is closed"
  r.on('error', (e: Error) => void (cause ??= e));
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw new Error(`--queue ${url}: cannot reach Redis (${(cause ?? (e as Error)).message}); is redis-server running there and reachable from this machine?`);
  } finally {
    r.disconnect();
  }
}

/**
 * Add a job for each run of the sweep that is not done. A run whose job is queued or running is left as it
 * is; one whose job failed (its retries used up) is retried. Returns what was done.
 */
export async function enqueueSweep(s: Sweep, url: string): Promise<{ added: number; retried: number; queued: number; done: number }> {
  await checkQueue(url);
  prepareSweep(s);
  const queue = new Queue<SweepJobData, RunSummary>(QUEUE_NAME, { connection: connection(url) });
  const n = { added: 0, retried: 0, queued: 0, done: 0 };
  try {
    for (const run of sweepRuns(s)) {
      if (finishedRun(s, run)) {
        n.done++;
        continue;
      }
      const id = jobId(s.name, run.arm, run.seed);
      const old = await queue.getJob(id);
      const state = old ? await old.getState() : null;
      if (old && state === 'failed') {
        await old.retry('failed');
        n.retried++;
        continue;
      }
      if (old && state !== 'completed' && state !== 'unknown') {
        n.queued++;
        continue;
      }
      if (old) await old.remove(); // completed, but its run is not done (its folder was removed): train it again
      await queue.add(s.name, { sweep: s.name, file: s.file, arm: run.arm, seed: run.seed, envModules: s.envModules }, {
        jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: false, removeOnFail: false,
      });
      n.added++;
    }
  } finally {
    await queue.close();
  }
  return n;
}

export interface WorkerOptions {
  cmd: RudderCommand;
  /** Jobs at a time (each a child process). */
  concurrency: number;
  /** How long a job stays claimed without its worker renewing the lock: a dead worker's job returns to the queue after this. */
  lockMs: number;
  /** Env modules this worker's runs load besides the job's (`rudder --env-module … worker`), absolute paths. */
  envModules: string[];
}

/** Serve the queue until SIGINT or SIGTERM; then the caller ends the process (Redis's client may still hold it open). */
export async function runWorker(url: string, o: WorkerOptions, say: (line: string) => void): Promise<void> {
  await checkQueue(url);
  const worker = new Worker<SweepJobData, RunSummary>(QUEUE_NAME, async (job: Job<SweepJobData, RunSummary>) => {
    const { file, arm, seed } = job.data;
    const s = withEnvModules(withEnvModules(readSweepFile(file), job.data.envModules ?? []), o.envModules);
    const run = sweepRuns(s).find((r) => r.arm === arm && r.seed === seed);
    if (!run) throw new UnrecoverableError(`${file} no longer has arm ${arm} with seed ${seed}`);
    const o2 = await runOne(s, run, o.cmd, (pid, resumed) => say(`start ${job.id} (attempt ${job.attemptsMade + 1}${resumed ? ', resumed from its checkpoint' : ''}) · pid ${pid}`));
    if (o2.status === 'failed') {
      say(`failed ${job.id} (${o2.signal ?? `exit code ${o2.code}`}; log ${o2.log})`);
      throw new Error(`${o2.signal ?? `exit code ${o2.code}`}; log ${o2.log}:\n${o2.tail}`);
    }
    say(`done ${job.id}: mean return (last 20) ${o2.summary.meanReturnLast20?.toFixed(2) ?? '-'}`);
    return o2.summary;
  }, { connection: connection(url), concurrency: o.concurrency, lockDuration: o.lockMs, stalledInterval: o.lockMs, maxStalledCount: 2 });
  // A lost Redis is retried for ever (an outage should not end the workers); its error is said once a minute.
  let lastError = '', lastAt = 0;
  worker.on('error', (e) => {
    if (e.message === lastError && Date.now() - lastAt < 60_000) return;
    lastError = e.message;
    lastAt = Date.now();
    say(`worker error: ${e.message}${e.message.includes('ECONNREFUSED') ? ' (retrying)' : ''}`);
  });
  await worker.waitUntilReady();
  say(`worker ${process.pid}: serving queue ${QUEUE_NAME} at ${url}, ${o.concurrency} job(s) at a time; Ctrl-C to stop`);
  await new Promise<void>((res) => {
    const stop = (): void => res();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  say('stopping: running jobs return to the queue once their lock expires');
  // close() waits on Redis; with Redis gone it would wait for ever, so the caller ends the process after 5 s at most.
  await Promise.race([worker.close(true), new Promise((res) => setTimeout(res, 5000).unref())]);
}

const STATES: JobType[] = ['active', 'waiting', 'delayed', 'prioritized', 'completed', 'failed'];

/** The sweep's jobs per arm and state, and each failed job's reason. */
export async function sweepStatus(name: string, url: string): Promise<string> {
  await checkQueue(url);
  const queue = new Queue<SweepJobData, RunSummary>(QUEUE_NAME, { connection: connection(url) });
  try {
    const rows = new Map<string, Record<string, number>>();
    const failed: string[] = [];
    for (const state of STATES) {
      for (const job of await queue.getJobs([state])) {
        if (!job || job.name !== name) continue;
        const row = rows.get(job.data.arm) ?? {};
        const key = state === 'prioritized' || state === 'delayed' ? 'waiting' : state;
        row[key] = (row[key] ?? 0) + 1;
        rows.set(job.data.arm, row);
        if (state === 'failed') failed.push(`  ${job.id}: ${job.failedReason.split('\n')[0]}`);
      }
    }
    if (rows.size === 0) return `no jobs of sweep ${name} in queue ${QUEUE_NAME} at ${url}`;
    const w = Math.max(...[...rows.keys()].map((k) => k.length));
    const lines = [...rows].map(([arm, c]) => {
      const total = Object.values(c).reduce((a, b) => a + b, 0);
      return `  ${arm.padEnd(w)}  ${c.completed ?? 0}/${total} done · ${c.active ?? 0} running · ${c.waiting ?? 0} waiting · ${c.failed ?? 0} failed`;
    });
    return [`sweep ${name} (queue ${QUEUE_NAME} at ${url}):`, ...lines, ...(failed.length ? ['failed:', ...failed] : [])].join('\n');
  } finally {
    await queue.close();
  }
}
