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
    bar.appendChild(button('metrics', 'learning curve', () => act.send({ type: 'get_metrics', runId: run.id })));
    bar.appendChild(button('play', 'play it', () => act.send({ type: 'play_reset', runId: run.id, envId: run.envId })));
    if (run.hasModel) bar.appendChild(button('policy', 'policy plays', () => act.runPolicy(run)));
    if (live) {
      // Which sub-env of the vector env to watch (0 by default).
      const sub = document.createElement('input');
      sub.type = 'number';
      sub.className = 'subenv';
      sub.min = '0';
      sub.value = '0';
      sub.title = 'sub-env to watch';
      sub.style.width = '3.5em';
      bar.appendChild(button('live', 'watch live', () => act.send({ type: 'subscribe', runId: run.id, subEnv: Math.max(0, Math.floor(Number(sub.value)) || 0) })));
      bar.appendChild(sub);
    }
    box.appendChild(bar);
    const list = document.createElement('ul');
    for (const path of run.episodes) {
      const li = document.createElement('li');
      li.appendChild(button('replay', path, () => act.send({ type: 'open_replay', runId: run.id, path })));
      list.appendChild(li);
    }
    box.appendChild(list);
    root.appendChild(box);
  }
}

export function renderEpisodes(root: HTMLElement, episodes: readonly Episode[], current: Episode | null, act: ListActions): void {
  root.replaceChildren(heading('Episodes on this page'));
  const list = document.createElement('ul');
  for (let i = episodes.length - 1; i >= 0; i--) {
    const ep = episodes[i]!;
    const li = document.createElement('li');
    const b = button('episode', ep.describe(), () => act.showEpisode(ep));
    b.dataset.episode = String(ep.id);
    if (ep === current) b.classList.add('current');
    li.appendChild(b);
    list.appendChild(li);
  }
  root.appendChild(list);
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

function button(kind: string, text: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.className = kind;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}
