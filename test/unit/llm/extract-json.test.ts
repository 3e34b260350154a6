import { acceptActionKeyVariants } from 'campfires';
import { extractJson, extractJsonCandidates, stripReasoning } from 'campfires/llm';

describe('extractJson', () => {
  it.each([
    ['plain JSON', '{"claim":"blackout","confidence":0.8}', { claim: 'blackout', confidence: 0.8 }],
    ['a json fence', 'Here you go:\n```json\n{"claim":"storm"}\n```\nHope it helps', { claim: 'storm' }],
    ['a bare fence', '```\n{"claim":"storm"}\n```', { claim: 'storm' }],
    ['prose around an object', 'Sure! The result is {"claim": "a {brace} in a string", "n": [1, 2]} as requested.', { claim: 'a {brace} in a string', n: [1, 2] }],
    ['an array', 'answer: [1, 2, 3]', [1, 2, 3]],
    ['an object after a broken one', 'first {oops} then {"ok": true}', { ok: true }],
  ])('finds %s', (_name, text, expected) => {
    expect(extractJson(text)).toEqual({ success: true, data: expected });
  });

  it.each([
    ['empty text', '   ', 'the answer was empty'],
    ['prose only', 'I think the blackout was caused by a storm.', 'the answer contains no JSON object'],
    ['a cut-off object', 'Result: {"claim": "storm outage", "confid', 'the JSON in the answer is cut off or unbalanced'],
  ])('explains %s', (_name, text, error) => {
    expect(extractJson(text)).toEqual({ success: false, error });
  });

  it('explains a fenced block that is not JSON', () => {
    const result = extractJson('```json\n{claim: storm}\n```');
    expect(result.success).toBe(false);
    expect(!result.success && result.error).toMatch(/^the fenced block is not valid JSON \(/);
  });
});

describe('acceptActionKeyVariants', () => {
  it('moves type, action_type or Action to the action key and snake_cases the value', () => {
    const normalize = acceptActionKeyVariants();
    expect(normalize({ type: 'Increase Resource', target: 'world' })).toEqual({ action: 'increase_resource', target: 'world' });
    expect(normalize({ action_type: 'support-agent' })).toEqual({ action: 'support_agent' });
    expect(normalize({ Action: ' PASS ' })).toEqual({ action: 'pass' });
    expect(normalize({ action: 'pass', type: 'other' })).toEqual({ action: 'pass', type: 'other' });
  });

  it('can write the code variant `type` instead, and leaves non-objects alone', () => {
    expect(acceptActionKeyVariants('type')({ action: 'pass' })).toEqual({ type: 'pass' });
    expect(acceptActionKeyVariants()('pass')).toBe('pass');
  });
});

describe('reasoning and drafts', () => {
  it.each([
    ['a closed block', '<think>{"a":1}</think>{"a":2}', '{"a":2}'],
    ['a <thinking> block in capitals', '<THINKING>{"a":1}</THINKING> {"a":2}', ' {"a":2}'],
    ['a block whose opening tag was in the prompt', 'so {"a":1}</think>{"a":2}', '{"a":2}'],
    ['an unclosed block after the answer', '{"a":2}<think>maybe {"a":1}', '{"a":2}'],
    ['no block', '{"a":2}', '{"a":2}'],
  ])('stripReasoning leaves out %s', (_case, text, left) => {
    expect(stripReasoning(text)).toBe(left);
  });

  it('offers every top-level object in order, not the objects inside them', () => {
    expect(extractJsonCandidates('first {"a":{"b":1}} then [1,2] and {"c":3}')).toEqual({ success: true, candidates: [{ a: { b: 1 } }, [1, 2], { c: 3 }] });
  });

  it('calls thousands of unclosed brackets cut off', () => {
    expect(extractJsonCandidates(`note: ${'['.repeat(200_000)}`)).toEqual({ success: false, error: 'the JSON in the answer is cut off or unbalanced' });
    expect(extractJson(`note: ${'{"a":'.repeat(50_000)}`).success).toBe(false);
  });
});
