import { describe, expect, it } from 'vitest';
import { alignFromDemos } from '../src/align/ppo-align.ts';
import { columnRewards, readSubgoals } from '../src/align/subgoals.ts';
import { recordExpertDemonstrations } from '../src/envs/index.ts';
import { ITEM_NAMES } from '../src/envs/item-chain/items.ts';
import { STAGES } from './support/tiny-chain.ts'; // registers TinyChain-v0

// ItemChain's chain, as the items each step makes (placing the table or the furnace makes no item).
const CHAIN = ['log', 'planks', 'stick', 'wooden_pickaxe', 'cobblestone', 'coal', 'stone_pickaxe', 'iron_ore', 'iron_ingot', 'iron_pickaxe', 'diamond'];

describe('sub-goals read from the profile', () => {
  it('ItemChain, 10 expert demos (ε = 0.1): the sub-goals are the chain\'s steps in chain order, ending in the diamond', () => {
    const demos = recordExpertDemonstrations('ItemChain-v0', { episodes: 10, seed: 0, noise: 0.1 });
    const setup = alignFromDemos(demos, { otherEpisodes: 20, seed: 1 });
    const goals = readSubgoals(setup.redistribution, setup.demoEvents);
    const made = goals.map((g) => /\+(\w+)/.exec(g.name)?.[1] ?? null); // the item a sub-goal makes, if any
    expect(made.every((m) => m === null || ITEM_NAMES.includes(m))).toBe(true);
    const order = made.filter((m): m is string => m !== null).map((m) => CHAIN.indexOf(m));
    expect(order.every((o) => o >= 0)).toBe(true);
    for (let i = 1; i < order.length; i++) expect(order[i]).toBeGreaterThanOrEqual(order[i - 1]!);
    for (const item of ['wooden_pickaxe', 'stone_pickaxe', 'iron_pickaxe']) expect(made).toContain(item);
    expect(made.at(-1)).toBe('diamond');
    // Columns rise along the chain: each sub-goal's columns come after the previous one's.
    for (let i = 1; i < goals.length; i++) expect(goals[i]!.columns[0]).toBeGreaterThan(goals[i - 1]!.columns.at(-1)!);
    // The peaks pay more than the average column, and the sub-goals hold fewer columns than the profile.
    const { reward } = columnRewards(setup.redistribution, setup.demoEvents);
    const mean = reward.reduce((a, b) => a + b, 0) / reward.length;
    for (const g of goals) for (const c of g.columns) expect(reward[c]).toBeGreaterThanOrEqual(mean);
    expect(goals.reduce((a, g) => a + g.columns.length, 0)).toBeLessThan(setup.redistribution.profile.pssm.columns);
  });

  it('a threshold of −∞ keeps every column: on the tiny chain, every item in order', () => {
    const setup = alignFromDemos(recordExpertDemonstrations('TinyChain-v0', { episodes: 2, seed: 0 }), { otherEpisodes: 20, seed: 1 });
    const goals = readSubgoals(setup.redistribution, setup.demoEvents, { threshold: -1e300 });
    expect(goals.map((g) => g.columns)).toEqual(Array.from({ length: STAGES }, (_, j) => [j]));
    expect(goals.map((g) => g.event)).toEqual(Array.from(setup.demoEvents[0]!));
    expect(() => readSubgoals(setup.redistribution, setup.demoEvents, { threshold: NaN })).toThrow(/threshold/);
  });
});
