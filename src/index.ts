/** rudder-ts: the public API. */
export * from './envs/index.ts';
