/**
 * A DOM write done at most every `ms` while asked for lazily: for text that changes at every frame of
 * playback (the timeline's slider and label, the panes' titles). Each such write costs chromium a style and
 * layout pass on top of the frame (a live KeyDoorTreasure page in headless chromium, 2026-12-04: ~1 ms of
 * its ~12 ms of CPU per drawn frame), while the canvas shows every frame anyway. A lazy ask that comes too
 * soon is left to a later ask, which playback makes at its next drawn frame; if none comes (playback
 * stopped or waits for frames), a timer writes the last state `2 × ms` after the last write. Writes made
 * in a drawn frame cost no frame of their own, which a timer's write does: hence the timer only as a fallback.
 */
export class Throttled {
  private at = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ms: number, private readonly write: () => void) {}

  /** Writes now (`lazy` false, or `ms` passed since the last write), or later (see the class). */
  request(lazy: boolean): void {
    const now = performance.now();
    if (lazy && now - this.at < this.ms) {
      this.timer ??= setTimeout(() => this.run(), this.at + 2 * this.ms - now);
      return;
    }
    this.run();
  }

  private run(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.at = performance.now();
    this.write();
  }
}
