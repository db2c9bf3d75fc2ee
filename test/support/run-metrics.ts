import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Columns and fields that measure wall-clock time, which no two runs share. */
const TIMING = new Set(['time_s', 'sps']);

/**
 * A run folder's metrics with what legitimately differs between an interrupted and an uninterrupted run
 * taken out: the wall-clock columns, the run folder's name in checkpoint paths, and the `start` lines each session writes. What is left must be
 * identical. Also the iteration numbers of metrics.jsonl and metrics.csv, to check each appears once, in order.
 */
export function exactRunMetrics(dir: string): { jsonl: unknown[]; csv: string[][]; iterations: number[]; csvIterations: number[] } {
  const jsonl = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.type !== 'start')
    .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !TIMING.has(k))
      // Checkpoint paths are inside the run folder, whose name differs between runs.
      .map(([k, v]) => [k, k === 'path' && typeof v === 'string' && v.startsWith(dir) ? v.slice(dir.length) : v])));
  const [header, ...rows] = readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split(','));
  const keep = header!.map((c, i) => (TIMING.has(c) ? -1 : i)).filter((i) => i >= 0);
  const csv = [header!, ...rows].map((r) => keep.map((i) => r[i]!));
  return {
    jsonl, csv,
    iterations: jsonl.filter((r) => r.type === 'iteration').map((r) => r.iteration as number),
    csvIterations: rows.map((r) => Number(r[0])),
  };
}
