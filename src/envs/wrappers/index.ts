export { Wrapper, ObservationWrapper, RewardWrapper, ActionWrapper } from './wrapper.ts';
export { TimeLimit } from './time-limit.ts';
export { OrderEnforcing } from './order-enforcing.ts';
export { PassiveEnvChecker } from './passive-env-checker.ts';
export { RecordEpisodeStatistics, type EpisodeStatistics, type RecordEpisodeStatisticsOptions } from './record-episode-statistics.ts';
export { FlattenObservation } from './flatten-observation.ts';
export { RunningMeanStd, type RunningMeanStdState } from './running-mean-std.ts';
export { NormalizeObservation, type NormalizeObservationOptions, type NormalizeObservationState } from './normalize-observation.ts';
export { NormalizeReward, type NormalizeRewardOptions, type NormalizeRewardState } from './normalize-reward.ts';
