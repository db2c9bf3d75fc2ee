/**
 * The page's WebSocket: msgpack frames to and from the server at WS_PATH on the page's own host. Decoded
 * messages get a shape check before anyone reads them (the server is trusted, but a proxy or a version
 * skew should produce an error line, not a crash deep in the renderer).
 */
import { pack, unpack } from 'msgpackr';
import { fromWire } from '../wire.ts';
import type { ClientMessage, ServerMessage } from '../protocol.ts';
import { WS_PATH } from '../protocol-core.ts';

const SERVER_TYPES = new Set<ServerMessage['type']>(['hello', 'episode_start', 'step', 'episode_end', 'redistribution', 'metrics', 'saved', 'error', 'runs']);

export interface ConnectionHandlers {
  message(m: ServerMessage): void;
  status(connected: boolean): void;
  /** A frame that did not decode or has no known `type`. */
  bad(reason: string): void;
}

export class Connection {
  private ws: WebSocket | null = null;
  private closedByUs = false;
  private retryMs = 500;
  /** Every message sent, oldest first (the test hook reads it; capped). */
  readonly sent: ClientMessage[] = [];

  constructor(private readonly url: string, private readonly on: ConnectionHandlers) {}

  /** The endpoint on the page's own host (ws: or wss: to match the page). */
  static defaultUrl(loc: Location = location): string {
    return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${WS_PATH}`;
  }

  open(): void {
    this.closedByUs = false;
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.retryMs = 500;
      this.on.status(true);
    };
    ws.onmessage = (ev: MessageEvent<unknown>) => this.receive(ev.data);
    ws.onclose = () => {
      this.on.status(false);
      this.ws = null;
      // Reconnect with backoff (the server restarts, the laptop sleeps); never when closed on purpose.
      if (!this.closedByUs) setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
    this.ws = ws;
  }

  close(): void {
    this.closedByUs = true;
    this.ws?.close();
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one message; returns false (and sends nothing) when not connected. */
  send(m: ClientMessage): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(pack(m));
    this.sent.push(m);
    if (this.sent.length > 1000) this.sent.splice(0, this.sent.length - 1000);
    return true;
  }

  private receive(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return this.on.bad('text frame (the protocol is binary msgpack)');
    let raw: unknown;
    try {
      raw = unpack(new Uint8Array(data));
    } catch (e) {
      return this.on.bad(`undecodable frame: ${(e as Error).message}`);
    }
    // Protocol 3: a frame is one message, or an array of messages to handle in order.
    for (const one of Array.isArray(raw) ? raw : [raw]) {
      let m: unknown;
      try {
        m = fromWire(one);
      } catch (e) {
        this.on.bad(`undecodable message: ${(e as Error).message}`);
        continue;
      }
      if (typeof m !== 'object' || m === null || !SERVER_TYPES.has((m as { type?: unknown }).type as ServerMessage['type'])) {
        this.on.bad('message without a known "type"');
        continue;
      }
      this.on.message(m as ServerMessage);
    }
  }
}
