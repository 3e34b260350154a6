import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunLog, migrations } from 'campfires';

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
});
