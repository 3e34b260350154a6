import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CampfireStore, ValidationError, joinCampfire, lintDeclaration, promoteDeclaration, testDeclaration, CampfireClient } from 'campfires';
import { ConventionsMcpServer } from 'campfires/mcp';
import { cf, requireBuiltCf } from '../cli/cf-process';

const declarationPath = resolve(__dirname, '../../../fixtures/conventions/moderation-queue/flag-post.json');

describe('one declaration, from lint to a live operation with identical validation in a cell, the CLI and MCP', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-identical-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('refuses the same bad call with the same problems everywhere', async () => {
    requireBuiltCf();
    const declaration: unknown = JSON.parse(readFileSync(declarationPath, 'utf8'));
    expect(lintDeclaration(declaration).valid).toBe(true);
    expect((await testDeclaration(declaration)).status).toBe('PASS');
    const store = CampfireStore.open(join(home, 'store.db'));
    const operator = new CampfireClient(store, store.identity('default'));
    store.createCampfire('queue', operator.identity);
    expect((await promoteDeclaration(operator, 'queue', declaration)).status).toBe('promoted');

    const expected = ['post_id must be a message id (got "not an id")', 'reason must be one of reason:spam, reason:abuse, reason:off-topic (got "rude")', 'note is 300 bytes; at most 280 bytes allowed'];
    const bad = { post_id: 'not an id', reason: 'rude', note: 'n'.repeat(300) };

    const session = await joinCampfire({ campfire: 'queue', store, identity: 'analyst' });
    const cellError = (await session.ops.flagPost!(bad).catch((error: unknown) => error)) as ValidationError;
    expect(cellError.issues.map((issue) => issue.message)).toEqual(expected);

    const mcp = new ConventionsMcpServer(session.client);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.server.connect(serverSide);
    const client = new Client({ name: 'identical', version: '1.0.0' });
    await client.connect(clientSide);
    await client.callTool({ name: 'campfire_join', arguments: { campfire: 'queue' } });
    const mcpResult = (await client.callTool({ name: 'flag-post', arguments: bad })) as unknown as { isError: boolean; structuredContent: { problems: string[] } };
    expect(mcpResult.isError).toBe(true);
    expect(mcpResult.structuredContent.problems).toEqual(expected);
    await client.close();

    const before = store.lastSeq();
    const run = cf(home, ['queue', 'flag-post', '--post-id', bad.post_id, '--reason', bad.reason, '--note', bad.note]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(['error: convention_args_invalid: 3 problems', ...expected.map((problem) => `  - ${problem}`), ''].join('\n'));
    expect(store.lastSeq()).toBe(before);

    // The six flag-post calls below must fall in one fixed 1h window.
    // The CLI's short suffix expands "spam" to "reason:spam"; the cell and MCP take the declared value.
    const toNextHour = 3_600_000 - (Date.now() % 3_600_000);
    if (toNextHour < 60_000) await new Promise((wait) => setTimeout(wait, toNextHour + 100));
    const good = cf(home, ['queue', 'flag-post', '--post-id', 'msg_1', '--reason', 'spam', '--no-wait', '--json']);
    expect(JSON.parse(good.stdout)).toMatchObject({ status: 'dispatched', tags: ['moderation:flag', 'reason:spam', 'future'], args: { reason: 'reason:spam' } });

    // flag-post allows 5 per hour per sender; each cf is a fresh process, so the count lives in the store.
    for (let call = 2; call <= 5; call += 1) expect(cf(home, ['queue', 'flag-post', '--post-id', `msg_${call}`, '--reason', 'abuse', '--no-wait']).code).toBe(0);
    const limited = cf(home, ['queue', 'flag-post', '--post-id', 'msg_6', '--reason', 'abuse', '--no-wait']);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/^error: rate limit exceeded: max 5 per 1h \(flag-post, counted per sender\); try again after /);
    // Another sender (the cell's identity) still has its own budget.
    await expect(session.ops.flagPost!({ postId: 'msg_7', reason: 'reason:spam' }, { wait: false })).resolves.toMatchObject({ status: 'dispatched' });
    await session.close();
    await operator.close();
    store.close();
  }, 180_000);
});
