import { BaseEnv, EMPTY_INFO, type ResetOptions, type ResetResult, type StepResult } from '../../src/envs/core/env.ts';
import type { ExpertFactory, Policy } from '../../src/envs/core/experts.ts';
import { register } from '../../src/envs/core/registry.ts';
import { Box } from '../../src/envs/spaces/box.ts';
import { Discrete } from '../../src/envs/spaces/discrete.ts';

/**
 * TinyChain-v0, a test fixture: a crafting chain of `STAGES` items, each made by one particular action
 * out of `ACTIONS` (any other does nothing), the next only once the previous is held. The observation is
 * the inventory (1 per item held), declared as the env's event features, so every item made is an event.
 * Reward 1 when the last item is made (the episode ends), 0 otherwise; the episode is cut after `HORIZON`
 * steps. Random actions make the last item within the horizon in about 0.2 % of episodes (at least 8
 * successes in 32 draws of probability 1/12), so the one reward is almost never seen.
 */
export const STAGES = 12, ACTIONS = 16, HORIZON = 40;
/** The action that makes item j. */
export const RECIPE = Int32Array.from({ length: STAGES }, (_, j) => (7 * j + 3) % ACTIONS);

export class TinyChainEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(ACTIONS);
  readonly observationSpace = new Box(0, 1, [STAGES], 'float32');
  private made = 0;
  private t = 0;

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options);
    this.made = 0;
    this.t = 0;
    return { obs: this.obs(), info: EMPTY_INFO };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(action)) this.invalidAction(action);
    this.t++;
    if (action === RECIPE[this.made]) this.made++;
    const terminated = this.made === STAGES;
    return { obs: this.obs(), reward: terminated ? 1 : 0, terminated, truncated: !terminated && this.t >= HORIZON, info: EMPTY_INFO };
  }

  /** The scripted expert's action: the recipe of the next item. */
  nextAction(): number {
    return RECIPE[Math.min(this.made, STAGES - 1)]!;
  }

  private obs(): Float32Array {
    const o = new Float32Array(STAGES);
    o.fill(1, 0, this.made);
    return o;
  }
}

const expert: ExpertFactory = (env): Policy => () => (env.unwrapped as TinyChainEnv).nextAction();

register('TinyChain-v0', () => new TinyChainEnv(), {
  maxEpisodeSteps: null,
  expert,
  eventFeatures: () => ({ name: 'inventory', offset: 0, length: STAGES }),
});
