import { FLAT_TIRE, make, Rng, TRAFFIC_JAM, WATCH_REPAIR_ACTIONS, WATCH_REPAIR_STEPS, watchRepairAction, type Env, type ResetOptions } from '../envs/index.ts';
import { encodeEpisode, LessonsBuffer, ReturnDecomposition, type Lesson } from '../rudder/index.ts';

/**
 * RUDDER's watch-repair demonstration (rudder.md §1.5–1.8, §2.1; the demo's `watch_repair.py`): how many
 * episodes a tabular Q-estimator needs until its first decisions are right, learning from RUDDER's
 * redistributed reward, by Q-learning (TD) or by Monte-Carlo returns (MC). One call is one run.
 *
 * As in the demo:
 * - Tabular state: the demo's integer state (repaired, jams, flat tires, brand, t), read off our
 *   observation; Q has both actions everywhere, initialised optimistically to 10, and 0 at t = 50.
 * - Policy: greedy on Q at step 0 (a uniformly random action on a tie), then with probability 0.1 a
 *   uniformly random action. After step 0 the action is always "don't repair" (the demo forces it; the env
 *   ignores it), so the only action available at t ≥ 1 is that one.
 * - Rewards: the demo pays the repair cost at step 0 and settles everything else (sale price, brand delivery
 *   cost, jams and flat tires) at the last step. Our env's `natural` mode pays jams and flat tires when they
 *   happen, so {@link playEpisode} moves those to the end (`delayed` mode would also move the repair cost).
 * - Updates after each episode, α = 0.1, for t = 0..49:
 *   RUDDER  Q(s_t,a_t) += α·(r̂_t − Q(s_t,a_t)) with r̂ the redistributed reward once the LSTM is trained,
 *           the env's reward before that (the demo's "direct Q estimation");
 *   TD      Q(s_t,a_t) += α·(r_t + max_a Q(s_{t+1},a) − Q(s_t,a_t)), forward in time with the values before
 *           the episode (Q-learning, γ = 1);
 *   MC      Q(s_t,a_t) += α·(G_t − Q(s_t,a_t)), G_t = Σ_{k≥t} r_k.
 * - RUDDER's LSTM (16 units, demo init, Adam lr 1e-2, L2 1e-6, batch 8, aux 0.5, returns / 10) sees
 *   51 steps: Δs_t for the states s_0..s_50 and the one-hot of a_t, zero after the last state. It trains once
 *   the FIFO lessons buffer (2048) holds more than 256 episodes with at least two distinct returns, then
 *   every 25th episode: minibatches until an EMA of the main loss (start 0.3, rate 0.01; reset to the total
 *   loss when the main loss exceeds twice the EMA) is below 0.15. The redistribution is r̂_t = 10·(ŷ_t − ŷ_{t−1}),
 *   r̂_0 = 10·ŷ_0, for t = 0..49: the prediction at the final state is dropped and nothing is corrected.
 * - Stop: once the last 750 first actions (exploratory ones included) are ≥ 95 % optimal, i.e.
 *   [don't, repair, repair, don't] per brand. A perfect greedy policy scores 0.9 + 0.1·0.5 = 0.95 on
 *   average, so the criterion asks for a perfect policy and a window at or above its mean.
 *
 * Where we differ: the LSTM starts redistributing after its first training (the demo already uses the
 * untrained model for the up to 24 episodes before it); the time feature is t/50 (the demo's is t/51);
 * L2 spares the biases (the demo's Adam weight decay has them too); a training call stops after
 * `maxUpdatesPerTraining` minibatches (the demo has no cap).
 */

export type WatchRepairMethod = 'rudder' | 'td' | 'mc';

/** The demo's settings (`watch_repair.py`, `rudder.py`, `Environment.py`). */
export interface WatchRepairSettings {
  /** Q step size α (the demo's `policy_lr`). */
  alpha: number;
  /** Probability of a uniformly random first action. */
  epsilon: number;
  /** Initial Q of every non-terminal state-action (optimistic). */
  initialQ: number;
  /** Moving-average window over optimal first actions. */
  window: number;
  /** Stop once the window's share of optimal first actions is at least this. */
  target: number;
  /** FIFO lessons buffer capacity (episodes). */
  bufferCapacity: number;
  /** The LSTM trains only once the buffer holds more than this many episodes. */
  minBuffered: number;
  /** Train on every episode whose number is a multiple of this. */
  trainEvery: number;
  /** Episodes per LSTM minibatch. */
  batchSize: number;
  /** A training call runs until the EMA of the main loss is below this. */
  lossTarget: number;
  /** The EMA's start value and rate. */
  emaStart: number;
  emaRate: number;
  /** LSTM units. */
  lstmUnits: number;
  /** Safety cap on minibatches per training call (ours; the demo has none). */
  maxUpdatesPerTraining: number;
}

export const WATCH_REPAIR_DEMO: Readonly<WatchRepairSettings> = Object.freeze({
  alpha: 0.1, epsilon: 0.1, initialQ: 10, window: 750, target: 0.95,
  bufferCapacity: 2048, minBuffered: 256, trainEvery: 25, batchSize: 8, lossTarget: 0.15, emaStart: 0.3, emaRate: 0.01,
  lstmUnits: 16, maxUpdatesPerTraining: 20_000,
});

export interface WatchRepairOptions extends Partial<WatchRepairSettings> {
  method: WatchRepairMethod;
  seed: number;
  /** Give up after this many episodes. */
  maxEpisodes: number;
}

export interface WatchRepairResult {
  method: WatchRepairMethod;
  seed: number;
  /** Episodes played until the stop criterion held, or `maxEpisodes`. */
  episodes: number;
  reached: boolean;
  /** Share of optimal first actions in the last `window` episodes at the end. */
  optimalShare: number;
  /** Q(s_0, a) per brand and action, [brand * 2 + action]. */
  firstQ: Float64Array;
  /** RUDDER: LSTM minibatch updates, training calls, and the trained model. */
  lstmUpdates?: number;
  lstmTrainings?: number;
  model?: ReturnDecomposition;
}

const T = WATCH_REPAIR_STEPS; // 50 actions, 51 states
const OBS = 8;
const { REPAIR, DONT_REPAIR } = WATCH_REPAIR_ACTIONS;
const JAMS = T + 1, FLATS = T + 1, BRANDS = 4, TIMES = T + 1; // count ranges 0..50
/** Number of tabular states (repaired × jams × flat tires × brand × t). */
export const WATCH_REPAIR_STATES = 2 * JAMS * FLATS * BRANDS * TIMES;

/** The demo's tabular state of an observation `[repaired, jams, flatTires, brand one-hot ×4, t/50]`. */
export function stateIndex(obs: Float32Array, o = 0): number {
  let brand = 0;
  for (let b = 1; b < BRANDS; b++) if (obs[o + 3 + b]! > obs[o + 3 + brand]!) brand = b;
  const t = Math.round(obs[o + 7]! * T);
  return (((obs[o]! * JAMS + obs[o + 1]!) * FLATS + obs[o + 2]!) * BRANDS + brand) * TIMES + t;
}

/** One finished episode in the demo's form. */
export class WatchRepairEpisode {
  /** States s_0..s_50, [51, 8]. */
  readonly states = new Float32Array((T + 1) * OBS);
  /** Their tabular indices, [51]. */
  readonly stateIds = new Int32Array(T + 1);
  /** Actions a_0..a_49. */
  readonly actions = new Int32Array(T);
  /** Rewards with the demo's timing: −repair cost at step 0, the rest at step 49. */
  readonly rewards = new Float64Array(T);
  ret = 0;
  brand = 0;
}

/**
 * Play one episode: `firstAction(stateId)` at step 0, "don't repair" after. Uses a WatchRepair-v0 made with
 * `reward: 'natural'`, and moves the jam and flat-tire costs of a repaired watch to the last step.
 */
export function playEpisode(env: Env<Float32Array, number>, ep: WatchRepairEpisode, firstAction: (stateId: number) => number, reset?: ResetOptions): WatchRepairEpisode {
  const { states, stateIds, actions, rewards } = ep;
  states.set(env.reset(reset).obs);
  stateIds[0] = stateIndex(states);
  ep.brand = Math.floor(stateIds[0]! / TIMES) % BRANDS;
  let ret = 0;
  for (let t = 0; t < T; t++) {
    const a = t === 0 ? firstAction(stateIds[0]!) : DONT_REPAIR;
    const r = env.step(a);
    actions[t] = a;
    states.set(r.obs, (t + 1) * OBS);
    stateIds[t + 1] = stateIndex(states, (t + 1) * OBS);
    rewards[t] = r.reward;
    ret += r.reward;
  }
  // By the env's documented `natural` timing, step 0's reward is the repair cost plus, for a repaired watch, the
  // public TRAFFIC_JAM / FLAT_TIRE costs of step 0's events (which the observation counts).
  const repaired = states[OBS]!, jams0 = states[OBS + 1]!, flats0 = states[OBS + 2]!;
  const repairCost = rewards[0]! + repaired * (jams0 * TRAFFIC_JAM.cost + flats0 * FLAT_TIRE.cost);
  rewards.fill(0);
  rewards[0] = repairCost;
  rewards[T - 1] = ret - repairCost;
  ep.ret = ret;
  return ep;
}

/**
 * The episode as a lesson for the LSTM: 51 steps of [Δs_t (8), one-hot a_t (2)], the action of the final
 * state left zero as in the demo.
 */
export function episodeLesson(ep: WatchRepairEpisode): Lesson {
  const acts = new Int32Array(T + 1);
  acts.set(ep.actions);
  const inputs = encodeEpisode(ep.states, OBS, acts, [2], T + 1);
  inputs[T * (OBS + 2) + OBS] = 0; // the padding action's one-hot
  return { inputs, length: T + 1, ret: ep.ret, loss: 0 };
}

/** The demo's redistribution into `out` [50]: 10·(ŷ_t − ŷ_{t−1}) for t = 0..49, no correction. */
export function redistributeEpisode(model: ReturnDecomposition, lesson: Lesson, out: Float64Array, scratch = new Float32Array(T + 1)): Float64Array {
  model.redistribute(lesson, scratch, { correction: 'none' });
  for (let t = 0; t < T; t++) out[t] = scratch[t]!;
  return out;
}

/** Whether each of the last `window` first actions was optimal; the demo's stop criterion. */
export class OptimalFirstActions {
  private readonly ring: Uint8Array;
  private n = 0;
  private sum = 0;

  constructor(readonly window: number, readonly target: number) {
    this.ring = new Uint8Array(window);
  }

  /** Record one first action; returns whether the criterion now holds. */
  record(optimal: boolean): boolean {
    const i = this.n % this.window;
    if (this.n >= this.window) this.sum -= this.ring[i]!;
    this.ring[i] = optimal ? 1 : 0;
    this.sum += this.ring[i]!;
    this.n++;
    return this.reached;
  }

  /** Share of optimal actions among the last min(n, window). */
  get mean(): number {
    return this.n === 0 ? 0 : this.sum / Math.min(this.n, this.window);
  }

  /** A full window whose share reaches the target. */
  get reached(): boolean {
    return this.n >= this.window && this.sum >= this.target * this.window;
  }
}

/** The Q table, [state * 2 + action]: `initialQ` everywhere except 0 at the terminal time t = 50. */
function initialTable(initialQ: number): Float64Array {
  const q = new Float64Array(WATCH_REPAIR_STATES * 2).fill(initialQ);
  for (let s = T; s < WATCH_REPAIR_STATES; s += TIMES) q[2 * s] = q[2 * s + 1] = 0;
  return q;
}

/** Greedy on Q (a random action on a tie), then a random action with probability ε. */
function firstAction(q: Float64Array, s: number, epsilon: number, rng: Rng): number {
  const q0 = q[2 * s]!, q1 = q[2 * s + 1]!;
  let a = q0 === q1 ? rng.integer(2) : q0 > q1 ? REPAIR : DONT_REPAIR;
  if (rng.random() < epsilon) a = rng.integer(2);
  return a;
}

/** Q(s_t,a_t) += α·(target_t − Q(s_t,a_t)) for t = 0..49 (RUDDER with r̂, MC with G_t). */
function moveTowards(q: Float64Array, ep: WatchRepairEpisode, targets: Float64Array, alpha: number): void {
  for (let t = 0; t < T; t++) {
    const k = 2 * ep.stateIds[t]! + ep.actions[t]!;
    q[k]! += alpha * (targets[t]! - q[k]!);
  }
}

/**
 * Q-learning. Each t has its own state (time is part of it), so reading Q(s_{t+1}) before it is updated
 * at t+1 is the demo's "values before the episode". After step 0 the only action is "don't repair", so
 * max_a Q(s_{t+1}, a) is Q(s_{t+1}, don't); at t+1 = 50 it is 0.
 */
function qLearning(q: Float64Array, ep: WatchRepairEpisode, alpha: number): void {
  for (let t = 0; t < T; t++) {
    const k = 2 * ep.stateIds[t]! + ep.actions[t]!;
    const next = q[2 * ep.stateIds[t + 1]! + DONT_REPAIR]!;
    q[k]! += alpha * (ep.rewards[t]! + next - q[k]!);
  }
}

function returnsToGo(rewards: Float64Array, out: Float64Array): Float64Array {
  let g = 0;
  for (let t = T - 1; t >= 0; t--) out[t] = g += rewards[t]!;
  return out;
}

/** RUDDER's LSTM, lessons buffer and training schedule. */
class DemoRudder {
  readonly buffer: LessonsBuffer;
  readonly model: ReturnDecomposition;
  updates = 0;
  trainings = 0;
  private readonly scratch = new Float32Array(T + 1);

  constructor(private readonly s: WatchRepairSettings, private readonly rng: Rng) {
    this.buffer = new LessonsBuffer('fifo', s.bufferCapacity);
    this.model = new ReturnDecomposition({ inputDim: OBS + 2, units: s.lstmUnits, init: 'demo', seed: rng.childSeed() });
  }

  /** Store the episode, train if due; then the redistributed reward into `out`, or false before the first training. */
  observe(ep: WatchRepairEpisode, episode: number, out: Float64Array): boolean {
    const lesson = episodeLesson(ep);
    this.buffer.add(lesson);
    const ready = this.buffer.size > this.s.minBuffered && this.buffer.distinctReturns >= 2;
    if (ready && episode % this.s.trainEvery === 0) this.train();
    if (this.trainings === 0) return false;
    redistributeEpisode(this.model, lesson, out, this.scratch);
    return true;
  }

  /** Minibatches until the EMA of the main loss is below the target (rudder.md §1.5). */
  private train(): void {
    const s = this.s;
    let ema = s.emaStart;
    for (let i = 0; ema > s.lossTarget && i < s.maxUpdatesPerTraining; i++) {
      const l = this.model.trainBatch(this.buffer.sample(s.batchSize, this.rng));
      ema -= s.emaRate * (ema - l.main);
      if (l.main > 2 * ema) ema = l.total;
      this.updates++;
    }
    this.trainings++;
  }
}

/** One run: play and learn until the stop criterion holds or `maxEpisodes` episodes are played. Deterministic for a seed. */
export function runWatchRepairExperiment(opts: WatchRepairOptions): WatchRepairResult {
  const { method, seed, maxEpisodes, ...overrides } = opts;
  if (method !== 'rudder' && method !== 'td' && method !== 'mc') throw new RangeError(`runWatchRepairExperiment: method must be 'rudder', 'td' or 'mc', got ${JSON.stringify(method)}`);
  if (!(Number.isInteger(maxEpisodes) && maxEpisodes >= 1)) throw new RangeError(`runWatchRepairExperiment: maxEpisodes must be a positive integer, got ${maxEpisodes}`);
  const s: WatchRepairSettings = { ...WATCH_REPAIR_DEMO, ...overrides };
  const rng = new Rng(seed);
  const env = make<Float32Array, number>('WatchRepair-v0', { reward: 'natural' });
  const envSeed = rng.childSeed(), policyRng = new Rng(rng.childSeed());
  const rudder = method === 'rudder' ? new DemoRudder(s, new Rng(rng.childSeed())) : null;
  const q = initialTable(s.initialQ);
  const criterion = new OptimalFirstActions(s.window, s.target);
  const ep = new WatchRepairEpisode(), targets = new Float64Array(T);
  let optimal = false;
  const choose = (id: number): number => {
    const a = firstAction(q, id, s.epsilon, policyRng);
    optimal = a === watchRepairAction(ep.states);
    return a;
  };
  let episode = 0;
  while (episode < maxEpisodes && !criterion.reached) {
    episode++;
    playEpisode(env, ep, choose, episode === 1 ? { seed: envSeed } : undefined);
    criterion.record(optimal);
    if (method === 'td') qLearning(q, ep, s.alpha);
    else if (method === 'mc') moveTowards(q, ep, returnsToGo(ep.rewards, targets), s.alpha);
    else moveTowards(q, ep, rudder!.observe(ep, episode, targets) ? targets : ep.rewards, s.alpha);
  }
  env.close();
  const firstQ = new Float64Array(BRANDS * 2);
  for (let b = 0; b < BRANDS; b++) for (let a = 0; a < 2; a++) firstQ[2 * b + a] = q[2 * (b * TIMES) + a]!;
  const result: WatchRepairResult = { method, seed, episodes: episode, reached: criterion.reached, optimalShare: criterion.mean, firstQ };
  if (rudder) Object.assign(result, { lstmUpdates: rudder.updates, lstmTrainings: rudder.trainings, model: rudder.model });
  return result;
}
