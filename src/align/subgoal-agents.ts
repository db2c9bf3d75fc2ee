import type { Rng } from '../envs/core/rng.ts';
import type { Demonstration } from '../envs/core/demonstration.ts';
import { createAgent } from '../agents/ppo/agent.ts';
import { bcPretrain, type DemoSteps } from '../agents/ppo/bc.ts';
import type { PpoConfig } from '../agents/ppo/config.ts';
import type { LossStats, Minibatch } from '../agents/ppo/loss.ts';
import { copyMinibatchRows, newMinibatch } from '../agents/ppo/minibatch.ts';
import { checkTensors, FusedPolicy, type PpoPolicy, type UpdateCoefs } from '../agents/ppo/policy.ts';
import type { AlignSetup } from './ppo-align.ts';
import { subgoalDemoSteps } from './subgoal-demo-steps.ts';
import { saveSubgoalModel, type SubgoalModel } from './subgoal-model.ts';
import { stageOf, subgoalStages, type SubgoalStages } from './subgoal-stages.ts';
import { readSubgoals, type Subgoal, type SubgoalOptions } from './subgoals.ts';
import type { TransitionEvents } from './transition-events.ts';

/**
 * Align-RUDDER's sub-goal agents (issue 10 item 6; rudder.md §4.2, the paper's full method): the sub-goals
 * read from the profile (subgoals.ts), one actor-critic per sub-goal, each BC-initialised on the demo steps
 * taken while it was the current sub-goal and fine-tuned by PPO on the redistributed reward; the detected
 * event switches to the next agent.
 *
 * The switch needs no state of its own: the agents act on the state-augmented observation
 * (subgoal-observation.ts: the env's observation plus one 0/1 flag per event kind seen so far), and the
 * current sub-goal is the first one, in profile order, whose event flag is still 0. So the stage is a
 * function of the observation: rollout rows, minibatch rows and evaluation steps route themselves, and
 * vector envs, autoresets and env-state checkpoints need nothing new. Agent j acts while sub-goal j is
 * open; after the last sub-goal the last agent goes on acting.
 *
 * To PPO it is one `PpoPolicy` (PpoTrainOptions.makePolicy): acting and values group the rows by stage,
 * and each minibatch (advantages normalised over the whole of it, as for one policy) is split by stage,
 * each part one update of its own agent with its own Adam and gradient clip.
 */

/** The demo steps (augmented rows) split by the stage each was taken in: one DemoSteps per sub-goal (possibly empty). */
export function stageDemoSteps(steps: DemoSteps, s: SubgoalStages): DemoSteps[] {
  const D = steps.obsDim, n = steps.actions.length, m = s.events.length;
  if (D !== s.envObsDim + s.numEvents) throw new RangeError(`stageDemoSteps: demo rows of ${D} values, the stages read ${s.envObsDim} + ${s.numEvents} flags`);
  const stage = new Int32Array(n), count = new Int32Array(m);
  for (let t = 0; t < n; t++) count[(stage[t] = stageOf(steps.obs.subarray(t * D, t * D + D), s))]!++;
  const out = Array.from({ length: m }, (_, j): DemoSteps => ({ obsDim: D, obs: new Float32Array(count[j]! * D), actions: new Int32Array(count[j]!) }));
  const at = new Int32Array(m);
  for (let t = 0; t < n; t++) {
    const j = stage[t]!, p = at[j]!++;
    out[j]!.obs.set(steps.obs.subarray(t * D, t * D + D), p * D);
    out[j]!.actions[p] = steps.actions[t]!;
  }
  return out;
}

/** Rows of a batch grouped by stage: `rows` holds the row indices stage by stage, `start[j]..start[j+1]` stage j's. */
interface StageGroups {
  rows: Int32Array;
  start: Int32Array; // [m + 1]
  stage: Int32Array; // scratch: each row's stage
  at: Int32Array; // scratch [m]: the next free place of each stage
}

export class SubgoalPolicy implements PpoPolicy {
  readonly kind = 'custom' as const;
  readonly nvec: Int32Array;
  readonly numLogits: number;
  readonly numHeads: number;
  readonly kernels: 'wasm' | 'js';
  private readonly D: number;
  // Scratch for grouping rows by stage and gathering each group's inputs and outputs; grown as needed.
  private groups: StageGroups;
  private obsBuf = new Float32Array(0);
  private actBuf = new Int32Array(0);
  private lpBuf = new Float32Array(0);
  private valBuf = new Float32Array(0);
  private maskBuf = new Uint8Array(0);
  private readonly subMb: Minibatch[];

  /**
   * `policies[j]` acts while sub-goal j is open; all take the augmented observation and the same actions.
   * `encoder` (what sets the flags) makes the policy savable as a model folder (`saveModel`).
   */
  constructor(readonly policies: readonly FusedPolicy[], readonly stages: SubgoalStages, readonly encoder: TransitionEvents | null = null) {
    if (policies.length !== stages.events.length) throw new RangeError(`SubgoalPolicy: ${policies.length} policies for ${stages.events.length} sub-goals`);
    const p0 = policies[0]!;
    this.nvec = p0.nvec;
    this.numLogits = p0.numLogits;
    this.numHeads = p0.numHeads;
    this.kernels = p0.loss.kernels === 'wasm' ? 'wasm' : 'js';
    this.D = stages.envObsDim + stages.numEvents;
    policies.forEach((p, j) => {
      const a = p.agent;
      if (a.kind !== 'mlp' || a.obsDim !== this.D) throw new RangeError(`SubgoalPolicy: policy ${j} takes ${a.kind === 'mlp' ? a.obsDim : a.kind} observations, the augmented ones have ${this.D} values`);
      if (a.nvec.join() !== p0.nvec.join()) throw new RangeError(`SubgoalPolicy: policy ${j} has action heads [${[...a.nvec].join(', ')}], policy 0 [${[...p0.nvec].join(', ')}]`);
    });
    this.subMb = policies.map(() => newMinibatch(0, 0, 0, 0));
    const m = policies.length;
    this.groups = { rows: new Int32Array(0), start: new Int32Array(m + 1), stage: new Int32Array(0), at: new Int32Array(m) };
  }

  get lr(): number {
    return this.policies[0]!.lr;
  }

  set lr(v: number) {
    for (const p of this.policies) p.lr = v;
  }

  /** Groups `rows` observation rows of `obs` by stage (into this.groups). */
  private group(obs: Float32Array, rows: number): StageGroups {
    const m = this.policies.length, D = this.D;
    if (this.groups.rows.length < rows) this.groups = { rows: new Int32Array(rows), start: this.groups.start, stage: new Int32Array(rows), at: this.groups.at };
    const { rows: order, start, stage, at } = this.groups;
    start.fill(0);
    for (let b = 0; b < rows; b++) start[(stage[b] = stageOf(obs.subarray(b * D, b * D + D), this.stages)) + 1]!++;
    for (let j = 0; j < m; j++) start[j + 1]! += start[j]!;
    at.set(start.subarray(0, m));
    for (let b = 0; b < rows; b++) order[at[stage[b]!]!++] = b;
    return this.groups;
  }

  private grow(rows: number): void {
    const D = this.D, H = this.numHeads, L = this.numLogits;
    if (this.obsBuf.length < rows * D) this.obsBuf = new Float32Array(rows * D);
    if (this.actBuf.length < rows * H) this.actBuf = new Int32Array(rows * H);
    if (this.lpBuf.length < rows) this.lpBuf = new Float32Array(rows);
    if (this.valBuf.length < rows) this.valBuf = new Float32Array(rows);
    if (this.maskBuf.length < rows * L) this.maskBuf = new Uint8Array(rows * L);
  }

  act(obs: Float32Array, rows: number, rng: Rng, actions: Int32Array, logProbs: Float32Array, values: Float32Array | null, greedy = false, mask: Uint8Array | null = null): void {
    const D = this.D, H = this.numHeads, L = this.numLogits, { rows: order, start } = this.group(obs, rows);
    this.grow(rows);
    for (let j = 0; j < this.policies.length; j++) {
      const from = start[j]!, n = start[j + 1]! - from;
      if (n === 0) continue;
      for (let b = 0; b < n; b++) {
        const r = order[from + b]!;
        this.obsBuf.set(obs.subarray(r * D, r * D + D), b * D);
        if (mask) this.maskBuf.set(mask.subarray(r * L, r * L + L), b * L);
      }
      this.policies[j]!.act(this.obsBuf, n, rng, this.actBuf, this.lpBuf, values ? this.valBuf : null, greedy, mask ? this.maskBuf : null);
      for (let b = 0; b < n; b++) {
        const r = order[from + b]!;
        for (let h = 0; h < H; h++) actions[r * H + h] = this.actBuf[b * H + h]!;
        logProbs[r] = this.lpBuf[b]!;
        if (values) values[r] = this.valBuf[b]!;
      }
    }
  }

  value(obs: Float32Array, rows: number, out: Float32Array): void {
    const D = this.D, { rows: order, start } = this.group(obs, rows);
    this.grow(rows);
    for (let j = 0; j < this.policies.length; j++) {
      const from = start[j]!, n = start[j + 1]! - from;
      if (n === 0) continue;
      for (let b = 0; b < n; b++) this.obsBuf.set(obs.subarray(order[from + b]! * D, order[from + b]! * D + D), b * D);
      this.policies[j]!.value(this.obsBuf, n, this.valBuf);
      for (let b = 0; b < n; b++) out[order[from + b]!] = this.valBuf[b]!;
    }
  }

  /** One update of each agent on its stage's rows of the minibatch; the stats are the row-weighted means. */
  update(mb: Minibatch, c: UpdateCoefs): LossStats {
    const D = this.D, H = this.numHeads, L = this.numLogits, { rows: order, start } = this.group(mb.obs, mb.size);
    const sum: LossStats = { loss: 0, policyLoss: 0, valueLoss: 0, entropy: 0, oldApproxKl: 0, approxKl: 0, clipFrac: 0 };
    for (let j = 0; j < this.policies.length; j++) {
      const from = start[j]!, n = start[j + 1]! - from;
      if (n === 0) continue;
      const sub = this.subMb[j]!;
      if (sub.size !== n) Object.assign(sub, newMinibatch(n, D, H, mb.masks ? L : 0));
      copyMinibatchRows(sub, mb, order, from, D, H, L);
      const s = this.policies[j]!.update(sub, c);
      for (const k of Object.keys(sum) as (keyof LossStats)[]) sum[k] += (n / mb.size) * s[k];
    }
    return sum;
  }

  /**
   * Every agent's weights and Adam moments, under `agent/j/` (FusedPolicy's names after it), each agent's
   * Adam step count in `subgoal/adam_steps` [m] (an agent steps only on minibatches that reach its stage),
   * and the sub-goals' events in `subgoal/events` [m], so a resume with other sub-goals is refused. The
   * returned adamStep is agent 0's.
   */
  saveState(): { tensors: Record<string, Float32Array>; adamStep: number } {
    const tensors: Record<string, Float32Array> = {};
    const steps = new Float32Array(this.policies.length); // Adam steps stay far below 2^24, exact in float32
    this.policies.forEach((p, j) => {
      const s = p.saveState();
      for (const [name, t] of Object.entries(s.tensors)) tensors[`agent/${j}/${name}`] = t;
      steps[j] = s.adamStep;
    });
    tensors['subgoal/adam_steps'] = steps;
    tensors['subgoal/events'] = Float32Array.from(this.stages.events);
    return { tensors, adamStep: steps[0]! };
  }

  /** Puts `saveState`'s arrays back; all of them are checked first, so a refused checkpoint changes nothing. */
  restoreState(tensors: Record<string, Float32Array>, _adamStep: number, where: string): void {
    const m = this.policies.length, events = tensors['subgoal/events'], steps = tensors['subgoal/adam_steps'];
    if (!events) throw new Error(`${where}: no sub-goal agents in it (no tensor subgoal/events): it was not written by an --align-subgoals run`);
    if (events.length !== m || events.some((e, j) => e !== this.stages.events[j])) {
      throw new Error(`${where}: its agents are for the sub-goal events [${[...events].join(', ')}], this run's for [${[...this.stages.events].join(', ')}] (other demos or profile settings?)`);
    }
    if (!steps || steps.length !== m || steps.some((v) => !(Number.isInteger(v) && v >= 0))) throw new Error(`${where}: tensor subgoal/adam_steps must hold ${m} step counts (integers ≥ 0), got ${steps ? `[${[...steps].join(', ')}]` : 'none'}`);
    const own = this.policies.map((p, j) => {
      const prefix = `agent/${j}/`, t: Record<string, Float32Array> = {};
      for (const [name, v] of Object.entries(tensors)) if (name.startsWith(prefix)) t[name.slice(prefix.length)] = v;
      checkTensors(t, Object.entries(p.saveState().tensors).map(([n, v]) => [n, v.length] as const), `${where}, agent ${j}`, 'sub-goal agent');
      return t;
    });
    this.policies.forEach((p, j) => p.restoreState(own[j]!, steps[j]!, `${where}, agent ${j}`));
  }

  /** The agents and their switch as a model folder (subgoal-model.ts), replacing `dir` as a whole; PPO calls it for `model/`. */
  async saveModel(dir: string, cfg: Pick<PpoConfig, 'envId' | 'envKwargs'>): Promise<void> {
    const encoder = this.encoder;
    if (!encoder) throw new Error('SubgoalPolicy: built without its event encoder, so its switch cannot be saved (pass the encoder to the constructor)');
    const names = [...this.stages.events].map((e) => encoder.eventName(e));
    await saveSubgoalModel(dir, { envId: cfg.envId, envKwargs: cfg.envKwargs, stages: this.stages, names, encoder, agents: this.policies.map((p) => p.agent) });
  }

  /** The policy of a loaded model folder (subgoal-model.ts `loadSubgoalModel`), to act with. */
  static fromModel(m: SubgoalModel, lr = 0): SubgoalPolicy {
    return new SubgoalPolicy(m.agents.map((a) => new FusedPolicy(a, lr)), m.stages, m.encoder);
  }

  dispose(): void {
    // plain Float32Arrays: the garbage collector frees them
  }
}

export interface SubgoalAgentsOptions extends SubgoalOptions {
  /** BC epochs of each agent on its stage's demo steps (0: no BC; default 50). */
  bcEpochs?: number;
}

/** What `subgoalAgents` read and built, for logs, reports and tests. */
export interface SubgoalAgentsSetup {
  subgoals: Subgoal[];
  stages: SubgoalStages;
  /** The demo steps of each stage (augmented rows). */
  stageSteps: DemoSteps[];
  /** Per agent, the demo actions' cross-entropy before and after BC (null: no demo steps in its stage, or no BC); filled by `makePolicy`. */
  bc: ([number, number] | null)[];
  /** For `PpoTrainOptions.makePolicy`: the agents, agent j seeded `cfg.seed + j`, each BC-initialised on its stage's demo steps. */
  makePolicy: (cfg: PpoConfig, obsShape: readonly number[], nvec: readonly number[]) => SubgoalPolicy;
}

/**
 * Sub-goal agents from an Align-RUDDER setup made with `augment: true` (the flags are how the agents
 * switch) and the demos it was built from. Train them with `trainPpo(cfg, { redistribution:
 * setup.redistribution, envWrappers: setup.envWrappers, makePolicy })`.
 */
export function subgoalAgents(setup: AlignSetup, demos: readonly Demonstration[], opts: SubgoalAgentsOptions = {}): SubgoalAgentsSetup {
  const red = setup.redistribution, K = red.encoder.numEvents;
  if (red.appended !== K || red.obsDim === null) throw new RangeError('subgoalAgents: the sub-goal agents switch on the state augmentation\'s event flags: build the Align-RUDDER setup with augment: true (--align-augment)');
  const bcEpochs = opts.bcEpochs ?? 50;
  if (!(Number.isInteger(bcEpochs) && bcEpochs >= 0)) throw new RangeError(`subgoalAgents: bcEpochs must be an integer ≥ 0, got ${bcEpochs}`);
  const subgoals = readSubgoals(red, setup.demoEvents, opts);
  const stages = subgoalStages(subgoals, red.obsDim, K);
  const stageSteps = stageDemoSteps(subgoalDemoSteps(demos, red.encoder), stages);
  const bc: ([number, number] | null)[] = stageSteps.map(() => null);
  const makePolicy = (cfg: PpoConfig, obsShape: readonly number[], nvec: readonly number[]): SubgoalPolicy => {
    if (cfg.policy !== 'mlp') throw new RangeError(`subgoalAgents: the sub-goal agents are MLP actor-critics, the config asks for policy '${cfg.policy}'`);
    const policies = stageSteps.map((steps, j) => {
      const agent = createAgent({ ...cfg, seed: cfg.seed + j }, obsShape, nvec);
      if (bcEpochs > 0 && steps.actions.length > 0) {
        const r = bcPretrain(agent, steps, { epochs: bcEpochs, seed: cfg.seed + j });
        bc[j] = [r.before, r.after];
      }
      return new FusedPolicy(agent, cfg.learningRate);
    });
    return new SubgoalPolicy(policies, stages, red.encoder);
  };
  return { subgoals, stages, stageSteps, bc, makePolicy };
}
