import { byteLength } from './sizes';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` shortened to fit `limit` — characters as a reader counts them, and/or UTF-8 bytes,
 * `suffix` included — cut on a character boundary: never inside an emoji, an accented
 * letter or a surrogate pair, so the result is always valid text (and valid JSON once
 * quoted). Text that fits is returned as it is.
 * @example cutText('moon 🌕 phases', { characters: 7 }) // 'moon 🌕…'
 */
export function cutText(text: string, limit: { characters?: number; bytes?: number }, suffix = '…'): string {
  const maxCharacters = limit.characters ?? Infinity;
  const maxBytes = limit.bytes ?? Infinity;
  const fitsBytes = maxBytes === Infinity || byteLength(text) <= maxBytes;
  // A text of no more UTF-16 units than the limit has no more characters than that either.
  const fitsCharacters = text.length <= maxCharacters || [...graphemes.segment(text)].length <= maxCharacters;
  if (fitsBytes && fitsCharacters) return text;
  const suffixCharacters = [...graphemes.segment(suffix)].length;
  const suffixBytes = byteLength(suffix);
  let kept = '';
  let characters = 0;
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = byteLength(segment);
    if (characters + 1 + suffixCharacters > maxCharacters || bytes + size + suffixBytes > maxBytes) break;
    kept += segment;
    characters += 1;
    bytes += size;
  }
  return `${kept.trimEnd()}${suffix}`;
}
