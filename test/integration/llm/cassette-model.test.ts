import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { CassetteModel, NotFoundError, createOllamaModel, createOpenRouterModel, generateObject } from 'campfires';
import { cassetteKey } from 'campfires/llm';
import { startOllamaProtocolServer, startOpenAIProtocolServer } from 'campfires/testing';

const torchSchema = z.object({ claim: z.string(), confidence: z.number() });
const ask = (text: string) => [{ role: 'user' as const, content: text }];

describe('CassetteModel', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cassette-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records a real model once and replays it with the server gone', async () => {
    const path = join(dir, 'sentiment.jsonl');
    const server = await startOllamaProtocolServer();
    server.reply({ text: '{"claim":"80% negative","confidence":0.8}', usage: { input: 20, output: 9 } });
    const recorder = new CassetteModel({ path, model: createOllamaModel({ host: server.url }) });
    const recorded = await generateObject({ model: recorder, schema: torchSchema, messages: ask('How do Londoners feel?') });
    await server.close();
    expect(recorder.mode).toBe('auto');

    const replay = new CassetteModel({ path });
    expect(replay.modelId).toBe('llama3.1:8b');
    const replayed = await generateObject({ model: replay, schema: torchSchema, messages: ask('How do Londoners feel?') });
    expect(replayed.value).toEqual(recorded.value);
    expect(replayed.attempts[0]!.usage).toEqual({ inputTokens: 20, outputTokens: 9 });
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 1, model: 'llama3.1:8b', provider: 'ollama', response: { text: '{"claim":"80% negative","confidence":0.8}' } });
  });

  it('names the request on a replay miss instead of calling anything', async () => {
    const path = join(dir, 'one.jsonl');
    const server = await startOllamaProtocolServer();
    server.reply({ text: 'yes' });
    await new CassetteModel({ path, model: createOllamaModel({ host: server.url }) }).generate({ messages: ask('first prompt') });
    await server.close();
    const replay = new CassetteModel({ path });
    const request = { messages: ask('a prompt that was never recorded') };
    const error = (await replay.generate(request).catch((caught: unknown) => caught)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toBe(
      `cassette ${path} has no answer for this request to llama3.1:8b (key ${cassetteKey('llama3.1:8b', request).slice(0, 12)}, 1 messages, last: "a prompt that was never recorded"); it holds 1 answers. ` +
        'The prompt, schema or options changed since recording: record again with new CassetteModel({ path, model: <a real model> }).',
    );
  });

  it('keys on model, messages, images, schema and options', () => {
    const base = { messages: ask('x') };
    const keys = new Set([
      cassetteKey('a', base),
      cassetteKey('b', base),
      cassetteKey('a', { messages: ask('y') }),
      cassetteKey('a', { ...base, jsonSchema: { type: 'object' } }),
      cassetteKey('a', { ...base, temperature: 0 }),
      cassetteKey('a', { messages: [{ role: 'user', content: 'x', images: [Uint8Array.from([1])] }] }),
    ]);
    expect(keys.size).toBe(6);
    expect(cassetteKey('a', { ...base, timeoutMs: 5, signal: new AbortController().signal })).toBe(cassetteKey('a', base));
  });

  it('replays identical requests in the order they were recorded', async () => {
    const path = join(dir, 'repeat.jsonl');
    const server = await startOllamaProtocolServer();
    server.reply({ text: 'first' }, { text: 'second' });
    const recorder = new CassetteModel({ path, model: createOllamaModel({ host: server.url }), mode: 'record' });
    await recorder.generate({ messages: ask('same') });
    await recorder.generate({ messages: ask('same') });
    await server.close();
    const replay = new CassetteModel({ path });
    const texts = [];
    for (let index = 0; index < 3; index += 1) texts.push((await replay.generate({ messages: ask('same') })).text);
    expect(texts).toEqual(['first', 'second', 'second']);
  });

  it('never writes the API key into the cassette', async () => {
    const key = 'sk-or-v1-cassettesecret42';
    const path = join(dir, 'openrouter.jsonl');
    const server = await startOpenAIProtocolServer({ apiKey: key, basePath: '/api/v1' });
    server.reply({ text: `echo ${key}` });
    await new CassetteModel({ path, model: createOpenRouterModel({ baseURL: server.baseURL, apiKey: key }) }).generate({ messages: ask('hi') });
    await server.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(key);
    expect(text).toContain('echo [redacted]');
  });

  it('explains a missing cassette, a recording without a model, and a damaged line', () => {
    expect(() => new CassetteModel({ path: join(dir, 'none.jsonl') })).toThrow(
      `cassette ${join(dir, 'none.jsonl')} does not exist; record one first: new CassetteModel({ path: '${join(dir, 'none.jsonl')}', model: createOllamaModel() })`,
    );
    expect(() => new CassetteModel({ path: join(dir, 'x.jsonl'), mode: 'record' })).toThrow('CassetteModel mode "record" needs the real model to record from');
    const damaged = join(dir, 'damaged.jsonl');
    writeFileSync(damaged, '{"version":1}\n');
    expect(() => new CassetteModel({ path: damaged })).toThrow(new RegExp(`^cassette ${damaged} line 1 is not valid: key: `));
  });
});
