/**
 * One viewer page for `npm run bench -- viewer`, in its own process as a user's browser would be: Debian's
 * headless chromium (its defaults, 1280 × 800) driven by playwright-core from this process, so no browser
 * traffic runs on the trainer's thread. It opens the viewer, clicks the live run's **live** button (the page
 * then asks for sub-env 0's episodes one at a time and plays them at the env's fps), and prints `ready`; then
 * `episode` once the page shows its first live episode; on SIGTERM a JSON line ({ draws, seconds }: scene
 * draws since that episode showed, and the time since) and it closes chromium. Chromium's processes are this process's descendants (their CPU counts
 * as the clients' in the bench).
 * With `--pause` it pauses playback once the first live episode shows (chromium stays, drawing nothing); with the
 * url `about:blank` it is a chromium with no viewer at all (`ready` and `episode` 4 s after it started, no draws).
 * `RUDDER_BENCH_CHROMIUM` in the environment names another chromium (a wrapper script, for experiments).
 * Usage: tsx bench/viewer-page-client.ts <url> <runId> [--pause]
 */
import { chromium } from 'playwright-core';

const [url, runId, flag] = process.argv.slice(2);
const blank = url === 'about:blank';
type G = { __viewer: { ready: boolean; connected: boolean; runs: unknown[]; draws: number; source: string | null; frameCount: number } };

// SIGTERM is this script's to handle (it reads the page's count first), not playwright's.
const browser = await chromium.launch({ executablePath: process.env.RUDDER_BENCH_CHROMIUM ?? '/usr/bin/chromium', headless: true, handleSIGTERM: false, handleSIGINT: false });
// bypassCSP: the page's CSP forbids eval, and playwright's probes evaluate with it.
const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
await page.goto(url!);
if (blank) {
  // Up about as long as a page's chromium is when its run's timing starts (load, live, first episode): a
  // chromium's first seconds are busy. Then `ready` and `episode` together, before PPO starts (a run with
  // no viewer never yields to its event loop, so it would read a later line only at its end).
  await new Promise((r) => setTimeout(r, 4000));
  console.log('ready');
  console.log('episode');
  const t0 = performance.now();
  process.on('SIGTERM', () => {
    console.log(JSON.stringify({ draws: 0, seconds: (performance.now() - t0) / 1000 }));
    void browser.close().catch(() => {}).then(() => process.exit(0));
  });
} else {
  // Polled on a timer, never per animation frame: a rAF poll would itself make chromium produce frames.
  await page.waitForFunction(() => { const v = (globalThis as unknown as G).__viewer; return v?.ready && v.connected && v.runs.length > 0; }, null, { timeout: 60_000, polling: 100 });
  await page.locator(`.run[data-run="${runId}"] button.live`).click();
  console.log('ready');
  // Counted from the first live episode on screen (the page's start-up left out).
  let draws0 = NaN, t0 = NaN;
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    void (async () => {
      let draws = NaN;
      const seconds = (performance.now() - t0) / 1000;
      try {
        draws = (await page.evaluate(() => (globalThis as unknown as G).__viewer.draws)) - draws0;
      } catch { /* the page is gone: report no count */ }
      console.log(JSON.stringify({ draws, seconds }));
      await browser.close().catch(() => {});
      process.exit(0);
    })();
  });
  try {
    await page.waitForFunction(() => { const v = (globalThis as unknown as G).__viewer; return v.source === 'live' && v.frameCount > 0 && v.draws > 0; }, null, { timeout: 0, polling: 100 });
    draws0 = await page.evaluate(() => (globalThis as unknown as G).__viewer.draws);
    t0 = performance.now();
    if (flag === '--pause') await page.locator('#tl-play').click();
    console.log('episode');
  } catch (e) {
    if (!stopping) throw e;
  }
}
