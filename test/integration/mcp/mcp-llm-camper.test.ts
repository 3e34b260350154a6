import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Campfire, Pipeline, SqliteRunLog, createOllamaModel, createOpenAICompatibleModel, createToolCamper, torchFlowFromRunLog } from 'campfires';
import { connectMcpServer, createMcpLLMCamper, type McpConnection } from 'campfires/mcp';
import { startOllamaProtocolServer, startOpenAIProtocolServer, type RecordedRequest, type ScriptedReply } from 'campfires/testing';

// A model (the local Ollama and OpenAI protocol servers) calls the fixture server's tools itself.
jest.setTimeout(60_000);

const TOOL_SERVER = resolve(__dirname, '../../../fixtures/mcp/tool-server.js');

function wordCount(text: string): { words: number; longest: string } {
  const words = text.split(/\s+/).filter(Boolean);
  return { words: words.length, longest: words.reduce((best, word) => (word.length > best.length ? word : best), '') };
}

/** A model that asks word-count for the user's text, then answers with the tool's result as its claim. */
function countingScript(request: RecordedRequest): ScriptedReply {
  const messages = request.body.messages as { role: string; content: string | null }[];
  const last = messages[messages.length - 1]!;
  if (last.role === 'tool') return { text: JSON.stringify({ claim: `counted: ${last.content}`, confidence: 0.9 }) };
  const user = messages.find((message) => message.role === 'user')!;
  return { toolCalls: [{ name: 'word-count', arguments: { text: user.content } }] };
}

const lines = ['the torch passes from fire to fire', 'embers', 'a long night of quiet kindling and smoke', 'two words'];

describe('an LLM camper given MCP tools, on the Ollama and OpenAI wire protocols', () => {
  const dir = mkdtempSync(join(tmpdir(), 'campfires-mcp-llm-'));
  let tools: McpConnection;
  beforeAll(async () => {
    tools = await connectMcpServer({ command: process.execPath, args: [TOOL_SERVER] });
  });
  afterAll(async () => {
    await tools?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const provider of ['ollama', 'openai'] as const) {
    it(`${provider}: the model calls the tool, gets its result back and answers with it; every call is logged with its round`, async () => {
      const server = provider === 'ollama' ? await startOllamaProtocolServer({ script: countingScript }) : await startOpenAIProtocolServer({ script: countingScript });
      const model = provider === 'ollama' ? createOllamaModel({ host: server.url }) : createOpenAICompatibleModel({ baseURL: (server as { baseURL: string }).baseURL, model: 'gpt-test' });
      const runLog = SqliteRunLog.open(join(dir, `${provider}.db`));
      const run = await new Pipeline({
        campfires: [
          new Campfire({ name: 'lines', output: 'lines', campers: [createToolCamper('reader', ({ cycle }) => lines[cycle - 1] as string)] }),
          new Campfire({ name: 'analyst', inputs: ['lines'], output: 'counts', campers: [createMcpLLMCamper('counter-llm', { model, tools, runLog, maxRounds: 3 })] }),
        ],
        runLog,
      }).run({ cycles: lines.length, display: false });

      const claims = runLog.events(run.run.id, { kinds: ['torch-sent'], campfire: 'analyst' }).map((event) => (event.data as { torch: { claim: string } }).torch.claim);
      expect(claims).toEqual(lines.map((line) => `counted: ${wordCount(line).words} words; longest: ${wordCount(line).longest}`));
      const calls = runLog.events(run.run.id, { kinds: ['tool-call'] });
      expect(calls.map((event) => event.data)).toEqual(lines.map((line, index) => expect.objectContaining({ cycle: index + 1, round: 1, tool: 'word-count', arguments: { text: line }, status: 'ok' })));

      // What went over the wire, in the protocol's own shapes.
      const chats = server.requests.filter((request) => request.method === 'POST');
      expect(chats).toHaveLength(lines.length * 2);
      const [ask, answer] = chats as [RecordedRequest, RecordedRequest];
      expect(ask.body.tools).toEqual(expect.arrayContaining([{ type: 'function', function: { name: 'word-count', description: expect.any(String), parameters: expect.objectContaining({ required: ['text'] }) } }]));
      expect(ask.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['word-count', 'fail', 'hang']);
      const toolMessage = answer.body.messages.find((message: { role: string }) => message.role === 'tool');
      const assistant = answer.body.messages.find((message: { role: string }) => message.role === 'assistant');
      expect(toolMessage.content).toBe(`${wordCount(lines[0]!).words} words; longest: ${wordCount(lines[0]!).longest}`);
      if (provider === 'ollama') {
        expect(toolMessage.tool_name).toBe('word-count');
        expect(assistant.tool_calls).toEqual([{ function: { name: 'word-count', arguments: { text: lines[0] } } }]);
      } else {
        expect(assistant.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'word-count', arguments: JSON.stringify({ text: lines[0] }) } }]);
        expect(toolMessage.tool_call_id).toBe(assistant.tool_calls[0].id);
      }
      // The final answer is the loop's last turn: no extra call once the model answered.
      expect(answer.body.tools).toBeDefined();

      const flow = torchFlowFromRunLog(runLog, run.run.id);
      expect(flow.torches.filter((torch) => torch.from === 'analyst').map((torch) => torch.toolCalls?.map((call) => `${call.round}:${call.tool}:${call.status}`))).toEqual(lines.map(() => ['1:word-count:ok']));
      runLog.close();
      await server.close();
    });
  }

  it('stops asking for tools after maxRounds, gives tool errors and timeouts to the model as results, and still answers', async () => {
    for (const maxRounds of [1, 2, 4]) {
      let round = 0;
      const ollama = await startOllamaProtocolServer({
        script: (request) => {
          if (!request.body.tools) return { text: JSON.stringify({ claim: `gave up after ${round} rounds`, confidence: 0.5 }) };
          round += 1;
          // Every turn asks again: a failing tool, a hanging one, one that does not exist and bad arguments.
          return { toolCalls: [{ name: 'fail', arguments: { reason: `round ${round}` } }, { name: 'hang', arguments: {} }, { name: 'no-such', arguments: {} }, { name: 'word-count', arguments: '[1,2]' }] };
        },
      });
      const camper = createMcpLLMCamper('stubborn', { model: createOllamaModel({ host: ollama.url }), tools, maxRounds, toolTimeoutMs: 120 });
      const fire = new Campfire({ name: `stubborn-${maxRounds}`, campers: [camper] });
      const result = await fire.cycle();
      expect(result.torch?.claim).toBe(`gave up after ${maxRounds} rounds`);
      const calls = fire.recentEvents().filter((event) => event.kind === 'tool-call').map((event) => event.data as { round: number; tool: string; status: string; result: string });
      expect(calls).toHaveLength(maxRounds * 4);
      for (let r = 1; r <= maxRounds; r += 1) {
        expect(calls.filter((call) => call.round === r).map((call) => `${call.tool}:${call.status}`)).toEqual(['fail:error', 'hang:timeout', 'no-such:error', 'word-count:error']);
      }
      expect(calls.find((call) => call.tool === 'no-such')?.result).toBe('there is no tool "no-such"; the tools are: word-count, fail, hang');
      expect(calls.find((call) => call.tool === 'word-count')?.result).toMatch(/^the arguments are an array, not an object/);
      const chats = ollama.requests.filter((request) => request.method === 'POST');
      expect(chats).toHaveLength(maxRounds + 1);
      const last = chats[chats.length - 1]!.body.messages as { role: string; content: string }[];
      expect(last.filter((message) => message.role === 'tool').map((message) => message.content.split(':')[0])).toEqual(Array.from({ length: maxRounds }, () => ['ERROR', 'TIMEOUT', 'ERROR', 'ERROR']).flat());
      expect(last.some((message) => message.role === 'user' && message.content.includes(`last tool round (${maxRounds})`))).toBe(true);
      await ollama.close();
    }
  });

  it('refuses maxRounds outside 1-20, naming the field', () => {
    for (const maxRounds of [0, 21, 2.5]) {
      expect(() => createMcpLLMCamper('x', { model: createOllamaModel(), tools, maxRounds })).toThrow(expect.objectContaining({ code: 'mcp_camper_invalid', message: expect.stringContaining('maxRounds') }));
    }
  });
});
