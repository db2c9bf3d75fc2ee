import { CELL_COUNT } from '../envs/grid/cells.ts';
import type { ObservationFeatures } from './episode-trace.ts';

/**
 * Position-invariant LSTM features of a grid env's `codes` observation (`[size²]` cell codes, then `extras`
 * values such as KeyDoorTreasure's `[agentX, agentY, facing, carrying]`): how many cells hold each code,
 * then the extras. As Δ-states, "the key was picked up" and "the door opened" are then the same inputs
 * wherever the key and the door are.
 */
export function gridCodeCounts(size: number, extras: number): ObservationFeatures {
  const cells = size * size;
  return {
    dim: CELL_COUNT + extras,
    write(obs, at, out, outAt) {
      out.fill(0, outAt, outAt + CELL_COUNT);
      for (let i = 0; i < cells; i++) out[outAt + obs[at + i]!]!++;
      for (let j = 0; j < extras; j++) out[outAt + CELL_COUNT + j] = obs[at + cells + j]!;
    },
  };
}
