/**
 * The sidebar: the server's runs (from hello) with their recorded episodes and actions, and the episodes
 * this page holds. Everything is built with textContent: run ids, paths and env ids are data, not markup.
 */
import type { ClientMessage, RunInfo } from '../protocol.ts';
import type { Episode } from './episode.ts';

export interface ListActions {
  send(m: ClientMessage): void;
  showEpisode(ep: Episode): void;
  /** Play the run's saved policy in the page. */
  runPolicy(run: RunInfo): void;
}

export function renderRuns(root: HTMLElement, runs: readonly RunInfo[], live: boolean, act: ListActions): void {
  root.replaceChildren(heading('Runs'));
  if (!runs.length) root.appendChild(note('no runs served'));
  for (const run of runs) {
    const box = document.createElement('div');
    box.className = 'run';
    box.dataset.run = run.id;
    const title = document.createElement('div');
    title.className = 'run-title';
    title.textContent = `${run.id} · ${run.envId}`;
    box.appendChild(title);
    const bar = document.createElement('div');
    bar.appendChild(makeButton('metrics', 'learning curve', () => act.send({ type: 'get_metrics', runId: run.id })));
    bar.appendChild(makeButton('play', 'play it', () => act.send({ type: 'play_reset', runId: run.id, envId: run.envId })));
    if (run.hasModel) bar.appendChild(makeButton('policy', 'policy plays', () => act.runPolicy(run)));
    if (live) {
      // Which sub-env of the vector env to watch (0 by default).
      const sub = document.createElement('input');
      sub.type = 'number';
      sub.className = 'subenv';
      sub.min = '0';
      sub.value = '0';
      sub.title = 'sub-env to watch';
      sub.style.width = '3.5em';
      bar.appendChild(makeButton('live', 'watch live', () => act.send({ type: 'subscribe', runId: run.id, subEnv: Math.max(0, Math.floor(Number(sub.value)) || 0) })));
      bar.appendChild(sub);
    }
    box.appendChild(bar);
    const list = document.createElement('ul');
    for (const path of run.episodes) {
      const li = document.createElement('li');
      li.appendChild(makeButton('replay', path, () => act.send({ type: 'open_replay', runId: run.id, path })));
      list.appendChild(li);
    }
    box.appendChild(list);
    root.appendChild(box);
  }
}

/** What renderEpisodes built into a root: its list, and each held episode's row with the text it shows. */
interface EpisodeRows {
  list: HTMLUListElement;
  rows: Map<Episode, { li: HTMLLIElement; button: HTMLButtonElement; text: string }>;
  current: Episode | null;
}
const built = new WeakMap<HTMLElement, EpisodeRows>();

/**
 * The held episodes, newest first. Updated in place: rows are added and removed as episodes come and go,
 * and a row's text or mark is written only when it changed. The list is refreshed every few hundred ms
 * while steps stream, and a live KeyDoorTreasure run brings a new episode every ~2 s: rebuilt whole each
 * time, its DOM (up to 50 rows) cost chromium a style and layout pass over all of it.
 */
export function renderEpisodes(root: HTMLElement, episodes: readonly Episode[], current: Episode | null, act: ListActions): void {
  let b = built.get(root);
  if (!b) {
    const list = document.createElement('ul');
    root.replaceChildren(heading('Episodes on this page'), list);
    b = { list, rows: new Map(), current: null };
    built.set(root, b);
  }
  const keep = new Set(episodes);
  for (const [ep, row] of b.rows) {
    if (keep.has(ep)) continue;
    row.li.remove();
    b.rows.delete(ep);
  }
  // Newest first, walked from the oldest.
  let older: HTMLLIElement | null = null;
  for (let i = 0; i < episodes.length; i++) {
    const ep = episodes[i]!;
    let row = b.rows.get(ep);
    const text = ep.describe();
    if (!row) {
      const button = makeButton('episode', text, () => act.showEpisode(ep));
      button.dataset.episode = String(ep.id);
      const li = document.createElement('li');
      li.appendChild(button);
      row = { li, button, text };
      b.rows.set(ep, row);
    } else if (row.text !== text) row.button.textContent = row.text = text;
    // Each row goes just before the older episode's row (the oldest last: before null appends).
    if (row.li.parentNode !== b.list || row.li.nextSibling !== older) b.list.insertBefore(row.li, older);
    older = row.li;
  }
  if (b.current !== current) {
    if (b.current) b.rows.get(b.current)?.button.classList.remove('current');
    b.current = current;
  }
  if (current) {
    const row = b.rows.get(current);
    if (row && !row.button.classList.contains('current')) row.button.classList.add('current');
  }
}

function heading(text: string): HTMLElement {
  const h = document.createElement('h3');
  h.textContent = text;
  return h;
}

function note(text: string): HTMLElement {
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = text;
  return p;
}

function makeButton(kind: string, text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = kind;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}
