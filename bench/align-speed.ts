/**
 * `npm run bench -- align-speed [--rounds N]`: how fast Align-RUDDER's alignments run (issue 10 item 7), side
 * by side with ClustalW 2.1 (the reference's aligner, run as it runs it: a subprocess per call, process
 * start included) and with the straightforward implementation this code replaced (test/support/align-reference.ts,
 * same results, fresh tables per call).
 *
 * Sequences: ItemChain-v0's scripted expert with ε = 0.25 random actions (seeds 1–12 are the demos, 13–36
 * more expert episodes), and uniformly random episodes (seeds 101–108, 2,000 steps); events are the
 * actions' inventory effects (`info.events`: 5 collects, 8 crafts/places/smelt = 13 event kinds),
 * run-length compressed as events.ts does. Timed: the MSA of the 12 demos (msa.ts `multipleAlignment`);
 * per episode, the reference's profile alignment to the MSA (`profileAlignMsa`, what the redistribution
 * runs), the alignment to the PSSM (`profileAlign`) and all prefix scores (`prefixScores`).
 *
 * The machine is shared: the cases run in interleaved rounds after a warm-up; a round's figure is the mean over enough calls
 * to take ≥ 100 ms (ClustalW: at least 10 calls), and the table gives the median over rounds and the best round.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { make, Rng } from '../src/envs/index.ts';
import { ITEM_CHAIN_EVENTS, itemChainExpert } from '../src/envs/item-chain/index.ts';
import { compressRuns } from '../src/align/events.ts';
import { multipleAlignment, ZERO_GAPS } from '../src/align/msa.ts';
import { prefixScores, profileAlign, profileAlignMsa } from '../src/align/profile-align.ts';
import { buildPssm } from '../src/align/pssm.ts';
import { eventCounts, scoringMatrixCode, type ScoringMatrix } from '../src/align/scoring.ts';
import { refMultipleAlignment, refProfileAlignMsa } from '../test/support/align-reference.ts';
import { machineLine, median, table, writeResults, writeSection } from './report.ts';

/** The action events of ItemChain (collect, craft, place, smelt); `obtain_*` and failures are not events here. */
const EVENT_NAMES = ITEM_CHAIN_EVENTS.filter((e) => /^(collect|craft|place|smelt)_/.test(e));
const K = EVENT_NAMES.length;
/** The reference's symbols for event ids (rudder.md §3 (I)). */
const LETTERS = 'GALMFWKQESPVICYHRNDT';

/** One ItemChain episode's compressed event sequence: the expert with `noise` random actions, or random play. */
function episodeEvents(seed: number, policy: 'expert' | 'random', noise: number): Int32Array {
  const env = make('ItemChain-v0');
  env.reset({ seed });
  const expert = itemChainExpert(env), rng = new Rng(seed + 1000), labels: number[] = [];
  for (let done = false; !done;) {
    const a = policy === 'random' || rng.random() < noise ? rng.integer(14) : expert(undefined);
    const r = env.step(a);
    for (const e of r.info['events'] as readonly string[]) {
      const k = EVENT_NAMES.indexOf(e);
      if (k >= 0) labels.push(k);
    }
    done = r.terminated || r.truncated;
  }
  if (labels.length === 0) labels.push(0);
  return compressRuns(Int32Array.from(labels)).events;
}

interface Case { name: string; minCalls: number; run: () => void; perCall: number; warmup: number }

/** A timing window, long enough on a loaded machine for hundreds of calls, so JIT compiles (whose threads count as CPU time) are done. */
const WINDOW_MS = 100;

/**
 * Mean seconds per call over ≥ WINDOW_MS (or `minCalls` calls, whichever is more): wall time, and this process's
 * CPU time (user + system), which a loaded machine inflates less (a subprocess's CPU is not counted in it).
 */
function timeCase(c: Case): { wall: number; cpu: number } {
  let calls = 0;
  const c0 = process.cpuUsage(), t0 = performance.now();
  let t = t0;
  while (calls < c.minCalls || t - t0 < WINDOW_MS) {
    c.run();
    calls++;
    t = performance.now();
  }
  const cpu = process.cpuUsage(c0), n = calls * c.perCall;
  return { wall: (t - t0) / 1000 / n, cpu: (cpu.user + cpu.system) / 1e6 / n };
}

const fmt = (s: number): string => (s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(1)} µs`);

/** ClustalW's matrix file: our scores plus the reference's '*' symbol (−1 against an event, −0.1 in its row). */
function clustalMatrix(matrix: ScoringMatrix): string {
  const syms = [...LETTERS.slice(0, K), '*'];
  const lines = [`   ${syms.join('      ')}`];
  for (let i = 0; i <= K; i++) {
    const cells = syms.map((_, j) => (i === K ? -0.1 : j === K ? -1 : matrix.scores[i * K + j]!).toFixed(4).padStart(7));
    lines.push(`${syms[i]} ${cells.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

const fasta = (seqs: readonly Int32Array[], prefix: string): string => seqs.map((s, k) => `>${prefix}${k}\n${Array.from(s, (e) => LETTERS[e]).join('')}\n`).join('');

export async function runAlignSpeedBench(opts: { rounds: number }): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  if (K > LETTERS.length) throw new Error(`align-speed: ${K} events, ClustalW's alphabet here has ${LETTERS.length}`);
  const demos = Array.from({ length: 12 }, (_, k) => episodeEvents(k + 1, 'expert', 0.25));
  const expertQueries = [...demos, ...Array.from({ length: 24 }, (_, k) => episodeEvents(k + 13, 'expert', 0.25))];
  const randomQueries = Array.from({ length: 8 }, (_, k) => episodeEvents(k + 101, 'random', 0));
  const counts = eventCounts(demos, K), matrix = scoringMatrixCode(counts);
  const msa = multipleAlignment(demos, matrix);
  // Background: the demos' event counts, plus one so no event's frequency is 0.
  const pssm = buildPssm(msa, Float64Array.from(counts, (c) => c + 1));
  const lens = (q: Int32Array[]): string => `${Math.min(...q.map((s) => s.length))}–${Math.max(...q.map((s) => s.length))} (mean ${(q.reduce((a, s) => a + s.length, 0) / q.length).toFixed(1)})`;
  log(`demos: ${lens(demos)} events, MSA ${msa.columns} columns; random episodes ${lens(randomQueries)} events`);

  // ClustalW side by side: the reference's options (rudder.md §3 (III)), one subprocess per call.
  const dir = mkdtempSync(join(os.tmpdir(), 'align-speed-'));
  let clustal: { version: string; clustering: string } | null = null;
  const clustalCases: Case[] = [];
  try {
    const help = spawnSync('clustalw', ['-help'], { encoding: 'utf8' }); // exits 1 after printing its help
    if (help.error) throw help.error;
    const version = help.stdout.match(/CLUSTAL\s*([\d.]+)/i)?.[1] ?? '?';
    writeFileSync(join(dir, 'mat.txt'), clustalMatrix(matrix));
    writeFileSync(join(dir, 'demos.fa'), fasta(demos, 'd'));
    const common = ['-TYPE=PROTEIN', '-NEGATIVE', '-MATRIX=mat.txt', '-GAPOPEN=0', '-GAPEXT=0', '-NOPGAP', '-NOHGAP', '-NOVGAP', '-ENDGAPS'];
    const msaArgs = (clustering: string): string[] => ['-ALIGN', '-INFILE=demos.fa', `-CLUSTERING=${clustering}`, '-PWMATRIX=mat.txt', '-PWGAPOPEN=0', '-PWGAPEXT=0', '-MAXDIV=0', '-OUTPUT=GDE', '-OUTFILE=msa.gde', ...common];
    const runClustal = (args: string[]): number => spawnSync('clustalw', args, { cwd: dir, stdio: 'ignore' }).status ?? -1;
    // Debian's clustalw 2.1 crashes (SIGSEGV, exit 139) with -CLUSTERING=UPGMA on any input; then NJ, the default.
    const clustering = runClustal(msaArgs('UPGMA')) === 0 ? 'UPGMA' : 'NJ';
    if (runClustal(msaArgs(clustering)) !== 0) throw new Error(`clustalw -ALIGN failed with -CLUSTERING=${clustering}`);
    // The profile for profile mode: ClustalW's own alignment of the demos, in its native format.
    if (runClustal(msaArgs(clustering).map((a) => (a === '-OUTPUT=GDE' ? '-OUTPUT=CLUSTAL' : a === '-OUTFILE=msa.gde' ? '-OUTFILE=msa.aln' : a))) !== 0) throw new Error('clustalw: writing the profile failed');
    expertQueries.forEach((q, k) => writeFileSync(join(dir, `q${k}.fa`), fasta([q], 'q')));
    clustal = { version, clustering };
    clustalCases.push({ name: `ClustalW ${version} MSA (subprocess, -CLUSTERING=${clustering})`, minCalls: 10, perCall: 1, warmup: 2, run: () => void runClustal(msaArgs(clustering)) });
    let next = 0;
    clustalCases.push({
      name: 'ClustalW profile alignment (subprocess, -PROFILE)', minCalls: 10, perCall: 1, warmup: 2,
      run: () => {
        const k = next++ % expertQueries.length;
        if (runClustal(['-PROFILE', '-PROFILE1=msa.aln', `-PROFILE2=q${k}.fa`, '-OUTPUT=GDE', `-OUTFILE=p.gde`, ...common]) !== 0) throw new Error('clustalw -PROFILE failed');
      },
    });
  } catch (e) {
    log(`ClustalW not timed: ${(e as Error).message} (apt-get install clustalw)`);
  }

  const msaOpts = { gaps: ZERO_GAPS, pairwiseGaps: ZERO_GAPS };
  const perEpisode = (name: string, qs: Int32Array[], f: (q: Int32Array) => void, warmup = 300): Case => ({ name, minCalls: 1, perCall: qs.length, warmup, run: () => { for (const q of qs) f(q); } });
  const cases: Case[] = [
    { name: 'MSA of the 12 demos', minCalls: 1, perCall: 1, warmup: 1000, run: () => void multipleAlignment(demos, matrix, msaOpts) },
    { name: 'MSA of the 12 demos, before (straightforward)', minCalls: 1, perCall: 1, warmup: 50, run: () => void refMultipleAlignment(demos, matrix, ZERO_GAPS, ZERO_GAPS, 'identity') },
    perEpisode('profileAlignMsa per expert episode', expertQueries, (q) => void profileAlignMsa(q, msa, matrix, pssm)),
    perEpisode('profileAlignMsa per expert episode, before', expertQueries, (q) => void refProfileAlignMsa(q, msa, matrix, ZERO_GAPS), 30),
    perEpisode('profileAlign (PSSM) per expert episode', expertQueries, (q) => void profileAlign(q, pssm)),
    perEpisode('prefixScores per expert episode', expertQueries, (q) => void prefixScores(q, pssm)),
    perEpisode('profileAlignMsa per random episode', randomQueries, (q) => void profileAlignMsa(q, msa, matrix, pssm)),
    perEpisode('prefixScores per random episode', randomQueries, (q) => void prefixScores(q, pssm)),
    ...clustalCases,
  ];
  // Two phases of interleaved rounds: this code beside ClustalW, then the code before. The code before
  // allocates fresh tables per DP, and the garbage it leaves would be collected in the other cases' windows.
  const perRound: number[][] = cases.map(() => []), cpuRound: number[][] = cases.map(() => []);
  const before = (c: Case): boolean => c.name.includes('before');
  for (const phase of [false, true]) {
    const mine = cases.map((c, i) => ({ c, i })).filter(({ c }) => before(c) === phase);
    for (const { c } of mine) for (let w = 0; w < c.warmup; w++) c.run(); // JIT warm-up
    for (let r = 0; r < opts.rounds; r++) {
      for (const { c, i } of mine) {
        // Untimed settling calls first: after ClustalW's fork the process's pages are copy-on-write, and the
        // first write to each costs a page fault, which would be charged to the next case.
        for (let w = 0; w < c.warmup / 10; w++) c.run();
        const { wall, cpu } = timeCase(c);
        perRound[i]!.push(wall);
        cpuRound[i]!.push(cpu);
      }
      log(`round ${r + 1}/${opts.rounds}: ${mine.map(({ c, i }) => `${c.name} ${fmt(perRound[i]![r]!)}`).join('; ')}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });

  const med = perRound.map((xs) => median(xs)), best = perRound.map((xs) => Math.min(...xs));
  const idx = (name: string): number => cases.findIndex((c) => c.name.startsWith(name));
  const iMsa = idx('MSA of the 12 demos'), iProf = idx('profileAlignMsa per expert episode');
  const iCwMsa = idx('ClustalW') , iCwProf = idx('ClustalW profile');
  const met = (ok: boolean): string => (ok ? 'met' : 'not met');
  const ratio = (slow: number, fast: number): string => (slow >= 0 && fast >= 0 ? `${(med[slow]! / med[fast]!).toFixed(0)}×` : '–');
  const medCpu = cpuRound.map((xs) => median(xs));
  const rows = cases.map((c, i) => [c.name, fmt(med[i]!), fmt(best[i]!), c.name.startsWith('ClustalW') ? '–' : fmt(medCpu[i]!)]);
  const command = `npm run bench -- align-speed --rounds ${opts.rounds}`;
  writeResults('align-speed', command, {
    events: EVENT_NAMES, demos: demos.map((d) => Array.from(d)), msaColumns: msa.columns,
    expertQueryLengths: expertQueries.map((q) => q.length), randomQueryLengths: randomQueries.map((q) => q.length),
    clustal, wallSecondsPerCall: Object.fromEntries(cases.map((c, i) => [c.name, perRound[i]])), cpuSecondsPerCall: Object.fromEntries(cases.map((c, i) => [c.name, cpuRound[i]])),
  });
  const body = [
    '## Alignment speed (`npm run bench -- align-speed`)',
    '',
    `Command: \`${command}\` · ${machineLine()} · per-round figures: bench/results/align-speed.json`,
    '',
    `ItemChain-v0 event sequences (13 event kinds: the actions' collects, crafts, places and smelts, run-length compressed): 12 demos of the scripted expert with ε = 0.25 random actions, ${lens(demos)} events, aligned into ${msa.columns} columns with the reference's code matrix and zero gap costs; per-episode cases over 36 such expert episodes (the 12 demos among them) and 8 random-policy episodes of ${lens(randomQueries)} events. Each figure: median over ${opts.rounds} interleaved rounds (this code and ClustalW in one set of rounds, then the code before in its own, since its garbage would be collected in the others' windows) (and the best round) of the mean wall time per call (per episode) over ≥ 100 ms (ClustalW: at least 10 calls), after a warm-up of 1,000 MSAs / 300 passes over the episodes, and the median of this process's CPU time per call, which the shared machine's load inflates less (load average at the start: ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores). "Before" is the straightforward implementation this code replaced (test/support/align-reference.ts; test/align-fast-path.test.ts checks the two give identical alignments and scores). ClustalW runs as the reference runs it, one subprocess per call, process start included, with the reference's options (gap costs 0, -NEGATIVE, the same matrix with its '*' row, -NOPGAP -NOHGAP -NOVGAP -ENDGAPS -MAXDIV=0)${clustal?.clustering === 'NJ' ? ' except -CLUSTERING=NJ: the installed clustalw 2.1 crashes (SIGSEGV) with UPGMA on any input' : ''}; its profile alignment aligns one episode to its own MSA of the demos (-PROFILE).`,
    '',
    table(['case', 'median (wall)', 'best round (wall)', 'median CPU time'], rows),
    '',
    `Targets (issue 10 item 7), medians of this run: MSA ≤ 0.2 ms: ${fmt(med[iMsa]!)} (${met(med[iMsa]! <= 2e-4)}); profile alignment ≤ 20 µs per episode: ${fmt(med[iProf]!)} (${met(med[iProf]! <= 2e-5)}); ≥ 50× ClustalW: MSA ${ratio(iCwMsa, iMsa)}, profile alignment ${ratio(iCwProf, iProf)}; against the code before: MSA ${ratio(idx('MSA of the 12 demos, before'), iMsa)}, profile alignment ${ratio(idx('profileAlignMsa per expert episode, before'), iProf)}.`,
  ].join('\n');
  writeSection('align-speed', body);
  log(`wrote BENCHMARKS.md (section align-speed) and bench/results/align-speed.json`);
}
