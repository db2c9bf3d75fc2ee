/** The viewer's Node side: the server (`rudder view`, `rudder train --view`) and the live source a trainer feeds. */
export { createViewerServer, type ViewerServer, type ViewerServerOptions } from './server.ts';
export { LiveSource, type LiveEpisode, type LiveListener, type LiveSourceOptions, type LiveSubscription, type MetricsRow } from './live-source.ts';
export { ServedRun, loadRuns, findRunDirs, readRunEnv, envFacts, EPISODE_FOLDERS, SERVED_RUN_FILES } from './runs.ts';
export { encodeMessage, decodeClientMessage } from './codec.ts';
export { episodeMessages, replayDemonstration, type EpisodeData } from './episodes.ts';
export { HARD_BUFFER_BYTES } from './connection.ts';
export { SOFT_BUFFER_BYTES } from './playback.ts';
