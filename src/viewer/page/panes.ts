/**
 * Side-by-side panes: the main pane shows the current episode; up to three more hold pinned episodes.
 * All step together: frame t of every pane is shown (a shorter episode holds its last frame).
 */
import type { Episode } from './episode.ts';
import { SceneRenderer } from './renderer.ts';

export interface Pane {
  readonly renderer: SceneRenderer;
  readonly element: HTMLElement;
  readonly title: HTMLElement;
  episode: Episode | null;
}

export const MAX_PANES = 4;

export async function createPane(host: HTMLElement, index: number, maxWidth: number, onClose?: () => void): Promise<Pane> {
  const element = document.createElement('div');
  element.className = 'pane';
  element.id = `pane-${index}`;
  const head = document.createElement('div');
  head.className = 'pane-head';
  const title = document.createElement('span');
  head.appendChild(title);
  if (onClose) {
    const close = document.createElement('button');
    close.textContent = '✕';
    close.title = 'close this pane';
    close.addEventListener('click', onClose);
    head.appendChild(close);
  }
  element.appendChild(head);
  host.appendChild(element);
  const renderer = await SceneRenderer.create(element, { maxWidth, maxHeight: maxWidth * 0.66 });
  return { renderer, element, title, episode: null };
}

/** Shares `width` pixels between the panes (the main one up to 640 wide alone), for the next draw. */
export function layoutPanes(panes: readonly Pane[], width: number): void {
  const each = Math.max(160, Math.min(640, Math.floor((width - 8 * (panes.length - 1)) / panes.length)));
  for (const p of panes) p.renderer.setBox(each, Math.round(each * 0.66));
}

/** Draws frame t (clamped to the pane's episode). */
export function showPaneFrame(p: Pane, t: number): void {
  const ep = p.episode;
  if (!ep) return;
  p.renderer.draw(ep.frames[Math.min(t, ep.frameCount - 1)]!);
}

/** Titles the pane with its episode and frame t (clamped); written only when the text changed. */
export function titlePane(p: Pane, t: number): void {
  const ep = p.episode;
  if (!ep) return;
  const text = `${ep.describe()} · t = ${Math.min(t, ep.frameCount - 1)}`;
  if (p.title.textContent !== text) p.title.textContent = text;
}
