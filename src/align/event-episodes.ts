import { checkDemonstration, type Demonstration } from '../envs/core/demonstration.ts';
import { eventFeaturesFor } from '../envs/core/event-features.ts';
import { make } from '../envs/core/registry.ts';
import { Rng } from '../envs/core/rng.ts';
import { ClusterEvents, type ClusterEventsOptions } from './cluster-events.ts';
import { SignPatternEvents } from './feature-events.ts';
import { episodeEvents, type FeatureEpisode, type ObsSlice, type TransitionEvents } from './transition-events.ts';

/**
 * Episodes as the event encoders are fitted on them (transition-events.ts `FeatureEpisode`): the
 * demonstrations replayed, and episodes of a random policy (the "non-demo" sequences the paper's
 * successor representation and our profile's frequencies also use).
 */

function asFloat32(obs: unknown, what: string): Float32Array {
  if (!(obs instanceof Float32Array)) throw new TypeError(`${what}: events need a flat Float32Array observation, got ${Object.prototype.toString.call(obs)}`);
  return obs;
}

/** Each demo replayed (and so checked), keeping `slice` of every observation s_0..s_T. */
export function demoFeatureEpisodes(demos: readonly Demonstration[], slice: ObsSlice | null): FeatureEpisode[] {
  return demos.map((d, k) => {
    const rows: number[] = [];
    let dim = 0;
    const keep = (obs: unknown): void => {
      const o = asFloat32(obs, `demo ${k}`);
      const s = slice ?? { offset: 0, length: o.length };
      dim = s.length;
      for (let i = 0; i < s.length; i++) rows.push(o[s.offset + i]!);
    };
    checkDemonstration(d, `demo ${k}`, { onReset: (_env, obs) => keep(obs), onStep: (s) => keep(s.obs) });
    return { dim, rows: Float32Array.from(rows), actions: Int32Array.from(d.actions) };
  });
}

export interface RandomEpisodesOptions {
  episodes: number;
  /** Episode i is reset with seed + i; the actions come from their own stream of this seed. */
  seed: number;
  envKwargs?: Record<string, unknown>;
  /** Cut an episode after this many steps (default: the env's own end). */
  maxSteps?: number;
}

/** Episodes of uniformly random actions, keeping `slice` (null: the whole observation) of every observation. */
export function randomFeatureEpisodes(envId: string, slice: ObsSlice | null, opts: RandomEpisodesOptions): FeatureEpisode[] {
  const env = make<unknown, number>(envId, opts.envKwargs ?? {});
  const rng = new Rng(opts.seed), out: FeatureEpisode[] = [];
  try {
    const n = (env.actionSpace as unknown as { n?: number }).n;
    if (!(typeof n === 'number' && Number.isInteger(n))) throw new TypeError(`${envId}: random episodes need a Discrete action space, got ${env.actionSpace.toString()}`);
    for (let e = 0; e < opts.episodes; e++) {
      const rows: number[] = [], actions: number[] = [];
      let dim = 0;
      const keep = (obs: unknown): void => {
        const o = asFloat32(obs, envId);
        const s = slice ?? { offset: 0, length: o.length };
        dim = s.length;
        for (let i = 0; i < s.length; i++) rows.push(o[s.offset + i]!);
      };
      keep(env.reset({ seed: opts.seed + e }).obs);
      for (let t = 0; t < (opts.maxSteps ?? Infinity); t++) {
        const a = rng.integer(n);
        const r = env.step(a);
        actions.push(a);
        keep(r.obs);
        if (r.terminated || r.truncated) break;
      }
      out.push({ dim, rows: Float32Array.from(rows), actions: Int32Array.from(actions) });
    }
  } finally {
    env.close();
  }
  return out;
}

export interface EnvEvents {
  /** The encoder, reading full observations of the env. */
  encoder: TransitionEvents;
  /** Each demo's event sequence, and each random episode's (may be empty). */
  demoEvents: Int32Array[];
  otherEvents: Int32Array[];
}

export interface EnvEventsOptions {
  /** Random-policy episodes fitted on besides the demos (their frequencies also shape the profile). */
  otherEpisodes: number;
  seed: number;
  maxSteps?: number;
  cluster?: ClusterEventsOptions;
}

/**
 * The events of `envId`: the sign patterns of its declared event features when it declares them
 * (`register(…, { eventFeatures })`), else learned clusters of its whole observation's changes. Fitted on
 * the demos first, then `otherEpisodes` random episodes.
 */
export function envEvents(envId: string, envKwargs: Record<string, unknown>, demos: readonly Demonstration[], opts: EnvEventsOptions): EnvEvents {
  if (demos.length === 0) throw new RangeError(`envEvents(${envId}): no demonstrations`);
  const declared = eventFeaturesFor(envId, envKwargs);
  const demoEps = demoFeatureEpisodes(demos, declared);
  const others = opts.otherEpisodes > 0 ? randomFeatureEpisodes(envId, declared, { episodes: opts.otherEpisodes, seed: opts.seed, envKwargs, ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}) }) : [];
  const dim = demoEps[0]!.dim, local = { offset: 0, length: dim };
  const fitted = declared
    ? SignPatternEvents.fit([...demoEps, ...others], { ...local, name: declared.name, ...(declared.names ? { names: declared.names } : {}) })
    : ClusterEvents.fit([...demoEps, ...others], local, opts.cluster ?? {});
  const seq = (e: FeatureEpisode): Int32Array => episodeEvents(fitted, e.rows, dim, e.actions);
  return { encoder: fitted.reading(declared?.offset ?? 0), demoEvents: demoEps.map(seq), otherEvents: others.map(seq) };
}
