import type { Env, Info, ResetOptions, ResetResult, StepResult } from '../core/env.ts';
import { copyStepResult, newStepResult } from '../core/step-result.ts';
import type { FieldList } from '../core/state-fields.ts';
import { Wrapper } from './wrapper.ts';

/** What `RecordEpisodeStatistics` adds to the final step's info (Gymnasium's `info["episode"]`). */
export interface EpisodeStatistics {
  /** Return: the undiscounted sum of the episode's rewards. */
  r: number;
  /** Length: the number of steps. */
  l: number;
  /** Wall-clock seconds from the episode's `reset` to its last step. */
  t: number;
}

export interface RecordEpisodeStatisticsOptions {
  /** How many recent episodes `returnQueue`, `lengthQueue` and `timeQueue` keep. Default 100. */
  bufferLength?: number;
  /** The info key the statistics are written under. Default `'episode'`. */
  statsKey?: string;
}

/**
 * Adds `info[statsKey] = { r, l, t }` on the step where `terminated || truncated` (Gymnasium's
 * RecordEpisodeStatistics), and keeps the last `bufferLength` episodes' returns, lengths and times.
 *
 * The inner env's info object is never written to (envs may share or freeze it): the final step gets a
 * new info object, a copy of the inner one plus the statistics; every other step passes the inner info
 * through without allocating.
 */
export class RecordEpisodeStatistics<O, A> extends Wrapper<O, A> {
  readonly bufferLength: number;
  readonly statsKey: string;
  /** Episodes finished since construction. */
  episodeCount = 0;
  /** Return and length of the episode under way. */
  episodeReturn = 0;
  episodeLength = 0;
  private episodeStartMs = performance.now();
  // Ring buffers of the last `bufferLength` episodes; `head` is the next slot to write.
  private readonly returns: Float64Array;
  private readonly lengths: Float64Array;
  private readonly times: Float64Array;
  private head = 0;
  private filled = 0;
  private readonly result: StepResult<O> = newStepResult<O>();

  constructor(env: Env<O, A>, options: RecordEpisodeStatisticsOptions = {}) {
    super(env);
    const { bufferLength = 100, statsKey = 'episode' } = options;
    if (!Number.isInteger(bufferLength) || bufferLength <= 0) {
      throw new RangeError(`RecordEpisodeStatistics: bufferLength must be a positive integer, got ${String(bufferLength)}`);
    }
    if (typeof statsKey !== 'string' || statsKey === '') {
      throw new TypeError(`RecordEpisodeStatistics: statsKey must be a non-empty string, got ${String(statsKey)}`);
    }
    this.bufferLength = bufferLength;
    this.statsKey = statsKey;
    this.returns = new Float64Array(bufferLength);
    this.lengths = new Float64Array(bufferLength);
    this.times = new Float64Array(bufferLength);
  }

  /** The counts and the recent episodes (not the clock: episode times are wall-clock anyway). */
  protected override stateFields(): FieldList {
    return { scalars: ['episodeCount', 'episodeReturn', 'episodeLength', 'head', 'filled'], arrays: ['returns', 'lengths', 'times'] };
  }

  protected override stateConfig(): Record<string, unknown> {
    return { bufferLength: this.bufferLength };
  }

  reset(options?: ResetOptions): ResetResult<O> {
    const r = this.env.reset(options);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStartMs = performance.now();
    return r;
  }

  step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    const out = copyStepResult(this.result, r, r.obs, r.reward);
    if (r.terminated || r.truncated) out.info = this.finishEpisode(r.info);
    return out;
  }

  /** Returns of the recorded episodes, oldest first (at most `bufferLength`). */
  get returnQueue(): number[] {
    return this.ordered(this.returns);
  }

  /** Lengths of the recorded episodes, oldest first. */
  get lengthQueue(): number[] {
    return this.ordered(this.lengths);
  }

  /** Wall-clock seconds of the recorded episodes, oldest first. */
  get timeQueue(): number[] {
    return this.ordered(this.times);
  }

  private finishEpisode(innerInfo: Info): Info {
    const key = this.statsKey;
    if (key in innerInfo) {
      throw new Error(`RecordEpisodeStatistics: the env's info already has a "${key}" key; pass another statsKey`);
    }
    // Seconds, rounded to microseconds as Gymnasium does.
    const t = Math.round((performance.now() - this.episodeStartMs) * 1000) / 1e6;
    const stats: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t };
    const i = this.head;
    this.returns[i] = stats.r;
    this.lengths[i] = stats.l;
    this.times[i] = stats.t;
    this.head = (i + 1) % this.bufferLength;
    if (this.filled < this.bufferLength) this.filled++;
    this.episodeCount++;
    // Start the next count here too, not only in reset, so that a caller who steps on without reset
    // (an autoresetting inner env) does not fold two episodes into one. Gymnasium restarts only the clock.
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStartMs = performance.now();
    return { ...innerInfo, [key]: stats };
  }

  private ordered(buf: Float64Array): number[] {
    const out: number[] = [];
    const first = (this.head - this.filled + this.bufferLength) % this.bufferLength;
    for (let k = 0; k < this.filled; k++) out.push(buf[(first + k) % this.bufferLength]!);
    return out;
  }
}
