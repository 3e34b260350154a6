import { modelActionSchema, normalizeModelAction, quickParseModelAction } from 'campfires';

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
    expect(quickParseModelAction(normalizeModelAction(JSON.parse('{"type": " Pass ", "target": ""}')))).toEqual({ action: 'pass', target: 'world', reason: '' });
  });

describe('normalizeModelAction', () => {
  it('passes an answer with nothing to fix on as it is and fixes the rest in a copy', () => {
    const clean = { action: 'pass', target: 'world', reason: 'wait' };
    expect(normalizeModelAction(clean)).toBe(clean);
    const quirky = { type: 'Pass ', reason: 'x'.repeat(600) };
    expect(normalizeModelAction(quirky)).toEqual({ action: 'pass', target: 'world', reason: `${'x'.repeat(497)}...` });
    expect(quirky).toEqual({ type: 'Pass ', reason: 'x'.repeat(600) });
  });
});
