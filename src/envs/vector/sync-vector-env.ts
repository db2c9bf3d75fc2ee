import { EMPTY_INFO, type Env, type Info, invalidActionError, type RenderMode, type RenderResult, type ResetOptions } from '../core/env.ts';
import { ResetNeededError } from '../core/errors.ts';
import { checkStateConfig, EnvStateError, hasEnvState, stateOfKind, type EnvState } from '../core/env-state.ts';
import { decodeArrayLike, encodeArray, type EncodedArray } from '../core/state-fields.ts';
import type { EnvSpec } from '../core/spec.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import type { Space, TypedArray } from '../spaces/space.ts';
import { batchReader, batchWriter, createBatch, type ElementReader, type ElementWriter } from './batching.ts';
import {
  AutoresetMode, parseAutoresetMode, setAllStates, subEnvSeeds,
  type BatchOf, type VectorEnv, type VectorEnvMetadata, type VectorResetOptions, type VectorResetResult, type VectorStepResult,
} from './vector-env.ts';

/** The batch buffers a {@link SubEnvGroup} writes into (indexed by global sub-env index). */
export interface SubEnvBuffers {
  obs: unknown;
  rewards: Float64Array;
  terminations: Uint8Array;
  truncations: Uint8Array;
  /** same_step only. */
  finalObs: unknown | null;
  /** same_step only. */
  finalMask: Uint8Array | null;
}

/**
 * Sub-envs `offset … offset + envs.length − 1` of a vector env, stepped in order with autoreset, writing
 * into shared batch buffers. SyncVectorEnv is one group over all sub-envs; each ThreadVectorEnv worker
 * runs one group over its slice, which is why both give the same trajectories.
 *
 * Two step paths with the same results: a fast one for the common case of Discrete actions and Box
 * observations (CartPole and most classic control), which copies observations with an inline loop, and a
 * general one that goes through the {@link batchReader}/{@link batchWriter} closures for any space.
 */
export class SubEnvGroup {
  /** `[numEnvs]` (global indices; this group fills its own slice). */
  readonly infos: Info[];
  /** same_step only: `[numEnvs]`, the final info where the sub-env finished this step, else null. */
  readonly finalInfos: (Info | null)[] | null;
  /** True when steps take the fast path (Discrete actions, Box observations). */
  readonly fastPath: boolean;
  private readonly needsReset: Uint8Array;
  private readonly actions: unknown[];
  private readonly readAction: ElementReader;
  private readonly writeObs: ElementWriter;
  private readonly writeFinalObs: ElementWriter | null;
  private readonly nextStep: boolean;
  private readonly discrete: Discrete | null;
  /** Fast path: elements per observation, and the obs / final-obs buffers as typed arrays. */
  private readonly obsSize: number;
  private readonly obsBatch: TypedArray;
  private readonly finalObsBatch: TypedArray;

  constructor(
    readonly envs: readonly Env<unknown, unknown>[],
    readonly offset: number,
    readonly numEnvs: number,
    readonly singleObservationSpace: Space<unknown>,
    readonly singleActionSpace: Space<unknown>,
    readonly autoresetMode: AutoresetMode,
    readonly buffers: SubEnvBuffers,
    /** Prefixes error messages, e.g. `SyncVectorEnv(CartPole-v1)`. */
    readonly who: string,
    /** `fastPath: false` forces the general path (the tests compare the two). */
    options: { fastPath?: boolean } = {},
  ) {
    this.nextStep = autoresetMode === AutoresetMode.NEXT_STEP;
    this.infos = new Array<Info>(numEnvs).fill(EMPTY_INFO);
    this.finalInfos = this.nextStep ? null : new Array<Info | null>(numEnvs).fill(null);
    this.needsReset = new Uint8Array(envs.length);
    this.actions = new Array<unknown>(envs.length).fill(undefined);
    this.readAction = batchReader(singleActionSpace, numEnvs, who);
    this.discrete = singleActionSpace instanceof Discrete ? singleActionSpace : null;
    this.writeObs = batchWriter(singleObservationSpace, buffers.obs, who);
    this.writeFinalObs = buffers.finalObs === null ? null : batchWriter(singleObservationSpace, buffers.finalObs, who);
    this.fastPath = (options.fastPath ?? true) && this.discrete !== null && singleObservationSpace instanceof Box;
    this.obsSize = singleObservationSpace instanceof Box ? singleObservationSpace.size : 0;
    this.obsBatch = (this.fastPath ? buffers.obs : NO_BATCH) as TypedArray;
    this.finalObsBatch = (this.fastPath && buffers.finalObs !== null ? buffers.finalObs : NO_BATCH) as TypedArray;
  }

  /** Whether every sub-env of the group has the env-state contract. */
  envStateSupported(): boolean {
    return this.envs.every((e) => hasEnvState(e));
  }

  /** The group's part of a vector env state: its sub-envs' states and which of them reset on the next step. */
  getState(): { envs: EnvState[]; needsReset: EncodedArray } {
    return { envs: this.envs.map((e) => e.getState!()), needsReset: encodeArray(this.needsReset) };
  }

  /** Restores {@link getState} output, all or nothing. */
  setState(state: { envs?: unknown; needsReset?: unknown }): void {
    const needsReset = decodeArrayLike(this.needsReset, state.needsReset, `${this.who}.setState: needsReset`);
    setAllStates(this.envs, state.envs, this.who, this.offset);
    this.needsReset.set(needsReset);
  }

  /** Reset every sub-env of the group; `seeds` and the buffers are indexed globally. */
  reset(seeds: readonly (number | undefined)[], options?: Record<string, unknown>): void {
    const { rewards, terminations, truncations, finalMask } = this.buffers;
    for (let k = 0; k < this.envs.length; k++) {
      const i = this.offset + k;
      const ro: ResetOptions = {};
      if (seeds[i] !== undefined) ro.seed = seeds[i];
      if (options !== undefined) ro.options = options;
      const r = this.envs[k]!.reset(ro);
      this.writeObs(i, r.obs);
      this.infos[i] = r.info;
      rewards[i] = 0;
      terminations[i] = 0;
      truncations[i] = 0;
      this.needsReset[k] = 0;
      if (finalMask) finalMask[i] = 0;
      if (this.finalInfos) this.finalInfos[i] = null;
    }
  }

  /** Step every sub-env of the group with its action from the batch `actions` (all actions are checked first). */
  step(actions: unknown): void {
    if (this.fastPath) {
      this.checkFastActions(actions, this.discrete!);
      this.stepFast(actions as ArrayLike<number>); // the loop reads the checked actions from the batch
    } else {
      this.readActions(actions);
      this.stepGeneral();
    }
  }

  /** Read and check every action into `this.actions` before stepping any sub-env, so an invalid action changes nothing. */
  private readActions(actions: unknown): void {
    const n = this.envs.length, off = this.offset, nextStep = this.nextStep;
    const acts = this.actions, needsReset = this.needsReset, space = this.singleActionSpace;
    if (this.discrete !== null) {
      this.checkDiscreteActions(actions, this.discrete, true);
      return;
    }
    for (let k = 0; k < n; k++) {
      if (nextStep && needsReset[k] === 1) continue; // this step resets the sub-env; its action is ignored
      const a = this.readAction(actions, off + k);
      if (!space.contains(a)) throw invalidActionError(`${this.who}: sub-env ${off + k}`, space, a);
      acts[k] = a;
    }
  }

  /**
   * Fast path: one pass that only asks whether every action is valid; if one is not, the exact check
   * (which skips the sub-envs that reset this step, and throws naming the first bad action) decides.
   */
  private checkFastActions(actions: unknown, discrete: Discrete): void {
    const batch = actions as ArrayLike<number>;
    if (batch === null || batch === undefined || batch.length !== this.numEnvs) this.readAction(actions, this.offset); // throws the size error
    const lo = discrete.start, hi = discrete.start + discrete.n, end = this.offset + this.envs.length;
    for (let i = this.offset; i < end; i++) {
      const a = batch[i]!;
      if (!(a >= lo && a < hi && Number.isInteger(a))) return this.checkDiscreteActions(actions, discrete, false);
    }
  }

  /** Discrete actions are plain numbers: check them inline (and copy them into `this.actions` if `store`). */
  private checkDiscreteActions(actions: unknown, discrete: Discrete, store: boolean): void {
    const n = this.envs.length, off = this.offset, nextStep = this.nextStep;
    const acts = this.actions, needsReset = this.needsReset;
    const batch = actions as ArrayLike<number>;
    if (batch === null || batch === undefined || batch.length !== this.numEnvs) this.readAction(actions, off); // throws the size error
    const lo = discrete.start, hi = discrete.start + discrete.n;
    for (let k = 0; k < n; k++) {
      if (nextStep && needsReset[k] === 1) continue;
      const a = batch[off + k]!;
      if (!(a >= lo && a < hi && Number.isInteger(a))) throw invalidActionError(`${this.who}: sub-env ${off + k}`, discrete, a);
      if (store) acts[k] = a;
    }
  }

  // Why the step loops look the way they do (V8's optimiser, measured with --trace-turbo-inlining):
  // - Both autoreset modes share one method. It is then too large for V8 to inline into its callers,
  //   so it is compiled on its own and its whole inlining budget goes to the sub-envs' step chain
  //   (make('CartPole-v1') is TimeLimit → OrderEnforcing → PassiveEnvChecker → CartPoleEnv). Inlined into
  //   a caller, the loop shares the caller's budget and the chain is cut into out-of-line calls.
  // - Each loop makes one hot call per sub-env, its step; the rare calls (reset, the error of a
  //   wrong-shaped observation) are kept in separate methods.
  // - The fast path copies Box observations inline instead of through a batchWriter closure or a helper,
  //   which would take the budget the chain needs, four elements per pass: V8 checks every typed-array
  //   access (map, detached buffer, bounds) and shares those checks within straight-line code.

  /** Fast path (Discrete actions, Box observations); `batch` holds the checked actions. */
  private stepFast(batch: ArrayLike<number>): void {
    const envs = this.envs, n = envs.length, off = this.offset, needsReset = this.needsReset;
    const { rewards, terminations, truncations } = this.buffers;
    const infos = this.infos, obs = this.obsBatch, size = this.obsSize, small = size <= SMALL_OBS;
    if (this.nextStep) {
      for (let k = 0; k < n; k++) {
        const i = off + k;
        if (needsReset[k] === 1) {
          this.autoresetNextStep(k);
          continue;
        }
        const r = envs[k]!.step(batch[i]);
        const x = r.obs as ArrayLike<number>;
        if (x === null || typeof x !== 'object' || x.length !== size) this.writeObs(i, x); // throws the shape error
        const o = i * size;
        if (small) {
          let j = 0;
          for (; j + 4 <= size; j += 4) {
            obs[o + j] = x[j]!;
            obs[o + j + 1] = x[j + 1]!;
            obs[o + j + 2] = x[j + 2]!;
            obs[o + j + 3] = x[j + 3]!;
          }
          for (; j < size; j++) obs[o + j] = x[j]!;
        } else {
          obs.set(x, o);
        }
        const terminated = r.terminated, truncated = r.truncated;
        rewards[i] = r.reward;
        terminations[i] = terminated ? 1 : 0;
        truncations[i] = truncated ? 1 : 0;
        if (infos[i] !== r.info) infos[i] = r.info; // skip the store (a GC write barrier) when unchanged
        if (terminated || truncated) needsReset[k] = 1;
      }
    } else {
      const finalMask = this.buffers.finalMask!, finalInfos = this.finalInfos!, finalObs = this.finalObsBatch;
      for (let k = 0; k < n; k++) {
        const i = off + k;
        const r = envs[k]!.step(batch[i]);
        const x = r.obs as ArrayLike<number>;
        if (x === null || typeof x !== 'object' || x.length !== size) this.writeObs(i, x); // throws the shape error
        const terminated = r.terminated, truncated = r.truncated, done = terminated || truncated;
        // A finished sub-env's obs is its final obs, copied before the reset (the env may reuse its buffer).
        const dst = done ? finalObs : obs, o = i * size;
        if (small) {
          let j = 0;
          for (; j + 4 <= size; j += 4) {
            dst[o + j] = x[j]!;
            dst[o + j + 1] = x[j + 1]!;
            dst[o + j + 2] = x[j + 2]!;
            dst[o + j + 3] = x[j + 3]!;
          }
          for (; j < size; j++) dst[o + j] = x[j]!;
        } else {
          dst.set(x, o);
        }
        rewards[i] = r.reward;
        terminations[i] = terminated ? 1 : 0;
        truncations[i] = truncated ? 1 : 0;
        if (done) {
          this.autoresetSameStep(k, r.info);
        } else {
          if (infos[i] !== r.info) infos[i] = r.info;
          finalMask[i] = 0;
          if (finalInfos[i] !== null) finalInfos[i] = null;
        }
      }
    }
  }

  /** General path (any batchable spaces): actions from `this.actions`, observations through the batch writers. */
  private stepGeneral(): void {
    const envs = this.envs, n = envs.length, off = this.offset, acts = this.actions, needsReset = this.needsReset;
    const { rewards, terminations, truncations } = this.buffers;
    const infos = this.infos, writeObs = this.writeObs;
    if (this.nextStep) {
      for (let k = 0; k < n; k++) {
        const i = off + k;
        if (needsReset[k] === 1) {
          this.autoresetNextStep(k);
          continue;
        }
        const r = envs[k]!.step(acts[k]);
        writeObs(i, r.obs);
        const terminated = r.terminated, truncated = r.truncated;
        rewards[i] = r.reward;
        terminations[i] = terminated ? 1 : 0;
        truncations[i] = truncated ? 1 : 0;
        if (infos[i] !== r.info) infos[i] = r.info;
        if (terminated || truncated) needsReset[k] = 1;
      }
    } else {
      const finalMask = this.buffers.finalMask!, finalInfos = this.finalInfos!, writeFinal = this.writeFinalObs!;
      for (let k = 0; k < n; k++) {
        const i = off + k;
        const r = envs[k]!.step(acts[k]);
        const terminated = r.terminated, truncated = r.truncated;
        rewards[i] = r.reward;
        terminations[i] = terminated ? 1 : 0;
        truncations[i] = truncated ? 1 : 0;
        if (terminated || truncated) {
          writeFinal(i, r.obs); // before reset: the env may reuse its observation buffer
          this.autoresetSameStep(k, r.info);
        } else {
          writeObs(i, r.obs);
          if (infos[i] !== r.info) infos[i] = r.info;
          finalMask[i] = 0;
          if (finalInfos[i] !== null) finalInfos[i] = null;
        }
      }
    }
  }

  /** next_step: the step after a done resets: reset obs, reward 0, both flags false, the reset info (Gymnasium 1.x). */
  private autoresetNextStep(k: number): void {
    const i = this.offset + k;
    const r = this.envs[k]!.reset();
    this.writeObs(i, r.obs);
    this.buffers.rewards[i] = 0;
    this.buffers.terminations[i] = 0;
    this.buffers.truncations[i] = 0;
    if (this.infos[i] !== r.info) this.infos[i] = r.info;
    this.needsReset[k] = 0;
  }

  /** same_step: the sub-env finished this step and its final obs is saved: keep its final info, reset it. */
  private autoresetSameStep(k: number, finalInfo: Info): void {
    const i = this.offset + k;
    this.finalInfos![i] = finalInfo;
    this.buffers.finalMask![i] = 1;
    const r = this.envs[k]!.reset();
    this.writeObs(i, r.obs);
    this.infos[i] = r.info;
  }
}

const NO_BATCH = new Float32Array(0);
/** Observations up to this many elements are copied by a loop, which beats a native `set` call for small ones (batchWriter's rule). */
const SMALL_OBS = 16;

export interface SyncVectorEnvOptions {
  /** Default `next_step`, as Gymnasium 1.x. */
  autoresetMode?: AutoresetMode;
}

/**
 * Steps N sub-envs one after another in the calling thread (Gymnasium's SyncVectorEnv). The cheapest
 * vector env when a sub-env step costs microseconds, as for CartPole or grid worlds.
 *
 * Sub-env i is `envFns[i]()`. All sub-envs must have the same spaces. Results and their buffers are
 * reused across steps (see {@link VectorStepResult}).
 */
export class SyncVectorEnv<O = unknown, A = unknown> implements VectorEnv<BatchOf<O>, BatchOf<A>> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space<O>;
  readonly singleActionSpace: Space<A>;
  readonly observationSpace: Space<BatchOf<O>>;
  readonly actionSpace: Space<BatchOf<A>>;
  readonly metadata: VectorEnvMetadata;
  spec: EnvSpec | null = null;
  private readonly subEnvs: Env<O, A>[];
  private readonly group: SubEnvGroup;
  private readonly resetResult: VectorResetResult<BatchOf<O>>;
  private readonly stepResult: VectorStepResult<BatchOf<O>>;
  private readonly who: string;
  private hasReset = false;
  private isClosed = false;

  constructor(envFns: readonly (() => Env<O, A>)[], options: SyncVectorEnvOptions = {}) {
    if (!Array.isArray(envFns) || envFns.length === 0) throw new RangeError('SyncVectorEnv: needs a non-empty array of env factories () => Env');
    const mode = parseAutoresetMode(options.autoresetMode, 'SyncVectorEnv');
    this.subEnvs = envFns.map((fn, i) => {
      if (typeof fn !== 'function') throw new TypeError(`SyncVectorEnv: envFns[${i}] is not a function () => Env`);
      return fn();
    });
    const first = this.subEnvs[0]!;
    this.who = `SyncVectorEnv(${first.spec?.id ?? first.unwrapped.constructor.name})`;
    checkSameSpaces(this.subEnvs, this.who);
    this.numEnvs = this.subEnvs.length;
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.observationSpace = first.observationSpace.batch(this.numEnvs) as Space<BatchOf<O>>;
    this.actionSpace = first.actionSpace.batch(this.numEnvs) as Space<BatchOf<A>>;
    this.metadata = { ...first.metadata, autoresetMode: mode };
    const n = this.numEnvs;
    const buffers: SubEnvBuffers = {
      obs: createBatch(first.observationSpace, n),
      rewards: new Float64Array(n),
      terminations: new Uint8Array(n),
      truncations: new Uint8Array(n),
      finalObs: mode === AutoresetMode.SAME_STEP ? createBatch(first.observationSpace, n) : null,
      finalMask: mode === AutoresetMode.SAME_STEP ? new Uint8Array(n) : null,
    };
    this.group = new SubEnvGroup(this.subEnvs, 0, n, first.observationSpace, first.actionSpace, mode, buffers, this.who);
    this.resetResult = { obs: buffers.obs as BatchOf<O>, infos: this.group.infos };
    this.stepResult = {
      obs: buffers.obs as BatchOf<O>,
      rewards: buffers.rewards,
      terminations: buffers.terminations,
      truncations: buffers.truncations,
      infos: this.group.infos,
      finalObs: buffers.finalObs as BatchOf<O> | null,
      finalMask: buffers.finalMask,
      finalInfos: this.group.finalInfos,
    };
  }

  get renderMode(): RenderMode | null {
    return this.subEnvs[0]!.renderMode;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The sub-envs, in order. */
  get envs(): readonly Env<O, A>[] {
    return this.subEnvs;
  }

  reset(options: VectorResetOptions = {}): VectorResetResult<BatchOf<O>> {
    this.assertOpen('reset');
    this.group.reset(subEnvSeeds(options.seed, this.numEnvs, this.who), options.options);
    this.hasReset = true;
    return this.resetResult;
  }

  step(actions: BatchOf<A>): VectorStepResult<BatchOf<O>> {
    if (!this.hasReset) {
      this.assertOpen('step');
      throw new ResetNeededError(`${this.who}: cannot call step() before reset(); call reset({ seed }) first`);
    }
    this.group.step(actions);
    return this.stepResult;
  }

  /** Every sub-env has the env-state contract (see core/env-state.ts). */
  envStateSupported(): boolean {
    return this.group.envStateSupported();
  }

  /** Each sub-env's state and the autoreset bookkeeping; the batch buffers are not saved (the next step rewrites them). */
  getState(): EnvState {
    return { kind: 'SyncVectorEnv', config: this.stateConfig(), hasReset: this.hasReset, ...this.group.getState() };
  }

  setState(state: EnvState): void {
    this.assertOpen('setState');
    const s = stateOfKind(state, 'SyncVectorEnv', this.who);
    checkStateConfig(s.config, this.stateConfig(), this.who);
    if (typeof s.hasReset !== 'boolean') throw new EnvStateError(`${this.who}.setState: hasReset must be a boolean`);
    this.group.setState(s);
    this.hasReset = s.hasReset;
  }

  private stateConfig(): Record<string, unknown> {
    return { numEnvs: this.numEnvs, autoresetMode: this.metadata.autoresetMode };
  }

  /** Each sub-env's frame, in order. */
  render(): RenderResult[] {
    return this.subEnvs.map((e) => e.render());
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.hasReset = false;
    for (const e of this.subEnvs) e.close();
  }

  toString(): string {
    return `${this.who}×${this.numEnvs}`;
  }

  private assertOpen(what: string): void {
    if (this.isClosed) throw new Error(`${this.who}: cannot call ${what}() after close()`);
  }
}

/** Every sub-env must declare the same spaces (Gymnasium's observation_mode="same"). */
function checkSameSpaces(envs: readonly Env<unknown, unknown>[], who: string): void {
  const obs = JSON.stringify(envs[0]!.observationSpace.toJSON());
  const act = JSON.stringify(envs[0]!.actionSpace.toJSON());
  for (let i = 1; i < envs.length; i++) {
    if (JSON.stringify(envs[i]!.observationSpace.toJSON()) !== obs) {
      throw new TypeError(`${who}: sub-env ${i} has observation space ${envs[i]!.observationSpace.toString()}, sub-env 0 has ${envs[0]!.observationSpace.toString()}; all sub-envs must match`);
    }
    if (JSON.stringify(envs[i]!.actionSpace.toJSON()) !== act) {
      throw new TypeError(`${who}: sub-env ${i} has action space ${envs[i]!.actionSpace.toString()}, sub-env 0 has ${envs[0]!.actionSpace.toString()}; all sub-envs must match`);
    }
  }
}
