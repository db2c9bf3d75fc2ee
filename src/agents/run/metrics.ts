import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, rmSync, statSync, truncateSync } from 'node:fs';
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
 * "checkpoint" | "start", …}`) and `metrics.csv` (one row per iteration, CSV_COLUMNS). Both are appended
 * to, a line per call, so a resumed run continues the same files and the same curve.
 *
 * The files hold exactly the run: each checkpoint records where they ended ({@link mark}), and a resume
 * from that checkpoint ({@link MetricsLog.cutBack}) cuts them back there, so what the interrupted session
 * wrote after its last checkpoint (and any line a crash cut short) is gone before the resumed session
 * writes it again. A fresh run ({@link MetricsLog.create}) refuses a folder that holds another run's metrics.
 */
export class MetricsLog {
  readonly jsonlPath: string;
  readonly csvPath: string;

  /**
   * Appends to the run folder's files as they are; `create` and `cutBack` are the checked ways in. Nothing
   * is written (not even the folder or the CSV header) before the first record, so a run that fails to
   * start leaves no files behind.
   */
  constructor(readonly runDir: string) {
    this.jsonlPath = join(runDir, 'metrics.jsonl');
    this.csvPath = join(runDir, 'metrics.csv');
  }

  /**
   * The metrics of a new run in `runDir`. A folder whose metrics hold another run's records (any JSONL line,
   * any CSV row past the header) is refused, naming the files: nothing already saved is overwritten.
   */
  static create(runDir: string): MetricsLog {
    if (MetricsLog.holdsRecords(runDir)) {
      const held = ['metrics.jsonl', 'metrics.csv'].filter((f) => existsSync(join(runDir, f)));
      throw new Error(`${runDir} already holds the metrics of another run (${held.join(', ')}) but no checkpoint to resume; delete them or choose another --out`);
    }
    rmSync(join(runDir, 'metrics.csv'), { force: true }); // at most a header, e.g. of a run that failed before its first iteration
    return new MetricsLog(runDir);
  }

  /** Whether `runDir` holds metrics records (a CSV header alone does not count). */
  static holdsRecords(runDir: string): boolean {
    const jsonl = join(runDir, 'metrics.jsonl'), csv = join(runDir, 'metrics.csv');
    return [jsonl, csv].some((f) => existsSync(f) && statSync(f).size > (f === csv ? headerBytes() : 0));
  }

  /**
   * Deletes the metrics of a run that is started over from scratch (it stopped before its first
   * checkpoint, so nothing can resume it), and the summary and curve built from them.
   */
  static clear(runDir: string): void {
    for (const f of ['metrics.jsonl', 'metrics.csv', 'summary.json', 'curve.svg']) rmSync(join(runDir, f), { force: true });
  }

  /**
   * For a run resumed from checkpoint `label`: cuts the files back to `mark` (where they ended when it was
   * saved). Call it once the checkpoint is accepted, before writing. Returns notes for the user when the
   * files did not reach the mark (then every complete line is kept) or when the checkpoint has no mark
   * (older checkpoints: only a cut-short last line is dropped), and whether anything was cut (then what
   * was built from the files, such as a summary, is out of date).
   */
  cutBack(mark: MetricsMark | undefined, label: string): { notes: string[]; cut: boolean } {
    const notes: string[] = [];
    let cut = false;
    for (const [path, at] of [[this.jsonlPath, mark?.jsonlBytes], [this.csvPath, mark?.csvBytes]] as const) {
      const name = path.slice(this.runDir.length + 1);
      const size = existsSync(path) ? statSync(path).size : 0;
      if (at !== undefined && size >= at) {
        if (size > at) {
          truncateSync(path, at);
          cut = true;
        }
        continue;
      }
      // No mark, or a file shorter than its mark (lost or edited): keep its complete lines.
      const keep = completeLinesBytes(path, size);
      if (keep < size) {
        truncateSync(path, keep);
        cut = true;
      }
      if (at === undefined) notes.push(`note: checkpoint ${label} does not record where ${name} ended (it predates that); kept its ${keep < size ? 'complete lines (dropped a cut-short last line)' : 'lines'}, so records written after the checkpoint may appear twice`);
      else notes.push(`note: ${name} is shorter than checkpoint ${label} recorded (${size} < ${at} bytes); kept its complete lines, so some records of the run are missing`);
    }
    return { notes, cut };
  }

  /** Where the files end now (recorded in each checkpoint). */
  mark(): MetricsMark {
    return { jsonlBytes: existsSync(this.jsonlPath) ? statSync(this.jsonlPath).size : 0, csvBytes: existsSync(this.csvPath) ? statSync(this.csvPath).size : 0 };
  }

  /** Flush both files to disk (before a checkpoint records their ends, so a power cut does not leave them shorter than recorded). */
  sync(): void {
    for (const p of [this.jsonlPath, this.csvPath]) {
      if (!existsSync(p)) continue;
      const fd = openSync(p, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  event(type: string, fields: Record<string, MetricValue>): void {
    mkdirSync(this.runDir, { recursive: true });
    appendFileSync(this.jsonlPath, `${JSON.stringify({ type, ...fields })}\n`);
  }

  iteration(row: Record<(typeof CSV_COLUMNS)[number], MetricValue>): void {
    this.event('iteration', row);
    const header = !existsSync(this.csvPath) || statSync(this.csvPath).size === 0 ? `${CSV_COLUMNS.join(',')}\n` : '';
    appendFileSync(this.csvPath, `${header}${CSV_COLUMNS.map((c) => csvCell(row[c])).join(',')}\n`);
  }
}

function csvCell(v: MetricValue): string {
  if (v === null || (typeof v === 'number' && Number.isNaN(v))) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(6);
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function headerBytes(): number {
  return Buffer.byteLength(`${CSV_COLUMNS.join(',')}\n`);
}

/** The bytes of `path` up to and including its last newline (0 if it has none). */
function completeLinesBytes(path: string, size: number): number {
  if (size === 0) return 0;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const n = readSync(fd, chunk, 0, end - start, start);
      const i = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (i >= 0) return start + i + 1;
      end = start;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}
