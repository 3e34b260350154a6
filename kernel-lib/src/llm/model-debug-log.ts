import { dirname, join } from 'node:path';
import pino from 'pino';
import { redactDeep } from './redact-secrets';

/** Where model attempts are written as JSON lines, for reading after a run goes wrong. */
export interface ModelDebugLog {
  readonly path: string;
  write(entry: Record<string, unknown>): void;
}

/** The debug log file name used beside a run log. */
export const MODEL_DEBUG_LOG_NAME = 'model-debug.jsonl';

const open = new Map<string, ModelDebugLog>();

/**
 * A JSONL debug log (pino, synchronous writes so a crash loses nothing); one per path.
 * @example const debugLog = openModelDebugLog('runs/model-debug.jsonl');
 */
export function openModelDebugLog(path: string): ModelDebugLog {
  const existing = open.get(path);
  if (existing) return existing;
  const logger = pino(
    { base: undefined, timestamp: pino.stdTimeFunctions.isoTime, messageKey: 'message' },
    pino.destination({ dest: path, sync: true, mkdir: true }),
  );
  const log: ModelDebugLog = {
    path,
    write: (entry) => logger.info(redactDeep(entry), String(entry.kind ?? 'model-attempt')),
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
