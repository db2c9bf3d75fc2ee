/** A real `ws` client for the viewer server's tests: packs messages, collects decoded replies, waits for them. */
import { pack, unpack } from 'msgpackr';
import WebSocket from 'ws';
import type { ServerMessage } from '../../src/viewer/protocol.ts';
import { fromWire } from '../../src/viewer/wire.ts';

export class ViewerClient {
  readonly messages: ServerMessage[] = [];
  closeCode: number | null = null;
  /** WebSocket frames received (a frame may carry several messages). */
  frames = 0;
  private waiters: { pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const raw: unknown = unpack(data);
      this.frames++;
      // One message, or several in one frame (protocol 3); the wire form undone, as the page does.
      for (const one of Array.isArray(raw) ? raw : [raw]) {
        const m = fromWire(one) as ServerMessage;
        this.messages.push(m);
        this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
      }
    });
    ws.on('close', (code) => (this.closeCode = code));
    ws.on('error', () => {});
  }

  /** Connects to the server at `url` (http://…/) and waits for `hello`. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<ViewerClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}ws`, { headers });
    const c = new ViewerClient(ws);
    const hello = c.wait((m) => m.type === 'hello');
    hello.catch(() => {}); // a refused connection never says hello; the refusal is the error below
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    await hello;
    return c;
  }

  send(msg: unknown): void {
    this.ws.send(pack(msg), { binary: true });
  }

  sendRaw(bytes: Uint8Array | string, binary = true): void {
    this.ws.send(bytes, { binary });
  }

  /** The next message (from now or already received after `from`) matching `pred`. */
  wait<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean, timeoutMs = 10_000, from = this.messages.length): Promise<T> {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen as T);
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for a message; last: ${JSON.stringify(this.messages.slice(-3)).slice(0, 500)}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m as T)) });
    });
  }

  /** Sends `msg` and waits for the reply matching `pred`. */
  async ask<T extends ServerMessage = ServerMessage>(msg: unknown, pred: (m: ServerMessage) => boolean): Promise<T> {
    const from = this.messages.length;
    const p = this.wait<T>(pred, 10_000, from);
    this.send(msg);
    return p;
  }

  /** Every message of episode `id` (start to end), once its end has arrived. */
  async episode(id: number, timeoutMs = 20_000): Promise<ServerMessage[]> {
    await this.wait((m) => m.type === 'episode_end' && m.episode === id, timeoutMs, 0);
    return this.messages.filter((m) => 'episode' in m && m.episode === id);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** A raw HTTP GET with a path sent exactly as given (fetch and URL would normalise `..` away). */
export async function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
