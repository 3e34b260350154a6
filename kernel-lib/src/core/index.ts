/** The core area: errors, validation, clocks, durations, sizes and ids; no I/O. Other areas import from here only. */
export {
  type ErrorDetails,
  type CampfiresErrorInit,
  CampfiresError,
  type ValidationIssue,
  ValidationError,
  TorchTooLargeError,
  AssetTooLargeError,
  RateLimitedError,
  ModelError,
  LintError,
  PermissionError,
  NotFoundError,
} from './campfires-error';
export { issuesFromZod, formatIssues, validate, parseJson } from './validate';
export { formatTime, type Clock, systemClock, ManualClock } from './clock';
export { parseDuration, formatDuration, durationPattern } from './durations';
export { byteLength, formatBytes, TORCH_MAX_BYTES, ASSET_MAX_BYTES, ASSET_MAX_AGE_MS } from './sizes';
export { newId } from './ids';
export { redisUrlForDisplay } from './redis-url';
export { errorToJson, type ErrorJson } from './error-json';
export { escapeHtml, TABLE_STYLE, USER_TEXT_CELL_STYLE, tableThatScrolls } from './escape-html';
export { inertText, isolateText } from './inert-text';
export { cutText, cutMiddle, keptText, oneLine, wellFormedText } from './cut-text';
export type { RedisConnection } from './redis-connection';
