// The viewer page's entry (bundled by ../build-page.ts): wires the connection, the episodes, the panes,
// the timeline, the plots, the lists and keyboard play together, and exposes window.__viewer.
import { SCENE_VERSION, sceneProblems } from '../../envs/core/scene.ts';
import type { ClientMessage, EpisodeStartMessage, RunInfo, ServerMessage } from '../protocol.ts';
import { PROTOCOL_VERSION } from '../protocol-core.ts';
import { Connection } from './connection.ts';
import { Episode } from './episode.ts';
import { EpisodePlots, LearningCurves } from './episode-plots.ts';
import { actionForKey, buildKeyMap, keyLabel } from './keymap.ts';
import { renderEpisodes, renderRuns, type ListActions } from './lists.ts';
import { createPane, layoutPanes, MAX_PANES, showPaneFrame, titlePane, type Pane } from './panes.ts';
import type * as PolicyModule from './policy.ts';
import type { ViewerState } from './state.ts';
import { Throttled } from './throttle.ts';
import { PLAYING_TEXT_MS, Timeline } from './timeline.ts';

/** What the page keeps: a frame of a busy env is ~1–2 kB of objects, so ~20 000 frames stay well under 50 MB. */
const MAX_EPISODES = 50;
const MAX_FRAMES = 20_000;

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el;
};

const state: ViewerState = {
  ready: false, backend: '', surface: '', connected: false, connections: 0, runs: [], live: false, episodes: [], episode: null, envId: null, source: null, seed: null, subEnv: -1, globalStep: null,
  t: 0, frameCount: 0, ended: false, playing: false, speed: 1, hud: null, hudText: '', captionText: '', labels: [], cell: 0,
  draws: 0, panes: 1,
  plots: { rewards: [], redistributed: [], predictions: [], cumReturn: [], cumRedistributed: [], quality: null, error: null, trust: { episodes: [], quality: [] } },
  metrics: { column: '', x: [], y: [] },
  keyMap: [], sent: [], saved: null, errors: [], policy: { status: 'idle', episode: null, actions: [] },
  seek: (t) => timeline.seek(t),
};
window.__viewer = state;

/** Every episode held, oldest first (the list, and what eviction walks). */
const held: Episode[] = [];
/**
 * Episodes by id: the server's ids (≥ 0) are unique within a connection only (another server, or the same one
 * restarted, numbers from 1 again), so they are forgotten at each hello (the episodes stay in `held`); the
 * page's own (< 0) stay.
 */
const byId = new Map<number, Episode>();
/** A live episode that began while the previous one still plays; shown when playback reaches the end. */
let pending: Episode | null = null;

const log = (line: string): void => {
  state.errors.push(line);
  const p = document.createElement('div');
  p.textContent = line;
  $('log').prepend(p);
};

const conn = new Connection(Connection.defaultUrl(), {
  message: (m) => onMessage(m),
  status: (up) => {
    state.connected = up;
    if (up) state.connections++;
    $('status').textContent = up ? 'connected' : 'disconnected (retrying)';
  },
  bad: (why) => log(`bad frame from the server: ${why}`),
});
state.sent = conn.sent;
const send = (m: ClientMessage): void => {
  if (!conn.send(m)) log(`not connected: ${m.type} not sent`);
};

const panesRoot = $('panes');
const main: Pane = await createPane(panesRoot, 0, 640);
/** The main pane first, then the pinned ones. */
const panes: Pane[] = [main];
state.backend = main.renderer.backend;
state.surface = main.renderer.surfaceMode;
$('backend').textContent = `renderer: ${state.backend}`;

const plots = new EpisodePlots($('plots'), state.plots);
const curves = new LearningCurves($('curves'), state.metrics);

const timeline = new Timeline($('timeline'), {
  frameCount: () => {
    let n = 1;
    for (const p of panes) n = Math.max(n, p.episode?.frameCount ?? 1);
    return n;
  },
  fps: () => main.episode?.fps ?? 10,
  // Still arriving (a replay streams too): playing waits at its newest frame instead of stopping there,
  // which would send the server `pause` and hold the rest of the stream. A finished live episode waits
  // too while the run is live and the next one has not come: the server sends the next episode's start up
  // to one send interval after the last one's end, and a page that stopped (and sent `pause`) first held
  // the server on that start for good (seen on a live KeyDoorTreasure page, 2026-12-04: drawing stopped
  // after a few episodes).
  growing: () => {
    const ep = main.episode;
    if (ep === null) return false;
    return (ep.end === null && ep.dropped === 0) || (ep.source === 'live' && state.live && pending === null);
  },
  nextEvent: (t) => main.episode?.nextEvent(t) ?? -1,
  previousEvent: (t) => main.episode?.previousEvent(t) ?? -1,
  show: (t, playing) => showFrame(t, playing),
  offscreen: () => panes.every((p) => p.renderer.offscreen),
  reachedEnd: () => {
    if (!pending) return false;
    setMain(pending);
    return true;
  },
  changed: (playing, speed) => {
    state.playing = playing;
    state.speed = speed;
    if (!playing) frameTexts.request(false); // paused: titles and marker show the frame at once
    // The server paces live and replay streams; tell it (harmless when nothing streams).
    if (conn.connected) {
      send({ type: 'pause', paused: !playing });
      send({ type: 'speed', factor: speed });
    }
  },
});

/**
 * The slider follows arriving steps once per animation frame, not per step (a replay arrives as a burst of
 * hundreds of steps). The plots and the episode list, whose redraw grows with the episode, follow at most
 * every SLOW_REFRESH_MS while steps stream, and once more when the episode ends: redrawn at every frame they
 * cost a long episode's playback its frame rate. While playing, they wait for a draw (below). Measured on a
 * live KeyDoorTreasure page (10 fps) in headless chromium, 2026-12-03, paired over 3 rounds on a loaded
 * machine: waiting for a draw and the timeline's timer pacing together cut chromium's CPU by 16–36 % (median
 * 20 %), with the panes drawn into their canvas elements.
 */
const SLOW_REFRESH_MS = 250;
/**
 * While the timeline plays, every DOM change waits for the next write of the frame texts (frameTexts: at most
 * once a second, in the task of a draw), and all of them are made there together: with the panes drawn
 * offscreen a draw costs no page frame, but any DOM change does (style, layout, paint and compositing of the
 * whole page, several ms of headless chromium's CPU), so changes spread over separate draws (label, titles,
 * plots, list, an episode's end) would cost a page frame each.
 */
const frameTexts = new Throttled(PLAYING_TEXT_MS, () => {
  for (const p of panes) titlePane(p, timeline.t);
  plots.mark(timeline.t);
  if (slowDue) runSlowRefresh();
  timeline.refresh(); // the slider and its label in the same page frame
});
/** Longest a due refresh waits while playing (playback waiting at the end of a growing episode draws none). */
const REFRESH_WAIT_MS = 2 * PLAYING_TEXT_MS;
let refreshQueued = false;
let slowQueued = false;
let slowDue = false;
/** The due refresh's fallback (cleared when it runs: an older one would find a newer refresh due and run it early). */
let slowFallback: ReturnType<typeof setTimeout> | null = null;
function scheduleRefresh(): void {
  if (!refreshQueued && !timeline.playing) {
    refreshQueued = true;
    requestAnimationFrame(() => {
      refreshQueued = false;
      timeline.refresh();
    });
  }
  if (slowQueued) return;
  slowQueued = true;
  // Playback waiting at the newest frame draws as soon as the next step arrives: these wait for it too.
  if (timeline.playing) return slowRefreshDue();
  setTimeout(() => (timeline.playing ? slowRefreshDue() : runSlowRefresh()), SLOW_REFRESH_MS);
}

/** While playing: the slow refresh is done with the frame texts (frameTexts). */
function slowRefreshDue(): void {
  slowDue = true;
  slowFallback = setTimeout(runSlowRefresh, REFRESH_WAIT_MS);
}

function runSlowRefresh(): void {
  slowQueued = slowDue = false;
  if (slowFallback !== null) clearTimeout(slowFallback);
  slowFallback = null;
  slowRefresh();
}

function slowRefresh(): void {
  refreshLists(); // running episodes show their step count
  const ep = main.episode;
  if (ep && !ep.redistribution) plots.show(ep);
}

function showFrame(t: number, playing = false): void {
  for (const p of panes) showPaneFrame(p, t);
  const ep = main.episode;
  // An ended episode's last frame shows everything at once: its length and return in the list, the plots.
  frameTexts.request(playing && !(ep && ep.end !== null && t >= ep.frameCount - 1));
  state.t = t;
  state.frameCount = ep?.frameCount ?? 0;
  if (ep) {
    const f = ep.frames[Math.min(t, ep.frameCount - 1)]!;
    state.hud = f.hud;
    state.hudText = main.renderer.hudText;
    state.captionText = main.renderer.captionText;
    if (!sameStrings(state.labels, main.renderer.labels)) state.labels = main.renderer.labels.slice();
    state.cell = main.renderer.cell;
  }
  state.draws++;
}

const listActions: ListActions = {
  send,
  showEpisode: (ep) => setMain(ep),
  runPolicy: (run) => void playPolicy(run),
};

/** Page-made episodes (policy) count down from −1 so they never meet the server's ids. */
let ownEpisodes = 0;

async function playPolicy(run: RunInfo): Promise<void> {
  const p = state.policy;
  if (p.status === 'loading' || p.status === 'playing') return;
  p.status = 'loading';
  const seed = Number(($('policy-seed') as HTMLInputElement).value) || 0;
  try {
    // A separate bundle (policy.js beside app.js): TensorFlow.js and the envs load only when a policy plays.
    const { runPolicy } = (await import(/* a runtime URL, so esbuild leaves it alone */ new URL('policy.js', import.meta.url).href)) as typeof PolicyModule;
    const episode = --ownEpisodes;
    p.episode = episode;
    p.status = 'playing';
    p.actions = await runPolicy({ runId: run.id, envId: run.envId, envKwargs: run.envKwargs, seed, episode, emit: onMessage });
    p.status = 'done';
  } catch (e) {
    p.status = `error: ${(e as Error).message}`;
    log(`policy of ${run.id}: ${(e as Error).message}`);
  }
}

function refreshLists(): void {
  renderEpisodes($('episodes'), held, main.episode, listActions);
}

function setMain(ep: Episode): void {
  if (pending === ep) pending = null;
  main.episode = ep;
  state.episode = ep.id;
  state.envId = ep.envId;
  state.source = ep.source;
  state.seed = ep.seed;
  state.subEnv = ep.subEnv;
  state.globalStep = ep.globalStep;
  state.ended = ep.end !== null;
  setKeyMap(ep);
  plots.show(ep);
  timeline.seek(ep.source === 'play' ? ep.frameCount - 1 : 0);
  // Streams play as they come; recorded episodes wait on frame 0 for the user.
  if (ep.source === 'live' || ep.source === 'policy') timeline.play();
  refreshLists();
}

function setKeyMap(ep: Episode): void {
  const before = state.keyMap.length;
  state.keyMap = ep.source === 'play' ? buildKeyMap(ep.actionNames) : [];
  if (!before && !state.keyMap.length) return; // nothing shown, nothing to show: no DOM write at each live episode
  const legend = $('keys');
  legend.replaceChildren();
  if (!state.keyMap.length) return;
  const title = document.createElement('b');
  title.textContent = `Keyboard play (${ep.envId}): `;
  legend.appendChild(title);
  for (const b of state.keyMap) {
    const s = document.createElement('span');
    s.className = 'key';
    s.textContent = `${b.keys.map(keyLabel).join('/') || '—'} ${b.name}`;
    legend.appendChild(s);
  }
  const save = document.createElement('button');
  save.id = 'play-save';
  save.textContent = 'save as demonstration';
  save.addEventListener('click', () => send({ type: 'play_save' }));
  legend.appendChild(save);
}

function addEpisode(m: EpisodeStartMessage): void {
  const problems = sceneProblems(m.scene);
  if (problems.length) return log(`episode ${m.episode}: invalid start scene: ${problems.slice(0, 3).join('; ')}`);
  const ep = new Episode(m);
  held.push(ep);
  byId.set(ep.id, ep);
  // Forget the oldest episodes, but never one on screen or waiting to be.
  let frames = 0;
  for (const e of held) frames += e.frameCount;
  for (let i = 0; i < held.length && (held.length > MAX_EPISODES || frames > MAX_FRAMES); ) {
    const e = held[i]!;
    if (e === ep || e === pending || panes.some((p) => p.episode === e)) {
      i++;
      continue;
    }
    held.splice(i, 1);
    if (byId.get(e.id) === e) byId.delete(e.id);
    frames -= e.frameCount;
  }
  state.episodes = held.map((e) => e.id);
  const cur = main.episode;
  // A live episode does not cut into the one being watched (playing or paused part-way): it waits, and a
  // newer one replaces it (falling behind skips episodes).
  const busy = cur !== null && ep.source === 'live' && cur.source === 'live' && (cur.end === null || timeline.t < cur.frameCount - 1);
  if (busy) pending = ep;
  else setMain(ep);
  if (timeline.playing) scheduleRefresh(); // listed with the other changes (frameTexts)
  else refreshLists();
}

function onMessage(m: ServerMessage): void {
  switch (m.type) {
    case 'hello':
      if (m.protocol !== PROTOCOL_VERSION || m.sceneVersion !== SCENE_VERSION) {
        log(`server speaks protocol ${m.protocol}, scene ${m.sceneVersion}; this page knows ${PROTOCOL_VERSION}, ${SCENE_VERSION}: reload the page`);
        conn.close();
        return;
      }
      for (const id of [...byId.keys()]) if (id >= 0) byId.delete(id); // a new connection's ids may repeat old ones
      state.runs = m.runs;
      state.live = m.live;
      renderRuns($('runs'), m.runs, m.live, listActions);
      return;
    case 'runs':
      state.runs = m.runs;
      state.live = m.live;
      renderRuns($('runs'), m.runs, m.live, listActions);
      return;
    case 'episode_start':
      return addEpisode(m);
    case 'step': {
      const ep = byId.get(m.episode);
      if (!ep) return;
      if (!ep.addStep(m)) {
        if (ep.dropped === 1) {
          log(`episode ${ep.id}: step ${m.t} arrived after frame ${ep.frameCount - 1}; the episode stops there (steps are deltas)`);
          scheduleRefresh(); // the list marks it cut
        }
        return;
      }
      if (ep === main.episode) {
        state.frameCount = ep.frameCount;
        if (ep.source === 'play') timeline.seek(ep.frameCount - 1); // play shows the newest frame at once
        scheduleRefresh();
      } else if (panes.some((p) => p.episode === ep)) scheduleRefresh();
      return;
    }
    case 'episode_end': {
      const ep = byId.get(m.episode);
      if (!ep) return;
      ep.end = m;
      // Drawn and listed with the other changes (frameTexts) while playback draws frames of this episode (its
      // last frame writes everything at once); else at once (playback waiting at its end draws nothing more).
      const later = timeline.playing && !(ep === main.episode && timeline.waiting);
      if (ep === main.episode) {
        state.ended = true;
        if (!ep.redistribution) plots.show(ep, !later); // the last steps' data at once, without waiting for the slow refresh
      }
      if (later) return scheduleRefresh();
      refreshLists();
      return;
    }
    case 'redistribution': {
      const ep = byId.get(m.episode);
      if (!ep) return;
      ep.redistribution = m;
      if (ep === main.episode) plots.show(ep);
      return;
    }
    case 'metrics':
      return curves.set(m);
    case 'saved':
      state.saved = m;
      $('saved').textContent = `saved ${m.path} (${m.length} steps, return ${m.return})`;
      return;
    case 'error':
      return log(`server: ${m.code}: ${m.message}`);
  }
}

// Keyboard play while the main pane shows a running play episode; otherwise Space, ← and → drive the
// timeline. Never while typing in a control.
document.addEventListener('keydown', (e) => {
  const ep = main.episode;
  if (!ep || e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target as HTMLElement | null)?.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
  if (ep.source !== 'play' || ep.end !== null) {
    const move = e.key === ' ' ? 0 : e.key === 'ArrowLeft' ? -1 : e.key === 'ArrowRight' ? 1 : null;
    if (move === null || (tag === 'BUTTON' && e.key === ' ')) return; // Space on a button clicks it
    e.preventDefault();
    if (move === 0) timeline.toggle();
    else timeline.step(move);
    return;
  }
  const action = actionForKey(state.keyMap, e.key);
  if (action < 0) return;
  e.preventDefault();
  send({ type: 'play_act', action });
});

let pinCount = 0; // pane element ids: pane-0 is the main pane, pinned ones count up and are never reused
$('pin').addEventListener('click', () => {
  const ep = main.episode;
  if (!ep || panes.length >= MAX_PANES) return;
  const holder: { pane?: Pane } = {};
  const close = (): void => {
    const p = holder.pane;
    if (!p) return;
    panes.splice(panes.indexOf(p), 1);
    p.renderer.destroy();
    p.element.remove();
    state.panes = panes.length;
    layoutPanes(panes, panesRoot.clientWidth);
    showFrame(timeline.t);
  };
  void createPane(panesRoot, ++pinCount, 420, close).then((p) => {
    holder.pane = p;
    p.episode = ep;
    panes.push(p);
    state.panes = panes.length;
    layoutPanes(panes, panesRoot.clientWidth);
    timeline.refresh();
    showFrame(timeline.t);
  });
});

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

conn.open();
state.ready = true;
