import type { Env, RenderMode } from './env.ts';
import type { ExpertFactory } from './experts.ts';

/** Keyword arguments an env factory receives (env-specific, plus the render mode). */
export type EnvKwargs = Record<string, unknown> & { renderMode?: RenderMode | null };

/** Builds an env from keyword arguments. */
export type EnvFactory<O = unknown, A = unknown> = (kwargs: EnvKwargs) => Env<O, A>;

/** Wraps an env (for `additionalWrappers`). */
export type WrapperFactory = (env: Env<unknown, unknown>) => Env<unknown, unknown>;

/** What `register` records about an env id (Gymnasium's EnvSpec). */
export interface EnvSpec {
  /** `[namespace/]Name-vN`. */
  readonly id: string;
  readonly namespace: string | null;
  readonly name: string;
  readonly version: number | null;
  /** The registered factory; it never passes `reward: 'delayed'` on (that is `make`'s DelayedReward). */
  readonly factory: EnvFactory;
  /** Steps after which `TimeLimit` truncates; null: no TimeLimit. */
  readonly maxEpisodeSteps: number | null;
  /** Mean return at which the task counts as solved. */
  readonly rewardThreshold: number | null;
  /** True when the same seed need not give the same episode (skips checkEnv's determinism checks). */
  readonly nondeterministic: boolean;
  readonly orderEnforce: boolean;
  readonly disableEnvChecker: boolean;
  /**
   * The keyword arguments the env takes (its own options; `make` adds `reward: 'delayed'`, `delay`,
   * `delayObservation` and `renderMode` for every env), checked by `make`: an unknown key is an error
   * naming the valid ones. null: not declared, so not checked (a user's env registered without `options`).
   */
  readonly options: readonly string[] | null;
  /** Default keyword arguments for the factory; `make`'s kwargs override them. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Wrappers `make` adds outside TimeLimit, innermost first. */
  readonly additionalWrappers: readonly WrapperFactory[];
  /** A natively vectorised implementation, used by `makeVec` when present. */
  readonly vectorFactory: VectorFactoryRef | null;
  /** The env's scripted expert (`rudder play --policy expert`, Align-RUDDER's demonstrations); null: none. */
  readonly expert: ExpertFactory | null;
  /** Where the env's events are read in its observation (Align-RUDDER); null: none declared (events are then learned clusters). */
  readonly eventFeatures: EventFeaturesFactory | null;
}

/**
 * A slice of a flat observation whose changes are the env's events (Align-RUDDER's step (I)): for
 * ItemChain the inventory counts, so each collect, craft, place and smelt is its own event.
 */
export interface FeatureSlice {
  /** What the slice is, e.g. `inventory`. */
  readonly name: string;
  /** First index in the observation and number of values. */
  readonly offset: number;
  readonly length: number;
  /** A name per value (for event names such as `+log`), when known. */
  readonly names?: readonly string[];
}

/** The event features of an env instance (its kwargs may move the slice), or none. */
export type EventFeaturesFactory = (env: Env<unknown, unknown>) => FeatureSlice;

/** Opaque reference to a vector-env factory (typed in `vector/`, which depends on this module). */
export type VectorFactoryRef = (numEnvs: number, kwargs: EnvKwargs & { autoresetMode?: 'next_step' | 'same_step' }) => unknown;
