import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunLog } from 'campfires';
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

  it('keeps counters across reopening the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'runlog-')), 'torch_log.db');
    const first = SqliteRunLog.open(file);
    first.increment('openrouter:day', 1000);
    first.increment('openrouter:day', 1000, 2);
    first.close();
    const second = SqliteRunLog.open(file);
    expect(second.count('openrouter:day', 1000)).toBe(3);
    expect(second.schemaVersion).toBe(migrations.length);
    second.close();
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
