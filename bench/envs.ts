import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fmtRate, machineLine, table, writeSection } from './report.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CASE = resolve(ROOT, 'bench/env-case.ts');
// Figures from ../shared/anchors/README.md, used only when a Python peer cannot be run on this machine.
const QUOTED = {
  cartpole: { quiet: 190_000, loaded: 66_000 },
  doorkey: { quiet: 10_100, loaded: 5_200 },
  fourrooms: { quiet: 8_500, loaded: 4_300 },
};

interface CaseResult {
  kind: string;
  id: string;
  numEnvs: number;
  stepsPerSec: number;
  steps: number;
  gcs: number;
}

function runCase(kind: string, id: string, numEnvs: number, seconds: number): CaseResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CASE, kind, id, String(numEnvs), String(seconds)], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as CaseResult;
}

function pythonAnchor(envId: string, steps: number): number | null {
  const py = resolve(process.env.ANCHORS_VENV ?? resolve(homedir(), '.cache/rudder-anchors'), 'bin/python');
  const script = resolve(ROOT, '../shared/anchors/gym_speed.py');
  if (!existsSync(py) || !existsSync(script)) return null;
  const minigrid = envId.startsWith('MiniGrid');
  if (minigrid && !(process.env.MINIGRID_PATH && existsSync(resolve(process.env.MINIGRID_PATH, 'minigrid')))) return null;
  try {
    const out = execFileSync(py, [script, envId, String(steps)], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: minigrid ? { ...process.env, PYTHONPATH: process.env.MINIGRID_PATH } : process.env,
    });
    const m = /steps_per_s=(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

interface Anchor {
  id: string;
  steps: number;
  quoted: { quiet: number; loaded: number };
  runs: number[];
}

// What bounds the envs that are not grid lookups, from their authors' profiles (see the env modules).
const BOUNDS: Record<string, string> = {
  'Bowling-v0': 'pin physics while pins slide (4 substeps × 45 pin pairs); random play mostly rolls gutter balls, so this is the cheap end',
  'Venture-v0': 'monster movement (random draws), writing the 13×19×7 one-hot map, the released monster\'s path search',
  'ItemChain-v0': "rewriting the 9×9 egocentric view each step; map generation (~0.4 ms) at every reset",
  'WatchRepair-v0': 'one random draw per step for the jam/flat-tyre events',
};

export async function runEnvBench(opts: { seconds: number; anchor: boolean }): Promise<void> {
  const s = opts.seconds;
  const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
  const anchors: Record<string, Anchor> = {
    gym: { id: 'CartPole-v1', steps: 300_000, quoted: QUOTED.cartpole, runs: [] },
    doorkey: { id: 'MiniGrid-DoorKey-8x8-v0', steps: 30_000, quoted: QUOTED.doorkey, runs: [] },
    fourrooms: { id: 'MiniGrid-FourRooms-v0', steps: 30_000, quoted: QUOTED.fourrooms, runs: [] },
  };
  const timeAnchors = (): void => {
    if (!opts.anchor) return;
    for (const a of Object.values(anchors)) {
      log(`anchor: ${a.id} …`);
      const v = pythonAnchor(a.id, a.steps);
      if (v !== null) a.runs.push(v);
    }
  };
  // [kind, id, numEnvs, label, anchor key]
  const cases: [string, string, number, string, keyof typeof anchors | null][] = [
    ['single', 'CartPole-v1', 1, "make('CartPole-v1'): PassiveEnvChecker, OrderEnforcing, TimeLimit", 'gym'],
    ['rollout', 'CartPole-v1', 1, "make('CartPole-v1'), each obs copied out and reward summed (a rollout's work)", 'gym'],
    ['bare', 'CartPole-v1', 1, 'CartPoleEnv, no wrappers', 'gym'],
    ['sync', 'CartPole-v1', 16, "SyncVectorEnv ×16 over make('CartPole-v1'), per env-step", 'gym'],
    ['native', 'CartPole-v1', 16, "makeVec('CartPole-v1', 16): CartPoleVectorEnv, per env-step", 'gym'],
    ['single', 'KeyDoorTreasure-v0', 1, "make('KeyDoorTreasure-v0') (8×8)", 'doorkey'],
    ['sync', 'KeyDoorTreasure-v0', 16, 'KeyDoorTreasure-v0 SyncVectorEnv ×16, per env-step', 'doorkey'],
    ['single', 'FourRooms-v0', 1, "make('FourRooms-v0')", 'fourrooms'],
    ['sync', 'FourRooms-v0', 16, 'FourRooms-v0 SyncVectorEnv ×16, per env-step', 'fourrooms'],
    ['single', 'EightRooms-v0', 1, "make('EightRooms-v0')", 'fourrooms'],
    ['single', 'WatchRepair-v0', 1, "make('WatchRepair-v0')", null],
    ['single', 'Bowling-v0', 1, "make('Bowling-v0')", null],
    ['sync', 'Bowling-v0', 16, 'Bowling-v0 SyncVectorEnv ×16, per env-step', null],
    ['single', 'Venture-v0', 1, "make('Venture-v0')", null],
    ['sync', 'Venture-v0', 16, 'Venture-v0 SyncVectorEnv ×16, per env-step', null],
    ['single', 'ItemChain-v0', 1, "make('ItemChain-v0')", null],
    ['sync', 'ItemChain-v0', 16, 'ItemChain-v0 SyncVectorEnv ×16, per env-step', null],
  ];
  timeAnchors(); // before and after ours; the mean is the side-by-side figure
  const results: { r: CaseResult; label: string; anchor: keyof typeof anchors | null }[] = [];
  for (const [kind, id, n, label, anchor] of cases) {
    log(`${label} …`);
    const r = runCase(kind, id, n, s);
    log(`  ${fmtRate(r.stepsPerSec)} steps/s, ${r.gcs} GCs in ${fmtRate(r.steps)} steps`);
    results.push({ r, label, anchor });
  }
  timeAnchors();
  const ref = (k: keyof typeof anchors): { v: number; measured: boolean } => {
    const a = anchors[k];
    return a.runs.length ? { v: a.runs.reduce((x, y) => x + y, 0) / a.runs.length, measured: true } : { v: a.quoted.quiet, measured: false };
  };
  const anchorLines = Object.values(anchors).map((a) => {
    const k = (Object.keys(anchors) as (keyof typeof anchors)[]).find((x) => anchors[x] === a)!;
    const r = ref(k);
    return r.measured
      ? `- ${a.id} (Python): **${fmtRate(r.v)} steps/s**, measured in this run (mean of ${a.runs.length}: before and after ours).`
      : `- ${a.id} (Python): not measurable on this machine now (${k === 'gym' ? 'no anchor venv: ../shared/anchors/setup.sh needs PyPI' : 'needs the anchor venv and a MiniGrid checkout in MINIGRID_PATH'}); ratios use the quiet-machine figure quoted in ../shared/anchors/README.md, ${fmtRate(a.quoted.quiet)} steps/s (${fmtRate(a.quoted.loaded)} loaded). **Not side by side.**`;
  });
  const rows = results.map(({ r, label, anchor }) => {
    // Bowling, Venture, ItemChain and WatchRepair have no Python peer that steps the same game.
    const vs = anchor === null ? 'no peer' : `${(r.stepsPerSec / ref(anchor).v).toFixed(0)}× ${anchors[anchor].id}${ref(anchor).measured ? '' : ' (quoted)'}`;
    return [label, fmtRate(r.stepsPerSec), vs, `${r.gcs} in ${fmtRate(r.steps)} steps`, BOUNDS[r.id] ?? ''];
  });
  const body = [
    '## Env stepping (`npm run bench -- envs`)',
    '',
    `Command: \`npm run bench -- envs\` · ${machineLine()}`,
    '',
    `Each case runs in its own process (fresh JIT), seeded random actions drawn up front, autoreset by hand for single envs; single envs only step, as the Python anchor does, except the "rollout" row, which also copies each observation out and sums the reward (the work a vector env does for its batch). The figure is the median of 3 timed repetitions of ${s} s. "GCs" counts garbage collections that started inside the timed loops: 0 over millions of steps means the step path does not allocate.`,
    '',
    'Python peers (raw `env.step`, `../shared/anchors/gym_speed.py`):',
    '',
    ...anchorLines,
    '',
    table(['case', 'env-steps/s', 'vs Python peer', 'GCs during timing', 'what bounds it'], rows),
    '',
    'A non-zero GC count means some allocation somewhere in the loop: ItemChain builds a new map at every reset; for the others the source (resets or values V8 boxes where a call is not inlined) is not yet pinned down. One small object allocated every step shows about 950 GCs per 50M steps on this machine (measured with a throwaway loop).',
  ].join('\n');
  writeSection('envs', body);
  log('wrote BENCHMARKS.md (section envs)');
}
