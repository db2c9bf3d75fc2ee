/**
 * The seam through which RUDDER and Align-RUDDER plug into PPO without touching its core.
 *
 * After each rollout PPO hands the redistributor the rollout (time-major [T, N], in order, so it can keep
 * per-env episode prefixes across rollouts); the redistributor writes a redistributed reward RR_t and a
 * trust weight q_t ∈ [0, 1] per step. PPO then mixes advantages as RUDDER's PPO does (rudder.md §1.7):
 *
 *   A_mix = q·RR + (1 − q)·A_env,   A = c·A_env + (1 − c)·A_mix,   c = `vfContrib` (0.5)
 *
 * where A_env is the (per-minibatch normalised) GAE advantage of the environment reward and RR is raw, or
 * divided by the same std as A_env (`normalizeRr`). The value function keeps learning the environment return.
 */
export interface RolloutView {
  readonly numSteps: number; // T
  readonly numEnvs: number; // N
  readonly obsDim: number; // D
  readonly obs: Float32Array; // [T * N * D], the observation each action was taken in
  readonly actions: Int32Array; // [T * N]
  readonly rewards: Float32Array; // [T * N], environment rewards
  readonly terminated: Uint8Array; // [T * N]
  readonly truncated: Uint8Array; // [T * N]
  /** 0 on NEXT_STEP autoreset steps (no real transition; their outputs are ignored). */
  readonly valid: Uint8Array; // [T * N]
  /**
   * The observation after the rollout's last step [N * D]. With NEXT_STEP autoreset a terminal observation
   * is the next row's `obs` (an autoreset row), or this one when the episode ended at the last row.
   */
  readonly nextObs: Float32Array;
  /** Env steps taken so far, at the end of this rollout. */
  readonly globalStep: number;
}

/**
 * What a redistributor made of one finished episode, for a listener (the viewer plots it): RUDDER's
 * `RudderEpisode` and Align-RUDDER's `onEpisode` reports have this shape.
 */
export interface RedistributedEpisode {
  /** Which sub-env of the vector env it ran in, and the env steps taken so far (at the end of its rollout). */
  env: number;
  globalStep: number;
  length: number;
  /** Its return G, and the method's prediction of it at its end. */
  ret: number;
  predicted: number;
  /** The return prediction after each step [length]. */
  predictions: Float32Array;
  /** The redistributed reward of each step [length]. */
  redistributed: Float32Array;
  /** The trust q it was given, and the prediction's error (NaN when there is none). */
  quality: number;
  error: number;
  active: boolean;
}

/** A redistributor's learning state in a checkpoint: JSON data and named float32 arrays. */
export interface RedistributionState {
  state: { readonly kind: string };
  tensors: Record<string, Float32Array>;
}

export interface RewardRedistribution {
  /** Shown in logs. */
  readonly name: string;
  /**
   * `advantage` (default): mix RR into the advantages as above. `reward`: replace the environment reward
   * before GAE, r' = q·RR + (1 − q)·r, so the value function and GAE see the redistributed return (the
   * papers' return-equivalent MDP, rudder.md §1.1).
   */
  readonly mode?: 'advantage' | 'reward';
  /** Weight of the plain environment advantage in the final mix (RUDDER's vf_contrib; default 0.5). */
  readonly vfContrib?: number;
  /**
   * Advantage mode: divide RR by the std that normalises the minibatch's environment advantages before
   * mixing, so RR and A_env are of the same order at any return scale (default false: RR raw, as the
   * Atari code).
   */
  readonly normalizeRr?: boolean;
  /**
   * Write redistributed rewards into `rr` and trust weights into `quality` (both [T * N], zero-filled
   * before the call); q = 0 leaves the environment advantage alone on that step.
   */
  redistribute(rollout: RolloutView, rr: Float32Array, quality: Float32Array): void;
  /** Called after each PPO update (e.g. to train the return-decomposition model). */
  afterUpdate?(): void;
  /**
   * Checkpoints: what it has learned (PPO saves it with its own state; without these methods a run with
   * this redistributor cannot be checkpointed and resumed as one), and putting it back.
   */
  saveState?(): RedistributionState;
  restoreState?(state: RedistributionState['state'], tensors: Record<string, Float32Array>, label: string): void;
  /** The envs were reset (a resume restarts its episodes): forget the episodes in progress. */
  resetEpisodes?(): void;
  /**
   * When the policy's input is not the env's observation as is because of this method (Align-RUDDER's state
   * augmentation), a record of how to rebuild it: PPO saves it in model.json (`userDefinedMetadata.rudder.observation`)
   * so the saved policy can be run elsewhere (the viewer's page). Absent or null: nothing to record.
   */
  modelObservation?(): Record<string, unknown> | null;
}

/** A = c·A_env + (1 − c)·(q·RR + (1 − q)·A_env). */
export function mixAdvantage(envAdv: number, rr: number, q: number, vfContrib: number): number {
  return vfContrib * envAdv + (1 - vfContrib) * (q * rr + (1 - q) * envAdv);
}
