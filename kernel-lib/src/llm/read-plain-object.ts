/** The index of the first character at or after `at` that is not JSON whitespace. */
function skipSpace(text: string, at: number): number {
  let index = at;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return index;
    index += 1;
  }
  return index;
}

/** The index of the closing quote of a string with no escapes or control characters whose opening quote is at `at`, or -1. */
function plainStringEnd(text: string, at: number): number {
  if (text.charCodeAt(at) !== 0x22) return -1;
  for (let index = at + 1; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === 0x22) return index;
    if (code === 0x5c || code < 0x20) return -1;
  }
  return -1;
}

/** The choice that `text` holds as a whole string between `start` and `end`, or undefined. */
function choiceAt(text: string, start: number, end: number, choices: readonly string[]): string | undefined {
  for (const choice of choices) if (choice.length === end - start && text.startsWith(choice, start)) return choice;
  return undefined;
}

/**
 * Reads text that is exactly one JSON object whose keys are `keys`, in that order, each with
 * a plain string value (no escapes or control characters), JSON whitespace allowed between
 * tokens and around the object. Returns the values in key order — what `JSON.parse` would
 * give for them — or undefined for any other text. A key with a list in `oneOf` must hold
 * one of its strings, and its value is that string of the list (so later comparisons with
 * it are by identity, not character by character).
 *
 * Written out by hand because it is the first work after a wait for a model's answer: then
 * `JSON.parse` of even a short answer costs ten times this (its C++ runs cold), and a
 * regular expression twice as much.
 * @example readPlainObject('{"claim": "ok", "why": "seen"}', ['claim', 'why']) // ['ok', 'seen']
 */
export function readPlainObject(text: string, keys: readonly string[], oneOf: { readonly [key: string]: readonly string[] } = {}): string[] | undefined {
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== 0x7b) return undefined;
  at = skipSpace(text, at + 1);
  const values: string[] = [];
  for (let index = 0; index < keys.length; index += 1) {
    if (index > 0) {
      if (text.charCodeAt(at) !== 0x2c) return undefined;
      at = skipSpace(text, at + 1);
    }
    const key = keys[index] as string;
    if (text.charCodeAt(at) !== 0x22 || !text.startsWith(key, at + 1) || text.charCodeAt(at + 1 + key.length) !== 0x22) return undefined;
    at = skipSpace(text, at + key.length + 2);
    if (text.charCodeAt(at) !== 0x3a) return undefined;
    at = skipSpace(text, at + 1);
    const end = plainStringEnd(text, at);
    if (end < 0) return undefined;
    const choices = oneOf[key];
    const value = choices === undefined ? text.slice(at + 1, end) : choiceAt(text, at + 1, end, choices);
    if (value === undefined) return undefined;
    values.push(value);
    at = skipSpace(text, end + 1);
  }
  if (text.charCodeAt(at) !== 0x7d) return undefined;
  return skipSpace(text, at + 1) === text.length ? values : undefined;
}
