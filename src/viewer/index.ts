/**
 * The viewer's public API (`rudder-ts/viewer`): the server and its live source, the page builder, and the
 * protocol's messages for code that speaks to a viewer. The page's own modules (page/) are bundled, not exported.
 */
export * from './server/index.ts';
export { buildPage, DEFAULT_PAGE_DIR, PAGE_FILES } from './build-page.ts';
export {
  applySceneDelta, MAX_INBOUND_BYTES, parseClientMessage, PROTOCOL_VERSION, ProtocolError, sceneDelta, WS_PATH,
  type ClientMessage, type EpisodeEndMessage, type EpisodeLabel, type EpisodeSource, type EpisodeStartMessage, type ErrorMessage,
  type HelloMessage, type MetricsMessage, type RedistributionMessage, type RunInfo, type RunsMessage, type SavedMessage, type SceneDelta,
  type ServerMessage, type StepMessage,
} from './protocol.ts';
