import { CampfiresError, ValidationError, cutText } from '../core';
import type { Message } from '../messages';

/** Exit codes: 0 fine, 1 errors, 2 lint warnings only, 3 a sync call timed out. */
export const EXIT = { ok: 0, error: 1, warnings: 2, timeout: 3 } as const;

/** A failure the CLI reports on stderr with an exit code, instead of a stack trace. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

/** Writes a line to stdout. */
export function out(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/** Pretty JSON to stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The error as a user should read it: the message, then one line per invalid field. */
export function describeError(error: unknown): string {
  if (error instanceof ValidationError && error.issues.length > 1) {
    return [`error: ${error.code}: ${error.issues.length} problems`, ...error.issues.map((issue) => `  - ${issue.message}`)].join('\n');
  }
  if (error instanceof CampfiresError) return `error: ${error.message}`;
  return `error: ${(error as Error)?.message ?? String(error)}`;
}

/** One line per message for `cf read`. */
export function formatMessage(seq: number, message: Message, verified: boolean): string {
  const time = new Date(message.ts).toISOString().slice(11, 19);
  const payload = JSON.stringify(message.payload);
  const antecedents = message.antecedents.length > 0 ? ` <- ${message.antecedents.join(',')}` : '';
  return `${String(seq).padStart(4)} ${time} ${message.id} from ${message.sender.slice(0, 8)}${verified ? '' : ' (UNVERIFIED)'} [${message.tags.join(', ')}]${antecedents} ${cutText(payload, { characters: 200 }, '...')}`;
}
