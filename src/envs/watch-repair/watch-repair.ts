import { EMPTY_INFO, type Env, type EnvStateSpec, type RenderMode, type ResetOptions, type ResetResult, type StepResult } from '../core/env.ts';
import type { ExpertFactory, Policy } from '../core/experts.ts';
import { SceneRenderedEnv } from '../core/scene-rendered-env.ts';
import { EventTable, oneLayerScene, type Scene } from '../core/scene.ts';
import { finishedEpisodeStep } from '../core/finished-episode.ts';
import { rewardOption } from '../core/env-options.ts';
import { Box } from '../spaces/box.ts';
import { Discrete } from '../spaces/discrete.ts';
import { writeStep } from '../core/step-result.ts';

/**
 * The watches of RUDDER's demonstration task (rudder.md §2.1, the demo's README). Costs are normal with
 * the given standard deviations: the README calls the second parameter a variance, but the demo code
 * passes it to `np.random.normal` as the standard deviation, which we follow.
 */
export const WATCH_BRANDS = Object.freeze([
  { name: 'brand0', price: 18, repairMean: 1, repairStd: 2, deliveryMean: 0.5, deliveryStd: 1.5 },
  { name: 'brand1', price: 28, repairMean: 4, repairStd: 2, deliveryMean: 2.5, deliveryStd: 1.5 },
  { name: 'brand2', price: 31, repairMean: 5, repairStd: 2, deliveryMean: 4.5, deliveryStd: 1.5 },
  { name: 'brand3', price: 59, repairMean: 24.5, repairStd: 1, deliveryMean: 18, deliveryStd: 1.5 },
] as const);
/** Brand-independent delivery events: each happens on any step with its probability. */
export const TRAFFIC_JAM = Object.freeze({ cost: 0.1, probability: 0.1 });
export const FLAT_TIRE = Object.freeze({ cost: 7, probability: 0.05 });
export const WATCH_REPAIR_STEPS = 50;

export const WATCH_REPAIR_ACTIONS = Object.freeze({ REPAIR: 0, DONT_REPAIR: 1 });

/** Stable `info.events` names. */
export const WATCH_REPAIR_EVENTS = Object.freeze({
  repaired: 'repaired',
  notRepaired: 'not_repaired',
  trafficJam: 'traffic_jam',
  flatTire: 'flat_tire',
  /** The repaired watch was delivered and sold (last step). */
  delivered: 'delivered',
});

const EVENTS = new EventTable(Object.values(WATCH_REPAIR_EVENTS));
const EV_REPAIRED = EVENTS.bit('repaired'), EV_NOT = EVENTS.bit('not_repaired');
const EV_JAM = EVENTS.bit('traffic_jam'), EV_FLAT = EVENTS.bit('flat_tire'), EV_DELIVERED = EVENTS.bit('delivered');

/**
 * Expected return of repairing a watch of `brand`: price − E[repair] − E[brand delivery] − E[general
 * delivery over 50 steps] (not repairing returns 0). Positive for brands 1 and 2 only.
 */
export function expectedRepairProfit(brand: number): number {
  const b = WATCH_BRANDS[brand]!;
  const general = WATCH_REPAIR_STEPS * (TRAFFIC_JAM.cost * TRAFFIC_JAM.probability + FLAT_TIRE.cost * FLAT_TIRE.probability);
  return b.price - b.repairMean - b.deliveryMean - general;
}

export interface WatchRepairOptions {
  renderMode?: RenderMode | null;
  /**
   * Only `natural` (the class's default): the repair cost at step 0, each jam / flat tire's cost when it
   * happens, the sale price minus the brand's delivery cost at the last step. WatchRepair-v0 registers
   * `reward: 'delayed'` as its default: the DelayedReward wrapper pays the episode's whole return at its
   * last step. (The demo itself pays the repair cost at step 0 and settles the rest at the last step;
   * src/experiments/watch-repair-demo.ts rebuilds that timing from `natural`.)
   */
  reward?: 'natural';
}

/** What WatchRepairEnv.getState saves besides its RNG. */
const WATCH_REPAIR_FIELDS = { scalars: ['brand', 'decision', 't', 'jams', 'flatTires', 'accrued'], arrays: ['history', 'obs'] } as const;

const OBS_HIGH = [1, WATCH_REPAIR_STEPS, WATCH_REPAIR_STEPS, 1, 1, 1, 1, 1];

/**
 * WatchRepair-v0, RUDDER's demonstration task. A watch of one of 4 brands (uniform, drawn at reset)
 * comes in; at step 0 the agent decides to repair it (action 0) or not (1). Actions after step 0 are
 * ignored (any valid action may be passed). Episodes last exactly 50 steps (terminated at step 50).
 *
 * - Repair: pay the repair cost ~ N(mean_b, std_b); during delivery every step may bring a traffic jam
 *   (p 0.1, cost 0.1) or a flat tire (p 0.05, cost 7); at the end the watch sells for price_b minus a
 *   brand delivery cost ~ N(mean_b, 1.5).
 * - No repair: return 0. Jams and flat tires still show in the observation (they are the same for
 *   every episode whatever the decision), but cost nothing.
 *
 * The optimal first actions per brand are [don't, repair, repair, don't] (see expectedRepairProfit).
 *
 * Observation Float32Array(8), the demo's features: `[repaired, jams, flatTires, brand one-hot ×4, t/50]`
 * (`repaired` is 0 before the decision).
 */
export class WatchRepairEnv extends SceneRenderedEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2);
  readonly observationSpace = new Box(0, OBS_HIGH, [8], 'float32');
  /** The brand of this episode (0–3). */
  brand = 0;
  /** −1 before the decision, then 1 repaired / 0 not. */
  decision = -1;
  t = 0;
  jams = 0;
  flatTires = 0;
  /** The natural return so far (shown in the scene). */
  accrued = 0;
  /** Per step: bit 1 traffic jam, bit 2 flat tire (for the scene). */
  private readonly history = new Uint8Array(WATCH_REPAIR_STEPS);
  private readonly obs = new Float32Array(8);
  private readonly info: { events: readonly string[] } = { events: EVENTS.get(0) };
  private readonly result: StepResult<Float32Array> = { obs: this.obs, reward: 0, terminated: false, truncated: false, info: this.info };
  private readonly resetResult: ResetResult<Float32Array> = { obs: this.obs, info: EMPTY_INFO };

  constructor(options: WatchRepairOptions = {}) {
    super(options.renderMode, { renderFps: 10, envName: 'WatchRepair', actionNames: ['repair', 'dont_repair'] });
    rewardOption('WatchRepair', options.reward, ['natural']);
  }

  /** `reset({ options: { brand } })` fixes the brand (0–3). */
  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    const b = options?.options?.brand;
    if (b !== undefined && !(Number.isInteger(b) && (b as number) >= 0 && (b as number) < 4)) {
      throw new RangeError(`${this.name}: reset option brand must be an integer in 0..3, got ${JSON.stringify(b)}`);
    }
    this.brand = b === undefined ? this.rng.integer(4) : (b as number);
    this.decision = -1;
    this.t = 0;
    this.jams = 0;
    this.flatTires = 0;
    this.accrued = 0;
    this.history.fill(0);
    this.info.events = EVENTS.get(0);
    this.obs.fill(0);
    this.obs[3 + this.brand] = 1;
    return this.resetResult;
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) this.invalidAction(action);
    if (this.t >= WATCH_REPAIR_STEPS) return finishedEpisodeStep(this.result, this.info);
    const r = this.result;
    const rng = this.rng, brand = WATCH_BRANDS[this.brand]!;
    let reward = 0, mask = 0;
    if (this.t === 0) {
      this.decision = action === 0 ? 1 : 0;
      if (this.decision === 1) {
        reward -= brand.repairMean + brand.repairStd * rng.normal();
        mask |= EV_REPAIRED;
      } else mask |= EV_NOT;
    }
    const repaired = this.decision === 1;
    if (rng.random() < TRAFFIC_JAM.probability) {
      this.jams++;
      this.history[this.t] = this.history[this.t]! | 1;
      mask |= EV_JAM;
      if (repaired) reward -= TRAFFIC_JAM.cost;
    }
    if (rng.random() < FLAT_TIRE.probability) {
      this.flatTires++;
      this.history[this.t] = this.history[this.t]! | 2;
      mask |= EV_FLAT;
      if (repaired) reward -= FLAT_TIRE.cost;
    }
    const t = ++this.t;
    const last = t === WATCH_REPAIR_STEPS;
    if (last && repaired) {
      reward += brand.price - (brand.deliveryMean + brand.deliveryStd * rng.normal());
      mask |= EV_DELIVERED;
    }
    this.accrued += reward;
    const o = this.obs;
    o[0] = repaired ? 1 : 0;
    o[1] = this.jams;
    o[2] = this.flatTires;
    o[7] = t / WATCH_REPAIR_STEPS;
    this.info.events = EVENTS.get(mask);
    return writeStep(r, reward, last, false);
  }

  protected override stateSpec(): EnvStateSpec {
    return { kind: 'WatchRepair', config: {}, fields: WATCH_REPAIR_FIELDS };
  }

  scene(): Scene {
    const T = WATCH_REPAIR_STEPS, b = WATCH_BRANDS[this.brand]!;
    const tiles = Array.from(this.history, (h, i) => (i >= this.t ? 0 : h === 0 ? 1 : h === 1 ? 2 : h === 2 ? 3 : 4));
    return oneLayerScene({
      title: this.spec?.id ?? 'WatchRepair',
      palette: [
        { code: 0, name: 'future', color: '#202020', char: '.' },
        { code: 1, name: 'quiet', color: '#3c6e3c', char: '-' },
        { code: 2, name: 'traffic_jam', color: '#d0a000', char: 'j' },
        { code: 3, name: 'flat_tire', color: '#d03030', char: 'F' },
        { code: 4, name: 'jam_and_flat_tire', color: '#a000a0', char: '*' },
      ],
      layer: { name: 'delivery', width: T, height: 1, tiles },
      sprites: [{ kind: 'item', id: 'watch', x: Math.min(this.t, T - 1), y: 0, label: b.name, color: '#ffffff' }],
      hud: {
        brand: b.name,
        price: b.price,
        decision: this.decision === -1 ? 'undecided' : this.decision === 1 ? 'repair' : "don't repair",
        step: this.t,
        jams: this.jams,
        flatTires: this.flatTires,
        accrued: this.accrued,
      },
      text: 'repair the watch (0) or not (1) at step 0; the sale and all costs settle by step 50',
      events: this.info.events,
    });
  }
}

/** The expert's choice from the observation alone: repair exactly when the brand's expected profit is positive. */
export function watchRepairAction(obs: Float32Array): number {
  let brand = 0;
  for (let i = 1; i < 4; i++) if (obs[3 + i]! > obs[3 + brand]!) brand = i;
  return expectedRepairProfit(brand) > 0 ? WATCH_REPAIR_ACTIONS.REPAIR : WATCH_REPAIR_ACTIONS.DONT_REPAIR;
}

/** The WatchRepair expert as a Policy (it needs only the observation). */
export const watchRepairExpert: ExpertFactory = (_env: Env<unknown, unknown>): Policy => (obs) => watchRepairAction(obs as Float32Array);
