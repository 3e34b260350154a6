import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Campfire, CampfireClient, CampfireStore, Pipeline, SqliteRunLog, createToolCamper, replayRun, torchFlowFromRunLog, type RunEvent } from 'campfires';
import { connectMcpServer, createMcpToolCamper, recordedToolCaller, type McpConnection } from 'campfires/mcp';
import { CF, requireBuiltCf } from '../cli/cf-process';

// Real MCP server processes: the fixture tool server (stdio and streamable HTTP) and `cf mcp`.
jest.setTimeout(60_000);

const TOOL_SERVER = resolve(__dirname, '../../../fixtures/mcp/tool-server.js');
const stdioServer = { command: process.execPath, args: [TOOL_SERVER] };

/** Texts of varied length and spacing, from a seed (so each run checks fresh inputs). */
function texts(seed: number, count: number): string[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  const words = ['ember', 'torch', 'camper', 'a', 'channel', 'smoke', 'kindling', 'firelight', 'log', 'night'];
  return Array.from({ length: count }, () => {
    const length = 1 + (next() % 12);
    return Array.from({ length }, () => words[next() % words.length]).join(next() % 3 === 0 ? '   ' : ' ');
  });
}

function expectedCount(text: string): { words: number; longest: string } {
  const words = text.split(/\s+/).filter(Boolean);
  return { words: words.length, longest: words.reduce((best, word) => (word.length > best.length ? word : best), '') };
}

describe('a camper that calls an MCP tool (fixture server over stdio)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'campfires-mcp-camper-'));
  let connection: McpConnection;

  beforeAll(async () => {
    connection = await connectMcpServer(stdioServer);
  });
  afterAll(async () => {
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds arguments from each cycle, records every call and result, shows them on the torches and replays them without calling the tool', async () => {
    const inputs = texts(Date.now() % 100_000, 6);
    const runLog = SqliteRunLog.open(join(dir, 'run.db'));
    const source = new Campfire({ name: 'notes', output: 'texts', campers: [createToolCamper('reader', ({ cycle }) => ({ claim: inputs[cycle - 1] as string }))] });
    const counter = new Campfire({
      name: 'counter',
      inputs: ['texts'],
      output: 'counts',
      campers: [createMcpToolCamper('word-count', { server: connection, tool: 'word-count', arguments: ({ inputs: received }) => ({ text: received[0]?.torch.claim ?? '' }) })],
    });
    const run = await new Pipeline({ name: 'mcp-counts', campfires: [source, counter], runLog }).run({ cycles: inputs.length, display: false });

    const calls = runLog.events(run.run.id, { kinds: ['tool-call'] });
    expect(calls).toHaveLength(inputs.length);
    calls.forEach((event: RunEvent, index) => {
      const want = expectedCount(inputs[index] as string);
      expect(event).toMatchObject({ campfire: 'counter', camper: 'word-count' });
      expect(event.data).toMatchObject({ cycle: index + 1, tool: 'word-count', server: `${process.execPath} ${TOOL_SERVER}`, arguments: { text: inputs[index] }, status: 'ok', structured: want });
      expect((event.data as { ms: number }).ms).toBeGreaterThanOrEqual(0);
    });
    const sent = runLog.events(run.run.id, { kinds: ['torch-sent'], campfire: 'counter' });
    expect(sent.map((event) => (event.data as { torch: { claim: string } }).torch.claim)).toEqual(inputs.map((text) => `${expectedCount(text).words} words; longest: ${expectedCount(text).longest}`));

    // The torch flow shows each torch's tool calls.
    const flow = torchFlowFromRunLog(runLog, run.run.id);
    const counted = flow.torches.filter((torch) => torch.from === 'counter');
    expect(counted).toHaveLength(inputs.length);
    counted.forEach((torch, index) => {
      expect(torch.toolCalls).toEqual([expect.objectContaining({ camper: 'word-count', tool: 'word-count', status: 'ok', arguments: { text: inputs[index] }, result: torch.claim })]);
    });
    expect(flow.torches.filter((torch) => torch.from === 'notes').every((torch) => torch.toolCalls === undefined)).toBe(true);

    // A replay reads the recorded calls: the new run holds them, marked replayed, and no server is reached.
    await connection.close();
    const replay = replayRun(runLog, run.run.id);
    expect(replay.toolCalls().map((call) => call.arguments)).toEqual(inputs.map((text) => ({ text })));
    const again = await replay.drive({ runLog });
    const replayedCalls = runLog.events(again.run.id, { kinds: ['tool-call'] });
    expect(replayedCalls.map((event) => event.data)).toEqual(calls.map((event) => ({ ...(event.data as object), replayed: true })));
    const replayedFlow = torchFlowFromRunLog(runLog, again.run.id);
    expect(replayedFlow.torches.filter((torch) => torch.from === 'counter').map((torch) => torch.toolCalls?.[0]?.result)).toEqual(counted.map((torch) => torch.claim));

    // Campers re-run with the recorded results in place of the server answer the same, calling nothing.
    const recorded = recordedToolCaller(replay);
    const rerun = await new Pipeline({
      name: 'mcp-counts (recorded tools)',
      campfires: [
        new Campfire({ name: 'notes', output: 'texts', campers: [createToolCamper('reader', ({ cycle }) => ({ claim: inputs[cycle - 1] as string }))] }),
        new Campfire({ name: 'counter', inputs: ['texts'], output: 'counts', campers: [createMcpToolCamper('word-count', { server: recorded, tool: 'word-count' })] }),
      ],
      runLog,
    }).run({ cycles: inputs.length, display: false });
    const rerunClaims = runLog.events(rerun.run.id, { kinds: ['torch-sent'], campfire: 'counter' }).map((event) => (event.data as { torch: { claim: string } }).torch.claim);
    expect(rerunClaims).toEqual(sent.map((event) => (event.data as { torch: { claim: string } }).torch.claim));
    await expect(recorded.callTool('word-count', { text: 'never recorded' })).rejects.toMatchObject({ code: 'tool_call_not_recorded' });
    runLog.close();
    connection = await connectMcpServer(stdioServer);
  });

  it('turns a tool error into a camper error and an error torch, with the failed call in the log', async () => {
    const reasons = texts(7 + (Date.now() % 1000), 3);
    const runLog = SqliteRunLog.open(join(dir, 'errors.db'));
    const fire = new Campfire({
      name: 'refuser',
      output: 'refusals',
      campers: [createMcpToolCamper('fail', { server: connection, tool: 'fail', arguments: ({ cycle }) => ({ reason: reasons[cycle - 1] }) })],
    });
    const run = await new Pipeline({ campfires: [fire], runLog }).run({ cycles: reasons.length, display: false });
    expect(run.camperErrors).toBe(reasons.length);
    const errors = runLog.events(run.run.id, { kinds: ['camper-error'] });
    errors.forEach((event, index) => {
      expect(event.data).toMatchObject({ cycle: index + 1, error: { code: 'mcp_tool_error', message: `tool "fail" on MCP server "${connection.name}" answered with an error: refused: ${reasons[index]}` } });
    });
    const calls = runLog.events(run.run.id, { kinds: ['tool-call'] });
    expect(calls.map((event) => event.data)).toEqual(reasons.map((reason, index) => expect.objectContaining({ cycle: index + 1, status: 'error', result: `refused: ${reason}` })));
    const flow = torchFlowFromRunLog(runLog, run.run.id);
    expect(flow.torches.every((torch) => torch.error && torch.toolCalls?.[0]?.status === 'error')).toBe(true);
    runLog.close();
  });

  it('gives up on a tool that hangs after the timeout, and the connection still serves the next call', async () => {
    for (const timeoutMs of [150, 400]) {
      const camper = createMcpToolCamper('hanger', { server: connection, tool: 'hang', arguments: () => ({}), timeoutMs });
      const fire = new Campfire({ name: `hang-${timeoutMs}`, campers: [camper] });
      const started = performance.now();
      const result = await fire.cycle();
      const elapsed = performance.now() - started;
      expect(result.torch?.metadata).toMatchObject({ error: true, errorCode: 'mcp_tool_timeout' });
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 5);
      expect(elapsed).toBeLessThan(timeoutMs + 5000);
      const call = fire.recentEvents().find((event) => event.kind === 'tool-call');
      expect(call?.data).toMatchObject({ tool: 'hang', status: 'timeout', result: `tool "hang" on MCP server "${connection.name}" gave no answer within ${timeoutMs} ms` });
    }
    await expect(connection.callTool('word-count', { text: 'still here after a hang' })).resolves.toMatchObject({ status: 'ok', structured: { words: 5, longest: 'still' } });
  });

  it('puts the prompt into the tool\'s string argument when no arguments function is given, and names the tools when one is missing', async () => {
    const fire = new Campfire({ name: 'plain', inputs: ['in'], campers: [createMcpToolCamper('wc', { server: connection, tool: 'word-count' })] });
    for (const text of texts(99, 4)) {
      const result = await fire.cycle([{ channel: 'in', from: 'x', messageId: `m-${text.length}`, torch: { version: 1, claim: text, confidence: 1, metadata: {} } as never }]);
      expect(result.torch?.claim).toBe(`${expectedCount(text).words} words; longest: ${expectedCount(text).longest}`);
    }
    const missing = new Campfire({ name: 'missing', campers: [createMcpToolCamper('nope', { server: connection, tool: 'no-such-tool' })] });
    const result = await missing.cycle();
    expect(result.torch?.metadata).toMatchObject({ error: true, errorCode: 'mcp_tool_unknown' });
    expect(missing.recentEvents().find((event) => event.kind === 'camper-error')?.data).toMatchObject({ error: { message: expect.stringContaining('has no tool "no-such-tool"; it has: word-count, fail, hang') } });
  });

  it('refuses a camper without a tool or a server, naming the field', () => {
    expect(() => createMcpToolCamper('x', { server: stdioServer, tool: '' })).toThrow(/needs a tool name/);
    expect(() => createMcpToolCamper('x', { server: undefined as never, tool: 'echo' })).toThrow(/needs a server/);
  });
});

describe('the fixture server over streamable HTTP', () => {
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [TOOL_SERVER, '--http', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    url = await new Promise<string>((resolveUrl, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no URL from the tool server: ${text}`)), 15_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const found = /http:\/\/127\.0\.0\.1:\d+\/mcp/.exec(text);
        if (found) {
          clearTimeout(timer);
          resolveUrl(found[0]);
        }
      });
    });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('calls the tool by URL with the same results as over stdio', async () => {
    const camper = createMcpToolCamper('wc', { server: { url }, tool: 'word-count', arguments: ({ prompt }) => ({ text: prompt }) });
    const fire = new Campfire({ name: 'http-counter', inputs: ['in'], campers: [camper] });
    for (const text of texts(Date.now() % 5000, 5)) {
      const result = await fire.cycle([{ channel: 'in', from: 'x', messageId: `m-${text}`, torch: { version: 1, claim: text, confidence: 1, metadata: {} } as never }]);
      expect(result.torch?.claim).toBe(`${expectedCount(text).words} words; longest: ${expectedCount(text).longest}`);
    }
    expect(fire.recentEvents().filter((event) => event.kind === 'tool-call').every((event) => (event.data as { server: string }).server === url)).toBe(true);
    await camper.close();
  });
});

describe('a camper that calls `cf mcp` (the project\'s own MCP server)', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-mcp-cf-'));
  let store: CampfireStore;
  let operator: CampfireClient;

  beforeAll(() => {
    requireBuiltCf();
    store = CampfireStore.open(join(home, 'store.db'));
    operator = new CampfireClient(store, store.identity('operator'), { pollMs: 10 });
    store.createCampfire('digest', operator.identity);
  });
  afterAll(async () => {
    await operator?.close();
    store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('sends each cycle\'s torch to a campfire through cf mcp\'s campfire_send, and the campfire holds them in order', async () => {
    const claims = texts(Date.now() % 7777, 4);
    const sender = createMcpToolCamper('mcp-sender', {
      server: { command: process.execPath, args: [CF, 'mcp', '--campfire', 'digest'], env: { CAMPFIRES_HOME: home, CAMPFIRES_IDENTITY: 'pipeline-bot' }, name: 'cf mcp' },
      tool: 'campfire_send',
      arguments: ({ inputs }) => ({ payload: { claim: inputs[0]?.torch.claim ?? '' }, tags: ['digest'] }),
      toTorch: (result) => ({ claim: `sent ${String(result.structured?.message_id)}` }),
    });
    const runLog = SqliteRunLog.open(join(home, 'run.db'));
    const run = await new Pipeline({
      campfires: [
        new Campfire({ name: 'source', output: 'claims', campers: [createToolCamper('reader', ({ cycle }) => claims[cycle - 1] as string)] }),
        new Campfire({ name: 'forward', inputs: ['claims'], campers: [sender] }),
      ],
      runLog,
    }).run({ cycles: claims.length, display: false });
    await sender.close();
    const messages = operator.read('digest', { tags: ['digest'] });
    expect(messages.map((row) => row.message.payload)).toEqual(claims.map((claim) => ({ claim })));
    const calls = runLog.events(run.run.id, { kinds: ['tool-call'] });
    expect(calls.map((event) => (event.data as { server: string; status: string }).server + ':' + (event.data as { status: string }).status)).toEqual(claims.map(() => 'cf mcp:ok'));
    const sent = runLog.events(run.run.id, { kinds: ['torch-sent'], campfire: 'forward' }).map((event) => (event.data as { torch: { claim: string } }).torch.claim);
    expect(sent).toEqual(messages.map((row) => `sent ${row.message.id}`));
    runLog.close();
  });
});
