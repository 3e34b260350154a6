import { inspect } from 'node:util';
import { Campfire, NotFoundError, Pipeline, SqliteRunLog, comparableHandoffs, createToolCamper, replayRun } from 'campfires';

function buildPipeline(log: SqliteRunLog, calls: { count: number }) {
  const counted = (name: string, fn: (claims: string[]) => string | null) =>
    createToolCamper(name, ({ inputs }) => {
      calls.count += 1;
      return fn(inputs.map((input) => input.torch.claim));
    });
  const headlines = ['London blackout hits five boroughs', 'Tube suspended on three lines', 'Blackout blamed on hack'];
  let index = 0;
  return new Pipeline({
    name: 'replayable',
    runLog: log,
    campfires: [
      new Campfire({ name: 'scrape', output: 'headlines', campers: [counted('reader', () => headlines[index++] ?? null)] }),
      new Campfire({
        name: 'sentiment',
        inputs: ['headlines'],
        output: 'mood',
        strategy: 'best-of',
        campers: [
          counted('cautious', ([claim]) => `${claim}: worried`),
          createToolCamper('flaky', ({ inputs }) => {
            calls.count += 1;
            if (inputs[0]?.torch.claim.includes('hack')) throw new Error('model timed out');
            return { claim: `${inputs[0]?.torch.claim}: panic`, confidence: 0.9 };
          }),
        ],
      }),
      new Campfire({ name: 'weather', inputs: ['headlines'], output: 'checks', campers: [counted('met-office', ([claim]) => `storm near ${claim?.length}`)] }),
      new Campfire({ name: 'summary', inputs: ['mood', 'checks'], output: 'alerts', campers: [counted('writer', (claims) => `ALERT ${claims.join(' / ')}`)] }),
    ],
  });
}

describe('replayRun', () => {
  it('reads a run back in order and re-drives it to the same handoffs without calling any camper', async () => {
    const log = SqliteRunLog.open(':memory:');
    const calls = { count: 0 };
    const original = await buildPipeline(log, calls).run({ cycles: 3 });
    const callsAfterRun = calls.count;
    expect(original.camperErrors).toBe(1);

    const replay = replayRun(log, original.runId);
    expect(replay.handoffs().length).toBe(12);
    expect(replay.handoffs()[0]).toMatchObject({ from: 'scrape', to: 'sentiment', channel: 'headlines', torchbearer: 'reader', cycle: 1, claim: 'London blackout hits five boroughs' });
    expect(replay.torches().map((torch) => torch.seq)).toEqual([...replay.torches().map((torch) => torch.seq)].sort((a, b) => a - b));

    const again = await replay.drive({ runLog: log });
    expect(calls.count).toBe(callsAfterRun);
    expect(again.run.name).toBe('replayable (replay)');
    expect(comparableHandoffs(replayRun(log, again.runId).handoffs())).toEqual(comparableHandoffs(replay.handoffs()));
    expect(replayRun(log, 'latest').run.id).toBe(again.runId);
    expect(inspect(replay)).toBe(`Replay of ${original.runId} (replayable, completed): 4 campfires, 15 torches, 12 handoffs`);
  });

  it('prints one line per handoff', async () => {
    const log = SqliteRunLog.open(':memory:');
    const run = await buildPipeline(log, { count: 0 }).run({ cycles: 1 });
    expect(replayRun(log, run.runId).lines()[0]).toMatch(/^#\d+ scrape\/reader -> sentiment on headlines \(cycle 1\): "London blackout hits five boroughs"$/);
  });

  it('says when the run or any pipeline run is missing', () => {
    const log = SqliteRunLog.open(':memory:');
    expect(() => replayRun(log, 'latest')).toThrow(NotFoundError);
    expect(() => replayRun(log, 'latest')).toThrow('run log :memory: holds no pipeline run yet');
    expect(() => replayRun(log, 'run_nope')).toThrow('no run "run_nope" in run log :memory:');
  });
});
