import { closeSync, openSync, writeSync } from 'node:fs';
import type { JsonValue } from '../messages';

/**
 * The machine-parsable debug file: one JSON object per line (prompts, raw model outputs,
 * validation errors, state after each action). No timestamps or run ids, so the same
 * config and decisions give a byte-identical file.
 */
export class JsonlDebugLog {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Appends one line. */
  write(entry: { [key: string]: JsonValue }): void {
    if (this.fd === null) return;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  /** Closes the file. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
