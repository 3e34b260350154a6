import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RUN_HEARTBEAT_LEASE_MS, SqliteRunLog } from 'campfires';

const registerTs = resolve(__dirname, '..', '..', 'helpers', 'register-ts.js');
const sources = resolve(__dirname, '..', '..', '..', 'kernel-lib', 'src', 'index.ts');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'interrupted-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts runs in a child that then ends without finishing them (`exit`: a clean exit, `kill`: SIGKILL). */
function leaveRunsBehind(path: string, how: 'exit' | 'kill', kinds: string[]): void {
  const script = `
    require(${JSON.stringify(registerTs)});
    const { SqliteRunLog } = require(${JSON.stringify(sources)});
    const log = SqliteRunLog.open(${JSON.stringify(path)});
    for (const kind of ${JSON.stringify(kinds)}) {
      const run = log.startRun({ kind, name: kind + '-run', ts: 1000 });
      log.append(run.id, { kind: 'step', ts: 5000, data: { n: 1 } });
    }
    ${how === 'kill' ? "process.kill(process.pid, 'SIGKILL');" : 'process.exit(0);'}
  `;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(result.stderr).toBe('');
}

describe('a run whose process is gone', () => {
  it.each([
    ['killed', 'kill'],
    ['exited without ending its runs', 'exit'],
  ] as const)('reads as interrupted, ended at its last event, when its process %s', (_label, how) => {
    const path = join(dir, 'torch_log.db');
    const kinds = ['pipeline', 'simulation', 'conventions'];
    leaveRunsBehind(path, how, kinds);
    const log = SqliteRunLog.open(path);
    const runs = log.runs();
    expect(runs.map((run) => [run.kind, run.status, run.endedAt])).toEqual(kinds.map((kind) => [kind, 'interrupted', 5000]));
    // Stored, not just shown: a plain SQL reader sees it too.
    expect(log.database.prepare("SELECT COUNT(*) AS n FROM runs WHERE status = 'running'").get()).toEqual({ n: 0 });
    log.close();
  });

  it('keeps a run of a live process running, and a run it then ends keeps its own status', () => {
    const log = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const run = log.startRun({ kind: 'pipeline', name: 'live' });
    const other = SqliteRunLog.open(join(dir, 'torch_log.db'));
    expect(other.run(run.id).status).toBe('running');
    expect(log.endRun(run.id, 'completed').status).toBe('completed');
    expect(other.run(run.id).status).toBe('completed');
    other.close();
    log.close();
  });

  it.each([
    ['a pid that no longer exists on this machine', (owner: Record<string, unknown>) => ({ ...owner, pid: 2 ** 22 + 7 }), 'interrupted'],
    ['an earlier boot of this machine', (owner: Record<string, unknown>) => ({ ...owner, boot: 'an-earlier-boot' }), 'interrupted'],
    ['this pid, started at another time (reused)', (owner: Record<string, unknown>) => ({ ...owner, start: owner.start === null ? null : '1' }), 'running'],
    ['another host, heartbeat within the lease', (owner: Record<string, unknown>) => ({ ...owner, host: 'elsewhere' }), 'running'],
  ])('judges an owner that is %s', (_label, change, expected) => {
    const log = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const run = log.startRun({ kind: 'pipeline', name: 'p' });
    const row = log.database.prepare('SELECT owner FROM runs WHERE id = ?').get(run.id) as { owner: string };
    const owner = change(JSON.parse(row.owner) as Record<string, unknown>);
    log.database.prepare('UPDATE runs SET owner = ? WHERE id = ?').run(JSON.stringify(owner), run.id);
    // "Reused" only tells on systems that record a start time; the same pid and start is this very process.
    const status = _label.includes('reused') && owner.start !== null ? 'interrupted' : expected;
    expect(SqliteRunLog.open(join(dir, 'torch_log.db')).run(run.id).status).toBe(status);
    log.close();
  });

  it('takes a run of another host as interrupted once its heartbeat is older than the lease', () => {
    const log = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const run = log.startRun({ kind: 'pipeline', name: 'p' });
    log.database.prepare("UPDATE runs SET owner = json_set(owner, '$.host', 'elsewhere') WHERE id = ?").run(run.id);
    log.heartbeat(run.id, Date.now() - RUN_HEARTBEAT_LEASE_MS + 60_000);
    expect(log.run(run.id).status).toBe('running');
    log.heartbeat(run.id, Date.now() - RUN_HEARTBEAT_LEASE_MS - 1);
    expect(log.run(run.id).status).toBe('interrupted');
    log.close();
  });
});
