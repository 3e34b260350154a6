import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelError, ScriptedModel, SqliteRunLog, acceptActionKeyVariants, generateObject, recordModelCall, tryGenerateObject } from 'campfires';

const actionSchema = z.object({
  action: z.enum(['increase_resource', 'decrease_resource', 'support_agent', 'oppose_agent', 'pass']),
  target: z.string(),
  reason: z.string(),
});
const pass = { action: 'pass' as const, target: 'world', reason: 'LLM failure or invalid output' };

describe('generateObject', () => {
  let dir: string;
  let log: SqliteRunLog;
  let runId: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'generate-object-'));
    log = SqliteRunLog.open(join(dir, 'torch_log.db'));
    runId = log.startRun({ kind: 'simulation', name: 'council' }).id;
  });
  afterEach(() => {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the typed value and the attempt\'s record with prompt, raw output, latency and tokens, which the caller writes', async () => {
    const model = new ScriptedModel(['{"action":"support_agent","target":"Mayor","reason":"she is right"}'], { usage: { inputTokens: 90, outputTokens: 12 } });
    const result = await generateObject({
      model,
      schema: actionSchema,
      messages: [{ role: 'system', content: 'You are the Farmer.' }, { role: 'user', content: 'Choose an action.' }],
      label: 'agent:Farmer',
    });
    recordModelCall(log, runId, result);
    expect(result.value).toEqual({ action: 'support_agent', target: 'Mayor', reason: 'she is right' });
    expect(result.fallback).toBe(false);
    const sent = model.requests[0]!;
    expect(sent.messages.map((message) => message.role)).toEqual(['system', 'system', 'user']);
    expect(sent.messages[1]!.content).toMatch(/^Answer with only one JSON object that follows this JSON schema, with no other text:\n\{.*"increase_resource"/);
    expect(sent.jsonSchema).toMatchObject({ type: 'object', required: ['action', 'target', 'reason'] });
    const [event] = log.events(runId, { kinds: ['model-attempt'] });
    expect(event).toMatchObject({
      camper: 'agent:Farmer',
      data: { label: 'agent:Farmer', provider: 'scripted', attempt: 1, of: 3, ok: true, error: null, usage: { inputTokens: 90, outputTokens: 12 } },
    });
    expect((event!.data as { raw: string }).raw).toContain('support_agent');
    expect((event!.data as { prompt: unknown[] }).prompt).toHaveLength(3);
  });

  it('tells the model what was wrong and accepts the corrected answer', async () => {
    const model = new ScriptedModel(['{"choice":"pass","why":"tired"}', 'Sorry! ```json\n{"type":"Pass","target":"world","reason":"tired"}\n```']);
    const result = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], normalize: acceptActionKeyVariants() });
    expect(result.value).toEqual({ action: 'pass', target: 'world', reason: 'tired' });
    expect(result.attempts.map((attempt) => attempt.ok)).toEqual([false, true]);
    const retry = model.requests[1]!.messages;
    expect(retry.at(-2)).toEqual({ role: 'assistant', content: '{"choice":"pass","why":"tired"}' });
    expect(retry.at(-1)!.content).toMatch(/^That answer could not be used: action: .* \(got nothing\); target: .*; reason: .*\. Answer again with only one JSON object that follows the schema\.$/);
  });

  it('takes the value of a quick parse and leaves the answers it does not accept to the schema, which says what is wrong', async () => {
    const model = new ScriptedModel(['{"action":"dance","target":"world","reason":"x"}', '{"action":"pass","target":"world","reason":"x"}']);
    const seen: unknown[] = [];
    const quickParse = (candidate: unknown) => {
      seen.push(candidate);
      const value = candidate as { action: string };
      return value.action === 'pass' ? { action: 'pass' as const, target: 'quick', reason: 'quick' } : undefined;
    };
    const result = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], quickParse });
    expect(result.value).toEqual({ action: 'pass', target: 'quick', reason: 'quick' });
    expect(seen).toHaveLength(2);
    expect(result.attempts[0]!.error).toMatch(/^action: /);
  });

  it('reads an exact answer with a quick read, and gives every other text to extraction and the schema', async () => {
    const model = new ScriptedModel(['Sure: {"action":"pass","target":"world","reason":"x"}', '{"action": "pass", "target": "world", "reason": "read"}']);
    const texts: string[] = [];
    const quickRead = (text: string) => {
      texts.push(text);
      return text.startsWith('{') ? { action: 'pass' as const, target: 'world', reason: 'quick' } : undefined;
    };
    const first = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], quickRead });
    expect(first.value).toEqual({ action: 'pass', target: 'world', reason: 'x' });
    const second = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], quickRead });
    expect(second.value).toEqual({ action: 'pass', target: 'world', reason: 'quick' });
    expect(texts).toHaveLength(2);
    // The quick read's attempt is recorded like any other.
    recordModelCall(log, runId, second, { debugLog: false });
    expect(log.events(runId).map((event) => (event.data as { raw: string; ok: boolean }).ok)).toEqual([true]);
  });

  it('returns each attempt with the text the model wrote, or the error its call failed with as thrown', async () => {
    const timeout = new ModelError({ code: 'model_timeout', message: 'did not answer within 30 s', details: { retryable: true } });
    const crash = new Error('socket hang up');
    const model = new ScriptedModel([timeout, crash, 'not json', '{"action":"pass","target":"world","reason":"x"}']);
    const result = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], retries: 4 });
    expect(result.attempts.map((attempt) => [attempt.attempt, attempt.raw, attempt.cause])).toEqual([
      [1, null, timeout],
      [2, null, crash],
      [3, 'not json', undefined],
      [4, '{"action":"pass","target":"world","reason":"x"}', undefined],
    ]);
    // The attempt records wrap an error that is not the library's own.
    expect(result.attempts[1]!.error).toBe('scripted model scripted failed: socket hang up');
  });

  it('returns the fallback, flagged, after three unknown actions, and records every attempt in the run log and the debug log beside it', async () => {
    const model = new ScriptedModel(['{"action":"dance","target":"world","reason":"fun"}'], { repeatLast: true });
    const result = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], fallback: pass, label: 'agent:Bard' });
    recordModelCall(log, runId, result);
    expect(result).toMatchObject({ value: pass, fallback: true });
    expect(result.attempts).toHaveLength(3);
    expect(result.attempts[0]!.error).toMatch(/^action: Invalid option: expected one of .*"pass" \(got "dance"\)$/);
    expect(log.events(runId).map((event) => event.kind)).toEqual(['model-attempt', 'model-attempt', 'model-attempt', 'model-fallback']);
    const lines = readFileSync(join(dir, 'model-debug.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => [line.message, line.attempt ?? null])).toEqual([
      ['model-attempt', 1],
      ['model-attempt', 2],
      ['model-attempt', 3],
      ['model-fallback', null],
    ]);
    expect(lines[0].raw).toContain('dance');
    expect(lines[3].reason).toContain('agent:Bard: scripted model scripted gave no valid answer in 3 attempts');
  });

  it('throws the last problem when there is no fallback', async () => {
    const model = new ScriptedModel(['I would rather not say.', 'Still no.']);
    await expect(generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], retries: 2 })).rejects.toThrow(
      'generateObject: scripted model scripted gave no valid answer in 2 attempts; last problem: the answer contains no JSON object',
    );
  });

  it('gives a failed call back with its attempts, so its caller can record it and throw', async () => {
    const model = new ScriptedModel(['I would rather not say.', 'Still no.']);
    const outcome = await tryGenerateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], retries: 2, label: 'alerts/writer' });
    if (outcome.success) throw new Error('expected the call to fail');
    expect(outcome.error.message).toBe('alerts/writer: scripted model scripted gave no valid answer in 2 attempts; last problem: the answer contains no JSON object');
    recordModelCall(log, runId, outcome, { debugLog: false });
    expect(log.events(runId).map((event) => [event.kind, event.camper, (event.data as { raw: string }).raw])).toEqual([
      ['model-attempt', 'alerts/writer', 'I would rather not say.'],
      ['model-attempt', 'alerts/writer', 'Still no.'],
    ]);
  });

  it('stops at once when the model cannot be reached, then falls back', async () => {
    const down = new ModelError({ code: 'model_unreachable', message: 'Ollama is not answering', details: { retryable: false } });
    const model = new ScriptedModel([down, '{"action":"pass","target":"world","reason":"x"}']);
    const result = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }], fallback: pass });
    expect(result.fallback).toBe(true);
    expect(result.attempts).toEqual([expect.objectContaining({ attempt: 1, ok: false, raw: null, error: 'Ollama is not answering' })]);
    expect(model.remaining).toBe(1);
    await expect(generateObject({ model: new ScriptedModel([down]), schema: actionSchema, messages: [] })).rejects.toBe(down);
  });

  it('retries after a failure that may pass (a timeout)', async () => {
    const timeout = new ModelError({ code: 'model_timeout', message: 'did not answer within 30 s', details: { retryable: true } });
    const model = new ScriptedModel([timeout, '{"action":"pass","target":"world","reason":"x"}']);
    const result = await generateObject({ model, schema: actionSchema, messages: [{ role: 'user', content: 'Choose.' }] });
    expect(result.attempts.map((attempt) => attempt.error)).toEqual(['did not answer within 30 s', null]);
  });
});
