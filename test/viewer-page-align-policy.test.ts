// Align-RUDDER's saved policies playing in the viewer's page (Debian's chromium via playwright-core, the real
// server on real run folders): the sub-goal agents (`--align-subgoals`) and a single policy with the state
// augmentation's flags (`--align-augment`), each trained here for a few iterations on ItemChain. The page loads
// them with tf.loadLayersModel, rebuilds the flags with the trainer's own encoder and wrapper, switches agents
// with the trainer's own stageOf, and must act as Node's trained policy does.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain, type TrainCommand } from '../scripts/train.ts';
import type { ActingPolicy } from '../src/agents/ppo/evaluate.ts';
import { FusedPolicy } from '../src/agents/ppo/policy.ts';
import { SubgoalPolicy } from '../src/align/subgoal-agents.ts';
import { subgoalDemoSteps } from '../src/align/subgoal-demo-steps.ts';
import { parseEventFlags } from '../src/align/subgoal-model-json.ts';
import { subgoalWrapper } from '../src/align/subgoal-observation.ts';
import { stageOf } from '../src/align/subgoal-stages.ts';
import type { TransitionEvents } from '../src/align/transition-events.ts';
import type { Env } from '../src/envs/core/env.ts';
import { Rng } from '../src/envs/core/rng.ts';
import { loadDemonstrations, make, recordExpertDemonstrations, saveDemonstrations } from '../src/envs/index.ts';
import { buildPage } from '../src/viewer/build-page.ts';
import type { ViewerState } from '../src/viewer/page/state.ts';
import { createViewerServer, type ViewerServer } from '../src/viewer/server/index.ts';
import { launchChromium } from './viewer-page-harness.ts';

type G = { __viewer: ViewerState };
const ENV = 'ItemChain-v0';
const SEED = 5;
let dir: string;
let browser: Browser;
let page: Page;
let server: ViewerServer;
let demosPath: string;
const trained = new Map<string, { policy: ActingPolicy; encoder: TransitionEvents }>();
const pageErrors: string[] = [];

const cmd = (out: string, subgoals: boolean): TrainCommand => ({
  config: { envId: ENV, numEnvs: 2, numSteps: 32, numMinibatches: 2, updateEpochs: 1, seed: 3, totalTimesteps: 256 }, out, backend: 'cpu', resume: false,
  checkpointEvery: 0, evalEvery: 0, evalEpisodes: 1, stopAt: null, progress: false, rudder: null,
  align: { demos: demosPath, correction: 'none', augment: true, subgoals: subgoals ? { bcEpochs: 50 } : null }, bc: null,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rudder-viewer-align-'));
  demosPath = join(dir, 'demos.jsonl');
  saveDemonstrations(demosPath, recordExpertDemonstrations(ENV, { episodes: 2, seed: 0 }));
  for (const [name, subgoals] of [['subgoals', true], ['augmented', false]] as const) {
    const r = await runTrain(cmd(join(dir, 'runs', name), subgoals), () => {});
    const encoder = r.policy instanceof SubgoalPolicy ? r.policy.encoder! : parseEventFlags(modelMeta(name).observation, name).encoder;
    trained.set(name, { policy: r.policy as ActingPolicy, encoder });
  }
  const staticDir = await buildPage(join(dir, 'page'));
  server = await createViewerServer({ staticDir, runDirs: ['subgoals', 'augmented'].map((n) => join(dir, 'runs', n)) });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(server.url);
  await page.waitForFunction(() => { const v = (globalThis as unknown as G).__viewer; return v?.ready && v.connected && v.runs.length === 2; }, null, { timeout: 20_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `userDefinedMetadata.rudder` of a run's model.json. */
function modelMeta(run: string): { observation?: unknown } {
  const json = JSON.parse(readFileSync(join(dir, 'runs', run, 'model', 'model.json'), 'utf8')) as { userDefinedMetadata: { rudder: { observation?: unknown } } };
  return json.userDefinedMetadata.rudder;
}

const state = (): Promise<ViewerState> => page.evaluate(() => JSON.parse(JSON.stringify((globalThis as unknown as G).__viewer)) as ViewerState);

/** Node: the trained policy's greedy episode on the env wrapped in the trainer's flags, from `seed`. */
function nodeEpisode(run: string, seed: number): { actions: number[] } {
  const { policy, encoder } = trained.get(run)!;
  const env = subgoalWrapper(encoder)(make(ENV)) as Env<Float32Array, number>;
  let obs = env.reset({ seed }).obs;
  const actions: number[] = [];
  const a = new Int32Array(1), lp = new Float32Array(1), rng = new Rng(0);
  for (;;) {
    policy.act(obs, 1, rng, a, lp, null, true);
    actions.push(a[0]!);
    const r = env.step(a[0]!);
    obs = r.obs;
    if (r.terminated || r.truncated) break;
  }
  env.close();
  return { actions };
}

/** Clicks the run's "policy plays" and waits for the episode to end in the page. */
async function playInPage(run: string, seed: number): Promise<ViewerState> {
  await page.fill('#policy-seed', String(seed));
  await page.click(`.run[data-run="${run}"] button.policy`);
  await page.waitForFunction(() => !['idle', 'loading', 'playing'].includes((globalThis as unknown as G).__viewer.policy.status), null, { timeout: 60_000 });
  const s = await state();
  expect(s.policy.status, `the page's policy of ${run}`).toBe('done');
  return s;
}

/** Calls one of policy.js's exports in the page (a string, so that vitest does not rewrite the page's dynamic import). */
function inPage(fn: 'policyActions' | 'policyInputs', args: unknown[]): Promise<number[]> {
  return page.evaluate(`import(new URL('policy.js', document.baseURI).href).then((m) => m.${fn}(...${JSON.stringify(args)}))`) as Promise<number[]>;
}

/**
 * Demo 0's actions replayed in the page on the run's wrapped env: the inputs it builds (flags included) must
 * be Node's (subgoalDemoSteps), and on them its greedy actions must be the trained policy's.
 */
async function checkDemoInputs(run: string): Promise<{ rows: number; obs: Float32Array; want: Int32Array }> {
  const { policy, encoder } = trained.get(run)!;
  const demo = loadDemonstrations(demosPath)[0]!;
  const steps = subgoalDemoSteps([demo], encoder), rows = steps.actions.length, K = encoder.numEvents, D = steps.obsDim;
  const flagsSet = steps.obs.subarray((rows - 1) * D + D - K, rows * D).reduce((a, f) => a + f, 0);
  expect(flagsSet).toBeGreaterThan(2); // the expert's demo goes through several events
  const fromPage = await inPage('policyInputs', [run, ENV, {}, demo.seed, demo.actions]);
  expect(fromPage).toEqual([...steps.obs]);
  const want = new Int32Array(rows);
  policy.act(steps.obs, rows, new Rng(1), want, new Float32Array(rows), null, true);
  expect(await inPage('policyActions', [run, ENV, [...steps.obs], rows])).toEqual([...want]);
  return { rows, obs: steps.obs, want };
}

describe('Align-RUDDER policies in the page', () => {
  it('the sub-goal agents: the page switches agents as Node does and plays the same actions from the same seed', async () => {
    const s = await playInPage('subgoals', SEED);
    const node = nodeEpisode('subgoals', SEED);
    expect(s.source).toBe('policy');
    expect(node.actions.length).toBeGreaterThan(10);
    expect(s.policy.actions).toEqual(node.actions);

    // A demo's observations (flags of every stage, built in the page): every agent acts, as in Node.
    const p = trained.get('subgoals')!.policy as SubgoalPolicy;
    const { rows, obs, want } = await checkDemoInputs('subgoals');
    const D = p.stages.envObsDim + p.stages.numEvents;
    const stages = new Set(Array.from({ length: rows }, (_, b) => stageOf(obs.subarray(b * D, b * D + D), p.stages)));
    expect(stages.size).toBe(p.policies.length);
    expect(stages.size).toBeGreaterThan(1);
    // Agents disagree on these rows (so acting with the wrong one would show): BC gave each its own stage's actions.
    const agent0 = new Int32Array(rows);
    p.policies[0]!.act(obs, rows, new Rng(1), agent0, new Float32Array(rows), null, true);
    expect([...agent0]).not.toEqual([...want]);
  }, 120_000);

  it('a single policy with the state augmentation: model.json records the flags, and the page plays Node\'s actions', async () => {
    const meta = modelMeta('augmented');
    const flags = parseEventFlags(meta.observation, 'model.json');
    const { policy, encoder } = trained.get('augmented')!;
    expect(policy).toBeInstanceOf(FusedPolicy);
    expect(JSON.stringify(flags.encoder.toJson!())).toBe(JSON.stringify(encoder.toJson!()));
    const agent = (policy as FusedPolicy).agent;
    expect(agent.kind === 'mlp' && agent.obsDim).toBe(flags.envObsDim + flags.numEvents);
    for (const seed of [SEED, SEED + 1]) {
      const s = await playInPage('augmented', seed);
      expect(s.policy.actions).toEqual(nodeEpisode('augmented', seed).actions);
    }
    // A demo's observations with the flags the page sets, and its actions on them.
    await checkDemoInputs('augmented');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
