import { DEMONSTRATION_FORMAT, DEMONSTRATION_VERSION, DemonstrationError, parseDemonstration, type Demonstration } from './demonstration.ts';
import type { Env } from './env.ts';
import { expertFor, listExperts } from './experts.ts';
import { make, spec } from './registry.ts';
import { Rng } from './rng.ts';

export interface ExpertDemonstrationOptions {
  /** Number of episodes; episode i is reset with `seed + i`. */
  episodes: number;
  seed?: number;
  /** Probability ε of a uniformly random action instead of the expert's (its own seeded stream). */
  noise?: number;
  envKwargs?: Record<string, unknown>;
  /** Also store s_0..s_T (flat arrays), checked on load; off by default (the replay re-makes them). */
  observations?: boolean;
  /** An episode longer than this is an error (an expert stuck in an env with no step limit). */
  maxSteps?: number;
}

/**
 * Episodes of `envId`'s registered scripted expert as demonstrations (`rudder demos record`), with ε-random
 * actions when `noise` > 0. Throws, naming the ids that have one, when `envId` has no expert.
 */
export function recordExpertDemonstrations(envId: string, opts: ExpertDemonstrationOptions): Demonstration[] {
  spec(envId); // an unknown id fails here, naming the closest ones
  const factory = expertFor(envId);
  if (!factory) throw new DemonstrationError(`${envId} has no scripted expert (register(id, factory, { expert }) adds one); envs with one: ${listExperts().join(', ') || 'none'}`);
  const { episodes, seed = 0, noise = 0, envKwargs = {}, observations = false, maxSteps = 1_000_000 } = opts;
  if (!(Number.isInteger(episodes) && episodes >= 1)) throw new RangeError(`recordExpertDemonstrations: episodes must be an integer ≥ 1, got ${episodes}`);
  if (!(Number.isInteger(seed) && seed >= 0)) throw new RangeError(`recordExpertDemonstrations: seed must be an integer ≥ 0, got ${seed}`);
  if (!(noise >= 0 && noise <= 1)) throw new RangeError(`recordExpertDemonstrations: noise ε must be in [0, 1], got ${noise}`);
  const env = make<unknown, number>(envId, envKwargs);
  const rng = new Rng(seed);
  env.actionSpace.seed(seed);
  const source = noise > 0 ? `expert ε=${noise}` : 'expert';
  const out: Demonstration[] = [];
  try {
    const act = factory(env as Env<unknown, unknown>);
    for (let e = 0; e < episodes; e++) {
      let obs = env.reset({ seed: seed + e }).obs;
      const actions: number[] = [], rewards: number[] = [], seen: number[][] = [];
      if (observations) seen.push(flat(obs, envId));
      let terminated = false, truncated = false;
      while (!terminated && !truncated) {
        if (actions.length >= maxSteps) throw new DemonstrationError(`${envId}: the expert's episode ${e} (seed ${seed + e}) ran ${maxSteps} steps without ending`);
        // The expert is asked every step, so a planner keeps its bookkeeping even on noisy steps.
        const planned = act(obs) as number;
        const a = noise > 0 && rng.random() < noise ? (env.actionSpace.sample() as number) : planned;
        const r = env.step(a);
        actions.push(a);
        rewards.push(r.reward);
        obs = r.obs;
        if (observations) seen.push(flat(obs, envId));
        terminated = r.terminated;
        truncated = r.truncated;
      }
      out.push(parseDemonstration({
        format: DEMONSTRATION_FORMAT, version: DEMONSTRATION_VERSION, envId, envKwargs, seed: seed + e, actions, rewards,
        return: rewards.reduce((a, b) => a + b, 0), terminated, truncated, source, recordedAt: new Date().toISOString(),
        ...(observations ? { observations: seen } : {}),
      }, `${envId} expert episode ${e}`));
    }
  } finally {
    env.close();
  }
  return out;
}

function flat(obs: unknown, envId: string): number[] {
  if (obs instanceof Float32Array || obs instanceof Float64Array || obs instanceof Int32Array || obs instanceof Uint8Array) return Array.from(obs);
  if (typeof obs === 'number') return [obs];
  throw new DemonstrationError(`${envId}: observations are not flat numeric arrays, so they cannot be stored (record without them)`);
}

/** One line per episode and a summary, as `rudder demos show` prints it. */
export function formatDemonstrations(path: string, demos: readonly Demonstration[]): string {
  const envs = [...new Set(demos.map((d) => `${d.envId}${Object.keys(d.envKwargs).length ? ` ${JSON.stringify(d.envKwargs)}` : ''}`))];
  const lines = [`${path}: ${demos.length} episode(s) of ${envs.join(', ')}, each checked by replay`, '', 'episode  seed  length      return  ended by    source'];
  demos.forEach((d, i) => {
    const how = d.terminated ? 'terminated' : d.truncated ? 'truncated' : 'cut';
    lines.push(`${String(i).padStart(7)}  ${String(d.seed).padStart(4)}  ${String(d.actions.length).padStart(6)}  ${d.return.toFixed(2).padStart(10)}  ${how.padEnd(10)}  ${d.source}`);
  });
  const rets = demos.map((d) => d.return), lens = demos.map((d) => d.actions.length);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  lines.push('', `return mean ${mean(rets).toFixed(2)} (min ${Math.min(...rets).toFixed(2)}, max ${Math.max(...rets).toFixed(2)}); length mean ${mean(lens).toFixed(1)} (min ${Math.min(...lens)}, max ${Math.max(...lens)})`);
  return `${lines.join('\n')}\n`;
}
