import { machineLine, median, table, writeResults, writeSection } from './report.ts';
import type { Agent } from '../src/agents/ppo/agent.ts';
import { createAgent } from '../src/agents/ppo/agent.ts';
import { bcPretrain, demoSteps } from '../src/agents/ppo/bc.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { ACTION_COUNT, MILESTONES, Rng, make, recordExpertDemonstrations, type ItemChainEnv } from '../src/envs/index.ts';

/**
 * `npm run bench -- align-ppo`: issue 10's benchmark on ItemChain-v0. Arms: PPO, BC (the cloned actor
 * alone), BC + PPO, PPO + Align-RUDDER, BC + PPO + Align-RUDDER; per reward (natural, delayed), number of
 * expert demos N and seed. Each trained policy plays `evalEpisodes` episodes with sampled actions on fixed
 * seeds (greedy evaluation reaches almost nothing on ItemChain, measurements-2026-12.md §2), and the result
 * is the share of them that obtained each milestone item. Runs in process, one after another.
 */

export const ARMS = ['ppo', 'bc', 'bc+ppo', 'ppo+align', 'bc+ppo+align'] as const;
export type Arm = (typeof ARMS)[number];

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
  wall: number;
}

const EVAL_SEED = 900_000; // evaluation episodes' reset seeds: EVAL_SEED + i, the same for every run
const DEMO_SEED = 100_000; // seed s's demos: the expert from DEMO_SEED + 1000·s + i

/** Share of `episodes` sampled-action episodes (natural reward, fixed seeds) that obtain each milestone. */
function itemShares(agent: Agent, episodes: number, seed: number): { share: number[]; meanReturn: number } {
  const env = make<Float32Array, number>('ItemChain-v0', {});
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
      const got = (env.unwrapped as ItemChainEnv).obtained;
      for (let m = 0; m < MILESTONES.length; m++) share[m]! += got[m]! / episodes;
    }
  } finally {
    env.close();
  }
  return { share, meanReturn: ret / episodes };
}

export async function runAlignPpoBench(o: AlignPpoBenchOptions): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const results: RunResult[] = [];
  const t0 = performance.now();
  for (const reward of o.rewards) {
    for (const numDemos of o.demos) {
      for (let seed = 1; seed <= o.seeds; seed++) {
        const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: numDemos, seed: DEMO_SEED + 1000 * seed, noise: o.noise });
        const steps = demoSteps(demos);
        for (const arm of o.arms) {
          if (arm === 'ppo' && numDemos !== o.demos[0]) continue; // PPO uses no demos: run once per seed and reward
          const t = performance.now();
          let bcCe: [number, number] | null = null;
          const pretrain = arm.startsWith('bc') ? (agent: Agent): void => {
            const r = bcPretrain(agent, steps, { epochs: o.bcEpochs, seed });
            bcCe = [r.before, r.after];
          } : null;
          let agent: Agent;
          const cfg = { envId: 'ItemChain-v0', envKwargs: reward === 'delayed' ? { reward: 'delayed' } : {}, totalTimesteps: o.steps, seed };
          if (arm === 'bc') {
            agent = createAgent(parsePpoConfig(cfg), [steps.obsDim], [ACTION_COUNT]);
            pretrain!(agent);
          } else {
            const redistribution = arm.endsWith('align') ? alignFromDemos(demos, { otherEpisodes: 20, seed }).redistribution : null;
            agent = (await trainPpo(cfg, { redistribution, pretrain })).agent;
          }
          const ev = itemShares(agent, o.evalEpisodes, seed);
          const wall = (performance.now() - t) / 1000;
          results.push({ arm, reward, numDemos: arm === 'ppo' ? 0 : numDemos, seed, steps: arm === 'bc' ? 0 : o.steps, itemShare: ev.share, meanReturn: ev.meanReturn, bcCrossEntropy: bcCe, wall });
          writeResults('align-ppo', o.command, results); // after every run: a stopped bench keeps what it finished
          log(`${arm}, ${reward}, N ${numDemos}, seed ${seed}: ${MILESTONES.map((m, i) => `${m.name} ${Math.round(100 * ev.share[i]!)}`).join(' ')} (${wall.toFixed(0)} s)`);
        }
      }
    }
  }
  writeResults('align-ppo', o.command, results);
  const pct = (x: number): string => `${Math.round(100 * x)}`;
  const sections = o.rewards.map((reward) => {
    const rows: string[][] = [];
    const groups = [...new Set(results.filter((r) => r.reward === reward).map((r) => `${r.arm}|${r.numDemos}`))];
    for (const g of groups) {
      const [arm, n] = g.split('|');
      const runs = results.filter((r) => r.reward === reward && r.arm === arm && String(r.numDemos) === n);
      const ironPick = MILESTONES.findIndex((m) => m.name === 'iron_pickaxe');
      rows.push([arm!, n === '0' ? '–' : n!, ...MILESTONES.map((_, i) => pct(median(runs.map((r) => r.itemShare[i]!)))), runs.map((r) => pct(r.itemShare[ironPick]!)).join('/')]);
    }
    return [`### ${reward} reward`, '', table(['arm', 'demos', ...MILESTONES.map((m) => m.name), 'iron pickaxe per seed'], rows)].join('\n');
  });
  const body = [
    '## PPO + Align-RUDDER on ItemChain-v0 (`npm run bench -- align-ppo`)',
    '',
    `Command: \`${o.command}\` · ${machineLine()} · per-seed results: bench/results/align-ppo.json`,
    '',
    `Median over ${o.seeds} seeds of the share (%) of ${o.evalEpisodes} sampled-action evaluation episodes (natural reward, reset seeds ${EVAL_SEED}…) that obtained each item; ${o.steps.toLocaleString('en')} PPO steps per run. Demos: the scripted expert with ε = ${o.noise}, new ones per seed. BC: ${o.bcEpochs} epochs on the demo steps. Align-RUDDER: the inventory events, frequencies from demos + 20 random episodes, columns ≥ half filled, no end-of-episode correction. Total wall time ${Math.round((performance.now() - t0) / 1000)} s.`,
    '',
    ...sections,
  ].join('\n');
  writeSection('align-ppo', body);
}
