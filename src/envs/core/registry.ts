import type { Env, RenderMode } from './env.ts';
import { numberIn, oneOf } from './env-options.ts';
import { UnknownEnvError } from './errors.ts';
import type { ExpertFactory } from './experts.ts';
import type { EnvFactory, EnvKwargs, EnvSpec, EventFeaturesFactory, VectorFactoryRef, WrapperFactory } from './spec.ts';
import { DelayedReward } from '../wrappers/delayed-reward.ts';
import { OrderEnforcing } from '../wrappers/order-enforcing.ts';
import { PassiveEnvChecker } from '../wrappers/passive-env-checker.ts';
import { TimeLimit } from '../wrappers/time-limit.ts';

/**
 * Typed ids: declare `interface EnvRegistry { 'MyEnv-v0': Env<Float32Array, number> }` in a
 * `declare module 'rudder-ts'` block and `make('MyEnv-v0')` is typed.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EnvRegistry {}

export interface RegisterOptions {
  maxEpisodeSteps?: number | null;
  rewardThreshold?: number | null;
  nondeterministic?: boolean;
  orderEnforce?: boolean;
  disableEnvChecker?: boolean;
  kwargs?: Record<string, unknown>;
  /**
   * The keyword arguments the factory reads (e.g. `['size', 'maxSteps']`, or `optionNames<MyOptions>({…})`),
   * so that `make` refuses an unknown one (a typo like `sise`) instead of ignoring it. Leave it out and
   * any kwargs are passed on unchecked.
   */
  options?: readonly string[] | null;
  additionalWrappers?: WrapperFactory[];
  vectorFactory?: VectorFactoryRef | null;
  /** The env's scripted expert, read back by `expertFor(id)`. */
  expert?: ExpertFactory | null;
  /** The slice of the observation whose changes are the env's events, read back by `eventFeaturesFor(id, kwargs)`. */
  eventFeatures?: EventFeaturesFactory | null;
}

export interface MakeOptions {
  /** Overrides the spec's limit; -1 (or null) means no TimeLimit. */
  maxEpisodeSteps?: number | null;
  disableEnvChecker?: boolean;
  renderMode?: RenderMode | null;
}

// Gymnasium's id grammar: [namespace/]name[-vN].
const ID_RE = /^(?:([\w:-]+)\/)?([\w:.-]+?)(?:-v(\d+))?$/;

const registry = new Map<string, EnvSpec>();

export function parseEnvId(id: string): { namespace: string | null; name: string; version: number | null } {
  const m = ID_RE.exec(id);
  if (!m) throw new UnknownEnvError(`malformed env id "${id}": expected [namespace/]Name-vN, e.g. CartPole-v1`);
  return { namespace: m[1] ?? null, name: m[2]!, version: m[3] === undefined ? null : Number(m[3]) };
}

/** Record `factory` under `id` so that `make(id)` can build it. Re-registering an id replaces it. */
export function register<O, A>(id: string, factory: EnvFactory<O, A>, options: RegisterOptions = {}): EnvSpec {
  const { namespace, name, version } = parseEnvId(id);
  if (typeof factory !== 'function') throw new TypeError(`register("${id}"): factory must be a function (kwargs) => Env`);
  if (options.eventFeatures != null && typeof options.eventFeatures !== 'function') throw new TypeError(`register("${id}"): eventFeatures must be a function (env) => FeatureSlice, got ${typeof options.eventFeatures}`);
  if (options.expert != null && typeof options.expert !== 'function') throw new TypeError(`register("${id}"): expert must be a function (env) => Policy, got ${typeof options.expert}`);
  const max = options.maxEpisodeSteps ?? null;
  if (max !== null && (!Number.isInteger(max) || max <= 0)) throw new RangeError(`register("${id}"): maxEpisodeSteps must be a positive integer or null, got ${String(max)}`);
  const opts = options.options ?? null;
  if (opts !== null && (!Array.isArray(opts) || opts.some((o) => typeof o !== 'string'))) throw new TypeError(`register("${id}"): options must be a list of option names (strings)`);
  const spec: EnvSpec = Object.freeze({
    id,
    namespace,
    name,
    version,
    // `reward: 'delayed'`, `delay` and `delayObservation` are make's wrapper, never the env's: the factory
    // does not see them even when called directly with the spec's kwargs (as `rudder envs` does to read the spaces).
    factory: (kw: EnvKwargs) => (factory as EnvFactory)(withoutMakeKwargs(kw)),
    maxEpisodeSteps: max,
    rewardThreshold: options.rewardThreshold ?? null,
    nondeterministic: options.nondeterministic ?? false,
    orderEnforce: options.orderEnforce ?? true,
    disableEnvChecker: options.disableEnvChecker ?? false,
    options: opts === null ? null : Object.freeze([...opts]),
    kwargs: Object.freeze({ ...(options.kwargs ?? {}) }),
    additionalWrappers: Object.freeze([...(options.additionalWrappers ?? [])]),
    vectorFactory: options.vectorFactory ?? null,
    expert: options.expert ?? null,
    eventFeatures: options.eventFeatures ?? null,
  });
  registry.set(id, spec);
  return spec;
}

/** The spec registered under `id`; an unknown id throws an error naming the closest registered ids. */
export function spec(id: string): EnvSpec {
  const s = registry.get(id);
  if (s) return s;
  throw unknownId(id);
}

/** All registered ids, sorted. */
export function listEnvs(): string[] {
  return [...registry.keys()].sort();
}

/** Remove an id (mainly for tests). */
export function unregister(id: string): boolean {
  return registry.delete(id);
}

/**
 * Build the env registered as `id`, wrapped as Gymnasium does, innermost first:
 * env → PassiveEnvChecker → OrderEnforcing → TimeLimit → DelayedReward → the spec's additional wrappers.
 * `kwargs` override the spec's defaults.
 *
 * `reward: 'delayed'` (in `kwargs` or the spec's defaults) is make's own, for every id, a user's env
 * included: it is not passed to the factory, and DelayedReward pays the episode's whole return at its
 * last step. Being outside TimeLimit, that last step is a TimeLimit truncation too, so the payment is
 * exact both for envs that truncate themselves and for envs cut by `maxEpisodeSteps`. Any other `reward`
 * value (e.g. KeyDoorTreasure's 'shaped') goes to the factory, whose env checks it.
 *
 * `delay: D` and `delayObservation` (with `reward: 'delayed'` only) are DelayedReward's options, also
 * make's own and never passed to the factory: an episode that terminates runs D more steps (actions
 * ignored), then terminates and pays its whole return; TimeLimit, inside, never cuts the delay. See
 * DelayedReward.
 */
export function make<K extends keyof EnvRegistry>(id: K, kwargs?: Record<string, unknown>, options?: MakeOptions): EnvRegistry[K];
export function make<O = unknown, A = unknown>(id: string, kwargs?: Record<string, unknown>, options?: MakeOptions): Env<O, A>;
export function make(id: string, kwargs: Record<string, unknown> = {}, options: MakeOptions = {}): Env<unknown, unknown> {
  const s = spec(id);
  checkEnvKwargs(s, kwargs);
  const merged: EnvKwargs = { ...structuredClone(s.kwargs), ...kwargs };
  if (options.renderMode !== undefined) merged.renderMode = options.renderMode;
  const delayed = merged.reward === 'delayed';
  if (!delayed && (merged.delay !== undefined || merged.delayObservation !== undefined)) {
    const which = merged.delay !== undefined ? 'delay' : 'delayObservation';
    throw new RangeError(`make("${id}"): option ${which} is the DelayedReward wrapper's and needs reward: 'delayed' (got reward ${JSON.stringify(merged.reward)}), e.g. make("${id}", { reward: 'delayed', delay: 200 })`);
  }
  const delayOpts = delayed ? { delay: numberIn(`make("${id}")`, 'delay', merged.delay, 0, 1e9, 0, true), delayObservation: oneOf(`make("${id}")`, 'delayObservation', merged.delayObservation, ['counter', 'frozen'] as const, 'counter') } : null;
  const base = s.factory(merged);
  const missing = missingEnvParts(base);
  if (missing !== null) throw new TypeError(`make("${id}"): the registered factory did not return an env: ${missing} (extend BaseEnv, or implement the Env interface)`);
  const max = options.maxEpisodeSteps === undefined ? s.maxEpisodeSteps : options.maxEpisodeSteps === -1 ? null : options.maxEpisodeSteps;
  const disableEnvChecker = options.disableEnvChecker ?? s.disableEnvChecker;
  // The env's spec records what it was really made with (as Gymnasium's make does), so it can be rebuilt.
  const unchanged = max === s.maxEpisodeSteps && disableEnvChecker === s.disableEnvChecker && Object.keys(kwargs).length === 0 && options.renderMode === undefined;
  const effective: EnvSpec = unchanged ? s : Object.freeze({ ...s, maxEpisodeSteps: max, disableEnvChecker, kwargs: Object.freeze(merged) });
  base.unwrapped.spec = effective;
  let env: Env<unknown, unknown> = base;
  if (!disableEnvChecker) env = new PassiveEnvChecker(env);
  if (s.orderEnforce) env = new OrderEnforcing(env);
  if (max !== null) env = new TimeLimit(env, max);
  if (delayOpts) env = new DelayedReward(env, delayOpts);
  for (const w of s.additionalWrappers) env = w(env);
  return env;
}

/** Keyword arguments `make` takes for every env, whatever the env declares. */
export const MAKE_KWARGS: readonly string[] = ['reward', 'delay', 'delayObservation', 'renderMode'];

/**
 * Refuses a keyword argument the env does not take (when its spec declares `options`), naming the env, the
 * valid keys and the closest one: `make("KeyDoorTreasure-v0"): unknown option "sise". Did you mean "size"? …`.
 */
export function checkEnvKwargs(s: EnvSpec, kwargs: Readonly<Record<string, unknown>>): void {
  if (s.options === null) return;
  const valid = [...s.options, ...MAKE_KWARGS.filter((k) => !s.options!.includes(k))];
  for (const key of Object.keys(kwargs)) {
    if (valid.includes(key)) continue;
    // The closest key within a few edits, else one the key begins (`suttonBarto` → `suttonBartoReward`).
    const lower = key.toLowerCase();
    const near = valid.map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
    const guess = near && near.d <= Math.max(2, Math.floor(key.length / 3)) ? near.k : valid.find((k) => lower.length >= 3 && k.toLowerCase().startsWith(lower));
    const hint = guess ? ` Did you mean "${guess}"?` : '';
    const own = s.options.length ? s.options.join(', ') : 'none of its own';
    throw new RangeError(`make("${s.id}"): unknown option "${key}".${hint} ${s.id} takes: ${own}; and, as every env: ${MAKE_KWARGS.join(', ')}`);
  }
}

/** What keeps `value` from being an env (a missing method or space, as a phrase), or null if nothing does. */
function missingEnvParts(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return `it returned ${value === null ? 'null' : typeof value}`;
  const v = value as Record<string, unknown>;
  const missing = [
    ...['reset', 'step', 'render', 'close'].filter((m) => typeof v[m] !== 'function').map((m) => `${m}()`),
    ...['actionSpace', 'observationSpace'].filter((k) => v[k] === null || typeof v[k] !== 'object'),
    ...(v.unwrapped === null || typeof v.unwrapped !== 'object' ? ['unwrapped'] : []),
  ];
  const name = (v.constructor as { name?: string } | undefined)?.name;
  return missing.length ? `${name && name !== 'Object' ? `a ${name} ` : 'an object '}without ${missing.join(', ')}` : null;
}

function withoutMakeKwargs(kwargs: EnvKwargs): EnvKwargs {
  if (kwargs.reward !== 'delayed' && kwargs.delay === undefined && kwargs.delayObservation === undefined) return kwargs;
  const { reward, delay: _delay, delayObservation: _obs, ...rest } = kwargs;
  return reward === 'delayed' || reward === undefined ? rest : { ...rest, reward };
}

function unknownId(id: string): UnknownEnvError {
  const ids = listEnvs();
  let parsed: { name: string; namespace: string | null } | null = null;
  try {
    parsed = parseEnvId(id);
  } catch {
    // a malformed id still gets suggestions below
  }
  const sameName = parsed ? ids.filter((k) => registry.get(k)!.name === parsed.name && registry.get(k)!.namespace === parsed.namespace) : [];
  if (sameName.length > 0) {
    return new UnknownEnvError(`unknown env id "${id}": ${parsed!.name} exists as ${sameName.join(', ')}`);
  }
  const close = ids
    .map((k) => ({ k, d: editDistance(id.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1))
    .slice(0, 3)
    .map((x) => x.k);
  const hint = close.length ? ` Did you mean ${close.join(', ')}?` : ' No envs are registered.';
  const what = parsed ? `unknown env id "${id}".` : `malformed env id "${id}": expected [namespace/]Name-vN, e.g. CartPole-v1.`;
  return new UnknownEnvError(`${what}${hint} (\`rudder envs\` lists all ${ids.length})`);
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
