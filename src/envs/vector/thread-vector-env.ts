import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { EMPTY_INFO, type Info, invalidActionError, type RenderMode } from '../core/env.ts';
import { InvalidActionError, InvalidObservationError, ResetNeededError, UnknownEnvError } from '../core/errors.ts';
import { spec as specOf } from '../core/registry.ts';
import { checkStateConfig, EnvStateError, stateOfKind, type EnvState } from '../core/env-state.ts';
import { decodeArray, encodeArray, type EncodedArray } from '../core/state-fields.ts';
import type { EnvSpec } from '../core/spec.ts';
import type { Space, SpaceJSON } from '../spaces/space.ts';
import { spaceFromJSON } from '../spaces/utils.ts';
import { batchReader, copyBatch, createBatch, sharedAllocator, type ElementReader } from './batching.ts';
import {
  AutoresetMode, parseAutoresetMode, subEnvSeeds,
  type VectorEnv, type VectorEnvMetadata, type VectorResetOptions, type VectorResetResult, type VectorStepResult,
} from './vector-env.ts';

// Protocol (main ↔ worker w), all over shared memory except rare messages on a MessagePort:
//   ctrl: Int32Array on a SharedArrayBuffer, CTRL_STRIDE int32 per worker (64 bytes apart, no false sharing)
//     REQ    main bumps it to a new sequence number to issue a command (then Atomics.notify)
//     CMD    the command (Cmd.*), written before REQ
//     DONE   the worker stores the sequence number it finished (then Atomics.notify)
//     STATUS 0 ok, 1 error (the error itself is posted on the port)
//   Sequence 1 is the start-up handshake: the worker builds its envs and posts their spaces. Then INIT
//   posts the shared batch buffers; RESET posts seeds and options. STEP posts nothing: the actions are
//   in the shared action batch and obs, rewards, flags and info JSON come back in shared buffers.
//   GET_STATE makes each worker post its slice's state; SET_STATE posts one to it.
//   Messages are read with receiveMessageOnPort, so neither side needs its event loop while serving.

/** Commands. */
export const Cmd = { STEP: 1, RESET: 2, INIT: 3, CLOSE: 4, GET_STATE: 5, SET_STATE: 6 } as const;
/** Offsets inside a worker's control block. */
export const Ctrl = { REQ: 0, CMD: 1, DONE: 2, STATUS: 3 } as const;
export const CTRL_STRIDE = 16;

/** `workerData` of a worker. */
export interface WorkerData {
  id: string;
  kwargs: Record<string, unknown>;
  modules: string[];
  offset: number;
  count: number;
  numEnvs: number;
  autoresetMode: string;
  workerIndex: number;
  ctrl: SharedArrayBuffer;
  port: MessagePort;
}

/** The INIT message: shared buffers (typed arrays on SharedArrayBuffers). */
export interface WorkerInit {
  actions: unknown;
  obs: unknown;
  finalObs: unknown | null;
  rewards: Float64Array;
  terminations: Uint8Array;
  truncations: Uint8Array;
  finalMask: Uint8Array | null;
  /** `[2 * numEnvs]`: byte length of the info JSON of sub-env i at 2i, of its final info at 2i + 1 (0: empty). */
  infoLengths: Int32Array;
  /** `[2 * numEnvs * infoBytes]`. */
  infoData: Uint8Array;
  infoBytes: number;
}

export interface WorkerReset {
  seeds: (number | null)[];
  options: Record<string, unknown> | undefined;
}

/** A worker's slice of a ThreadVectorEnv state (SubEnvGroup.getState): its sub-envs' states and pending autoresets. */
export interface WorkerSliceState {
  envs: EnvState[];
  needsReset: EncodedArray;
}

export type WorkerReply =
  | { type: 'spaces'; observationSpace: SpaceJSON; actionSpace: SpaceJSON; metadata: Record<string, unknown>; renderMode: RenderMode | null; envState: boolean }
  | { type: 'state'; state: WorkerSliceState }
  | { type: 'error'; name: string; message: string; stack: string };

export interface ThreadVectorEnvOptions {
  /** Keyword arguments for `make(id, kwargs)` in each worker (JSON-like: they are structured-cloned). */
  kwargs?: Record<string, unknown>;
  /** Modules each worker imports before `make`, so that user envs register (absolute paths or file URLs; relative paths resolve against the cwd). */
  modules?: string[];
  /** Default min(numEnvs, os.availableParallelism()). Worker w steps a contiguous slice of the sub-envs. */
  numWorkers?: number;
  /** Default `next_step`, as Gymnasium 1.x. */
  autoresetMode?: AutoresetMode;
  /** Bytes of info JSON per sub-env and step (default 4096); a larger info is an error naming this option. */
  infoBytes?: number;
  /** How long workers may take to start and build their envs (default 120 000 ms). */
  startupTimeoutMs?: number;
}

const BOOTSTRAP = new URL('./thread-worker-bootstrap.mjs', import.meta.url);
const ERROR_TYPES: Record<string, new (message: string) => Error> = {
  InvalidActionError, InvalidObservationError, ResetNeededError, UnknownEnvError, RangeError, TypeError,
};

/**
 * Steps N sub-envs in worker threads, for envs whose step is expensive (milliseconds, not microseconds).
 * Each worker builds its slice with `make(id, kwargs)`; commands, actions, observations, rewards, flags
 * and infos travel through SharedArrayBuffers with Atomics, so a step costs no postMessage. `reset` and
 * `step` block the calling thread until every worker is done, so the API is the same as SyncVectorEnv's,
 * and so are the trajectories for the same seeds and actions.
 *
 * Infos cross as JSON (so NaN/Infinity become null, typed arrays plain objects); an empty info costs
 * nothing. Results and buffers are reused across steps. An error inside a worker is rethrown here with
 * its message and type; after an error from a sub-env's `step`, call `reset` (other workers' sub-envs have
 * stepped). Invalid actions are caught before any sub-env steps.
 * Call `close()` when done (workers are unref'd, so a forgotten close does not keep Node alive).
 */
export class ThreadVectorEnv<BO = unknown, BA = unknown> implements VectorEnv<BO, BA> {
  readonly numEnvs: number;
  readonly numWorkers: number;
  readonly singleObservationSpace: Space<unknown>;
  readonly singleActionSpace: Space<unknown>;
  readonly observationSpace: Space<BO>;
  readonly actionSpace: Space<BA>;
  readonly metadata: VectorEnvMetadata;
  readonly renderMode: RenderMode | null;
  spec: EnvSpec | null;
  private readonly who: string;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly slices: { offset: number; count: number }[] = [];
  private readonly ctrl: Int32Array;
  private seq = 1;
  /** Loads of DONE before sleeping; 0 when every core has a worker (spinning would take a worker's core). */
  private readonly spin: number;
  private readonly init: WorkerInit;
  private readonly infos: Info[];
  private readonly finalInfos: (Info | null)[] | null;
  private readonly decoder = new TextDecoder();
  private readonly readAction: ElementReader;
  private readonly nextStep: boolean;
  private readonly resetResult: VectorResetResult<BO>;
  private readonly stepResult: VectorStepResult<BO>;
  private hasReset = false;
  private isClosed = false;
  /** Every worker's sub-envs have the env-state contract. */
  private readonly envState: boolean;

  constructor(id: string, numEnvs: number, options: ThreadVectorEnvOptions = {}) {
    this.who = `ThreadVectorEnv(${id})`;
    if (!Number.isInteger(numEnvs) || numEnvs <= 0) throw new RangeError(`${this.who}: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    const mode = parseAutoresetMode(options.autoresetMode, this.who);
    const numWorkers = options.numWorkers ?? Math.min(numEnvs, availableParallelism());
    if (!Number.isInteger(numWorkers) || numWorkers <= 0 || numWorkers > numEnvs) {
      throw new RangeError(`${this.who}: numWorkers must be an integer in 1..numEnvs (${numEnvs}), got ${String(numWorkers)}`);
    }
    const infoBytes = options.infoBytes ?? 4096;
    if (!Number.isInteger(infoBytes) || infoBytes < 0) throw new RangeError(`${this.who}: infoBytes must be an integer ≥ 0, got ${String(infoBytes)}`);
    this.numEnvs = numEnvs;
    this.numWorkers = numWorkers;
    this.spin = numWorkers < availableParallelism() ? 4000 : 0;
    this.ctrl = new Int32Array(new SharedArrayBuffer(numWorkers * CTRL_STRIDE * 4));
    const modules = (options.modules ?? []).map((m) => (/^\w{2,}:/.test(m) ? m : pathToFileURL(resolve(m)).href));
    let spec: EnvSpec | null = null;
    try {
      spec = specOf(id);
    } catch {
      // registered only inside the workers (by `modules`)
    }
    this.spec = spec;

    for (let w = 0; w < numWorkers; w++) {
      const offset = Math.floor((w * numEnvs) / numWorkers);
      const count = Math.floor(((w + 1) * numEnvs) / numWorkers) - offset;
      this.slices.push({ offset, count });
      const { port1, port2 } = new MessageChannel();
      const data: WorkerData = {
        id, kwargs: options.kwargs ?? {}, modules, offset, count, numEnvs, autoresetMode: mode, workerIndex: w, ctrl: this.ctrl.buffer as SharedArrayBuffer, port: port2,
      };
      const worker = new Worker(BOOTSTRAP, { workerData: data, transferList: [port2] });
      worker.unref();
      // Errors are reported through the port; this only keeps a crash from being an unhandled 'error' event.
      worker.on('error', () => {});
      this.workers.push(worker);
      this.ports.push(port1);
    }

    // Start-up: wait for every worker to build its envs and report their spaces.
    let first: Extract<WorkerReply, { type: 'spaces' }>;
    let envState = true;
    try {
      this.wait(1, options.startupTimeoutMs ?? 120_000, 'start');
      const replies = this.ports.map((p) => receiveMessageOnPort(p)?.message as WorkerReply | undefined);
      this.throwWorkerErrors(replies, 'start-up');
      first = replies[0] as Extract<WorkerReply, { type: 'spaces' }>;
      envState = replies.every((r) => r?.type === 'spaces' && r.envState);
    } catch (e) {
      this.terminate();
      throw e;
    }
    this.singleObservationSpace = spaceFromJSON(first.observationSpace);
    this.singleActionSpace = spaceFromJSON(first.actionSpace);
    this.observationSpace = this.singleObservationSpace.batch(numEnvs) as Space<BO>;
    this.actionSpace = this.singleActionSpace.batch(numEnvs) as Space<BA>;
    this.metadata = { renderModes: [], ...first.metadata, autoresetMode: mode };
    this.renderMode = first.renderMode;
    this.envState = envState;

    const same = mode === AutoresetMode.SAME_STEP;
    this.init = {
      actions: createBatch(this.singleActionSpace, numEnvs, sharedAllocator),
      obs: createBatch(this.singleObservationSpace, numEnvs, sharedAllocator),
      finalObs: same ? createBatch(this.singleObservationSpace, numEnvs, sharedAllocator) : null,
      rewards: sharedAllocator(Float64Array, numEnvs) as Float64Array,
      terminations: sharedAllocator(Uint8Array, numEnvs) as Uint8Array,
      truncations: sharedAllocator(Uint8Array, numEnvs) as Uint8Array,
      finalMask: same ? (sharedAllocator(Uint8Array, numEnvs) as Uint8Array) : null,
      infoLengths: sharedAllocator(Int32Array, 2 * numEnvs) as Int32Array,
      infoData: sharedAllocator(Uint8Array, 2 * numEnvs * infoBytes) as Uint8Array,
      infoBytes,
    };
    this.readAction = batchReader(this.singleActionSpace, numEnvs, this.who);
    this.nextStep = mode === AutoresetMode.NEXT_STEP;
    this.infos = new Array<Info>(numEnvs).fill(EMPTY_INFO);
    this.finalInfos = same ? new Array<Info | null>(numEnvs).fill(null) : null;
    try {
      this.command(Cmd.INIT, () => this.init);
    } catch (e) {
      this.terminate();
      throw e;
    }
    this.resetResult = { obs: this.init.obs as BO, infos: this.infos };
    this.stepResult = {
      obs: this.init.obs as BO,
      rewards: this.init.rewards,
      terminations: this.init.terminations,
      truncations: this.init.truncations,
      infos: this.infos,
      finalObs: this.init.finalObs as BO | null,
      finalMask: this.init.finalMask,
      finalInfos: this.finalInfos,
    };
  }

  get closed(): boolean {
    return this.isClosed;
  }

  reset(options: VectorResetOptions = {}): VectorResetResult<BO> {
    this.assertOpen('reset');
    const seeds = subEnvSeeds(options.seed, this.numEnvs, this.who).map((s) => s ?? null);
    const msg: WorkerReset = { seeds, options: options.options };
    this.command(Cmd.RESET, () => msg);
    this.readInfos();
    this.hasReset = true;
    return this.resetResult;
  }

  step(actions: BA): VectorStepResult<BO> {
    if (!this.hasReset) {
      this.assertOpen('step');
      throw new ResetNeededError(`${this.who}: cannot call step() before reset(); call reset({ seed }) first`);
    }
    const shared = this.init.actions;
    copyBatch(this.singleActionSpace, actions, shared, this.numEnvs, this.who);
    // Check every action here (the workers check again) so that an invalid action steps no sub-env.
    const terms = this.init.terminations, truncs = this.init.truncations, space = this.singleActionSpace;
    for (let i = 0; i < this.numEnvs; i++) {
      if (this.nextStep && (terms[i] === 1 || truncs[i] === 1)) continue; // a reset step: the action is ignored
      const a = this.readAction(shared, i);
      if (!space.contains(a)) throw invalidActionError(`${this.who}: sub-env ${i}`, space, a);
    }
    this.command(Cmd.STEP, null);
    this.readInfos();
    return this.stepResult;
  }

  /** Whether the sub-envs (in the workers) have the env-state contract. */
  envStateSupported(): boolean {
    return this.envState;
  }

  /** Every sub-env's state (gathered from the workers) and which sub-envs autoreset on the next step. */
  getState(): EnvState {
    this.assertOpen('getState');
    if (!this.envState) throw new EnvStateError(`${this.who}: its sub-envs have no getState/setState (the env-state contract)`);
    const slices = this.gatherStates();
    const needsReset = new Uint8Array(this.numEnvs);
    slices.forEach((s, w) => needsReset.set(decodeArray(s.needsReset, `${this.who}: worker ${w}`), this.slices[w]!.offset));
    return { kind: 'ThreadVectorEnv', config: this.stateConfig(), hasReset: this.hasReset, envs: slices.flatMap((s) => s.envs), needsReset: encodeArray(needsReset) };
  }

  /** Restores getState() output into the workers' sub-envs, all or nothing. */
  setState(state: EnvState): void {
    this.assertOpen('setState');
    const s = stateOfKind(state, 'ThreadVectorEnv', this.who);
    checkStateConfig(s.config, this.stateConfig(), this.who);
    if (typeof s.hasReset !== 'boolean') throw new EnvStateError(`${this.who}.setState: hasReset must be a boolean`);
    const envs = s.envs;
    if (!Array.isArray(envs) || envs.length !== this.numEnvs) throw new EnvStateError(`${this.who}.setState: expected ${this.numEnvs} sub-env states`);
    const needsReset = decodeArray(s.needsReset, `${this.who}.setState: needsReset`);
    if (!(needsReset instanceof Uint8Array) || needsReset.length !== this.numEnvs) throw new EnvStateError(`${this.who}.setState: needsReset must be a Uint8Array of ${this.numEnvs}`);
    const slice = (w: number): WorkerSliceState => {
      const { offset, count } = this.slices[w]!;
      return { envs: envs.slice(offset, offset + count) as EnvState[], needsReset: encodeArray(needsReset.subarray(offset, offset + count)) };
    };
    const before = this.gatherStates();
    try {
      this.command(Cmd.SET_STATE, slice);
    } catch (e) {
      this.command(Cmd.SET_STATE, (w) => before[w]!); // the workers that took theirs go back
      throw e;
    }
    // step() reads the last flags to skip the actions of sub-envs that reset on this step.
    this.init.terminations.set(needsReset);
    this.init.truncations.fill(0);
    this.hasReset = s.hasReset;
  }

  private gatherStates(): WorkerSliceState[] {
    this.command(Cmd.GET_STATE, null);
    return this.ports.map((p, w) => {
      const r = receiveMessageOnPort(p)?.message as WorkerReply | undefined;
      if (r?.type !== 'state') throw new Error(`${this.who}: worker ${w} did not send its state`);
      return r.state;
    });
  }

  private stateConfig(): Record<string, unknown> {
    return { numEnvs: this.numEnvs, autoresetMode: this.metadata.autoresetMode };
  }

  /** Closes the sub-envs and stops the workers; calling it twice is harmless. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.hasReset = false;
    try {
      this.command(Cmd.CLOSE, null, 5_000);
    } catch {
      // a worker that cannot close its envs is terminated anyway
    }
    this.terminate();
  }

  toString(): string {
    return `${this.who}×${this.numEnvs} on ${this.numWorkers} workers`;
  }

  /** Issue `cmd` to every worker (posting `message(w)` first if given) and wait until all are done. */
  private command(cmd: number, message: ((w: number) => unknown) | null, timeoutMs = Infinity): void {
    const seq = ++this.seq;
    const ctrl = this.ctrl;
    for (let w = 0; w < this.numWorkers; w++) {
      if (message) this.ports[w]!.postMessage(message(w));
      const base = w * CTRL_STRIDE;
      ctrl[base + Ctrl.CMD] = cmd;
      Atomics.store(ctrl, base + Ctrl.REQ, seq);
      Atomics.notify(ctrl, base + Ctrl.REQ);
    }
    this.wait(seq, timeoutMs, cmd === Cmd.STEP ? 'step' : cmd === Cmd.RESET ? 'reset' : cmd === Cmd.INIT ? 'init' : cmd === Cmd.CLOSE ? 'close' : 'a state transfer');
    let failed = false;
    for (let w = 0; w < this.numWorkers; w++) if (ctrl[w * CTRL_STRIDE + Ctrl.STATUS] !== 0) failed = true;
    if (failed) this.throwWorkerErrors(this.ports.map((p, w) => (ctrl[w * CTRL_STRIDE + Ctrl.STATUS] !== 0 ? (receiveMessageOnPort(p)?.message as WorkerReply) : undefined)), 'step');
  }

  /** Block until every worker has stored `seq` in DONE. */
  private wait(seq: number, timeoutMs: number, what: string): void {
    const ctrl = this.ctrl;
    const deadline = Number.isFinite(timeoutMs) ? Date.now() + timeoutMs : Infinity;
    for (let w = 0; w < this.numWorkers; w++) {
      const idx = w * CTRL_STRIDE + Ctrl.DONE;
      let v = Atomics.load(ctrl, idx);
      for (let s = 0; v !== seq && s < this.spin; s++) v = Atomics.load(ctrl, idx);
      while (v !== seq) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${this.who}: worker ${w} did not finish ${what} within ${timeoutMs} ms`);
        Atomics.wait(ctrl, idx, v, Math.min(left, 1000));
        v = Atomics.load(ctrl, idx);
      }
    }
  }

  /** Throw the first worker error as an Error of the same name and message (the worker's stack appended). */
  private throwWorkerErrors(replies: (WorkerReply | undefined)[], what: string): void {
    for (let w = 0; w < replies.length; w++) {
      const r = replies[w];
      if (r === undefined) continue;
      if (r.type !== 'error') continue;
      const Ctor = ERROR_TYPES[r.name] ?? Error;
      const err = new Ctor(r.message);
      if (!(r.name in ERROR_TYPES)) err.name = r.name;
      err.stack = `${err.stack ?? ''}\n    --- thrown in ${this.who} worker ${w} during ${what}: ---\n${r.stack}`;
      throw err;
    }
    if (what === 'start-up' && replies.some((r) => r === undefined)) throw new Error(`${this.who}: a worker started without reporting its spaces`);
  }

  private readInfos(): void {
    const lengths = this.init.infoLengths, bytes = this.init.infoBytes, data = this.init.infoData;
    const infos = this.infos, finalInfos = this.finalInfos, finalMask = this.init.finalMask;
    for (let i = 0; i < this.numEnvs; i++) {
      const len = lengths[2 * i]!;
      infos[i] = len === 0 ? EMPTY_INFO : this.decode(data, 2 * i * bytes, len);
      if (finalInfos) {
        if (finalMask![i] === 0) finalInfos[i] = null;
        else {
          const fl = lengths[2 * i + 1]!;
          finalInfos[i] = fl === 0 ? EMPTY_INFO : this.decode(data, (2 * i + 1) * bytes, fl);
        }
      }
    }
  }

  private decode(data: Uint8Array, at: number, len: number): Info {
    return JSON.parse(this.decoder.decode(data.subarray(at, at + len))) as Info;
  }

  private terminate(): void {
    for (const w of this.workers) void w.terminate().catch(() => {});
    for (const p of this.ports) p.close();
  }

  private assertOpen(what: string): void {
    if (this.isClosed) throw new Error(`${this.who}: cannot call ${what}() after close()`);
  }
}
