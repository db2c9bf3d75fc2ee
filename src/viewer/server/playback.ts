/**
 * One connection's episode player: sends an episode's frames at the env's fps times the speed factor,
 * honours pause, and never lets a slow client pile up data: while the socket's unsent bytes exceed
 * {@link SOFT_BUFFER_BYTES} it sends nothing and tries again a frame later (frames are made lazily, so
 * waiting costs no memory). Live episodes that arrive while one plays wait in a one-slot queue where a newer
 * one replaces an older one: a client that falls behind skips episodes instead of lagging.
 */
import type { ServerMessage } from '../protocol.ts';

/** Unsent bytes above which the player holds its next frame. */
export const SOFT_BUFFER_BYTES = 256 * 1024;
/**
 * Shortest time between two sends (ms): faster than 4 frames/s, the frames due go out together, as one
 * WebSocket frame (protocol 3's batch). Each send is a socket write that wakes the page's process, and on a
 * busy machine the writer often loses its core to the woken reader for a millisecond or more (measured:
 * 0.7–2.7 ms per send under load); in `rudder train --view` the sends run on the trainer's thread, so fewer,
 * fuller sends cost the trainer less. An episode starts one interval's frames ahead, so the page, which paces
 * playback itself, has the next frames before it needs them.
 */
export const MIN_SEND_INTERVAL_MS = 250;

/** Time spent inside `time()` (ms), nested calls counted once: what a connection costs its thread. */
export class BusyClock {
  ms = 0;
  private depth = 0;
  private t0 = 0;

  time<T>(f: () => T): T {
    if (this.depth++ === 0) this.t0 = performance.now();
    try {
      return f();
    } finally {
      if (--this.depth === 0) this.ms += performance.now() - this.t0;
    }
  }
}

export interface PlayItem {
  /** The episode's messages, made on demand (episodeMessages). */
  frames: Iterator<ServerMessage, void, void>;
  fps: number;
  /** Called when it starts to play (a live subscription then asks for its next episode). */
  onStart?: () => void;
}

export class Playback {
  private current: PlayItem | null = null;
  private pending: PlayItem | null = null;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private speed = 1;
  /** Frames owed (fps × speed × time since the last send), so grouped sends keep the average rate. */
  private owed = 0;
  private lastSend = 0;
  /** Live episodes skipped because a newer one arrived before they could start. */
  skipped = 0;

  /** `clock` times making and sending frames: in `rudder train --view` that is the trainer's thread. */
  /** `send` gets the messages of one tick, in order (the connection packs them into one frame). */
  constructor(private readonly send: (msgs: ServerMessage[]) => void, private readonly bufferedAmount: () => number, private readonly clock = new BusyClock()) {}

  /**
   * Plays `item` now, abandoning what plays (a replay the user asked for). A waiting live episode stays queued:
   * it plays next, and starting it asks its subscription for the one after, so live resumes after a replay.
   * It also lifts a pause: the page sends `pause` whenever its timeline stops (also with nothing on screen),
   * and an episode asked for while paused must still reach it.
   */
  playNow(item: PlayItem): void {
    this.stopTimer();
    this.paused = false;
    this.owed = this.lead(item);
    this.lastSend = performance.now();
    this.current = item;
    this.next = null;
    item.onStart?.();
    this.tick();
  }

  /** Plays `item` after the current one; a newer queued item replaces it (live: skip when behind). */
  enqueue(item: PlayItem): void {
    if (!this.current) {
      this.playNow(item);
      return;
    }
    if (this.pending) this.skipped++;
    this.pending = item;
  }

  // Frames sent ahead at an episode's start: one send interval's worth.
  private lead(item: PlayItem): number {
    return (MIN_SEND_INTERVAL_MS / 1000) * item.fps * this.speed;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused) this.stopTimer();
    else if (this.current && !this.timer) this.schedule();
  }

  setSpeed(factor: number): void {
    this.speed = factor;
  }

  /** Drops everything queued and playing (unsubscribe, close). */
  clear(): void {
    this.stopTimer();
    this.current = this.pending = this.next = null;
  }

  get playing(): boolean {
    return this.current !== null;
  }

  // Sends one frame: the start (with the redistribution) or one step, plus an end that follows it.
  private tick(): void {
    this.clock.time(() => this.sendDue());
  }

  private sendDue(): void {
    this.timer = null;
    if (!this.current || this.paused) return;
    if (this.bufferedAmount() > SOFT_BUFFER_BYTES) {
      this.schedule();
      return;
    }
    const now = performance.now();
    this.owed = Math.min(this.owed + ((now - this.lastSend) / 1000) * this.current.fps * this.speed, 2 * Math.max(1, this.lead(this.current)) + 1);
    this.lastSend = now;
    let frames = Math.max(1, Math.floor(this.owed)); // at least one frame a tick (the first tick of an episode too)
    this.owed = Math.max(0, this.owed - frames);
    const out: ServerMessage[] = [];
    try {
      for (;;) {
        const msg = this.peek(out);
        if (msg === null) {
          this.current = this.pending;
          this.pending = null;
          if (!this.current) return;
          this.current.onStart?.();
          continue;
        }
        const isFrame = msg.type === 'step' || msg.type === 'episode_start';
        if (isFrame && frames === 0) break;
        this.next = null;
        out.push(msg);
        if (isFrame) frames--;
      }
    } finally {
      if (out.length) this.send(out);
    }
    this.schedule();
  }

  private next: ServerMessage | null = null;

  // The current episode's next message without taking it (null when it has no more).
  private peek(out: ServerMessage[]): ServerMessage | null {
    if (this.next) return this.next;
    let n: IteratorResult<ServerMessage, void>;
    try {
      n = this.current!.frames.next();
    } catch (e) {
      // A frame that cannot be made (a live capture that does not re-simulate) ends that episode, not the server.
      out.push({ type: 'error', code: 'internal', message: `episode stopped: ${(e as Error).message}` });
      return null;
    }
    if (n.done) return null;
    return (this.next = n.value);
  }

  private schedule(): void {
    if (this.timer || !this.current || this.paused) return;
    const ms = Math.max(1000 / (this.current.fps * this.speed), MIN_SEND_INTERVAL_MS);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
