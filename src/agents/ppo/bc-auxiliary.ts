import { Rng } from '../../envs/core/rng.ts';
import type { Agent } from './agent.ts';
import { BC_COEFS, bcMinibatch, checkSteps, fillBcMinibatch, type DemoSteps } from './bc.ts';
import type { AuxiliarySettings } from './checkpoint.ts';
import type { PpoConfig } from './config.ts';
import type { AuxiliaryLoss } from './ppo.ts';
import { PpoLoss } from './loss.ts';

/**
 * Behaviour cloning as an auxiliary loss of PPO instead of (or after a few epochs of) pre-training: each PPO
 * update's gradient gets w_u · ∇CE on a minibatch of demo steps, CE = −mean log π(a|s) of the demo actions,
 * with a weight falling linearly from `weight` to 0 over the first `iterations` PPO iterations
 *
 *   w_u = weight · max(0, 1 − u / (iterations · updateEpochs · numMinibatches)),   u = the update's index.
 *
 * The demos steer the policy early, while PPO's own objective (entropy bonus included) keeps exploring;
 * once w = 0 it is plain PPO. Pre-training alone makes the actor near-deterministic on the demo states, and
 * on ItemChain the expert plans on the whole map while the policy sees 9×9, so what it clones is often
 * wrong for what it sees (README, Align-RUDDER in PPO).
 *
 * The sum goes through PPO's one gradient-norm clip and Adam step. The demo minibatch of update u is a
 * function of u and the seed alone (a fixed shuffle, cycled), so a resumed run (whose Adam step count is in
 * its checkpoint) continues exactly.
 */
export interface BcAuxiliaryOptions {
  /** w at the first update (default 1: the CE's gradient at the scale of PPO's policy loss, whose advantages are normalised). */
  weight?: number;
  /** PPO iterations over which w falls to 0 (≥ 1). */
  iterations: number;
  /** Demo steps per update (default 64). */
  batchSize?: number;
  /** Seed of the demo steps' shuffle. */
  seed?: number;
}

/** Adds the auxiliary gradient of update `u` (0-based) to `grads` (agent.params() order), in place. */
export type AuxiliaryGradient = (grads: Float32Array[], u: number) => void;

/** BC's settings as checkpoints record them (checkpoint.ts `AuxiliarySettings`). */
export interface BcAuxiliarySettings extends AuxiliarySettings {
  readonly kind: 'bc';
  readonly weight: number;
  readonly iterations: number;
  readonly batchSize: number;
  readonly seed: number;
}

/**
 * For `PpoTrainOptions.auxiliaryLoss`: the BC auxiliary gradient on `steps` for the trainer's agent and config;
 * its `settings` go into the run's checkpoints (the demos do not: a resume must pass the same ones).
 */
export function bcAuxiliary(steps: DemoSteps, opts: BcAuxiliaryOptions): AuxiliaryLoss {
  const { weight = 1, iterations, batchSize = 64, seed = 0 } = opts;
  if (!(Number.isFinite(weight) && weight > 0)) throw new RangeError(`bcAuxiliary: weight must be a number > 0, got ${weight}`);
  if (!(Number.isInteger(iterations) && iterations >= 1)) throw new RangeError(`bcAuxiliary: iterations must be an integer ≥ 1, got ${iterations}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new RangeError(`bcAuxiliary: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const n = steps.actions.length;
  if (n === 0) throw new RangeError('bcAuxiliary: no demo steps');
  const settings: BcAuxiliarySettings = { kind: 'bc', weight, iterations, batchSize, seed };
  return Object.assign((agent: Agent, cfg: PpoConfig): AuxiliaryGradient => {
    checkSteps(agent, steps, 'bcAuxiliary');
    const updates = iterations * cfg.updateEpochs * cfg.numMinibatches, B = Math.min(batchSize, n);
    const loss = new PpoLoss(agent), own = agent.params().map((p) => new Float32Array(p.length));
    const order = Int32Array.from({ length: n }, (_, i) => i), rng = new Rng(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.integer(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const idx = new Int32Array(B), mb = bcMinibatch(steps, idx, 0, B); // one minibatch, refilled per update
    return (grads, u) => {
      const w = weight * Math.max(0, 1 - u / updates);
      if (w === 0) return;
      for (let b = 0; b < B; b++) idx[b] = order[(u * B + b) % n]!;
      fillBcMinibatch(mb, steps, idx, 0);
      loss.logProbs(mb, mb.oldLogProbs); // ratio 1: PPO's policy gradient is the cross-entropy's
      loss.run(mb, BC_COEFS, own);
      for (let p = 0; p < grads.length; p++) {
        const g = grads[p]!, o = own[p]!;
        for (let i = 0; i < g.length; i++) g[i]! += w * o[i]!;
      }
    };
  }, { settings });
}
