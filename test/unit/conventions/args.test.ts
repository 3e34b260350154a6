import { ValidationError, parseDeclaration, type ParsedDeclaration } from 'campfires';
import { resolveArgs } from 'campfires/conventions';

const declare = (args: unknown[]): ParsedDeclaration => parseDeclaration({ convention: 'c', version: '1', operation: 'op', signing: 'member_key', args });
const issuesOf = (parsed: ParsedDeclaration, input: Record<string, unknown>): string[] => {
  try {
    resolveArgs(parsed, input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((issue) => issue.message);
  }
  throw new Error('expected a ValidationError');
};

describe('args: string', () => {
  const parsed = declare([{ name: 's', type: 'string', max_length: 4, pattern: '[a-zé]+' }]);
  it('counts max_length in bytes, not characters', () => {
    expect(resolveArgs(parsed, { s: 'abcd' })).toEqual({ s: 'abcd' });
    expect(resolveArgs(parsed, { s: 'abé' })).toEqual({ s: 'abé' });
    expect(issuesOf(parsed, { s: 'abcé' })).toEqual(['s is 5 bytes; at most 4 bytes allowed']);
  });
  it('matches the pattern anchored, so a partial match fails', () => {
    expect(issuesOf(parsed, { s: 'ab1' })).toEqual(['s "ab1" does not match the pattern [a-zé]+']);
  });
  it('stops a pattern that backtracks exponentially instead of hanging', () => {
    // (a|a)* passes the lint rules (no nested quantifier) but backtracks in JavaScript.
    const hostile = declare([{ name: 's', type: 'string', pattern: '(a|a)*b' }]);
    const started = Date.now();
    expect(() => resolveArgs(hostile, { s: `${'a'.repeat(40)}c` })).toThrow(/took longer than 200 ms and was stopped/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
  it('refuses a number where a string is declared', () => {
    expect(issuesOf(parsed, { s: 5 })).toEqual(['s must be a string, at most 4 bytes, matching [a-zé]+ (got 5)']);
  });
});

describe('args: integer', () => {
  it('applies min only when declared and max only when non-zero', () => {
    const parsed = declare([{ name: 'n', type: 'integer', min: 0, max: 0 }, { name: 'm', type: 'integer', max: 3 }]);
    expect(resolveArgs(parsed, { n: 1_000_000, m: -50 })).toEqual({ n: 1_000_000, m: -50 });
    expect(issuesOf(parsed, { n: -1, m: 4 })).toEqual(['n is -1; the minimum is 0', 'm is 4; the maximum is 3']);
  });
  it('refuses fractions and numeric strings', () => {
    const parsed = declare([{ name: 'n', type: 'integer' }]);
    expect(issuesOf(parsed, { n: 1.5 })).toEqual(['n must be a whole number (got 1.5)']);
    expect(issuesOf(parsed, { n: '2' })).toEqual(['n must be a whole number (got "2")']);
  });
});

describe('args: the other types', () => {
  const parsed = declare([
    { name: 'flag', type: 'boolean' },
    { name: 'level', type: 'enum', values: ['low', 'high'] },
    { name: 'target', type: 'message_id' },
    { name: 'where', type: 'campfire' },
    { name: 'wait', type: 'duration' },
    { name: 'owner', type: 'key' },
    { name: 'extra', type: 'json' },
    { name: 'labels', type: 'tag_set' },
  ]);
  it('accepts good values, lowercases keys and parses JSON strings', () => {
    const key = 'AB'.repeat(32);
    expect(resolveArgs(parsed, { flag: true, level: 'high', target: 'msg_1', where: 'tasks', wait: '2h', owner: key, extra: '{"a":1}', labels: 'x, y' })).toEqual({
      flag: true,
      level: 'high',
      target: 'msg_1',
      where: 'tasks',
      wait: '2h',
      owner: 'ab'.repeat(32),
      extra: { a: 1 },
      labels: ['x', 'y'],
    });
    expect(resolveArgs(parsed, { extra: { b: [1] }, labels: [] })).toEqual({ extra: { b: [1] }, labels: [] });
  });
  it('lists every bad field at once, each with what was given and what is allowed', () => {
    expect(issuesOf(parsed, { flag: 'yes', level: 'medium', target: 'has space', where: '', wait: '5 minutes', owner: 'abc', extra: '[1,2]', labels: [1] })).toEqual([
      'flag must be true or false (got "yes")',
      'level must be one of low, high (got "medium")',
      'target must be a message id (got "has space")',
      'where must be a campfire id or name (got "")',
      'wait must be a duration such as 30s, 5m, 2h, 1d (got "5 minutes")',
      'owner must be a 64-character hex Ed25519 public key (got "abc")',
      'extra must be a JSON object (or a string holding one) (got "[1,2]")',
      'labels must be a list of tags (got [1])',
    ]);
  });
  it('says which string is not JSON', () => {
    expect(issuesOf(parsed, { extra: '{oops' })).toEqual(['extra is a string that is not JSON (got "{oops"); give a JSON object']);
  });
});

describe('args: required, defaults, repeated, undeclared', () => {
  const parsed = declare([
    { name: 'task_id', type: 'message_id', required: true },
    { name: 'attempts', type: 'integer', min: 1, default: 1 },
    { name: 'topic', type: 'string', repeated: true, max_count: 2, max_length: 3 },
  ]);
  it('applies defaults, accepts camelCase names and drops undeclared args', () => {
    expect(resolveArgs(parsed, { taskId: 'msg_1', surprise: true })).toEqual({ task_id: 'msg_1', attempts: 1 });
  });
  it('names a missing required arg', () => {
    expect(issuesOf(parsed, {})).toEqual(['missing required arg "task_id"']);
  });
  it('validates a default too', () => {
    const bad = declare([{ name: 'n', type: 'integer', min: 5, default: 1 }]);
    expect(issuesOf(bad, {})).toEqual(['n is 1; the minimum is 5']);
  });
  it('caps a repeated arg at max_count and validates each item', () => {
    expect(resolveArgs(parsed, { task_id: 'm', topic: 'ab' })).toMatchObject({ topic: ['ab'] });
    expect(issuesOf(parsed, { task_id: 'm', topic: ['a', 'b', 'c'] })).toEqual(['topic has 3 items; at most 2 allowed']);
    expect(issuesOf(parsed, { task_id: 'm', topic: ['ok', 'long'] })).toEqual(['topic[1] is 4 bytes; at most 3 bytes allowed']);
  });
});
