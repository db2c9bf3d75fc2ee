/**
 * The timeline: which frame is shown, and play/pause, step ±1, 0.25–8× speed, jump to the next or
 * previous event, a slider to scrub. It owns no episode: it asks its host how many frames there are and
 * where events are, and tells it which frame to show.
 */
import { Throttled } from './throttle.ts';

export interface TimelineHost {
  frameCount(): number;
  /** Frames per second at 1× (the env's render fps). */
  fps(): number;
  /** More frames will come (a live or play episode not yet ended). */
  growing(): boolean;
  nextEvent(t: number): number;
  previousEvent(t: number): number;
  /** Shows frame t; `playing`: during playback (the host may write its per-frame text lazily, see Throttled). */
  show(t: number, playing: boolean): void;
  /** Playback reached the last frame of a finished episode; true when the host moved on to another one. */
  reachedEnd(): boolean;
  /** Play/pause or speed changed by the user (the page tells the server). */
  changed(playing: boolean, speed: number): void;
  /** Every pane draws offscreen (surface.ts): a draw needs no animation frame to reach the screen. */
  offscreen(): boolean;
}

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8] as const;

/**
 * While playing, the slider and label follow the shown frame at most this often (ms): see Throttled. With
 * the panes drawn offscreen such a DOM write is what makes chromium produce a page frame, so it is rare.
 */
export const PLAYING_TEXT_MS = 1000;

/** Timer-paced playback (offscreen panes) ticks at most this often: the display's usual rate. */
const MIN_TICK_MS = 1000 / 60;
/**
 * A frame due within this many ms is shown now: a timer fires a little early or late, and one that found its
 * frame due 1 ms later would wait a whole tick more (or, rAF-paced, cost an animation frame showing nothing).
 */
const DUE_SLACK_MS = 8;

export class Timeline {
  t = 0;
  playing = false;
  speed = 1;
  private acc = 0;
  private last = 0;
  private raf = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly slider: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly playButton: HTMLButtonElement;
  private readonly speedSelect: HTMLSelectElement;

  constructor(root: HTMLElement, private readonly host: TimelineHost) {
    const button = (id: string, text: string, title: string, onClick: () => void): HTMLButtonElement => {
      const b = document.createElement('button');
      b.id = id;
      b.textContent = text;
      b.title = title;
      b.addEventListener('click', onClick);
      root.appendChild(b);
      return b;
    };
    button('tl-prev-event', '« event', 'previous event', () => this.previousEvent());
    button('tl-back', '◀|', 'step back', () => this.step(-1));
    this.playButton = button('tl-play', '▶', 'play / pause', () => this.toggle());
    button('tl-fwd', '▶|', 'step forward', () => this.step(1));
    button('tl-next-event', 'event »', 'next event', () => this.nextEvent());
    this.speedSelect = document.createElement('select');
    this.speedSelect.id = 'tl-speed';
    this.speedSelect.title = 'speed';
    for (const s of SPEEDS) {
      const o = document.createElement('option');
      o.value = String(s);
      o.textContent = `${s}×`;
      if (s === 1) o.selected = true;
      this.speedSelect.appendChild(o);
    }
    this.speedSelect.addEventListener('change', () => this.setSpeed(Number(this.speedSelect.value)));
    root.appendChild(this.speedSelect);
    this.slider = document.createElement('input');
    this.slider.type = 'range';
    this.slider.id = 'tl-slider';
    this.slider.min = '0';
    this.slider.max = '0';
    this.slider.addEventListener('input', () => {
      this.pause();
      this.seek(Number(this.slider.value));
    });
    root.appendChild(this.slider);
    this.label = document.createElement('span');
    this.label.id = 'tl-label';
    root.appendChild(this.label);
    this.refresh();
  }

  /** Shows frame t (clamped). */
  seek(t: number): void {
    this.goTo(t, false);
  }

  // `playing`: a step of playback, whose slider and label may follow lazily.
  private goTo(t: number, playing: boolean): void {
    const n = this.host.frameCount();
    this.t = Math.max(0, Math.min(n - 1, Math.round(t)));
    this.host.show(this.t, playing);
    this.texts.request(playing);
  }

  step(d: number): void {
    this.pause();
    this.seek(this.t + d);
  }

  nextEvent(): void {
    const f = this.host.nextEvent(this.t);
    if (f >= 0) this.step(f - this.t);
  }

  previousEvent(): void {
    const f = this.host.previousEvent(this.t);
    if (f >= 0) this.step(f - this.t);
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  play(): void {
    if (this.playing) return;
    // Playing from the last frame of a finished episode starts it over.
    if (this.t >= this.host.frameCount() - 1 && !this.host.growing()) this.seek(0);
    this.playing = true;
    this.acc = 0;
    this.last = performance.now();
    this.ask();
    this.refresh();
    this.host.changed(true, this.speed);
  }

  pause(): void {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.raf);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.refresh();
    this.host.changed(false, this.speed);
  }

  setSpeed(f: number): void {
    if (!SPEEDS.includes(f as (typeof SPEEDS)[number])) return;
    this.speed = f;
    this.speedSelect.value = String(f);
    this.host.changed(this.playing, f);
  }

  /** The frame count changed (a step arrived, another episode is shown): update the slider and label. */
  refresh(): void {
    const n = this.host.frameCount();
    if (this.t > n - 1) this.t = Math.max(0, n - 1);
    this.texts.request(false);
  }

  private readonly texts = new Throttled(PLAYING_TEXT_MS, () => this.writeTexts());

  private writeTexts(): void {
    const n = this.host.frameCount();
    // Written only when they change: a DOM write, even of the same text, costs the page a style and
    // layout pass, and this runs at every frame of playback.
    setIfChanged(this.slider, 'max', String(Math.max(0, n - 1)));
    setIfChanged(this.slider, 'value', String(this.t));
    setIfChanged(this.label, 'textContent', `t = ${this.t} / ${Math.max(0, n - 1)}`);
    setIfChanged(this.playButton, 'textContent', this.playing ? '❚❚' : '▶');
  }

  private readonly tick = (now: number): void => {
    if (!this.playing) return;
    // At most a second's worth of frames per tick, so a hidden tab does not race when it comes back.
    this.acc = Math.min(this.acc + ((now - this.last) / 1000) * this.host.fps() * this.speed, this.host.fps() * this.speed + 1);
    this.last = now;
    // Waiting for a stream's next frame is no reason to skip the ones after it: a page that catches up with
    // a live stream (the server sends 2–3 frames every 250 ms) jumped 2–3 frames after each wait, showing
    // a 10 fps KeyDoorTreasure episode at 5 draws a second.
    if (this.waited) this.acc = Math.min(this.acc, 1);
    const n = this.host.frameCount();
    // See DUE_SLACK_MS; never more than half a frame early (at 8× a frame is due every few ms).
    const due = Math.max(0.5, 1 - (DUE_SLACK_MS / 1000) * this.host.fps() * this.speed);
    let t = this.t;
    while (this.acc >= due && t < n - 1) {
      t++;
      this.acc--;
    }
    if (t !== this.t) this.goTo(t, true);
    if (this.t >= n - 1) {
      this.acc = Math.min(this.acc, 1);
      if (!this.host.growing()) {
        if (this.host.reachedEnd()) this.goTo(0, true);
        else {
          this.pause();
          return;
        }
      }
    }
    this.waited = this.t >= n - 1;
    this.next(this.waited);
  };
  /** The last tick ended at the newest frame (playback waits for more). */
  private waited = false;

  /** Playing but waiting at the newest frame for more: no draw is coming soon. */
  get waiting(): boolean {
    return this.playing && this.waited;
  }

  /**
   * Asks for the tick that shows the next frame. Every animation frame asked for is a frame the browser
   * produces (its main-frame and compositing work) even when nothing on the page changed, so below the
   * display's rate the page sleeps on a timer until the next frame is due (or, waiting at the end of a
   * growing episode, for one frame interval) and only then asks for an animation frame: about one per
   * frame shown instead of one per display refresh (an episode at 10 fps: 10 a second, not 60). Panes
   * drawn offscreen need no animation frame at all: the timer ticks itself (at most 60 times a second).
   */
  private next(waiting: boolean): void {
    const rate = this.host.fps() * this.speed;
    const waitMs = (waiting ? 1 : Math.max(0, 1 - this.acc)) * (1000 / rate);
    if (this.host.offscreen()) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.playing) return;
        if (waiting && this.t >= this.host.frameCount() - 1 && this.host.growing()) return this.next(true);
        this.tick(performance.now());
      }, Math.max(MIN_TICK_MS, waitMs - DUE_SLACK_MS));
      return;
    }
    if (waitMs < 20) {
      this.raf = requestAnimationFrame(this.tick);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.playing) return;
      // Still nothing to show (waiting for a growing episode's next frame, or a live run's next episode):
      // wait again without an animation frame, which chromium would produce as a frame of its own.
      if (waiting && this.t >= this.host.frameCount() - 1 && this.host.growing()) return this.next(true);
      this.raf = requestAnimationFrame(this.tick);
    }, waitMs);
  }

  /** The first tick of playback: at once (offscreen panes) or at the next animation frame. */
  private ask(): void {
    if (!this.host.offscreen()) {
      this.raf = requestAnimationFrame(this.tick);
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick(performance.now());
    }, 0);
  }
}

function setIfChanged<E extends HTMLElement, K extends 'max' | 'value' | 'textContent'>(el: E, key: K & keyof E, value: string): void {
  if (el[key] !== value) (el as Record<K, unknown>)[key] = value;
}
