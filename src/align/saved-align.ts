import { createAgent } from '../agents/ppo/agent.ts';
import type { PpoCheckpointState } from '../agents/ppo/checkpoint.ts';
import { parsePpoConfig } from '../agents/ppo/config.ts';
import { FusedPolicy } from '../agents/ppo/policy.ts';
import type { EnvWrapper } from '../envs/vector/make-vec.ts';
import { encoderFromJson } from './encoder-json.ts';
import type { AlignCheckpointState } from './ppo-align.ts';
import { SubgoalPolicy } from './subgoal-agents.ts';
import { subgoalWrapper } from './subgoal-observation.ts';
import type { TransitionEvents } from './transition-events.ts';

/**
 * What evaluating an Align-RUDDER run needs besides the env, from one of its checkpoints: the state
 * augmentation's flags (the env wrapper, rebuilt from the event encoder the checkpoint saved) and, for
 * `--align-subgoals`, the sub-goal agents with their switch. `rudder eval` uses it, so the saved
 * policy sees the observations it was trained on.
 */
export interface AlignEvalParts {
  /** Wrap the evaluation env in these (the flags), innermost first; empty when the run had no augmentation. */
  wrappers: EnvWrapper[];
  /** The sub-goal agents, when the checkpoint holds them; null: a single built-in policy. */
  policy: SubgoalPolicy | null;
}

/** The eval parts of a PPO checkpoint; a plain PPO (or RUDDER) checkpoint gives none. Errors name the checkpoint and what is missing. */
export function alignEvalParts(state: PpoCheckpointState, tensors: Record<string, Float32Array>, label: string): AlignEvalParts {
  const red = state.redistribution?.state as Partial<AlignCheckpointState> | null | undefined;
  const custom = state.policyKind === 'custom';
  const appended = red?.kind === 'align' ? red.appended ?? 0 : 0;
  if (!custom && appended === 0) return { wrappers: [], policy: null };
  const where = `checkpoint ${label}`;
  if (custom && !tensors['subgoal/events']) throw new Error(`${where} holds a policy made by makePolicy that is not the sub-goal agents (no tensor subgoal/events): rebuild it in code and call its restoreState`);
  if (custom && appended === 0) throw new Error(`${where} holds sub-goal agents but no Align-RUDDER state augmentation, which their switch reads: it is not from an --align-subgoals run`);
  if (!red?.encoder) throw new Error(`${where} was trained with Align-RUDDER's state augmentation but does not hold its event encoder (checkpoints before the encoder was saved): the flags cannot be rebuilt; train it again, or resume it for one iteration to write a checkpoint with the encoder`);
  const encoder: TransitionEvents = encoderFromJson(red.encoder, where);
  if (encoder.numEvents !== appended) throw new Error(`${where}: its encoder has ${encoder.numEvents} events, the observation ${appended} flags`);
  const wrappers = [subgoalWrapper(encoder)];
  if (!custom) return { wrappers, policy: null };
  const cfg = parsePpoConfig(state.config, `${where} config`);
  const obsShape = state.obsShape ?? [state.obsDim];
  const envObsDim = state.obsDim - appended;
  const events = tensors['subgoal/events']!;
  if (!(envObsDim > 0) || events.length === 0 || !events.every((e) => Number.isInteger(e) && e >= 0 && e < appended)) {
    throw new Error(`${where}: tensor subgoal/events must hold event ids in 0..${appended - 1} and the observation more than ${appended} values, got [${[...events].join(', ')}] and ${state.obsDim}`);
  }
  const stages = { envObsDim, numEvents: appended, events: Int32Array.from(events) };
  const policies = Array.from(stages.events, (_, j) => new FusedPolicy(createAgent({ ...cfg, seed: cfg.seed + j }, obsShape, state.nvec), cfg.learningRate));
  const policy = new SubgoalPolicy(policies, stages, encoder);
  policy.restoreState(tensors, state.adamStep, where); // checks every agent's tensors first
  return { wrappers, policy };
}
