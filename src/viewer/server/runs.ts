/**
 * The runs a viewer serves: folders written by `rudder train` (config.json, metrics.jsonl, model/, demos/).
 * Each becomes a {@link ServedRun} with a stable id (its folder name, made unique); `info()` is re-read on
 * every call so a model or demonstration written while the viewer runs shows up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Discrete } from '../../envs/spaces/discrete.ts';
import { make } from '../../envs/core/registry.ts';
import type { RunInfo } from '../protocol.ts';

/** Folders under a run that hold recorded episodes (demonstration files), as `RunInfo.episodes` lists them. */
export const EPISODE_FOLDERS = ['demos', 'episodes'] as const;
/** What of a run folder the page may fetch over HTTP (`/runs/<id>/…`): the policy model and small text files. */
export const SERVED_RUN_FILES = { folders: ['model', ...EPISODE_FOLDERS], files: ['metrics.jsonl', 'summary.json', 'config.json', 'curve.svg'] } as const;
const DEFAULT_FPS = 10;

/** What an env tells the page about itself. */
export interface EnvFacts {
  actionNames: string[];
  fps: number;
}

/** Action names (`metadata.actionNames`, else `action_<i>` for a Discrete space) and playback fps of an env. */
export function envFacts(envId: string, envKwargs: Record<string, unknown>): EnvFacts {
  const env = make(envId, envKwargs);
  try {
    const names = env.metadata.actionNames;
    const space = env.actionSpace;
    const actionNames = names ? [...names] : space instanceof Discrete ? Array.from({ length: space.n }, (_, i) => `action_${i}`) : [];
    const fps = env.metadata.renderFps;
    return { actionNames, fps: typeof fps === 'number' && fps > 0 ? fps : DEFAULT_FPS };
  } finally {
    env.close();
  }
}

export class ServedRun {
  private facts: EnvFacts | null = null;
  private readonly jsonlCounts = new Map<string, { mtimeMs: number; size: number; count: number }>();

  constructor(readonly id: string, readonly dir: string | null, readonly envId: string, readonly envKwargs: Record<string, unknown>) {}

  /** The env's action names and fps (made once). */
  envFacts(): EnvFacts {
    return (this.facts ??= envFacts(this.envId, this.envKwargs));
  }

  /**
   * Recorded episodes, as paths relative to the run folder, in name order: `demos/x.json` for a one-episode
   * file, `demos/x.jsonl#k` for episode k (0-based, counting non-empty lines) of a `.jsonl` file.
   */
  episodes(): string[] {
    if (!this.dir) return [];
    const out: string[] = [];
    for (const folder of EPISODE_FOLDERS) {
      const d = join(this.dir, folder);
      let names: string[];
      try {
        names = readdirSync(d);
      } catch {
        continue;
      }
      for (const f of names.sort()) {
        if (f.startsWith('.')) continue;
        if (f.endsWith('.json')) out.push(`${folder}/${f}`);
        else if (f.endsWith('.jsonl')) for (let k = 0, n = this.jsonlEpisodes(join(d, f)); k < n; k++) out.push(`${folder}/${f}#${k}`);
      }
    }
    return out;
  }

  /** The non-empty lines of a `.jsonl` file (re-counted only when its size or time changes; 0 if unreadable). */
  private jsonlEpisodes(path: string): number {
    let st;
    try {
      st = statSync(path);
    } catch {
      return 0;
    }
    const known = this.jsonlCounts.get(path);
    if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known.count;
    let count = 0;
    try {
      count = countJsonlEpisodes(readFileSync(path, 'utf8'));
    } catch {
      count = 0;
    }
    this.jsonlCounts.set(path, { mtimeMs: st.mtimeMs, size: st.size, count });
    return count;
  }

  info(): RunInfo {
    const { actionNames, fps } = this.envFacts();
    return { id: this.id, envId: this.envId, envKwargs: this.envKwargs, actionNames, fps, episodes: this.episodes(), hasModel: this.dir !== null && (existsSync(join(this.dir, 'model', 'model.json')) || existsSync(join(this.dir, 'model', 'subgoals.json'))) }; // one policy, or sub-goal agents
  }
}

/** Episodes in a `.jsonl` demonstration file's text: its non-empty lines (demonstration.ts `loadDemonstrationFile`). */
export function countJsonlEpisodes(text: string): number {
  let n = 0;
  for (const line of text.split('\n')) if (line.trim() !== '') n++;
  return n;
}

/** A `RunInfo.episodes` path → the file (relative to the run) and, for a `.jsonl` file's episode, its index. */
export function splitEpisodePath(path: string): { file: string; index: number | null } {
  const m = /^(.*\.jsonl)#(0|[1-9]\d{0,8})$/.exec(path);
  return m ? { file: m[1]!, index: Number(m[2]) } : { file: path, index: null };
}

/** A run folder's env, from its config.json (or, failing that, summary.json); the error names what is missing. */
export function readRunEnv(dir: string): { envId: string; envKwargs: Record<string, unknown> } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: no such folder`);
  for (const [file, key] of [['config.json', 'envId'], ['summary.json', 'env']] as const) {
    const p = join(dir, file);
    if (!existsSync(p)) continue;
    let j: unknown;
    try {
      j = JSON.parse(readFileSync(p, 'utf8'));
    } catch (e) {
      throw new Error(`${p}: not JSON (${(e as Error).message})`);
    }
    const o = (typeof j === 'object' && j !== null ? j : {}) as Record<string, unknown>;
    if (typeof o[key] !== 'string') throw new Error(`${p}: no "${key}" naming the env`);
    const kw = o.envKwargs;
    return { envId: o[key], envKwargs: typeof kw === 'object' && kw !== null && !Array.isArray(kw) ? (kw as Record<string, unknown>) : {} };
  }
  throw new Error(`${dir}: not a run folder (no config.json or summary.json; \`rudder train --out ${dir}\` writes one)`);
}

/** A URL-safe id from a folder name, unique among `taken`. */
export function runId(name: string, taken: ReadonlySet<string>): string {
  const base = name.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || 'run';
  let id = base;
  for (let k = 2; taken.has(id); k++) id = `${base}-${k}`;
  return id;
}

/** The runs of `dirs`, each checked (a folder that is no run fails here, naming it). */
export function loadRuns(dirs: readonly string[], taken: Set<string> = new Set()): ServedRun[] {
  return dirs.map((d) => {
    const dir = resolve(d);
    const { envId, envKwargs } = readRunEnv(dir);
    const id = runId(basename(dir), taken);
    taken.add(id);
    const run = new ServedRun(id, dir, envId, envKwargs);
    run.envFacts(); // an env that no longer makes fails at start, not on the first hello
    return run;
  });
}

/** The run folders directly under `parent` (those with a config.json), for `rudder view` with no arguments. */
export function findRunDirs(parent: string): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names.sort().map((n) => join(parent, n)).filter((d) => existsSync(join(d, 'config.json')));
}
