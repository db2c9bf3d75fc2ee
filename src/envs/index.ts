import './registrations.ts';

export * from './core/env.ts';
export * from './core/errors.ts';
export * from './core/spec.ts';
export * from './core/registry.ts';
export * from './core/check-env.ts';
export { Rng, type RngState } from './core/rng.ts';
export * from './spaces/index.ts';
export * from './wrappers/index.ts';
export { CartPoleEnv } from './classic/cartpole.ts';
export { CartPoleVectorEnv, type CartPoleVectorOptions } from './classic/cartpole-vector.ts';
export * from './vector/index.ts';
export * from './core/experts.ts';
export * from './core/scene.ts';
export * from './grid/index.ts';
export * from './watch-repair/index.ts';
export * from './bowling/index.ts';
export * from './item-chain/index.ts';
