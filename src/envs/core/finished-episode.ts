import type { StepResult } from './env.ts';
import { NO_EVENTS } from './scene.ts';

/**
 * What `step` returns once the episode has ended (terminated or truncated) and no `reset` came: stepping
 * a finished episode is the caller's bug, so the env pays nothing, reports no events and keeps the last
 * flags and observation (as CartPole, where Gymnasium warns and pays 0). For envs that reuse one result
 * and one info object: `if (this.done) return finishedEpisodeStep(this.result, this.info);`.
 */
export function finishedEpisodeStep<O>(result: StepResult<O>, info: { events: readonly string[] }): StepResult<O> {
  result.reward = 0;
  info.events = NO_EVENTS;
  return result;
}
