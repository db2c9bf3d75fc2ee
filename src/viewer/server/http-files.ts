/**
 * The viewer's HTTP side: the page's static files, and the few files of each run the page fetches itself
 * (the policy model for tfjs, metrics, recorded episodes), every path confined by safe-path.ts.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { pathSegments, resolveInside } from './safe-path.ts';
import { SERVED_RUN_FILES, type ServedRun } from './runs.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.jsonl': 'application/x-ndjson', '.svg': 'image/svg+xml', '.png': 'image/png', '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm', '.map': 'application/json', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

/**
 * The page's Content-Security-Policy: scripts only from this server (no inline script, no eval: PixiJS runs
 * with `pixi.js/unsafe-eval`'s static shader code), the WebSocket and fetches back to it only, inline styles
 * (index.html's <style>, PixiJS's canvas style), data: images (the favicon), blob: workers (PixiJS's image
 * loader), and no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "connect-src 'self'",
  "worker-src 'self' blob:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

/** Headers on every answer: no sniffing, no caching (runs change), no framing by other sites (keyboard play), the CSP. */
const COMMON = {
  'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
} as const;

export function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...COMMON, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

/** Answers a GET/HEAD for `rawPath` (percent-encoded, no query) from `staticDir` or `/runs/<id>/…`. */
export function serveFile(req: IncomingMessage, res: ServerResponse, rawPath: string, staticDir: string, run: (id: string) => ServedRun | undefined): void {
  const seg = pathSegments(rawPath === '/' ? '/index.html' : rawPath);
  if (!seg.ok) return plain(res, 400, `bad path: ${seg.reason}`);
  const s = seg.segments;
  let root = staticDir, rest = s;
  if (s[0] === 'runs') {
    const r = s[1] !== undefined ? run(s[1]) : undefined;
    if (!r || !r.dir) return plain(res, 404, 'no such run');
    rest = s.slice(2);
    const allowed = (rest.length === 1 && (SERVED_RUN_FILES.files as readonly string[]).includes(rest[0]!))
      || (rest.length >= 2 && (SERVED_RUN_FILES.folders as readonly string[]).includes(rest[0]!));
    if (!allowed) return plain(res, 404, 'not served');
    root = r.dir;
  }
  const f = resolveInside(root, rest);
  if (!f.ok) return plain(res, f.status, f.reason);
  res.writeHead(200, { ...COMMON, 'Content-Type': TYPES[extname(f.path).toLowerCase()] ?? 'application/octet-stream' });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(f.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
