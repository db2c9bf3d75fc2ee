import { mannWhitneyU } from '../src/stats/index.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ARMS, caseSettings, EVAL_SEED, type AlignPpoCase, type AlignPpoRunResult, type AlignPpoSettings, type Arm } from './align-ppo-run.ts';
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
  /** The BC arm's own epochs (align-ppo-run.ts `bcAloneEpochs`; absent: bcEpochs). */
  bcAloneEpochs?: number;
  /** The BC arms' entropy floor for pre-training (bc.ts minEntropy; 0: none). */
  bcMinEntropy?: number;
  /** BC as PPO's auxiliary loss in the BC + PPO arms, decaying to 0 over this many iterations (0: off). */
  bcAuxIterations?: number;
  /** Its weight at the first update. */
  bcAuxWeight?: number;
  /** Runs at a time, each in its own process. */
  jobs: number;
  /** Align-RUDDER's demoReturn (ppo-align.ts): the demos' mean redistributed return, or `env` for the papers' C. */
  demoReturn: number | 'env';
  /** Results file bench/results/<name>.json, its plots and its BENCHMARKS.md section (default `align-ppo`). */
  name?: string;
  /** Keep the runs of bench/results/<name>.json made with the same settings that this run does not repeat. */
  continue?: boolean;
  /** With `continue`: this arm's saved runs are not kept but run again (e.g. after a fix to it). */
  rerun?: Arm;
  command: string;
}

export type RunResult = AlignPpoRunResult & { wall: number };

/**
 * Arms whose run does not depend on the env's reward mode: the Align-RUDDER arms pay PPO only C·ΔS (reward
 * mode, trust 1, no end-of-episode correction), and BC (pre-training or auxiliary) uses no reward, so on
 * the delayed reward they are the natural-reward run step for step. Evaluation is on the natural reward.
 */
export const REWARD_FREE_ARMS: readonly Arm[] = ['bc', 'ppo+align', 'bc+ppo+align', 'subgoals'];

/**
 * The runs of the bench not in `kept`, reward by reward, demo count by demo count, seed by seed, the arms in
 * order (PPO, which uses no demos, once per seed and reward); `jobs` at a time, each in its own process.
 * When both rewards are asked for, a reward-free arm (REWARD_FREE_ARMS) runs on the natural reward only and
 * its delayed-reward result is that run's, marked `reusedFrom: 'natural'`: the delayed target costs only
 * the reward-dependent arms' runs. `onRun` gets `kept` and the runs finished so far, in that order, after each run.
 */
export async function alignPpoRuns(o: Omit<AlignPpoBenchOptions, 'command' | 'continue' | 'rerun'>, kept: RunResult[] = [], onRun: (results: RunResult[], last: RunResult) => void = () => {}): Promise<RunResult[]> {
  const same = (r: RunResult, arm: Arm, reward: string, n: number, seed: number): boolean => r.arm === arm && r.reward === reward && r.numDemos === (arm === 'ppo' ? 0 : n) && r.seed === seed;
  const has = (arm: Arm, reward: string, n: number, seed: number): boolean => kept.some((r) => same(r, arm, reward, n, seed));
  const cases: AlignPpoCase[] = [];
  const reused: { arm: Arm; numDemos: number; seed: number }[] = []; // delayed-reward results taken from the natural run
  for (const reward of o.rewards) {
    for (const numDemos of o.demos) {
      for (let seed = 1; seed <= o.seeds; seed++) {
        for (const arm of o.arms) {
          if (arm === 'ppo' && numDemos !== o.demos[0]) continue; // PPO uses no demos: run once per seed and reward
          if (has(arm, reward, numDemos, seed)) continue; // kept from an earlier run (--continue)
          if (reward === 'delayed' && o.rewards.includes('natural') && REWARD_FREE_ARMS.includes(arm)) {
            reused.push({ arm, numDemos, seed });
            continue;
          }
          cases.push({
            arm, reward, numDemos, seed, steps: o.steps, evalEpisodes: o.evalEpisodes, noise: o.noise, bcEpochs: o.bcEpochs, demoReturn: o.demoReturn,
            ...(arm === 'bc' && o.bcAloneEpochs !== undefined ? { bcAloneEpochs: o.bcAloneEpochs } : {}),
            bcMinEntropy: o.bcMinEntropy ?? 0, bcAuxIterations: o.bcAuxIterations ?? 0, bcAuxWeight: o.bcAuxWeight ?? 1,
          });
        }
      }
    }
  }
  const done: (RunResult | undefined)[] = new Array(cases.length);
  const finished = (): RunResult[] => {
    const ran = [...kept, ...done.filter((r): r is RunResult => r !== undefined)];
    const copies = reused.flatMap(({ arm, numDemos, seed }) => {
      const natural = ran.find((r) => same(r, arm, 'natural', numDemos, seed));
      return natural ? [{ ...natural, reward: 'delayed' as const, reusedFrom: 'natural' as const }] : [];
    });
    return [...ran, ...copies];
  };
  await inPool(cases, o.jobs, async (c, i) => {
    const r = await runChildCase<AlignPpoRunResult>('bench/case.ts', ['align-ppo', JSON.stringify(c)]);
    done[i] = r;
    onRun(finished(), r);
  });
  return finished();
}

export async function runAlignPpoBench(o: AlignPpoBenchOptions): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const name = o.name ?? 'align-ppo';
  if (o.rerun !== undefined && !o.continue) throw new Error('--rerun ARM goes with --continue (without it every run is made again anyway)');
  const saved = o.continue && existsSync(resultsPath(name)) ? readSaved(name) : null; // read before this run's writes
  const kept: RunResult[] = o.continue ? keptRuns(saved, o, resultsPath(name)) : [];
  const command = saved ? `${saved.command} ; then ${o.command}` : o.command;
  if (o.continue) log(`--continue: ${kept.length} runs kept from ${resultsPath(name)}${o.rerun ? ` (${ARM_STYLE[o.rerun].name}'s runs made again)` : ''}`);
  const t0 = performance.now();
  const all = await alignPpoRuns(o, kept, (sofar, r) => {
    writeResults(name, command, sofar); // after every run: a stopped bench keeps what it finished
    log(`${r.arm}, ${r.reward}, N ${r.numDemos}, seed ${r.seed}: ${MILESTONES.map((m, i) => `${m.name} ${Math.round(100 * r.itemShare[i]!)}`).join(' ')} (${r.wall.toFixed(0)} s)`);
  });
  writeResults(name, command, all);
  log(`total wall time ${Math.round((performance.now() - t0) / 1000)} s`);
  reportAlignPpoFromResults(name);
}

const resultsPath = (name: string): string => resolve(import.meta.dirname, 'results', `${name}.json`);

export interface SavedRuns {
  command: string;
  machine: string;
  results: RunResult[];
}

function readSaved(name: string): SavedRuns {
  const file = resultsPath(name);
  if (!existsSync(file)) throw new Error(`${file} does not exist: run the bench first`);
  return JSON.parse(readFileSync(file, 'utf8')) as SavedRuns;
}

/** The value of `--name` in a recorded command (its last occurrence: a continued run's). */
function flagOf(command: string, name: string): string | null {
  const all = [...command.matchAll(new RegExp(`${name} (\\S+)`, 'g'))];
  return all.length ? all[all.length - 1]![1]! : null;
}

/** A saved run's settings: its own record, or for results from before it was kept, what the saved command says (with the then defaults). */
function savedSettings(r: RunResult, command: string): AlignPpoSettings {
  if (r.settings) return r.settings;
  // A flag missing from an older command had its then default: the papers' C, no BC entropy floor, no BC auxiliary loss.
  const flag = (f: string, missing: string): string => flagOf(command, f) ?? missing;
  const demoReturn = flag('--demo-return', 'env');
  return caseSettings({
    steps: Number(flag('--steps', 'NaN')), evalEpisodes: Number(flag('--eval-episodes', 'NaN')), noise: Number(flag('--noise', 'NaN')), bcEpochs: Number(flag('--bc-epochs', 'NaN')),
    bcMinEntropy: Number(flag('--bc-min-entropy', '0')), bcAuxIterations: Number(flag('--bc-aux-iterations', '0')), bcAuxWeight: Number(flag('--bc-aux-weight', '1')),
    demoReturn: demoReturn === 'env' ? 'env' : Number(demoReturn),
  });
}

/**
 * `--continue`: the saved runs to keep, all of them, so a bench made over several sessions (other seeds, demo
 * counts or arms each time) accumulates in one file; the runs this one would make that are among them are
 * not made again. Every saved run must have been made with this run's settings (steps, evaluation episodes,
 * demo noise, BC and Align-RUDDER settings): otherwise the file would mix them, and it is an error naming
 * the settings that differ. `rerun`'s runs (and the delayed-reward copies of them) are dropped, to be made again.
 */
export function keptRuns(saved: SavedRuns | null, o: Omit<AlignPpoCase, 'arm' | 'reward' | 'numDemos' | 'seed'> & { rerun?: Arm }, file: string): RunResult[] {
  if (!saved) return [];
  const now = caseSettings(o);
  const differ = new Set<string>();
  for (const r of saved.results) {
    const s = savedSettings(r, saved.command);
    for (const k of Object.keys(now) as (keyof AlignPpoSettings)[]) if (String(s[k]) !== String(now[k])) differ.add(`${k} ${String(s[k])} (now ${String(now[k])})`);
    // The BC arm's own epochs (a BC run from before they were recorded had bcEpochs).
    const alone = o.bcAloneEpochs ?? o.bcEpochs, was = r.bcAloneEpochs ?? s.bcEpochs;
    if (r.arm === 'bc' && o.rerun !== 'bc' && was !== alone) differ.add(`the BC arm's epochs ${was} (now ${alone}; --rerun bc makes its runs again)`);
  }
  if (differ.size) throw new Error(`--continue: ${file} holds runs made with other settings: ${[...differ].join(', ')}; use another --results NAME, or run without --continue to start over`);
  return saved.results.filter((r) => r.arm !== o.rerun);
}

/** "3 seeds", or "1–3 seeds" when the arms ran different numbers. */
function seedSpan(counts: number[]): string {
  const lo = Math.min(...counts), hi = Math.max(...counts);
  return `${lo === hi ? lo : `${lo}–${hi}`} seed${hi === 1 ? '' : 's'}`;
}

/** `npm run bench -- align-ppo --report-only [--results NAME]`: the tables and plots from bench/results/NAME.json. */
export function reportAlignPpoFromResults(name = 'align-ppo'): void {
  const saved = readSaved(name);
  const results = saved.results;
  const pct = (x: number): string => `${Math.round(100 * x)}`;
  const seeds = [...new Set(results.map((r) => r.seed))].sort((a, b) => a - b);
  const steps = Math.max(...results.map((r) => r.steps));
  const evalEpisodes = flagOf(saved.command, '--eval-episodes'), noise = flagOf(saved.command, '--noise'), bcEpochs = flagOf(saved.command, '--bc-epochs');
  const demoReturn = flagOf(saved.command, '--demo-return') ?? 'env'; // runs before the flag used the papers' C
  const bcMinEntropy = Number(flagOf(saved.command, '--bc-min-entropy') ?? 0), bcAux = Number(flagOf(saved.command, '--bc-aux-iterations') ?? 0);
  const aloneEpochs = [...new Set(results.filter((r) => r.arm === 'bc').map((r) => r.bcAloneEpochs ?? Number(bcEpochs)))].sort((a, b) => a - b);
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
    writeFileSync(resolve(import.meta.dirname, 'results', `${name}-${reward}.svg`), svg);
    return [
      `### ${reward} reward`, '',
      table(['arm', 'demos', 'seeds', ...MILESTONES.map((m) => m.name), 'stone pickaxe per seed', 'iron pickaxe per seed', 'iron pickaxe vs PPO: p (Mann–Whitney)'], rows),
      '', `![items reached, ${reward} reward](bench/results/${name}-${reward}.svg)`,
    ].join('\n');
  });
  const wall = (arm: Arm): string => {
    const w = results.filter((r) => r.arm === arm && !r.reusedFrom).map((r) => r.wall);
    return w.length ? `${ARM_STYLE[arm].name} ${Math.round(median(w))} s` : '';
  };
  const goals = results.find((r) => r.subgoals)?.subgoals;
  const has = (arm: Arm): boolean => results.some((r) => r.arm === arm || (arm === 'bc' && r.arm.startsWith('bc')));
  const reduced = seeds.length < 10 || steps < 1_000_000 || new Set(results.filter((r) => r.numDemos > 0).map((r) => r.numDemos)).size < 3;
  const body = [
    `## PPO + Align-RUDDER on ItemChain-v0${demoReturn === 'env' ? '' : `, the demos' redistributed return scaled to ${demoReturn}`} (\`npm run bench -- align-ppo\`)`,
    '',
    ...(reduced ? [`**A reduced run**: ${seeds.length} seed${seeds.length === 1 ? '' : 's'}, ${steps.toLocaleString('en')} steps, demos N ∈ {${[...new Set(results.filter((r) => r.numDemos > 0).map((r) => r.numDemos))].join(', ')}}, where issue 10 asks for 10 seeds, 1M steps and N ∈ {2, 5, 10} (\`npm run bench -- align-ppo\` with its defaults), sized to the shared machine's time; its figures are a first look, not the issue's claim.`, ''] : []),
    `Command: \`${saved.command}\` · ${saved.machine} · per-seed results: bench/results/${name}.json`,
    '',
    [
      `Median over the seeds of the share (%) of ${evalEpisodes} sampled-action evaluation episodes (natural reward, reset seeds ${EVAL_SEED}…, the same for every run) that obtained each item, after ${steps.toLocaleString('en')} PPO steps${rewards.includes('delayed') ? ' (the delayed-reward arms trained on the delayed reward)' : ''}. Demos: the scripted expert with ε = ${noise}, new ones per seed.`,
      has('bc') ? `BC: ${bcEpochs} epochs on the demo steps${bcMinEntropy ? `, stopped early once the policy's mean entropy on the demo states fell below ${bcMinEntropy} nats` : ''} before PPO${aloneEpochs.length ? `; the BC row is the cloned actor alone, no PPO, trained ${aloneEpochs.join(' or ')} epochs${aloneEpochs.includes(0) ? ' (0: an untrained actor, not BC)' : ''}` : ''}.${bcAux ? ` The BC + PPO arms also add BC's cross-entropy to PPO's loss, its weight falling linearly from ${flagOf(saved.command, '--bc-aux-weight') ?? 1} to 0 over the first ${bcAux} PPO iterations (src/agents/ppo/bc-auxiliary.ts).` : ''}` : '',
      `Align-RUDDER: the inventory events, frequencies from demos + 20 random episodes, columns ≥ half filled, no end-of-episode correction, ${demoReturn === 'env' ? "the papers' C (the redistributed reward in the env's units: the demos' return, 1,571)" : `C scaled so that the demos' redistributed return averages ${demoReturn} (the env's return of a demo is 1,571)`}.`,
      has('subgoals') ? `Sub-goal agents: the state augmentation's flags, one MLP actor-critic per sub-goal read from the profile, each BC-initialised (${bcEpochs} epochs) on the demo steps taken while its sub-goal was open, then PPO on the redistributed reward${goals ? ` (seed ${results.find((r) => r.subgoals)!.seed}'s sub-goals: ${goals.join(', ')})` : ''}.` : '',
      `The p column: Mann–Whitney U, two-sided (exact, ties handled; src/stats), of each arm's per-seed iron-pickaxe shares against PPO's; with ${seeds.length} seeds against ${seeds.length} the smallest p it can give is ${(2 / binomial(2 * seeds.length, seeds.length)).toPrecision(2)}.`,
    ].filter(Boolean).join(' '),
    '',
    `The Align-RUDDER arms (and the sub-goal agents) pay PPO only the redistributed reward C·ΔS (reward mode, trust 1, no end-of-episode correction), so they never see the environment's reward${rewards.length === 2 ? `: on the natural and the delayed reward they are the same run${results.some((r) => r.reusedFrom) ? ' (their delayed-reward rows here are the natural-reward runs, not run again: marked reusedFrom in the JSON)' : ' (each seed of each Align arm here was run on both and gave identical figures)'}` : ''}. BC uses no reward either.`,
    '',
    `Wall time per run (median): ${ARMS.map(wall).filter(Boolean).join(', ')}.`,
    '',
    sections.join('\n\n'),
  ].join('\n');
  writeSection(name, body);
  process.stderr.write(`wrote ${rewards.map((w) => `bench/results/${name}-${w}.svg`).join(', ')} and BENCHMARKS.md (section ${name}) from bench/results/${name}.json\n`);
}

/** n choose k, exactly enough for the seed counts here. */
function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}
