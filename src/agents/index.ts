/** rudder-ts/agents: PPO and what it is made of. */
export { trainPpo, PpoTrainer, explainedVariance, type PpoTrainOptions, type PpoResult, type PpoHooks, type PpoIterationStats, type EpisodeRecord, type RolloutBuffers } from './ppo/ppo.ts';
export { EpisodeTap, subEnvsOf, type CapturedEpisode, type RolloutTap } from './ppo/episode-tap.ts';
export { agentFromCheckpoint, type PpoCheckpointState } from './ppo/checkpoint.ts';
export { PpoConfigSchema, parsePpoConfig, CLI_TOTAL_TIMESTEPS, EVAL_SEED_OFFSET, RESUME_SEED_STRIDE, RETURN_WINDOW, type PpoConfig } from './ppo/config.ts';
export { ActorCritic, CnnActorCritic, createAgent, type Agent } from './ppo/agent.ts';
export { evaluatePolicy, type EvalResult } from './ppo/evaluate.ts';
export { computeGae, type GaeInput } from './ppo/gae.ts';
export { PpoLoss, type Minibatch, type LossCoefs, type LossStats } from './ppo/loss.ts';
export { mixAdvantage, type RewardRedistribution, type RolloutView } from './ppo/redistribution.ts';
export { Mlp, type DenseParams } from './nets/mlp.ts';
export { Cnn, CONV_KERNEL, type ConvParams } from './nets/cnn.ts';
export { orthogonal } from './nets/orthogonal.ts';
export { Adam, clipScale } from './adam.ts';
export { initBackend, BACKEND_CHOICES, type BackendChoice } from './backend.ts';
export { saveCheckpoint, loadCheckpoint, latestCheckpoint, listCheckpoints, CheckpointError, type CheckpointContents } from './run/checkpoint.ts';
export { MetricsLog, CSV_COLUMNS } from './run/metrics.ts';
export { writeFileAtomic } from './run/atomic.ts';
export { savePolicyModel, loadPolicyModel, loadLayersPolicy, toLayersModel, MODEL_FORMAT_VERSION, type PolicyModelJson, type PolicyModelMetadata, type MlpTopology, type CnnTopology } from './run/model-io.ts';
