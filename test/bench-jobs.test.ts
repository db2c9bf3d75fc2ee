// The benchmark suites run their cases through the sweeps' pool (`--jobs N`), each case a process of its own:
// tiny configurations of each suite give the same per-seed results with two at a time as one after another.
import { describe, expect, it } from 'vitest';
import { alignPpoRuns, keptRuns, runAlignPpoBench, type RunResult, type SavedRuns } from '../bench/align-ppo.ts';
import { alignPpoRun, type AlignPpoCase } from '../bench/align-ppo-run.ts';
import { alignRuns } from '../bench/align.ts';
import { ppoRuns } from '../bench/ppo.ts';
import { tfjsEfficiencyRun, tfjsEfficiencyRuns } from '../bench/tfjs-efficiency.ts';
import { watchRepairRuns } from '../bench/watch-repair.ts';
import { runRoomsExperiment } from '../src/experiments/rooms.ts';
import { runWatchRepairExperiment } from '../src/experiments/watch-repair-demo.ts';

/** A suite's per-seed JSON as bench/results holds it, without what measures time (wall seconds, steps per second). */
function perSeedJson(results: unknown): unknown {
  return JSON.parse(JSON.stringify(results, (k, v: unknown) => (k === 'wall' || k === 'sps' || k === 'model' ? undefined : v)));
}

describe('bench suites through the pool', () => {
  it('ppo: --jobs 2 gives the per-seed results of --jobs 1 (CartPole and KeyDoorTreasure cases)', async () => {
    const o = { seeds: 1, steps: 512, kdtSteps: 512, kdtSeeds: 1, kdtSize: 5, cleanrlSeeds: 0 };
    const one = await ppoRuns({ ...o, jobs: 1 }), two = await ppoRuns({ ...o, jobs: 2 });
    expect(two.cartpole.map((r) => r.seed)).toEqual([1]);
    expect(two.kdt.map((k) => `${k.variant}:${k.seed}`)).toEqual(['delayed:1', 'shaped:1']);
    expect(two.kdt[0]!.r.evalReturns).toHaveLength(100);
    expect(perSeedJson(two)).toEqual(perSeedJson(one));
    // The cases differ from each other, so equal results are not the same result thrice.
    expect(two.kdt[0]!.r.finalMean20).not.toBe(two.cartpole[0]!.finalMean20);
  });

  it('tfjs-efficiency: the fused and the tfjs run two at a time in their own processes give what they give one after another in this process', async () => {
    const pooled = await tfjsEfficiencyRuns({ seeds: 1, jobs: 2, budget: 1024 });
    expect(pooled.map((r) => `${r.seed}:${r.engine}:${r.steps}`)).toEqual(['1:fused:1024', '1:tfjs-wasm:1024']);
    const inProcess = [await tfjsEfficiencyRun({ seed: 1, engine: 'fused', budget: 1024 }), await tfjsEfficiencyRun({ seed: 1, engine: 'tfjs-wasm', budget: 1024 })];
    expect(perSeedJson(pooled)).toEqual(perSeedJson(inProcess));
    expect(pooled[0]!.finalMean20).toBeGreaterThan(0); // a result that could differ, not only the step count
  });

  it('align, watch-repair, align-ppo: two at a time in their own processes give what one after another in this process gives', async () => {
    const align = await alignRuns({ seeds: 1, demos: [2], maxEpisodes: 100, env: 'FourRooms-v0', srPasses: 10, jobs: 2 });
    expect(align.map((r) => r.method)).toEqual(['align-rudder', 'bc-q']);
    expect(perSeedJson(align)).toEqual(perSeedJson(align.map((r) => runRoomsExperiment({ method: r.method, numDemos: 2, seed: 1, env: 'FourRooms-v0', maxEpisodes: 100, srPasses: 10 }))));

    const wr = await watchRepairRuns({ seeds: 1, maxEpisodes: 200, jobs: 2 });
    expect(wr.map((r) => r.method)).toEqual(['rudder', 'td', 'mc']);
    expect(wr[0]!.firstQ).toBeInstanceOf(Float64Array);
    expect(perSeedJson(wr)).toEqual(perSeedJson(wr.map((r) => runWatchRepairExperiment({ method: r.method, seed: 1, maxEpisodes: 200 }))));

    const o = { seeds: 1, steps: 512, demos: [2], arms: ['ppo', 'bc+ppo+align'] as const, rewards: ['natural'] as const, evalEpisodes: 3, noise: 0.1, bcEpochs: 2, demoReturn: 100 };
    const ap = await alignPpoRuns({ ...o, arms: [...o.arms], rewards: [...o.rewards], jobs: 2 });
    expect(ap.map((r) => `${r.arm}:${r.numDemos}`)).toEqual(['ppo:0', 'bc+ppo+align:2']);
    const inProcess = [];
    for (const arm of o.arms) inProcess.push(await alignPpoRun({ arm, reward: 'natural', numDemos: 2, seed: 1, steps: 512, evalEpisodes: 3, noise: 0.1, bcEpochs: 2, demoReturn: 100 } satisfies AlignPpoCase));
    expect(perSeedJson(ap)).toEqual(perSeedJson(inProcess));
  });
  it('align-ppo with both rewards runs a reward-free arm once: its delayed-reward result is the natural run, which a delayed run in this process matches', async () => {
    const c = { numDemos: 2, seed: 1, steps: 512, evalEpisodes: 3, noise: 0.1, bcEpochs: 2, demoReturn: 100 } as const;
    const runs = await alignPpoRuns({ seeds: 1, steps: c.steps, demos: [2], arms: ['ppo', 'ppo+align'], rewards: ['natural', 'delayed'], evalEpisodes: c.evalEpisodes, noise: c.noise, bcEpochs: c.bcEpochs, demoReturn: c.demoReturn, jobs: 1 });
    expect(runs.map((r) => `${r.arm}:${r.reward}${r.reusedFrom ? ` (${r.reusedFrom})` : ''}`)).toEqual(['ppo:natural', 'ppo+align:natural', 'ppo:delayed', 'ppo+align:delayed (natural)']);
    const copy = runs.at(-1)!, natural = runs[1]!;
    expect(copy.itemShare).toEqual(natural.itemShare);
    const delayed = await alignPpoRun({ ...c, arm: 'ppo+align', reward: 'delayed' });
    expect(delayed.itemShare).toEqual(copy.itemShare);
    expect(delayed.meanReturn).toBe(copy.meanReturn);
  });

  it('align-ppo --continue: an interrupted bench goes on with only the missing runs, the kept ones as saved; --rerun ARM makes that arm again; other settings are refused', async () => {
    const base = { steps: 512, demos: [2], rewards: ['natural' as const], evalEpisodes: 3, noise: 0.1, bcEpochs: 2, demoReturn: 100, jobs: 2 };
    const save = (results: RunResult[]): SavedRuns => JSON.parse(JSON.stringify({ command: 'npm run bench -- align-ppo …', machine: 'test', results })) as SavedRuns;
    // Session 1 made PPO's seed 1 and stopped.
    const first = await alignPpoRuns({ ...base, seeds: 1, arms: ['ppo'] });
    expect(first.map((r) => r.settings)).toEqual([{ steps: 512, evalEpisodes: 3, noise: 0.1, bcEpochs: 2, bcMinEntropy: 0, bcAuxIterations: 0, bcAuxWeight: 1, demoReturn: 100 }]);
    // Session 2 asks for 2 seeds and two arms: it makes the three runs missing, and keeps the saved one as it was.
    const o = { ...base, seeds: 2, arms: ['ppo', 'ppo+align'] as ('ppo' | 'ppo+align')[] };
    const kept = keptRuns(save(first), o, 'saved.json');
    expect(kept).toEqual(JSON.parse(JSON.stringify(first)));
    const made: string[] = [];
    const second = await alignPpoRuns(o, kept, (_, r) => void made.push(`${r.arm}:${r.seed}`));
    expect(made.sort()).toEqual(['ppo+align:1', 'ppo+align:2', 'ppo:2']);
    expect(second.map((r) => `${r.arm}:${r.seed}`).sort()).toEqual(['ppo+align:1', 'ppo+align:2', 'ppo:1', 'ppo:2']);
    expect(second[0]).toBe(kept[0]);
    // --rerun ppo: PPO's runs are made again (the same, by determinism), the others kept.
    const again = keptRuns(save(second), { ...o, rerun: 'ppo' }, 'saved.json');
    expect(again.map((r) => `${r.arm}:${r.seed}`).sort()).toEqual(['ppo+align:1', 'ppo+align:2']);
    const remade: string[] = [];
    const third = await alignPpoRuns(o, again, (_, r) => void remade.push(`${r.arm}:${r.seed}`));
    expect(remade.sort()).toEqual(['ppo:1', 'ppo:2']);
    const bySeed = (rs: RunResult[], arm: string) => perSeedJson(rs.filter((r) => r.arm === arm).sort((a, b) => a.seed - b.seed));
    expect(bySeed(third, 'ppo')).toEqual(bySeed(second, 'ppo'));
    expect(bySeed(third, 'ppo')).not.toEqual(bySeed(third, 'ppo+align'));
    // Saved runs made otherwise are refused by name, old results (no settings: the command says) too.
    expect(() => keptRuns(save(second), { ...o, noise: 0.2, steps: 1024 }, 'saved.json')).toThrow('--continue: saved.json holds runs made with other settings: steps 512 (now 1024), noise 0.1 (now 0.2); use another --results NAME');
    const old = { ...save(first), command: 'npm run bench -- align-ppo --seeds 1 --steps 512 --eval-episodes 3 --noise 0.1 --bc-epochs 2 --demo-return 100' };
    delete old.results[0]!.settings;
    expect(keptRuns(old, o, 'old.json')).toHaveLength(1);
    expect(() => keptRuns({ ...old, command: old.command.replace('--demo-return 100', '') }, o, 'old.json')).toThrow(/demoReturn env \(now 100\)/);
    await expect(runAlignPpoBench({ ...o, rerun: 'ppo', command: '' })).rejects.toThrow('--rerun ARM goes with --continue');
  }, 120_000);

  it("align-ppo's BC arm trains its own epochs (--bc-alone-epochs), recorded on its result; a saved BC run with other epochs is refused unless --rerun bc", async () => {
    const c = { reward: 'natural' as const, numDemos: 2, seed: 1, steps: 512, evalEpisodes: 3, noise: 0.1, bcEpochs: 0, demoReturn: 100 };
    const untrained = await alignPpoRun({ ...c, arm: 'bc' });
    const cloned = await alignPpoRun({ ...c, arm: 'bc', bcAloneEpochs: 5 });
    expect(untrained.bcAloneEpochs).toBe(0);
    expect(cloned.bcAloneEpochs).toBe(5);
    // The cross-entropy on the demo steps, before and after: unchanged with 0 epochs, lower with 5.
    expect(untrained.bcCrossEntropy![1]).toBe(untrained.bcCrossEntropy![0]);
    expect(cloned.bcCrossEntropy![1]).toBeLessThan(cloned.bcCrossEntropy![0] - 0.05);
    const saved = JSON.parse(JSON.stringify({ command: '…', machine: 'test', results: [{ ...untrained, wall: 1 }] })) as SavedRuns;
    const o = { steps: 512, evalEpisodes: 3, noise: 0.1, bcEpochs: 0, demoReturn: 100, bcAloneEpochs: 5 };
    expect(() => keptRuns(saved, o, 'saved.json')).toThrow("the BC arm's epochs 0 (now 5; --rerun bc makes its runs again)");
    expect(keptRuns(saved, { ...o, rerun: 'bc' }, 'saved.json')).toHaveLength(0);
    expect(keptRuns(saved, { ...o, bcAloneEpochs: 0 }, 'saved.json')).toHaveLength(1);
  }, 60_000);
});
