import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonValue } from '../messages';

/** How a debug file is opened. */
export interface JsonlDebugLogOptions {
  /** Keep what the file holds and add to it (default: start the file anew). */
  append?: boolean;
}

/**
 * A machine-parsable debug file beside a run: one JSON object per line, written as it is
 * given, so a crash loses nothing already written. A council writes its prompts, raw model
 * outputs, validation errors and state after each action (no timestamps, so the same
 * config and decisions give a byte-identical file); the model layer's `model-debug.jsonl`
 * collects every model attempt of the runs beside it.
 * @example const debug = new JsonlDebugLog('runs/council.jsonl'); debug.write({ event: 'turn-end', turn: 1 }); debug.close();
 */
export class JsonlDebugLog {
  private fd: number | null;

  constructor(
    readonly path: string,
    options: JsonlDebugLogOptions = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, options.append ? 'a' : 'w');
  }

  /** Appends one line; nothing once the file is closed. */
  write(entry: { [key: string]: JsonValue }): void {
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  /** Closes the file; later lines are dropped. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
