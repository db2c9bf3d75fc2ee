/**
 * What PPO carries from one iteration to the next besides its weights: the vector env's state (every
 * sub-env mid-episode, the autoreset bookkeeping, the episode-statistics trackers) and the rollout
 * loop's own buffers (the next observations, which sub-envs reset on the next step, their action masks),
 * plus the recent episodes that `stopAtReturn` averages. Saved in each checkpoint so that a resumed run
 * continues the very episodes it was in: an interrupted run equals the uninterrupted one.
 */
import { EnvStateError, type EnvState } from '../../envs/core/env-state.ts';
import { decodeArrayLike, encodeArray, type EncodedArray } from '../../envs/core/state-fields.ts';

/** A finished episode as PPO records it (ppo.ts's EpisodeRecord). */
export interface SavedEpisode {
  globalStep: number;
  env: number;
  return: number;
  length: number;
}

export interface PpoRolloutState {
  /** The (episode-statistics-wrapped) vector env's `getState()`. */
  envs: EnvState;
  /** `[N·D]` float32: the observations the next rollout starts from. */
  nextObs: EncodedArray;
  /** `[N]` uint8: 1 where the sub-env's next step is its autoreset (its action ignored, the sample masked). */
  prevDone: EncodedArray;
  /** `[N·L]` uint8 action masks that came with nextObs; null without `actionMasks`. */
  nextMask: EncodedArray | null;
  /** The last RETURN_WINDOW episodes (what `stopAtReturn` without evaluation averages). */
  recentEpisodes: SavedEpisode[];
}

/** The buffers of a trainer that a rollout state fills. */
export interface RolloutBuffersRef {
  nextObs: Float32Array;
  prevDone: Uint8Array;
  nextMask: Uint8Array | null;
}

export function saveRolloutState(envs: EnvState, b: RolloutBuffersRef, recentEpisodes: readonly SavedEpisode[]): PpoRolloutState {
  return {
    envs, nextObs: encodeArray(b.nextObs), prevDone: encodeArray(b.prevDone), nextMask: b.nextMask ? encodeArray(b.nextMask) : null,
    recentEpisodes: recentEpisodes.map((e) => ({ globalStep: e.globalStep, env: e.env, return: e.return, length: e.length })),
  };
}

/**
 * Checks a saved rollout state against the trainer's buffers and returns what to write (nothing is
 * written here, so that the caller restores the envs first and a refused state changes nothing).
 */
export function decodeRolloutState(s: PpoRolloutState, b: RolloutBuffersRef, where: string): { nextObs: Float32Array; prevDone: Uint8Array; nextMask: Uint8Array | null; recentEpisodes: SavedEpisode[] } {
  if (typeof s !== 'object' || s === null) throw new EnvStateError(`${where}: the rollout state is not an object`);
  const nextObs = decodeArrayLike(b.nextObs, s.nextObs, `${where}: nextObs`) as Float32Array;
  const prevDone = decodeArrayLike(b.prevDone, s.prevDone, `${where}: prevDone`) as Uint8Array;
  if ((s.nextMask === null) !== (b.nextMask === null)) throw new EnvStateError(`${where}: action masks were ${s.nextMask === null ? 'off' : 'on'} when it was saved, they are ${b.nextMask === null ? 'off' : 'on'} now`);
  const nextMask = b.nextMask ? (decodeArrayLike(b.nextMask, s.nextMask, `${where}: nextMask`) as Uint8Array) : null;
  if (!Array.isArray(s.recentEpisodes) || !s.recentEpisodes.every((e) => typeof e === 'object' && e !== null && typeof e.return === 'number' && typeof e.length === 'number')) {
    throw new EnvStateError(`${where}: recentEpisodes must be a list of { globalStep, env, return, length }`);
  }
  return { nextObs, prevDone, nextMask, recentEpisodes: s.recentEpisodes };
}
