/**
 * A pipeline run in a child process is killed with SIGKILL at seeded random points (mid
 * camper call, or just after a batch of the log was written); the run then reads as
 * interrupted, replays its complete rounds, and resumes to the same torches as a run
 * that was never interrupted, with no camper called for a completed round.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as lib from 'campfires';
import { Pipeline, SqliteRunLog, replayRun, comparableHandoffs, Replay, type RunEvent, type Torch } from 'campfires';
import { ROUNDS, buildResumablePipeline } from './fixtures/resumable-pipeline';

const repoRoot = resolve(__dirname, '..', '..', '..');
const registerTs = join(repoRoot, 'test', 'helpers', 'register-ts.js');
const sources = join(repoRoot, 'kernel-lib', 'src', 'index.ts');
const fixture = join(__dirname, 'fixtures', 'resumable-pipeline.ts');

/** The child: runs the pipeline and kills itself at camper call `KILL_CALL`, or after `KILL_EVENT` logged events. */
const childScript = `
require(${JSON.stringify(registerTs)});
const lib = require(${JSON.stringify(sources)});
const { buildResumablePipeline, ROUNDS } = require(${JSON.stringify(fixture)});
const killCall = Number(process.env.KILL_CALL || 0);
const killEvent = Number(process.env.KILL_EVENT || 0);
let calls = 0;
const log = lib.SqliteRunLog.open(process.argv[1]);
const pipeline = buildResumablePipeline(lib, log, { onCall() { calls += 1; if (calls === killCall) process.kill(process.pid, 'SIGKILL'); } });
let events = 0;
pipeline.onEvent((event) => { if (event.kind !== 'campfire-status') events += 1; if (events === killEvent) process.kill(process.pid, 'SIGKILL'); });
pipeline.run({ cycles: ROUNDS, display: false }).then(() => console.log('finished'));
`;

/** A small seeded generator (mulberry32), so the kill points are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each campfire's torches, in cycle order: what must match between runs. */
function torchesByCampfire(events: readonly RunEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const event of events) {
    if (event.kind !== 'torch-sent' && event.kind !== 'cycle-ended') continue;
    const data = event.data as { cycle: number; torch: Torch | null };
    (out[String(event.campfire)] ??= []).push(`${data.cycle} ${event.camper ?? '-'} ${data.torch ? `${data.torch.claim} (${data.torch.confidence})` : '(nothing)'}`);
  }
  for (const list of Object.values(out)) list.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  return out;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-kill-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a pipeline run killed with SIGKILL', () => {
  let whole: { finals: Record<string, Torch>; torches: Record<string, string[]>; calls: number; events: number; handoffs: ReturnType<typeof comparableHandoffs> };

  beforeAll(async () => {
    const log = SqliteRunLog.open(':memory:');
    let calls = 0;
    const pipeline = buildResumablePipeline(lib, log, { onCall: () => (calls += 1) });
    const run = await pipeline.run({ cycles: ROUNDS, display: false });
    const events = run.events();
    whole = { finals: run.finals, torches: torchesByCampfire(events), calls, events: events.length, handoffs: comparableHandoffs(replayRun(log, run.runId).handoffs()) };
    log.close();
  });

  const random = seeded(20260115);
  const points = Array.from({ length: 24 }, (_, index) => (index % 3 === 2 ? { event: 1 + Math.floor(random() * 60) } : { call: 1 + Math.floor(random() * 120) }));

  it.each(points.map((point, index) => [index + 1, point.call ? `camper call ${point.call}` : `logged event ${point.event}`, point] as const))(
    'kill point %i (%s): interrupted, replays its complete rounds, resumes to the uninterrupted torches',
    async (index, _label, point) => {
      const path = join(dir, `kill-${index}.db`);
      const child = spawn(process.execPath, ['-e', childScript, path], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Points are drawn from a wider range and folded into the run's length: every one lands before its end.
        env: { ...process.env, KILL_CALL: String(point.call ? 1 + ((point.call - 1) % whole.calls) : 0), KILL_EVENT: String(point.event ? 1 + ((point.event - 1) % (whole.events - 1)) : 0) },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const signal = await new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, sig) => done(sig)));
      expect([signal, output]).toEqual(['SIGKILL', '']);

      const log = SqliteRunLog.open(path);
      expect(log.database.pragma('integrity_check', { simple: true })).toBe('ok');
      const [killed] = log.runs({ kind: 'pipeline' });
      if (!killed) throw new Error('the child wrote no run');
      // Its process is gone: the log says so without anyone marking it.
      expect(killed.status).toBe('interrupted');
      expect(killed.endedAt).not.toBeNull();
      const statuses = log.campfireStatus(killed.id);
      expect(statuses.map((status) => status.campfire)).toEqual(['feed', 'weather', 'judge', 'summary']);
      for (const status of statuses) expect(['idle', 'failed', 'interrupted']).toContain(status.status);

      // Replay: only complete rounds, identical, and it says where the record ends.
      const replay = replayRun(log, killed.id);
      expect(replay.recordEnd()).toMatch(new RegExp(`^The record of ${killed.id} ends (after round \\d+ of ${ROUNDS}|before its first round was complete) \\(interrupted: its process stopped\\)`));
      const driven = await replay.drive({ runLog: null });
      expect(comparableHandoffs(new Replay(driven.run, driven.events()).handoffs())).toEqual(comparableHandoffs(replay.handoffs()));
      const done = replay.complete.round;
      expect(comparableHandoffs(replay.handoffs())).toEqual(whole.handoffs.filter((handoff) => handoff.cycle <= done || !['feed', 'weather'].includes(handoff.from)).slice(0, replay.handoffs().length));

      // Resume: no camper is called for a completed round.
      const called: string[] = [];
      const pipeline = buildResumablePipeline(lib, log, { onCall: (camper, cycle) => called.push(`${camper} ${cycle}`) });
      const resumed = await pipeline.resume(killed.id, { display: false });
      for (const call of called.filter((item) => /^(reader|sky-reader) /.test(item))) expect(Number(call.split(' ')[1])).toBeGreaterThan(done);
      expect(resumed.run.status).toBe('completed');
      expect(resumed.run.meta).toMatchObject({ resumeOf: killed.id, resumedAfterRound: done });
      expect(resumed.cycles).toBe(ROUNDS);
      expect(resumed.finals).toEqual(whole.finals);
      expect(torchesByCampfire(resumed.events())).toEqual(whole.torches);
      expect(comparableHandoffs(replayRun(log, resumed.runId).handoffs())).toEqual(whole.handoffs);
      expect(called.length).toBeLessThanOrEqual(whole.calls);
      expect(log.run(killed.id).status).toBe('interrupted');
      expect(log.events(killed.id, { kinds: ['run-resumed'] }).map((event) => event.data)).toEqual([{ as: resumed.runId, afterRound: done }]);
      expect(log.campfireStatus(resumed.runId).map((status) => status.status)).toEqual(['idle', 'idle', expect.stringMatching(/idle|failed/), 'idle']);
      // A run is resumed once, and a completed run not at all.
      await expect(buildResumablePipeline(lib, log).resume(killed.id)).rejects.toThrow(`run ${killed.id} was already resumed as ${resumed.runId}`);
      await expect(Pipeline.resume(log, resumed.runId, { campfires: [] })).rejects.toThrow(/completed; there is nothing to resume/);
      expect(log.database.pragma('integrity_check', { simple: true })).toBe('ok');
      log.close();
    },
    30_000,
  );
});
