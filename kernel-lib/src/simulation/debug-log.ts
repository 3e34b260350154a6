import { closeSync, openSync, writeSync } from 'node:fs';
import type { JsonValue } from '../messages';

/**
 * The machine-parsable debug file: one JSON object per line (prompts, raw model outputs,
 * validation errors, state after each action). No timestamps or run ids, so the same
 * config and decisions give a byte-identical file. Lines are kept until `flush` (the
 * controller flushes with its run-log batches, while a model thinks) or `close`.
 */
export class JsonlDebugLog {
  private fd: number | null;
  private pending: { [key: string]: JsonValue }[] = [];

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends one line (the entry must not change before the next `flush`). */
  write(entry: { [key: string]: JsonValue }): void {
    if (this.fd !== null) this.pending.push(entry);
  }

  /** Writes the pending lines to the file in one write. */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    let text = '';
    for (const entry of this.pending) text += `${JSON.stringify(entry)}\n`;
    this.pending = [];
    writeSync(this.fd, text);
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
