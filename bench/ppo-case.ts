/**
 * One PPO training run for `npm run bench -- ppo`, in its own process.
 * Usage: tsx bench/ppo-case.ts '<json config>' [evalKwargsJson] [rudderConfigJson]
 * Prints one JSON line: steps until the 20-episode mean return first reached the env's threshold, final
 * 20-episode mean, SPS of the training loop, and (with evalKwargs) an evaluation of the sampled policy on those kwargs.
 */
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { spec } from '../src/index.ts';
import { RudderRedistribution, type RudderConfig } from '../src/rudder/ppo-redistribution.ts';
import type { PpoConfig } from '../src/agents/ppo/config.ts';

const cfg = JSON.parse(process.argv[2] ?? '{}') as Partial<PpoConfig>;
const evalKwargs = process.argv[3] && process.argv[3] !== 'null' ? (JSON.parse(process.argv[3]) as Record<string, unknown>) : null;
const rudderCfg = process.argv[4] ? (JSON.parse(process.argv[4]) as Partial<RudderConfig>) : null;
const redistribution = rudderCfg ? RudderRedistribution.forEnv(cfg.envId ?? 'CartPole-v1', cfg.envKwargs ?? {}, { seed: cfg.seed ?? 1, ...rudderCfg }) : null;
const threshold = spec(cfg.envId ?? 'CartPole-v1').rewardThreshold;
const window: number[] = [];
let reachedAt: number | null = null;
let sps = 0;
const r = await trainPpo(cfg, {
  redistribution,
  hooks: {
    onEpisode: (e) => {
      window.push(e.return);
      if (window.length > 20) window.shift();
      if (reachedAt === null && threshold !== null && window.length === 20 && window.reduce((a, b) => a + b, 0) / 20 >= threshold) reachedAt = e.globalStep;
    },
    onIteration: (s) => {
      sps = s.sps;
    },
  },
});
const last = r.episodes.slice(-20).map((e) => e.return);
// Sampled, not greedy: in gridworlds a deterministic argmax policy can loop forever where the stochastic one succeeds.
const evalResult = evalKwargs ? evaluatePolicy(r.agent, r.config.envId, { episodes: 100, seed: 5_000_000, kwargs: evalKwargs, greedy: false }) : null;
console.log(JSON.stringify({
  env: r.config.envId, seed: r.config.seed, backend: r.backend, steps: r.globalStep, stepsToThreshold: reachedAt, threshold,
  finalMean20: last.reduce((a, b) => a + b, 0) / Math.max(1, last.length), sps,
  evalReturns: evalResult?.returns ?? null, rudder: redistribution?.stats() ?? null,
}));
