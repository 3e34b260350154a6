// Browser-safe (no Node imports): `campfires/display` re-exports it for the JupyterLab extension.

/** One reader-visible character at a time; code points where Intl.Segmenter is missing. */
const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

function* characters(text: string): Iterable<string> {
  if (segmenter) for (const { segment } of segmenter.segment(text)) yield segment;
  else yield* text;
}

function characterCount(text: string): number {
  let count = 0;
  for (const _ of characters(text)) count += 1;
  return count;
}

/** UTF-8 bytes of `text` (a lone surrogate counts as the 3 bytes of U+FFFD). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/**
 * `text` shortened to fit `limit` — characters as a reader counts them, and/or UTF-8 bytes,
 * `suffix` included — cut on a character boundary: never inside an emoji, a flag, a
 * joined (ZWJ) emoji, an accented letter or a surrogate pair, so the result is always
 * well-formed text (a notebook holding it saves; JSON holding it parses). Text that fits
 * is returned as it is. The one cutter of the library and the JupyterLab extension.
 * @example cutText('moon 🌕 phases', { characters: 7 }) // 'moon 🌕…'
 */
export function cutText(text: string, limit: { characters?: number; bytes?: number }, suffix = '…'): string {
  const maxCharacters = limit.characters ?? Infinity;
  const maxBytes = limit.bytes ?? Infinity;
  // Cheap answers first: no more UTF-16 units than the limit means no more characters, and
  // at most 3 bytes a unit means no more bytes.
  const fitsCharacters = text.length <= maxCharacters;
  const fitsBytes = maxBytes === Infinity || text.length * 3 <= maxBytes || (text.length <= maxBytes * 4 && utf8Length(text) <= maxBytes);
  if (fitsCharacters && fitsBytes) return text;
  const suffixCharacters = characterCount(suffix);
  const suffixBytes = utf8Length(suffix);
  // One pass that stops just past the limit: segmenting a whole long text is slow (its
  // cost grows faster than its length), and only the first characters are ever kept.
  // A window of the text's start is enough when its characters are of usual length.
  const window = (Math.min(maxCharacters, maxBytes) + 2) * 16;
  for (const part of text.length > window ? [text.slice(0, window), text] : [text]) {
    let kept = '';
    let keptDone = false;
    let count = 0;
    let bytes = 0;
    let segments = 0;
    for (const segment of characters(part)) {
      segments += 1;
      const size = utf8Length(segment);
      if (!keptDone && (count + 1 + suffixCharacters > maxCharacters || bytes + size + suffixBytes > maxBytes)) keptDone = true;
      if (!keptDone) kept += segment;
      count += 1;
      bytes += size;
      // In a window, the last segment may be a character cut by the window: never count on it.
      if ((count > maxCharacters || bytes > maxBytes) && (part === text || segments > 1)) return `${kept.trimEnd()}${suffix}`;
    }
  }
  return text;
}

/**
 * `text` on one line (runs of whitespace, newlines included, become one space), then cut
 * to `maxCharacters` with `…`: a label for a diagram node, an edge or a list line.
 * @example oneLine('a\n\nlong   name', 8) // 'a long…'
 */
export function oneLine(text: string, maxCharacters: number): string {
  return cutText(text.replace(/\s+/g, ' ').trim(), { characters: maxCharacters });
}

/**
 * `text` with any lone surrogate (half of an emoji cut by someone else's code) replaced by
 * U+FFFD, so it can be saved in a notebook and sent as JSON.
 * @example wellFormedText('fire \ud83d') // 'fire \ufffd'
 */
export function wellFormedText(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * `text` as a payload keeps it, at most `maxCharacters`: whole when it fits, else cut at its
 * end (or, with `middle`, in its middle, both ends kept) with its whole length in characters,
 * so a view can say "cut at 4,000 characters (9,001 in all)".
 * @example keptText('a long answer', 6) // { text: 'a lon…', length: 13 }
 */
export function keptText(text: string, maxCharacters: number, options: { middle?: boolean } = {}): { text: string; length?: number } {
  const cut = cutText(text, { characters: maxCharacters });
  if (cut === text) return { text };
  return { text: options.middle ? cutMiddle(text, maxCharacters) : cut, length: characterCount(text) };
}

/**
 * `text` shortened to `maxCharacters` by taking characters out of its middle, so both its
 * beginning and its end stay: labels that differ only at the end stay apart.
 * @example cutMiddle('villagers, lean year · Mara', 16) // 'villagers…r · Mara'
 */
export function cutMiddle(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  const keep = Math.max(0, maxCharacters - 1);
  const tail = Math.floor(keep / 2);
  // Only the two ends are segmented (a character is rarely over 16 UTF-16 units): a long
  // text is never segmented whole.
  const window = (keep + 1) * 16;
  const head = [...characters(text.slice(0, window))];
  const ending = text.length > window ? [...characters(text.slice(-window))].slice(1) : head;
  if (head.length <= maxCharacters && (text.length <= window || [...characters(text)].length <= maxCharacters)) return text;
  return `${head.slice(0, keep - tail).join('').trimEnd()}…${(tail > 0 ? ending.slice(-tail) : []).join('').trimStart()}`;
}
