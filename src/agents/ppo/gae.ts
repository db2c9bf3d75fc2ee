/**
 * Generalised advantage estimation (Schulman et al. 2016) over a time-major rollout `[T, N]`
 * (index t * N + i), with Gymnasium 1.x NEXT_STEP autoreset:
 *
 * - `terminated[t]`: s_{t+1} is terminal, so nothing is bootstrapped past it.
 * - `truncated[t]` (and not terminated): the episode was cut, so it is bootstrapped with V(s_{t+1}),
 *   the value of the final observation. Under NEXT_STEP that observation is the one the rollout holds
 *   at t + 1 (or `nextValues` after the last step), so `values[t + 1]` is exactly V(final obs).
 * - `valid[t] = 0` marks the autoreset step after an episode end: its action was ignored by the env, so it
 *   gets no advantage, is left out of the loss, and no credit flows across it.
 */
export interface GaeInput {
  numSteps: number; // T
  numEnvs: number; // N
  rewards: Float32Array; // [T * N]
  values: Float32Array; // [T * N], V(s_t)
  terminated: Uint8Array; // [T * N]
  truncated: Uint8Array; // [T * N]
  valid: Uint8Array; // [T * N]
  nextValues: Float32Array; // [N], V(s_T) of the observation after the last step
  gamma: number;
  lambda: number;
}

/** Writes advantages A_t and returns R_t = A_t + V(s_t) into the given buffers (no allocation). */
export function computeGae(p: GaeInput, advantages: Float32Array, returns: Float32Array): void {
  const { numSteps: T, numEnvs: N, rewards, values, terminated, truncated, valid, nextValues, gamma, lambda } = p;
  for (let i = 0; i < N; i++) {
    let lastGae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const k = t * N + i;
      if (!valid[k]) {
        advantages[k] = 0;
        returns[k] = values[k]!;
        lastGae = 0;
        continue;
      }
      const nextV = t === T - 1 ? nextValues[i]! : values[k + N]!;
      const bootstrap = terminated[k] ? 0 : nextV;
      const delta = rewards[k]! + gamma * bootstrap - values[k]!;
      // An episode end (either kind) stops the λ-recursion; the bootstrap above carries truncation.
      lastGae = terminated[k] || truncated[k] ? delta : delta + gamma * lambda * lastGae;
      advantages[k] = lastGae;
      returns[k] = lastGae + values[k]!;
    }
  }
}
