import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a run's metrics files ended when a checkpoint was saved (bytes of each): a resume from that
 * checkpoint cuts them back to it, so they hold exactly the run (see MetricsLog.open).
 */
export interface MetricsMark {
  jsonlBytes: number;
  csvBytes: number;
}

export type MetricValue = number | string | boolean | null;

/** The iteration columns of metrics.csv, in order (CleanRL's scalars plus the run's bookkeeping). */
export const CSV_COLUMNS = [
  'iteration', 'global_step', 'time_s', 'sps', 'episode_return', 'episode_length', 'episodes', 'learning_rate',
  'policy_loss', 'value_loss', 'entropy', 'old_approx_kl', 'approx_kl', 'clip_frac', 'explained_variance', 'backend',
] as const;

/**
 * A run's metrics: `metrics.jsonl` (one JSON object per line: `{"type": "iteration" | "episode" | "eval" |
 * "checkpoint", …}`) and `metrics.csv` (one row per iteration, CSV_COLUMNS). Both are appended to, so a
 * resumed run continues the same files and the same curve.
 */
export class MetricsLog {
  readonly jsonlPath: string;
  readonly csvPath: string;

  constructor(readonly runDir: string) {
    mkdirSync(runDir, { recursive: true });
    this.jsonlPath = join(runDir, 'metrics.jsonl');
    this.csvPath = join(runDir, 'metrics.csv');
    if (!existsSync(this.csvPath)) appendFileSync(this.csvPath, `${CSV_COLUMNS.join(',')}\n`);
  }

  event(type: string, fields: Record<string, MetricValue>): void {
    appendFileSync(this.jsonlPath, `${JSON.stringify({ type, ...fields })}\n`);
  }

  iteration(row: Record<(typeof CSV_COLUMNS)[number], MetricValue>): void {
    this.event('iteration', row);
    appendFileSync(this.csvPath, `${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`);
  }
}

function csvCell(v: MetricValue): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
