/**
 * `rudder report DIR`: a sweep's arms compared over seeds. Per arm, the final metric (the mean return of
 * the last 20 episodes, from each run's summary.json) and the environment steps until that mean first
 * reached the threshold (censored, +∞, when it never did): median, mean and IQR, and the Mann–Whitney U
 * test against the baseline arm; the learning curves as medians with quartile bands (curves.svg).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../agents/run/atomic.ts';
import { RETURN_WINDOW } from '../agents/ppo/config.ts';
import { mannWhitneyU, quantile, summarize, type MannWhitneyResult, type Summary } from '../stats/index.ts';
import { bandPlotSvg, fmt, type BandSeries } from './curves-svg.ts';
import { finishedRun } from './run-one.ts';
import { sweepRuns, type Sweep } from './spec.ts';

/** Points of each learning curve on the shared step axis. */
const CURVE_POINTS = 100;

export interface ArmReport {
  arm: string;
  /** Seeds with a finished run, and those without (not run, running or failed). */
  seeds: number[];
  missing: number[];
  final: Summary;
  /** Steps to the threshold per seed (null: not reached), and their summary with +∞ for those. */
  steps: (number | null)[] | null;
  stepsSummary: Summary | null;
  /** Against the baseline (null for the baseline itself or without runs). */
  finalTest: MannWhitneyResult | null;
  stepsTest: MannWhitneyResult | null;
}

export interface SweepReport {
  sweep: string;
  baseline: string;
  threshold: number | null;
  arms: ArmReport[];
}

/** The sweep a `rudder sweep` wrote into `dir` (its sweep.json). */
export function readSweepDir(dir: string): Sweep {
  const file = join(dir, 'sweep.json');
  if (!existsSync(file)) throw new Error(`${dir} holds no sweep.json: give the folder a sweep wrote (its "out")`);
  // Its runs are under dir, wherever the sweep folder was when it ran.
  return { ...(JSON.parse(readFileSync(file, 'utf8')) as Sweep), out: resolve(dir) };
}

/** Episode returns of a run, in order, with the step each ended at. */
function readEpisodes(dir: string): { step: number; ret: number }[] {
  const out: { step: number; ret: number }[] = [];
  for (const line of readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n')) {
    if (!line.includes('"type":"episode"')) continue;
    const e = JSON.parse(line) as { global_step: number; return: number };
    out.push({ step: e.global_step, ret: e.return });
  }
  return out;
}

/** Running mean of the last RETURN_WINDOW returns (fewer at the start), per episode. */
function smoothed(eps: readonly { step: number; ret: number }[]): Float64Array {
  const m = new Float64Array(eps.length);
  let sum = 0;
  for (let i = 0; i < eps.length; i++) {
    sum += eps[i]!.ret;
    if (i >= RETURN_WINDOW) sum -= eps[i - RETURN_WINDOW]!.ret;
    m[i] = sum / Math.min(i + 1, RETURN_WINDOW);
  }
  return m;
}

/** The step at which the mean of the last RETURN_WINDOW returns first reached the threshold (as --stop-at counts), or null. */
export function stepsToThreshold(eps: readonly { step: number; ret: number }[], threshold: number): number | null {
  const m = smoothed(eps);
  for (let i = RETURN_WINDOW - 1; i < eps.length; i++) if (m[i]! >= threshold) return eps[i]!.step;
  return null;
}

export function buildReport(s: Sweep, opts: { baseline?: string; threshold?: number | null } = {}): { report: SweepReport; curves: BandSeries[] } {
  const baseline = opts.baseline ?? s.arms[0]!.name;
  if (!s.arms.some((a) => a.name === baseline)) throw new Error(`--baseline ${baseline}: sweep ${s.name} has no such arm (arms: ${s.arms.map((a) => a.name).join(', ')})`);
  const runs = sweepRuns(s);
  const finals = new Map<string, number[]>(), episodes = new Map<string, { step: number; ret: number }[][]>(), seeds = new Map<string, number[]>(), missing = new Map<string, number[]>();
  let threshold = opts.threshold ?? s.threshold ?? null;
  for (const a of s.arms) for (const m of [finals, episodes, seeds, missing]) m.set(a.name, []);
  for (const r of runs) {
    const done = finishedRun(s, r);
    if (!done) {
      missing.get(r.arm)!.push(r.seed);
      continue;
    }
    seeds.get(r.arm)!.push(r.seed);
    finals.get(r.arm)!.push(done.meanReturnLast20 ?? NaN);
    episodes.get(r.arm)!.push(readEpisodes(r.dir));
    if (threshold === null) threshold = (JSON.parse(readFileSync(join(r.dir, 'summary.json'), 'utf8')) as { rewardThreshold: number | null }).rewardThreshold;
  }
  const steps = new Map(s.arms.map((a) => [a.name, threshold === null ? null : episodes.get(a.name)!.map((e) => stepsToThreshold(e, threshold!))]));
  const inf = (v: (number | null)[]): number[] => v.map((x) => x ?? Infinity);
  const test = (a: number[], b: number[]): MannWhitneyResult | null => (a.length && b.length ? mannWhitneyU(a, b) : null);
  const arms: ArmReport[] = s.arms.map((a) => {
    const f = finals.get(a.name)!, st = steps.get(a.name)!;
    const isBase = a.name === baseline;
    return {
      arm: a.name, seeds: seeds.get(a.name)!, missing: missing.get(a.name)!,
      final: summarize(f), steps: st, stepsSummary: st ? summarize(inf(st)) : null,
      finalTest: isBase ? null : test(f, finals.get(baseline)!),
      stepsTest: isBase || !st ? null : test(inf(st), inf(steps.get(baseline)!)),
    };
  });
  // Curves: every run's smoothed return at shared step points (the last episode at or before each point).
  const maxStep = Math.max(1, ...[...episodes.values()].flat().map((e) => e.at(-1)?.step ?? 0));
  const grid = Array.from({ length: CURVE_POINTS }, (_, i) => ((i + 1) / CURVE_POINTS) * maxStep);
  const curves = s.arms.map((a): BandSeries => {
    const per = episodes.get(a.name)!.map((eps) => ({ eps, m: smoothed(eps) }));
    const med: number[] = [], q1: number[] = [], q3: number[] = [];
    for (const x of grid) {
      const vals: number[] = [];
      for (const { eps, m } of per) {
        let j = -1;
        while (j + 1 < eps.length && eps[j + 1]!.step <= x) j++;
        if (j >= 0) vals.push(m[j]!);
      }
      med.push(vals.length ? quantile(vals, 0.5) : NaN);
      q1.push(vals.length ? quantile(vals, 0.25) : NaN);
      q3.push(vals.length ? quantile(vals, 0.75) : NaN);
    }
    return { name: a.name, x: grid, median: med, q1, q3 };
  });
  return { report: { sweep: s.name, baseline, threshold, arms }, curves };
}

const num = (v: number): string => (v === Infinity ? '∞' : Number.isNaN(v) ? '-' : fmt(v));
const pval = (t: MannWhitneyResult | null): string => (t ? `${t.p < 0.001 ? t.p.toExponential(1) : t.p.toFixed(3)} (${t.method})` : '–');

/** The report as a markdown table and notes. */
export function formatReport(r: SweepReport): string {
  const head = ['arm', 'seeds', 'final return: median', 'mean', 'IQR', `p vs ${r.baseline}`];
  if (r.threshold !== null) head.push(`steps to ${fmt(r.threshold)}: reached`, 'median', 'mean', 'IQR', `p vs ${r.baseline}`);
  const rows = r.arms.map((a) => {
    const row = [a.arm, `${a.seeds.length}${a.missing.length ? ` (${a.missing.length} missing)` : ''}`, num(a.final.median), num(a.final.mean), `${num(a.final.iqr)} [${num(a.final.q1)}, ${num(a.final.q3)}]`, pval(a.finalTest)];
    if (a.stepsSummary && a.steps) {
      const s = a.stepsSummary;
      row.push(`${a.steps.filter((x) => x !== null).length}/${a.steps.length}`, num(s.median), num(s.mean), `${num(s.iqr)} [${num(s.q1)}, ${num(s.q3)}]`, pval(a.stepsTest));
    }
    return row;
  });
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  const missing = r.arms.filter((a) => a.missing.length).map((a) => `${a.arm}: seeds ${a.missing.join(', ')}`);
  return [
    `Sweep ${r.sweep}: per arm over seeds, the mean return of the last ${RETURN_WINDOW} episodes at the end of training${r.threshold !== null ? `, and the environment steps until that mean first reached ${fmt(r.threshold)} (∞: not reached; such runs rank last)` : ''}.`,
    `p: two-sided Mann–Whitney U against ${r.baseline} (exact permutation distribution with ties up to 50 runs, else the normal approximation with tie correction).`,
    '',
    line(head), line(head.map(() => '---')), ...rows.map(line),
    ...(missing.length ? ['', `Not finished (left out): ${missing.join('; ')}.`] : []),
  ].join('\n');
}

/** Write report.md, report.json and curves.svg into the sweep folder; returns the markdown. */
export function writeReport(dir: string, opts: { baseline?: string; threshold?: number | null } = {}): string {
  const s = readSweepDir(dir);
  const { report, curves } = buildReport(s, opts);
  const md = formatReport(report);
  writeFileAtomic(join(dir, 'report.md'), `${md}\n`);
  writeFileAtomic(join(dir, 'report.json'), `${JSON.stringify(report, (_, v: unknown) => (v === Infinity ? 'Infinity' : v), 2)}\n`);
  writeFileAtomic(join(dir, 'curves.svg'), bandPlotSvg(curves, {
    title: `${s.name}: learning curves`, subtitle: `mean return of the last ${RETURN_WINDOW} episodes; median and quartiles over seeds`,
    xLabel: 'environment steps', yLabel: 'episode return', threshold: report.threshold,
  }));
  return md;
}
