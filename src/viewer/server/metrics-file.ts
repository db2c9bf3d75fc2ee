/** A run's metrics.jsonl as rows for the page (a torn last line, being written, is skipped). */
import { readFileSync } from 'node:fs';
import type { MetricsRow } from './live-source.ts';

/** Rows per `metrics` message, so one message stays small whatever the run's length. */
export const METRICS_CHUNK = 2000;

export function readMetricsRows(path: string): MetricsRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const rows: MetricsRow[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) continue;
    rows.push(flatRow(o as Record<string, unknown>));
  }
  return rows;
}

/** Keeps the scalar fields of a row (the protocol's rows hold numbers, strings, booleans and null). */
export function flatRow(o: Record<string, unknown>): MetricsRow {
  const row: MetricsRow = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') row[k] = v;
  }
  return row;
}
