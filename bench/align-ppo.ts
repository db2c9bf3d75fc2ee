import { mannWhitneyU } from '../src/stats/index.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ARMS, EVAL_SEED, type AlignPpoCase, type AlignPpoRunResult, type Arm } from './align-ppo-run.ts';
import { runChildCase } from './child-case.ts';
import { median, table, writeResults, writeSection } from './report.ts';
import { svgPlot } from './svg-plot.ts';
import { MILESTONES } from '../src/envs/index.ts';
import { inPool } from '../src/sweep/pool.ts';

/**
 * `npm run bench -- align-ppo`: issue 10's benchmark on ItemChain-v0. Arms: PPO, BC (the cloned actor
 * alone), BC + PPO, PPO + Align-RUDDER, BC + PPO + Align-RUDDER; per reward (natural, delayed), number of
 * expert demos N and seed. Each trained policy plays `evalEpisodes` episodes with sampled actions on fixed
 * seeds (greedy evaluation reaches almost nothing on ItemChain, measurements-2026-12.md §2), and the result
 * is the share of them that obtained each milestone item. Each run is a process of its own (bench/case.ts,
 * the run itself in align-ppo-run.ts), `jobs` at a time through the sweeps' pool.
 */

export { ARMS, type Arm };
export { DEMO_SEED, itemShares } from './align-ppo-run.ts'; // for scripts that replay a run's parts (bench/diagnostics)

/** How the report names and draws each arm. */
const ARM_STYLE: Record<Arm, { name: string; color: string }> = {
  ppo: { name: 'PPO', color: '#555555' },
  bc: { name: 'BC', color: '#b8860b' },
  'bc+ppo': { name: 'BC + PPO', color: '#1f77b4' },
  'ppo+align': { name: 'PPO + Align-RUDDER', color: '#d62728' },
  'bc+ppo+align': { name: 'BC + PPO + Align-RUDDER', color: '#2ca02c' },
  subgoals: { name: 'sub-goal agents', color: '#9467bd' },
};

export interface AlignPpoBenchOptions {
  seeds: number;
  steps: number;
  demos: number[];
  rewards: ('natural' | 'delayed')[];
  arms: Arm[];
  evalEpisodes: number;
  /** Expert demos' ε-random actions. */
  noise: number;
  bcEpochs: number;
  /** Runs at a time, each in its own process. */
  jobs: number;
  /** Keep the runs of bench/results/align-ppo.json made with the same settings that this run does not repeat. */
  continue?: boolean;
  command: string;
}

type RunResult = AlignPpoRunResult & { wall: number };

/**
 * The runs of the bench not in `kept`, reward by reward, demo count by demo count, seed by seed, the arms in
 * order (PPO, which uses no demos, once per seed and reward); `jobs` at a time, each in its own process.
 * `onRun` gets `kept` and the runs finished so far, in that order, after each run.
 */
export async function alignPpoRuns(o: Omit<AlignPpoBenchOptions, 'command' | 'continue'>, kept: RunResult[] = [], onRun: (results: RunResult[], last: RunResult) => void = () => {}): Promise<RunResult[]> {
  const has = (arm: Arm, reward: string, n: number, seed: number): boolean => kept.some((r) => r.arm === arm && r.reward === reward && r.numDemos === (arm === 'ppo' ? 0 : n) && r.seed === seed);
  const cases: AlignPpoCase[] = [];
  for (const reward of o.rewards) {
    for (const numDemos of o.demos) {
      for (let seed = 1; seed <= o.seeds; seed++) {
        for (const arm of o.arms) {
          if (arm === 'ppo' && numDemos !== o.demos[0]) continue; // PPO uses no demos: run once per seed and reward
          if (has(arm, reward, numDemos, seed)) continue; // kept from an earlier run (--continue)
          cases.push({ arm, reward, numDemos, seed, steps: o.steps, evalEpisodes: o.evalEpisodes, noise: o.noise, bcEpochs: o.bcEpochs });
        }
      }
    }
  }
  const done: (RunResult | undefined)[] = new Array(cases.length);
  const finished = (): RunResult[] => [...kept, ...done.filter((r): r is RunResult => r !== undefined)];
  await inPool(cases, o.jobs, async (c, i) => {
    const r = await runChildCase<AlignPpoRunResult>('bench/case.ts', ['align-ppo', JSON.stringify(c)]);
    done[i] = r;
    onRun(finished(), r);
  });
  return finished();
}

export async function runAlignPpoBench(o: AlignPpoBenchOptions): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const kept: RunResult[] = o.continue ? keptRuns(o) : [];
  const command = o.continue && existsSync(RESULTS) ? `${savedCommand()} ; then ${o.command}` : o.command; // read before this run's writes
  if (o.continue) log(`--continue: ${kept.length} runs kept from ${RESULTS}`);
  const t0 = performance.now();
  const all = await alignPpoRuns(o, kept, (sofar, r) => {
    writeResults('align-ppo', command, sofar); // after every run: a stopped bench keeps what it finished
    log(`${r.arm}, ${r.reward}, N ${r.numDemos}, seed ${r.seed}: ${MILESTONES.map((m, i) => `${m.name} ${Math.round(100 * r.itemShare[i]!)}`).join(' ')} (${r.wall.toFixed(0)} s)`);
  });
  writeResults('align-ppo', command, all);
  log(`total wall time ${Math.round((performance.now() - t0) / 1000)} s`);
  reportAlignPpoFromResults();
}

const RESULTS = resolve(import.meta.dirname, 'results', 'align-ppo.json');

interface SavedRuns {
  command: string;
  machine: string;
  results: RunResult[];
}

function readSaved(): SavedRuns {
  if (!existsSync(RESULTS)) throw new Error(`${RESULTS} does not exist: run the bench first`);
  return JSON.parse(readFileSync(RESULTS, 'utf8')) as SavedRuns;
}

function savedCommand(): string {
  return readSaved().command;
}

/** The value of `--name` in a recorded command (its last occurrence: a continued run's). */
function flagOf(command: string, name: string): string | null {
  const all = [...command.matchAll(new RegExp(`${name} (\\S+)`, 'g'))];
  return all.length ? all[all.length - 1]![1]! : null;
}

/** --continue: the saved runs made with this run's steps, evaluation episodes, demo noise and BC epochs. */
function keptRuns(o: AlignPpoBenchOptions): RunResult[] {
  if (!existsSync(RESULTS)) return [];
  const saved = readSaved();
  const same = ['--eval-episodes', '--noise', '--bc-epochs'].every((f) => flagOf(saved.command, f) === String({ '--eval-episodes': o.evalEpisodes, '--noise': o.noise, '--bc-epochs': o.bcEpochs }[f]));
  if (!same) throw new Error(`--continue: ${RESULTS} was made with other settings (${saved.command}); run without --continue to start over`);
  return saved.results.filter((r) => r.arm === 'bc' || r.steps === o.steps);
}

/** "3 seeds", or "1–3 seeds" when the arms ran different numbers. */
function seedSpan(counts: number[]): string {
  const lo = Math.min(...counts), hi = Math.max(...counts);
  return `${lo === hi ? lo : `${lo}–${hi}`} seed${hi === 1 ? '' : 's'}`;
}

/** `npm run bench -- align-ppo --report-only`: the tables and plots from bench/results/align-ppo.json. */
export function reportAlignPpoFromResults(): void {
  const saved = readSaved();
  const results = saved.results;
  const pct = (x: number): string => `${Math.round(100 * x)}`;
  const seeds = [...new Set(results.map((r) => r.seed))].sort((a, b) => a - b);
  const steps = Math.max(...results.map((r) => r.steps));
  const evalEpisodes = flagOf(saved.command, '--eval-episodes'), noise = flagOf(saved.command, '--noise'), bcEpochs = flagOf(saved.command, '--bc-epochs');
  const rewards = (['natural', 'delayed'] as const).filter((w) => results.some((r) => r.reward === w));
  const ironPick = MILESTONES.findIndex((m) => m.name === 'iron_pickaxe'), stonePick = MILESTONES.findIndex((m) => m.name === 'stone_pickaxe');
  const groups = (reward: string): { arm: Arm; n: number; runs: RunResult[] }[] => {
    const keys = [...new Set(results.filter((r) => r.reward === reward).map((r) => `${r.arm}|${r.numDemos}`))];
    return keys.map((k) => {
      const [arm, n] = k.split('|') as [Arm, string];
      return { arm, n: Number(n), runs: results.filter((r) => r.reward === reward && r.arm === arm && r.numDemos === Number(n)).sort((a, b) => a.seed - b.seed) };
    }).sort((a, b) => ARMS.indexOf(a.arm) - ARMS.indexOf(b.arm) || a.n - b.n);
  };
  const sections = rewards.map((reward) => {
    const gs = groups(reward), ppo = gs.find((g) => g.arm === 'ppo')?.runs ?? [];
    const p = (runs: RunResult[], arm: Arm): string => {
      if (arm === 'ppo' || ppo.length === 0) return '–';
      return mannWhitneyU(runs.map((r) => r.itemShare[ironPick]!), ppo.map((r) => r.itemShare[ironPick]!)).p.toPrecision(2);
    };
    const rows = gs.map((g) => [
      ARM_STYLE[g.arm].name, g.n === 0 ? '–' : String(g.n), String(g.runs.length), ...MILESTONES.map((_, i) => pct(median(g.runs.map((r) => r.itemShare[i]!)))),
      g.runs.map((r) => pct(r.itemShare[stonePick]!)).join('/'), g.runs.map((r) => pct(r.itemShare[ironPick]!)).join('/'), p(g.runs, g.arm),
    ]);
    const svg = svgPlot({
      title: `ItemChain-v0, ${reward} reward: items reached`,
      subtitle: `share of ${evalEpisodes} sampled-action episodes per run; ${steps.toLocaleString('en')} PPO steps; ${seedSpan(gs.map((g) => g.runs.length))} per arm`,
      xLabel: 'item (in chain order)', yLabel: 'episodes that obtained it (%)', x: MILESTONES.map((m) => m.name),
      series: gs.map((g) => ({ name: `${ARM_STYLE[g.arm].name}${g.n ? ` (N=${g.n})` : ''}`, color: ARM_STYLE[g.arm].color, values: MILESTONES.map((_, i) => g.runs.map((r) => 100 * r.itemShare[i]!)) })),
      budget: 100, yScale: 'linear', yMax: 100, yFormat: (v) => `${Math.round(v)}`, width: 900,
    });
    writeFileSync(resolve(import.meta.dirname, 'results', `align-ppo-${reward}.svg`), svg);
    return [
      `### ${reward} reward`, '',
      table(['arm', 'demos', 'seeds', ...MILESTONES.map((m) => m.name), 'stone pickaxe per seed', 'iron pickaxe per seed', 'iron pickaxe vs PPO: p (Mann–Whitney)'], rows),
      '', `![items reached, ${reward} reward](bench/results/align-ppo-${reward}.svg)`,
    ].join('\n');
  });
  const wall = (arm: Arm): string => {
    const w = results.filter((r) => r.arm === arm).map((r) => r.wall);
    return w.length ? `${ARM_STYLE[arm].name} ${Math.round(median(w))} s` : '';
  };
  const goals = results.find((r) => r.subgoals)?.subgoals;
  const reduced = seeds.length < 10 || steps < 1_000_000 || new Set(results.filter((r) => r.numDemos > 0).map((r) => r.numDemos)).size < 3;
  const body = [
    '## PPO + Align-RUDDER on ItemChain-v0 (`npm run bench -- align-ppo`)',
    '',
    ...(reduced ? [`**A reduced run**: ${seeds.length} seed${seeds.length === 1 ? '' : 's'}, ${steps.toLocaleString('en')} steps, demos N ∈ {${[...new Set(results.filter((r) => r.numDemos > 0).map((r) => r.numDemos))].join(', ')}}, where issue 10 asks for 10 seeds, 1M steps and N ∈ {2, 5, 10} (\`npm run bench -- align-ppo\` with its defaults). It was sized to about 45 minutes of one core of this shared machine (the load made it longer); its figures are a first look, not the issue's claim.`, ''] : []),
    `Command: \`${saved.command}\` · ${saved.machine} · per-seed results: bench/results/align-ppo.json`,
    '',
    `Median over the seeds of the share (%) of ${evalEpisodes} sampled-action evaluation episodes (natural reward, reset seeds ${EVAL_SEED}…, the same for every run) that obtained each item, after ${steps.toLocaleString('en')} PPO steps (the delayed-reward arms trained on the delayed reward). Demos: the scripted expert with ε = ${noise}, new ones per seed. BC: ${bcEpochs} epochs on the demo steps (the BC row: the cloned actor alone, no PPO). Align-RUDDER: the inventory events, frequencies from demos + 20 random episodes, columns ≥ half filled, no end-of-episode correction. Sub-goal agents: the state augmentation's flags, one MLP actor-critic per sub-goal read from the profile, each BC-initialised (${bcEpochs} epochs) on the demo steps taken while its sub-goal was open, then PPO on the redistributed reward${goals ? ` (seed ${results.find((r) => r.subgoals)!.seed}'s sub-goals: ${goals.join(', ')})` : ''}. The p column: Mann–Whitney U, two-sided (exact, ties handled; src/stats), of each arm's per-seed iron-pickaxe shares against PPO's; with 3 seeds against 3 the smallest p it can give is 0.1.`,
    '',
    'The Align-RUDDER arms (and the sub-goal agents) pay PPO only the redistributed reward C·ΔS (reward mode, trust 1, no end-of-episode correction), so they never see the environment\'s reward: on the natural and the delayed reward they are the same run (each seed of each Align arm here was run on both and gave identical figures). BC uses no reward either.',
    '',
    `Wall time per run (median): ${ARMS.map(wall).filter(Boolean).join(', ')}.`,
    '',
    sections.join('\n\n'),
  ].join('\n');
  writeSection('align-ppo', body);
  process.stderr.write(`wrote ${rewards.map((w) => `bench/results/align-ppo-${w}.svg`).join(', ')} and BENCHMARKS.md (section align-ppo) from bench/results/align-ppo.json\n`);
}
