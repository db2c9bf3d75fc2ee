import { describe, expect, it } from 'vitest';
import { numberIn, oneOf, rewardOption } from '../src/envs/core/env-options.ts';
import { KeyDoorTreasureEnv, VentureEnv } from '../src/index.ts';

describe('oneOf', () => {
  it('returns the default for undefined and the value when allowed', () => {
    expect(oneOf('Env', 'mode', undefined, ['a', 'b'], 'b')).toBe('b');
    expect(oneOf('Env', 'mode', 'a', ['a', 'b'], 'b')).toBe('a');
  });

  it('names the env, the option, the allowed values and the value given', () => {
    expect(() => oneOf('Env', 'mode', 'c', ['a', 'b'], 'a')).toThrow("Env: option mode must be one of 'a', 'b', got \"c\"");
    expect(() => oneOf('Env', 'mode', null, ['a', 'b'], 'a')).toThrow(RangeError);
  });
});

describe('numberIn', () => {
  it('returns the default for undefined and accepts both ends of the range', () => {
    expect(numberIn('Env', 'n', undefined, 1, 5, 3)).toBe(3);
    expect(numberIn('Env', 'n', 1, 1, 5, 3, true)).toBe(1);
    expect(numberIn('Env', 'n', 5, 1, 5, 3, true)).toBe(5);
    expect(numberIn('Env', 'p', 0.25, 0, 1, 0.5)).toBe(0.25);
  });

  it('rejects values outside the range, NaN, non-numbers and fractions where an integer is asked', () => {
    expect(() => numberIn('Env', 'n', 6, 1, 5, 3, true)).toThrow('Env: option n must be an integer in [1, 5], got 6');
    expect(() => numberIn('Env', 'p', 1.5, 0, 1, 0.5)).toThrow('Env: option p must be a number in [0, 1], got 1.5');
    expect(() => numberIn('Env', 'n', 2.5, 1, 5, 3, true)).toThrow(/an integer/);
    expect(() => numberIn('Env', 'n', Number.NaN, 1, 5, 3)).toThrow(RangeError);
    expect(() => numberIn('Env', 'n', '3', 1, 5, 3)).toThrow('got "3"');
  });

  it('is what the envs read their options with', () => {
    expect(() => new KeyDoorTreasureEnv({ size: 3 })).toThrow('KeyDoorTreasure: option size must be an integer in [5, 64], got 3');
    expect(() => new VentureEnv({ lingerSteps: 0 })).toThrow('Venture: option lingerSteps must be an integer in [1, 1000000000], got 0');
  });
});

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
