import type { Policy } from '../core/experts.ts';

/**
 * A hand-tuned linear controller: push towards where the pole is falling, corrected for cart drift.
 * Balances CartPole for the full 500 steps from Gymnasium's start distribution.
 */
export function cartPoleExpert(): Policy<Float32Array, number> {
  return (obs) => (obs[2]! + 0.5 * obs[3]! + 0.01 * obs[0]! + 0.1 * obs[1]! > 0 ? 1 : 0);
}
