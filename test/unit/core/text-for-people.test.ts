import { parseDeclaration, toolFromDeclaration } from 'campfires';
import { byteLength, cutMiddle, cutText, inertText } from 'campfires/core';
import { TOOL_DESCRIPTION_MAX_BYTES } from 'campfires/conventions';

/** True when the text has no lone surrogate, so it encodes to UTF-8 and quotes to JSON as it is. */
const wellFormed = (text: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

describe('cutText', () => {
  const emoji = ['🌕', '👩🏽‍🌾', 'é', 'ñ', '中', '🏳️‍🌈'];
  it.each(emoji.flatMap((glyph) => [71, 72, 100, 118, 119, 120].map((limit) => [glyph, limit] as const)))('cuts %s text to %i bytes and characters on a character boundary', (glyph, limit) => {
    for (let offset = 0; offset < 6; offset += 1) {
      const text = `${'x'.repeat(offset)}${glyph.repeat(80)}`;
      const byBytes = cutText(text, { bytes: limit }, '...');
      expect(byteLength(byBytes)).toBeLessThanOrEqual(limit);
      expect(wellFormed(byBytes)).toBe(true);
      expect(byBytes.endsWith('...')).toBe(true);
      expect(text.startsWith(byBytes.slice(0, -3))).toBe(true);
      const byCharacters = cutText(text, { characters: limit });
      expect(wellFormed(byCharacters)).toBe(true);
      expect([...new Intl.Segmenter().segment(byCharacters)].length).toBeLessThanOrEqual(limit);
    }
  });

  it('returns text that fits as it is', () => {
    expect(cutText('moon 🌕', { characters: 6, bytes: 10 })).toBe('moon 🌕');
    expect(cutText('moon 🌕 phases', { characters: 7 })).toBe('moon 🌕…');
  });
});

describe('MCP tool descriptions', () => {
  it.each([0, 1, 2, 3])('never end in half an emoji (offset %i)', (offset) => {
    const parsed = parseDeclaration({ convention: 'moon', version: '1', operation: 'phase', signing: 'member_key', description: `${'m'.repeat(offset)}${'🌕'.repeat(60)}` });
    const tool = toolFromDeclaration(parsed);
    expect(byteLength(tool.description)).toBeLessThanOrEqual(TOOL_DESCRIPTION_MAX_BYTES);
    expect(wellFormed(tool.description)).toBe(true);
    expect(JSON.parse(JSON.stringify(tool)).description).toBe(tool.description);
  });
});

describe('inertText', () => {
  it.each([
    ['ANSI clear screen and colour', '\u001b[2J\u001b[31mCOUNCIL DISSOLVED\u001b[0m', '\\u001b[2J\\u001b[31mCOUNCIL DISSOLVED\\u001b[0m'],
    ['an OSC window title', '\u001b]0;pwned\u0007', '\\u001b]0;pwned\\u0007'],
    ['NUL', 'a\u0000b', 'a\\u0000b'],
    ['a carriage return', 'safe\rEVIL', 'safe\\rEVIL'],
    ['a newline', 'one\ntwo', 'one\\ntwo'],
    ['a C1 control (CSI)', 'a\u009bb', 'a\\u009bb'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
  ])('shows %s as visible text', (_case, text, shown) => {
    expect(inertText(text)).toBe(shown);
    expect(inertText(text)).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
  });

  it('leaves ordinary text, tabs, accents and emoji alone', () => {
    expect(inertText('café\t🌕 — fine')).toBe('café\t🌕 — fine');
  });
});

describe('cutting very long text', () => {
  const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const shapes = ['a', 'é', 'e\u0301', '🌕', '👩‍👩‍👧', '🇬🇧', 'ab '];
  it.each(shapes)('cuts 600,000 units of %j at the start and the middle as a short text of the same characters is cut', (unit) => {
    const long = unit.repeat(Math.ceil(600_000 / unit.length));
    const short = unit.repeat(200);
    // The first 40 characters of both are the same, so their cuts are too.
    expect(cutText(long, { characters: 40 })).toBe(cutText(short, { characters: 40 }));
    expect(cutText(long, { bytes: 64 })).toBe(cutText(short, { bytes: 64 }));
    const middle = cutMiddle(`${long}END`, 21);
    expect([...graphemes.segment(middle)].length).toBeLessThanOrEqual(21);
    expect(middle.endsWith('END')).toBe(true);
    expect(middle.startsWith(cutText(short, { characters: 10 }, ''))).toBe(true);
    expect(middle.isWellFormed()).toBe(true);
  });
});
