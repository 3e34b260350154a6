import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Campfire, Pipeline, SqliteRunLog, createToolCamper, torchFlowFromEvents, torchFlowFromRunLog, type RunEvent } from 'campfires';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'campfire-status-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A promise to release a waiting camper by hand, and one that says it started waiting. */
function gate(): { wait: Promise<void>; open(): void; entered: Promise<void>; enter(): void } {
  let open = (): void => undefined;
  let enter = (): void => undefined;
  const wait = new Promise<void>((resolve) => (open = resolve));
  const entered = new Promise<void>((resolve) => (enter = resolve));
  return { wait, open, entered, enter };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('runLog.campfireStatus', () => {
  const stages = ['scrape', 'sentiment', 'verify', 'summary'];

  // Each campfire in turn is the slow one: while it works, a second connection sees it active and the others not.
  it.each(stages.map((name, index) => [name, index] as const))('shows %s active while it works, to another connection, and idle after', async (slowName, slowIndex) => {
    const path = join(dir, 'torch_log.db');
    const log = SqliteRunLog.open(path);
    const hold = gate();
    const campfires = stages.map((name, index) => {
      const camper = createToolCamper(`${name}-camper`, async ({ inputs, cycle }) => {
        if (index === slowIndex && cycle === 2) {
          hold.enter();
          await hold.wait;
        }
        return `${inputs[0]?.torch.claim ?? 'start'} > ${name} ${cycle}`;
      });
      return new Campfire({ name, campers: [camper], inputs: index === 0 ? [] : [`c${index}`], output: index === stages.length - 1 ? null : `c${index + 1}` });
    });
    const pipeline = new Pipeline({ name: 'chain', runLog: log, campfires });
    const seen: RunEvent[] = [];
    pipeline.onEvent((event) => seen.push(event));
    const running = pipeline.run({ cycles: 3, display: false });
    await hold.entered;
    // The status is written within the recorder's 20 ms, not at the end of the cycle.
    await sleep(80);
    const reader = SqliteRunLog.open(path);
    const [run] = reader.runs({ kind: 'pipeline' });
    if (!run) throw new Error('no run');
    expect(run.status).toBe('running');
    const statuses = reader.campfireStatus(run.id);
    expect(statuses.map((status) => `${status.campfire} ${status.status}`)).toEqual(stages.map((name) => `${name} ${name === slowName ? 'active' : 'idle'}`));
    const slow = statuses[slowIndex];
    expect(slow?.cycle).toBe(2);
    // Its torchbearer is still the one of cycle 1 until cycle 2 names one.
    expect(slow?.torchbearer).toBe(`${slowName}-camper`);
    // Campfires after the slow one have run once; those before it twice.
    for (const [index, status] of statuses.entries()) if (index !== slowIndex) expect([status.campfire, status.cycle]).toEqual([status.campfire, index < slowIndex ? 2 : 1]);
    // The torch flow marks the working campfire, read from the log and from the live events.
    expect(torchFlowFromRunLog(reader, run.id).active).toEqual([slowName]);
    expect(torchFlowFromEvents(run, seen).active).toEqual([slowName]);
    hold.open();
    const done = await running;
    expect(reader.campfireStatus(done.runId).map((status) => status.status)).toEqual(['idle', 'idle', 'idle', 'idle']);
    expect(reader.campfireStatus(done.runId).map((status) => status.cycle)).toEqual([3, 3, 3, 3]);
    expect(torchFlowFromRunLog(reader, run.id).active).toEqual([]);
    reader.close();
    log.close();
  });

  it('says a campfire failed when every camper of its last cycle failed, and idle again once one answers', async () => {
    const log = SqliteRunLog.open(':memory:');
    const flaky = createToolCamper('flaky', ({ cycle }) => {
      if (cycle === 2) throw new Error('model away');
      return `ok ${cycle}`;
    });
    const pipeline = new Pipeline({ runLog: log, campfires: [new Campfire({ name: 'solo', output: null, campers: [flaky] }), new Campfire({ name: 'quiet', output: null, campers: [createToolCamper('q', () => null)] })] });
    const two = await pipeline.run({ cycles: 2 });
    expect(log.campfireStatus(two.runId)).toEqual([
      { campfire: 'solo', status: 'failed', cycle: 2, torchbearer: 'flaky', since: expect.any(Number) },
      { campfire: 'quiet', status: 'idle', cycle: 2, torchbearer: null, since: expect.any(Number) },
    ]);
    expect(() => log.campfireStatus('run_missing')).toThrow(/no run "run_missing"/);
    log.close();
  });

  it('lists every campfire of a run that has not lit one yet as idle at cycle 0', () => {
    const log = SqliteRunLog.open(':memory:');
    const run = log.startRun({ kind: 'pipeline', name: 'p', meta: { campfires: [{ name: 'a', campers: [], inputs: [], output: null }, { name: 'b', campers: [], inputs: [], output: null }], backend: 'tool' } });
    expect(log.campfireStatus(run.id)).toEqual([
      { campfire: 'a', status: 'idle', cycle: 0, torchbearer: null, since: run.startedAt },
      { campfire: 'b', status: 'idle', cycle: 0, torchbearer: null, since: run.startedAt },
    ]);
    log.close();
  });
});
