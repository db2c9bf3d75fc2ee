import type { Space } from '../spaces/space.ts';
import type { EnvSpec } from './spec.ts';
import { InvalidActionError } from './errors.ts';
import { Rng, type RngState } from './rng.ts';
import { checkStateConfig, EnvStateError, stateOfKind, type EnvState } from './env-state.ts';
import { loadFields, saveFields, type FieldList } from './state-fields.ts';

/** Extra per-step information. Envs put task events in `info.events` (string[]), wrappers add e.g. `info.episode`. */
export type Info = Record<string, unknown>;

/** The info of a reset or step with nothing to report, shared by every env (frozen: copy before adding to it). */
export const EMPTY_INFO: Info = Object.freeze({}) as Info;

/** Render modes every env may support. `rgb_array` is RGBA bytes, `ansi` a text frame. */
export type RenderMode = 'ansi' | 'rgb_array';

/** A picture of the env: RGBA bytes, row-major, `data.length === width * height * 4`. */
export interface RgbaFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

export type RenderResult = string | RgbaFrame | null;

export interface EnvMetadata {
  /** Modes `render()` supports. */
  renderModes: RenderMode[];
  /** Frames per second for playback (> 0). */
  renderFps?: number;
  /** A name per discrete action (`actionNames[a]`): what the viewer's key map and action labels show. */
  actionNames?: readonly string[];
  /** Vector envs only: how finished sub-envs are reset. */
  autoresetMode?: string;
  [key: string]: unknown;
}

export interface ResetOptions {
  /** Recreate the env's RNG from this seed (an integer ≥ 0). Omitted: keep the current RNG. */
  seed?: number;
  /** Env-specific reset options. */
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  obs: O;
  info: Info;
}

/**
 * The outcome of one step.
 *
 * Envs may reuse one result object (and one observation buffer) across steps so that stepping does not
 * allocate: the object is valid until the next `step`/`reset` call on the same env. Copy what you keep.
 */
export interface StepResult<O> {
  obs: O;
  reward: number;
  /** A terminal state of the MDP was reached (goal, death): do not bootstrap past it. */
  terminated: boolean;
  /** The episode was cut outside the MDP (time limit): bootstrap with V(obs). */
  truncated: boolean;
  info: Info;
}

/**
 * The environment contract (Gymnasium 1.x): `reset` then `step` until `terminated || truncated`.
 * `O` is the observation type, `A` the action type.
 */
export interface Env<O = unknown, A = unknown> {
  readonly actionSpace: Space<A>;
  readonly observationSpace: Space<O>;
  readonly metadata: EnvMetadata;
  /** Fixed at construction; null when the env does not render. */
  readonly renderMode: RenderMode | null;
  /** Set by `make`; null for an env constructed directly. */
  spec: EnvSpec | null;
  reset(options?: ResetOptions): ResetResult<O>;
  step(action: A): StepResult<O>;
  /** A frame in `renderMode`: a string for `ansi`, an RgbaFrame for `rgb_array`, null when renderMode is null. */
  render(): RenderResult;
  /** Release resources; calling it twice is harmless. */
  close(): void;
  /** The innermost env below any wrappers. */
  readonly unwrapped: Env<unknown, unknown>;
  /**
   * Steps after which the env truncates an episode itself, for envs registered without a TimeLimit because
   * their limit follows their options (KeyDoorTreasure's 10·size²); `rudder envs` shows it. Optional.
   */
  readonly maxSteps?: number;
  /** The env-state contract (./env-state.ts), optional: test with `hasEnvState(env)`. */
  getState?(): EnvState;
  setState?(state: EnvState): void;
  envStateSupported?(): boolean;
}

/**
 * What a BaseEnv subclass declares to get the env-state contract for free: its kind, the options that
 * shape it (a state only fits an env made with the same), and its mutable fields (all that, with the
 * RNG, decides its future steps).
 */
export interface EnvStateSpec {
  kind: string;
  config: Record<string, unknown>;
  fields: FieldList;
}

/**
 * A base class for envs: holds the env's RNG with Gymnasium's seeding contract.
 * Subclasses call `this.seedRng(options)` first in their `reset`.
 */
export abstract class BaseEnv<O, A> implements Env<O, A> {
  abstract readonly actionSpace: Space<A>;
  abstract readonly observationSpace: Space<O>;
  metadata: EnvMetadata = { renderModes: [] };
  readonly renderMode: RenderMode | null;
  spec: EnvSpec | null = null;
  private rngInstance: Rng | null = null;

  constructor(renderMode: RenderMode | null = null) {
    this.renderMode = renderMode;
  }

  /** The env's own generator: all its randomness comes from here. Created from OS entropy on first use. */
  get rng(): Rng {
    return (this.rngInstance ??= new Rng());
  }

  set rng(r: Rng) {
    this.rngInstance = r;
  }

  abstract reset(options?: ResetOptions): ResetResult<O>;

  /** Gymnasium's seeding contract, for the first line of `reset`: a seed recreates the RNG; no seed keeps the current one. */
  protected seedRng(options?: ResetOptions): void {
    const seed = options?.seed;
    if (seed !== undefined) {
      if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${this.name}: reset seed must be an integer ≥ 0, got ${String(seed)}`);
      if (this.rngInstance) this.rngInstance.reseed(seed);
      else this.rngInstance = new Rng(seed);
    }
  }

  abstract step(action: A): StepResult<O>;

  /** The env-state contract's declaration; null (the default) when this env cannot save its state. */
  protected stateSpec(): EnvStateSpec | null {
    return null;
  }

  envStateSupported(): boolean {
    return this.stateSpec() !== null;
  }

  /** Everything that decides this env's future steps: its declared fields and its RNG (null while unused). */
  getState(): EnvState {
    const spec = this.requireStateSpec();
    return { kind: spec.kind, config: spec.config, rng: this.rngInstance?.getState() ?? null, fields: saveFields(this, spec.fields, `${this.name}.getState`) };
  }

  /** Restores a `getState()` of an env made with the same options; anything else throws EnvStateError and changes nothing. */
  setState(state: EnvState): void {
    const spec = this.requireStateSpec();
    const s = stateOfKind(state, spec.kind, this.name);
    checkStateConfig(s.config, spec.config, this.name);
    let rng: RngState | null = null;
    if (s.rng !== null) {
      try {
        new Rng(0).setState(s.rng as RngState); // validates before anything is written
      } catch (e) {
        throw new EnvStateError(`${this.name}.setState: rng: ${(e as Error).message}`);
      }
      rng = s.rng as RngState;
    }
    loadFields(this, spec.fields, s.fields, `${this.name}.setState: fields`);
    if (rng === null) this.rngInstance = null;
    else if (this.rngInstance) this.rngInstance.setState(rng);
    else (this.rngInstance = new Rng(0)).setState(rng);
  }

  private requireStateSpec(): EnvStateSpec {
    const spec = this.stateSpec();
    if (spec === null) throw new EnvStateError(`${this.name} does not implement the env-state contract (getState/setState)`);
    return spec;
  }

  render(): RenderResult {
    return null;
  }

  close(): void {}

  get unwrapped(): Env<unknown, unknown> {
    return this as Env<unknown, unknown>;
  }

  /** The registered id, or the class name for an env made directly; prefixes error messages. */
  get name(): string {
    return this.spec?.id ?? this.constructor.name;
  }

  toString(): string {
    return this.spec ? `${this.constructor.name}<${this.spec.id}>` : this.constructor.name;
  }

  /**
   * Throws unless `renderMode` is null or one of `metadata.renderModes`, naming the env, the mode and the
   * supported ones. Call it in the constructor once `metadata` is set (after a subclass's field initialisers).
   */
  protected checkRenderMode(envName: string = this.name): void {
    if (this.renderMode !== null && !this.metadata.renderModes.includes(this.renderMode)) {
      throw new RangeError(`${envName}: renderMode "${String(this.renderMode)}" is not one of ${this.metadata.renderModes.join(', ')}`);
    }
  }

  /** Throws a clear InvalidActionError; call from `step` when `!actionSpace.contains(action)`. */
  protected invalidAction(action: unknown): never {
    throw invalidActionError(this.name, this.actionSpace, action);
  }
}

/** `NAME: action 7 is outside Discrete(2) (valid: 0..1)`. */
export function invalidActionError(name: string, space: Space<unknown>, action: unknown): InvalidActionError {
  return new InvalidActionError(`${name}: action ${space.check(action) ?? 'is invalid'}`);
}
