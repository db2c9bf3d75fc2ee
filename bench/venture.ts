import { machineLine, median, table, writeResults, writeSection } from './report.ts';
import { runCase, type CaseResult } from './ppo.ts';
import { inPool } from '../src/sweep/pool.ts';
import { VENTURE_PPO, ventureRandomReturns } from '../src/experiments/venture.ts';

/**
 * `npm run bench -- venture`: plain PPO (VENTURE_PPO, src/experiments/venture.ts) on Venture-v0's natural
 * reward, one run per seed (`--jobs N`: N at a time), each evaluated on 100 games with sampled actions (game i reset
 * with seed 5_000_000 + i), against uniformly random actions on the same 100 games and on 1000.
 * `kwargs` are Venture's options for training and evaluation alike ({}: the game's own rules).
 */
export async function runVentureBench(opts: { seeds: number; steps: number; kwargs: Record<string, unknown>; jobs: number }): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const mean = (a: readonly number[]): number => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
  const share = (a: readonly number[]): number => a.filter((x) => x > 0).length / Math.max(1, a.length);
  const random100 = ventureRandomReturns(100, 5_000_000, opts.kwargs);
  const random1000 = ventureRandomReturns(1000, 5_000_000, opts.kwargs);
  log(`random policy: mean ${mean(random100).toFixed(1)} over 100 games, ${mean(random1000).toFixed(1)} over 1000 (${(100 * share(random1000)).toFixed(1)} % score)`);
  const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
  // With --jobs, that many runs at a time, each its own process: the per-seed results are those of one after another.
  const runs: { seed: number; r: CaseResult; mean: number; scoring: number }[] = await inPool(seeds, opts.jobs, async (seed) => {
    log(`Venture-v0 ${JSON.stringify(opts.kwargs)} seed ${seed}: ${opts.steps} steps …`);
    const r = await runCase({ ...VENTURE_PPO, envKwargs: opts.kwargs, seed, totalTimesteps: opts.steps }, opts.kwargs);
    const ev = r.evalReturns!;
    log(`  seed ${seed}: mean ${mean(ev).toFixed(1)} over 100 sampled games (${(100 * share(ev)).toFixed(0)} % score), final 20-game training mean ${r.finalMean20.toFixed(1)}, ${r.wall.toFixed(0)} s`);
    return { seed, r, mean: mean(ev), scoring: share(ev) };
  });
  const kw = JSON.stringify(opts.kwargs);
  // The game's own rules and any gentler options each keep a section (and a results file) of their own.
  const name = kw === '{}' ? 'venture-default' : 'venture';
  const command = `npm run bench -- venture --venture-seeds ${opts.seeds} --venture-steps ${opts.steps}${kw === '{}' ? '' : ` --venture-kwargs '${kw}'`}${opts.jobs > 1 ? ` --jobs ${opts.jobs}` : ''}`;
  writeResults(name, command, {
    ppo: VENTURE_PPO, envKwargs: opts.kwargs,
    random: { returns100: random100, mean100: mean(random100), mean1000: mean(random1000), scoring1000: share(random1000) },
    runs: runs.map(({ seed, r, mean: m, scoring }) => ({ seed, mean: m, scoring, evalReturns: r.evalReturns, finalMean20: r.finalMean20, steps: r.steps, sps: r.sps, wall: r.wall, backend: r.backend })),
  });
  const means = runs.map((x) => x.mean);
  const r100 = mean(random100);
  const ratio = (m: number): string => (r100 > 0 ? `${(m / r100).toFixed(1)}×` : m > 0 ? '∞ (random 0)' : '–');
  const body = [
    `## Venture-v0${kw === '{}' ? ", the game's own rules" : ', gentler options'}: plain PPO on the natural reward (\`npm run bench -- venture\`)`,
    '',
    `Command: \`${command}\` · ${machineLine()} · backend ${runs[0]?.r.backend} · per-seed results: bench/results/${name}.json`,
    '',
    `Env options: ${kw === '{}' ? "none (the game's own rules: monster speeds 0.75, lingerSteps 80, 4 lives, 1000 steps)" : `\`${kw}\``}. ` +
      `PPO: \`VENTURE_PPO\` (src/experiments/venture.ts) = CleanRL's defaults with ${Object.entries(VENTURE_PPO).filter(([k]) => k !== 'envId').map(([k, v]) => `${k} ${String(v)}`).join(', ')}; ` +
      `${opts.steps.toLocaleString('en')} steps per seed. Score: mean return (game points) of 100 games of the trained policy with sampled actions, game i reset with seed 5,000,000 + i. ` +
      `Uniformly random actions on the same 100 games: **${r100.toFixed(1)}**; on 1000 games: ${mean(random1000).toFixed(1)} (${(100 * share(random1000)).toFixed(1)} % of games score anything).`,
    '',
    table(['seed', 'mean score (100 games)', 'games that score', 'vs random (100 games)', 'final 20-game training mean', 'training SPS', 'wall'],
      runs.map(({ seed, r, mean: m, scoring }) => [seed, m.toFixed(1), `${(100 * scoring).toFixed(0)} %`, ratio(m), r.finalMean20.toFixed(1), Math.round(r.sps), `${r.wall.toFixed(0)} s`])),
    '',
    `Over seeds: mean **${mean(means).toFixed(1)}**, median ${median(means).toFixed(1)}, min ${Math.min(...means).toFixed(1)}, max ${Math.max(...means).toFixed(1)}.`,
  ].join('\n');
  writeSection(name, body);
  log(`wrote BENCHMARKS.md (section ${name})`);
}
