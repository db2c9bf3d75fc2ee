/**
 * `npm run bench -- viewer`: what the browser viewer costs and weighs.
 * - PPO's SPS on KeyDoorTreasure-v0 and Bowling-v0 with no viewer, with a headless chromium page watching the
 *   live run, and with 1 and 20 ws clients (another process, subscribing as the page does), runs interleaved
 *   over rounds, each timed only after a warm-up (the steady state of training with a page attached);
 * - bytes of a full frame (episode_start) and of a changing frame (step) per env, msgpack as sent;
 * - the server's CPU while 32 clients each replay Bowling at 60 frames per second (30 fps × 2);
 * - frames drawn per second in one headless chromium page replaying Bowling at 1× (30 fps), chromium's CPU per
 *   drawn frame, and its CPU while the page is paused; under chromium's defaults and under --use-angle=swiftshader;
 * - the page's bundle, gzipped; a recorded episode's bytes per step (a demonstration file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { recordDemonstration, saveDemonstration } from '../src/envs/core/demonstration.ts';
import type { RolloutTap } from '../src/agents/ppo/episode-tap.ts';
import type { Env } from '../src/envs/core/env.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { listEnvs, make } from '../src/envs/core/registry.ts';
import { hasScene, sceneOf, type Scene } from '../src/envs/core/scene.ts';
import '../src/envs/registrations.ts';
import { buildPage, PAGE_FILES } from '../src/viewer/build-page.ts';
import { sceneDelta } from '../src/viewer/protocol.ts';
import { createViewerServer, encodeMessage, LiveSource, startWorkerViewer } from '../src/viewer/server/index.ts';
import { mainThreadCpuMs, mainThreadPreemptions, otherThreadsCpuMs, processesCpuMs, processTree, processTreeCpuMs } from './proc-cpu.ts';
import { runChildCase } from './child-case.ts';
import { machineLine, table, writeResults, writeSection } from './report.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLIENTS = resolve(ROOT, 'bench/viewer-clients.ts');
const PAGE_CLIENT = resolve(ROOT, 'bench/viewer-page-client.ts');
const NEIGHBOUR = resolve(ROOT, 'bench/cpu-neighbour.ts');
const log = (m: string): void => void process.stderr.write(`${m}\n`);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** How the page part launches chromium (see the page part). */
const PAGE_SETUPS = ['defaults', 'angle-swiftshader'] as const;
type PageSetup = (typeof PAGE_SETUPS)[number];
const PAGE_SETUP_ARGS: Record<PageSetup, string[]> = { defaults: [], 'angle-swiftshader': ['--use-angle=swiftshader'] };
const PAGE_SETUP_NAMES: Record<PageSetup, string> = { defaults: "chromium's defaults", 'angle-swiftshader': '`--use-angle=swiftshader`' };

/** The bench's parts; a run of only some of them logs its figures and writes no report. */
export const VIEWER_PARTS = ['frames', 'recording', 'bundle', 'cpu', 'page', 'sps'] as const;
export type ViewerPart = (typeof VIEWER_PARTS)[number];

export interface ViewerBenchOptions {
  /** PPO steps per run in its timed part. */
  steps: number;
  /** PPO steps per run before its timed part (default 50,000): start-up, JIT, the page's first episode. */
  warmupSteps?: number;
  rounds: number;
  command: string;
  /** Which parts to run (default all). */
  parts?: readonly ViewerPart[];
  /**
   * The SPS part's arms become `no viewer` (twice) and one page per build given (`buildPage(dir)` output):
   * page changes compared side by side in one run. Only in a partial run (no report is written).
   */
  pages?: readonly { name: string; dir: string }[];
}

/** A clients' process (viewer-clients.ts, or viewer-page-client.ts: a chromium page) once it printed `ready`. */
interface Clients {
  child: ChildProcess;
  /** Whether the clients have begun to receive (the page: to show) their first episode. */
  readonly episodeSeen: boolean;
  /** Ends the process; resolves with the JSON line it printed last. */
  stop(): Promise<Record<string, number>>;
}

/** Starts `script` with `args` in its own process and waits for its `ready`. */
function startClientsProcess(script: string, args: string[]): Promise<Clients> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let partial = '', episodeSeen = false;
  return new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`${script} exited (code ${code}) before it was ready`)));
    child.stdout!.on('data', (d: Buffer) => {
      const parts = (partial + String(d)).split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line === 'episode') episodeSeen = true;
        if (line !== 'ready') continue;
        child.removeAllListeners('exit');
        ok({
          child,
          get episodeSeen() {
            return episodeSeen;
          },
          stop: () => new Promise((done) => {
            child.on('exit', () => done(JSON.parse([...lines, partial].filter((l) => l.startsWith('{')).at(-1) ?? '{}') as Record<string, number>));
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}

/** K ws clients in another process (viewer-clients.ts): live subscribers, or replaying `path` at `speed`. */
function startClients(url: string, k: number, mode: 'live' | 'replay', runId: string, path = '', speed = 1): Promise<Clients> {
  return startClientsProcess(CLIENTS, [url, String(k), mode, runId, path, String(speed)]);
}

/** The expert's (or random) actions for one episode of `id` from `seed`, at most `cap` steps. */
function episodeActions(id: string, seed: number, cap: number): number[] {
  const env = make(id) as Env<unknown, number>;
  const factory = expertFor(id);
  const policy = factory ? factory(env as Env<unknown, unknown>) : null;
  let { obs } = env.reset({ seed });
  const actions: number[] = [];
  for (let t = 0; t < cap; t++) {
    const a = policy ? (policy(obs) as number) : (env.actionSpace.sample() as number);
    actions.push(a);
    const r = env.step(a);
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
  return actions;
}

/**
 * The SPS part's arms, each run once per round in a rotating order. `no viewer, again` is a second plain run:
 * its ratio to `no viewer` in the same round shows what this machine's noise alone does to a ratio.
 * `tap on every episode` records every episode of sub-env 0 in the trainer's thread with no server (the tap's
 * own cost at its most: a page asks for one episode at a time); the other arms run the server in its worker
 * thread as `rudder train --view` does, with, in another process, a headless chromium page watching the live
 * run (`1 page`), or ws clients subscribing as the page does (they draw nothing).
 */
export const SPS_ARMS = [
  { name: 'no viewer', kind: 'none' },
  { name: 'no viewer, again', kind: 'none' },
  { name: 'tap on every episode', kind: 'tap' },
  { name: '1 page (headless chromium)', kind: 'page' },
  { name: '1 ws client', kind: 'clients', clients: 1 },
  { name: '20 ws clients', kind: 'clients', clients: 20 },
  { name: '1 page, paused', kind: 'page', paused: true },
  { name: 'no viewer, a headless chromium on a blank page', kind: 'blank' },
] as const;
/**
 * The control arm: no viewer, but a process beside PPO that works as much of a core, in bursts at the same
 * rate, as the same round's page did (bench/cpu-neighbour.ts). It runs right after the page's run in each
 * round (it needs that run's figures), outside the rotation.
 */
const NEIGHBOUR_ARM = 'no viewer, a CPU neighbour as big as the page';
const BLANK_ARM = SPS_ARMS.find((a) => a.kind === 'blank')!.name;
/** An arm of the SPS part: one of SPS_ARMS, (`pages`) a page served from another build, or the control arm. */
export type SpsArm =
  | (typeof SPS_ARMS)[number]
  | { name: string; kind: 'page'; dir: string; paused?: boolean }
  | { name: string; kind: 'neighbour'; share: number; fps: number };

/**
 * One run's timed part (from the first iteration at or past the warm-up's steps at which the viewer's
 * clients, if any, had their first episode, to the end): wall SPS; CPU (ms) used meanwhile by the trainer's
 * thread, this process's other threads and the clients' processes (chromium's included); the wall time (ms)
 * of the part and of the trainer's thread inside the tap's calls. `posted`/`dropped`: over the whole run.
 */
export interface SpsRun {
  sps: number; steps: number; iterations: number; wallMs: number; tapMs: number; trainerMs: number; otherThreadsMs: number; clientsMs: number; posted: number; dropped: number;
  /** The step the timed part began at; the page's scene draws per second from its first live episode to the run's end (null: no page). */
  warmupSteps: number; clientDraws: number | null;
  /** The trainer's thread's involuntary context switches in the timed part (absent in older results). */
  preemptions?: number;
}

/**
 * PPO's tap with a stopwatch around its calls (everything the tap does on the trainer's thread: the checks
 * and records per step of the armed sub-env, handing captures to the listeners at each flush). Time in it
 * over the run's time is the viewer's share of the trainer's thread; both are wall times taken on the same
 * thread, so a busy machine stretches them alike.
 */
class TimedTap implements RolloutTap {
  ms = 0;
  constructor(private readonly inner: RolloutTap) {}
  get env(): number {
    return this.inner.env;
  }
  set env(v: number) {
    this.inner.env = v;
  }
  step(sub: Env, wasReset: boolean, action: number, reward: number, terminated: boolean, truncated: boolean, globalStep: number): void {
    const t = performance.now();
    this.inner.step(sub, wasReset, action, reward, terminated, truncated, globalStep);
    this.ms += performance.now() - t;
  }
  flush(): void {
    const t = performance.now();
    this.inner.flush();
    this.ms += performance.now() - t;
  }
}
interface SpsRow { env: string; arm: string; runs: SpsRun[] }

/** The counters a timed part is the difference of. */
interface Stamp { wall: number; trainer: number; other: number; clients: number; tap: number; step: number; iteration: number; preemptions: number }

/**
 * One run of `arm`: PPO for `warmup + steps` steps, timed from the first iteration at or past `warmup` steps
 * at which the clients (if any) have their first episode, so what is timed is training with a page attached
 * and drawing: not PPO's, the worker's, chromium's or the page's start-up, nor the re-compiling of PPO's
 * rollout for the tap, nor the first episode's hand-over.
 */
export async function spsRun(envId: string, arm: SpsArm, steps: number, warmup: number, staticDir: string): Promise<SpsRun> {
  const live = arm.kind === 'none' || arm.kind === 'neighbour' || arm.kind === 'blank' ? null : new LiveSource({ envId, numEnvs: 4, runId: 'live' });
  let captured = 0;
  if (arm.kind === 'tap') live!.subscribe(0, () => void captured++);
  // As `rudder train --view`: the server in a worker thread, fed through the bounded live channel.
  const server = live && arm.kind !== 'tap' ? await startWorkerViewer({ server: { staticDir: 'dir' in arm ? arm.dir : staticDir }, live }) : null;
  let clients: Clients | null = null;
  try {
    clients = arm.kind === 'neighbour' ? await startClientsProcess(NEIGHBOUR, [String(arm.share), String(arm.fps)])
      : arm.kind === 'blank' ? await startClientsProcess(PAGE_CLIENT, ['about:blank', ''])
      : !server ? null : arm.kind === 'page' ? await startClientsProcess(PAGE_CLIENT, [server.url, 'live', ...('paused' in arm && arm.paused ? ['--pause'] : [])]) : await startClients(server.url, arm.kind === 'clients' ? arm.clients : 1, 'live', 'live');
  } catch (e) {
    await server?.close();
    throw e;
  }
  const tree = clients ? processTree(clients.child.pid ?? -1) : [];
  const tap = live ? new TimedTap(live.tap) : null;
  const stamp = (step: number, iteration: number): Stamp => ({
    wall: performance.now(), trainer: mainThreadCpuMs(), other: otherThreadsCpuMs(), clients: tree.length ? processesCpuMs(tree) : 0, tap: tap?.ms ?? 0, step, iteration, preemptions: mainThreadPreemptions(),
  });
  let from: Stamp | null = null, to: Stamp | null = null;
  const onIteration = (st: { globalStep: number; iteration: number }): void => {
    if (!from && st.globalStep >= warmup && (clients?.episodeSeen ?? true)) from = stamp(st.globalStep, st.iteration);
    else if (from) to = stamp(st.globalStep, st.iteration);
  };
  let got: Record<string, number> | null = null, posted = 0, dropped = 0;
  try {
    await trainPpo({ envId, totalTimesteps: warmup + steps, seed: 1 }, tap ? { tap, hooks: { onIteration } } : { hooks: { onIteration } });
  } finally {
    // Also when training failed: no chromium or clients' process outlives the run.
    live?.finish();
    got = clients ? await clients.stop() : null;
    posted = server?.channel?.posted ?? captured;
    dropped = server?.channel?.dropped ?? 0;
    await server?.close();
  }
  if (!from || !to) throw new Error(`${envId}, ${arm.name}: ${clients ? 'the clients saw no episode' : 'no iteration'} before the run's end (${warmup + steps} steps): nothing timed; run more --viewer-steps`);
  const [a, b] = [from as Stamp, to as Stamp];
  if (got) log(`  (${arm.name}: ${got.steps !== undefined ? `${got.steps} step frames received` : got.bursts !== undefined ? `${got.bursts} bursts, ${got.busyMs} ms busy` : `${(got.draws! / got.seconds!).toFixed(1)} scene draws/s`})`);
  return {
    sps: (b.step - a.step) / ((b.wall - a.wall) / 1000), steps: b.step - a.step, iterations: b.iteration - a.iteration, wallMs: b.wall - a.wall,
    tapMs: b.tap - a.tap, trainerMs: b.trainer - a.trainer, otherThreadsMs: b.other - a.other, clientsMs: b.clients - a.clients,
    posted, dropped, warmupSteps: a.step, preemptions: b.preemptions - a.preemptions, clientDraws: got?.draws !== undefined && got.seconds ? got.draws / got.seconds : null,
  };
}

/**
 * One event-loop turn as PPO takes it after each iteration while a tap is attached (`await` a setImmediate),
 * ms: the median of 5 batches of 1000 on this thread's idle loop.
 */
async function yieldMs(): Promise<number> {
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    batches.push((performance.now() - t) / 1000);
  }
  return median(batches);
}

async function spsRuns(o: ViewerBenchOptions, staticDir: string): Promise<{ rows: SpsRow[]; yieldMs: number }> {
  const out: SpsRow[] = [];
  const turn = await yieldMs();
  const warmup = o.warmupSteps ?? 50_000;
  const arms: readonly SpsArm[] = o.pages ? [SPS_ARMS[0], SPS_ARMS[1], ...o.pages.map((p) => ({ name: `1 page (${p.name})`, kind: 'page' as const, dir: p.dir }))] : SPS_ARMS;
  for (const envId of ['KeyDoorTreasure-v0', 'Bowling-v0']) {
    const rows: SpsRow[] = arms.map((a) => ({ env: envId, arm: a.name, runs: [] }));
    const control: SpsRow | null = o.pages ? null : { env: envId, arm: NEIGHBOUR_ARM, runs: [] };
    for (let r = 0; r < o.rounds; r++) {
      for (let i = 0; i < arms.length; i++) {
        const k = (i + r) % arms.length;
        // A fresh process per run, as a user's `rudder train --view` is: in one long-lived process the earlier
        // arms' leftovers (JIT feedback from other taps, a bigger heap) cost later arms up to 10 % of a core in
        // V8's helper threads (2026-12-04: the tap arm's other threads 0.7–2.2 % in rounds 1–2, 7.6–9.5 % in 3–5;
        // alone in a process 0.1–1.3 %).
        const { wall: _wall, ...run } = await runChildCase<SpsRun>('bench/viewer-sps-case.ts', [JSON.stringify({ envId, arm: arms[k]!, steps: o.steps, warmup, staticDir })]);
        rows[k]!.runs.push(run);
        logSps(envId, arms[k]!.name, r, run);
        if (control && arms[k]!.name === SPS_ARMS[3].name) {
          // The control: as much CPU as this page run's chromium took, in bursts at its draw rate.
          const neighbour: SpsArm = { name: NEIGHBOUR_ARM, kind: 'neighbour', share: Math.min(1, run.clientsMs / run.wallMs), fps: run.clientDraws ?? 30 };
          const { wall: _w, ...c } = await runChildCase<SpsRun>('bench/viewer-sps-case.ts', [JSON.stringify({ envId, arm: neighbour, steps: o.steps, warmup, staticDir })]);
          control.runs.push(c);
          logSps(envId, NEIGHBOUR_ARM, r, c);
        }
      }
    }
    out.push(...rows);
    if (control) out.push(control);
  }
  return { rows: out, yieldMs: turn };
}

function logSps(envId: string, arm: string, r: number, run: SpsRun): void {
  log(`${envId}, ${arm}, round ${r + 1}: ${Math.round(run.sps)} SPS over steps ${run.warmupSteps}+${run.steps}, trainer's thread ${((1000 * run.trainerMs) / run.steps).toFixed(2)} µs/step, in the tap ${((100 * run.tapMs) / run.wallMs).toFixed(3)} % (${run.iterations} iterations), other threads ${run.otherThreadsMs} ms, clients ${run.clientsMs} ms`);
}

/** Quartiles (q1, median, q3) of xs, by linear interpolation; NaN for none. */
function quartiles(xs: number[]): [number, number, number] {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const q = (p: number): number => {
    if (!s.length) return NaN;
    const at = p * (s.length - 1), lo = Math.floor(at), hi = Math.ceil(at);
    return s[lo]! + (s[hi]! - s[lo]!) * (at - lo);
  };
  return [q(0.25), q(0.5), q(0.75)];
}

/**
 * Per round, an arm's value over the `no viewer` run's of the same round, minus 1 (a change in %): the
 * rounds' quartiles. Paired by round, the runs compared ran back to back, so a slow stretch of the shared
 * machine moves both.
 */
function pairedChange(base: SpsRun[], arm: SpsRun[], value: (r: SpsRun) => number): [number, number, number] {
  return quartiles(arm.map((r, i) => (i < base.length ? 100 * (value(r) / value(base[i]!) - 1) : NaN)));
}

const pct = ([q1, m, q3]: [number, number, number]): string => (Number.isFinite(m) ? `${m >= 0 ? '+' : ''}${m.toFixed(1)} % (${q1.toFixed(1)} … ${q3.toFixed(1)})` : '–');

function spsReport({ rows: sps, yieldMs }: { rows: SpsRow[]; yieldMs: number }, o: ViewerBenchOptions): string {
  // The viewer's own work on the trainer's thread: inside the tap's calls, plus one event-loop turn per iteration.
  const share = (r: SpsRun): number => (100 * (r.tapMs + r.iterations * yieldMs)) / r.wallMs;
  const perStep = (r: SpsRun): number => (1000 * r.trainerMs) / r.steps; // µs of the trainer's thread per env step
  const cores = (ms: (r: SpsRun) => number, runs: SpsRun[]): string => `${(median(runs.map((r) => (100 * ms(r)) / r.wallMs))).toFixed(1)} %`;
  const rows = sps.map((row) => {
    const base = sps.find((x) => x.env === row.env && x.arm === 'no viewer')!.runs;
    const plain = row.arm === 'no viewer';
    const draws = row.runs.map((r) => r.clientDraws).filter((d): d is number => d !== null && Number.isFinite(d));
    return [
      row.env, row.arm,
      Math.round(median(row.runs.map((r) => r.sps))).toLocaleString('en'),
      plain ? '–' : pct(pairedChange(base, row.runs, (r) => r.sps)),
      median(row.runs.map(perStep)).toFixed(2),
      plain ? '–' : pct(pairedChange(base, row.runs, perStep)),
      row.runs.every((r) => r.preemptions !== undefined) ? median(row.runs.map((r) => r.preemptions! / (r.wallMs / 1000))).toFixed(0) : '–',
      row.runs.some((r) => r.tapMs > 0) ? `${quartiles(row.runs.map(share))[1].toFixed(2)} %` : '–',
      `${cores((r) => r.otherThreadsMs, row.runs)} / ${cores((r) => r.clientsMs, row.runs)}${draws.length ? ` (${median(draws).toFixed(1)} draws/s)` : ''}`,
      row.arm.startsWith('no viewer') ? '–' : row.runs.map((r) => `${r.posted}${r.dropped ? ` (${r.dropped} dropped)` : ''}`).join(', '),
    ];
  });
  const warmup = o.warmupSteps ?? 50_000;
  return [
    `**PPO with the viewer attached** (CleanRL's defaults, 4 envs; each run ${warmup.toLocaleString('en')} steps of warm-up, then ${o.steps.toLocaleString('en')} timed steps; ${o.rounds} round${o.rounds === 1 ? '' : 's'}, the arms in a rotating order within each). Target: ≤ 3 % slowdown with one page.`,
    '',
    table(['env', 'arm', 'SPS (median)', 'SPS vs no viewer, same round: median (quartiles)', "trainer's thread, µs of CPU per env step (median)", 'that vs no viewer, same round', "trainer's thread, involuntary context switches per second (median)", "the viewer's own work on the trainer's thread, share of the timed part (median)", "CPU during the timed part, share of a core: the process's other threads / the clients' processes (median)", 'episodes handed to the viewer, per run'], rows),
    '',
    `Each run trains PPO from scratch (seed 1) in a node process of its own (as a user's run is: in one long-lived process the earlier arms' leftovers cost the later ones up to 10 % of a core in V8's helper threads), with the viewer set up first: the worker thread started, the clients or the page connected and subscribed. Only the part after the warm-up is timed, from the first iteration at or past ${warmup.toLocaleString('en')} steps at which the clients had their first live episode (the page: showed it), to the end: what is measured is training with a page attached, not the start-ups (PPO's, the worker's, chromium's and the page's, the re-compiling of PPO's rollout loop once a tap is attached, the first episode's hand-over), which in the 1-second runs the bench timed before made much of the difference (2026-12-03, KeyDoorTreasure, one ws client, 4 paired rounds on a loaded machine: the trainer's thread's CPU per step +4.6 to +11.4 % over a cold run's first 50,000 steps, −5.6 to +3.8 % when the same page had been served through a 30,000-step run before). Three measures. *SPS* is wall-clock: on this 2-core machine the viewer's worker thread and the clients' processes run beside the trainer and take cores from it, and whatever else the machine runs moves it too. *The trainer's thread's CPU per env step* (utime + stime of the process's main thread, from /proc; PPO's kernels are single-threaded) leaves out the time the thread waits for a core, but on a shared machine it still moves with the load (caches, the host's other guests): compare it with \`no viewer, again\`. *The viewer's own work on the trainer's thread* is the time spent in every call PPO makes to the tap (timed around each: the checks and records per step of the armed sub-env, the hand-over of a captured episode at each flush), plus one event-loop turn per PPO iteration while a tap is attached (${(1000 * yieldMs).toFixed(1)} µs each, timed on this thread's idle loop), over the timed part's wall time: times taken on one thread, which a busy machine stretches alike, so the share hardly depends on the load. Not in it: the posting of each captured episode to the worker (a structured clone of a few kB, in a microtask after the flush; the last column counts them, over the whole run) and the handling of the worker's few messages. \`no viewer, again\` is plain PPO against plain PPO: its spread is what the machine's noise alone does to a paired comparison. \`tap on every episode\` records every one of sub-env 0's episodes in the trainer's thread with no server (the tap's own cost at its most; a page asks for one episode at a time). The other arms run the server in its worker thread as \`rudder train --view\` does (\`startWorkerViewer\`): the trainer's thread posts each captured episode (start state, actions, rewards: a few kB) through a channel bounded at 16 unacknowledged messages (drop on full); the scenes are re-made, packed and written to the sockets on the worker's thread, whose CPU is in the "other threads" column (with V8's GC and compiler helpers). \`1 page\` is a headless chromium (its defaults, 1280 × 800) driven from another process, watching the live run as a user does (the **live** button: sub-env 0's episodes one after another, each played at the env's fps, 10 for KeyDoorTreasure, 30 for Bowling); its CPU (all chromium's processes and the driving process) is the clients' column, with the page's scene draws per second (from its first live episode to the run's end). The ws clients (another process) subscribe as the page does and draw nothing.`,
    '',
    "*Involuntary context switches* of the trainer's thread (from /proc: the times it was taken off its core while it could still run) count what its neighbours do to it beyond taking a core: each switch costs the thread the time away and, when it is back, refilling its caches, which shows in its CPU per step.",
    ...(sps.some((r) => r.arm === BLANK_ARM) ? ['', `\`1 page, paused\` is that page paused as soon as its first live episode shows: chromium and the page stay, connected, drawing nothing (the server sends nothing to a paused page). \`${BLANK_ARM}\` is no viewer at all, but a headless chromium launched as the page's is, showing about:blank, beside PPO. Between them and \`1 page\` they split what a watching page costs PPO into what its drawing costs and what a chromium's mere presence costs on this machine.`] : []),
    ...(sps.some((r) => r.arm === NEIGHBOUR_ARM) ? ['', `\`${NEIGHBOUR_ARM}\` is the control: no viewer at all, but beside PPO a node process (\`bench/cpu-neighbour.ts\`) that works as much of a core as that round's page did (chromium and its driver: the clients' column of that run), in bursts at the page's draw rate, each writing a 1280 × 800 RGBA buffer as a rasteriser writes a frame's pixels. It runs right after the page's run in each round, outside the rotation. Its slowdown is what the page's CPU alone costs PPO, taken by one process that wakes once per frame; what the page costs beyond it comes from how chromium does that work (many processes and threads waking: compare the involuntary context switches).`] : []),
  ].join('\n');
}

export async function runViewerBench(o: ViewerBenchOptions): Promise<void> {
  const parts = new Set<ViewerPart>(o.parts ?? VIEWER_PARTS);
  const work = mkdtempSync(join(tmpdir(), 'viewer-bench-'));
  try {
    // Frame sizes per env with a scene: the expert's (or random) first 300 steps from seed 1.
    const frames: { env: string; full: number; stepMean: number; stepMax: number; steps: number }[] = [];
    for (const id of parts.has('frames') ? listEnvs() : []) {
      const env = make(id) as Env<unknown, number>;
      if (!hasScene(env)) continue;
      const actions = episodeActions(id, 1, 300);
      env.reset({ seed: 1 });
      let prev: Scene = JSON.parse(JSON.stringify(sceneOf(env))) as Scene;
      const full = encodeMessage({ type: 'episode_start', episode: 1, source: 'replay', runId: 'r', envId: id, subEnv: -1, seed: 1, globalStep: null, actionNames: [...(env.metadata.actionNames ?? [])], fps: 10, scene: prev }).length;
      const sizes: number[] = [];
      actions.forEach((a, t) => {
        const r = env.step(a);
        const next = JSON.parse(JSON.stringify(sceneOf(env))) as Scene;
        sizes.push(encodeMessage({ type: 'step', episode: 1, t: t + 1, action: a, reward: r.reward, delta: sceneDelta(prev, next) }).length);
        prev = next;
      });
      frames.push({ env: id, full, stepMean: sizes.reduce((x, y) => x + y, 0) / sizes.length, stepMax: Math.max(...sizes), steps: sizes.length });
      log(`${id}: full frame ${full} B, step frames mean ${(frames.at(-1)!.stepMean).toFixed(0)} B, max ${frames.at(-1)!.stepMax} B`);
    }

    // A recorded episode's size: the demonstration file (seed + actions + rewards), bytes per step.
    const recordings = (parts.has('recording') ? ['KeyDoorTreasure-v0', 'Bowling-v0'] : []).map((id) => {
      const actions = episodeActions(id, 3, 5000);
      const demo = recordDemonstration(id, {}, 3, actions, 'expert');
      return { env: id, steps: actions.length, bytes: Buffer.byteLength(JSON.stringify(demo)) };
    });

    // The bundle.
    const pageDir = await buildPage(join(work, 'page'));
    const bundle = PAGE_FILES.map((f) => {
      const b = readFileSync(join(pageDir, f));
      return { file: f, bytes: b.length, gzip: gzipSync(b, { level: 9 }).length };
    });

    // A run folder with a Bowling expert game to replay (738-step games at 30 fps).
    const runDir = join(work, 'runs', 'bowling');
    mkdirSync(join(runDir, 'demos'), { recursive: true });
    writeFileSync(join(runDir, 'config.json'), JSON.stringify({ envId: 'Bowling-v0', envKwargs: {}, seed: 1 }));
    const bowlingActions = episodeActions('Bowling-v0', 3, 5000);
    saveDemonstration(join(runDir, 'demos', 'expert.json'), recordDemonstration('Bowling-v0', {}, 3, bowlingActions, 'expert'));
    const server = await createViewerServer({ staticDir: pageDir, runDirs: [runDir] });

    // Server CPU: 32 clients, each replaying Bowling at 2× its 30 fps, for 10 s.
    let serverCpu = NaN, perClientFps = NaN;
    if (parts.has('cpu')) {
      const clients = await startClients(server.url, 32, 'replay', 'bowling', 'demos/expert.json', 2);
      await new Promise((r) => setTimeout(r, 1000)); // past the replays' start
      const c0 = process.cpuUsage(), t0 = performance.now();
      await new Promise((r) => setTimeout(r, 10_000));
      const c1 = process.cpuUsage(c0), wall = (performance.now() - t0) / 1000;
      const got = await clients.stop();
      serverCpu = (c1.user + c1.system) / 1e6 / wall;
      perClientFps = got.steps / 32 / (wall + 1);
      log(`server CPU for 32 clients at 60 fps: ${(100 * serverCpu).toFixed(1)} % of a core (clients got ${perClientFps.toFixed(1)} frames/s each)`);
    }

    // Frames drawn in one headless page replaying Bowling at 1× (30 fps). Two chromium setups, each with
    // both PixiJS backends (WebGL asked for with ?renderer=webgl; the page's own choice on SwiftShader is
    // Canvas 2D), interleaved over 3 rounds: chromium's defaults (the compositor in software, WebGL on
    // SwiftShader), and `--use-angle=swiftshader`, which the bench used until 2026-12-03 and which makes
    // chromium composite every frame with GL emulated on the CPU too (about 3× the CPU per drawn frame).
    type PageRun = { setup: PageSetup; renderer: string; draws: number; cpuMsPerDraw: number };
    const pageRuns: PageRun[] = [];
    const paused: Record<PageSetup, number[]> = { defaults: [], 'angle-swiftshader': [] };
    let pageError = 'not run';
    if (parts.has('page')) try {
      const { chromium } = await import('playwright-core');
      const browsers = new Map<PageSetup, { browser: Awaited<ReturnType<typeof chromium.launch>>; marker: string }>();
      for (const setup of PAGE_SETUPS) {
        const marker = `${process.pid}-${Date.now()}-${setup}`;
        const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...PAGE_SETUP_ARGS[setup], `--viewer-bench=${marker}`] });
        browsers.set(setup, { browser, marker });
      }
      type G = { __viewer: { ready: boolean; connected: boolean; runs: unknown[]; draws: number; frameCount: number; playing: boolean; backend: string } };
      for (let round = 0; round < 3; round++) {
        for (const setup of PAGE_SETUPS) for (const asked of ['webgl', 'default']) {
          const { browser, marker } = browsers.get(setup)!;
          // bypassCSP: the page's CSP forbids eval, and playwright evaluates the string probes below with it.
          const p = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
          await p.goto(asked === 'default' ? server.url : `${server.url}?renderer=${asked}`);
          await p.waitForFunction(() => { const v = (globalThis as unknown as G).__viewer; return v?.ready && v.connected && v.runs.length > 0; }, null, { timeout: 30_000 });
          await p.locator('.run[data-run="bowling"] button.replay').first().click();
          await p.waitForFunction(() => (globalThis as unknown as G).__viewer.frameCount > 30, null, { timeout: 30_000 });
          if (!(await p.evaluate(() => (globalThis as unknown as G).__viewer.playing))) await p.click('#tl-play');
          await p.waitForFunction(() => (globalThis as unknown as G).__viewer.playing, null, { timeout: 10_000 });
          // Counted with a timer, not an animation-frame loop of the bench's own, which would itself make
          // chromium produce a frame at the display's rate. A string, not a function: tsx's transform would
          // wrap a function's inner closures in a helper the page lacks.
          const cpu0 = processTreeCpuMs(`--viewer-bench=${marker}`);
          const seen = (await p.evaluate(`new Promise((done) => {
            const v = globalThis.__viewer, d0 = v.draws;
            setTimeout(() => done({ draws: (v.draws - d0) / 5, backend: v.backend }), 5000);
          })`)) as { draws: number; backend: string };
          const run = { setup, renderer: `${seen.backend}${asked === 'default' ? " (the page's choice)" : ' (asked for)'}`, draws: seen.draws, cpuMsPerDraw: (processTreeCpuMs(`--viewer-bench=${marker}`) - cpu0) / (seen.draws * 5) };
          pageRuns.push(run);
          if (asked === 'default') {
            // The same page paused on a frame: what an open viewer costs while nobody plays anything.
            await p.click('#tl-play');
            await new Promise((r) => setTimeout(r, 500));
            const c0 = processTreeCpuMs(`--viewer-bench=${marker}`);
            await new Promise((r) => setTimeout(r, 5000));
            paused[setup].push((processTreeCpuMs(`--viewer-bench=${marker}`) - c0) / 5000);
          }
          await p.close();
          log(`page, ${setup}, ${run.renderer}, round ${round + 1}: ${run.draws.toFixed(1)} scene draws/s, chromium CPU ${run.cpuMsPerDraw.toFixed(1)} ms per draw${asked === 'default' ? `; paused ${(100 * paused[setup].at(-1)!).toFixed(1)} % of a core` : ''}`);
        }
      }
      for (const { browser } of browsers.values()) await browser.close();
    } catch (e) {
      pageError = (e as Error).message.split('\n')[0]!;
      log(`page fps not measured: ${pageError}`);
    }
    const page = pageRuns.length ? PAGE_SETUPS.flatMap((setup) => (['webgl', 'canvas'] as const).map((k) => {
      const rs = pageRuns.filter((r) => r.setup === setup && r.renderer.startsWith(k));
      return { setup, renderer: rs[0]?.renderer ?? k, draws: median(rs.map((r) => r.draws)), cpuMsPerDraw: median(rs.map((r) => r.cpuMsPerDraw)), pausedCores: median(paused[setup]), rounds: rs };
    })) : null;
    await server.close();

    const sps = parts.has('sps') ? await spsRuns(o, pageDir) : null;
    if (sps) log(spsReport(sps, o));
    if (parts.size < VIEWER_PARTS.length) {
      log(`only ${[...parts].join(', ')} run: BENCHMARKS.md and bench/results/viewer.json left as they are`);
      return;
    }
    const results = { frames, recordings, bundle, serverCpu32At60: serverCpu, perClientFps, page, sps: sps?.rows ?? [], eventLoopTurnMs: sps?.yieldMs ?? NaN };
    writeResults('viewer', o.command, results);
    const kb = (b: number): string => `${(b / 1024).toFixed(2)} KiB`;
    const gz = bundle.find((b) => b.file === 'app.js')!;
    const body = [
      '## The viewer (`npm run bench -- viewer`)',
      '',
      `Command: \`${o.command}\` · ${machineLine()} · per-run results: bench/results/viewer.json`,
      '',
      sps ? spsReport(sps, o) : '',
      '',
      '**Bytes per frame** (msgpack as sent; full = `episode_start` with the whole scene, step = `step` with the scene delta; the expert\'s or random first ≤ 300 steps from seed 1). Target: ≤ 2 KiB full, ≤ 1 KiB per changing frame.',
      '',
      table(['env', 'full frame', 'step frame, mean', 'step frame, max', 'steps'], frames.map((f) => [f.env, kb(f.full), kb(f.stepMean), kb(f.stepMax), f.steps])),
      '',
      `**Server CPU**, 32 clients each replaying a ${bowlingActions.length}-step Bowling game at 2× its 30 fps (60 frames/s each), 10 s: **${(100 * serverCpu).toFixed(1)} % of a core** (target ≤ 15 %); the clients received ${perClientFps.toFixed(1)} frames/s each.`,
      '',
      page ? pageReport(page) : `**One headless page**: not measured (${pageError}).`,
      '',
      `**Bundle**: ${bundle.map((b) => `\`${b.file}\` ${kb(b.bytes)} (${kb(b.gzip)} gzipped)`).join(', ')}; the base page is \`index.html\` + \`app.js\`: ${kb(gz.gzip + bundle.find((b) => b.file === 'index.html')!.gzip)} gzipped (target ≤ 250 kB); \`policy.js\` (TensorFlow.js and the envs) loads only when a policy plays.`,
      '',
      `**Recording size** (a demonstration file: seed, actions, rewards): ${recordings.map((r) => `${r.env} ${r.steps} steps, ${r.bytes.toLocaleString('en')} B (${(r.bytes / r.steps).toFixed(1)} B per step)`).join('; ')}.`,
    ].join('\n');
    writeSection('viewer', body);
    log('wrote BENCHMARKS.md (section viewer) and bench/results/viewer.json');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface PageRow { setup: PageSetup; renderer: string; draws: number; cpuMsPerDraw: number; pausedCores: number; rounds: { draws: number; cpuMsPerDraw: number }[] }

function pageReport(page: PageRow[]): string {
  const own = page.find((r) => r.setup === 'defaults' && r.renderer.startsWith('canvas'));
  return [
    "**One headless chromium page** (Debian's; 1280 × 800) replaying that game at 1× (30 fps), 5 s per run, both PixiJS backends under two chromium setups, interleaved over 3 rounds (target ≥ 30 draws/s). *chromium's defaults*: the compositor draws in software, WebGL runs on SwiftShader (GL emulated on the CPU). *`--use-angle=swiftshader`* (what this bench and the browser tests launched with until 2026-12-03): chromium then composites every frame through SwiftShader too. Draws are counted with a timer (an animation-frame loop of the bench's own would make chromium produce frames by itself); chromium's CPU is all its processes', from /proc. *Paused*: the same page stopped on a frame, chromium's CPU per second.",
    '',
    table(['chromium', 'renderer', 'scene draws/s per round', 'median', 'chromium CPU per drawn frame (median)', 'paused page (median)'], page.map((r) => [PAGE_SETUP_NAMES[r.setup], r.renderer, r.rounds.map((x) => x.draws.toFixed(1)).join(', '), r.draws.toFixed(1), `${r.cpuMsPerDraw.toFixed(1)} ms`, r.renderer.includes("page's choice") ? `${(100 * r.pausedCores).toFixed(1)} % of a core` : '–'])),
    '',
    `A drawn frame's cost is mostly chromium's own work per produced frame (compositing, rasterising), not the page's: under chromium's defaults a page that only changes the colour of a 10 × 10 div 30 times a second cost 12–15 ms of chromium CPU per change, against 12–14 ms per drawn frame of the viewer (a one-off look on this machine, 2026-12-03, load 7–8), and GL compositing on the CPU about triples the viewer's. The page draws with Canvas 2D where WebGL is emulated (\`preferredBackend\` in page/renderer.ts), into an OffscreenCanvas that each pane's canvas element handed its drawing to (\`transferControlToOffscreen\`, page/surface.ts), so a drawn frame goes to the compositor without a page frame (a live page, paired over 3 rounds, 2026-12-04: chromium's CPU per drawn frame about a fifth lower than drawing into the canvas element; bench/viewer-page-cost.ts); caches the static tile layers as a texture; plays on a timer (at most 60 ticks a second; a frame due within 8 ms is shown at once) and asks for no animation frames at all (PixiJS's system ticker, which its pointer events keep running at the display's rate, is stopped: the page has no PixiJS pointer input); and changes the page's DOM, each change a page frame of its own, seldom while playing: the slider, its label, the panes' titles, the plots' step marker (a CSS transform over the plots), the plots' data and the episode list all change together, at most once a second and in the task of a draw (at once when paused or scrubbed, at an ended episode's last frame, and when the shown episode ends while playback waits at its newest frame; paused, the plots and the list follow arriving steps at most every 250 ms). (Where OffscreenCanvas is missing, the page draws into the canvas element and asks for an animation frame only when a frame is due, sleeping on a timer in between.)${own ? ` Under chromium's defaults 30 draws/s take ${((30 * own.cpuMsPerDraw) / 1000).toFixed(2)} of a core for chromium at the Canvas 2D figure.` : ''}`,
  ].join('\n');
}
