import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { CampfireClient, CampfireStore, ConventionServer, ValidationError, joinCampfire, listOperations, promoteDeclaration } from 'campfires';
import { serveMcpHttp } from 'campfires/mcp';
import { CF, requireBuiltCf } from '../cli/cf-process';

const fixtures = resolve(__dirname, '../../../fixtures/conventions');
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(fixtures, path), 'utf8'));
type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

describe('cf mcp over stdio, driven by the SDK client', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-mcp-'));
  let store: CampfireStore;
  let operator: CampfireClient;
  let server: ConventionServer;
  let client: Client;
  let listChanged = 0;

  beforeAll(async () => {
    requireBuiltCf();
    store = CampfireStore.open(join(home, 'store.db'));
    operator = new CampfireClient(store, store.identity('operator'), { pollMs: 10 });
    store.createCampfire('tasks', operator.identity);
    for (const file of ['task-runner/submit-result.json', 'task-runner/post-task.json', 'torch-relay/relay-torch.json']) await promoteDeclaration(operator, 'tasks', fixture(file));
    await promoteDeclaration(operator, 'tasks', { convention: 'review-board', version: '1.0', operation: 'submit-result', signing: 'member_key', description: 'Submit a review', response: 'async' });
    await promoteDeclaration(operator, 'tasks', {
      convention: 'health',
      version: '1.0',
      operation: 'ping',
      signing: 'member_key',
      description: `Ping the campfire and wait for somebody to answer; ${'a very long explanation '.repeat(6)}`,
      response: 'sync',
      response_timeout: '1s',
    });
    server = new ConventionServer(operator, listOperations(operator, 'tasks').map((entry) => entry.parsed).filter((parsed) => parsed.declaration.convention === 'task-runner'));
    server.registerHandler('submit-result', async (request) => ({ payload: { accepted: request.args.result } }));
    await server.serve('tasks');
    client = new Client({ name: 'campfires-test', version: '1.0.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void (listChanged += 1));
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CF, 'mcp'], env: { ...process.env, CAMPFIRES_HOME: home, CAMPFIRES_IDENTITY: 'agent' } as Record<string, string> }));
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await operator?.close();
    store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const call = async (name: string, args: Record<string, unknown>): Promise<ToolResult> => (await client.callTool({ name, arguments: args })) as ToolResult;

  it('starts with the base tools, and joining registers one tool per operation', async () => {
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['campfire_join', 'campfire_read', 'campfire_send']);
    const joined = await call('campfire_join', { campfire: 'tasks' });
    expect(joined.structuredContent).toMatchObject({ status: 'ok', campfire: 'tasks', campfire_id: store.campfire('tasks').id });
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toEqual(['campfire_join', 'campfire_read', 'campfire_send', 'task_runner_submit-result', 'post-task', 'relay-torch', 'review_board_submit-result', 'ping']);
    await new Promise((wait) => setTimeout(wait, 100));
    expect(listChanged).toBeGreaterThanOrEqual(1);
  });

  it('generates descriptions and input schemas per the reference', async () => {
    const tools = Object.fromEntries((await client.listTools()).tools.map((tool) => [tool.name, tool]));
    expect(tools['task_runner_submit-result']?.description).toBe('Submit a task result Returns response directly.');
    expect(tools['review_board_submit-result']?.description).toBe('Submit a review Returns message ID.');
    expect(tools['relay-torch']?.description).toBe('Hand a torch from one campfire to the next one downstream');
    const ping = tools.ping?.description as string;
    expect(Buffer.byteLength(ping)).toBeLessThanOrEqual(120);
    expect(ping).toMatch(/\.\.\. Returns response directly\.$/);
    const post = tools['post-task']?.inputSchema as { properties: Record<string, Record<string, unknown>>; required: string[] };
    expect(post.required).toEqual(['title']);
    expect(post.properties).toMatchObject({
      title: { type: 'string', maxLength: 200 },
      priority: { type: 'string', enum: ['priority:low', 'priority:normal', 'priority:high'], default: 'priority:normal' },
      deadline: { type: 'string', pattern: '^\\d+[smhd]$' },
      labels: { type: 'array', items: { type: 'string' } },
      assignee: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
      campfire_id: { type: 'string' },
    });
    const relay = tools['relay-torch']?.inputSchema as { properties: Record<string, Record<string, unknown>> };
    expect(relay.properties.topic).toEqual({ type: 'array', items: { type: 'string', maxLength: 32, pattern: '^(?:[a-z][a-z0-9-]*)$' }, maxItems: 3 });
    expect(relay.properties.confidence).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
  });

  it('returns the same validation problems as a notebook cell, as an MCP error, and sends nothing', async () => {
    const bad = { result: 'x'.repeat(2000), status: 'done', attempts: 0 };
    const before = store.lastSeq();
    const result = await call('task_runner_submit-result', bad);
    expect(result.isError).toBe(true);
    const session = await joinCampfire({ campfire: 'tasks', store, identity: 'analyst' });
    const cellError = (await session.ops.taskRunnerSubmitResult!(bad).catch((error: unknown) => error)) as ValidationError;
    await session.close();
    expect(Object.keys(session.ops)).toEqual(['taskRunnerSubmitResult', 'postTask', 'relayTorch', 'reviewBoardSubmitResult', 'ping']);
    expect(result.structuredContent).toMatchObject({ status: 'invalid', code: 'convention_args_invalid', problems: cellError.issues.map((issue) => issue.message) });
    expect((result.structuredContent?.problems as string[])[0]).toBe('missing required arg "task_id"');
    expect(store.lastSeq()).toBe(before);
  });

  it('returns results per response mode, each with a guide', async () => {
    const posted = await call('post-task', { title: 'Summarise', priority: 'priority:high' });
    expect(posted.structuredContent).toMatchObject({ status: 'dispatched', message_id: expect.stringMatching(/^msg_/), guide: expect.stringContaining('fulfills') });
    const taskId = posted.structuredContent?.message_id as string;
    const submitted = await call('task_runner_submit-result', { task_id: taskId, result: 'done', status: 'ok' });
    expect(submitted.structuredContent).toEqual({ status: 'ok', response: { accepted: 'done' }, message_id: expect.any(String), guide: 'The handler replied; use response.' });
    const relayed = await call('relay-torch', { claim: 'storm ahead', confidence: 80, to_campfire: 'tasks', topic: ['weather'] });
    expect(relayed.structuredContent).toMatchObject({ status: 'ok', message_id: expect.any(String), guide: 'Sent; this operation expects no reply.' });
    const pinged = await call('ping', {});
    expect(pinged.structuredContent).toMatchObject({ status: 'timeout', message_id: expect.any(String), guide: expect.stringContaining('No reply within the timeout') });
  });

  it('reads and sends raw messages', async () => {
    const sent = await call('campfire_send', { payload: { note: 'raw' }, tags: ['debug'] });
    expect(sent.structuredContent).toMatchObject({ status: 'ok', message_id: expect.any(String) });
    const read = await call('campfire_read', { tags: ['debug'] });
    expect(read.structuredContent?.messages).toEqual([expect.objectContaining({ id: sent.structuredContent?.message_id, payload: { note: 'raw' }, verified: true })]);
  });
});

describe('MCP over streamable HTTP on loopback', () => {
  it('joins and calls an operation in a session', async () => {
    const home = mkdtempSync(join(tmpdir(), 'campfires-mcp-http-'));
    const store = CampfireStore.open(join(home, 'store.db'));
    const agent = new CampfireClient(store, store.identity('agent'), { pollMs: 10 });
    store.createCampfire('queue', agent.identity);
    await promoteDeclaration(agent, 'queue', fixture('moderation-queue/review-decision.json'));
    const endpoint = await serveMcpHttp(agent, { port: 0 });
    const client = new Client({ name: 'campfires-http-test', version: '1.0.0' });
    try {
      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      await client.connect(new StreamableHTTPClientTransport(new URL(endpoint.url)));
      await client.callTool({ name: 'campfire_join', arguments: { campfire: 'queue' } });
      const result = (await client.callTool({ name: 'review-decision', arguments: { flag_id: 'msg_1', decision: 'hide', labels: ['spam'] } })) as ToolResult;
      expect(result.structuredContent).toMatchObject({ status: 'dispatched' });
      const invalid = (await client.callTool({ name: 'review-decision', arguments: { flag_id: 'msg_1', decision: 'burn' } })) as ToolResult;
      expect(invalid.structuredContent?.problems).toEqual(['decision must be one of keep, hide, remove (got "burn")']);
    } finally {
      await client.close();
      await endpoint.close();
      await agent.close();
      store.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
