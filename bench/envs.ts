import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { fmtRate, machineLine, table, writeSection } from './report.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CASE = resolve(ROOT, 'bench/env-case.ts');
// Figures from ../shared/anchors/README.md, used only when the Python venv cannot be made on this machine.
const QUOTED_GYM_CARTPOLE = { quiet: 190_000, loaded: 66_000 };

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
  try {
    const out = execFileSync(py, [script, envId, String(steps)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const m = /steps_per_s=(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export async function runEnvBench(opts: { seconds: number; anchor: boolean }): Promise<void> {
  const s = opts.seconds;
  const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
  const cases: [string, string, number, string][] = [
    ['single', 'CartPole-v1', 1, "make('CartPole-v1'): PassiveEnvChecker, OrderEnforcing, TimeLimit"],
    ['bare', 'CartPole-v1', 1, 'CartPoleEnv, no wrappers'],
    ['sync', 'CartPole-v1', 16, "SyncVectorEnv ×16 over make('CartPole-v1'), per env-step"],
    ['native', 'CartPole-v1', 16, 'CartPoleVectorEnv ×16 (vector entry point), per env-step'],
  ];
  // The anchor runs before and after our cases; its mean is the side-by-side figure.
  const anchors: number[] = [];
  const anchor = (): void => {
    if (!opts.anchor) return;
    log('anchor: Gymnasium CartPole-v1 …');
    const a = pythonAnchor('CartPole-v1', 300_000);
    if (a !== null) anchors.push(a);
  };
  anchor();
  const results: [CaseResult, string][] = [];
  for (const [kind, id, n, label] of cases) {
    log(`${label} …`);
    const r = runCase(kind, id, n, s);
    log(`  ${fmtRate(r.stepsPerSec)} steps/s, ${r.gcs} GCs in ${fmtRate(r.steps)} steps`);
    results.push([r, label]);
  }
  anchor();
  const gym = anchors.length ? anchors.reduce((a, b) => a + b, 0) / anchors.length : null;
  const gymNote = gym !== null
    ? `Gymnasium 1.x Python CartPole-v1 raw step, measured in this run (mean of ${anchors.length}, before and after ours): **${fmtRate(gym)} steps/s**.`
    : `The Python anchor venv is not on this machine (../shared/anchors/setup.sh needs PyPI), so the ratio uses the figure quoted in ../shared/anchors/README.md: ${fmtRate(QUOTED_GYM_CARTPOLE.quiet)} steps/s quiet (${fmtRate(QUOTED_GYM_CARTPOLE.loaded)} loaded). Not side by side.`;
  const ref = gym ?? QUOTED_GYM_CARTPOLE.quiet;
  const rows = results.map(([r, label]) => [label, fmtRate(r.stepsPerSec), `${(r.stepsPerSec / ref).toFixed(0)}×`, `${r.gcs} in ${fmtRate(r.steps)} steps`]);
  const body = [
    '## Env stepping (`npm run bench -- envs`)',
    '',
    `Command: \`npm run bench -- envs\` · ${machineLine()}`,
    '',
    `Each case runs in its own process (fresh JIT), seeded random actions drawn up front, autoreset by hand for single envs; the figure is the median of 3 timed repetitions of ${s} s. "GCs" counts garbage collections that started inside the timed loops: 0 over millions of steps means the step path does not allocate.`,
    '',
    gymNote,
    '',
    table(['case', 'env-steps/s', 'vs Gymnasium', 'GCs during timing'], rows),
  ].join('\n');
  writeSection('envs', body);
  log('wrote BENCHMARKS.md (section envs)');
}
