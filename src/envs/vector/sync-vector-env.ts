import { invalidActionError, type Env, type Info, type RenderMode, type RenderResult, type ResetOptions } from '../core/env.ts';
import { ResetNeededError } from '../core/errors.ts';
import type { EnvSpec } from '../core/spec.ts';
import { Discrete } from '../spaces/discrete.ts';
import type { Space } from '../spaces/space.ts';
import { batchReader, batchWriter, createBatch, type ElementReader, type ElementWriter } from './batching.ts';
import {
  AutoresetMode, parseAutoresetMode, subEnvSeeds,
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
 */
export class SubEnvGroup {
  /** `[numEnvs]` (global indices; this group fills its own slice). */
  readonly infos: Info[];
  /** same_step only: `[numEnvs]`, the final info where the sub-env finished this step, else null. */
  readonly finalInfos: (Info | null)[] | null;
  private readonly needsReset: Uint8Array;
  private readonly actions: unknown[];
  private readonly readAction: ElementReader;
  private readonly writeObs: ElementWriter;
  private readonly writeFinalObs: ElementWriter | null;
  private readonly nextStep: boolean;
  private readonly discrete: Discrete | null;

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
    this.readActions(actions);
    // Each mode has its own small loop: small functions keep V8's inlining budget for the envs' step chain.
    if (this.nextStep) this.stepNextStep();
    else this.stepSameStep();
  }

  /** Read and check every action into `this.actions` before stepping any sub-env, so an invalid action changes nothing. */
  private readActions(actions: unknown): void {
    const n = this.envs.length, off = this.offset;
    const acts = this.actions, needsReset = this.needsReset, space = this.singleActionSpace;
    const discrete = this.discrete;
    if (discrete !== null) {
      // Discrete actions (the common case) are plain numbers: check them inline.
      const batch = actions as ArrayLike<number>;
      if (batch === null || batch === undefined || batch.length !== this.numEnvs) this.readAction(actions, off); // throws the size error
      const lo = discrete.start, hi = discrete.start + discrete.n;
      for (let k = 0; k < n; k++) {
        if (this.nextStep && needsReset[k] === 1) continue; // this step resets the sub-env; its action is ignored
        const a = batch[off + k]!;
        if (!(a >= lo && a < hi && Number.isInteger(a))) throw invalidActionError(`${this.who}: sub-env ${off + k}`, space, a);
        acts[k] = a;
      }
    } else {
      for (let k = 0; k < n; k++) {
        if (this.nextStep && needsReset[k] === 1) continue;
        const a = this.readAction(actions, off + k);
        if (!space.contains(a)) throw invalidActionError(`${this.who}: sub-env ${off + k}`, space, a);
        acts[k] = a;
      }
    }
  }

  private stepNextStep(): void {
    const envs = this.envs, n = envs.length, off = this.offset, acts = this.actions, needsReset = this.needsReset;
    const { rewards, terminations, truncations } = this.buffers;
    const infos = this.infos, writeObs = this.writeObs;
    for (let k = 0; k < n; k++) {
      const i = off + k;
      const env = envs[k]!;
      if (needsReset[k] === 1) {
        // The step after a done: reset obs, reward 0, both flags false, the reset info (Gymnasium 1.x NEXT_STEP).
        const r = env.reset();
        writeObs(i, r.obs);
        rewards[i] = 0;
        terminations[i] = 0;
        truncations[i] = 0;
        if (infos[i] !== r.info) infos[i] = r.info;
        needsReset[k] = 0;
      } else {
        const r = env.step(acts[k]);
        writeObs(i, r.obs);
        rewards[i] = r.reward;
        const done = r.terminated || r.truncated;
        terminations[i] = r.terminated ? 1 : 0;
        truncations[i] = r.truncated ? 1 : 0;
        if (infos[i] !== r.info) infos[i] = r.info; // skip the store (a GC write barrier) when unchanged
        needsReset[k] = done ? 1 : 0;
      }
    }
  }

  private stepSameStep(): void {
    const envs = this.envs, n = envs.length, off = this.offset, acts = this.actions;
    const { rewards, terminations, truncations } = this.buffers;
    const infos = this.infos, writeObs = this.writeObs;
    const finalMask = this.buffers.finalMask!, finalInfos = this.finalInfos!, writeFinal = this.writeFinalObs!;
    for (let k = 0; k < n; k++) {
      const i = off + k;
      const env = envs[k]!;
      const r = env.step(acts[k]);
      const terminated = r.terminated, truncated = r.truncated;
      rewards[i] = r.reward;
      terminations[i] = terminated ? 1 : 0;
      truncations[i] = truncated ? 1 : 0;
      if (terminated || truncated) {
        // Copy the final obs before reset: the env may reuse its observation buffer.
        writeFinal(i, r.obs);
        finalInfos[i] = r.info;
        finalMask[i] = 1;
        const rr = env.reset();
        writeObs(i, rr.obs);
        infos[i] = rr.info;
      } else {
        writeObs(i, r.obs);
        if (infos[i] !== r.info) infos[i] = r.info;
        finalMask[i] = 0;
        if (finalInfos[i] !== null) finalInfos[i] = null;
      }
    }
  }
}

const EMPTY_INFO: Info = Object.freeze({}) as Info;

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
