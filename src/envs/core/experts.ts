import type { Env } from './env.ts';
import { listEnvs, spec } from './registry.ts';

/** A policy that picks the next action from the current observation (it may also read the env's state). */
export type Policy<O = unknown, A = unknown> = (obs: O) => A;

/** Builds a scripted expert for one env instance (the env it will act in, for planners that read state). */
export type ExpertFactory = (env: Env<unknown, unknown>) => Policy;

// Experts live on the env's spec (`register(id, factory, { expert })`), so one registration says
// everything about an id; these two read them back.

/** The expert registered with `id`, or null when the id has none (or is not registered). */
export function expertFor(id: string): ExpertFactory | null {
  return listEnvs().includes(id) ? spec(id).expert : null;
}

/** The ids registered with an expert, sorted. */
export function listExperts(): string[] {
  return listEnvs().filter((id) => spec(id).expert !== null);
}
