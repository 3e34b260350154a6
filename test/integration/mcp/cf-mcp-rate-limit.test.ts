import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CampfireClient, CampfireStore, promoteDeclaration } from 'campfires';
import { CF, requireBuiltCf } from '../cli/cf-process';

type ToolResult = { isError?: boolean; structuredContent?: Record<string, unknown> };

describe('cf mcp under concurrent tool calls', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-mcp-limit-'));
  let store: CampfireStore;
  let operator: CampfireClient;
  let client: Client;

  beforeAll(async () => {
    requireBuiltCf();
    store = CampfireStore.open(join(home, 'store.db'));
    operator = new CampfireClient(store, store.identity('operator'), { pollMs: 10 });
    store.createCampfire('alerts', operator.identity);
    await promoteDeclaration(operator, 'alerts', {
      convention: 'paging',
      version: '1.0',
      operation: 'page-oncall',
      signing: 'member_key',
      description: 'Page the on-call engineer',
      response: 'none',
      rate_limit: { max: 3, per: 'sender', window: '1h' },
      args: [{ name: 'reason', type: 'string', required: true, max_length: 200 }],
    });
    client = new Client({ name: 'campfires-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CF, 'mcp'], env: { ...process.env, CAMPFIRES_HOME: home, CAMPFIRES_IDENTITY: 'agent' } as Record<string, string> }));
    await client.callTool({ name: 'campfire_join', arguments: { campfire: 'alerts' } });
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await operator?.close();
    store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lets exactly 3 of 10 concurrent calls to an operation declared max 3 per 1h through, and refuses 7 with a rate-limit error', async () => {
    const pagesBefore = operator.read('alerts', { tags: ['paging:page-oncall'] }).length;
    const results = (await Promise.all(
      Array.from({ length: 10 }, (_, index) => client.callTool({ name: 'page-oncall', arguments: { reason: `disk full on node ${index}` } })),
    )) as ToolResult[];
    const sent = results.filter((result) => !result.isError);
    const refused = results.filter((result) => result.isError);
    expect(sent).toHaveLength(3);
    for (const result of sent) expect(result.structuredContent).toMatchObject({ status: 'ok', message_id: expect.stringMatching(/^msg_/) });
    expect(refused).toHaveLength(7);
    for (const result of refused) {
      expect(result.structuredContent).toMatchObject({
        status: 'rate_limited',
        code: 'rate_limited',
        error: expect.stringMatching(/^rate limit exceeded: max 3 per 1h \(page-oncall, counted per sender\); try again after \d{4}-\d\d-\d\dT/),
        retry_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/),
        guide: expect.stringContaining('rate limit is used up'),
      });
    }
    // What reached the campfire: exactly the three pages that were let through.
    expect(operator.read('alerts', { tags: ['paging:page-oncall'] }).length - pagesBefore).toBe(3);
  });
});
