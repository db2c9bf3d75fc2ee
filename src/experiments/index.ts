/** rudder-ts/experiments: the papers' experiments reproduced on top of the methods (README.md in this folder). */
export {
  runWatchRepairExperiment, playEpisode, episodeLesson, redistributeEpisode, stateIndex, OptimalFirstActions, WatchRepairEpisode,
  WATCH_REPAIR_DEMO, WATCH_REPAIR_STATES,
  type WatchRepairMethod, type WatchRepairSettings, type WatchRepairOptions, type WatchRepairResult,
} from './watch-repair-demo.ts';
export {
  runRoomsExperiment, roomsEnv, roomsSrStates, sampleRoomsDemos, DEFAULT_DEMO_NOISE,
  type RoomsMethod, type RoomsDemo, type RoomsExperimentOptions, type RoomsExperimentResult,
} from './rooms.ts';
export { VENTURE_EASY, VENTURE_PPO, ventureRandomReturns } from './venture.ts';
