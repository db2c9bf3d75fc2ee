import type { RenderMode } from '../core/env.ts';
import type { EnvSpec } from '../core/spec.ts';
import type { Space } from '../spaces/space.ts';
import { checkFields, loadFields, saveFields } from '../core/state-fields.ts';
import { EnvStateError, hasEnvState, stateOfKind, type EnvState } from '../core/env-state.ts';
import { AutoresetMode, type VectorEnv, type VectorEnvMetadata, type VectorResetOptions, type VectorResetResult, type VectorStepResult } from './vector-env.ts';

const VRES_FIELDS = {
  scalars: ['episodeCount'],
  arrays: ['episodeDone', 'episodeReturns', 'episodeLengths', 'returnQueue', 'lengthQueue', 'runningReturns', 'runningLengths', 'prevDone'],
} as const;

/**
 * Episode returns and lengths of a vector env (Gymnasium's vector RecordEpisodeStatistics), in typed
 * arrays instead of an `info.episode` dict: after each `step`, where `episodeDone[i] === 1` sub-env i
 * finished an episode with `episodeReturns[i]` and `episodeLengths[i]`. The last `bufferLength` episodes
 * (all sub-envs, in step then sub-env order) are kept in ring buffers.
 *
 * Follows the inner env's autoreset mode: under `next_step` the reset step after a done is neither
 * counted nor rewarded, so an episode of k steps has length k in both modes.
 */
export class VectorRecordEpisodeStatistics<BO = unknown, BA = unknown> implements VectorEnv<BO, BA> {
  /** `[numEnvs]`, 1 where an episode ended in the last step. */
  readonly episodeDone: Uint8Array;
  /** `[numEnvs]`, the finished episode's return where `episodeDone[i] === 1`. */
  readonly episodeReturns: Float64Array;
  /** `[numEnvs]`, the finished episode's length where `episodeDone[i] === 1`. */
  readonly episodeLengths: Int32Array;
  /** Ring buffer of the last `bufferLength` episode returns; see `recentReturns()` for them in order. */
  readonly returnQueue: Float64Array;
  readonly lengthQueue: Int32Array;
  /** Episodes finished since construction. */
  episodeCount = 0;
  private readonly runningReturns: Float64Array;
  private readonly runningLengths: Int32Array;
  private readonly prevDone: Uint8Array;
  private readonly nextStep: boolean;

  constructor(readonly env: VectorEnv<BO, BA>, options: { bufferLength?: number } = {}) {
    const len = options.bufferLength ?? 100;
    if (!Number.isInteger(len) || len <= 0) throw new RangeError(`VectorRecordEpisodeStatistics: bufferLength must be a positive integer, got ${String(len)}`);
    const n = env.numEnvs;
    this.episodeDone = new Uint8Array(n);
    this.episodeReturns = new Float64Array(n);
    this.episodeLengths = new Int32Array(n);
    this.runningReturns = new Float64Array(n);
    this.runningLengths = new Int32Array(n);
    this.prevDone = new Uint8Array(n);
    this.returnQueue = new Float64Array(len);
    this.lengthQueue = new Int32Array(len);
    this.nextStep = (env.metadata.autoresetMode ?? AutoresetMode.NEXT_STEP) === AutoresetMode.NEXT_STEP;
  }

  get numEnvs(): number {
    return this.env.numEnvs;
  }
  get singleObservationSpace(): Space<unknown> {
    return this.env.singleObservationSpace;
  }
  get singleActionSpace(): Space<unknown> {
    return this.env.singleActionSpace;
  }
  get observationSpace(): Space<BO> {
    return this.env.observationSpace;
  }
  get actionSpace(): Space<BA> {
    return this.env.actionSpace;
  }
  get metadata(): VectorEnvMetadata {
    return this.env.metadata;
  }
  get renderMode(): RenderMode | null {
    return this.env.renderMode;
  }
  get spec(): EnvSpec | null {
    return this.env.spec;
  }
  set spec(s: EnvSpec | null) {
    this.env.spec = s;
  }
  get closed(): boolean {
    return this.env.closed;
  }

  reset(options?: VectorResetOptions): VectorResetResult<BO> {
    const r = this.env.reset(options);
    this.runningReturns.fill(0);
    this.runningLengths.fill(0);
    this.prevDone.fill(0);
    this.episodeDone.fill(0);
    return r;
  }

  step(actions: BA): VectorStepResult<BO> {
    const r = this.env.step(actions);
    const n = this.env.numEnvs;
    const rewards = r.rewards, terms = r.terminations, truncs = r.truncations;
    const ret = this.runningReturns, len = this.runningLengths, prev = this.prevDone, done = this.episodeDone;
    for (let i = 0; i < n; i++) {
      if (this.nextStep && prev[i] === 1) {
        // The reset step after a done: not part of any episode.
        ret[i] = 0;
        len[i] = 0;
        prev[i] = 0;
        done[i] = 0;
        continue;
      }
      ret[i]! += rewards[i]!;
      len[i]! += 1;
      if (terms[i] === 1 || truncs[i] === 1) {
        done[i] = 1;
        this.episodeReturns[i] = ret[i]!;
        this.episodeLengths[i] = len[i]!;
        const slot = this.episodeCount % this.returnQueue.length;
        this.returnQueue[slot] = ret[i]!;
        this.lengthQueue[slot] = len[i]!;
        this.episodeCount++;
        if (this.nextStep) prev[i] = 1;
        else {
          ret[i] = 0;
          len[i] = 0;
        }
      } else {
        done[i] = 0;
      }
    }
    return r;
  }

  close(): void {
    this.env.close();
  }

  /** The env-state contract: the inner vector env's state must be savable too. */
  envStateSupported(): boolean {
    return hasEnvState(this.env);
  }

  /** The running episodes' returns and lengths, the recent episodes, and the inner vector env's state. */
  getState(): EnvState {
    if (!hasEnvState(this.env)) throw new EnvStateError(`VectorRecordEpisodeStatistics: the inner ${String(this.env)} has no getState/setState`);
    return { kind: 'VectorRecordEpisodeStatistics', fields: saveFields(this, VRES_FIELDS, 'VectorRecordEpisodeStatistics.getState'), inner: this.env.getState() };
  }

  setState(state: EnvState): void {
    const s = stateOfKind(state, 'VectorRecordEpisodeStatistics', 'VectorRecordEpisodeStatistics');
    if (!hasEnvState(this.env)) throw new EnvStateError(`VectorRecordEpisodeStatistics: the inner ${String(this.env)} has no getState/setState`);
    checkFields(this, VRES_FIELDS, s.fields, 'VectorRecordEpisodeStatistics.setState: fields');
    this.env.setState(s.inner as EnvState);
    loadFields(this, VRES_FIELDS, s.fields, 'VectorRecordEpisodeStatistics.setState: fields');
  }

  /** Number of episodes in the ring buffers (≤ bufferLength). */
  get queueSize(): number {
    return Math.min(this.episodeCount, this.returnQueue.length);
  }

  /** The buffered returns, oldest first (a copy). */
  recentReturns(): Float64Array {
    return this.ordered(this.returnQueue) as Float64Array;
  }

  /** The buffered lengths, oldest first (a copy). */
  recentLengths(): Int32Array {
    return this.ordered(this.lengthQueue) as Int32Array;
  }

  /** Mean of the buffered returns; NaN before the first episode ends. */
  meanReturn(): number {
    return mean(this.returnQueue, this.queueSize);
  }

  /** Mean of the buffered lengths; NaN before the first episode ends. */
  meanLength(): number {
    return mean(this.lengthQueue, this.queueSize);
  }

  toString(): string {
    return `VectorRecordEpisodeStatistics<${String(this.env)}>`;
  }

  private ordered(q: Float64Array | Int32Array): Float64Array | Int32Array {
    const size = this.queueSize, cap = q.length;
    const out = q instanceof Float64Array ? new Float64Array(size) : new Int32Array(size);
    const start = this.episodeCount > cap ? this.episodeCount % cap : 0;
    for (let k = 0; k < size; k++) out[k] = q[(start + k) % cap]!;
    return out;
  }
}

function mean(q: ArrayLike<number>, size: number): number {
  if (size === 0) return NaN;
  let s = 0;
  for (let k = 0; k < size; k++) s += q[k]!;
  return s / size;
}
