/**
 * Who may talk to the viewer. A page on another site can open a WebSocket to 127.0.0.1 (browsers send its
 * Origin), and DNS rebinding can point a foreign name at it (the Host header then names that site), so both
 * headers must name this server: its bound host, or a loopback form (localhost, 127.0.0.1, [::1]) with its
 * port. A missing Origin is a non-browser client, which no header check could stop anyway.
 */
import type { IncomingMessage } from 'node:http';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** The `host:port` forms the Host header may take for a server bound to `host` on `port`. */
export function allowedHosts(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>([...LOOPBACK, ...extra]);
  if (host !== '0.0.0.0' && host !== '::') names.add(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
  return new Set([...names].map((h) => `${h.toLowerCase()}:${port}`));
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Checks a request's Host and Origin against `allowed` (from {@link allowedHosts}). */
export function checkRequest(req: IncomingMessage, allowed: ReadonlySet<string>, anyIpHost: boolean): Verdict {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!host) return { ok: false, status: 403, reason: 'missing Host header' };
  if (!allowed.has(host) && !(anyIpHost && isIpHost(host, allowed))) return { ok: false, status: 403, reason: `Host ${host} is not this server` };
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return { ok: false, status: 403, reason: 'malformed Origin' };
  }
  if (o.protocol !== 'http:' || !(allowed.has(o.host.toLowerCase()) || (anyIpHost && isIpHost(o.host.toLowerCase(), allowed)))) {
    return { ok: false, status: 403, reason: `Origin ${origin} is not this server` };
  }
  return { ok: true };
}

// Bound to every interface (asked for with --host 0.0.0.0): any IP literal with our port names us; names do not.
function isIpHost(hostPort: string, allowed: ReadonlySet<string>): boolean {
  const port = [...allowed][0]!.split(':').pop();
  const m = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):(\d+)$/.exec(hostPort);
  return m !== null && m[2] === port;
}
