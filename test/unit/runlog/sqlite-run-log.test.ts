import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ManualClock, RateLimiter, SqliteRunLog, modelRateLimit } from 'campfires';
import { migrations } from 'campfires/runlog';

describe('SqliteRunLog', () => {
  it('appends events to a run and reads them back in order', () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'pipeline', name: 'live-alert' });
    log.append(run.id, { kind: 'torch-sent', campfire: 'scrape', channel: 'headlines', data: { claim: 'blackout' } });
    log.append(run.id, { kind: 'torch-received', campfire: 'sentiment', channel: 'headlines' });
    const events = log.events(run.id);
    expect(events.map((event) => [event.kind, event.campfire])).toEqual([
      ['torch-sent', 'scrape'],
      ['torch-received', 'sentiment'],
    ]);
    expect(events[0]?.data).toEqual({ claim: 'blackout' });
    expect(log.endRun(run.id, 'completed').status).toBe('completed');
    log.close();
  });

  it('names the run when appending to one that does not exist', () => {
    const log = SqliteRunLog.open(':memory:');
    expect(() => log.append('run_missing', { kind: 'x' })).toThrow(/no run "run_missing"/);
  });

  it('opens a run log written before counts moved out: runs replay and their counts carry on in the counter store', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'runlog-')), 'torch_log.db');
    // A file as the previous version left it: schema 2, with its own counters table.
    const old = new Database(file);
    old.exec(migrations[0] as string);
    old.exec(migrations[1] as string);
    old.pragma('user_version = 2');
    old.prepare("INSERT INTO runs (id, kind, name, status, started_at, meta) VALUES ('run_old', 'simulation', 'harvest', 'interrupted', 1000, '{}')").run();
    old.prepare("INSERT INTO events (run_id, ts, kind, data) VALUES ('run_old', 1001, 'turn-end', '{\"turn\":1}')").run();
    const minute = Date.UTC(2026, 0, 1, 9, 0, 0);
    old.prepare('INSERT INTO counters (key, window_start, count) VALUES (?, ?, ?)').run('ratelimit:openrouter:minute', minute, 3);
    old.close();

    const log = SqliteRunLog.open(file);
    expect(log.schemaVersion).toBe(migrations.length);
    expect(log.run('run_old').status).toBe('interrupted');
    expect(log.events('run_old').map((event) => [event.kind, event.data])).toEqual([['turn-end', { turn: 1 }]]);
    expect(log.database.prepare("SELECT name FROM sqlite_master WHERE name = 'counters'").get()).toBeUndefined();
    const limiter = new RateLimiter({ counters: log, clock: new ManualClock(minute + 5_000) });
    await expect(limiter.take(modelRateLimit('openrouter', { perMinute: 3 }))).rejects.toThrow('the limit of 3 requests per minute is used up');
    // Appending to the old run goes on where it stopped.
    expect(log.append('run_old', { kind: 'turn-end', data: { turn: 2 } }).seq).toBe(2);
    log.close();
  });

  it('refuses a file written by a newer library, naming both versions', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'runlog-')), 'torch_log.db');
    const newer = new Database(file);
    newer.pragma(`user_version = ${migrations.length + 1}`);
    newer.close();
    expect(() => SqliteRunLog.open(file)).toThrow(`run log ${file} is at schema version ${migrations.length + 1}, newer than this library knows (${migrations.length}); upgrade campfires to read it`);
  });

  it('reads back what it wrote, and names an event or run whose JSON was changed outside it', () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'simulation', name: 'harvest', meta: { config: { turns: [1, 2.5, -3], nested: { ok: true, none: null } } } });
    const data = { state: { resource_level: 40, stability: 55 }, reasons: ['a', 'b'], big: 1.7976931348623157e308 };
    const [event] = log.appendMany(run.id, [{ kind: 'action-applied', data }]);
    expect(log.events(run.id)[0]?.data).toEqual(data);
    expect(log.run(run.id).meta).toEqual({ config: { turns: [1, 2.5, -3], nested: { ok: true, none: null } } });
    // A number too large for a double, written into the file by another program, reads as Infinity: refused by name.
    log.database.prepare('UPDATE events SET data = ? WHERE seq = ?').run('{"state": {"resource_level": 1e400}}', event?.seq);
    expect(() => log.events(run.id)).toThrow(new RegExp(`run log event ${event?.seq}`));
    log.database.prepare('UPDATE runs SET meta = ? WHERE id = ?').run('[1, 2]', run.id);
    expect(() => log.run(run.id)).toThrow(new RegExp(`run ${run.id} meta`));
    log.close();
  });
});
