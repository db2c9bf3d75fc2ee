import { machineLine, median, table, writeResults, writeSection } from './report.ts';
import { randomSuccess, runCase, type CaseResult } from './ppo.ts';
import { inPool } from '../src/sweep/pool.ts';

/**
 * `npm run bench -- rudder`: PPO with and without RUDDER on KeyDoorTreasure-v0's delayed reward, seed for
 * seed, same PPO settings (CleanRL defaults). "Success" is the share of 100 episodes of the trained policy
 * (actions sampled) that reach the treasure.
 */
export async function runRudderBench(opts: { seeds: number; steps: number; size: number; jobs: number }): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const variants: { name: string; what: string; rudder?: Record<string, unknown> }[] = [
    { name: 'PPO', what: 'plain PPO on the delayed reward' },
    { name: 'PPO + RUDDER (reward)', what: 'redistributed reward replaces the env reward before GAE where trusted; LSTM with fully connected gates; no trace; scale-free as below (the defaults since this run)', rudder: { mode: 'reward', trace: 0, fullyConnected: true } },
    { name: 'PPO + RUDDER (advantage)', what: "the Atari code's mix into the advantages (vf_contrib 0.5, trace 0.5); canonical LSTM; scale-free: RR divided by the advantages' std, trust ε = 0.1·E[G²], the LSTM's return scale the first non-zero |G| (the default until this run)", rudder: { mode: 'advantage' } },
    { name: 'PPO + RUDDER (advantage, Atari scale)', what: "the same with the Atari code's scale-dependent choices (RR raw, ε = √max(|avg G|, 1e-5), return scale 1): the default before the scale-free one", rudder: { mode: 'advantage', rrNormalization: 'none', trustEps: 'atari', returnScale: 1 } },
  ];
  const envKwargs = { reward: 'delayed', size: opts.size };
  // Seed by seed, the variants in order; with --jobs, that many runs at a time (each its own process, so the
  // per-seed results are those of one after another; only the wall times feel the neighbours).
  const cases = Array.from({ length: opts.seeds }, (_, i) => variants.map((v) => ({ v, seed: i + 1 }))).flat();
  const rows: { variant: string; seed: number; r: CaseResult; success: number }[] = await inPool(cases, opts.jobs, async ({ v, seed }) => {
    log(`${v.name}, KeyDoorTreasure-v0 ${opts.size}×${opts.size} delayed, seed ${seed}: ${opts.steps} steps …`);
    const r = await runCase({ envId: 'KeyDoorTreasure-v0', envKwargs, seed, totalTimesteps: opts.steps }, { size: opts.size }, v.rudder);
    const success = r.evalReturns!.filter((x) => x > 0).length / r.evalReturns!.length;
    log(`  ${v.name} seed ${seed}: success ${(100 * success).toFixed(0)} %, ${r.wall.toFixed(1)} s${r.rudder ? `, RUDDER q ${r.rudder.quality.toFixed(2)}` : ''}`);
    return { variant: v.name, seed, r, success };
  });
  const command = `npm run bench -- rudder --seeds ${opts.seeds} --steps ${opts.steps} --size ${opts.size}${opts.jobs > 1 ? ` --jobs ${opts.jobs}` : ''}`;
  writeResults('rudder', command, rows.map((x) => ({ variant: x.variant, seed: x.seed, success: x.success, wall: x.r.wall, sps: x.r.sps, rudder: x.r.rudder })));
  const pct = (x: number): string => `${(100 * x).toFixed(0)} %`;
  const body = [
    '## RUDDER with PPO (`npm run bench -- rudder`)',
    '',
    `Command: \`${command}\` · ${machineLine()} · per-seed results: bench/results/rudder.json`,
    '',
    `KeyDoorTreasure-v0 ${opts.size}×${opts.size} with the delayed reward (all of it at the last step), ${opts.steps.toLocaleString('en')} steps per run, CleanRL's PPO defaults. Success: share of 100 episodes of the trained policy (actions sampled) that reach the treasure; uniformly random actions reach it in ${pct(randomSuccess(100, opts.size))}.`,
    '',
    ...variants.map((v) => `- **${v.name}**: ${v.what}.`),
    '',
    table(['variant', ...Array.from({ length: opts.seeds }, (_, i) => `seed ${i + 1}`), 'median', 'mean', 'wall time per run (median)'],
      variants.map((v) => {
        const mine = rows.filter((x) => x.variant === v.name);
        const s = mine.map((x) => x.success);
        return [v.name, ...s.map(pct), pct(median(s)), pct(s.reduce((a, b) => a + b, 0) / s.length), `${median(mine.map((x) => x.r.wall)).toFixed(0)} s`];
      })),
  ].join('\n');
  writeSection('rudder', body);
  log('wrote BENCHMARKS.md (section rudder)');
}
