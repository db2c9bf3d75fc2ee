/**
 * The viewer's wire protocol: every message between the server (`rudder view`, `rudder train --view`) and
 * the page, one msgpack-encoded object per WebSocket binary frame, each with a `type`.
 *
 * Versioned: the server's first message is `hello` with {@link PROTOCOL_VERSION}; a page refuses a version
 * it does not know. Inbound messages (page → server) are untrusted: the server decodes at most
 * {@link MAX_INBOUND_BYTES}, then validates with {@link parseClientMessage} (msgpackr returns objects for
 * garbage such as byte 0xC1 and renames `__proto__` keys, so shape is never assumed), and answers a bad one
 * with an `error` message naming the problem; the connection stays open.
 *
 * Episodes are sent as a start (the whole first scene, static tile layers included), then step frames with
 * only what changes (sprites, hud, events, and a layer only when its tiles changed), then an end. RUDDER's
 * (or Align-RUDDER's) per-step output for an episode comes as one `redistribution` message.
 *
 * Server → page: {@link ServerMessage}; page → server: {@link ClientMessage}.
 */
import { z } from 'zod';
import type { Scene } from '../envs/core/scene.ts';
import { PROTOCOL_VERSION } from './protocol-core.ts';

// The zod-free part lives in protocol-core.ts so the page can bundle it without zod.
export { PROTOCOL_VERSION, WS_PATH, applySceneDelta, sceneDelta } from './protocol-core.ts';
/** Largest inbound frame the server accepts (ws `maxPayload`); larger ones close that socket with 1009. */
export const MAX_INBOUND_BYTES = 64 * 1024;

// ---------------------------------------------------------------- server → page

/** Where an episode comes from: a live training run, a file on disk, or keyboard play. */
export type EpisodeSource = 'live' | 'replay' | 'play' | 'policy';

/** First message on every connection. */
export interface HelloMessage {
  type: 'hello';
  protocol: typeof PROTOCOL_VERSION;
  sceneVersion: number;
  /** What this server offers: runs it serves, and whether a live run is attached. */
  runs: RunInfo[];
  live: boolean;
}

export interface RunInfo {
  /** Stable id for `open_replay`/`subscribe` (the run folder's name). */
  id: string;
  envId: string;
  /** The run's env options (`make(envId, envKwargs)`), so the page steps the same env as the trainer. */
  envKwargs: Record<string, unknown>;
  /** The env's `metadata.actionNames` (one per discrete action), for labels and the key map. */
  actionNames: string[];
  /** Frames per second to play the env at (`metadata.render_fps`, default 10). */
  fps: number;
  /** Recorded episodes (replays, demos) under the run's folder, as paths relative to it. */
  episodes: string[];
  /** Whether `model/model.json` exists (the policy can play in the page). */
  hasModel: boolean;
}

/** What labels an episode: where it comes from, its env and how to play it. */
export interface EpisodeLabel {
  source: EpisodeSource;
  runId: string;
  envId: string;
  /** Sub-env index (live), or −1. */
  subEnv: number;
  seed: number | null;
  globalStep: number | null;
  actionNames: string[];
  fps: number;
}

export interface EpisodeStartMessage extends EpisodeLabel {
  type: 'episode_start';
  /** Server-chosen id, unique per connection; every later message of the episode carries it. */
  episode: number;
  /** s_0, whole. */
  scene: Scene;
}

export type { SceneDelta } from './protocol-core.ts';
import type { SceneDelta } from './protocol-core.ts';

export interface StepMessage {
  type: 'step';
  episode: number;
  /** 1-based step index t: the frame after action t−1. */
  t: number;
  action: number;
  reward: number;
  delta: SceneDelta;
}

export interface EpisodeEndMessage {
  type: 'episode_end';
  episode: number;
  length: number;
  return: number;
  terminated: boolean;
  truncated: boolean;
}

/** A method's per-step view of an episode (RUDDER's `RudderEpisode`; Align-RUDDER's likewise). */
export interface RedistributionMessage {
  type: 'redistribution';
  episode: number;
  method: 'rudder' | 'align-rudder';
  /** Per step [length]: the env reward, the redistributed reward, the model's return prediction after the step. */
  rewards: number[];
  redistributed: number[];
  predictions: number[];
  /** Trust q given to the episode (0 when refused), and the model's error. */
  quality: number;
  error: number;
}

/**
 * The served runs changed since `hello` (a run folder appeared, an episode was recorded, a model was saved):
 * the whole list again, sent to every page when a periodic look at the folders finds a difference.
 */
export interface RunsMessage {
  type: 'runs';
  runs: RunInfo[];
  /** As in `hello`: false once the live run has finished training. */
  live: boolean;
}

/** Training metrics rows (as written to metrics.jsonl), for learning curves. */
export interface MetricsMessage {
  type: 'metrics';
  runId: string;
  rows: Record<string, number | string | boolean | null>[];
}

/** Answer to `play_save`: where the demonstration went (relative to the run folder). */
export interface SavedMessage {
  type: 'saved';
  path: string;
  return: number;
  length: number;
}

export interface ErrorMessage {
  type: 'error';
  /** Machine-readable: `bad_message`, `too_large`, `unknown_run`, `not_found`, `invalid_action`, `busy`, `internal`. */
  code: string;
  message: string;
}

export type ServerMessage =
  | HelloMessage | EpisodeStartMessage | StepMessage | EpisodeEndMessage | RedistributionMessage
  | MetricsMessage | SavedMessage | ErrorMessage | RunsMessage;

// ---------------------------------------------------------------- page → server

const id = z.string().min(1).max(200);

const clientSchema = z.discriminatedUnion('type', [
  /** Watch a live run: the server arms capture of sub-env `subEnv`'s next episode, again after each one. */
  z.strictObject({ type: z.literal('subscribe'), runId: id, subEnv: z.number().int().min(0).max(4095).default(0) }),
  z.strictObject({ type: z.literal('unsubscribe') }),
  /** Replay a recorded episode (a path from `RunInfo.episodes`). */
  z.strictObject({ type: z.literal('open_replay'), runId: id, path: z.string().min(1).max(1000) }),
  /** Ask for a run's metrics rows. */
  z.strictObject({ type: z.literal('get_metrics'), runId: id }),
  /** Keyboard play: a new episode of `envId` (kwargs as registered), the seed chosen by the server. */
  z.strictObject({ type: z.literal('play_reset'), runId: id, envId: id }),
  z.strictObject({ type: z.literal('play_act'), action: z.number().int().min(0).max(1 << 20) }),
  /** Save the finished (or current) play episode as a demonstration under the run's `demos/`. */
  z.strictObject({ type: z.literal('play_save'), note: z.string().max(1000).optional() }),
  z.strictObject({ type: z.literal('pause'), paused: z.boolean() }),
  z.strictObject({ type: z.literal('speed'), factor: z.number().min(0.25).max(8) }),
]);

export type ClientMessage = z.output<typeof clientSchema>;

/** A client message that does not fit the protocol; `message` names the field. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Validates a decoded inbound message; throws {@link ProtocolError} naming what is wrong. */
export function parseClientMessage(x: unknown): ClientMessage {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new ProtocolError('message must be a map with a "type"');
  const r = clientSchema.safeParse(x);
  if (!r.success) {
    const problems = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(top)'}: ${i.message}`);
    throw new ProtocolError(`bad message: ${problems.join('; ')}`);
  }
  return r.data;
}
