/**
 * A benchmark case in a node process of its own: a fresh JIT and heap per run (as a user's training process
 * has), and no state shared between runs, so `--jobs N` can run N cases at a time through the sweeps' pool
 * (`inPool`, src/sweep/pool.ts) and each case's result is the one it gives alone.
 *
 * A case script takes its input as JSON arguments and prints its result as the last line of stdout, written
 * with {@link caseJson} so that NaN and ±Infinity (JSON has neither) come back as the numbers they were.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

/** JSON with non-finite numbers kept as `{ "$number": "NaN" }` (read back by {@link runChildCase}). */
export function caseJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v));
}

function revive(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$number === 'string' && Object.keys(o).length === 1) return Number(o.$number);
  }
  return v;
}

/** Run `script` (a path under the repo) with `args`; its last stdout line parsed, and the wall time in seconds. */
export async function runChildCase<R>(script: string, args: string[]): Promise<R & { wall: number }> {
  const t0 = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', resolve(ROOT, script), ...args], { cwd: ROOT, maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return { ...(JSON.parse(last, revive) as R), wall };
  } catch {
    throw new Error(`${script} ${args.join(' ')}: expected a JSON result as its last line, got: ${last.slice(0, 200)}`);
  }
}
