import { CampfiresError, ModelError, ValidationError, errorToJson, runStatusSchema } from 'campfires';
import { escapeHtml } from 'campfires/core';

describe('errorToJson', () => {
  it('keeps a library error its code and details, as plain JSON', () => {
    const error = new ModelError({ code: 'model_timeout', message: 'ollama model llama3.1:8b did not answer within 30 s', details: { timeoutMs: 30_000, host: undefined, retryable: true } });
    const json = errorToJson(error);
    expect(json).toEqual({ name: 'ModelError', code: 'model_timeout', message: 'ollama model llama3.1:8b did not answer within 30 s', details: { timeoutMs: 30_000, retryable: true } });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('keeps the issues of a validation error', () => {
    const error = new ValidationError({ code: 'convention_args_invalid', message: 'bad', issues: [{ field: 'args.status', message: 'must be one of ok, error', given: 'done' }] });
    expect(errorToJson(error).details).toEqual({ issues: [{ field: 'args.status', message: 'must be one of ok, error', given: 'done' }] });
  });

  it('gives any other error its name and message, and a thrown value its text', () => {
    expect(errorToJson(new TypeError('x is not a function'))).toEqual({ name: 'TypeError', message: 'x is not a function' });
    expect(errorToJson('disk full')).toEqual({ name: 'Error', message: 'disk full' });
    expect(errorToJson({ message: 'from a plain object' })).toEqual({ name: 'Error', message: 'from a plain object' });
    expect(errorToJson(undefined)).toEqual({ name: 'Error', message: 'undefined' });
  });

  it('notes details it cannot turn into JSON instead of failing', () => {
    const details: Record<string, unknown> = {};
    details.self = details;
    expect(errorToJson(new CampfiresError({ code: 'loop', message: 'a loop', details })).details).toEqual({ unserialisable: true });
  });
});

describe('escapeHtml', () => {
  it.each([
    ['<b onmouseover="x()">hi</b>', '&lt;b onmouseover=&quot;x()&quot;&gt;hi&lt;/b&gt;'],
    ["Tom & Jerry's", 'Tom &amp; Jerry&#39;s'],
    ['&amp;', '&amp;amp;'],
    ['plain text', 'plain text'],
    [42, '42'],
    [null, 'null'],
  ])('%j -> %j', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
  });
});

describe('run status', () => {
  it('is one of running, completed, failed, interrupted', () => {
    expect(runStatusSchema.options).toEqual(['running', 'completed', 'failed', 'interrupted']);
    expect(runStatusSchema.safeParse('done').success).toBe(false);
  });
});
