import { extractJson } from 'campfires/llm';
import { modelActionSchema, normalizeModelAction, quickParseModelAction, quickReadModelAction } from 'campfires/simulation';

describe('quickParseModelAction', () => {
  const candidates: unknown[] = [
    { action: 'pass', target: 'world', reason: '' },
    { reason: 'r', target: 'Bo', action: 'support_agent' },
    { action: 'increase_resource', target: 'w'.repeat(80), reason: 'x'.repeat(500) },
    { action: 'increase_resource', target: 'w'.repeat(81), reason: 'x' },
    { action: 'increase_resource', target: 'world', reason: 'x'.repeat(501) },
    { action: 'increase_resource', target: '', reason: 'x' },
    { action: 'dance', target: 'world', reason: 'x' },
    { action: 'pass', target: 'world', reason: 5 },
    { action: 'pass', target: 'world' },
    { action: 'pass', target: 'world', reason: 'x', extra: 1 },
    { action: 'pass', target: 'world', reason: 'x', type: 'pass' },
    { action: 'pass', target: 'world', reason: undefined, other: 'x' },
    Object.assign(Object.create({ inherited: true }), { action: 'pass', target: 'world', reason: 'x' }),
    JSON.parse('{"action": "pass", "target": "world", "__proto__": {"reason": "x"}}'),
    ['pass', 'world', 'x'],
    null,
    'pass',
    42,
  ];

  it('accepts exactly what the schema accepts and returns the same value, or leaves the answer to the schema', () => {
    for (const candidate of candidates) {
      const quick = quickParseModelAction(candidate);
      const parsed = modelActionSchema.safeParse(candidate);
      if (quick !== undefined) {
        expect(parsed.success).toBe(true);
        expect(JSON.stringify(quick)).toBe(JSON.stringify(parsed.data));
      }
    }
    expect(quickParseModelAction(candidates[1])).toEqual({ action: 'support_agent', target: 'Bo', reason: 'r' });
  });

  it('accepts a normalized well-formed answer without the schema', () => {
    expect(quickParseModelAction(normalizeModelAction(JSON.parse('{"type": " Pass ", "target": "world", "reason": ""}')))).toEqual({ action: 'pass', target: 'world', reason: '' });
  });

  it.each([
    ['a missing target', '{"action": "pass", "reason": "tired"}', 'target'],
    ['a null target', '{"action": "pass", "target": null, "reason": "tired"}', 'target'],
    ['an empty target', '{"action": "pass", "target": "", "reason": "tired"}', 'target'],
    ['a missing reason', '{"action": "pass", "target": "world"}', 'reason'],
    ['a null reason', '{"action": "pass", "target": "world", "reason": null}', 'reason'],
  ])('refuses %s rather than making one up', (_case, text, field) => {
    const parsed = modelActionSchema.safeParse(normalizeModelAction(JSON.parse(text)));
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });
});

describe('quickReadModelAction', () => {
  /** What the full path makes of an answer text: extraction, normalizing, the schema. */
  function fullRead(text: string): unknown {
    const extracted = extractJson(text);
    if (!extracted.success) return undefined;
    const parsed = modelActionSchema.safeParse(normalizeModelAction(extracted.data));
    return parsed.success ? parsed.data : undefined;
  }

  const exact = [
    '{"action":"pass","target":"world","reason":"wait"}',
    '{"action": "increase_resource", "target": "world", "reason": "stores are low"}',
    '\n  {\n  "action" : "support_agent",\r\n\t"target": "Bo",\n  "reason": ""\n}\n\n',
    `{"action": "decrease_resource", "target": "${'w'.repeat(80)}", "reason": "${'é'.repeat(500)}"}`,
    '{"action": "oppose_agent", "target": "Cy", "reason": "ünïcödé ☃ \ud83d\ude00 fine"}',
  ];
  const others = [
    '{"action": "Pass", "target": "world", "reason": "x"}',
    '{"type": "pass", "target": "world", "reason": "x"}',
    '{"target": "world", "action": "pass", "reason": "x"}',
    '{"action": "pass", "target": "world"}',
    '{"action": "pass", "target": "", "reason": "x"}',
    `{"action": "pass", "target": "${'w'.repeat(81)}", "reason": "x"}`,
    `{"action": "pass", "target": "world", "reason": "${'x'.repeat(501)}"}`,
    '{"action": "pass", "target": "world", "reason": "say \\"hi\\""}',
    '{"action": "pass", "target": "world", "reason": "a\\u0041"}',
    '{"action": "pass", "target": "world", "reason": "line\nbreak"}',
    '{"action": "pass", "target": "world", "reason": "x", "extra": 1}',
    '{"action": "pass", "target": "world", "reason": "x"}}',
    '{"action": "pass",\u00a0"target": "world", "reason": "x"}',
    '```json\n{"action": "pass", "target": "world", "reason": "x"}\n```',
    'Sure: {"action": "pass", "target": "world", "reason": "x"}',
    '{"action": "dance", "target": "world", "reason": "x"}',
    '',
    '{}',
    '\u00a0{"action": "oppose_agent", "target": "Cy", "reason": "fine"}\ufeff',
    '{"action": "pass", "target": "world", "reason": "unterminated',
  ];

  it('reads an exact well-formed answer to the same value as the full path', () => {
    for (const text of exact) {
      const quick = quickReadModelAction(text);
      expect({ text, quick }).toEqual({ text, quick: fullRead(text) });
      expect(quick).toBeDefined();
    }
    expect(quickReadModelAction(exact[2] as string)).toEqual({ action: 'support_agent', target: 'Bo', reason: '' });
  });

  it('leaves every other text to the full path, which reads or explains it', () => {
    for (const text of others) expect({ text, quick: quickReadModelAction(text) }).toEqual({ text, quick: undefined });
    // Some of them are still good answers, read the long way.
    expect(fullRead(others[0] as string)).toEqual({ action: 'pass', target: 'world', reason: 'x' });
    expect(fullRead(others[2] as string)).toEqual({ action: 'pass', target: 'world', reason: 'x' });
    expect(fullRead(others[7] as string)).toEqual({ action: 'pass', target: 'world', reason: 'say "hi"' });
    expect(fullRead(others[18] as string)).toEqual({ action: 'oppose_agent', target: 'Cy', reason: 'fine' });
  });
});

describe('normalizeModelAction', () => {
  it('passes an answer with nothing to fix on as it is and fixes the rest in a copy', () => {
    const clean = { action: 'pass', target: 'world', reason: 'wait' };
    expect(normalizeModelAction(clean)).toBe(clean);
    const quirky = { type: 'Pass ', reason: 'x'.repeat(600) };
    expect(normalizeModelAction(quirky)).toEqual({ action: 'pass', reason: `${'x'.repeat(497)}...` });
    expect(quirky).toEqual({ type: 'Pass ', reason: 'x'.repeat(600) });
  });
});
