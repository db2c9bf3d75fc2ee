import { describe, expect, it } from 'vitest';
import { parseRudderSettings, settingsConfig } from '../src/rudder/settings.ts';
import { RudderRedistribution } from '../src/rudder/ppo-redistribution.ts';
import { CELL_COUNT } from '../src/envs/grid/cells.ts';

describe('RUDDER settings from JSON', () => {
  it('accepts the data fields of RudderConfig, features by name', () => {
    const s = parseRudderSettings({ mode: 'reward', trace: 0, features: 'gridCodeCounts', trustEps: 'atari', returnScale: 100, decomposition: { learningRate: 3e-4 } });
    expect(s).toEqual({ mode: 'reward', trace: 0, features: 'gridCodeCounts', trustEps: 'atari', returnScale: 100, decomposition: { learningRate: 3e-4 } });
    expect(settingsConfig(s)).not.toHaveProperty('features');
    expect(parseRudderSettings(undefined)).toEqual({});
  });

  it('names a wrong field, an unknown one and the source', () => {
    expect(() => parseRudderSettings({ trace: 2 }, 'kdt.json: rudder')).toThrow(/kdt\.json: rudder\.trace: .*(<=|at most|1)/);
    expect(() => parseRudderSettings({ tarce: 0.5 })).toThrow(/tarce/);
    expect(() => parseRudderSettings({ features: 'pixels' })).toThrow(/rudder\.features/);
    expect(() => parseRudderSettings({ decomposition: { lr: 1 } })).toThrow(/lr/);
  });

  it('forEnv resolves a feature name against the env, and says why when it cannot', () => {
    const red = RudderRedistribution.forEnv('KeyDoorTreasure-v0', { size: 6 }, { features: 'gridCodeCounts' });
    expect(red.model.lstm.inputDim).toBe(CELL_COUNT + 4 + 5);
    expect(RudderRedistribution.forEnv('KeyDoorTreasure-v0', { size: 6 }, { features: 'observation' }).model.lstm.inputDim).toBe(36 + 4 + 5);
    expect(() => RudderRedistribution.forEnv('CartPole-v1', {}, { features: 'gridCodeCounts' })).toThrow(/gridCodeCounts" need a grid env .*CartPole-v1 has 4 observation values and no size/);
    expect(() => RudderRedistribution.forEnv('KeyDoorTreasure-v0', { size: 6, observation: 'onehot' }, { features: 'gridCodeCounts' })).toThrow(/for size 6/);
  });
});
