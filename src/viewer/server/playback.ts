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
  /** Live episodes skipped because a newer one arrived before they could start. */
  skipped = 0;

  constructor(private readonly send: (msg: ServerMessage) => void, private readonly bufferedAmount: () => number) {}

  /**
   * Plays `item` now, abandoning what plays (a replay the user asked for). A waiting live episode stays queued:
   * it plays next, and starting it asks its subscription for the one after, so live resumes after a replay.
   * It also lifts a pause: the page sends `pause` whenever its timeline stops (also with nothing on screen),
   * and an episode asked for while paused must still reach it.
   */
  playNow(item: PlayItem): void {
    this.stopTimer();
    this.paused = false;
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
    this.timer = null;
    if (!this.current || this.paused) return;
    if (this.bufferedAmount() > SOFT_BUFFER_BYTES) {
      this.schedule();
      return;
    }
    let sentFrame = false;
    for (;;) {
      const msg = this.peek();
      if (msg === null) {
        this.current = this.pending;
        this.pending = null;
        if (!this.current) return;
        this.current.onStart?.();
        continue;
      }
      if (sentFrame && (msg.type === 'step' || msg.type === 'episode_start')) break;
      this.next = null;
      this.send(msg);
      if (msg.type === 'step' || msg.type === 'episode_start') sentFrame = true;
    }
    this.schedule();
  }

  private next: ServerMessage | null = null;

  // The current episode's next message without taking it (null when it has no more).
  private peek(): ServerMessage | null {
    if (this.next) return this.next;
    const n = this.current!.frames.next();
    if (n.done) return null;
    return (this.next = n.value);
  }

  private schedule(): void {
    if (this.timer || !this.current || this.paused) return;
    const ms = 1000 / (this.current.fps * this.speed);
    this.timer = setTimeout(() => this.tick(), ms);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
