import { make } from '../../envs/index.ts';
import type { ActorCritic } from './agent.ts';
import { Rng } from '../../envs/core/rng.ts';

export interface EvalResult {
  meanReturn: number;
  stdReturn: number;
  meanLength: number;
  returns: number[];
}

/**
 * Run `episodes` episodes of `envId` (episode i seeded seed + i) with the greedy policy (argmax of the
 * logits: deterministic evaluation, as SB3's `deterministic=True`), or sampling when `greedy` is false.
 */
export function evaluatePolicy(
  agent: ActorCritic, envId: string, opts: { episodes: number; seed: number; greedy?: boolean; kwargs?: Record<string, unknown> },
): EvalResult {
  const env = make<Float32Array, number>(envId, opts.kwargs ?? {});
  const rng = new Rng(opts.seed);
  const action = new Int32Array(1), logp = new Float32Array(1);
  const returns: number[] = [];
  let lengths = 0;
  try {
    for (let e = 0; e < opts.episodes; e++) {
      let obs = env.reset({ seed: opts.seed + e }).obs;
      let ret = 0;
      for (;;) {
        agent.act(obs, 1, rng, action, logp, null, opts.greedy ?? true);
        const r = env.step(action[0]!);
        ret += r.reward;
        lengths++;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
      returns.push(ret);
    }
  } finally {
    env.close();
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { meanReturn: mean, stdReturn: std, meanLength: lengths / returns.length, returns };
}
