export { Wrapper, ObservationWrapper, RewardWrapper, ActionWrapper } from './wrapper.ts';
export { TimeLimit } from './time-limit.ts';
export { OrderEnforcing } from './order-enforcing.ts';
export { PassiveEnvChecker } from './passive-env-checker.ts';
