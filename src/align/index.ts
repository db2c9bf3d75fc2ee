/** rudder-ts/align: Align-RUDDER, the pipeline and its steps (I)–(V) (README.md in this folder). */
export { AlignRudder, type AlignDemo, type AlignRudderOptions } from './align-rudder.ts';
// (I) states → clusters → events
export { SuccessorRepresentation, type SuccessorOptions } from './successor.ts';
export { affinityPropagation, type AffinityPropagationOptions, type AffinityPropagationResult } from './affinity-propagation.ts';
export { clusterStates, type ClusterStatesOptions, type StateClusters } from './state-clusters.ts';
export { GAP, compressRuns, withFinalState, type EventSequence } from './events.ts';
// (II) scoring matrices
export { score, eventCounts, scoringMatrixCode, scoringMatrixPaper, karlinAltschulLambda, type ScoringMatrix, type CodeMatrixOptions } from './scoring.ts';
// (III) multiple sequence alignment
export {
  multipleAlignment, needlemanWunsch, alignProfiles, pairwiseDistances, upgma, ZERO_GAPS,
  type MultipleAlignment, type PairwiseAlignment, type GapCosts, type GuideTreeNode, type DistanceKind, type MsaOptions,
} from './msa.ts';
// (IV) the profile
export { buildPssm, buildPssmPaper, pssmScore, type Pssm, type PssmOptions } from './pssm.ts';
// (V) redistribution of a new episode
export { profileAlign, profileAlignMsa, prefixScores, type ProfileAlignment, type ProfileAlignOptions } from './profile-align.ts';
export {
  buildAlignProfile, topByReturn, redistributeCode, redistributePaper, paperScale,
  type AlignProfile, type AlignProfileOptions, type CodeRedistributionOptions, type PaperRedistributionOptions,
} from './align-redistribution.ts';
export { alignDemoFrom } from './demonstrations.ts';
export { NO_EVENT, episodeEvents, type TransitionEvents, type FeatureEpisode, type ObsSlice, type EncoderJson } from './transition-events.ts';
export { encoderToJson, encoderFromJson } from './encoder-json.ts';
export { SignPatternEvents } from './feature-events.ts';
export { ClusterEvents, type ClusterEventsOptions } from './cluster-events.ts';
export { SuccessorEvents } from './successor-events.ts';
export { envEvents, demoFeatureEpisodes, randomFeatureEpisodes, type EnvEvents, type EnvEventsOptions, type RandomEpisodesOptions } from './event-episodes.ts';
export { PrefixScorer } from './prefix-scorer.ts';
export { buildEventProfile, keepFilledColumns, scoreGain, eventScale, REFERENCE_PROFILE, type EventProfileOptions } from './event-profile.ts';
export {
  AlignRedistribution, alignFromDemos, DEFAULT_DEMO_RETURN, redistributeEventsOffline, type AlignPpoOptions, type AlignFromDemosOptions, type AlignSetup, type AlignCheckpointState,
} from './ppo-align.ts';
export { SubgoalObservation, subgoalWrapper } from './subgoal-observation.ts';
export { subgoalDemoSteps } from './subgoal-demo-steps.ts';
export { readSubgoals, columnRewards, type Subgoal, type SubgoalOptions, type ColumnRewards } from './subgoals.ts';
export { subgoalAgents, stageDemoSteps, SubgoalPolicy, type SubgoalAgentsOptions, type SubgoalAgentsSetup } from './subgoal-agents.ts';
export { subgoalStages, stageOf, type SubgoalStages } from './subgoal-stages.ts';
export { saveSubgoalModel, loadSubgoalModel, isSubgoalModel, SUBGOAL_MODEL_FORMAT, type SubgoalModel, type SubgoalModelJson } from './subgoal-model.ts';
export { alignEvalParts, type AlignEvalParts } from './saved-align.ts';
