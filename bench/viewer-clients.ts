/**
 * Viewer clients for `npm run bench -- viewer`, in their own process (as browser pages would be): K WebSocket
 * clients that connect to a viewer server, then either subscribe to the live run (asking for the next episode
 * whenever one starts, as the page does) or open the same replay; they read and drop every message.
 * Usage: tsx bench/viewer-clients.ts <url> <k> live|replay <runId> [path] [speed]
 * Prints `ready` once all are connected and have sent their request, `episode` when the first episode starts
 * arriving, and a JSON line of counts on SIGTERM.
 */
import { pack, unpack } from 'msgpackr';
import WebSocket from 'ws';

const [url, kArg, mode, runId, path, speedArg] = process.argv.slice(2);
const k = Number(kArg);
const ws = new URL('ws', url!).href.replace(/^http/, 'ws');
let messages = 0, bytes = 0, steps = 0, episodes = 0;
const sockets: WebSocket[] = [];
const ready = new Map<WebSocket, () => void>();
await Promise.all(Array.from({ length: k }, () => new Promise<void>((resolve, reject) => {
  const s = new WebSocket(ws, { headers: { Origin: new URL(url!).origin } });
  sockets.push(s);
  ready.set(s, resolve);
  s.on('error', reject);
  s.on('message', (data: Buffer) => {
    messages++;
    bytes += data.length;
    const raw = unpack(data) as { type: string } | { type: string }[];
    for (const m of Array.isArray(raw) ? raw : [raw]) onMessage(s, m);
  });
})));

// One message (a frame may carry several: protocol 3).
function onMessage(s: WebSocket, m: { type: string }): void {
  if (m.type === 'hello') {
    if (mode === 'live') s.send(pack({ type: 'subscribe', runId, subEnv: 0 }));
    else {
      s.send(pack({ type: 'speed', factor: Number(speedArg ?? 1) }));
      s.send(pack({ type: 'open_replay', runId, path }));
    }
    ready.get(s)?.();
  } else if (m.type === 'step') steps++;
  else if (m.type === 'episode_start') {
    if (episodes++ === 0) console.log('episode');
  }
  else if (m.type === 'episode_end' && mode === 'replay') s.send(pack({ type: 'open_replay', runId, path })); // loop
}
console.log('ready');
process.on('SIGTERM', () => {
  console.log(JSON.stringify({ messages, bytes, steps, episodes }));
  for (const s of sockets) s.terminate();
  process.exit(0);
});
