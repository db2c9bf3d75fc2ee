import { mannWhitneyU } from '../src/stats/index.ts';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { median, table, writeResults, writeSection } from './report.ts';
import { svgPlot } from './svg-plot.ts';
import type { Agent } from '../src/agents/ppo/agent.ts';
import { createAgent } from '../src/agents/ppo/agent.ts';
import { bcPretrain, demoSteps } from '../src/agents/ppo/bc.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import type { ActingPolicy } from '../src/agents/ppo/evaluate.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { subgoalAgents } from '../src/align/subgoal-agents.ts';
import type { Env } from '../src/envs/core/env.ts';
import type { EnvWrapper } from '../src/envs/vector/make-vec.ts';
import { ACTION_COUNT, MILESTONES, Rng, make, recordExpertDemonstrations, type ItemChainEnv } from '../src/envs/index.ts';

/**
 * `npm run bench -- align-ppo`: issue 10's benchmark on ItemChain-v0. Arms: PPO, BC (the cloned actor
 * alone), BC + PPO, PPO + Align-RUDDER, BC + PPO + Align-RUDDER; per reward (natural, delayed), number of
 * expert demos N and seed. Each trained policy plays `evalEpisodes` episodes with sampled actions on fixed
 * seeds (greedy evaluation reaches almost nothing on ItemChain, measurements-2026-12.md §2), and the result
 * is the share of them that obtained each milestone item. Runs in process, one after another.
 */

export const ARMS = ['ppo', 'bc', 'bc+ppo', 'ppo+align', 'bc+ppo+align', 'subgoals'] as const;
export type Arm = (typeof ARMS)[number];

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
  /** Align-RUDDER's demoReturn (ppo-align.ts): the demos' mean redistributed return, or `env` for the papers' C. */
  demoReturn: number | 'env';
  /** Results file bench/results/<name>.json, its plots and its BENCHMARKS.md section (default `align-ppo`). */
  name?: string;
  /** Keep the runs of bench/results/<name>.json made with the same settings that this run does not repeat. */
  continue?: boolean;
  command: string;
}

interface RunResult {
  arm: Arm;
  reward: 'natural' | 'delayed';
  numDemos: number;
  seed: number;
  steps: number;
  /** Share of the evaluation episodes that obtained each milestone, in MILESTONES order. */
  itemShare: number[];
  meanReturn: number;
  bcCrossEntropy: [number, number] | null;
  /** The sub-goal agents' sub-goals (their event names), for the `subgoals` arm. */
  subgoals?: string[];
  wall: number;
}

const EVAL_SEED = 900_000; // evaluation episodes' reset seeds: EVAL_SEED + i, the same for every run
export const DEMO_SEED = 100_000; // seed s's demos: the expert from DEMO_SEED + 1000·s + i

/** Share of `episodes` sampled-action episodes (natural reward, fixed seeds) that obtain each milestone. */
export function itemShares(agent: ActingPolicy, episodes: number, seed: number, wrappers: readonly EnvWrapper[] = []): { share: number[]; meanReturn: number } {
  const inner = make<Float32Array, number>('ItemChain-v0', {});
  let wrapped = inner as Env<unknown, unknown>;
  for (const w of wrappers) wrapped = w(wrapped);
  const env = wrapped as Env<Float32Array, number>;
  const rng = new Rng(seed), a = new Int32Array(1), lp = new Float32Array(1), share = new Array<number>(MILESTONES.length).fill(0);
  let ret = 0;
  try {
    for (let e = 0; e < episodes; e++) {
      let obs = env.reset({ seed: EVAL_SEED + e }).obs;
      for (;;) {
        agent.act(obs, 1, rng, a, lp, null, false, null);
        const s = env.step(a[0]!);
        ret += s.reward;
        obs = s.obs;
        if (s.terminated || s.truncated) break;
      }
      const got = (inner.unwrapped as ItemChainEnv).obtained;
      for (let m = 0; m < MILESTONES.length; m++) share[m]! += got[m]! / episodes;
    }
  } finally {
    env.close();
  }
  return { share, meanReturn: ret / episodes };
}

export async function runAlignPpoBench(o: AlignPpoBenchOptions): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const name = o.name ?? 'align-ppo';
  const results: RunResult[] = o.continue ? keptRuns(o, name) : [];
  const command = o.continue && existsSync(resultsPath(name)) ? `${readSaved(name).command} ; then ${o.command}` : o.command; // read before this run's writes
  if (o.continue) log(`--continue: ${results.length} runs kept from ${resultsPath(name)}`);
  const has = (arm: Arm, reward: string, n: number, seed: number): boolean => results.some((r) => r.arm === arm && r.reward === reward && r.numDemos === (arm === 'ppo' ? 0 : n) && r.seed === seed);
  const t0 = performance.now();
  for (const reward of o.rewards) {
    for (const numDemos of o.demos) {
      for (let seed = 1; seed <= o.seeds; seed++) {
        const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: numDemos, seed: DEMO_SEED + 1000 * seed, noise: o.noise });
        const steps = demoSteps(demos);
        for (const arm of o.arms) {
          if (arm === 'ppo' && numDemos !== o.demos[0]) continue; // PPO uses no demos: run once per seed and reward
          if (has(arm, reward, numDemos, seed)) continue; // kept from an earlier run (--continue)
          const t = performance.now();
          let bcCe: [number, number] | null = null;
          const pretrain = arm.startsWith('bc') ? (agent: Agent): void => {
            const r = bcPretrain(agent, steps, { epochs: o.bcEpochs, seed });
            bcCe = [r.before, r.after];
          } : null;
          let agent: ActingPolicy, wrappers: readonly EnvWrapper[] = [], subgoals: string[] | undefined;
          const cfg = { envId: 'ItemChain-v0', envKwargs: reward === 'delayed' ? { reward: 'delayed' } : {}, totalTimesteps: o.steps, seed };
          if (arm === 'bc') {
            const a: Agent = createAgent(parsePpoConfig(cfg), [steps.obsDim], [ACTION_COUNT]);
            pretrain!(a);
            agent = a;
          } else if (arm === 'subgoals') {
            // The paper's full method: one agent per sub-goal, each BC-initialised on its demo segments, switched by the event flags.
            const setup = alignFromDemos(demos, { otherEpisodes: 20, seed, augment: true, demoReturn: o.demoReturn });
            const sg = subgoalAgents(setup, demos, { bcEpochs: o.bcEpochs });
            wrappers = setup.envWrappers;
            subgoals = sg.subgoals.map((g) => g.name);
            agent = (await trainPpo(cfg, { redistribution: setup.redistribution, envWrappers: wrappers, makePolicy: sg.makePolicy })).policy;
          } else {
            const redistribution = arm.endsWith('align') ? alignFromDemos(demos, { otherEpisodes: 20, seed, demoReturn: o.demoReturn }).redistribution : null;
            agent = (await trainPpo(cfg, { redistribution, pretrain })).agent;
          }
          const ev = itemShares(agent, o.evalEpisodes, seed, wrappers);
          const wall = (performance.now() - t) / 1000;
          results.push({ arm, reward, numDemos: arm === 'ppo' ? 0 : numDemos, seed, steps: arm === 'bc' ? 0 : o.steps, itemShare: ev.share, meanReturn: ev.meanReturn, bcCrossEntropy: bcCe, ...(subgoals ? { subgoals } : {}), wall });
          writeResults(name, command, results); // after every run: a stopped bench keeps what it finished
          log(`${arm}, ${reward}, N ${numDemos}, seed ${seed}: ${MILESTONES.map((m, i) => `${m.name} ${Math.round(100 * ev.share[i]!)}`).join(' ')} (${wall.toFixed(0)} s)`);
        }
      }
    }
  }
  writeResults(name, command, results);
  log(`total wall time ${Math.round((performance.now() - t0) / 1000)} s`);
  reportAlignPpoFromResults(name);
}

const resultsPath = (name: string): string => resolve(import.meta.dirname, 'results', `${name}.json`);

interface SavedRuns {
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

/** --continue: the saved runs made with this run's steps, evaluation episodes, demo noise, BC epochs and demo return. */
function keptRuns(o: AlignPpoBenchOptions, name: string): RunResult[] {
  if (!existsSync(resultsPath(name))) return [];
  const saved = readSaved(name);
  const same = ['--eval-episodes', '--noise', '--bc-epochs', '--demo-return'].every((f) => (flagOf(saved.command, f) ?? (f === '--demo-return' ? 'env' : null)) === String({ '--eval-episodes': o.evalEpisodes, '--noise': o.noise, '--bc-epochs': o.bcEpochs, '--demo-return': o.demoReturn }[f]));
  if (!same) throw new Error(`--continue: ${resultsPath(name)} was made with other settings (${saved.command}); run without --continue to start over`);
  return saved.results.filter((r) => r.arm === 'bc' || r.steps === o.steps);
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
    const w = results.filter((r) => r.arm === arm).map((r) => r.wall);
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
      has('bc') ? `BC: ${bcEpochs} epochs on the demo steps (the BC row: the cloned actor alone, no PPO).` : '',
      `Align-RUDDER: the inventory events, frequencies from demos + 20 random episodes, columns ≥ half filled, no end-of-episode correction, ${demoReturn === 'env' ? "the papers' C (the redistributed reward in the env's units: the demos' return, 1,571)" : `C scaled so that the demos' redistributed return averages ${demoReturn} (the env's return of a demo is 1,571)`}.`,
      has('subgoals') ? `Sub-goal agents: the state augmentation's flags, one MLP actor-critic per sub-goal read from the profile, each BC-initialised (${bcEpochs} epochs) on the demo steps taken while its sub-goal was open, then PPO on the redistributed reward${goals ? ` (seed ${results.find((r) => r.subgoals)!.seed}'s sub-goals: ${goals.join(', ')})` : ''}.` : '',
      `The p column: Mann–Whitney U, two-sided (exact, ties handled; src/stats), of each arm's per-seed iron-pickaxe shares against PPO's; with ${seeds.length} seeds against ${seeds.length} the smallest p it can give is ${(2 / binomial(2 * seeds.length, seeds.length)).toPrecision(2)}.`,
    ].filter(Boolean).join(' '),
    '',
    `The Align-RUDDER arms (and the sub-goal agents) pay PPO only the redistributed reward C·ΔS (reward mode, trust 1, no end-of-episode correction), so they never see the environment's reward${rewards.length === 2 ? ': on the natural and the delayed reward they are the same run (each seed of each Align arm here was run on both and gave identical figures)' : ''}. BC uses no reward either.`,
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
