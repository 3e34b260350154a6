import { z } from 'zod';
import { ModelError, SqliteRunLog, acceptActionKeyVariants, createOllamaModel, createOpenRouterModel, generateObject, recordModelCall, type LanguageModel } from 'campfires';
import { startOllamaProtocolServer, type ProtocolServer, startOpenAIProtocolServer } from 'campfires/testing';

const actionSchema = z.object({ action: z.enum(['increase_resource', 'decrease_resource', 'support_agent', 'oppose_agent', 'pass']), target: z.string(), reason: z.string() });
const pass = { action: 'pass' as const, target: 'world', reason: 'LLM failure or invalid output' };
const good = '{"action":"increase_resource","target":"world","reason":"the granary is low"}';
const messages = [{ role: 'user' as const, content: 'Choose an action.' }];

interface Provider {
  name: string;
  start: () => Promise<ProtocolServer>;
  model: (server: ProtocolServer, extra?: { timeoutMs?: number; stream?: boolean }) => LanguageModel;
}

const providers: Provider[] = [
  { name: 'Ollama', start: () => startOllamaProtocolServer(), model: (server, extra) => createOllamaModel({ host: server.url, ...extra }) },
  {
    name: 'OpenRouter',
    start: () => startOpenAIProtocolServer({ apiKey: 'sk-or-v1-structured0000', basePath: '/api/v1' }),
    model: (server, extra) => createOpenRouterModel({ baseURL: `${server.url}/api/v1`, apiKey: 'sk-or-v1-structured0000', ...extra }),
  },
];

describe.each(providers)('structured output through the $name client', (provider) => {
  let server: ProtocolServer;
  let log: SqliteRunLog;
  let runId: string;
  beforeEach(async () => {
    server = await provider.start();
    log = SqliteRunLog.open(':memory:');
    runId = log.startRun({ kind: 'simulation', name: 'council' }).id;
  });
  afterEach(async () => {
    log.close();
    await server.close();
  });

  const ask = async (model: LanguageModel) => {
    const result = await generateObject({ model, schema: actionSchema, messages, normalize: acceptActionKeyVariants(), fallback: pass, label: 'agent:Farmer' });
    recordModelCall(log, runId, result);
    return result;
  };

  it.each([
    ['valid JSON', good],
    ['JSON in a fence', `Here is my move:\n\`\`\`json\n${good}\n\`\`\``],
    ['JSON inside prose', `I choose ${good} because we must eat.`],
    ['the type key variant', '{"type":"Increase Resource","target":"world","reason":"the granary is low"}'],
  ])('accepts %s on the first attempt', async (_case, text) => {
    server.reply({ text });
    const result = await ask(provider.model(server));
    expect(result).toMatchObject({ fallback: false, value: { action: 'increase_resource', target: 'world', reason: 'the granary is low' } });
    expect(result.attempts).toHaveLength(1);
  });

  it('retries wrong keys with the problem named, then accepts the fix', async () => {
    server.reply({ text: '{"move":"pass"}' }, { text: good });
    const result = await ask(provider.model(server));
    expect(result.fallback).toBe(false);
    const second = server.requests.filter((request) => request.method === 'POST').at(-1)!.body.messages;
    expect(second.at(-1).content).toMatch(/^That answer could not be used: action: Invalid option/);
  });

  it('falls back, flagged, after unknown actions on every attempt', async () => {
    server.reply(...Array.from({ length: 3 }, () => ({ text: '{"action":"summon_dragon","target":"world","reason":"why not"}' })));
    const result = await ask(provider.model(server));
    expect(result).toMatchObject({ value: pass, fallback: true });
    expect(log.events(runId, { kinds: ['model-attempt'] }).map((event) => (event.data as { error: string }).error)).toEqual(
      Array(3).fill('action: Invalid option: expected one of "increase_resource"|"decrease_resource"|"support_agent"|"oppose_agent"|"pass" (got "summon_dragon")'),
    );
  });

  it('retries a truncated stream and a hang past the timeout', async () => {
    server.reply({ truncate: true, text: good }, { hang: true }, { text: good });
    const result = await ask(provider.model(server, { timeoutMs: 1500, stream: true }));
    expect(result.fallback).toBe(false);
    expect(result.attempts.map((attempt) => attempt.error?.replace(/ at .*? /, ' at HOST ') ?? null)).toEqual([
      expect.stringMatching(/stopped after \d+ characters, before the stream said it was done/),
      expect.stringMatching(/did not answer within 1\.5 s/),
      null,
    ]);
  });

  it('logs a 500 that outlasts the backoff as a failed attempt', async () => {
    server.reply({ status: 500, error: 'overloaded' }, { status: 500, error: 'overloaded' }, { text: good });
    const model = provider.name === 'Ollama'
      ? createOllamaModel({ host: server.url, retries: 1, backoffBaseMs: 1 })
      : createOpenRouterModel({ baseURL: `${server.url}/api/v1`, apiKey: 'sk-or-v1-structured0000', retries: 1, backoffBaseMs: 1 });
    const result = await ask(model);
    expect(result.fallback).toBe(false);
    expect(result.attempts[0]!.error).toMatch(/failed with HTTP 500 \(overloaded\) after retrying with backoff/);
  });
});

describe('structured output when the provider is missing', () => {
  it('gives the fallback after one attempt when Ollama is down, and the error when there is no fallback', async () => {
    const server = await startOllamaProtocolServer();
    await server.close();
    const model = createOllamaModel({ host: server.url });
    const result = await generateObject({ model, schema: actionSchema, messages, fallback: pass });
    expect(result.fallback).toBe(true);
    expect(result.attempts).toHaveLength(1);
    const error = (await generateObject({ model, schema: actionSchema, messages }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_unreachable');
  });
});
