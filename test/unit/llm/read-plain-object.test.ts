import { readPlainObject } from 'campfires/llm';

/** A small deterministic generator, so a failure names a text that can be run again. */
function randomTexts(count: number): string[] {
  let seed = 12345;
  const next = (below: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % below;
  };
  const pick = <T>(items: readonly T[]): T => items[next(items.length)] as T;
  // Mostly what JSON allows, so that many texts are exact answers and the rest differ in one place or two.
  const spaces = ['', '', '', ' ', ' ', '\n', '\t', '\r\n  ', '\u00a0'];
  const strings = ['"pass"', '"world"', '""', '"a b"', '"ünï ☃"', '"\ud800"', '"pass"', '"world"', '"say \\"hi\\""', '"x\\u0041"', '"tab\there"', '"unclosed', "'single'", '5', 'null', '["a"]'];
  const keySets = [['action', 'target', 'reason'], ['action', 'target', 'reason'], ['action', 'target', 'reason'], ['target', 'action', 'reason'], ['action', 'target'], ['action', 'target', 'reason', 'extra'], ['action', 'target', 'action']];
  const texts: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const keys = pick(keySets);
    let text = pick(spaces) + '{' + pick(spaces);
    keys.forEach((key, at) => {
      if (at > 0) text += pick([',', ',', ',', ';']) + pick(spaces);
      text += `"${key}"` + pick(spaces) + pick([':', ':', ':', ' : ', '=']) + pick(spaces) + pick(strings) + pick(spaces);
    });
    text += pick(['}', '}', '}', '}}', '']) + pick(spaces);
    texts.push(text);
  }
  return texts;
}

describe('readPlainObject', () => {
  const keys = ['action', 'target', 'reason'];

  it('reads an exact object of plain strings to the values JSON.parse gives', () => {
    expect(readPlainObject('{"action":"pass","target":"world","reason":""}', keys)).toEqual(['pass', 'world', '']);
    expect(readPlainObject(' \n{ "action" : "pass" ,\r\n\t"target": "Bo", "reason": "ünï ☃" }\n', keys)).toEqual(['pass', 'Bo', 'ünï ☃']);
  });

  it('returns undefined for every text it does not read exactly as JSON.parse would, over 5,000 generated texts', () => {
    let read = 0;
    for (const text of randomTexts(5000)) {
      const values = readPlainObject(text, keys);
      if (values === undefined) continue;
      read += 1;
      // Whatever it reads, JSON.parse reads too, to an object with exactly these keys, in this order and these values.
      const parsed = JSON.parse(text) as Record<string, unknown>;
      expect({ text, keys: Object.keys(parsed), values: Object.values(parsed) }).toEqual({ text, keys, values });
    }
    // The generator makes enough exact answers for this to mean something.
    expect(read).toBeGreaterThan(50);
  });

  it('gives the listed string itself for a key that must hold one of a list, and nothing for any other value', () => {
    const actions = ['increase_resource', 'pass'];
    const values = readPlainObject('{"action": "pass", "target": "world", "reason": "x"}', keys, { action: actions });
    expect(values).toEqual(['pass', 'world', 'x']);
    expect(values?.[0]).toBe(actions[1]);
    for (const action of ['pas', 'passs', 'Pass', 'increase', '']) {
      expect(readPlainObject(`{"action": "${action}", "target": "world", "reason": "x"}`, keys, { action: actions })).toBeUndefined();
    }
  });

  it('leaves escapes, control characters, other keys, other orders and trailing text to the full reader', () => {
    for (const text of [
      '{"action": "say \\"hi\\"", "target": "world", "reason": ""}',
      '{"action": "line\nbreak", "target": "world", "reason": ""}',
      '{"target": "world", "action": "pass", "reason": ""}',
      '{"action": "pass", "target": "world"}',
      '{"action": "pass", "target": "world", "reason": "", "extra": "x"}',
      '{"action": "pass", "target": "world", "reason": ""} and more',
      '{"action": "pass", "target": "world", "reason": 5}',
      '```json\n{"action": "pass", "target": "world", "reason": ""}\n```',
      '',
    ]) {
      expect({ text, values: readPlainObject(text, keys) }).toEqual({ text, values: undefined });
    }
  });
});
