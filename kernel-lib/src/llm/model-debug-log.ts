import { dirname, join } from 'node:path';
import type { JsonValue } from '../messages';
import { JsonlDebugLog } from '../runlog';
import { redactDeep } from './redact-secrets';

/** Where model attempts are written as JSON lines, for reading after a run goes wrong. */
export interface ModelDebugLog {
  readonly path: string;
  write(entry: { [key: string]: JsonValue }): void;
}

/** The debug log file name used beside a run log. */
export const MODEL_DEBUG_LOG_NAME = 'model-debug.jsonl';

const open = new Map<string, ModelDebugLog>();

/**
 * The model debug log at `path`, one per path: each line is an entry with its time and its
 * kind as `message`, secrets redacted, added to what the file holds.
 * @example const debugLog = openModelDebugLog('runs/model-debug.jsonl');
 */
export function openModelDebugLog(path: string): ModelDebugLog {
  const existing = open.get(path);
  if (existing) return existing;
  const file = new JsonlDebugLog(path, { append: true });
  const log: ModelDebugLog = {
    path,
    write: (entry) => file.write({ time: new Date().toISOString(), ...redactDeep(entry), message: String(entry.kind ?? 'model-attempt') }),
  };
  open.set(path, log);
  return log;
}

/**
 * The debug log to use by default: `CAMPFIRES_MODEL_LOG` when set, else `model-debug.jsonl`
 * beside a file run log, else none (an in-memory run log).
 */
export function defaultModelDebugLog(runLogPath: string | undefined): ModelDebugLog | undefined {
  const fromEnvironment = process.env.CAMPFIRES_MODEL_LOG;
  if (fromEnvironment) return openModelDebugLog(fromEnvironment);
  if (!runLogPath || runLogPath === ':memory:' || runLogPath.startsWith('file::memory')) return undefined;
  return openModelDebugLog(join(dirname(runLogPath), MODEL_DEBUG_LOG_NAME));
}
