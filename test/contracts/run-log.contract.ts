import { CampfiresError, NotFoundError, ValidationError, type JsonValue, type RunEventInit, type RunLog } from 'campfires';

/** What a run-log factory may return: the log, a second writer on the same store, and how to tear down. */
export interface RunLogHarness {
  log: RunLog;
  /** Opens another writer on the same store (another connection to the same file). */
  openAnother?(): RunLog;
  destroy?(): Promise<void>;
}

/** What a store offers beyond the port's minimum. */
export interface RunLogCapabilities {
  /** Several writers can open the same store, and what one wrote outlives its closing. */
  shared: boolean;
}

const START = Date.UTC(2026, 0, 1, 12);

/** JSON of every shape a record holds: nesting, unicode, null, negative and fractional numbers. */
const RICH: JsonValue = {
  claim: 'Storm outage until 3 AM — “TFL” 🚇',
  confidence: 0.875,
  nested: { list: [1, -2.5, 1e21, null, true, 'x'], empty: {}, none: null },
  path: 'party_box/ab/cd.json',
};

function caught(attempt: () => unknown): unknown {
  try {
    attempt();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

/**
 * The behaviour every run log owes the engines that record into it and the replays that
 * read it back.
 * @example describeRunLog('SqliteRunLog (:memory:)', async () => SqliteRunLog.open(':memory:'), { shared: false });
 */
export function describeRunLog(name: string, create: () => Promise<RunLog | RunLogHarness>, capabilities: RunLogCapabilities): void {
  describe(`${name} honours the RunLog contract`, () => {
    let log: RunLog;
    let openAnother: (() => RunLog) | undefined;
    let destroy: (() => Promise<void>) | undefined;
    const opened: RunLog[] = [];

    /** A second writer on the same store, closed after the test. */
    const another = (): RunLog => {
      if (!openAnother) throw new Error(`${name} was declared shared but its harness has no openAnother()`);
      const writer = openAnother();
      opened.push(writer);
      return writer;
    };

    beforeEach(async () => {
      const made = await create();
      if ('log' in made) {
        log = made.log;
        openAnother = made.openAnother;
        destroy = made.destroy;
      } else {
        log = made;
        openAnother = undefined;
        destroy = undefined;
      }
    });

    afterEach(async () => {
      for (const writer of opened.splice(0)) writer.close();
      log.close();
      await destroy?.();
    });

    it('starts a run as running, with its kind, name, meta and start time', () => {
      const run = log.startRun({ kind: 'pipeline', name: 'live-alert', meta: { cycles: 3, campfires: ['scrape', 'sentiment'] }, ts: START });
      expect(run).toMatchObject({ kind: 'pipeline', name: 'live-alert', status: 'running', startedAt: START, endedAt: null, meta: { cycles: 3, campfires: ['scrape', 'sentiment'] } });
      expect(run.id).toMatch(/\S/);
      expect(log.run(run.id)).toEqual(run);
      log.startRun({ kind: 'simulation', name: 'harvest', ts: START + 1 });
      expect(log.runs().map((info) => info.name)).toEqual(['live-alert', 'harvest']);
      expect(log.runs({ kind: 'simulation' }).map((info) => info.name)).toEqual(['harvest']);
      expect(log.runs({ name: 'live-alert' }).map((info) => info.id)).toEqual([run.id]);
    });

    it('keeps the id a run is started with, so a resumed run goes on under its name', () => {
      const run = log.startRun({ kind: 'simulation', name: 'harvest', id: 'run_given_id' });
      expect(run.id).toBe('run_given_id');
      expect(log.run('run_given_id').name).toBe('harvest');
    });

    it('reads events back in the order they were appended, with the seq numbers the appends returned', () => {
      const run = log.startRun({ kind: 'pipeline', name: 'live-alert' });
      const first = log.append(run.id, { kind: 'torch-sent', ts: START, campfire: 'scrape', camper: 'reader', channel: 'headlines', messageId: 'msg_1', data: { claim: 'blackout' } });
      const batch = log.appendMany(run.id, [
        { kind: 'torch-received', ts: START + 5, campfire: 'sentiment', channel: 'headlines' },
        { kind: 'cycle-ended', ts: START + 9 },
      ]);
      const last = log.append(run.id, { kind: 'run-ended' });
      const events = log.events(run.id);
      expect(events.map((event) => event.kind)).toEqual(['torch-sent', 'torch-received', 'cycle-ended', 'run-ended']);
      expect(events.map((event) => event.seq)).toEqual([first.seq, ...batch.map((event) => event.seq), last.seq]);
      expect(events.map((event) => event.seq).every((seq, index, all) => index === 0 || seq > (all[index - 1] as number))).toBe(true);
      expect(events[0]).toEqual({ seq: first.seq, runId: run.id, ts: START, kind: 'torch-sent', campfire: 'scrape', camper: 'reader', channel: 'headlines', messageId: 'msg_1', data: { claim: 'blackout' } });
      expect(events[2]).toMatchObject({ ts: START + 9, campfire: null, camper: null, channel: null, messageId: null, data: null });
      expect(Number.isFinite(events[3]?.ts)).toBe(true);
    });

    it('numbers events across all runs, so seq orders interleaved runs', () => {
      const a = log.startRun({ kind: 'pipeline', name: 'a' });
      const b = log.startRun({ kind: 'pipeline', name: 'b' });
      const seqs = [log.append(a.id, { kind: 'x' }), log.append(b.id, { kind: 'x' }), log.append(a.id, { kind: 'y' }), ...log.appendMany(b.id, [{ kind: 'y' }, { kind: 'z' }])].map((event) => event.seq);
      expect(new Set(seqs).size).toBe(5);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(log.events(a.id).map((event) => [event.runId, event.kind])).toEqual([
        [a.id, 'x'],
        [a.id, 'y'],
      ]);
      expect(log.events(b.id).map((event) => event.seq)).toEqual([seqs[1], seqs[3], seqs[4]]);
    });

    it('reads a run after a seq, of some kinds, of one campfire, up to a limit', () => {
      const run = log.startRun({ kind: 'pipeline', name: 'filters' });
      const written = log.appendMany(run.id, [
        { kind: 'torch-sent', campfire: 'scrape' },
        { kind: 'torch-received', campfire: 'sentiment' },
        { kind: 'torch-sent', campfire: 'sentiment' },
        { kind: 'cycle-ended' },
        { kind: 'torch-sent', campfire: 'scrape' },
      ]);
      const seqs = (events: { seq: number }[]) => events.map((event) => event.seq);
      expect(seqs(log.events(run.id, { afterSeq: written[1]?.seq }))).toEqual(seqs(written.slice(2)));
      expect(seqs(log.events(run.id, { kinds: ['torch-sent'] }))).toEqual(seqs([written[0], written[2], written[4]] as { seq: number }[]));
      expect(seqs(log.events(run.id, { campfire: 'sentiment' }))).toEqual(seqs(written.slice(1, 3)));
      expect(seqs(log.events(run.id, { limit: 2 }))).toEqual(seqs(written.slice(0, 2)));
      expect(seqs(log.events(run.id, { kinds: ['torch-sent'], campfire: 'scrape', afterSeq: written[0]?.seq }))).toEqual([written[4]?.seq]);
    });

    it.each(['completed', 'failed', 'interrupted'] as const)('finishes a run as %s, with its end time', (status) => {
      const run = log.startRun({ kind: 'simulation', name: 'harvest', ts: START });
      const ended = log.endRun(run.id, status, START + 1000);
      expect(ended).toMatchObject({ id: run.id, status, startedAt: START, endedAt: START + 1000 });
      expect(log.run(run.id)).toEqual(ended);
    });

    it('gives back the JSON it was given, in events and in meta', () => {
      const run = log.startRun({ kind: 'simulation', name: 'rich', meta: { config: RICH } });
      log.append(run.id, { kind: 'action-applied', data: RICH });
      log.appendMany(run.id, [{ kind: 'list', data: [RICH, 'text', 0] }, { kind: 'scalar', data: -0.125 }, { kind: 'text', data: '' }]);
      expect(log.events(run.id).map((event) => event.data)).toEqual([RICH, [RICH, 'text', 0], -0.125, '']);
      expect(log.run(run.id).meta).toEqual({ config: RICH });
    });

    it('refuses appending to a run it does not hold, naming the run, and stores nothing', () => {
      const run = log.startRun({ kind: 'pipeline', name: 'real' });
      const error = caught(() => log.append('run_missing', { kind: 'torch-sent' }));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as NotFoundError).code).toBe('run_not_found');
      expect((error as NotFoundError).message).toContain('run_missing');
      expect(() => log.appendMany('run_missing', [{ kind: 'a' }, { kind: 'b' }])).toThrow(NotFoundError);
      expect(log.events('run_missing')).toEqual([]);
      expect(log.runs().map((info) => info.id)).toEqual([run.id]);
    });

    it('refuses reading or finishing a run it does not hold', () => {
      expect(caught(() => log.run('run_missing'))).toMatchObject({ code: 'run_not_found' });
      expect(caught(() => log.endRun('run_missing', 'completed'))).toMatchObject({ code: 'run_not_found' });
      expect(log.runs()).toEqual([]);
    });

    it('refuses a status it does not know, leaving the run as it was', () => {
      const run = log.startRun({ kind: 'pipeline', name: 'status' });
      const error = caught(() => log.endRun(run.id, 'done' as never, START));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(/"done"/);
      expect(log.run(run.id)).toMatchObject({ status: 'running', endedAt: null });
    });

    it('refuses meta that is not JSON, starting no run', () => {
      for (const meta of [{ score: Number.NaN }, { score: Number.POSITIVE_INFINITY }, { call: (() => 1) as unknown as JsonValue }]) {
        const error = caught(() => log.startRun({ kind: 'pipeline', name: 'bad-meta', meta }));
        expect(error).toBeInstanceOf(CampfiresError);
      }
      expect(log.runs()).toEqual([]);
    });

    it('refuses a batch with an event it cannot store, storing none of the batch and keeping what it held', () => {
      const run = log.startRun({ kind: 'pipeline', name: 'batch' });
      const kept = log.append(run.id, { kind: 'torch-sent', data: { claim: 'kept' } });
      const circular: Record<string, unknown> = { claim: 'loops' };
      circular.self = circular;
      const batches: RunEventInit[][] = [
        [{ kind: 'fine' }, { kind: undefined as unknown as string }],
        [{ kind: 'fine' }, { kind: 'circular', data: circular as unknown as JsonValue }],
      ];
      for (const batch of batches) expect(() => log.appendMany(run.id, batch)).toThrow();
      expect(log.events(run.id)).toEqual([kept]);
      const next = log.append(run.id, { kind: 'after' });
      expect(next.seq).toBeGreaterThan(kept.seq);
      expect(log.events(run.id).map((event) => event.kind)).toEqual(['torch-sent', 'after']);
    });

    if (capabilities.shared) {
      it('lets two writers on one store append at once: each reads the other, in one order, nothing lost', () => {
        const other = another();
        const run = log.startRun({ kind: 'pipeline', name: 'shared' });
        expect(other.run(run.id).name).toBe('shared');
        const mine = other.startRun({ kind: 'pipeline', name: 'second-writer' });
        const written = [];
        for (let index = 0; index < 20; index += 1) {
          written.push(log.append(run.id, { kind: 'from-first', data: index }));
          written.push(...other.appendMany(run.id, [{ kind: 'from-second', data: index }]));
          other.append(mine.id, { kind: 'own', data: index });
        }
        for (const reader of [log, other]) {
          const events = reader.events(run.id);
          expect(events.map((event) => event.seq)).toEqual(written.map((event) => event.seq));
          expect(events.filter((event) => event.kind === 'from-second').map((event) => event.data)).toEqual([...Array(20).keys()]);
          expect(reader.events(mine.id)).toHaveLength(20);
        }
        expect(new Set(written.map((event) => event.seq)).size).toBe(40);
        other.endRun(run.id, 'completed');
        expect(log.run(run.id).status).toBe('completed');
      });

      it('keeps what it stored after it is closed, for the next writer to go on with', () => {
        const run = log.startRun({ kind: 'simulation', name: 'resumable', meta: { config: RICH } });
        const before = log.appendMany(run.id, [{ kind: 'turn-end', data: 1 }, { kind: 'turn-end', data: 2 }]);
        log.endRun(run.id, 'interrupted', START);
        log.close();
        const reopened = another();
        expect(reopened.run(run.id)).toMatchObject({ status: 'interrupted', meta: { config: RICH } });
        expect(reopened.events(run.id)).toEqual(before);
        const after = reopened.append(run.id, { kind: 'turn-end', data: 3 });
        expect(after.seq).toBeGreaterThan(before[1]?.seq as number);
        log = another(); // afterEach closes `log`; give it an open writer
      });
    }
  });
}
