import type { Env, RenderMode, ResetOptions } from './env.ts';
import { EnvCheckError, UnknownEnvError } from './errors.ts';
import { renderResultProblems, resetResultProblems, stepResultProblems } from './passive-checks.ts';
import { make } from './registry.ts';
import { Rng } from './rng.ts';
import { Box } from '../spaces/box.ts';
import { Dict } from '../spaces/dict.ts';
import { Discrete } from '../spaces/discrete.ts';
import { MultiBinary } from '../spaces/multi-binary.ts';
import { MultiDiscrete } from '../spaces/multi-discrete.ts';
import { Space, TYPED_ARRAY, isIntegerDtype, shapeSize, show, type TypedArray } from '../spaces/space.ts';
import { Tuple } from '../spaces/tuple.ts';

export interface CheckEnvOptions {
  /** Skip the metadata/render checks (and re-making the env in each declared render mode). */
  skipRenderCheck?: boolean;
  /** Skip calling `close()` twice (the check leaves the env closed). */
  skipCloseCheck?: boolean;
}

export interface CheckEnvReport {
  /** Things that are legal but probably not what you want (a wrapped env, unbounded action spaces, …). */
  warnings: string[];
}

/** The seeds Gymnasium's check_env uses. */
const SEED = 123;
const OTHER_SEED = 456;
const RENDER_MODES: readonly RenderMode[] = ['ansi', 'rgb_array'];

/**
 * Gymnasium's `check_env` (envs-ppo.md §1.7) for our API: spaces, reset/step result types, seeding and
 * step determinism, rejection of invalid actions, render metadata and frames, and an idempotent `close`.
 *
 * Runs every check it can and throws one {@link EnvCheckError} listing all problems, each saying what
 * is wrong and what to change; returns the warnings when there are none. It resets and steps the env
 * (and closes it unless `skipCloseCheck`), so pass a fresh env, ideally `env.unwrapped`.
 */
export function checkEnv<O, A>(env: Env<O, A>, options: CheckEnvOptions = {}): CheckEnvReport {
  const c = new Check(env as unknown as Env<unknown, unknown>);
  if (c.checkIsEnv()) {
    c.checkWrapped();
    c.checkSpaces();
    if (c.checkReset()) {
      c.checkSeeding();
      c.checkStep();
      c.checkInvalidAction();
    }
    if (!options.skipRenderCheck) c.checkRender();
    if (!options.skipCloseCheck && typeof env.close === 'function') c.checkClose();
  }
  if (c.problems.length > 0) throw new EnvCheckError(c.problems, c.warnings);
  return { warnings: c.warnings };
}

/** Returned by `call` when the env threw (the problem is already recorded). */
const THREW = Symbol('threw');

class Check {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  readonly name: string;
  /** `spec.nondeterministic`: the same seed need not give the same episode, so equality checks are skipped. */
  readonly nondeterministic: boolean;
  private readonly inner: Env<unknown, unknown>;
  /** A seeding problem was found: step determinism would fail for the same reason, so it is not reported again. */
  private seedingBroken = false;
  private obsSpace: Space<unknown> | null = null;
  private actSpace: Space<unknown> | null = null;

  constructor(readonly env: Env<unknown, unknown>) {
    const loose = env as Partial<Env<unknown, unknown>> | null;
    this.inner = (loose && typeof loose === 'object' && loose.unwrapped) || env;
    const spec = loose && typeof loose === 'object' ? loose.spec : null;
    this.name = spec?.id ?? (this.inner?.constructor?.name || 'env');
    this.nondeterministic = spec?.nondeterministic === true;
  }

  private problem(message: string): void {
    this.problems.push(message);
  }

  private warn(message: string): void {
    this.warnings.push(message);
  }

  /** Run `fn`; if it throws, record `${what} threw …; ${fix}` and return THREW. */
  private call<T>(what: string, fix: string, fn: () => T): T | typeof THREW {
    try {
      return fn();
    } catch (e) {
      this.problem(`${this.name}: ${what} threw ${describeError(e)}; ${fix}`);
      return THREW;
    }
  }

  private reset(options?: ResetOptions, fix = 'reset must accept { seed?, options? } and return { obs, info }'): unknown {
    const what = options === undefined ? 'reset()' : `reset(${showOptions(options)})`;
    return this.call(what, fix, () => this.env.reset(options));
  }

  checkIsEnv(): boolean {
    const e = this.env as unknown as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null) {
      this.problem(`checkEnv expects an env object, got ${show(e)}; pass an instance (e.g. new MyEnv() or make('MyEnv-v0'))`);
      return false;
    }
    let ok = true;
    for (const m of ['reset', 'step', 'render', 'close'] as const) {
      if (typeof e[m] !== 'function') {
        this.problem(`${this.name}: env.${m} is not a method (got ${show(e[m])}); implement ${m}() (extending BaseEnv provides render and close)`);
        if (m === 'reset' || m === 'step') ok = false;
      }
    }
    if (!e.unwrapped) this.problem(`${this.name}: env.unwrapped is missing; extend BaseEnv, or add \`get unwrapped() { return this; }\``);
    if (typeof (this.inner as unknown as Record<string, unknown>).seed === 'function') {
      this.warn(`${this.name}: env has a seed() method; Gymnasium ≥ 0.26 seeds through reset({ seed }) only, so callers will not use it`);
    }
    return ok;
  }

  checkWrapped(): void {
    if (this.inner !== this.env) {
      this.warn(`${this.name}: the env is wrapped (${String(this.env)}), and wrappers can hide or cause problems; to check the env itself pass env.unwrapped`);
    }
  }

  checkSpaces(): void {
    for (const role of ['observation', 'action'] as const) {
      const space = role === 'action' ? this.env.actionSpace : this.env.observationSpace;
      const field = `${role}Space`;
      if (space === undefined || space === null) {
        this.problem(`${this.name}: env.${field} is missing; set it to a Space, e.g. new Discrete(n) or new Box(low, high, shape)`);
        continue;
      }
      if (!(space instanceof Space)) {
        this.problem(`${this.name}: env.${field} is not a Space (got ${show(space)}); use one of Discrete, Box, MultiDiscrete, MultiBinary, Dict, Tuple`);
        continue;
      }
      const before = this.problems.length;
      this.checkSpace(space, `${field}`, role);
      if (this.problems.length === before) {
        if (role === 'action') this.actSpace = space;
        else this.obsSpace = space;
      }
    }
  }

  /** Recursive validity of one space; Box bounds also get the warnings of Gymnasium's check_space_limit. */
  private checkSpace(space: Space<unknown>, path: string, role: 'observation' | 'action'): void {
    const where = `${this.name}: ${path} ${space.toString()}`;
    if (space instanceof Discrete) {
      if (!Number.isInteger(space.n) || space.n <= 0) this.problem(`${where} has n = ${show(space.n)}; n must be a positive integer`);
      if (space.shape.length !== 0) this.problem(`${where} has shape [${space.shape.join(', ')}]; a Discrete space is a scalar, shape []`);
    } else if (space instanceof MultiDiscrete) {
      if (space.nvec.length === 0 || space.nvec.some((n) => n <= 0)) this.problem(`${where}: every entry of nvec must be a positive integer`);
      if (shapeSize(space.shape) !== space.nvec.length) this.problem(`${where}: shape [${space.shape.join(', ')}] does not hold nvec's ${space.nvec.length} entries; make them agree`);
    } else if (space instanceof MultiBinary) {
      if (space.shape.length === 0 || space.shape.some((d) => !(d > 0))) this.problem(`${where}: shape must be positive integers, got [${space.shape.join(', ')}]`);
    } else if (space instanceof Box) {
      this.checkBox(space, where, role);
    } else if (space instanceof Tuple) {
      if (space.spaces.length === 0) this.problem(`${where} is empty; give it at least one sub-space or drop it`);
      space.spaces.forEach((s, i) => this.checkSpace(s, `${path}[${i}]`, role));
    } else if (space instanceof Dict) {
      if (space.keys.length === 0) this.problem(`${where} is empty; give it at least one sub-space or drop it`);
      for (const k of space.keys) this.checkSpace(space.spaces[k]!, `${path}.${k}`, role);
    }
  }

  private checkBox(box: Box<TypedArray>, where: string, role: 'observation' | 'action'): void {
    if (box.low.length !== box.size || box.high.length !== box.size) {
      this.problem(`${where}: low has ${box.low.length} and high ${box.high.length} entries, shape [${box.shape.join(', ')}] needs ${box.size}; give bounds of the space's shape (or scalars)`);
      return;
    }
    let equal = 0;
    for (let i = 0; i < box.size; i++) {
      const lo = box.low[i]!, hi = box.high[i]!;
      if (!(lo <= hi)) this.problem(`${where}: low[${i}] = ${lo} is not ≤ high[${i}] = ${hi}; swap or fix the bounds`);
      else if (lo === hi) equal++;
    }
    if (equal > 0) this.warn(`${where}: ${equal} dimension${equal === 1 ? ' has' : 's have'} low == high, so ${equal === 1 ? 'it carries' : 'they carry'} no information; remove ${equal === 1 ? 'it' : 'them'} or widen the bounds`);
    // Infinite observation bounds are normal (CartPole's velocities); infinite action bounds make
    // Gaussian policies and clipping meaningless, which is why only the action space is warned about.
    if (role !== 'action' || isIntegerDtype(box.dtype)) return;
    if (!box.isBounded()) {
      this.warn(`${where} has infinite bounds; bound the action space (an agent cannot clip or rescale to ±Infinity)`);
    } else if (box.shape.length === 1) {
      let normalised = true;
      for (let i = 0; i < box.size; i++) {
        const lo = box.low[i]!, hi = box.high[i]!;
        if ((lo !== 0 && Math.abs(lo) !== Math.abs(hi)) || lo < -1 || hi > 1) normalised = false;
      }
      if (!normalised) this.warn(`${where}: continuous actions learn best in a symmetric, normalised range; use [-1, 1] (or [0, 1]) and rescale inside step (or with a RescaleAction wrapper)`);
    }
  }

  /** reset() result types and reset({ options: {} }); false when reset cannot be called at all. */
  checkReset(): boolean {
    const r = this.reset({ seed: SEED });
    if (r === THREW) return false;
    this.pushResultProblems(resetResultProblems(this.name, this.obsSpace, r));
    this.reset({ options: {} }, 'accept an options object (ResetOptions.options) and ignore keys you do not use');
    return true;
  }

  private pushResultProblems(ps: { message: string }[]): void {
    for (const p of ps) this.problem(p.message);
  }

  /** Gymnasium's seed contract (envs-ppo.md §1.2), through observations and, when the env has one, `env.rng`. */
  checkSeeding(): void {
    const fixRng = 'call this.seedRng(options) first in reset (BaseEnv) and draw all randomness from this.rng, not Math.random or a shared generator';
    const first = this.reset({ seed: SEED });
    if (first === THREW) return;
    const obs1 = copyValue(obsOf(first));
    const rng1 = this.rngSnapshot();
    const second = this.reset({ seed: SEED });
    if (second === THREW) return;
    const obs2 = obsOf(second);
    const rng2 = this.rngSnapshot();
    const before = this.problems.length;
    if (!this.nondeterministic) {
      const d = firstDifference(obs1, obs2, 'obs');
      if (d) this.problem(`${this.name}: reset({ seed: ${SEED} }) twice gave different observations (${d}); ${fixRng}`);
    }
    if (rng1 !== null && rng2 !== null) {
      if (!rng1.sameStateAs(rng2)) this.problem(`${this.name}: reset({ seed: ${SEED} }) twice left env.rng in different states; ${fixRng}`);
      if (this.reset({ seed: OTHER_SEED }) === THREW) return;
      if (this.rngSnapshot()!.sameStateAs(rng1)) {
        this.problem(`${this.name}: reset({ seed: ${OTHER_SEED} }) left env.rng in the same state as reset({ seed: ${SEED} }), so the seed is ignored; ${fixRng}`);
      }
      if (this.problems.length === before) this.checkUnseededReset();
    }
    this.seedingBroken = this.problems.length > before;
  }

  /**
   * `reset()` without a seed must keep the current generator. Continuing a stream is deterministic, and
   * xoshiro's step is a bijection, so after seeds 123 and 456 the states must still differ; a fresh
   * entropy generator breaks the first property, a reseed to a fixed seed the second.
   */
  private checkUnseededReset(): void {
    const run = (seed: number): { rng: Rng; obs: unknown } | null => {
      if (this.reset({ seed }) === THREW) return null;
      const r = this.reset();
      if (r === THREW) return null;
      return { rng: this.rngSnapshot()!, obs: copyValue(obsOf(r)) };
    };
    const a = run(SEED), b = run(SEED), c = run(OTHER_SEED);
    if (!a || !b || !c) return;
    if (!a.rng.sameStateAs(b.rng)) {
      this.problem(`${this.name}: reset() after reset({ seed: ${SEED} }) gave a different env.rng state in two runs, so it does not continue the seeded stream; when options.seed is undefined keep the current generator (BaseEnv.seedRng does)`);
    } else if (a.rng.sameStateAs(c.rng)) {
      this.problem(`${this.name}: reset() without a seed put env.rng in the same state whether the env was seeded with ${SEED} or ${OTHER_SEED}, so it reseeds from a fixed seed; when options.seed is undefined keep the current generator (BaseEnv.seedRng does)`);
    } else if (!this.nondeterministic) {
      const d = firstDifference(a.obs, b.obs, 'obs');
      if (d) this.problem(`${this.name}: reset() after reset({ seed: ${SEED} }) gave different observations in two runs (${d}); draw all randomness from this.rng`);
    }
  }

  /** A copy of the unwrapped env's generator, or null when it has none (an env not built on BaseEnv). */
  private rngSnapshot(): Rng | null {
    const rng = (this.inner as unknown as { rng?: unknown }).rng;
    if (!(rng instanceof Rng)) return null;
    const copy = new Rng(0);
    copy.setState(rng.getState());
    return copy;
  }

  /** One step's result types, then the same seed and action twice must give the same step. */
  checkStep(): void {
    const space = this.actSpace;
    if (!space) return;
    space.seed(SEED);
    const action = space.sample();
    const act = show(action);
    const once = (): { result: unknown; rng: Rng | null } | null => {
      if (this.reset({ seed: SEED }) === THREW) return null;
      const r = this.call(`step(${act})`, 'step must accept any element of actionSpace', () => this.env.step(copyValue(action)));
      return r === THREW ? null : { result: copyValue(r), rng: this.rngSnapshot() };
    };
    const s1 = once();
    if (!s1) return;
    const typeProblems = stepResultProblems(this.name, this.obsSpace, s1.result);
    this.pushResultProblems(typeProblems);
    if (this.nondeterministic || this.seedingBroken || typeProblems.length > 0) return;
    const s2 = once();
    if (!s2) return;
    const diffs: string[] = [];
    for (const k of ['obs', 'reward', 'terminated', 'truncated', 'info'] as const) {
      const d = firstDifference((s1.result as Record<string, unknown>)[k], (s2.result as Record<string, unknown>)[k], k);
      if (d) diffs.push(d);
    }
    if (s1.rng && s2.rng && !s1.rng.sameStateAs(s2.rng)) diffs.push('env.rng state');
    if (diffs.length > 0) {
      this.problem(`${this.name}: step(${act}) after reset({ seed: ${SEED} }) differed between two runs (${diffs.join('; ')}); draw all randomness from this.rng, or register the env with nondeterministic: true`);
    }
  }

  /** An action outside the space must throw: an env that silently accepts one hides agent bugs. */
  checkInvalidAction(): void {
    const space = this.actSpace;
    if (!space) return;
    const bad = invalidActionFor(space);
    if (bad === NO_INVALID_ACTION) {
      this.warn(`${this.name}: checkEnv cannot build an invalid action for ${space.toString()}, so rejection of invalid actions was not checked`);
      return;
    }
    if (this.reset({ seed: SEED }) === THREW) return;
    let threw = false;
    try {
      this.env.step(bad);
    } catch {
      threw = true;
    }
    if (!threw) {
      this.problem(`${this.name}: step(${show(bad)}) accepted an action outside ${space.toString()}; throw on invalid actions, e.g. start step with \`if (!this.actionSpace.contains(action)) this.invalidAction(action)\``);
    }
  }

  checkRender(): void {
    const meta = this.env.metadata as unknown;
    if (typeof meta !== 'object' || meta === null) {
      this.problem(`${this.name}: env.metadata is ${show(meta)}; declare metadata = { renderModes: [...], renderFps } (renderModes may be [])`);
      return;
    }
    const { renderModes, renderFps } = meta as { renderModes?: unknown; renderFps?: unknown };
    let modes: string[] = [];
    if (!Array.isArray(renderModes) || !renderModes.every((m) => typeof m === 'string')) {
      this.problem(`${this.name}: metadata.renderModes must be an array of strings, got ${show(renderModes)}; declare e.g. renderModes: ['ansi', 'rgb_array'] (or [] when the env does not render)`);
    } else {
      modes = renderModes as string[];
      for (const m of modes) {
        if (!(RENDER_MODES as readonly string[]).includes(m)) this.warn(`${this.name}: metadata.renderModes declares "${m}", which is not a rudder render mode (${RENDER_MODES.join(', ')}), so it was not checked`);
      }
    }
    if (renderFps !== undefined) {
      if (typeof renderFps !== 'number' || !Number.isFinite(renderFps) || renderFps <= 0) {
        this.problem(`${this.name}: metadata.renderFps must be a positive number, got ${show(renderFps)}; give the playback rate in frames per second, or leave it out`);
      }
    } else if (modes.length > 0) {
      this.warn(`${this.name}: metadata.renderFps is not set, so recordings and viewers play at an arbitrary rate; set it to the env's frames per second`);
    }
    const names = (meta as { actionNames?: unknown }).actionNames;
    const space = this.env.actionSpace as unknown;
    if (names !== undefined) {
      const n = space instanceof Discrete ? space.n : null;
      if (!Array.isArray(names) || !names.every((x) => typeof x === 'string' && x !== '')) {
        this.problem(`${this.name}: metadata.actionNames must be an array of non-empty strings (a name per action), got ${show(names)}`);
      } else if (n !== null && names.length !== n) {
        this.problem(`${this.name}: metadata.actionNames has ${names.length} names for ${n} actions; give one name per action, in action order`);
      } else if (new Set(names).size !== names.length) {
        this.problem(`${this.name}: metadata.actionNames repeats a name (${names.join(', ')}); the viewer's key map needs them distinct`);
      }
    }

    const mode = this.env.renderMode as unknown;
    if (typeof this.env.render !== 'function') {
      // already reported by checkIsEnv
    } else if (mode !== null && mode !== undefined) {
      if (typeof mode !== 'string' || !modes.includes(mode)) {
        this.problem(`${this.name}: renderMode ${show(mode)} is not in metadata.renderModes [${modes.join(', ')}]; reject unsupported modes in the constructor, or add the mode to renderModes`);
      } else if ((RENDER_MODES as readonly string[]).includes(mode)) {
        this.checkFrame(this.env, mode as RenderMode, '');
      }
    } else if (this.reset({ seed: SEED }) !== THREW) {
      const frame = this.call('render() with renderMode null', 'return null when renderMode is null', () => this.env.render());
      if (frame !== THREW && frame !== null && frame !== undefined) {
        this.warn(`${this.name}: render() returned ${show(frame)} although renderMode is null; return null so that callers can tell the env does not render`);
      }
    }

    const spec = this.env.spec;
    if (spec) {
      for (const m of modes) if ((RENDER_MODES as readonly string[]).includes(m)) this.remakeInMode(spec.id, spec.kwargs, m as RenderMode);
    }
  }

  /** reset, then check one `render()` frame of `env` in `mode`. */
  private checkFrame(env: Env<unknown, unknown>, mode: RenderMode, via: string): void {
    const what = `${via}render() in "${mode}" mode`;
    const r = this.call(`${via}reset({ seed: ${SEED} })`, 'reset must succeed in every render mode', () => env.reset({ seed: SEED }));
    if (r === THREW) return;
    const frame = this.call(what, `render must return a frame in every mode of metadata.renderModes`, () => env.render());
    if (frame === THREW) return;
    for (const p of renderResultProblems(this.name, mode, frame)) this.problem(via ? p.replace(`${this.name}: `, `${this.name}: ${via}`) : p);
  }

  /** Gymnasium re-makes the env in every declared mode: a mode it lists must construct and render. */
  private remakeInMode(id: string, kwargs: Readonly<Record<string, unknown>>, mode: RenderMode): void {
    const rest: Record<string, unknown> = { ...kwargs };
    delete rest.renderMode;
    const via = `make("${id}", …, { renderMode: "${mode}" }): `;
    let env: Env<unknown, unknown>;
    try {
      // Without the passive checker, so that a bad frame is reported here rather than thrown by the wrapper.
      env = make(id, rest, { renderMode: mode, disableEnvChecker: true });
    } catch (e) {
      if (e instanceof UnknownEnvError) {
        this.warn(`${this.name}: spec.id "${id}" is not registered, so the render modes were not re-made; register the env to have them checked`);
      } else {
        this.problem(`${this.name}: ${via}threw ${describeError(e)}; every mode in metadata.renderModes must be constructible`);
      }
      return;
    }
    if (env.renderMode !== mode) {
      this.problem(`${this.name}: ${via}built an env with renderMode ${show(env.renderMode)}; store the renderMode kwarg (pass it to BaseEnv's constructor)`);
    } else {
      this.checkFrame(env, mode, via);
    }
    try {
      env.close();
    } catch {
      // close() is checked on the env under test
    }
  }

  checkClose(): void {
    const fix = 'make close() idempotent, e.g. return early when already closed';
    if (this.call('close()', fix, () => this.env.close()) === THREW) return;
    this.call('close() on an already closed env', fix, () => this.env.close());
  }
}

const NO_INVALID_ACTION = Symbol('none');

/** An action just outside `space`, or NO_INVALID_ACTION when none is obvious. */
function invalidActionFor(space: Space<unknown>): unknown {
  let bad: unknown = NO_INVALID_ACTION;
  if (space instanceof Discrete) bad = space.start + space.n;
  else if (space instanceof Box) bad = new TYPED_ARRAY[space.dtype](space.size + 1);
  else if (space instanceof MultiDiscrete) bad = Int32Array.from(space.nvec, (n, i) => space.start[i]! + n);
  else if (space instanceof MultiBinary) bad = new Int8Array(space.flatdim).fill(2);
  else if (space instanceof Dict || space instanceof Tuple) bad = null;
  return bad !== NO_INVALID_ACTION && space.contains(bad) ? NO_INVALID_ACTION : bad;
}

function obsOf(r: unknown): unknown {
  return typeof r === 'object' && r !== null ? (r as { obs?: unknown }).obs : undefined;
}

function showOptions(o: ResetOptions): string {
  const parts: string[] = [];
  if (o.seed !== undefined) parts.push(`seed: ${o.seed}`);
  if (o.options !== undefined) parts.push(`options: ${JSON.stringify(o.options)}`);
  return `{ ${parts.join(', ')} }`;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : show(e);
}

/** A deep copy of plain data (typed arrays, arrays, plain objects): envs may reuse their buffers. */
function copyValue<T>(x: T): T {
  if (ArrayBuffer.isView(x)) return (x instanceof DataView ? new DataView(x.buffer.slice(0)) : (x as unknown as { slice(): unknown }).slice()) as T;
  if (Array.isArray(x)) return x.map(copyValue) as T;
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = copyValue((x as Record<string, unknown>)[k]);
    return out as T;
  }
  return x;
}

/**
 * Where `a` and `b` first differ, as `path: a vs b`, or null when they are equal. Numbers compare exactly
 * with NaN equal to NaN (Gymnasium's data_equivalence); typed arrays must also share their element type.
 */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b)) ? null : `${path}: ${a} vs ${b}`;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return `${path}: ${show(a)} vs ${show(b)}`;
    const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) return `${path}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      const d = firstDifference(x[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return `${path}: ${show(a)} vs ${show(b)}`;
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys {${ka.join(', ')}} vs {${kb.join(', ')}}`;
    for (const k of ka) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${show(a)} vs ${show(b)}`;
}
