import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainPpo } from '../src/agents/ppo/ppo.ts';
import { evaluatePolicy } from '../src/agents/ppo/evaluate.ts';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { loadDemonstrations, recordExpertDemonstrations, saveDemonstrations } from '../src/envs/index.ts';
import { HORIZON, STAGES } from './support/tiny-chain.ts'; // registers TinyChain-v0

// A small PPO on a tiny crafting chain (test/support/tiny-chain.ts): 12 items in order, each by one of 16
// actions, reward 1 only for the last item, 40 steps. Random play finishes in ~4e-6 of episodes.
const PPO = { envId: 'TinyChain-v0', totalTimesteps: 60_000, numEnvs: 4, numSteps: 64, seed: 1, hidden: [32], learningRate: 2.5e-3 };

describe('PPO + Align-RUDDER on a tiny chain', () => {
  it('from 2 demonstrations PPO reaches the end of the chain; PPO on the delayed reward alone never does', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tiny-chain-')), 'demos.jsonl');
    saveDemonstrations(path, recordExpertDemonstrations('TinyChain-v0', { episodes: 2, seed: 0 }));
    const demos = loadDemonstrations(path);
    expect(demos.map((d) => [d.actions.length, d.return])).toEqual([[STAGES, 1], [STAGES, 1]]);
    const { redistribution, demoEvents } = alignFromDemos(demos, { otherEpisodes: 20, seed: 1 });
    expect(demoEvents.map((e) => e.length)).toEqual([STAGES, STAGES]); // every item made is one event
    expect(redistribution.profile.pssm.columns).toBe(STAGES);

    const aligned = await trainPpo(PPO, { redistribution });
    const plain = await trainPpo(PPO);
    const reached = (eps: { return: number }[]): number => eps.filter((e) => e.return > 0).length;
    // The last training episodes, and greedy evaluation on fixed seeds.
    expect(reached(aligned.episodes.slice(-20))).toBeGreaterThanOrEqual(15);
    expect(evaluatePolicy(aligned.agent, 'TinyChain-v0', { episodes: 5, seed: 100 }).meanReturn).toBe(1);
    expect(reached(plain.episodes)).toBe(0);
    expect(evaluatePolicy(plain.agent, 'TinyChain-v0', { episodes: 5, seed: 100 }).meanLength).toBe(HORIZON);
  }, 60_000);
});
