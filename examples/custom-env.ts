/**
 * Your own environment, in your own file: subclass BaseEnv, declare the spaces, implement reset and step,
 * then register it. Train or inspect it with:
 *
 *   npx rudder check --env-module examples/custom-env.ts --env Corridor-v0
 *   npx rudder play  --env-module examples/custom-env.ts --env Corridor-v0 --policy random
 *   npx rudder play  --env-module examples/custom-env.ts --env Corridor-v0 --policy expert
 */
import { BaseEnv, Box, Discrete, register, type ResetOptions, type ResetResult, type StepResult } from 'rudder-ts';

/** Walk right along a corridor to its end; the only reward comes there (a delayed reward). */
export class CorridorEnv extends BaseEnv<Float32Array, number> {
  readonly actionSpace = new Discrete(2); // 0 = left, 1 = right
  readonly observationSpace: Box;
  private pos = 0;
  private readonly obs: Float32Array;

  constructor(readonly length = 10) {
    super();
    this.observationSpace = new Box(0, 1, [length]);
    this.obs = new Float32Array(length);
  }

  reset(options?: ResetOptions): ResetResult<Float32Array> {
    this.seedRng(options); // Gymnasium's seeding contract: first line of reset
    this.pos = this.rng.integer(2); // start in cell 0 or 1
    return { obs: this.observe(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (!this.actionSpace.contains(action)) this.invalidAction(action);
    this.pos = Math.max(0, Math.min(this.length - 1, this.pos + (action === 1 ? 1 : -1)));
    const done = this.pos === this.length - 1;
    return { obs: this.observe(), reward: done ? 1 : 0, terminated: done, truncated: false, info: {} };
  }

  private observe(): Float32Array {
    this.obs.fill(0);
    this.obs[this.pos] = 1;
    return this.obs;
  }
}

// The expert registers with the env (`rudder play --policy expert`): always walk right.
// `make('Corridor-v0', { reward: 'delayed' })` works too, as for every registered env.
register('Corridor-v0', (kw) => new CorridorEnv(typeof kw.length === 'number' ? kw.length : 10), {
  maxEpisodeSteps: 100,
  expert: () => () => 1,
  options: ['length'], // the kwargs it takes: make('Corridor-v0', { lenght: 5 }) is an error naming them
});
