import './registrations.ts';

export * from './core/env.ts';
export * from './core/errors.ts';
export * from './core/spec.ts';
export * from './core/registry.ts';
export { Rng, type RngState } from './core/rng.ts';
export * from './spaces/index.ts';
export * from './wrappers/index.ts';
export { CartPoleEnv } from './classic/cartpole.ts';
