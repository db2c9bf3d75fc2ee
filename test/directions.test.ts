import { describe, expect, it } from 'vitest';
import { DIR, DIR_DX, DIR_DY, DIR_FACING, DIR_NAMES, VENTURE_ACTIONS, VENTURE_DIR_DX, VENTURE_DIR_DY, VENTURE_DIRS } from '../src/index.ts';

describe('the direction table', () => {
  it('lists east, south, west, north as unit steps with y growing downwards', () => {
    expect(DIR).toEqual({ EAST: 0, SOUTH: 1, WEST: 2, NORTH: 3 });
    expect(Array.from(DIR_DX)).toEqual([1, 0, -1, 0]);
    expect(Array.from(DIR_DY)).toEqual([0, 1, 0, -1]);
    expect(DIR_NAMES).toEqual(['east', 'south', 'west', 'north']);
    expect(DIR_FACING).toEqual(['right', 'down', 'left', 'up']);
  });

  it('turns right with d + 1 and left with d + 3 (mod 4)', () => {
    for (let d = 0; d < 4; d++) {
      const r = (d + 1) & 3, l = (d + 3) & 3;
      // A right turn in screen coordinates (y down) maps (dx, dy) to (−dy, dx).
      expect([DIR_DX[r], DIR_DY[r]]).toEqual([-DIR_DY[d]! || 0, DIR_DX[d]]);
      expect([DIR_DX[l], DIR_DY[l]]).toEqual([DIR_DY[d], -DIR_DX[d]! || 0]);
    }
  });

  it("maps Venture's own order (up, right, down, left) onto the same steps", () => {
    expect(Array.from(VENTURE_DIRS)).toEqual([DIR.NORTH, DIR.EAST, DIR.SOUTH, DIR.WEST]);
    expect(Array.from(VENTURE_DIR_DX)).toEqual([0, 1, 0, -1]);
    expect(Array.from(VENTURE_DIR_DY)).toEqual([-1, 0, 1, 0]);
    // Move action a goes in Venture direction a − 1: UP is north.
    expect(VENTURE_DIRS[VENTURE_ACTIONS.UP - 1]).toBe(DIR.NORTH);
    expect(VENTURE_DIRS[VENTURE_ACTIONS.LEFT - 1]).toBe(DIR.WEST);
  });
});
