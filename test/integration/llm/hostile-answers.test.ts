import { z } from 'zod';
import {
  CampfiresError,
  LLMAgent,
  createOllamaModel,
  createOpenAICompatibleModel,
  generateObject,
  type Clock,
  type LanguageModel,
} from 'campfires';
import { modelCallBudget } from 'campfires/llm';
import { LLM_FALLBACK_REASON } from 'campfires/simulation';
import { startOllamaProtocolServer, startOpenAIProtocolServer, type ProtocolServer, type ScriptedReply } from 'campfires/testing';

/** A clock whose sleeps return at once and are remembered, so waits are seen without being waited. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
}

const actionSchema = z.strictObject({
  action: z.enum(['increase_resource', 'decrease_resource', 'support_agent', 'oppose_agent', 'pass']),
  target: z.string().min(1),
  reason: z.string(),
});
const pass = { action: 'pass' as const, target: 'world', reason: 'LLM failure or invalid output' };
const good = '{"action":"increase_resource","target":"world","reason":"the granary is low"}';
const messages = [{ role: 'user' as const, content: 'Choose an action.' }];

interface Provider {
  name: string;
  start: () => Promise<ProtocolServer>;
  model: (server: ProtocolServer, extra?: { stream?: boolean; clock?: Clock }) => LanguageModel;
  /** Telemetry fields of the answer, each of which the model may send as anything. */
  statsFields: string[];
}

const providers: Provider[] = [
  {
    name: 'ollama',
    start: () => startOllamaProtocolServer(),
    model: (server, extra) => createOllamaModel({ host: server.url, ...extra }),
    statsFields: ['model', 'prompt_eval_count', 'eval_count', 'total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration', 'done_reason', 'created_at'],
  },
  {
    name: 'openai',
    start: () => startOpenAIProtocolServer({ apiKey: 'sk-hostile-0123456789' }),
    model: (server, extra) => createOpenAICompatibleModel({ baseURL: `${server.url}/v1`, model: 'gpt-4o-mini', apiKey: 'sk-hostile-0123456789', ...extra }),
    statsFields: ['model', 'usage', 'created', 'id', 'object'],
  },
];

/** Values a telemetry field may come as instead of what the protocol says. */
const oddValues: unknown[] = [null, 'twelve', '12', -1, 1.5e308 * 10 /* Infinity, sent as null */, { nested: true }, [1, 2], true];

/** `[` nested `depth` deep, closed or cut off. */
function nested(depth: number, closed: boolean): string {
  return `${'['.repeat(depth)}1${closed ? ']'.repeat(depth) : ''}`;
}

describe.each(providers)('hostile model answers through the $name client', (provider) => {
  let server: ProtocolServer;
  beforeEach(async () => {
    server = await provider.start();
  });
  afterEach(async () => {
    await server.close();
  });

  const ask = (model: LanguageModel, extra: { maxWaitMs?: number; retryDelayMs?: number; clock?: Clock } = {}) =>
    generateObject({ model, schema: actionSchema, messages, fallback: pass, label: 'agent:Farmer', ...extra });

  describe('deep nesting', () => {
    const depths = [100, 5_000, 20_000, 200_000];
    it.each(depths.flatMap((depth) => [[depth, true] as const, [depth, false] as const]))(
      'an answer of %i nested brackets (closed: %s) is invalid, asked again, then the fallback',
      async (depth, closed) => {
        const text = nested(depth, closed);
        server.reply({ text }, { text: `{"action": ${text}}` }, { text: `{"action":"pass","target":"world","reason":${text}}` });
        const result = await ask(provider.model(server));
        expect(result.fallback).toBe(true);
        expect(result.value).toEqual(pass);
        expect(result.attempts).toHaveLength(3);
        for (const attempt of result.attempts) expect(attempt.error).toEqual(expect.any(String));
        expect(result.attempts[1]!.error).toMatch(closed ? /^action: / : /cut off or unbalanced/);
      },
    );

    it('names what was wrong with a deep answer in a few words the model can read', async () => {
      server.reply({ text: `{"action":"pass","target":"world","reason":${nested(20_000, true)}}` }, { text: good });
      const result = await ask(provider.model(server));
      expect(result.value.action).toBe('increase_resource');
      const told = server.requests.filter((request) => request.method === 'POST').at(-1)!.body.messages.at(-1).content as string;
      expect(told).toMatch(/^That answer could not be used: reason: .*\(got \[\[\[\[.*\.\.\.\)\. Answer again/);
      expect(told.length).toBeLessThan(400);
    });
  });

  describe('telemetry', () => {
    const cases = provider.statsFields.flatMap((field) => oddValues.map((value) => [field, value] as const));
    it.each(cases)('accepts the answer when %s is %j, on the first attempt, streamed or not', async (field, value) => {
      for (const stream of [false, true]) {
        server.reply({ text: good, stats: { [field]: value } });
        const result = await ask(provider.model(server, { stream }));
        expect(result.fallback).toBe(false);
        expect(result.attempts).toHaveLength(1);
        expect(result.value.action).toBe('increase_resource');
        const usage = result.attempts[0]!.usage;
        // Token counts are kept only when they are counts.
        for (const count of [usage?.inputTokens, usage?.outputTokens]) if (count !== undefined) expect(Number.isFinite(count) && count >= 0).toBe(true);
        expect(typeof result.attempts[0]!.model).toBe('string');
      }
    });

    it('still reads the token counts that are there', async () => {
      server.reply({ text: good, usage: { input: 90, output: 12 } });
      const result = await ask(provider.model(server));
      expect(result.attempts[0]!.usage).toEqual({ inputTokens: 90, outputTokens: 12 });
    });
  });

  describe('drafts and reasoning', () => {
    const draft = '{"action":"oppose_agent","target":"Bo","reason":"draft"}';
    const final = '{"action":"support_agent","target":"Cy","reason":"final"}';
    it.each([
      ['a draft inside <think> before the final object', `<think>Maybe ${draft}? No.</think>\n${final}`],
      ['a draft inside <thinking> with a fenced final object', `<thinking>${draft}</thinking>\n\`\`\`json\n${final}\n\`\`\``],
      ['reasoning whose opening tag was in the prompt', `I could say ${draft} but</think>${final}`],
      ['two valid objects in prose, the final one last', `First I thought ${draft}. Final answer: ${final}`],
      ['a valid draft, then the final object with a key variant the schema refuses, then the final object again', `${draft} then {"act":"x"} so: ${final}`],
      ['two fenced blocks, the final one last', `\`\`\`json\n${draft}\n\`\`\`\nOn reflection:\n\`\`\`json\n${final}\n\`\`\``],
    ])('takes the final answer, not %s', async (_case, text) => {
      server.reply({ text });
      const result = await ask(provider.model(server));
      expect(result.attempts).toHaveLength(1);
      expect(result.value).toEqual({ action: 'support_agent', target: 'Cy', reason: 'final' });
    });

    it('prefers the last object that validates when the final one does not', async () => {
      server.reply({ text: `${final} and also {"action":"dance"}` });
      const result = await ask(provider.model(server));
      expect(result.value).toEqual({ action: 'support_agent', target: 'Cy', reason: 'final' });
    });

    it('asks again when there is only reasoning', async () => {
      server.reply({ text: `<think>${draft}</think>` }, { text: final });
      const result = await ask(provider.model(server));
      expect(result.attempts[0]!.error).toBe('the answer holds only reasoning, no JSON object after it');
      expect(result.value.reason).toBe('final');
    });
  });

  describe('a missing required field', () => {
    it.each([
      ['missing', '{"action":"pass","reason":"tired"}'],
      ['null', '{"action":"pass","target":null,"reason":"tired"}'],
    ])('is not made up when the target is %s: the model is told and asked again', async (_case, text) => {
      const council = new LLMAgent({ name: 'Ada', description: 'Ada of the council.', goals: ['eat'], behavior_biases: ['careful'] }, { model: provider.model(server) });
      council.seat(['Ada', 'Bo'], 2);
      server.reply({ text }, { text: '{"action":"pass","target":"world","reason":"tired"}' });
      const action = await council.decideAction(council.observe({ resource_level: 50, stability: 50, turn: 1 }));
      expect(action).toEqual({ type: 'pass', target: 'world', reason: 'tired' });
      const chats = server.requests.filter((request) => request.method === 'POST');
      expect(chats).toHaveLength(2);
      expect(chats[1]!.body.messages.at(-1).content).toMatch(/^That answer could not be used: target: /);
    });
  });

  describe('one budget per decision', () => {
    it('makes 3 requests in all on 5xx, waiting 1 s then 2 s, though the adapter would retry 3 times itself', async () => {
      server.reply({ status: 500, error: 'boom' }, { status: 503, error: 'busy' }, { status: 502, error: 'gateway' }, { text: good });
      const clock = recordingClock();
      const result = await ask(provider.model(server, { clock }), { clock });
      expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(3);
      expect(clock.sleeps).toEqual([1000, 2000]);
      expect(result.fallback).toBe(true);
      expect(result.attempts.map((attempt) => attempt.error)).toEqual([expect.stringMatching(/HTTP 500/), expect.stringMatching(/HTTP 503/), expect.stringMatching(/HTTP 502/)]);
    });

    it.each([
      ['a 429', { status: 429, error: 'slow down', headers: { 'Retry-After': '3' } }],
      ['a 503', { status: 503, error: 'busy', headers: { 'Retry-After': '3' } }],
    ] as [string, ScriptedReply][])('honours Retry-After on %s within the budget', async (_case, reply) => {
      server.reply(reply, { text: good });
      const clock = recordingClock();
      const result = await ask(provider.model(server, { clock }), { clock });
      expect(clock.sleeps).toEqual([3000]);
      expect(result.fallback).toBe(false);
      expect(result.attempts).toHaveLength(2);
    });

    it('does not wait on a Retry-After past what the decision may still wait', async () => {
      server.reply({ status: 503, error: 'busy', headers: { 'Retry-After': '86400' } }, { text: good });
      const clock = recordingClock();
      const result = await ask(provider.model(server, { clock }), { clock });
      expect(clock.sleeps).toEqual([]);
      expect(result.fallback).toBe(true);
      expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    });

    it('counts a dropped connection and a cut stream as attempts, not as retries inside one', async () => {
      server.reply({ drop: true }, { truncate: true, text: good }, { text: good });
      const clock = recordingClock();
      const result = await ask(provider.model(server, { stream: true, clock }), { clock });
      expect(result.attempts).toHaveLength(3);
      expect(result.fallback).toBe(false);
      expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(3);
      expect(clock.sleeps).toEqual([]);
    });

    it('states the budget: 3 requests of 30 s and 60 s of waits by default, 150 s at most', () => {
      expect(modelCallBudget()).toEqual({ attempts: 3, timeoutMs: 30_000, retryDelayMs: 1000, maxWaitMs: 60_000, worstCaseMs: 150_000 });
      expect(modelCallBudget({ timeoutMs: 5000, retries: 2, maxWaitMs: 0 }).worstCaseMs).toBe(10_000);
    });
  });

  describe('provider errors', () => {
    const farmer = (stream = false) => {
      const agent = new LLMAgent({ name: 'Ada', description: 'Ada of the council.', goals: ['eat'], behavior_biases: ['careful'] }, { model: provider.model(server, { stream }), retryDelayMs: 1 });
      agent.seat(['Ada', 'Bo'], 2);
      return agent;
    };
    const decide = (agent: LLMAgent) => agent.decideAction(agent.observe({ resource_level: 50, stability: 50, turn: 1 }));

    const transient: [string, ScriptedReply][] = [
      ['a 200 carrying {"error": …}', { errorInBody: 'model runner has unexpectedly stopped' }],
      ['"llama runner process has terminated" mid-stream', { streamError: 'llama runner process has terminated: signal: killed', text: good }],
      ['a 204 with no body', { raw: '', status: 204 }],
      ['a 500', { status: 500, error: 'internal error' }],
      ['a non-JSON 502 from a proxy', { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }],
      ['a dropped connection', { drop: true }],
      ['a cut-off body', { truncate: true, text: good }],
      ['a body that is not JSON', { raw: 'Ollama is having a bad day' }],
    ];
    const transientBothWays = transient.flatMap(([name, reply]) => [[name, reply, false] as const, [name, reply, true] as const]);
    it.each(transientBothWays)('passes, flagged, after %s three times (streamed: %s)', async (_case, reply, stream) => {
      server.reply(reply, reply, reply);
      const agent = farmer(stream);
      const action = await decide(agent);
      expect(action).toEqual({ type: 'pass', target: 'world', reason: LLM_FALLBACK_REASON });
      const trace = agent.takeTrace()!;
      expect(trace.fallback).toBe(true);
      expect(trace.modelFailure).toMatch(/^model_/);
      expect(trace.errors).toHaveLength(3);
    });

    it.each(transientBothWays)('answers normally when %s is followed by a good answer (streamed: %s)', async (_case, reply, stream) => {
      server.reply(reply, { text: '{"action":"pass","target":"world","reason":"rested"}' });
      expect(await decide(farmer(stream))).toEqual({ type: 'pass', target: 'world', reason: 'rested' });
    });

    const configuration: [string, ScriptedReply, RegExp][] = [
      ['401', { status: 401, error: 'unauthorized' }, /401/],
      ['403', { status: 403, error: 'forbidden' }, /403/],
      ['400', { status: 400, error: 'invalid options' }, /400/],
      ['413', { status: 413, error: 'request entity too large' }, /413/],
    ];
    it.each(configuration)('stops with a clear message on a %s, after one request', async (_case, reply, says) => {
      server.reply(reply, { text: good });
      const error = (await decide(farmer()).catch((caught: unknown) => caught)) as CampfiresError;
      expect(error).toBeInstanceOf(CampfiresError);
      expect(error.message).toMatch(says);
      expect(error.details.retryable).toBe(false);
      expect(server.requests.filter((request) => request.method === 'POST')).toHaveLength(1);
    });

    it('stops with a clear message on an unknown model', async () => {
      const unknown = provider.name === 'ollama' ? createOllamaModel({ host: server.url, model: 'no-such-model:1b' }) : createOpenAICompatibleModel({ baseURL: `${server.url}/v1`, model: 'no-such-model', apiKey: 'sk-hostile-0123456789' });
      if (provider.name === 'openai') server.reply({ status: 404, error: 'The model `no-such-model` does not exist' });
      const agent = new LLMAgent({ name: 'Ada', description: 'Ada of the council.', goals: ['eat'], behavior_biases: ['careful'] }, { model: unknown });
      agent.seat(['Ada', 'Bo'], 2);
      const error = (await decide(agent).catch((caught: unknown) => caught)) as CampfiresError;
      expect(error.code).toBe('model_not_found');
      expect(error.message).toMatch(/no-such-model/);
    });
  });

  it.each([false, true])('prints nothing of its own on stdout or stderr, whatever the body (streamed: %s)', async (stream) => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const writeError = process.stderr.write.bind(process.stderr);
    const { log, warn, error } = console;
    const capture = (chunk: string | Uint8Array) => (written.push(String(chunk)), true);
    process.stdout.write = capture as typeof process.stdout.write;
    process.stderr.write = capture as typeof process.stderr.write;
    console.log = console.warn = console.error = (...args: unknown[]) => void written.push(args.join(' '));
    try {
      server.reply(
        { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' },
        { status: 500, body: 'not json at all', contentType: 'application/json' },
        { raw: 'Ollama is having a bad day\n{"half": ', contentType: 'text/plain' },
      );
      const result = await ask(provider.model(server, { stream }), { retryDelayMs: 1 });
      expect(result.fallback).toBe(true);
      expect(result.attempts[0]!.error).toMatch(/502/);
    } finally {
      process.stdout.write = write;
      process.stderr.write = writeError;
      Object.assign(console, { log, warn, error });
    }
    expect(written).toEqual([]);
  });
});
