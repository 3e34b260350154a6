import { ManualClock, RunRecorder, SqliteRunLog, type RunEvent } from 'campfires';

/** Lets the engine wait once: whatever was set to run when it waits runs first. */
const waitForTheEngineToWait = () => new Promise((resolve) => setImmediate(resolve));

describe('RunRecorder', () => {
  it('writes events in order with the time they happened, and tells listeners once they are in the log', () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'simulation', name: 'council' });
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const recorder = new RunRecorder(log, run.id, clock);
    const told: RunEvent[] = [];
    recorder.listen((event) => told.push(event));
    recorder.record({ kind: 'action-applied', camper: 'Ada', ts: Date.UTC(2026, 0, 1) - 5 });
    clock.advance(7);
    recorder.recordAll([{ kind: 'model-attempt', camper: 'agent:Bo' }, { kind: 'action-applied', camper: 'Bo' }]);
    expect(log.events(run.id)).toEqual([]);
    recorder.flush();
    expect(log.events(run.id).map((event) => `${event.seq} ${event.kind} ${event.camper} +${event.ts - Date.UTC(2026, 0, 1)}`)).toEqual([
      '1 action-applied Ada +-5',
      '2 model-attempt agent:Bo +7',
      '3 action-applied Bo +7',
    ]);
    expect(told).toEqual(log.events(run.id));
  });

  it('writes what it holds as soon as the engine waits, when asked to write while waiting', async () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'simulation', name: 'council' });
    const waiting = new RunRecorder(log, run.id, new ManualClock(0), { flushAfterMs: 60_000, writeWhileWaiting: true });
    waiting.record({ kind: 'action-applied' });
    await waitForTheEngineToWait();
    expect(log.events(run.id)).toHaveLength(1);

    const gathering = new RunRecorder(log, run.id, new ManualClock(0), { flushAfterMs: 60_000 });
    gathering.record({ kind: 'torch-sent' });
    await waitForTheEngineToWait();
    expect(log.events(run.id)).toHaveLength(1);
    gathering.flush();
    expect(log.events(run.id)).toHaveLength(2);
  });

  it('writes every event at once with flushAfterMs 0, and a full batch at once otherwise', () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'pipeline', name: 'alerts' });
    const eager = new RunRecorder(log, run.id, new ManualClock(0), { flushAfterMs: 0 });
    eager.record({ kind: 'torch-sent' });
    expect(log.events(run.id)).toHaveLength(1);
    const batched = new RunRecorder(log, run.id, new ManualClock(0), { batchSize: 3, flushAfterMs: 60_000 });
    batched.recordAll([{ kind: 'a' }, { kind: 'b' }]);
    expect(log.events(run.id)).toHaveLength(1);
    batched.record({ kind: 'c' });
    expect(log.events(run.id).map((event) => event.kind)).toEqual(['torch-sent', 'a', 'b', 'c']);
  });

  it('throws a write that failed while the engine waited at its next step, keeping the events for the next write', async () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'simulation', name: 'council' });
    let full = true;
    const filling = Object.assign(Object.create(log) as SqliteRunLog, {
      appendMany: (runId: string, events: Parameters<SqliteRunLog['appendMany']>[1]) => {
        if (full) throw new Error('disk full');
        return log.appendMany(runId, events);
      },
    });
    const recorder = new RunRecorder(filling, run.id, new ManualClock(0), { writeWhileWaiting: true });
    recorder.record({ kind: 'action-applied' });
    await waitForTheEngineToWait();
    expect(() => recorder.record({ kind: 'turn-end' })).toThrow('disk full');
    full = false;
    recorder.record({ kind: 'turn-end' });
    recorder.flush();
    expect(log.events(run.id).map((event) => event.kind)).toEqual(['action-applied', 'turn-end']);
  });
});
