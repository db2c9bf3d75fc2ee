import { describe, expect, it } from 'vitest';
import { createAgent } from '../src/agents/ppo/agent.ts';
import { bcPretrain, demoCrossEntropy, demoSteps } from '../src/agents/ppo/bc.ts';
import { parsePpoConfig } from '../src/agents/ppo/config.ts';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { recordExpertDemonstrations } from '../src/envs/index.ts';
import { ACTIONS, STAGES } from './support/tiny-chain.ts'; // registers TinyChain-v0

const agentFor = (obsDim: number, actions: number, seed = 1) => createAgent(parsePpoConfig({ hidden: [32], seed }), [obsDim], [actions]);

describe('BC pre-training of the actor', () => {
  it('lowers the demo actions\' cross-entropy, and on the tiny chain the cloned policy reaches the end', () => {
    const steps = demoSteps(recordExpertDemonstrations('TinyChain-v0', { episodes: 2, seed: 0 }));
    expect([steps.obsDim, steps.actions.length]).toEqual([STAGES, 2 * STAGES]);
    const agent = agentFor(STAGES, ACTIONS);
    expect(evaluatePolicy(agent, 'TinyChain-v0', { episodes: 2, seed: 5 }).meanReturn).toBe(0);
    const { before, after } = bcPretrain(agent, steps, { epochs: 200, learningRate: 1e-2 });
    expect(before).toBeCloseTo(Math.log(ACTIONS), 1); // near uniform at init (policy head gain 0.01)
    expect(after).toBeLessThan(0.1 * before);
    expect(demoCrossEntropy(agent, steps)).toBe(after);
    expect(evaluatePolicy(agent, 'TinyChain-v0', { episodes: 2, seed: 5 }).meanReturn).toBe(1);
  });

  it('lowers it on ItemChain expert demos too (the 987-value observation)', () => {
    const steps = demoSteps(recordExpertDemonstrations('ItemChain-v0', { episodes: 2, seed: 0 }));
    const agent = agentFor(steps.obsDim, 14);
    const { before, after } = bcPretrain(agent, steps, { epochs: 5 });
    expect(after).toBeLessThan(before - 0.3);
  });

  it('PPO runs it on a fresh agent through `pretrain`; mismatching demos are clear errors', async () => {
    const steps = demoSteps(recordExpertDemonstrations('TinyChain-v0', { episodes: 2, seed: 0 }));
    const cfg = { envId: 'TinyChain-v0', totalTimesteps: 256, numEnvs: 2, numSteps: 128, seed: 1, hidden: [32] };
    let called = 0;
    const r = await trainPpo(cfg, { pretrain: (agent) => void (called++, bcPretrain(agent, steps, { epochs: 100, learningRate: 3e-3 })) });
    expect(called).toBe(1);
    expect(r.episodes.some((e) => e.return === 1)).toBe(true);
    expect(() => bcPretrain(agentFor(STAGES + 1, ACTIONS), steps)).toThrow(/the demos' observations have 12 values, the agent takes 13/);
    expect(() => bcPretrain(agentFor(STAGES, 4), steps)).toThrow(/demo action \d+ at step \d+ is outside 0..3/);
  });
});
