/**
 * What a live viewer page costs chromium, per drawn frame, for page builds side by side (before/after a page
 * change), with no PPO: a light driver feeds the live tap with the expert's episodes (KeyDoorTreasure's are
 * ~20 steps, a new `episode_start` every ~2 s at 10 fps; Bowling's ~700), so chromium's CPU is measured on a
 * machine left as quiet as it can be. Per run: a fresh headless chromium (its defaults, 1280 × 800) clicks
 * **live**, waits for its first live episode and a few seconds more, then over `--seconds`: chromium's CPU
 * (all its processes, from /proc), the page's scene draws, and the renderer's own counters from the Chrome
 * DevTools Protocol (script, layout and style time; layouts and style recalcs); then a short trace counts
 * the frames chromium produced. Builds and envs alternate within each round (paired).
 *
 * Usage: tsx bench/viewer-page-cost.ts --build name=dir [--build name=dir …] [--envs A,B] [--seconds 15] [--rounds 2]
 * (a dir from `buildPage(dir)`). `RUDDER_BENCH_CHROMIUM` in the environment names another chromium (a wrapper
 * script, for experiments).
 */
import { chromium, type CDPSession, type Page } from 'playwright-core';
import type { Env } from '../src/envs/core/env.ts';
import { expertFor } from '../src/envs/core/experts.ts';
import { make } from '../src/envs/core/registry.ts';
import '../src/envs/registrations.ts';
import { LiveSource, startWorkerViewer } from '../src/viewer/server/index.ts';
import { processesCpuMs, processTree } from './proc-cpu.ts';

interface Args { builds: [string, string][]; envs: string[]; seconds: number; rounds: number; traceSeconds: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { builds: [], envs: ['KeyDoorTreasure-v0', 'Bowling-v0'], seconds: 15, rounds: 2, traceSeconds: 4 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    const need = (): string => {
      if (v === undefined) throw new Error(`${argv[i]} needs a value`);
      i++;
      return v;
    };
    switch (argv[i]) {
      case '--build': {
        const [name, dir] = need().split('=');
        if (!name || !dir) throw new Error('--build takes name=dir');
        a.builds.push([name, dir]);
        break;
      }
      case '--envs': a.envs = need().split(','); break;
      case '--seconds': a.seconds = Number(need()); break;
      case '--rounds': a.rounds = Number(need()); break;
      case '--trace-seconds': a.traceSeconds = Number(need()); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  if (!a.builds.length) throw new Error('give at least one --build name=dir');
  if (!(a.seconds > 0) || !(a.rounds > 0)) throw new Error('--seconds and --rounds must be positive');
  return a;
}

/**
 * Feeds `live.tap` the expert's episodes, one env step at a time in batches (flushed after each, as PPO
 * flushes after its rollout), far faster than a page plays them but at a few % of a core.
 */
function drive(envId: string, live: LiveSource): () => void {
  const env = make(envId) as Env<unknown, number>;
  const factory = expertFor(envId);
  const policy = factory ? factory(env as Env<unknown, unknown>) : null;
  let seed = 1, step = 0, stopped = false;
  let obs = env.reset({ seed }).obs;
  let wasReset = true;
  const tap = live.tap;
  const batch = (): void => {
    if (stopped) return;
    for (let k = 0; k < 64; k++) {
      step++;
      if (wasReset) {
        if (tap.env === 0) tap.step(env, true, 0, 0, false, false, step);
        wasReset = false;
        continue;
      }
      const a = policy ? (policy(obs) as number) : (env.actionSpace.sample() as number);
      const r = env.step(a);
      obs = r.obs;
      if (tap.env === 0) tap.step(env, false, a, r.reward, r.terminated, r.truncated, step);
      if (r.terminated || r.truncated) {
        obs = env.reset({ seed: ++seed }).obs;
        wasReset = true;
      }
    }
    tap.flush();
    setTimeout(batch, 20);
  };
  batch();
  return () => void (stopped = true);
}

type G = { __viewer: { ready: boolean; connected: boolean; runs: unknown[]; draws: number; source: string | null; frameCount: number } };

const METRICS = ['ScriptDuration', 'TaskDuration', 'LayoutDuration', 'RecalcStyleDuration', 'LayoutCount', 'RecalcStyleCount', 'Nodes', 'JSHeapUsedSize'] as const;
async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: ms } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return Object.fromEntries(ms.map((m) => [m.name, m.value]));
}

/** Frames chromium's compositor produced (DrawFrame) over `seconds`, from a trace. */
async function framesProduced(cdp: CDPSession, page: Page, seconds: number): Promise<{ frames: number; draws: number }> {
  const events: { name: string }[] = [];
  cdp.on('Tracing.dataCollected', (d) => void events.push(...(d.value as { name: string }[])));
  const done = new Promise<void>((ok) => cdp.once('Tracing.tracingComplete', () => ok()));
  await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['disabled-by-default-devtools.timeline.frame', 'devtools.timeline'], recordMode: 'recordContinuously' } } as never);
  const d0 = await page.evaluate(() => (globalThis as unknown as G).__viewer.draws);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const d1 = await page.evaluate(() => (globalThis as unknown as G).__viewer.draws);
  await cdp.send('Tracing.end');
  await done;
  return { frames: events.filter((e) => e.name === 'DrawFrame').length, draws: d1 - d0 };
}

interface Run { build: string; env: string; draws: number; seconds: number; cpuMs: number; m: Record<string, number>; frames: number; traceDraws: number }

async function run(build: string, dir: string, envId: string, a: Args): Promise<Run> {
  const live = new LiveSource({ envId, numEnvs: 1, runId: 'live' });
  const server = await startWorkerViewer({ server: { staticDir: dir }, live });
  const stop = drive(envId, live);
  const browser = await chromium.launch({ executablePath: process.env.RUDDER_BENCH_CHROMIUM ?? '/usr/bin/chromium', headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    await page.goto(server.url);
    await page.waitForFunction(() => { const v = (globalThis as unknown as G).__viewer; return v?.ready && v.connected && v.runs.length > 0; }, null, { timeout: 60_000, polling: 100 });
    await page.locator('.run[data-run="live"] button.live').click();
    await page.waitForFunction(() => { const v = (globalThis as unknown as G).__viewer; return v.source === 'live' && v.frameCount > 0 && v.draws > 0; }, null, { timeout: 60_000, polling: 100 });
    await new Promise((r) => setTimeout(r, 3000));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // chromium's processes are this process's descendants (its worker threads are not processes).
    const chromiumTree = (): number[] => processTree(process.pid).filter((p) => p !== process.pid);
    const tree = chromiumTree();
    const m0 = await metrics(cdp);
    const d0 = await page.evaluate(() => (globalThis as unknown as G).__viewer.draws);
    const c0 = processesCpuMs(tree), t0 = performance.now();
    await new Promise((r) => setTimeout(r, a.seconds * 1000));
    const c1 = processesCpuMs([...new Set([...tree, ...chromiumTree()])]), t1 = performance.now();
    const d1 = await page.evaluate(() => (globalThis as unknown as G).__viewer.draws);
    const m1 = await metrics(cdp);
    const tr = a.traceSeconds > 0 ? await framesProduced(cdp, page, a.traceSeconds) : { frames: NaN, draws: NaN };
    const m: Record<string, number> = {};
    for (const k of METRICS) m[k] = k === 'Nodes' || k === 'JSHeapUsedSize' ? m1[k]! : m1[k]! - m0[k]!;
    return { build, env: envId, draws: d1 - d0, seconds: (t1 - t0) / 1000, cpuMs: c1 - c0, m, frames: tr.frames, traceDraws: tr.draws };
  } finally {
    stop();
    await browser.close().catch(() => {});
    live.finish();
    await server.close();
  }
}

const a = parseArgs(process.argv.slice(2));
const runs: Run[] = [];
for (let r = 0; r < a.rounds; r++) {
  for (const envId of a.envs) {
    const order = r % 2 === 0 ? a.builds : [...a.builds].reverse();
    for (const [name, dir] of order) {
      const x = await run(name, dir, envId, a);
      runs.push(x);
      const s = x.seconds;
      console.log(JSON.stringify({
        round: r, build: name, env: envId, drawsPerS: +(x.draws / s).toFixed(2), chromiumCore: +(x.cpuMs / s / 1000).toFixed(3), msPerDraw: +(x.cpuMs / x.draws).toFixed(2),
        scriptMsPerDraw: +((1000 * x.m.ScriptDuration!) / x.draws).toFixed(2), taskMsPerDraw: +((1000 * x.m.TaskDuration!) / x.draws).toFixed(2),
        layoutsPerDraw: +(x.m.LayoutCount! / x.draws).toFixed(2), stylesPerDraw: +(x.m.RecalcStyleCount! / x.draws).toFixed(2),
        layoutMsPerDraw: +((1000 * x.m.LayoutDuration!) / x.draws).toFixed(2), styleMsPerDraw: +((1000 * x.m.RecalcStyleDuration!) / x.draws).toFixed(2),
        framesPerDraw: +(x.frames / x.traceDraws).toFixed(2), nodes: x.m.Nodes, heapMB: +(x.m.JSHeapUsedSize! / 1e6).toFixed(1),
      }));
    }
  }
}
