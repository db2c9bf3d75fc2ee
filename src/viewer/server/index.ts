/** The viewer's Node side: the server (`rudder view`, `rudder train --view`) and the live source a trainer feeds. */
export { createViewerServer, type ViewerServer, type ViewerServerOptions } from './server.ts';
export { LiveSource, type LiveEpisode, type LiveFeed, type LiveListener, type LiveSourceOptions, type LiveSubscription, type MetricsRow, type RedistributionMethod } from './live-source.ts';
export { ServedRun, loadRuns, findRunDirs, readRunEnv, envFacts, EPISODE_FOLDERS, SERVED_RUN_FILES } from './runs.ts';
export { encodeMessage, decodeClientMessage } from './codec.ts';
export { episodeMessages, readRecordedEpisode, replayDemonstration, type EpisodeData, type RecordedEpisode } from './episodes.ts';
export { EpisodeRecorder, type EpisodeRecorderOptions } from './episode-recorder.ts';
export { loadTrainingEpisode, parseTrainingEpisode, saveTrainingEpisode, TRAINING_EPISODE_FORMAT, TRAINING_EPISODE_VERSION, type TrainingEpisode } from './training-episode.ts';
export { HARD_BUFFER_BYTES } from './connection.ts';
export { SOFT_BUFFER_BYTES } from './playback.ts';
export { EvalRecorder, type EvalRecorderOptions } from './eval-recorder.ts';
export { startWorkerViewer, type WorkerViewer, type WorkerViewerOptions } from './worker-viewer.ts';
export { LiveChannel, RemoteLiveSource, LIVE_CHANNEL_CAPACITY } from './live-channel.ts';
