import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createChannelBus, SqliteRunLog, torchFlowFromRunLog } from 'campfires';
import { servePipelineChannelsHttp } from 'campfires/mcp';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';
import { CF, requireBuiltCf } from '../cli/cf-process';

// A pipeline runs in another process on a real redis-server; an MCP client joins it through
// `cf mcp --pipeline` (stdio) and through the library's HTTP endpoint.
jest.setTimeout(120_000);

type ToolResult = { isError?: boolean; structuredContent?: Record<string, any> };
type Torch = { seq: number; from: string; claim: string; message_id: string };

let redis: RedisServer;
let dir: string;
let pipeline: ChildProcess;
let pipelineOutput = '';
let busUrl: string;
const log = () => join(dir, 'torch_log.db');

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; pipeline said: ${pipelineOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

async function journal(client: Client): Promise<Torch[]> {
  return (await call(client, 'channel_read', { channel: 'journal', limit: 200 })).structuredContent?.torches as Torch[];
}

beforeAll(async () => {
  requireBuiltCf();
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'campfires-mcp-channels-'));
  busUrl = `${redis.url}?prefix=mcp${process.pid}&block=100`;
  pipeline = spawn(process.execPath, [join(__dirname, 'fixtures', 'channel-pipeline.js')], {
    env: { ...process.env, CHANNEL_BUS: busUrl, RUN_LOG: log(), STOP_FILE: join(dir, 'stop') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pipeline.stdout?.on('data', (chunk: Buffer) => (pipelineOutput += chunk.toString()));
  pipeline.stderr?.on('data', (chunk: Buffer) => (pipelineOutput += chunk.toString()));
  // Live: the scribe has written to the journal, so it is subscribed to its channels.
  await until('the pipeline to run', () => {
    if (!existsSync(log())) return undefined;
    const reader = SqliteRunLog.open(log());
    try {
      const run = reader.runs({ kind: 'pipeline' })[0];
      return run && reader.events(run.id, { kinds: ['torch-sent'], campfire: 'scribe' }).length > 0 ? run : undefined;
    } finally {
      reader.close();
    }
  });
});

afterAll(async () => {
  if (pipeline && pipeline.exitCode === null) pipeline.kill('SIGKILL');
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a running pipeline\'s channels over MCP', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ name: 'ide-assistant', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [CF, 'mcp', '--pipeline', log(), '--bus', busUrl, '--grant', 'ide:notes', '--grant', 'reviewer:notes,ticks'], stderr: 'pipe' }),
    );
  });
  afterAll(async () => {
    await client?.close();
  });

  it('lists the channels with their writers, listeners and grants', async () => {
    const listed = await call(client, 'pipeline_channels');
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent?.run).toMatchObject({ name: 'channels-demo', status: 'running' });
    const byName = Object.fromEntries((listed.structuredContent?.channels as { name: string }[]).map((channel) => [channel.name, channel]));
    expect(Object.keys(byName)).toEqual(['journal', 'notes', 'ticks']);
    expect(byName.ticks).toMatchObject({ from: ['ticker'], to: ['scribe'], granted: ['reviewer'] });
    expect(byName.notes).toMatchObject({ from: [], to: ['scribe'], granted: ['ide', 'reviewer'] });
    expect(byName.journal).toMatchObject({ from: ['scribe'], to: [], granted: [] });
    expect((byName.journal as { torches: number }).torches).toBeGreaterThan(0);
  });

  it('delivers torches sent as a granted outside campfire to the pipeline in the other process, in order', async () => {
    const notes = Array.from({ length: 6 }, (_, index) => `note ${index + 1} at ${Date.now().toString(36)}`);
    for (const note of notes) {
      const sent = await call(client, 'channel_send', { campfire: 'ide', channel: 'notes', claim: note, confidence: 0.7 });
      expect(sent.structuredContent).toMatchObject({ status: 'ok', campfire: 'ide', channel: 'notes', message_id: expect.stringMatching(/^msg_/) });
    }
    const heard = await until('the scribe to hear every note', async () => {
      const found = (await journal(client)).filter((torch) => torch.claim.startsWith('heard ide: '));
      return found.length >= notes.length ? found : undefined;
    });
    expect(heard.map((torch) => torch.claim)).toEqual(notes.map((note) => `heard ide: ${note}`));
    const onNotes = (await call(client, 'channel_read', { channel: 'notes' })).structuredContent?.torches as (Torch & { confidence: number; torchbearer: string })[];
    expect(onNotes.map((torch) => [torch.from, torch.torchbearer, torch.claim, torch.confidence])).toEqual(notes.map((note) => ['ide', 'mcp', note, 0.7]));
  });

  it('refuses a sender on a channel it was not granted, an unknown sender and one posing as the pipeline\'s campfire; none of them reaches the pipeline', async () => {
    const attempts = [
      { campfire: 'ide', channel: 'ticks', reason: 'it was granted only "notes"' },
      { campfire: 'stranger', channel: 'notes', reason: 'it was granted no channel; outside campfires granted: ide, reviewer' },
      { campfire: 'ticker', channel: 'ticks', reason: 'it is one of the pipeline\'s own campfires' },
      { campfire: 'scribe', channel: 'notes', reason: 'it is one of the pipeline\'s own campfires' },
    ];
    for (const attempt of attempts) {
      const refused = await call(client, 'channel_send', { campfire: attempt.campfire, channel: attempt.channel, claim: `forged by ${attempt.campfire}` });
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent).toMatchObject({ status: 'refused', code: 'not_granted', error: expect.stringContaining(`campfire "${attempt.campfire}" may not send on channel "${attempt.channel}": ${attempt.reason}`) });
    }
    // A granted send after them is heard; the refused ones never are.
    await call(client, 'channel_send', { campfire: 'reviewer', channel: 'ticks', claim: 'reviewed' });
    await until('the reviewer\'s torch', async () => ((await journal(client)).some((torch) => torch.claim === 'heard reviewer: reviewed') ? true : undefined));
    expect((await journal(client)).filter((torch) => torch.claim.includes('forged'))).toEqual([]);
    const bad = await call(client, 'channel_send', { campfire: 'ide', channel: 'notes', claim: '' });
    expect(bad.structuredContent).toMatchObject({ status: 'invalid', code: expect.any(String) });
  });

  it('serves the same channels over streamable HTTP from the library, and the run log\'s torch flow shows the outside campfire', async () => {
    const bus = createChannelBus(busUrl);
    const runLog = SqliteRunLog.open(log());
    const endpoint = await servePipelineChannelsHttp({ bus, runLog, grants: { notebook: ['notes'] } });
    const http = new Client({ name: 'other-notebook', version: '1.0.0' });
    await http.connect(new StreamableHTTPClientTransport(new URL(endpoint.url)));
    try {
      const sent = await call(http, 'channel_send', { campfire: 'notebook', channel: 'notes', claim: 'from another notebook' });
      expect(sent.structuredContent).toMatchObject({ status: 'ok', cycle: 1 });
      await until('the notebook\'s torch', async () => ((await journal(http)).some((torch) => torch.claim === 'heard notebook: from another notebook') ? true : undefined));
      expect((await call(http, 'channel_send', { campfire: 'ide', channel: 'notes', claim: 'x' })).structuredContent).toMatchObject({ status: 'refused' });
    } finally {
      await http.close();
      await endpoint.close();
      await bus.close();
    }
    writeFileSync(join(dir, 'stop'), '');
    const code = await new Promise<number | null>((resolve) => (pipeline.exitCode !== null ? resolve(pipeline.exitCode) : pipeline.once('exit', resolve)));
    expect(code).toBe(0);
    expect(pipelineOutput).toMatch(/done run_\S+ completed/);
    const run = runLog.runs({ kind: 'pipeline' })[0]!;
    const flow = torchFlowFromRunLog(runLog, run.id);
    expect(flow.campfires.map((campfire) => campfire.name)).toEqual(expect.arrayContaining(['ticker', 'scribe', 'ide', 'reviewer', 'notebook']));
    const fromIde = flow.torches.filter((torch) => torch.from === 'ide');
    expect(fromIde).toHaveLength(6);
    expect(fromIde.every((torch) => torch.channel === 'notes' && torch.to.includes('scribe'))).toBe(true);
    runLog.close();
  });
});
