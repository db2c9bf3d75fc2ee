import type { RedistributedEpisode, RedistributionState, RewardRedistribution, RolloutView } from '../agents/ppo/redistribution.ts';
import type { Demonstration } from '../envs/core/demonstration.ts';
import type { EnvWrapper } from '../envs/vector/make-vec.ts';
import { make } from '../envs/core/registry.ts';
import { Box } from '../envs/spaces/box.ts';
import type { AlignProfile } from './align-redistribution.ts';
import type { ClusterEventsOptions } from './cluster-events.ts';
import { envEvents } from './event-episodes.ts';
import { buildEventProfile, eventScale, type EventProfileOptions } from './event-profile.ts';
import { prefixScores } from './profile-align.ts';
import { PrefixScorer } from './prefix-scorer.ts';
import { eventFlagsToJson } from './subgoal-model-json.ts';
import { subgoalWrapper } from './subgoal-observation.ts';
import { NO_EVENT, type EncoderJson, type TransitionEvents } from './transition-events.ts';

/**
 * Align-RUDDER for PPO, online (rudder.md §3 (V), the papers' form): inside each rollout, every transition
 * that makes an event (transition-events.ts) extends its episode's event prefix by one DP row against the
 * demos' profile (prefix-scorer.ts), and the step is paid
 *
 *   R_t = C · (S(τ_t) − S(τ_{t−1})),   C = E_demo[G] / E_demo[S(τ_T) − S(τ_0)],
 *
 * so the reward arrives as the events happen and depends only on the past; with `correction: 'final'` the
 * episode's last step also gets G − Σ_t R_t (the papers' R_{T+2}), making the rewards sum to the return.
 * Through PPO's `RewardRedistribution` seam in `reward` mode with trust 1: GAE and the value function see
 * the redistributed reward instead of the environment's (the return-equivalent MDP).
 */
export interface AlignPpoOptions {
  /** The observation size the encoder was fitted for; a rollout of another size is refused (e.g. another `view`). */
  obsDim?: number;
  /** `final`: the last step of each episode also gets k·G − Σ R (return-equivalent); `none` (default): only C·ΔS. */
  correction?: 'final' | 'none';
  /** k, the units of the redistributed return per unit of the env's, for the correction (`demoReturn` sets it; default 1). */
  returnScale?: number;
  /** `reward` (default): RR replaces the environment reward before GAE; `advantage`: mixed into the advantages. */
  mode?: 'reward' | 'advantage';
  /**
   * Values appended to each observation after the env's own `obsDim` (subgoal-observation.ts's flags): the
   * rollout's rows are then `obsDim + appended` wide and the encoder reads the first `obsDim`. Default 0.
   */
  appended?: number;
}

/** The in-progress episode of each env, for checkpoints. */
export interface AlignCheckpointState {
  kind: 'align';
  version: 1;
  /** Per env: whether an episode is under way, its events so far, the reward paid and the env return so far. */
  episodes: { started: boolean; events: number[]; paid: number; ret: number }[];
  /** Values appended to the observation (state augmentation's flags); absent in older checkpoints: 0. */
  appended?: number;
  /**
   * The event encoder (encoder-json.ts), so that `rudder eval` rebuilds the state augmentation's flags and the
   * sub-goal agents' switch without the demos; absent in older checkpoints and for encoders that cannot be saved.
   */
  encoder?: EncoderJson;
}

export class AlignRedistribution implements RewardRedistribution {
  readonly name: string;
  readonly mode: 'reward' | 'advantage';
  readonly correction: 'final' | 'none';
  /** k: the correction pays k·G − Σ R. */
  readonly returnScale: number;
  /** The env's own observation size (what the encoder reads of each row), when known. */
  readonly obsDim: number | null;
  /** Values appended after it (the state augmentation's K flags), or 0. */
  readonly appended: number;
  private scorers: PrefixScorer[] = [];
  private events: number[][] = [];
  private started = new Uint8Array(0);
  private prevScore = new Float64Array(0);
  private paid = new Float64Array(0);
  private ret = new Float64Array(0);
  private startScore = new Float64Array(0);
  /** Per env, the episode's rewards and C·(S(τ_t) − S(τ_0)) so far, kept only while `onEpisode` is set. */
  private trails: ({ r: number[]; pred: number[] } | null)[] = [];
  /**
   * Called with every finished episode's per-step rewards (C·ΔS, with the correction when on) and the
   * running C·(S(τ_t) − S(τ_0)) as its prediction, trust 1: the viewer plots them as RUDDER's. An episode
   * begun before it was set (or before a resume) is not reported.
   */
  onEpisode: ((e: RedistributedEpisode) => void) | null = null;

  /** `scale` is C (`eventScale`). */
  constructor(readonly encoder: TransitionEvents, readonly profile: AlignProfile, readonly scale: number, opts: AlignPpoOptions = {}) {
    if (!Number.isFinite(scale)) throw new RangeError(`AlignRedistribution: scale C must be finite, got ${scale}`);
    if (profile.pssm.size !== encoder.numEvents) throw new RangeError(`AlignRedistribution: the profile has ${profile.pssm.size} events, the encoder ${encoder.numEvents}`);
    this.mode = opts.mode ?? 'reward';
    this.correction = opts.correction ?? 'none';
    this.returnScale = opts.returnScale ?? 1;
    if (!(Number.isFinite(this.returnScale) && this.returnScale > 0)) throw new RangeError(`AlignRedistribution: returnScale must be finite and > 0, got ${this.returnScale}`);
    this.obsDim = opts.obsDim ?? null;
    this.appended = opts.appended ?? 0;
    if (!(Number.isInteger(this.appended) && this.appended >= 0)) throw new RangeError(`AlignRedistribution: appended must be an integer ≥ 0, got ${this.appended}`);
    if (this.appended > 0 && this.obsDim === null) throw new RangeError('AlignRedistribution: appended values need obsDim (where the env\'s own observation ends)');
    this.name = `Align-RUDDER (${encoder.name}, ${profile.pssm.columns} columns, C = ${scale.toPrecision(3)})`;
  }

  private ensureEnvs(N: number): void {
    if (this.scorers.length === N) return;
    if (this.scorers.length !== 0) throw new RangeError(`AlignRedistribution: rollouts of ${N} envs after rollouts of ${this.scorers.length}`);
    this.scorers = Array.from({ length: N }, () => new PrefixScorer(this.profile.pssm, this.profile.gaps));
    this.events = Array.from({ length: N }, () => []);
    this.started = new Uint8Array(N);
    this.prevScore = new Float64Array(N);
    this.paid = new Float64Array(N);
    this.ret = new Float64Array(N);
    this.startScore = new Float64Array(N);
    this.trails = Array.from({ length: N }, () => null);
  }

  /** Begin env i's episode at observation `obs`: the empty prefix, or its start event's. */
  private begin(i: number, obs: Float32Array): void {
    const sc = this.scorers[i]!;
    sc.reset();
    this.events[i]!.length = 0;
    const s0 = this.encoder.start(obs);
    if (s0 !== NO_EVENT) {
      sc.push(s0);
      this.events[i]!.push(s0);
    }
    this.prevScore[i] = this.startScore[i] = sc.score;
    this.trails[i] = this.onEpisode ? { r: [], pred: [] } : null;
    this.paid[i] = 0;
    this.ret[i] = 0;
    this.started[i] = 1;
  }

  redistribute(view: RolloutView, rr: Float32Array, quality: Float32Array): void {
    const { numSteps: T, numEnvs: N, obsDim: D } = view;
    if (this.obsDim !== null && D !== this.obsDim + this.appended) {
      throw new RangeError(`${this.name}: the rollout's observations have ${D} values, the demonstrations' env ${this.obsDim}${this.appended ? ` + ${this.appended} appended` : ''} (the same env id with other kwargs? state augmentation on one side only?)`);
    }
    const E = this.obsDim ?? D; // what the encoder reads of each row: the env's own observation
    this.ensureEnvs(N);
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < N; i++) {
        const k = t * N + i;
        if (!view.valid[k]) continue; // an autoreset row: the next row begins a new episode
        const obs = view.obs.subarray(k * D, k * D + E);
        if (!this.started[i]) this.begin(i, obs);
        // The observation after this step: the next row's (an autoreset row's obs is the terminal one), or the rollout's last.
        const next = t + 1 < T ? view.obs.subarray((k + N) * D, (k + N) * D + E) : view.nextObs.subarray(i * D, i * D + E);
        const e = this.encoder.event(obs, view.actions[k]!, next);
        let r = 0;
        if (e !== NO_EVENT) {
          const s = this.scorers[i]!.push(e);
          this.events[i]!.push(e);
          r = this.scale * (s - this.prevScore[i]!);
          this.prevScore[i] = s;
        }
        this.ret[i]! += view.rewards[k]!;
        const done = view.terminated[k] || view.truncated[k];
        if (done && this.correction === 'final') r += this.returnScale * this.ret[i]! - (this.paid[i]! + r);
        this.paid[i]! += r;
        rr[k] = r;
        quality[k] = 1;
        const trail = this.trails[i];
        if (trail) {
          trail.r.push(r);
          trail.pred.push(this.scale * (this.prevScore[i]! - this.startScore[i]!));
          if (done) this.report(i, trail, view.globalStep);
        }
        if (done) this.started[i] = 0;
      }
    }
  }

  private report(i: number, trail: { r: number[]; pred: number[] }, globalStep: number): void {
    this.trails[i] = null;
    const L = trail.r.length, ret = this.ret[i]!, predicted = trail.pred[L - 1]!, rest = ret - predicted;
    this.onEpisode?.({
      env: i, globalStep, length: L, ret, predicted, predictions: Float32Array.from(trail.pred), redistributed: Float32Array.from(trail.r),
      quality: 1, error: (rest * rest) / (ret * ret + 1e-5), active: true, // the relative error as RUDDER's (its eps)
    });
  }

  resetEpisodes(): void {
    this.started.fill(0);
    this.trails.fill(null);
  }

  /** The state augmentation's flags as model.json records them (subgoal-model-json.ts); null without augmentation or for an encoder that cannot be saved. */
  modelObservation(): Record<string, unknown> | null {
    if (this.appended === 0 || this.obsDim === null || !this.encoder.toJson) return null;
    return { ...eventFlagsToJson(this.obsDim, this.encoder) };
  }

  saveState(): RedistributionState {
    const state: AlignCheckpointState = {
      kind: 'align', version: 1, appended: this.appended, ...(this.encoder.toJson ? { encoder: this.encoder.toJson() } : {}),
      episodes: this.scorers.map((_, i) => ({ started: this.started[i] === 1, events: [...this.events[i]!], paid: this.paid[i]!, ret: this.ret[i]! })),
    };
    return { state, tensors: {} };
  }

  restoreState(state: RedistributionState['state'], _tensors: Record<string, Float32Array>, label: string): void {
    const s = state as Partial<AlignCheckpointState>;
    if (s.kind !== 'align' || s.version !== 1 || !Array.isArray(s.episodes)) throw new Error(`checkpoint ${label}: not an Align-RUDDER state (kind ${String(s.kind)})`);
    const appended = s.appended ?? 0;
    if (appended !== this.appended) {
      throw new Error(`checkpoint ${label}: trained ${appended ? `with state augmentation (${appended} flags)` : 'without state augmentation'}, resumed ${this.appended ? 'with' : 'without'} it (--align-augment)`);
    }
    if (s.encoder && this.encoder.toJson && JSON.stringify(s.encoder) !== JSON.stringify(this.encoder.toJson())) {
      throw new Error(`checkpoint ${label}: its events were fitted otherwise than this run's (${this.encoder.name}): other demonstrations or another seed?`);
    }
    this.scorers = [];
    this.ensureEnvs(s.episodes.length);
    s.episodes.forEach((ep, i) => {
      const sc = this.scorers[i]!;
      sc.reset();
      for (const e of ep.events) sc.push(e); // replayed through the DP: the same prefix score as before
      this.events[i] = [...ep.events];
      this.started[i] = ep.started ? 1 : 0;
      this.prevScore[i] = sc.score;
      this.startScore[i] = NaN; // unknown for a restored episode: not reported (trails are null)
      this.paid[i] = ep.paid;
      this.ret[i] = ep.ret;
    });
  }
}

/**
 * The offline counterpart, for a finished episode: its per-step events [T] (NO_EVENT where none) and start
 * event (or NO_EVENT) → the T rewards the online form pays, computed with profile-align.ts `prefixScores`.
 */
export function redistributeEventsOffline(stepEvents: Int32Array, startEvent: number, profile: AlignProfile, scale: number, episodeReturn: number, correction: 'final' | 'none' = 'none'): Float32Array {
  const seq: number[] = startEvent === NO_EVENT ? [] : [startEvent];
  for (const e of stepEvents) if (e !== NO_EVENT) seq.push(e);
  const S = seq.length ? prefixScores(Int32Array.from(seq), profile.pssm, { gaps: profile.gaps }) : new Float64Array(0);
  const T = stepEvents.length, out = new Float32Array(T);
  let j = startEvent === NO_EVENT ? 0 : 1, prev = startEvent === NO_EVENT ? 0 : S[0]!, sum = 0;
  for (let t = 0; t < T; t++) {
    let r = 0;
    if (stepEvents[t] !== NO_EVENT) {
      r = scale * (S[j]! - prev);
      prev = S[j++]!;
    }
    if (t === T - 1 && correction === 'final') r += episodeReturn - (sum + r);
    sum += r;
    out[t] = r;
  }
  return out;
}

/** `AlignFromDemosOptions.demoReturn`'s default: the demos' redistributed return. */
export const DEFAULT_DEMO_RETURN = 100;

export interface AlignFromDemosOptions extends Omit<AlignPpoOptions, 'returnScale'> {
  /** Random-policy episodes besides the demos: event fitting and (with `demos+others`) the profile's frequencies. Default 20. */
  otherEpisodes?: number;
  /** Seed of those episodes and of any clustering. */
  seed?: number;
  /** Cut the random episodes after this many steps (default: the env's own end). */
  maxSteps?: number;
  profile?: EventProfileOptions;
  cluster?: ClusterEventsOptions;
  /**
   * The scale of the redistributed reward: C is set so that the demos' redistributed return averages this
   * (C = demoReturn / E_demo[S(τ_T) − S(τ_0)]), and the correction pays the env return in the same units.
   * `env`: the papers' C = E_demo[G] / E_demo[ΔS], the env's units. Default 100 (`DEFAULT_DEMO_RETURN`): PPO's
   * critic learns returns in the hundreds or thousands slowly (its gradient dominates the one gradient-norm
   * clip), and on ItemChain (demos' return 1,571) the env's units cost PPO + Align-RUDDER most of its late
   * items (README, Align-RUDDER in PPO).
   */
  demoReturn?: number | 'env';
  /** State augmentation (subgoal-observation.ts): the env's observation plus one flag per event kind seen so far. */
  augment?: boolean;
}

/** What `alignFromDemos` built, besides the redistribution: for reports and tests. */
export interface AlignSetup {
  redistribution: AlignRedistribution;
  demoEvents: Int32Array[];
  otherEvents: Int32Array[];
  /** What PPO must wrap each env in (`PpoTrainOptions.envWrappers`): the flags with `augment`, else none. */
  envWrappers: EnvWrapper[];
}

/**
 * Align-RUDDER for PPO from demonstrations of one env (all the same id and kwargs): events (the env's
 * declared features, else clusters), the profile (`EventProfileOptions`, default: frequencies from demos
 * and non-demo episodes, columns ≥ half filled), the scale C, and the online redistribution.
 */
export function alignFromDemos(demos: readonly Demonstration[], opts: AlignFromDemosOptions = {}): AlignSetup {
  if (demos.length === 0) throw new RangeError('alignFromDemos: no demonstrations');
  const { envId, envKwargs } = demos[0]!;
  demos.forEach((d, k) => {
    if (d.envId !== envId || JSON.stringify(d.envKwargs) !== JSON.stringify(envKwargs)) throw new RangeError(`alignFromDemos: demo ${k} is of ${d.envId} ${JSON.stringify(d.envKwargs)}, demo 0 of ${envId} ${JSON.stringify(envKwargs)}: one env per profile`);
  });
  const ev = envEvents(envId, envKwargs, demos, { otherEpisodes: opts.otherEpisodes ?? 20, seed: opts.seed ?? 0, ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}), ...(opts.cluster ? { cluster: opts.cluster } : {}) });
  const returns = demos.map((d) => d.return);
  const profile = buildEventProfile(ev.demoEvents, returns, ev.otherEvents, ev.encoder.numEvents, opts.profile ?? {});
  const target = opts.demoReturn ?? DEFAULT_DEMO_RETURN;
  if (target !== 'env' && !(Number.isFinite(target) && target > 0)) throw new RangeError(`alignFromDemos: demoReturn must be a number > 0 or 'env', got ${String(target)}`);
  const meanReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
  const scale = eventScale(ev.demoEvents, target === 'env' ? returns : returns.map(() => target), profile, ev.encoder.hasStartEvent);
  if (target !== 'env' && opts.correction === 'final' && !(meanReturn > 0)) {
    throw new RangeError(`alignFromDemos: the correction pays the env return in units where the demos' return is ${target}, but the demos' mean return is ${meanReturn}: use demoReturn 'env'`);
  }
  const probe = make(envId, envKwargs);
  const space = probe.observationSpace;
  probe.close();
  const ppo: AlignPpoOptions = space instanceof Box ? { obsDim: space.size } : {};
  if (opts.correction) ppo.correction = opts.correction;
  if (target !== 'env' && opts.correction === 'final') ppo.returnScale = target / meanReturn;
  if (opts.mode) ppo.mode = opts.mode;
  if (opts.augment) ppo.appended = ev.encoder.numEvents;
  const envWrappers = opts.augment ? [subgoalWrapper(ev.encoder)] : [];
  return { redistribution: new AlignRedistribution(ev.encoder, profile, scale, ppo), demoEvents: ev.demoEvents, otherEvents: ev.otherEvents, envWrappers };
}
