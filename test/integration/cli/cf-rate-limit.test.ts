import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CF, cf, requireBuiltCf } from './cf-process';

/** Runs `cf` without waiting for it, so several run at the same time on one store. */
function cfAsync(home: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CF, ...args], { env: { ...process.env, CAMPFIRES_HOME: home, CAMPFIRES_IDENTITY: 'default' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('cf rate limits across processes', () => {
  const home = mkdtempSync(join(tmpdir(), 'campfires-cf-limit-'));
  beforeAll(() => {
    requireBuiltCf();
    const declaration = join(home, 'page-oncall.json');
    writeFileSync(
      declaration,
      JSON.stringify({
        convention: 'paging',
        version: '1.0',
        operation: 'page-oncall',
        signing: 'member_key',
        description: 'Page the on-call engineer',
        response: 'none',
        rate_limit: { max: 2, per: 'campfire_id', window: '1h' },
        args: [{ name: 'reason', type: 'string', required: true, max_length: 200 }],
      }),
    );
    expect(cf(home, ['create', 'alerts']).code).toBe(0);
    expect(cf(home, ['convention', 'promote', declaration, '--registry', 'alerts']).code).toBe(0);
  }, 60_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('lets exactly 2 of 6 parallel cf processes send an operation limited to max 2, and tells the other 4 why', async () => {
    const runs = await Promise.all(Array.from({ length: 6 }, (_, index) => cfAsync(home, ['alerts', 'page-oncall', '--reason', `disk full on node ${index}`])));
    const sent = runs.filter((run) => run.code === 0);
    const refused = runs.filter((run) => run.code !== 0);
    expect(sent).toHaveLength(2);
    expect(refused).toHaveLength(4);
    for (const run of refused) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: rate limit exceeded: max 2 per 1h \(page-oncall, counted per campfire_id\); try again after \d{4}-\d\d-\d\dT\d\d:00:00\.000Z\n$/);
    }
    // What reached the campfire: exactly the two pages that were let through.
    const pages = cf(home, ['read', 'alerts', '--tag', 'paging:page-oncall', '--json']).stdout.trim().split('\n');
    expect(pages).toHaveLength(2);
    const reasons = pages.map((line) => (JSON.parse(line) as { payload: { reason: string } }).payload.reason);
    expect(new Set(reasons).size).toBe(2);
    for (const reason of reasons) expect(reason).toMatch(/^disk full on node \d$/);
  }, 120_000);
});
