/**
 * One training run for `npm run bench -- delay`, in its own process (a fresh JIT, as the other suites' cases).
 * Usage: tsx bench/delay-case.ts '<json DelayCaseConfig>'
 * Prints one JSON line (DelayCaseResult): the env steps until the success rate of the last `window`
 * training episodes first reached `target`, or null within the budget. Training stops there.
 *
 * Success is read from the episode's end: KeyDoorTreasure terminates only at the treasure (otherwise it
 * truncates at maxSteps), and DelayedReward terminates a delayed episode only if its inner env
 * terminated, so an episode that ends `terminated` reached the treasure, whatever its (noisy) return.
 */
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { RudderRedistribution, type RudderConfig } from '../src/rudder/ppo-redistribution.ts';

export interface DelayCaseConfig {
  envId: string;
  envKwargs: Record<string, unknown>;
  seed: number;
  budget: number;
  window: number;
  target: number;
  /** PPO's learning rate constant instead of annealed to 0 over the budget. */
  constantLr: boolean;
  /** null: plain PPO; else PPO + RUDDER with this config over the defaults. */
  rudder: Partial<RudderConfig> | null;
}

export interface DelayCaseResult {
  seed: number;
  /** Env steps (all envs) at the episode end where the rolling success rate first reached the target; null: not within the budget. */
  stepsToTarget: number | null;
  /** Steps actually run (the budget, or less when stopped at the target). */
  steps: number;
  episodes: number;
  successes: number;
  /** Rolling success rate at the end of the run. */
  finalRate: number;
  /** The highest rolling success rate over the run (once the window was full). */
  bestRate: number;
  sps: number;
  /** [globalStep, rolling success rate] after each PPO iteration, every `curveEvery`-th. */
  curve: [number, number][];
  rudder: ReturnType<RudderRedistribution['stats']> | null;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as DelayCaseConfig;
const redistribution = cfg.rudder ? RudderRedistribution.forEnv(cfg.envId, cfg.envKwargs, { seed: cfg.seed, ...cfg.rudder }) : null;
const ring = new Uint8Array(cfg.window);
let filled = 0, head = 0, inWindow = 0, episodes = 0, successes = 0;
let reachedAt: number | null = null, bestRate = 0;
let sps = 0, steps = 0, iteration = 0;
const curve: [number, number][] = [];
const rate = (): number => (filled === 0 ? 0 : inWindow / filled);

// annealLr (CleanRL's default, as bench/rudder.ts) anneals the learning rate to 0 over the budget, so a run's
// steps to the target depend on the budget; constantLr makes them budget-free. (In 1-seed 1M-step trials
// at D ≥ 50 both arms' success fell below the random policy's after ~500k steps either way.)
await trainPpo({ envId: cfg.envId, envKwargs: cfg.envKwargs, seed: cfg.seed, totalTimesteps: cfg.budget, annealLr: !cfg.constantLr }, {
  redistribution,
  hooks: {
    onRolloutEnd: (v) => {
      const T = v.numSteps, N = v.numEnvs, start = v.globalStep - T * N;
      for (let t = 0; t < T; t++) {
        for (let n = 0; n < N; n++) {
          const k = t * N + n;
          if (!v.valid[k] || !(v.terminated[k] || v.truncated[k])) continue;
          const ok = v.terminated[k] ? 1 : 0;
          episodes++;
          successes += ok;
          if (filled === cfg.window) inWindow -= ring[head]!;
          else filled++;
          ring[head] = ok;
          inWindow += ok;
          head = (head + 1) % cfg.window;
          if (filled === cfg.window && inWindow / cfg.window > bestRate) bestRate = inWindow / cfg.window;
          if (reachedAt === null && filled === cfg.window && inWindow >= cfg.target * cfg.window) reachedAt = start + (t + 1) * N;
        }
      }
    },
    onIteration: (s) => {
      sps = s.sps;
      steps = s.globalStep;
      if (iteration++ % 10 === 0) curve.push([s.globalStep, Number(rate().toFixed(3))]);
      return reachedAt === null;
    },
  },
});
curve.push([steps, Number(rate().toFixed(3))]);
const out: DelayCaseResult = { seed: cfg.seed, stepsToTarget: reachedAt, steps, episodes, successes, finalRate: rate(), bestRate, sps, curve, rudder: redistribution?.stats() ?? null };
console.log(JSON.stringify(out));
