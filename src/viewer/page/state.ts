/**
 * What the page exposes on `window.__viewer`: enough of its state for tests (and curious users in the
 * console) to assert on what is shown without reading pixels.
 */
import type { HudValue } from '../../envs/core/scene.ts';
import type { ClientMessage, RunInfo, SavedMessage } from '../protocol.ts';
import type { KeyBinding } from './keymap.ts';

export interface PlotState {
  /** Per step of the shown episode (index t − 1): env reward, redistributed reward, return prediction. */
  rewards: number[];
  redistributed: number[];
  predictions: number[];
  /** Running sums of `rewards` and `redistributed`. */
  cumReturn: number[];
  cumRedistributed: number[];
  /** The shown episode's trust q and model error (null before its redistribution arrives). */
  quality: number | null;
  error: number | null;
  /** Trust of every episode with a redistribution, in arrival order. */
  trust: { episodes: number[]; quality: number[] };
}

export interface ViewerState {
  /** The renderer is up and the page listens. */
  ready: boolean;
  /** 'webgl', 'webgpu' or 'canvas'. */
  backend: string;
  /** How the main pane's drawing reaches the page: 'transfer', 'bitmap' or 'dom' (surface.ts). */
  surface: string;
  connected: boolean;
  /** Connections opened so far (a reconnect adds one). */
  connections: number;
  runs: RunInfo[];
  live: boolean;
  /** Ids of the episodes held, oldest first. */
  episodes: number[];
  /** The main pane's episode. */
  episode: number | null;
  envId: string | null;
  source: string | null;
  /** The main pane's episode: its seed (null for live episodes), sub-env (−1 unless live), PPO's global step at its end (live only). */
  seed: number | null;
  subEnv: number;
  globalStep: number | null;
  t: number;
  frameCount: number;
  ended: boolean;
  playing: boolean;
  speed: number;
  /** The shown frame's HUD (the scene's own object) and the texts as drawn. */
  hud: Record<string, HudValue> | null;
  hudText: string;
  captionText: string;
  labels: string[];
  /** Pixels per cell of the main pane; the world starts at the canvas's top-left corner. */
  cell: number;
  /** Renders so far (a test waits for this to move after an action). */
  draws: number;
  panes: number;
  plots: PlotState;
  metrics: { column: string; x: number[]; y: number[] };
  keyMap: KeyBinding[];
  sent: ClientMessage[];
  saved: SavedMessage | null;
  /** The in-page policy: 'idle', 'loading', 'playing', 'done' or 'error: …'; the actions of its last episode. */
  policy: { status: string; episode: number | null; actions: number[] };
  errors: string[];
  /** Shows frame t of the shown episode(s) (as the slider does). */
  seek(t: number): void;
}

declare global {
  interface Window {
    __viewer: ViewerState;
  }
}
