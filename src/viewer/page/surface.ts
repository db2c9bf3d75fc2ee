/**
 * Where a pane's renderer draws, and how its pixels reach the screen. A canvas element drawn from the page's
 * script is a DOM change: each draw makes chromium produce a whole page frame (main-frame work, then
 * compositing and rasterising the page's layers), 7–9 ms of headless chromium's CPU per drawn frame. Drawn
 * into an OffscreenCanvas instead, the frame goes to the compositor on its own:
 *
 * - `transfer`: the canvas element hands its drawing to an OffscreenCanvas (`transferControlToOffscreen`);
 *   each draw is pushed to the compositor as the canvas's next frame, with no page frame at all.
 * - `bitmap`: the renderer draws into a detached OffscreenCanvas, and each draw is moved onto the element's
 *   `bitmaprenderer` context (`transferFromImageBitmap`, no copy); still a page frame, but no paint of it.
 * - `dom`: the element itself (the fallback where OffscreenCanvas is missing).
 *
 * `?surface=dom|bitmap|transfer` in the page's URL chooses; by default {@link preferredSurface}.
 */
export type SurfaceMode = 'dom' | 'bitmap' | 'transfer';

export interface Surface {
  readonly mode: SurfaceMode;
  /** The canvas on the page. */
  readonly element: HTMLCanvasElement;
  /** What the renderer draws into (the element itself in `dom` mode). */
  readonly target: HTMLCanvasElement | OffscreenCanvas;
  /** The renderer drew into `target`: put it on screen (only `bitmap` has anything to do). */
  present(): void;
  /** The renderer resized `target` to w × h pixels: the element shows it at that size. */
  resized(w: number, h: number): void;
}

/** `transfer` where the browser can (every current one), else `dom`; the URL's `?surface=` overrides. */
export function preferredSurface(): SurfaceMode {
  const asked = new URLSearchParams(globalThis.location?.search ?? '').get('surface');
  const can = typeof OffscreenCanvas === 'function' && 'transferControlToOffscreen' in HTMLCanvasElement.prototype;
  if ((asked === 'transfer' || asked === 'bitmap') && can) return asked;
  if (asked === 'dom') return 'dom';
  return can ? 'transfer' : 'dom';
}

export function createSurface(mode: SurfaceMode, width: number, height: number): Surface {
  const element = document.createElement('canvas');
  element.width = width;
  element.height = height;
  if (mode === 'transfer') {
    const target = element.transferControlToOffscreen();
    // The element keeps its layout size from CSS: set it at each resize (rare), not at each frame.
    return { mode, element, target, present: () => {}, resized: (w, h) => cssSize(element, w, h) };
  }
  if (mode === 'bitmap') {
    const target = new OffscreenCanvas(width, height);
    const ctx = element.getContext('bitmaprenderer');
    if (!ctx) throw new Error('no bitmaprenderer context');
    return {
      mode, element, target,
      present: () => ctx.transferFromImageBitmap(target.transferToImageBitmap()),
      resized: (w, h) => {
        element.width = w;
        element.height = h;
      },
    };
  }
  return { mode, element, target: element, present: () => {}, resized: () => {} };
}

function cssSize(el: HTMLCanvasElement, w: number, h: number): void {
  const cw = `${w}px`, ch = `${h}px`;
  if (el.style.width !== cw) el.style.width = cw;
  if (el.style.height !== ch) el.style.height = ch;
}
