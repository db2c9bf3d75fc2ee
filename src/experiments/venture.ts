import type { PpoConfig } from '../agents/ppo/config.ts';
import { Discrete, make, Rng } from '../envs/index.ts';

/**
 * Plain PPO's settings for Venture-v0 (`npm run bench -- venture`, BENCHMARKS.md "Venture-v0"): CleanRL's
 * defaults except for these three. Use them for Venture's delayed-reward arms too, so that a RUDDER run
 * compares against the PPO that learns the natural reward.
 *
 * - `rewardScale: 0.01`: Venture pays 100–500 points at once; unscaled, the critic's loss on such a
 *   return dominates the one global gradient-norm clip (0.5) and the first treasures found teach the
 *   policy nothing (explained variance far below 0). Atari's rewards are multiples of 100, so 0.01 makes
 *   them treasure = 2–5 (the RUDDER paper's PPO scales rewards rather than sign-clipping them).
 * - `numEnvs: 16` (batch 2048, minibatches of 512): a rollout then holds many ~250-step episodes, so a
 *   rare treasure is in most batches.
 * - `learningRate: 5e-4` (annealed to 0, as the default).
 */
export const VENTURE_PPO: Readonly<Partial<PpoConfig>> = Object.freeze({
  envId: 'Venture-v0',
  rewardScale: 0.01,
  numEnvs: 16,
  learningRate: 5e-4,
});

/**
 * RUDDER's settings for Venture-v0's delayed reward (`npm run bench -- rudder --task venture`), over
 * RUDDER_DEFAULTS. With the defaults (the flat observation and the actions, one Adam step per episode) the
 * LSTM did not learn where the score came from: 0 on 3 of 5 seeds at 2M steps (BENCHMARKS.md, 2026-12-03).
 * - `features: 'declared'`: the env's declared event slice (map, facing, treasures taken, lives), so a
 *   treasure taken is one input that changes on its step, wherever the room is;
 * - `actionInput: false`: the prediction moves only with what happened in the game;
 * - `updateTraining`: 4 minibatches of 8 buffer episodes after every PPO update (as the delay sweep's);
 * - `recurrentGradClip: 1`: ~600-step episodes, as the delay sweep's long ones.
 * One diagnostic run (seed 2, bench/diagnostics/venture-rudder.mts, 2026-12-04): scoring in 24–29 % of
 * training games from 512k steps on and 39–69 % after 1.1M (mean score up to 479), where the defaults
 * scored 0 on that seed. The loss-prioritised buffer stays: a scoring game is rare early on and keeps its place.
 */
export const VENTURE_RUDDER: Readonly<Record<string, unknown>> = Object.freeze({
  features: 'declared',
  actionInput: false,
  updateTraining: Object.freeze({ batchSize: 8, maxBatches: 4, lossThreshold: 0 }),
  recurrentGradClip: 1,
});

/**
 * A gentler Venture for plain PPO, from the env's own options only (every rule stays on): hall and room
 * monsters move on a quarter of the steps instead of three quarters, and the hall monster is released
 * into a room after 500 steps there instead of 80 (the released one keeps its speed, 0.75). With the
 * game's own rules uniformly random actions score 0 in 1000 of 1000 games and plain PPO finds a treasure
 * only on some seeds; here random actions score in about 5 % of games, so PPO has something to learn
 * from (BENCHMARKS.md "Venture-v0").
 */
export const VENTURE_EASY: Readonly<Record<string, unknown>> = Object.freeze({ hallMonsterSpeed: 0.25, roomMonsterSpeed: 0.25, lingerSteps: 500 });

/**
 * Returns of `episodes` games of Venture-v0 with uniformly random actions (`make` with `kwargs`); game i is
 * reset with seed `seed + i` (5_000_000 + i, as the bench's evaluation of the trained policy), the actions
 * drawn from one Rng(seed).
 */
export function ventureRandomReturns(episodes: number, seed = 5_000_000, kwargs: Record<string, unknown> = {}): number[] {
  const env = make<Float32Array, number>('Venture-v0', kwargs);
  const rng = new Rng(seed);
  const n = (env.actionSpace as Discrete).n;
  const returns: number[] = [];
  try {
    for (let e = 0; e < episodes; e++) {
      env.reset({ seed: seed + e });
      let ret = 0;
      for (;;) {
        const r = env.step(rng.integer(n));
        ret += r.reward;
        if (r.terminated || r.truncated) break;
      }
      returns.push(ret);
    }
  } finally {
    env.close();
  }
  return returns;
}
