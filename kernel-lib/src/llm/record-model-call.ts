import type { JsonValue } from '../messages';
import type { RunEvent, RunEventInit, RunLog } from '../runlog';
import { defaultModelDebugLog, type ModelDebugLog } from './model-debug-log';

/**
 * Writes what a model call left to record (`generateObject`'s `records`) where a cell or a
 * camper keeps it: as events of run `runId` (`model-attempt`, `model-fallback`), and as
 * lines of the model debug log — by default `model-debug.jsonl` beside a file run log, or
 * `CAMPFIRES_MODEL_LOG`; `debugLog: false` for none. Returns the appended events.
 * @example const answer = await generateObject({ model, schema, messages, label: 'agent:Mayor' }); recordModelCall(runLog, run.id, answer);
 */
export function recordModelCall(runLog: RunLog, runId: string, call: { readonly records: readonly RunEventInit[] }, options: { debugLog?: ModelDebugLog | false } = {}): RunEvent[] {
  if (call.records.length === 0) return [];
  const events = runLog.appendMany(runId, [...call.records]);
  writeModelDebugLines(runId, call.records, options.debugLog === false ? undefined : (options.debugLog ?? defaultModelDebugLog(runLog.path)));
  return events;
}

/**
 * Writes a model call's records as lines of a model debug log (none when `debugLog` is
 * undefined): for an engine that appends the records to its run through its own recorder.
 */
export function writeModelDebugLines(runId: string, records: readonly RunEventInit[], debugLog: ModelDebugLog | undefined): void {
  if (debugLog) for (const record of records) debugLog.write(debugLine(runId, record));
}

/** A record as the debug log shows it: an attempt with everything it holds, a fallback with its reason. */
function debugLine(runId: string, record: RunEventInit): { [key: string]: JsonValue } {
  const data = (record.data ?? {}) as { [key: string]: JsonValue };
  if (record.kind === 'model-fallback') return { kind: record.kind, runId, label: data.label ?? null, reason: data.reason ?? null };
  return { kind: record.kind, runId, campfire: record.campfire ?? null, ...data };
}
