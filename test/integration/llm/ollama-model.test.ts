import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Ollama } from 'ollama';
import { ModelError, RateLimitedError, SqliteRunLog, createOllamaModel, type Clock } from 'campfires';
import { listen, startOllamaProtocolServer, type OllamaProtocolServer } from 'campfires/testing';

function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
}

async function closedPort(): Promise<number> {
  const server = await listen((_request, response) => response.end());
  await server.close();
  return server.port;
}

const user = (content: string) => [{ role: 'user' as const, content }];

describe('Ollama adapter through the ollama client', () => {
  let ollama: OllamaProtocolServer;
  beforeEach(async () => {
    ollama = await startOllamaProtocolServer({ models: ['llama3.1:8b', 'llava:7b'] });
  });
  afterEach(async () => {
    await ollama.close();
  });

  it('answers a chat call and sends the JSON schema as format', async () => {
    ollama.reply({ text: '{"claim":"blackout"}', usage: { input: 42, output: 7 } });
    const model = createOllamaModel({ host: ollama.url });
    const schema = { type: 'object', properties: { claim: { type: 'string' } }, required: ['claim'] };
    const response = await model.generate({ messages: user('what happened?'), jsonSchema: schema, temperature: 0 });
    expect(response.text).toBe('{"claim":"blackout"}');
    expect(response.usage).toEqual({ inputTokens: 42, outputTokens: 7 });
    expect(response.model).toBe('llama3.1:8b');
    const sent = ollama.requests.find((request) => request.path === '/api/chat')?.body;
    expect(sent).toMatchObject({ model: 'llama3.1:8b', stream: false, format: schema, options: { temperature: 0 } });
    expect(sent.messages).toEqual([{ role: 'user', content: 'what happened?' }]);
  });

  it('streams NDJSON pieces in order and reports usage from the last line', async () => {
    ollama.reply({ text: 'Storm outage, TFL down', chunks: 4 }, { text: 'second answer', chunks: 2, usage: { input: 3, output: 2 } });
    const model = createOllamaModel({ host: ollama.url });
    const pieces: string[] = [];
    for await (const piece of model.stream({ messages: user('go') })) pieces.push(piece);
    expect(pieces.length).toBe(4);
    expect(pieces.join('')).toBe('Storm outage, TFL down');
    const seen: string[] = [];
    const response = await model.generate({ messages: user('again'), onText: (chunk) => seen.push(chunk) });
    expect(response.text).toBe('second answer');
    expect(seen.join('')).toBe('second answer');
    expect(response.usage).toEqual({ inputTokens: 3, outputTokens: 2 });
  });

  it('sends image bytes as base64 images', async () => {
    ollama.reply({ text: 'a flooded road' });
    const model = createOllamaModel({ host: ollama.url, model: 'llava:7b' });
    await model.generate({ messages: [{ role: 'user', content: 'describe', images: [Uint8Array.from([137, 80, 78, 71])] }] });
    expect(ollama.requests.at(-1)?.body.messages[0].images).toEqual([Buffer.from([137, 80, 78, 71]).toString('base64')]);
  });

  it('also speaks /api/generate, streamed and not, for callers that use the ollama client directly', async () => {
    ollama.reply({ text: '{"type":"pass"}' }, { text: 'abc', chunks: 3 });
    const client = new Ollama({ host: ollama.url });
    const single = await client.generate({ model: 'llama3.1:8b', prompt: 'choose', format: 'json', stream: false });
    expect(single.response).toBe('{"type":"pass"}');
    const pieces: string[] = [];
    for await (const part of await client.generate({ model: 'llama3.1:8b', prompt: 'count', stream: true })) pieces.push(part.response ?? '');
    expect(pieces).toEqual(['a', 'b', 'c', '']);
    expect(ollama.requests.at(-1)?.body).toMatchObject({ model: 'llama3.1:8b', prompt: 'count', stream: true });
  });

  it('reads OLLAMA_HOST when no host is given', async () => {
    const previous = process.env.OLLAMA_HOST;
    process.env.OLLAMA_HOST = `127.0.0.1:${ollama.port}`;
    try {
      ollama.reply({ text: 'hi' });
      const model = createOllamaModel();
      expect(inspect(model)).toBe(`OllamaModel llama3.1:8b at http://127.0.0.1:${ollama.port}`);
      expect((await model.generate({ messages: user('hi') })).text).toBe('hi');
    } finally {
      if (previous === undefined) delete process.env.OLLAMA_HOST;
      else process.env.OLLAMA_HOST = previous;
    }
  });

  it('says Ollama is down, and how to start it, when nothing listens', async () => {
    const port = await closedPort();
    const model = createOllamaModel({ host: `http://127.0.0.1:${port}` });
    const error = await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe('model_unreachable');
    expect((error as Error).message).toBe(
      `Ollama is not answering at http://127.0.0.1:${port} (connection refused). Start it with \`ollama serve\` (install from https://ollama.com), or set OLLAMA_HOST to where it runs.`,
    );
  });

  it('asks again once when the server drops the connection, and says so when it keeps dropping', async () => {
    ollama.reply({ drop: true }, { text: 'ok' }, { drop: true }, { drop: true });
    const model = createOllamaModel({ host: ollama.url });
    expect((await model.generate({ messages: user('hi') })).text).toBe('ok');
    const error = (await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.message).toBe(`Ollama at ${ollama.url} closed the connection without answering (connection closed). Check the Ollama server log (the terminal running \`ollama serve\`, or \`journalctl -u ollama\`): loading the model may have run out of memory.`);
    expect(ollama.requests.filter((request) => request.path === '/api/chat')).toHaveLength(4);
  });

  it('says the model is not pulled, lists what Ollama has, and gives the pull command', async () => {
    const model = createOllamaModel({ host: ollama.url, model: 'mistral:7b' });
    const error = (await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_not_found');
    expect(error.message).toBe(
      `ollama at ${ollama.url} has no model "mistral:7b". Pull it with \`ollama pull mistral:7b\`, or pass another model name. It has: llama3.1:8b, llava:7b.`,
    );
  });

  it('backs off exponentially on 500 and succeeds when the server recovers', async () => {
    ollama.reply({ status: 500, error: 'llama runner process has terminated' }, { status: 503, error: 'busy' }, { text: 'ok' });
    const clock = recordingClock();
    const model = createOllamaModel({ host: ollama.url, clock, backoffBaseMs: 100 });
    expect((await model.generate({ messages: user('hi') })).text).toBe('ok');
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('honours Retry-After on 429 and fails with the time calls are allowed again', async () => {
    ollama.reply({ status: 429, error: 'too many requests', headers: { 'Retry-After': '2' } }, { status: 429, error: 'too many requests', headers: { 'Retry-After': '2' } });
    const clock = recordingClock();
    const model = createOllamaModel({ host: ollama.url, clock, retries: 1 });
    const before = Date.now();
    const error = (await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as RateLimitedError;
    expect(clock.sleeps).toEqual([2000]);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAt).toBeGreaterThanOrEqual(before + 2000);
    expect(error.message).toMatch(/^ollama is rate limiting llama3\.1:8b \(HTTP 429: too many requests\); calls are allowed again at \d{4}-/);
  });

  it('gives up after the retries on 5xx with a message saying so', async () => {
    ollama.reply({ status: 500, error: 'boom' }, { status: 500, error: 'boom' });
    const model = createOllamaModel({ host: ollama.url, clock: recordingClock(), retries: 1 });
    await expect(model.generate({ messages: user('hi') })).rejects.toThrow(
      `ollama at ${ollama.url} failed with HTTP 500 (boom) after retrying with backoff; try again later or switch provider`,
    );
  });

  it('abandons a request that hangs past the timeout, non-streaming and streaming', async () => {
    ollama.reply({ hang: true }, { hang: true });
    const model = createOllamaModel({ host: ollama.url, timeoutMs: 300 });
    const message = `ollama model llama3.1:8b at ${ollama.url} did not answer within 0.3 s; raise timeoutMs (in the model settings or the request) or use a smaller model`;
    await expect(model.generate({ messages: user('hi') })).rejects.toThrow(message);
    await expect(model.generate({ messages: user('hi'), onText: () => undefined })).rejects.toThrow(message);
  });

  it('stops when the caller aborts, saying the call was cancelled', async () => {
    ollama.reply({ hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = (await createOllamaModel({ host: ollama.url }).generate({ messages: user('hi'), signal: controller.signal }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_aborted');
    expect(error.message).toBe('the call to ollama model llama3.1:8b was cancelled');
  });

  it('reports a truncated stream as truncated, and a cut-off body as malformed', async () => {
    ollama.reply({ truncate: true, text: '{"claim": "storm outage, no power until 3 AM"}' }, { truncate: true, text: '{"claim": "x"}' });
    const model = createOllamaModel({ host: ollama.url });
    const warn = jest.spyOn(console, 'warn');
    const streamed = (await model.generate({ messages: user('hi'), onText: () => undefined }).catch((caught: unknown) => caught)) as ModelError;
    expect(streamed.code).toBe('model_stream_truncated');
    expect(streamed.message).toMatch(/^the answer from ollama model llama3\.1:8b at .* stopped after \d+ characters, before the stream said it was done/);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    const cut = (await model.generate({ messages: user('hi') }).catch((caught: unknown) => caught)) as ModelError;
    expect(cut.code).toBe('model_response_malformed');
  });

  it('reports malformed bodies and error bodies clearly', async () => {
    ollama.reply(
      { raw: '<html>proxy login</html>', contentType: 'text/html' },
      { raw: '{"model":"llama3.1:8b","done":true}' },
      { errorInBody: 'unexpected EOF' },
      { errorInBody: 'unexpected EOF' },
    );
    const model = createOllamaModel({ host: ollama.url });
    await expect(model.generate({ messages: user('a') })).rejects.toThrow(
      `ollama at ${ollama.url} answered with a malformed body (the body is not JSON). Check that the host is really an Ollama server, then try again.`,
    );
    await expect(model.generate({ messages: user('b') })).rejects.toThrow('answered with a malformed body (no message.content in the answer)');
    await expect(model.generate({ messages: user('c') })).rejects.toThrow(`ollama model llama3.1:8b at ${ollama.url} answered with an error: unexpected EOF`);
    await expect(model.generate({ messages: user('d'), onText: () => undefined })).rejects.toThrow('answered with an error: unexpected EOF');
  });

  it('counts requests per minute in the run log so a reopened log keeps the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ollama-limit-'));
    try {
      const file = join(dir, 'torch_log.db');
      ollama.reply({ text: 'one' }, { text: 'two' }, { text: 'three' });
      const first = SqliteRunLog.open(file);
      const model = createOllamaModel({ host: ollama.url, rateLimit: { perMinute: 2 }, counters: first });
      await model.generate({ messages: user('1') });
      await model.generate({ messages: user('2') });
      first.close();
      const second = SqliteRunLog.open(file);
      const restarted = createOllamaModel({ host: ollama.url, rateLimit: { perMinute: 2 }, counters: second });
      const error = (await restarted.generate({ messages: user('3') }).catch((caught: unknown) => caught)) as RateLimitedError;
      second.close();
      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error.message).toMatch(/^ollama: the limit of 2 requests per minute is used up; calls are allowed again at/);
      expect(error.retryAt! % 60_000).toBe(0);
      expect(ollama.requests.filter((request) => request.path === '/api/chat')).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
