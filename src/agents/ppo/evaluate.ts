import { make, type Env, type Info } from '../../envs/index.ts';
import type { EnvWrapper } from '../../envs/vector/make-vec.ts';
import type { PpoPolicy } from './policy.ts';

/** What evaluation needs of a policy: the built-in agents and a tfjs policy both have it. */
export type ActingPolicy = Pick<PpoPolicy, 'numHeads' | 'numLogits' | 'act'>;
import { Rng } from '../../envs/core/rng.ts';

export interface EvalResult {
  meanReturn: number;
  stdReturn: number;
  meanLength: number;
  returns: number[];
  /** Steps of each episode. */
  lengths: number[];
}

/**
 * Sees every evaluation episode as it runs (`rudder eval --record` writes them for the viewer). `obs` may be
 * the env's own buffer: copy what is kept.
 */
export interface EvalObserver {
  /** Episode `index` began: the env just reset with `seed`, and its first observation. */
  reset(env: Env, obs: Float32Array, seed: number, index: number): void;
  /** A step: the action taken (one per head), its reward, the observation after it. */
  step(action: number | Int32Array, reward: number, obs: Float32Array, terminated: boolean, truncated: boolean): void;
}

export interface EvalOptions {
  episodes: number;
  /** Episode i is reset with seed + i. */
  seed: number;
  /** Argmax of the logits (default): deterministic evaluation, as SB3's `deterministic=True`. */
  greedy?: boolean;
  kwargs?: Record<string, unknown>;
  /** Respect `info.action_mask`, as in training with `actionMasks`. */
  actionMasks?: boolean;
  /** Wrap the env in these, innermost first, as training did (`PpoTrainOptions.envWrappers`). */
  wrappers?: readonly EnvWrapper[];
  /** Told every reset and step. */
  observer?: EvalObserver | null;
}

/** Run `episodes` episodes of `envId` with the agent's policy and return their statistics. */
export function evaluatePolicy(agent: ActingPolicy, envId: string, opts: EvalOptions): EvalResult {
  let inner = make(envId, opts.kwargs ?? {});
  for (const w of opts.wrappers ?? []) inner = w(inner);
  const env = inner as Env<Float32Array, number | Int32Array>;
  const rng = new Rng(opts.seed);
  const K = agent.numHeads;
  const actions = new Int32Array(K), logp = new Float32Array(1);
  const mask = opts.actionMasks ? new Uint8Array(agent.numLogits) : null;
  const readMask = (info: Info): void => {
    if (!mask) return;
    const m = info.action_mask as ArrayLike<number> | undefined;
    if (!m || m.length !== mask.length) throw new Error(`${envId}: actionMasks is on, but the env returned no info.action_mask of ${mask.length} values`);
    for (let j = 0; j < mask.length; j++) mask[j] = m[j] ? 1 : 0;
  };
  const returns: number[] = [], lengths: number[] = [];
  const observer = opts.observer ?? null;
  try {
    for (let e = 0; e < opts.episodes; e++) {
      const first = env.reset({ seed: opts.seed + e });
      let obs = first.obs;
      observer?.reset(env, obs, opts.seed + e, e);
      readMask(first.info);
      let ret = 0, length = 0;
      for (;;) {
        agent.act(obs, 1, rng, actions, logp, null, opts.greedy ?? true, mask);
        const action = K === 1 ? actions[0]! : actions.slice();
        const r = env.step(action);
        ret += r.reward;
        length++;
        obs = r.obs;
        observer?.step(action, r.reward, obs, r.terminated, r.truncated);
        if (r.terminated || r.truncated) break;
        readMask(r.info);
      }
      returns.push(ret);
      lengths.push(length);
    }
  } finally {
    env.close();
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { meanReturn: mean, stdReturn: std, meanLength: lengths.reduce((a, b) => a + b, 0) / returns.length, returns, lengths };
}
