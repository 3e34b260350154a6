import { inspect } from 'node:util';
import { SqliteRunLog } from 'campfires';

describe('SqliteRunLog in a notebook', () => {
  it('summarises itself in one line and lists its newest runs', () => {
    const log = SqliteRunLog.open(':memory:');
    expect(inspect(log)).toBe('SqliteRunLog :memory:: schema v4, 0 runs');
    const first = log.startRun({ kind: 'pipeline', name: 'live-alert' });
    log.startRun({ kind: 'simulation', name: 'council' });
    expect(inspect(log)).toBe('SqliteRunLog :memory:: schema v4, 2 runs (1 pipeline, 1 simulation)');
    const bundle = log.toMimeBundle();
    expect(String(bundle['text/html'])).toContain(`<td>${first.id}</td><td>pipeline</td><td>live-alert</td><td>running</td>`);
    expect(String(bundle['text/plain']).split('\n')[2]).toContain(`${first.id}  pipeline  live-alert  running`);
    log.close();
    expect(inspect(log)).toBe('SqliteRunLog :memory: (closed)');
  });
});
