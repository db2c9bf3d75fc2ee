import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';

/** The statistics live in src/stats (the sweep report uses them too); re-exported for the suites. */
export { median } from '../src/stats/summary.ts';

const FILE = resolve(import.meta.dirname, '..', 'BENCHMARKS.md');

/** Where and when a benchmark ran: the figures mean little without it. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  let commit = 'uncommitted';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return `${new Date().toISOString()} · commit ${commit} · node ${process.version} · ${os.availableParallelism()}× ${cpu} · load avg ${load}`;
}

/** Replace (or append) the `<!-- bench:NAME -->` section of BENCHMARKS.md, atomically. */
export function writeSection(name: string, body: string): void {
  const start = `<!-- bench:${name} -->`, end = `<!-- /bench:${name} -->`;
  const head = '# Benchmarks\n\nEvery figure here was written by the command named in its section, on the machine the section names.\nRatios are measured side by side in one run, since the machine is shared and its speed varies about 2× from day to day.\n';
  const old = existsSync(FILE) ? readFileSync(FILE, 'utf8') : head;
  const block = `${start}\n${body.trim()}\n${end}`;
  const i = old.indexOf(start), j = old.indexOf(end);
  const next = i >= 0 && j > i ? old.slice(0, i) + block + old.slice(j + end.length) : `${old.trimEnd()}\n\n${block}\n`;
  const tmp = `${FILE}.tmp-${process.pid}`;
  writeFileSync(tmp, next);
  renameSync(tmp, FILE);
}

/**
 * Per-seed results of a suite as JSON, `bench/results/<name>.json` (atomic), beside its BENCHMARKS.md section,
 * so a reader can recompute the table's statistics or compare runs.
 */
export function writeResults(name: string, command: string, results: unknown): void {
  const dir = resolve(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}.json`), tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ command, machine: machineLine(), results }, null, 1)}\n`);
  renameSync(tmp, file);
}

/** A markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function fmtRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}
