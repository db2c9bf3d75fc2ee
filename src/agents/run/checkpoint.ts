import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';

/**
 * Checkpoints in a run folder: `checkpoints/iter-000123/{state.json, tensors.bin}` plus a `latest.json`
 * pointer. A checkpoint is written into a temporary folder, fsynced, renamed into place, and only then is
 * the pointer moved (atomically), so a crash at any moment leaves the previous checkpoint usable. The two
 * newest checkpoints are kept.
 *
 * `tensors.bin` holds named float32 arrays back to back (little-endian); `state.json` lists their names and
 * lengths, their SHA-256, and whatever JSON state the caller saves with them.
 */
export interface CheckpointContents<S> {
  state: S;
  tensors: Record<string, Float32Array>;
}

interface StateFile<S> {
  format: 'rudder-checkpoint';
  version: 1;
  state: S;
  tensors: { name: string; length: number }[];
  sha256: string;
  bytes: number;
}

const KEEP = 2;

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Save `contents` as checkpoint `label` (e.g. `iter-000123`) under `runDir`; returns its folder. */
export function saveCheckpoint<S>(runDir: string, label: string, contents: CheckpointContents<S>, options: { pointer?: boolean } = {}): string {
  const root = join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const names = Object.keys(contents.tensors);
  const total = names.reduce((n, k) => n + contents.tensors[k]!.length, 0);
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  let off = 0;
  for (const k of names) {
    for (const v of contents.tensors[k]!) {
      view.setFloat32(off, v, true);
      off += 4;
    }
  }
  const file: StateFile<S> = {
    format: 'rudder-checkpoint',
    version: 1,
    state: contents.state,
    tensors: names.map((name) => ({ name, length: contents.tensors[name]!.length })),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  };
  const final = join(root, label);
  const tmp = join(root, `.${label}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  writeFileAtomic(join(tmp, 'tensors.bin'), bytes);
  writeFileAtomic(join(tmp, 'state.json'), `${JSON.stringify(file, null, 1)}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  if (options.pointer === false) return final; // e.g. `best`: kept beside the training checkpoints
  writeFileAtomic(join(root, 'latest.json'), `${JSON.stringify({ checkpoint: label })}\n`);
  // Keep the newest KEEP training checkpoints (iter-NNNNNNN labels sort by iteration).
  const iters = readdirSync(root).filter((d) => d.startsWith('iter-')).sort();
  for (const old of iters.slice(0, Math.max(0, iters.length - KEEP))) rmSync(join(root, old), { recursive: true, force: true });
  return final;
}

/** The label `latest.json` points to, or null when the run has no checkpoint. */
export function latestCheckpoint(runDir: string): string | null {
  const p = join(runDir, 'checkpoints', 'latest.json');
  if (!existsSync(p)) return null;
  try {
    const j = JSON.parse(readFileSync(p, 'utf8')) as { checkpoint?: unknown };
    if (typeof j.checkpoint === 'string') return j.checkpoint;
  } catch {
    // fall through to the error below
  }
  throw new CheckpointError(`${p} is corrupt: expected {"checkpoint": "<label>"}; checkpoints present: ${listCheckpoints(runDir).join(', ') || 'none'}`);
}

export function listCheckpoints(runDir: string): string[] {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((d) => !d.startsWith('.') && d !== 'latest.json').sort();
}

/**
 * Load checkpoint `label` (default: the latest) and verify it. A missing, truncated or altered file is a
 * CheckpointError that names the file, what is wrong, and the other checkpoints still on disk.
 */
export function loadCheckpoint<S>(runDir: string, label?: string): CheckpointContents<S> & { label: string } {
  const which = label ?? latestCheckpoint(runDir);
  if (which === null) throw new CheckpointError(`${runDir} has no checkpoint (no checkpoints/latest.json)`);
  const dir = join(runDir, 'checkpoints', which);
  const others = listCheckpoints(runDir).filter((c) => c !== which);
  // The CLI names a checkpoint with `train --resume <label>` and `eval --checkpoint <label>`.
  const use = '`rudder train --resume <label>` continues from one, `rudder eval --checkpoint <label>` evaluates one';
  if (!existsSync(dir)) {
    throw new CheckpointError(`${runDir} has no checkpoint ${which}${others.length ? `; its checkpoints: ${others.join(', ')} (${use})` : ' and no other checkpoint'}`);
  }
  const fail = (msg: string): never => {
    throw new CheckpointError(`checkpoint ${dir} is unusable: ${msg}${others.length ? `. Other checkpoints in this run: ${others.join(', ')} (${use})` : ''}`);
  };
  let file: StateFile<S>;
  try {
    file = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as StateFile<S>;
  } catch (e) {
    return fail(`state.json cannot be read as JSON (${(e as Error).message})`);
  }
  if (file.format !== 'rudder-checkpoint' || file.version !== 1) return fail(`state.json is not a rudder checkpoint of version 1 (format ${JSON.stringify(file.format)}, version ${JSON.stringify(file.version)})`);
  if (!Array.isArray(file.tensors) || typeof file.sha256 !== 'string') return fail('state.json lacks its tensor list or checksum');
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, 'tensors.bin'));
  } catch (e) {
    return fail(`tensors.bin cannot be read (${(e as Error).message})`);
  }
  if (bytes.length !== file.bytes) return fail(`tensors.bin has ${bytes.length} bytes, state.json says ${file.bytes} (truncated or replaced)`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== file.sha256) return fail(`tensors.bin does not match its SHA-256 (corrupted)`);
  const tensors: Record<string, Float32Array> = {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 0;
  for (const { name, length } of file.tensors) {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++, off += 4) a[i] = view.getFloat32(off, true);
    tensors[name] = a;
  }
  return { state: file.state, tensors, label: which };
}
