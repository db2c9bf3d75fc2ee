// Usage: npx tsx bench/diagnostics/align-itemchain.mts '<json>'
// One single-seed ItemChain-v0 run of PPO (+ Align-RUDDER, + BC) with variations, for issue 10's
// question of what limits PPO + Align-RUDDER there. JSON fields: arm ('ppo' | 'align'), seed, steps,
// ppo (PPO config overrides), align (AlignFromDemosOptions), bc (BcOptions or null), demos (10), noise (0.1).
import { bcPretrain, demoSteps } from '../../src/agents/ppo/bc.ts';
import type { Agent } from '../../src/agents/ppo/agent.ts';
import { trainPpo } from '../../src/agents/ppo/ppo.ts';
import { alignFromDemos } from '../../src/align/ppo-align.ts';
import { MILESTONES, recordExpertDemonstrations } from '../../src/envs/index.ts';
import { DEMO_SEED, itemShares } from '../align-ppo.ts';

const o = JSON.parse(process.argv[2] ?? '{}');
const seed: number = o.seed ?? 1, steps: number = o.steps ?? 300_000;
const t0 = performance.now();
const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: o.demos ?? 10, seed: DEMO_SEED + 1000 * seed, noise: o.noise ?? 0.1 });
const cfg = { envId: 'ItemChain-v0', envKwargs: o.reward === 'delayed' ? { reward: 'delayed' } : {}, totalTimesteps: steps, seed, ...(o.ppo ?? {}) };
const setup = o.arm === 'align' ? alignFromDemos(demos, { otherEpisodes: 20, seed, ...(o.align ?? {}) }) : null;
const pretrain = o.bc ? (agent: Agent): void => { const r = bcPretrain(agent, demoSteps(demos), { seed, ...o.bc }); process.stderr.write(`BC ce ${r.before.toFixed(3)} -> ${r.after.toFixed(3)}\n`); } : null;
const res = await trainPpo(cfg, { redistribution: setup?.redistribution ?? null, envWrappers: setup?.envWrappers ?? [], pretrain });
const ev = itemShares(res.agent, 100, seed, setup?.envWrappers ?? []);
const line = `${JSON.stringify(o)}\t${MILESTONES.map((m, i) => `${m.name} ${Math.round(100 * ev.share[i]!)}`).join(' ')}\t${((performance.now() - t0) / 1000).toFixed(0)} s`;
console.log(line);
