/** The runlog area: the RunLog port, the SQLite run log, its migrations and the pipeline event contract. Other areas import from here only. */
export { type RunInfo, type RunEvent, type RunEventInit, type RunEventQuery, type RunLog, type CampfireState, type CampfireStatus, type CampfireStatusInit } from './run-log';
export { currentOwner, ownerGone, type RunOwner } from './run-owner';
export { migrations, runLogSchema } from './migrations';
export { DEFAULT_RUN_LOG_PATH, RUN_HEARTBEAT_LEASE_MS, SqliteRunLog } from './sqlite-run-log';
export {
  loggedInputs,
  loggedAntecedents,
  loggedHandoffs,
  loggedCycle,
  cycleRowData,
  PIPELINE_EVENT,
  type LoggedInput,
  type LoggedHandoff,
} from './pipeline-events';
export { RunRecorder, type RunEventListener, type RunRecorderOptions } from './run-recorder';
export { JsonlDebugLog, type JsonlDebugLogOptions } from './jsonl-debug-log';
