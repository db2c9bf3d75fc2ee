export { Lstm, type LstmConfig } from './lstm.ts';
export { ReturnDecomposition, DEMO_DECOMPOSITION, type DecompositionConfig, type EpisodeSample, type Losses, type Correction } from './return-decomposition.ts';
export { LessonsBuffer, type Lesson } from './lessons-buffer.ts';
export { encodeEpisode } from './encode.ts';
export { RudderRedistribution, RUDDER_DEFAULTS, type RudderConfig, type RudderStats, type RudderEpisode, type ObservationFeatures } from './ppo-redistribution.ts';
export { gridCodeCounts, gridEvents } from './grid-features.ts';
