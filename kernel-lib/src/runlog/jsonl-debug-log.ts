import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonValue } from '../messages';

/** How a debug file is opened and written. */
export interface JsonlDebugLogOptions {
  /** Keep what the file holds and add to it (default: start the file anew). */
  append?: boolean;
  /**
   * Write lines as soon as the engine waits for something (a model's answer), or once
   * `batchSize` lines wait, rather than each as it is given (default false). Entries must
   * not change once given.
   */
  writeWhileWaiting?: boolean;
  /** With `writeWhileWaiting`: write once this many lines wait (default 256). */
  batchSize?: number;
}

/**
 * A machine-parsable debug file beside a run: one JSON object per line, written as it is
 * given, or with `writeWhileWaiting` while the engine waits (as a council's run log is).
 * A council writes its prompts, raw model outputs, validation errors and state after each
 * action (no timestamps, so the same config and decisions give a byte-identical file); the
 * model layer's `model-debug.jsonl` collects every model attempt of the runs beside it.
 * @example const debug = new JsonlDebugLog('runs/council.jsonl'); debug.write({ event: 'turn-end', turn: 1 }); debug.close();
 */
export class JsonlDebugLog {
  private fd: number | null;
  private readonly writeWhileWaiting: boolean;
  private readonly batchSize: number;
  private pending: { [key: string]: JsonValue }[] = [];
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    readonly path: string,
    options: JsonlDebugLogOptions = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, options.append ? 'a' : 'w');
    this.writeWhileWaiting = options.writeWhileWaiting ?? false;
    this.batchSize = options.batchSize ?? 256;
  }

  /** Appends one line; nothing once the file is closed. */
  write(entry: { [key: string]: JsonValue }): void {
    if (this.fd === null) return;
    this.pending.push(entry);
    if (!this.writeWhileWaiting || this.pending.length >= this.batchSize) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Writes the lines given so far. */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.fd === null || this.pending.length === 0) return;
    let text = '';
    for (const entry of this.pending) text += `${JSON.stringify(entry)}\n`;
    this.pending = [];
    writeSync(this.fd, text);
  }

  /** Writes what is left and closes the file; later lines are dropped. */
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
