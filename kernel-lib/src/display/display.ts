import { inspect } from 'node:util';
import type { MimeBundle } from './payloads';
import { sendBundle } from './tslab-bridge';

/** Something with a rich view: `display(x)` sends what `toMimeBundle()` returns. */
export interface Displayable {
  toMimeBundle(): MimeBundle | Promise<MimeBundle>;
}

function isDisplayable(value: unknown): value is Displayable {
  return typeof value === 'object' && value !== null && typeof (value as Displayable).toMimeBundle === 'function';
}

/** The text/plain form of a bundle (or an inspected stand-in when it has none). */
export function plainTextOf(bundle: MimeBundle): string {
  const text = bundle['text/plain'];
  return typeof text === 'string' ? text : inspect(bundle, { depth: 2 });
}

/**
 * Shows a whole MIME bundle as one output (optionally under a display id, or
 * replacing an earlier output with `update`). Outside a kernel it prints the text form.
 * @example displayBundle({ 'text/html': '<b>hi</b>', 'text/plain': 'hi' });
 */
export function displayBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): void {
  try {
    if (sendBundle(bundle, options)) return;
  } catch (error) {
    process.stderr.write(`campfires: could not send a rich display (${(error as Error).message}); showing text\n`);
  }
  process.stdout.write(`${plainTextOf(bundle)}\n`);
}

/**
 * Shows anything: objects with `toMimeBundle()` as their rich view, everything else
 * as text/plain (strings as they are, other values with `util.inspect`).
 * @example await display(run);
 */
export async function display(value: unknown): Promise<void> {
  if (isDisplayable(value)) {
    displayBundle(await value.toMimeBundle());
    return;
  }
  const text = typeof value === 'string' ? value : inspect(value, { depth: 4, colors: false });
  displayBundle({ 'text/plain': text });
}
