import { describe, expect, it } from 'vitest';
import { rewardOption } from '../src/envs/core/reward-option.ts';

describe('rewardOption', () => {
  it("returns the first mode by default and any of the env's own modes as given", () => {
    expect(rewardOption('Env', undefined, ['natural', 'shaped'])).toBe('natural');
    expect(rewardOption('Env', 'shaped', ['natural', 'shaped'])).toBe('shaped');
  });

  it("names the env, the value and the valid ones (make's 'delayed' included); 'delayed' itself points at make", () => {
    expect(() => rewardOption('Env', 'soon', ['natural', 'shaped'])).toThrow(`Env: option reward must be one of 'natural', 'delayed', 'shaped', got "soon" ('delayed' through make, which adds the DelayedReward wrapper)`);
    expect(() => rewardOption('Env', 'delayed', ['natural'])).toThrow(/^Env: option reward must be one of 'natural', 'delayed', got "delayed" \(the env class pays its natural reward; make\(id, \{ reward: 'delayed' \}\) or new DelayedReward\(env\) delays it\)$/);
    expect(() => rewardOption('Env', 3, ['natural'])).toThrow(RangeError);
  });
});
