/**
 * Maps a URL path onto a file inside one served folder, refusing anything that could leave it: `..` and
 * `.` segments (also percent-encoded), backslashes, NUL, empty segments (`//etc`), drive letters, and
 * symlinks whose target is outside the folder. Refusals are 400 (a path no honest page sends) or 404.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

export type Resolved = { ok: true; path: string } | { ok: false; status: 400 | 404; reason: string };

/** Splits a raw (still percent-encoded) URL path into checked, decoded segments, or says why not. */
export function pathSegments(rawPath: string): { ok: true; segments: string[] } | { ok: false; reason: string } {
  if (rawPath.includes('\\') || /%5c/i.test(rawPath)) return { ok: false, reason: 'backslash in path' };
  const parts = rawPath.split('/');
  if (parts[0] !== '') return { ok: false, reason: 'path must start with /' };
  const segments: string[] = [];
  for (const part of parts.slice(1)) {
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      return { ok: false, reason: 'malformed percent-encoding' };
    }
    if (s.includes('\0')) return { ok: false, reason: 'NUL in path' };
    if (s.includes('/') || s.includes('\\')) return { ok: false, reason: 'encoded separator in path' };
    if (s === '.' || s === '..') return { ok: false, reason: 'dot segment in path' };
    if (s === '') return { ok: false, reason: 'empty segment in path' };
    if (/^[a-zA-Z]:/.test(s)) return { ok: false, reason: 'drive letter in path' };
    segments.push(s);
  }
  return { ok: true, segments };
}

/**
 * The real path of the regular file `segments` names under `root`, when it exists and (after resolving
 * symlinks) lies inside `root`'s real path; otherwise a 404.
 */
export function resolveInside(root: string, segments: readonly string[]): Resolved {
  let realRoot: string, real: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(join(realRoot, ...segments));
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  const rel = relative(realRoot, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return { ok: false, status: 404, reason: 'not found' };
  try {
    if (!statSync(real).isFile()) return { ok: false, status: 404, reason: 'not a file' };
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  return { ok: true, path: real };
}
