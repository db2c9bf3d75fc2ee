/**
 * One episode as the page keeps it: every frame's scene (s_t = applySceneDelta(s_{t−1}, delta_t), built
 * once as steps arrive, so scrubbing is an index), the actions and rewards, the end, and the method's
 * redistribution when it comes. Frames share unchanged layers, sprites and HUD objects with their
 * predecessors, so a long episode costs little more than its deltas.
 */
import type { Scene } from '../../envs/core/scene.ts';
import type { EpisodeEndMessage, EpisodeSource, EpisodeStartMessage, RedistributionMessage, StepMessage } from '../protocol.ts';
import { applySceneDelta } from '../protocol-core.ts';

export class Episode {
  readonly id: number;
  readonly source: EpisodeSource;
  readonly runId: string;
  readonly envId: string;
  readonly seed: number | null;
  /** The live run's sub-env (−1 otherwise) and PPO's global step at the episode's end (null otherwise). */
  readonly subEnv: number;
  readonly globalStep: number | null;
  readonly actionNames: string[];
  readonly fps: number;
  /** frames[t] is s_t; frames[0] is the start scene. */
  readonly frames: Scene[];
  /** actions[t − 1], rewards[t − 1]: what led from s_{t−1} to s_t. */
  readonly actions: number[] = [];
  readonly rewards: number[] = [];
  /** Frame indices whose scene has events, ascending (for jump to next/previous event). */
  readonly eventFrames: number[] = [];
  end: EpisodeEndMessage | null = null;
  redistribution: RedistributionMessage | null = null;
  /**
   * Steps dropped because they did not follow the last frame (t ≠ frames.length). A delta is relative to
   * the frame before it, so after a gap no later step can be applied: the episode stays cut at the gap.
   */
  dropped = 0;

  constructor(start: EpisodeStartMessage) {
    this.id = start.episode;
    this.source = start.source;
    this.runId = start.runId;
    this.envId = start.envId;
    this.seed = start.seed;
    this.subEnv = start.subEnv;
    this.globalStep = start.globalStep;
    this.actionNames = start.actionNames;
    this.fps = start.fps > 0 && Number.isFinite(start.fps) ? start.fps : 10;
    this.frames = [start.scene];
    if (start.scene.events?.length) this.eventFrames.push(0);
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /** Appends step t's frame; false when t is not the next frame (a gap means lost frames: drop, count). */
  addStep(m: StepMessage): boolean {
    if (m.t !== this.frames.length) {
      this.dropped++;
      return false;
    }
    const s = applySceneDelta(this.frames[this.frames.length - 1]!, m.delta);
    this.frames.push(s);
    this.actions.push(m.action);
    this.rewards.push(m.reward);
    if (s.events?.length) this.eventFrames.push(m.t);
    return true;
  }

  /** The first event frame after t, or −1. */
  nextEvent(t: number): number {
    for (const f of this.eventFrames) if (f > t) return f;
    return -1;
  }

  /** The last event frame before t, or −1. */
  previousEvent(t: number): number {
    for (let i = this.eventFrames.length - 1; i >= 0; i--) if (this.eventFrames[i]! < t) return this.eventFrames[i]!;
    return -1;
  }

  /** "#3 KeyDoorTreasure-v0 (replay, 14 steps, return 1)". */
  describe(): string {
    const steps = this.frames.length - 1;
    const ret = this.end ? `, return ${round(this.end.return)}` : this.source === 'live' || this.source === 'play' ? ', running' : '';
    const cut = this.dropped ? `, cut at a lost step` : '';
    return `#${this.id} ${this.envId} (${this.source}, ${steps} step${steps === 1 ? '' : 's'}${ret}${cut})`;
  }
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
