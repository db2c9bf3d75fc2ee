import { checkDemonstration, type Demonstration } from '../../envs/core/demonstration.ts';
import { Rng } from '../../envs/core/rng.ts';
import { Adam } from '../adam.ts';
import type { Agent } from './agent.ts';
import { PpoLoss, type LossCoefs, type Minibatch } from './loss.ts';

/**
 * Behaviour cloning of PPO's actor from demonstrations (issue 10 item 5; the paper pre-trains its sub-agents
 * by BC before PPO, rudder.md §4.2): minimise the demo actions' cross-entropy −mean log π(a|s) with Adam.
 * It runs through PPO's own loss: with old log-probabilities equal to the current ones (ratio 1), advantage
 * 1, no clipping and no value or entropy term, PPO's policy-gradient is exactly the cross-entropy's.
 */
export interface BcOptions {
  /** Passes over the demo steps (default 50). */
  epochs?: number;
  /** Demo steps per Adam step (default 64). */
  batchSize?: number;
  /** Adam's step size (default 1e-3). */
  learningRate?: number;
  /** Seed of the minibatch shuffles. */
  seed?: number;
  /**
   * Stop before `epochs` once the policy's mean entropy on the demo states (nats) has fallen below this, so
   * cloning an expert who plans on what the policy cannot see does not leave PPO a near-deterministic
   * actor to explore with (default 0: no floor). Checked after each epoch.
   */
  minEntropy?: number;
}

/** Demo steps as BC's inputs: the observation each action was taken in [n · D] and the actions [n]. */
export interface DemoSteps {
  obsDim: number;
  obs: Float32Array;
  actions: Int32Array;
}

/** The demos replayed (and so checked), keeping the observation before each action. */
export function demoSteps(demos: readonly Demonstration[]): DemoSteps {
  const obs: number[] = [], actions: number[] = [];
  let D = -1;
  demos.forEach((d, k) => {
    let last: Float32Array | null = null;
    const keep = (o: unknown): void => {
      if (!(o instanceof Float32Array)) throw new TypeError(`demo ${k}: BC needs flat Float32Array observations`);
      if (D >= 0 && o.length !== D) throw new RangeError(`demo ${k}: observations of ${o.length} values, demo 0's of ${D}`);
      D = o.length;
      last = Float32Array.from(o);
    };
    checkDemonstration(d, `demo ${k}`, {
      onReset: (_env, o) => keep(o),
      onStep: (s) => {
        for (const v of last!) obs.push(v);
        actions.push(s.action);
        keep(s.obs);
      },
    });
  });
  if (actions.length === 0) throw new RangeError('demoSteps: no demo steps');
  return { obsDim: D, obs: Float32Array.from(obs), actions: Int32Array.from(actions) };
}

/** The agent can learn from these demo steps: one Discrete head, the observation size, actions in range; says what differs. */
export function checkSteps(agent: Agent, steps: DemoSteps, what: string): void {
  if (agent.numHeads !== 1) throw new RangeError(`${what}: BC takes Discrete actions (one head), the agent has ${agent.numHeads}`);
  const D = agent.kind === 'mlp' ? agent.obsDim : agent.obsShape.reduce((a, b) => a * b, 1);
  if (steps.obsDim !== D) throw new RangeError(`${what}: the demos' observations have ${steps.obsDim} values, the agent takes ${D} (another env or kwargs, or --align-augment on one side only?)`);
  for (let i = 0; i < steps.actions.length; i++) {
    const a = steps.actions[i]!;
    if (!(a >= 0 && a < agent.nvec[0]!)) throw new RangeError(`${what}: demo action ${a} at step ${i} is outside 0..${agent.nvec[0]! - 1}`);
  }
}

/** The BC minibatch of rows `idx[from..to)` (advantage 1; the caller sets oldLogProbs to the current ones). */
export function bcMinibatch(steps: DemoSteps, idx: ArrayLike<number>, from: number, to: number): Minibatch {
  const B = to - from, D = steps.obsDim;
  const mb: Minibatch = {
    size: B, obs: new Float32Array(B * D), actions: new Int32Array(B), masks: null, oldLogProbs: new Float32Array(B),
    advantages: new Float32Array(B).fill(1), returns: new Float32Array(B), oldValues: new Float32Array(B),
  };
  fillBcMinibatch(mb, steps, idx, from);
  return mb;
}

/** Refills `mb`'s observations and actions with rows `idx[from..from + mb.size)` (the rest stays as bcMinibatch made it). */
export function fillBcMinibatch(mb: Minibatch, steps: DemoSteps, idx: ArrayLike<number>, from: number): void {
  const D = steps.obsDim;
  for (let b = 0; b < mb.size; b++) {
    const i = idx[from + b]!;
    mb.obs.set(steps.obs.subarray(i * D, i * D + D), b * D);
    mb.actions[b] = steps.actions[i]!;
  }
}

/** Runs `f` over the demo steps in minibatches of 256 (forward passes: the mean-over-demos measures below). */
function overDemos(steps: DemoSteps, f: (mb: Minibatch) => void): void {
  const n = steps.actions.length, all = Int32Array.from({ length: n }, (_, i) => i);
  for (let s = 0; s < n; s += 256) f(bcMinibatch(steps, all, s, Math.min(n, s + 256)));
}

/** −mean log π(a|s) of the demo actions under the agent's policy. */
export function demoCrossEntropy(agent: Agent, steps: DemoSteps): number {
  checkSteps(agent, steps, 'demoCrossEntropy');
  const loss = new PpoLoss(agent);
  let sum = 0;
  overDemos(steps, (mb) => {
    const lp = new Float32Array(mb.size);
    loss.logProbs(mb, lp);
    for (const v of lp) sum -= v;
  });
  return sum / steps.actions.length;
}

/** The policy's mean entropy (nats) on the demo states. */
export function demoEntropy(agent: Agent, steps: DemoSteps): number {
  checkSteps(agent, steps, 'demoEntropy');
  const loss = new PpoLoss(agent);
  let sum = 0;
  overDemos(steps, (mb) => void (sum += mb.size * loss.run(mb, BC_COEFS, null).entropy)); // a forward pass, no gradient
  return sum / steps.actions.length;
}

/** PPO's loss with ratio 1 and advantage 1 is the cross-entropy: no clipping, no value or entropy term. */
export const BC_COEFS: LossCoefs = { clipCoef: Infinity, clipVloss: false, entCoef: 0, vfCoef: 0 };

/**
 * Trains the agent's actor on the demo steps in place; returns the cross-entropy before and after, the
 * epochs run (fewer than asked when `minEntropy` stopped it) and the policy's entropy on the demo states after.
 */
export function bcPretrain(agent: Agent, steps: DemoSteps, opts: BcOptions = {}): { before: number; after: number; epochs: number; entropy: number } {
  checkSteps(agent, steps, 'bcPretrain');
  const { epochs = 50, batchSize = 64, learningRate = 1e-3, seed = 0, minEntropy = 0 } = opts;
  if (!(Number.isInteger(epochs) && epochs >= 0)) throw new RangeError(`bcPretrain: epochs must be an integer ≥ 0, got ${epochs}`);
  if (!(Number.isFinite(minEntropy) && minEntropy >= 0)) throw new RangeError(`bcPretrain: minEntropy must be a number ≥ 0 (nats), got ${minEntropy}`);
  const before = demoCrossEntropy(agent, steps);
  const loss = new PpoLoss(agent), adam = new Adam(agent.params(), learningRate, 0.9, 0.999, 1e-5), rng = new Rng(seed);
  const grads = agent.params().map((p) => new Float32Array(p.length));
  const n = steps.actions.length, order = Int32Array.from({ length: n }, (_, i) => i);
  const floor = minEntropy > 0;
  let done = 0, entropy = floor ? demoEntropy(agent, steps) : Infinity;
  for (let e = 0; e < epochs && !(floor && entropy < minEntropy); e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.integer(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let s = 0; s < n; s += batchSize) {
      const mb = bcMinibatch(steps, order, s, Math.min(n, s + batchSize));
      loss.logProbs(mb, mb.oldLogProbs); // ratio 1: PPO's gradient is the cross-entropy's
      loss.run(mb, BC_COEFS, grads);
      adam.update(grads);
    }
    done++;
    if (floor) entropy = demoEntropy(agent, steps);
  }
  return { before, after: demoCrossEntropy(agent, steps), epochs: done, entropy: floor ? entropy : demoEntropy(agent, steps) };
}
