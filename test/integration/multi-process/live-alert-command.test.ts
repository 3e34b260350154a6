import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunLog } from 'campfires';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

// The demo as users run it (`npm run demo -- --bus redis://...`): the built example, which
// starts one process per campfire itself.
const repository = join(__dirname, '..', '..', '..');
const script = join(repository, 'kernel-lib', 'dist', 'examples', 'live-alert.js');

let redis: RedisServer;
let directory: string;

function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: directory });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

const alertOf = (stdout: string) => /^ALERT: .*$/m.exec(stdout)?.[0];

beforeAll(async () => {
  const built = spawnSync(process.execPath, [join(repository, 'kernel-lib', 'scripts', 'ensure-built.js')], { cwd: repository, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`could not build kernel-lib: ${built.stderr}`);
  redis = await startRedisServer();
  directory = mkdtempSync(join(tmpdir(), 'campfires-demo-'));
}, 300_000);

afterAll(async () => {
  await redis?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

describe('the live-alert command with --bus redis://', () => {
  it('runs each campfire in its own process and prints the same alert as one process', async () => {
    const one = await cli('--cycles', '2', '--log', 'one.db');
    const many = await cli('--cycles', '2', '--log', 'many.db', '--bus', redis.url);
    expect(one.status).toBe(0);
    expect(many.status).toBe(0);
    expect(many.stdout).toContain(`each campfire in its own process, over the bus at ${redis.url}`);
    expect(alertOf(many.stdout)).toBeDefined();
    expect(alertOf(many.stdout)).toBe(alertOf(one.stdout));
    expect(many.stdout).toContain('2 cycle(s), 8 torches, 6 handoffs across 4 processes');
  }, 120_000);

  it('keeps the Party Box in Redis too, when --party-box names it', async () => {
    const one = await cli('--log', 'one-box.db');
    const many = await cli('--log', 'many-box.db', '--bus', redis.url, '--party-box', `${redis.url}?prefix=demo:box`);
    expect(many.status).toBe(0);
    expect(alertOf(many.stdout)).toBe(alertOf(one.stdout));
    const log = SqliteRunLog.open(join(directory, 'many-box.db'));
    const sentiment = log.events(log.runs({ name: 'live-alert' })[0]?.id as string, { campfire: 'sentiment', kinds: ['torch-sent'] })[0];
    log.close();
    expect((sentiment?.data as { torch: { url?: string } }).torch.url).toMatch(new RegExp(`^${redis.url}/demo:box/documents/[0-9a-f]{16}\\.json$`));
  }, 120_000);

  it('says why a bus that cannot span processes will not do', async () => {
    const bad = await cli('--bus', 'http://127.0.0.1:1');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('bus: "http:" is not a channel bus backend (got "http://127.0.0.1:1")');
  }, 60_000);
});
