// The page's key map from action names (pure; the browser test presses the keys).
import { describe, expect, it } from 'vitest';
import { actionForKey, buildKeyMap, keyLabel } from '../src/viewer/page/keymap.ts';
import { listEnvs, make } from '../src/envs/core/registry.ts';
import '../src/envs/registrations.ts';

describe('buildKeyMap', () => {
  it('gives direction-like names the arrows and WASD, fire Space, the rest digits', () => {
    const m = buildKeyMap(['NOOP', 'FIRE', 'UP', 'DOWN', 'UPFIRE', 'DOWNFIRE']);
    expect(m.map((b) => b.keys)).toEqual([['1'], [' '], ['ArrowUp', 'w'], ['ArrowDown', 's'], ['2'], ['3']]);
    expect(buildKeyMap(['north', 'south', 'west', 'east']).map((b) => b.keys[0])).toEqual(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight']);
    const ic = buildKeyMap(['noop', 'move_left', 'move_right', 'move_up', 'move_down', 'collect']);
    expect(ic.map((b) => b.keys[0])).toEqual(['1', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', '2']);
  });

  it('never binds one key twice and looks keys up case-insensitively', () => {
    const m = buildKeyMap(['up', 'north', 'w', 'a']);
    const all = m.flatMap((b) => b.keys);
    expect(new Set(all).size).toBe(all.length);
    expect(m[1]!.keys).toEqual(['1']); // the arrows went to "up"
    expect(actionForKey(m, 'W')).toBe(0);
    expect(actionForKey(m, 'ArrowUp')).toBe(0);
    expect(actionForKey(m, 'x')).toBe(-1);
  });

  it('gives every action of every registered env a key', () => {
    for (const id of listEnvs()) {
      const names = make(id).unwrapped.metadata.actionNames ?? [];
      expect(names.length, id).toBeGreaterThan(0);
      expect(buildKeyMap(names).every((b) => b.keys.length > 0), id).toBe(true);
    }
  });

  it('labels keys for the legend', () => {
    expect([' ', 'ArrowLeft', 'q'].map(keyLabel)).toEqual(['Space', '←', 'Q']);
  });
});
