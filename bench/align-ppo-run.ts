/**
 * One run of `npm run bench -- align-ppo` (an arm, a reward, a number of demos and a seed): the demos, the
 * training and the evaluation. bench/case.ts runs it in a process of its own, so the suite can run its
 * cases through the sweeps' pool.
 */
import type { Agent } from '../src/agents/ppo/agent.ts';
import { createAgent } from '../src/agents/ppo/agent.ts';
import { bcPretrain, demoSteps } from '../src/agents/ppo/bc.ts';
import { bcAuxiliary } from '../src/agents/ppo/bc-auxiliary.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import type { ActingPolicy } from '../src/agents/ppo/evaluate.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { subgoalAgents } from '../src/align/subgoal-agents.ts';
import type { Env } from '../src/envs/core/env.ts';
import type { EnvWrapper } from '../src/envs/vector/make-vec.ts';
import { ACTION_COUNT, MILESTONES, Rng, make, recordExpertDemonstrations, type ItemChainEnv } from '../src/envs/index.ts';

export const ARMS = ['ppo', 'bc', 'bc+ppo', 'ppo+align', 'bc+ppo+align', 'subgoals'] as const;
export type Arm = (typeof ARMS)[number];

/** One run: what it trains and how it is evaluated. */
export interface AlignPpoCase {
  arm: Arm;
  reward: 'natural' | 'delayed';
  /** Demos the arm learns from (0 for PPO, which uses none). */
  numDemos: number;
  seed: number;
  steps: number;
  evalEpisodes: number;
  /** Expert demos' ε-random actions. */
  noise: number;
  bcEpochs: number;
  /**
   * The BC arm's epochs (the cloned actor alone, evaluated with no PPO); `bcEpochs` is the BC + PPO arms' and the
   * sub-goal agents' pre-training. Absent: `bcEpochs` (as before 2026-12-04, when a bench with `--bc-epochs 0`
   * reported an untrained actor as BC).
   */
  bcAloneEpochs?: number;
  /** BC pre-training stops once the policy's entropy on the demo states falls below this (bc.ts minEntropy; 0: no floor; absent in older results: 0). */
  bcMinEntropy?: number;
  /** BC as an auxiliary loss of PPO in the BC + PPO arms (bc-auxiliary.ts), its weight falling to 0 over this many iterations (0 or absent: off). */
  bcAuxIterations?: number;
  /** Its weight at the first update (default 1). */
  bcAuxWeight?: number;
  /** Align-RUDDER's demoReturn (ppo-align.ts): the demos' mean redistributed return, or `env` for the papers' C. */
  demoReturn: number | 'env';
}

export interface AlignPpoRunResult {
  arm: Arm;
  reward: 'natural' | 'delayed';
  numDemos: number;
  seed: number;
  steps: number;
  /** Share of the evaluation episodes that obtained each milestone, in MILESTONES order. */
  itemShare: number[];
  meanReturn: number;
  bcCrossEntropy: [number, number] | null;
  /** The BC arm's epochs (its result only). */
  bcAloneEpochs?: number;
  /** The sub-goal agents' sub-goals (their event names), for the `subgoals` arm. */
  subgoals?: string[];
  /** A delayed-reward result of a reward-free arm that is the natural-reward run's, not run again (align-ppo.ts REWARD_FREE_ARMS). */
  reusedFrom?: 'natural';
  /** The bench's settings the run was made with (absent in older results: their command says), so `--continue` keeps only runs made as it would make them. */
  settings?: AlignPpoSettings;
}

/** The bench-wide settings of a run, with the defaults filled in (what `--continue` compares). */
export interface AlignPpoSettings {
  steps: number;
  evalEpisodes: number;
  noise: number;
  bcEpochs: number;
  bcMinEntropy: number;
  bcAuxIterations: number;
  /** 1 when there is no auxiliary loss (it then shapes nothing). */
  bcAuxWeight: number;
  demoReturn: number | 'env';
}

/** The settings of a case, defaults filled in. */
export function caseSettings(c: Omit<AlignPpoCase, 'arm' | 'reward' | 'numDemos' | 'seed'>): AlignPpoSettings {
  const bcAuxIterations = c.bcAuxIterations ?? 0;
  return {
    steps: c.steps, evalEpisodes: c.evalEpisodes, noise: c.noise, bcEpochs: c.bcEpochs, bcMinEntropy: c.bcMinEntropy ?? 0, bcAuxIterations,
    bcAuxWeight: bcAuxIterations > 0 ? c.bcAuxWeight ?? 1 : 1, demoReturn: c.demoReturn,
  };
}

export const EVAL_SEED = 900_000; // evaluation episodes' reset seeds: EVAL_SEED + i, the same for every run
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

/** Train and evaluate one case. Seed s's demos are the same for every arm and reward (DEMO_SEED + 1000·s). */
export async function alignPpoRun(c: AlignPpoCase): Promise<AlignPpoRunResult> {
  const { arm, reward, numDemos, seed } = c;
  const demos = arm === 'ppo' ? [] : recordExpertDemonstrations('ItemChain-v0', { episodes: numDemos, seed: DEMO_SEED + 1000 * seed, noise: c.noise });
  const steps = arm === 'ppo' ? null : demoSteps(demos);
  let bcCe: [number, number] | null = null;
  const pretrain = arm.startsWith('bc') && (c.bcEpochs > 0 || arm === 'bc') ? (agent: Agent): void => {
    const r = bcPretrain(agent, steps!, { epochs: arm === 'bc' ? c.bcAloneEpochs ?? c.bcEpochs : c.bcEpochs, seed, minEntropy: c.bcMinEntropy ?? 0 });
    bcCe = [r.before, r.after];
  } : null;
  // BC as an auxiliary loss, decaying to 0 (the BC arm alone has no PPO to add it to).
  const auxiliaryLoss = arm.startsWith('bc+') && (c.bcAuxIterations ?? 0) > 0 ? bcAuxiliary(steps!, { iterations: c.bcAuxIterations!, weight: c.bcAuxWeight ?? 1, seed }) : null;
  let agent: ActingPolicy, wrappers: readonly EnvWrapper[] = [], subgoals: string[] | undefined;
  const cfg = { envId: 'ItemChain-v0', envKwargs: reward === 'delayed' ? { reward: 'delayed' } : {}, totalTimesteps: c.steps, seed };
  if (arm === 'bc') {
    const a: Agent = createAgent(parsePpoConfig(cfg), [steps!.obsDim], [ACTION_COUNT]);
    pretrain!(a);
    agent = a;
  } else if (arm === 'subgoals') {
    // The paper's full method: one agent per sub-goal, each BC-initialised on its demo segments, switched by the event flags.
    const setup = alignFromDemos(demos, { otherEpisodes: 20, seed, augment: true, demoReturn: c.demoReturn });
    const sg = subgoalAgents(setup, demos, { bcEpochs: c.bcEpochs });
    wrappers = setup.envWrappers;
    subgoals = sg.subgoals.map((g) => g.name);
    agent = (await trainPpo(cfg, { redistribution: setup.redistribution, envWrappers: wrappers, makePolicy: sg.makePolicy })).policy;
  } else {
    const redistribution = arm.endsWith('align') ? alignFromDemos(demos, { otherEpisodes: 20, seed, demoReturn: c.demoReturn }).redistribution : null;
    agent = (await trainPpo(cfg, { redistribution, pretrain, auxiliaryLoss })).agent;
  }
  const ev = itemShares(agent, c.evalEpisodes, seed, wrappers);
  return {
    arm, reward, numDemos: arm === 'ppo' ? 0 : numDemos, seed, steps: arm === 'bc' ? 0 : c.steps, itemShare: ev.share, meanReturn: ev.meanReturn, bcCrossEntropy: bcCe,
    ...(subgoals ? { subgoals } : {}), ...(arm === 'bc' ? { bcAloneEpochs: c.bcAloneEpochs ?? c.bcEpochs } : {}), settings: caseSettings(c),
  };
}
