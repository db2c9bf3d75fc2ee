import type { Env } from './env.ts';

/** A policy that picks the next action from the current observation (it may also read the env's state). */
export type Policy<O = unknown, A = unknown> = (obs: O) => A;

/** Builds a scripted expert for one env instance (the env it will act in, for planners that read state). */
export type ExpertFactory = (env: Env<unknown, unknown>) => Policy;

const experts = new Map<string, ExpertFactory>();

/** Register a scripted expert for an env id (e.g. 'CartPole-v1'). */
export function registerExpert(id: string, factory: ExpertFactory): void {
  experts.set(id, factory);
}

/** The expert for `id`, or null when none is registered. */
export function expertFor(id: string): ExpertFactory | null {
  return experts.get(id) ?? null;
}

export function listExperts(): string[] {
  return [...experts.keys()].sort();
}
