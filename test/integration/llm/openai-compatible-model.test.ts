import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { ModelError, RateLimitedError, SqliteRunLog, createOpenAICompatibleModel, createOpenRouterModel, generateObject, recordModelCall, type Clock } from 'campfires';
import { listen, startOpenAIProtocolServer, type OpenAIProtocolServer } from 'campfires/testing';

const KEY = 'sk-or-v1-test0123456789abcdef';
const user = (content: string) => [{ role: 'user' as const, content }];

function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
}

describe('OpenAI-compatible adapter through the openai client', () => {
  let server: OpenAIProtocolServer;
  beforeEach(async () => {
    server = await startOpenAIProtocolServer({ apiKey: KEY, models: ['meta-llama/llama-3.3-70b-instruct:free', 'vision'], basePath: '/api/v1' });
  });
  afterEach(async () => {
    await server.close();
  });

  const openrouter = (extra: Parameters<typeof createOpenRouterModel>[0] = {}) =>
    createOpenRouterModel({ baseURL: server.baseURL, apiKey: KEY, clock: recordingClock(), ...extra });

  it('answers with text and usage, sending the schema as response_format json_schema and the key as a bearer', async () => {
    server.reply({ text: '{"claim":"ok"}', usage: { input: 12, output: 4 } });
    const model = openrouter();
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { claim: { type: 'string' } } };
    const response = await model.generate({ messages: user('hi'), jsonSchema: schema, temperature: 0.2, maxTokens: 100 });
    expect(response).toMatchObject({ text: '{"claim":"ok"}', usage: { inputTokens: 12, outputTokens: 4 }, model: 'meta-llama/llama-3.3-70b-instruct:free' });
    const sent = server.requests[0]!;
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.headers['x-title']).toBe('campfires');
    expect(sent.body).toMatchObject({
      model: 'meta-llama/llama-3.3-70b-instruct:free',
      temperature: 0.2,
      max_tokens: 100,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: false, schema: { type: 'object', properties: { claim: { type: 'string' } } } } },
    });
    expect(sent.body.response_format.json_schema.schema.$schema).toBeUndefined();
  });

  it('streams SSE chunks with usage, and sends images as image_url data URLs', async () => {
    server.reply({ text: 'cracked archway near the bridge', chunks: 3, usage: { input: 5, output: 6 } });
    const model = openrouter({ model: 'vision' });
    const pieces: string[] = [];
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const response = await model.generate({ messages: [{ role: 'user', content: 'what is in the picture?', images: [png] }], onText: (chunk) => pieces.push(chunk) });
    expect(pieces).toHaveLength(3);
    expect(response.text).toBe('cracked archway near the bridge');
    expect(response.usage).toEqual({ inputTokens: 5, outputTokens: 6 });
    expect(server.requests[0]!.body.messages[0].content).toEqual([
      { type: 'text', text: 'what is in the picture?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` } },
    ]);
    expect(server.requests[0]!.body.stream).toBe(true);
  });

  it('says the key was refused and where to set it, never showing the key', async () => {
    const wrong = 'sk-or-v1-wrongkey9876543210';
    const model = openrouter({ apiKey: wrong });
    const error = (await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.message).toBe(
      `openrouter at ${server.baseURL} refused the API key (HTTP 401). Set OPENROUTER_API_KEY to a valid key (create one at https://openrouter.ai/keys).`,
    );
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect(inspect(error)).not.toContain(wrong);
    expect(inspect(model)).toBe(`OpenAICompatibleModel openrouter meta-llama/llama-3.3-70b-instruct:free at ${server.baseURL} (key set)`);
  });

  it('redacts the key when an endpoint echoes it in an error message', async () => {
    server.reply({ status: 400, error: `bad request from key ${KEY}` });
    const error = (await openrouter().generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.message).toContain('rejected the request for meta-llama/llama-3.3-70b-instruct:free with HTTP 400: bad request from key [redacted]');
    expect(JSON.stringify(error.toJSON())).not.toContain(KEY);
  });

  it('keeps the key out of the run log and the debug log even when the endpoint echoes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'key-'));
    try {
      const log = SqliteRunLog.open(join(dir, 'torch_log.db'));
      const runId = log.startRun({ kind: 'pipeline', name: 'keys' }).id;
      server.reply({ text: `{"claim":"key is ${KEY}"}` }, { status: 400, error: `key ${KEY} rejected` });
      recordModelCall(log, runId, await generateObject({ model: openrouter(), schema: z.object({ claim: z.string() }), messages: user('hi') }));
      recordModelCall(log, runId, await generateObject({ model: openrouter(), schema: z.object({ claim: z.string() }), messages: user('hi'), fallback: { claim: 'none' } }));
      const logged = JSON.stringify(log.events(runId)) + readFileSync(join(dir, 'model-debug.jsonl'), 'utf8');
      log.close();
      expect(logged).toContain('key is [redacted]');
      expect(logged).toContain('key [redacted] rejected');
      expect(logged).not.toContain(KEY);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a model the endpoint does not have', async () => {
    const error = (await openrouter({ model: 'nope/nope:free' }).generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_not_found');
    expect(error.message).toBe(`openrouter at ${server.baseURL} has no model "nope/nope:free". Pass a model name the endpoint lists (for OpenRouter see https://openrouter.ai/models).`);
  });

  it('reads OpenRouter\'s 400 "not a valid model ID" as a missing model', async () => {
    server.reply({ status: 400, error: 'nope/other:free is not a valid model ID' });
    const error = (await openrouter().generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_not_found');
  });

  it('asks for the key when OPENROUTER_API_KEY is not set', () => {
    const previous = process.env.OPENROUTER_API_KEY;
    delete process.env.OPENROUTER_API_KEY;
    try {
      expect(() => createOpenRouterModel()).toThrow('OpenRouter needs an API key: set OPENROUTER_API_KEY (create one at https://openrouter.ai/keys), or use Ollama with createOllamaModel()');
    } finally {
      if (previous !== undefined) process.env.OPENROUTER_API_KEY = previous;
    }
  });

  it('honours Retry-After on 429, then backs off exponentially on 500, then succeeds', async () => {
    server.reply({ status: 429, error: 'Rate limit exceeded: free-models-per-min', headers: { 'Retry-After': '3' } }, { status: 500, error: 'Internal Server Error' }, { text: 'fine' });
    const clock = recordingClock();
    const model = openrouter({ clock, backoffBaseMs: 250 });
    expect((await model.generate({ messages: user('hi') })).text).toBe('fine');
    expect(clock.sleeps).toEqual([3000, 500]);
  });

  it('does not wait for a Retry-After longer than a minute and says when to come back', async () => {
    server.reply({ status: 429, error: 'Rate limit exceeded: free-models-per-day', headers: { 'Retry-After': '3600' } });
    const clock = recordingClock();
    const before = Date.now();
    const error = (await openrouter({ clock }).generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(clock.sleeps).toEqual([]);
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(error.message).toMatch(/HTTP 429: Rate limit exceeded: free-models-per-day\); calls are allowed again at [^;]*$/);
  });

  it('enforces the free tier per-day cap before sending', async () => {
    server.reply({ text: 'one' });
    const model = openrouter({ rateLimit: { perDay: 1 } });
    await model.generate({ messages: user('1') });
    const error = (await model.generate({ messages: user('2') }).catch((caught: unknown) => caught)) as RateLimitedError;
    expect(error.message).toMatch(/^openrouter: the limit of 1 requests per day is used up; calls are allowed again at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging endpoint, streaming or not', async () => {
    server.reply({ hang: true }, { hang: true });
    const model = openrouter({ timeoutMs: 250 });
    const message = `openrouter model meta-llama/llama-3.3-70b-instruct:free at ${server.baseURL} did not answer within 0.25 s`;
    await expect(model.generate({ messages: user('hi') })).rejects.toThrow(message);
    await expect(model.generate({ messages: user('hi'), onText: () => undefined })).rejects.toThrow(message);
  });

  it('reports a stream that ends without finishing as truncated', async () => {
    server.reply({ truncate: true, text: '{"claim":"storm outage"}' });
    const error = (await openrouter().generate({ messages: user('hi'), onText: () => undefined }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_stream_truncated');
  });

  it('reports malformed bodies and 200 error objects clearly', async () => {
    server.reply({ raw: '<html>captive portal</html>', contentType: 'text/html' }, { raw: '{"id":"x","choices":[]}' }, { errorInBody: 'Provider returned error' }, { errorInBody: 'Provider returned error' });
    const model = openrouter();
    await expect(model.generate({ messages: user('a') })).rejects.toThrow(
      `openrouter at ${server.baseURL} answered with a malformed body (the body is not JSON). Check that the host is really an OpenAI-compatible endpoint, then try again.`,
    );
    await expect(model.generate({ messages: user('b') })).rejects.toThrow('answered with a malformed body (no choices[0].message in the answer)');
    await expect(model.generate({ messages: user('c') })).rejects.toThrow(
      `openrouter model meta-llama/llama-3.3-70b-instruct:free at ${server.baseURL} answered with an error: Provider returned error`,
    );
    await expect(model.generate({ messages: user('d'), onText: () => undefined })).rejects.toThrow('answered with an error: Provider returned error');
  });

  it('falls back to a plainer response_format when the endpoint rejects json_schema', async () => {
    server.reply({ status: 400, error: "response_format 'json_schema' is not supported by this model" }, { text: '{"a":1}' });
    const model = openrouter();
    expect((await model.generate({ messages: user('hi'), jsonSchema: { type: 'object' } })).text).toBe('{"a":1}');
    expect(server.requests.map((request) => request.body.response_format?.type)).toEqual(['json_schema', 'json_object']);
  });

  it('asks again once when the endpoint drops the connection', async () => {
    server.reply({ drop: true }, { text: 'ok' });
    expect((await openrouter().generate({ messages: user('hi') })).text).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('says the endpoint is not answering when nothing listens', async () => {
    const closed = await listen((_request, response) => response.end());
    await closed.close();
    const model = createOpenAICompatibleModel({ baseURL: `http://127.0.0.1:${closed.port}/v1`, model: 'local' });
    const error = (await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_unreachable');
    expect(error.message).toBe(`openai is not answering at http://127.0.0.1:${closed.port}/v1 (connection refused). Check the base URL and the network connection.`);
  });
});
