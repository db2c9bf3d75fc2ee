import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { inPool } from '../src/sweep/pool.ts';
import { machineLine, median, table, writeResults, writeSection } from './report.ts';
import { runCase, type CaseResult } from './ppo.ts';
import { VENTURE_EASY, VENTURE_PPO, VENTURE_RUDDER } from '../src/experiments/venture.ts';

/**
 * `npm run bench -- rudder --task bowling|venture`: the papers' headline comparison on our Atari-like games
 * (rudder.md §2.2: Bowling 192 vs PPO 56, Venture 1,350 vs 820). Three arms, seed for seed, the same PPO
 * settings: PPO on the delayed reward (the whole score at the game's end), PPO + RUDDER (the defaults) on
 * the delayed reward, and PPO on the natural reward (points when scored) as the oracle. The score of a run:
 * the mean of 100 games of the trained policy with sampled actions (the return is the same under both rewards).
 */
export interface GameTask {
  envId: string;
  /** PPO settings beyond CleanRL's defaults (the same in every arm). */
  ppo: Record<string, unknown>;
  /** The env's kwargs besides `reward`. */
  kwargs: Record<string, unknown>;
  /** RUDDER's settings over its defaults. */
  rudder: Record<string, unknown>;
  targets: { ratio: number; oracleShare: number | null; wins: number | null };
}

export const GAME_TASKS: Record<string, GameTask> = {
  bowling: { envId: 'Bowling-v0', ppo: {}, kwargs: {}, rudder: {}, targets: { ratio: 3, oracleShare: 0.7, wins: 8 } },
  // Venture: the settings and the gentler rules under which plain PPO learns the natural reward (BENCHMARKS.md "venture"),
  // RUDDER's LSTM input and training as src/experiments/venture.ts says why.
  venture: { envId: 'Venture-v0', ppo: { ...VENTURE_PPO }, kwargs: { ...VENTURE_EASY }, rudder: { ...VENTURE_RUDDER }, targets: { ratio: 1.5, oracleShare: null, wins: null } },
};

const ARMS = [
  { name: 'PPO, delayed', reward: 'delayed', rudder: false },
  { name: 'PPO + RUDDER, delayed', reward: 'delayed', rudder: true },
  { name: 'PPO, natural (oracle)', reward: 'natural', rudder: false },
] as const;

interface Row { arm: string; seed: number; score: number; r: CaseResult }

interface SavedRow { arm: string; seed: number; score: number; finalMean20: number; wall: number; sps: number; rudder: CaseResult['rudder'] }

/**
 * `rerun`: the saved runs (bench/results/rudder-NAME.json, same steps) of every arm but this one are kept,
 * and this arm's runs are made again (after a fix to it). Throws when the saved file does not fit.
 */
function keptRows(name: string, opts: { seeds: number; steps: number; rerun: string }): Row[] {
  if (!ARMS.some((a) => a.name === opts.rerun)) throw new Error(`--rerun: no arm named "${opts.rerun}" (arms: ${ARMS.map((a) => a.name).join(', ')})`);
  const file = resolve(import.meta.dirname, 'results', `rudder-${name}.json`);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as { command: string; results: SavedRow[] };
  if (!saved.command.includes(`--steps ${opts.steps}`)) throw new Error(`--rerun: ${file} was made with other settings (${saved.command})`);
  const rows = saved.results.filter((x) => x.arm !== opts.rerun && x.seed <= opts.seeds).map((x) => ({ arm: x.arm, seed: x.seed, score: x.score, r: { finalMean20: x.finalMean20, wall: x.wall, sps: x.sps, rudder: x.rudder } as CaseResult }));
  if (rows.length !== (ARMS.length - 1) * opts.seeds) throw new Error(`--rerun: ${file} has ${rows.length} runs of the other arms, ${(ARMS.length - 1) * opts.seeds} needed`);
  return rows;
}

export async function runGameBench(name: string, opts: { seeds: number; steps: number; jobs: number; rerun?: string }): Promise<void> {
  const task = GAME_TASKS[name];
  if (!task) throw new Error(`rudder --task ${name}: unknown (known: kdt, ${Object.keys(GAME_TASKS).join(', ')})`);
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const kept: Row[] = opts.rerun !== undefined ? keptRows(name, { ...opts, rerun: opts.rerun }) : [];
  // Seed-major order, so that a busy spell of the machine slows every arm alike.
  const jobs = Array.from({ length: opts.seeds }, (_, i) => ARMS.map((arm) => ({ arm, seed: i + 1 }))).flat().filter((j) => opts.rerun === undefined || j.arm.name === opts.rerun);
  const ran: Row[] = await inPool(jobs, opts.jobs, async ({ arm, seed }) => {
    const kwargs = { ...task.kwargs, reward: arm.reward };
    log(`${arm.name}, ${task.envId}, seed ${seed}: ${opts.steps.toLocaleString('en')} steps …`);
    const r = await runCase({ envId: task.envId, envKwargs: kwargs, seed, totalTimesteps: opts.steps, ...task.ppo }, kwargs, arm.rudder ? task.rudder : undefined);
    const score = r.evalReturns!.reduce((a, b) => a + b, 0) / r.evalReturns!.length;
    log(`  ${arm.name} seed ${seed}: score ${score.toFixed(1)}, ${r.wall.toFixed(0)} s${r.rudder ? `, RUDDER q ${r.rudder.quality.toFixed(2)}` : ''}`);
    return { arm: arm.name, seed, score, r };
  });
  const rows = [...kept, ...ran];
  rows.sort((a, b) => a.seed - b.seed || ARMS.findIndex((x) => x.name === a.arm) - ARMS.findIndex((x) => x.name === b.arm));
  const command = `npm run bench -- rudder --task ${name} --seeds ${opts.seeds} --steps ${opts.steps}${opts.jobs > 1 ? ` --jobs ${opts.jobs}` : ''}${opts.rerun !== undefined ? ` --rerun '${opts.rerun}'` : ''}`;
  const file = `rudder-${name}`;
  writeResults(file, command, rows.map((x) => ({ arm: x.arm, seed: x.seed, score: x.score, finalMean20: x.r.finalMean20, wall: x.r.wall, sps: x.r.sps, rudder: x.r.rudder })));

  const of = (arm: string): Row[] => rows.filter((x) => x.arm === arm);
  const [delayed, rudder, oracle] = ARMS.map((a) => of(a.name));
  const med = (xs: Row[]): number => median(xs.map((x) => x.score));
  const mean = (xs: Row[]): number => xs.reduce((p, x) => p + x.score, 0) / xs.length;
  const ratio = med(rudder!) / Math.max(1e-9, med(delayed!));
  const share = med(rudder!) / Math.max(1e-9, med(oracle!));
  const wins = rudder!.filter((x) => x.score > (delayed!.find((d) => d.seed === x.seed)?.score ?? Infinity)).length;
  const wall = (xs: Row[]): number => median(xs.map((x) => x.r.wall));
  const t = task.targets;
  const verdict = (ok: boolean): string => (ok ? 'met' : 'not met');
  const body = [
    `## RUDDER with PPO on ${task.envId} (\`npm run bench -- rudder --task ${name}\`)`,
    '',
    `Command: \`${command}\` · ${machineLine()} · per-seed results: bench/results/${file}.json`,
    '',
    `${opts.steps.toLocaleString('en')} steps per run, CleanRL's PPO defaults${Object.keys(task.ppo).length ? ` with ${JSON.stringify(task.ppo)}` : ''}${Object.keys(task.kwargs).length ? `, env ${JSON.stringify(task.kwargs)}` : ''}; RUDDER with its defaults${Object.keys(task.rudder).length ? ` and ${JSON.stringify(task.rudder)}` : ''}. Score: mean of 100 games of the trained policy (actions sampled). Delayed: the whole score paid at the game's end; natural: points paid when scored (the oracle).`,
    '',
    table(['arm', ...Array.from({ length: opts.seeds }, (_, i) => `seed ${i + 1}`), 'median', 'mean', 'wall time per run (median)'],
      ARMS.map((a) => {
        const mine = of(a.name);
        const s = mine.map((x) => x.score);
        return [a.name, ...s.map((x) => x.toFixed(1)), median(s).toFixed(1), (s.reduce((p, q) => p + q, 0) / s.length).toFixed(1), `${wall(mine).toFixed(0)} s`];
      })),
    '',
    med(delayed!) > 0
      ? `- Median PPO + RUDDER / median delayed PPO: **${ratio.toFixed(2)}×** (target ≥ ${t.ratio}×: ${verdict(ratio >= t.ratio)}).`
      : `- Median delayed PPO is ${med(delayed!).toFixed(1)}, so the ratio of medians is undefined (target ≥ ${t.ratio}×: not shown); medians ${med(rudder!).toFixed(1)} vs ${med(delayed!).toFixed(1)}, means ${mean(rudder!).toFixed(1)} vs ${mean(delayed!).toFixed(1)}.`,
    t.oracleShare !== null ? `- Median PPO + RUDDER / median oracle: **${(100 * share).toFixed(0)} %** (target ≥ ${100 * t.oracleShare} %: ${verdict(share >= t.oracleShare)}).` : `- Median PPO + RUDDER / median oracle: ${(100 * share).toFixed(0)} %.`,
    `- PPO + RUDDER better than delayed PPO on **${wins} of ${opts.seeds}** paired seeds${t.wins !== null ? ` (target ≥ ${t.wins} of 10: ${verdict(wins >= t.wins * (opts.seeds / 10))})` : ''}.`,
    `- Wall time, PPO + RUDDER / delayed PPO (medians, same runs): **${(wall(rudder!) / wall(delayed!)).toFixed(2)}×** (target ≤ 1.5×${opts.jobs > 1 ? `; ${opts.jobs} runs at a time` : ''})${opts.rerun !== undefined ? `; not a fair ratio here: the "${opts.rerun}" runs were made again later, on a differently loaded machine` : ''}.`,
  ].join('\n');
  writeSection(file, body);
  log(`wrote BENCHMARKS.md (section ${file})`);
}
