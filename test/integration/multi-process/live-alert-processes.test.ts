import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunLog, createLiveAlertPipeline, loggedInputs, type RunEvent, type Torch } from 'campfires';
import { LiveAlertProcesses } from '../../../kernel-lib/examples/live-alert-processes';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

// Each campfire runs in its own Node process on a real redis-server; one process is
// SIGKILLed part-way through a run and started again.
jest.setTimeout(180_000);

const CYCLES = 3;
const workerCommand = [process.execPath, join(__dirname, 'fixtures', 'live-alert-worker.js')];
const subscribersOf: Record<string, string[]> = { headlines: ['sentiment'], sentiment: ['verify'], verified: ['summary'], alerts: [] };

let redis: RedisServer;
let dir: string;
let single: { alert: Torch; sent: number; received: number };
let runCount = 0;

/**
 * Every torch sent is handled by each subscriber exactly once (one cycle row lists it as an
 * input), its receipt is stored at most once, and nothing arrives that was not sent.
 */
function handoffs(events: RunEvent[]): { sent: number; received: number; problems: string[] } {
  const sent = events.filter((event) => event.kind === 'torch-sent' && event.channel);
  const cycles = events.filter((event) => event.kind === 'torch-sent' || event.kind === 'cycle-ended');
  const receipts = events.filter((event) => event.kind === 'torch-received');
  const inputs = cycles.flatMap((event) => loggedInputs(event).map((input) => ({ campfire: event.campfire, messageId: input.messageId })));
  const problems: string[] = [];
  const sentIds = sent.map((event) => event.messageId);
  if (new Set(sentIds).size !== sentIds.length) problems.push('a torch was sent twice');
  for (const torch of sent) {
    for (const subscriber of subscribersOf[torch.channel as string] ?? []) {
      const handled = inputs.filter((input) => input.campfire === subscriber && input.messageId === torch.messageId).length;
      if (handled !== 1) problems.push(`${torch.campfire} -> ${subscriber} (${torch.messageId}) handled ${handled} times`);
      const stored = receipts.filter((event) => event.campfire === subscriber && event.messageId === torch.messageId).length;
      if (stored > 1) problems.push(`${torch.campfire} -> ${subscriber} (${torch.messageId}) receipt stored ${stored} times`);
    }
  }
  for (const input of inputs) {
    if (!sentIds.includes(input.messageId)) problems.push(`${input.campfire} received ${input.messageId}, which no campfire sent`);
  }
  return { sent: sent.length, received: inputs.length, problems };
}

function processes(paceMs = 0): { group: LiveAlertProcesses; log: string; lines: string[] } {
  runCount += 1;
  const lines: string[] = [];
  const log = join(dir, 'torch_log.db');
  const group = new LiveAlertProcesses({
    bus: `${redis.url}?prefix=run${runCount}&claimIdle=1000&block=200`,
    log,
    partyBox: join(dir, 'party_box'),
    cycles: CYCLES,
    paceMs,
    workerCommand,
    onLine: (campfire, line) => void lines.push(`${campfire}: ${line}`),
  });
  return { group, log, lines };
}

async function untilLogShows(log: string, runId: string, campfire: string, kind: string, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const reader = SqliteRunLog.open(log);
    const seen = reader.events(runId, { campfire, kinds: [kind] }).length;
    reader.close();
    if (seen >= count) return;
    if (Date.now() > deadline) throw new Error(`${campfire} never logged ${count} ${kind} events`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), 'campfires-processes-'));
  const pipeline = await createLiveAlertPipeline({ runLog: join(dir, 'single.db'), partyBox: join(dir, 'party_box') });
  const run = await pipeline.run({ cycles: CYCLES, display: false });
  const counted = handoffs(run.events());
  pipeline.runLog?.close();
  single = { alert: run.finals.summary as Torch, sent: counted.sent, received: counted.received };
});

afterAll(async () => {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the live-alert campfires in four processes over Redis', () => {
  it('gives the same alert as one process, with every handoff logged once', async () => {
    const { group, log } = processes();
    try {
      await group.start();
      await group.light();
      const result = await group.finish();
      expect(result.alert).toEqual(single.alert);
      const reader = SqliteRunLog.open(log);
      const counted = handoffs(reader.events(result.runId));
      expect(reader.run(result.runId).status).toBe('completed');
      reader.close();
      expect(counted).toEqual({ sent: single.sent, received: single.received, problems: [] });
    } finally {
      await group.stop();
    }
  });

  it.each([
    ['sentiment', 'while it works on its second torch', 'torch-received', 2],
    ['verify', 'right after it sent its first torch', 'torch-sent', 1],
    ['summary', 'while it works on its third torch', 'torch-received', 3],
  ])('survives SIGKILL of %s %s: same alert, no lost and no duplicated handoff', async (campfire, _when, kind, count) => {
    const { group, log, lines } = processes(300);
    try {
      await group.start();
      await group.light();
      await untilLogShows(log, group.runId, campfire, kind, count);
      await group.kill(campfire);
      await group.restart(campfire);
      const result = await group.finish();
      expect(result.alert).toEqual(single.alert);
      const reader = SqliteRunLog.open(log);
      const counted = handoffs(reader.events(result.runId));
      reader.close();
      expect(counted).toEqual({ sent: single.sent, received: single.received, problems: [] });
      // The restarted process finished the torch its predecessor was killed in the middle of.
      const report = lines.filter((line) => line.startsWith(`${campfire}: stopped`));
      expect(report).toHaveLength(1);
      if (kind === 'torch-received') expect(report[0]).toMatch(/, [1-9]\d* finished for a process that died/);
    } finally {
      await group.stop();
    }
  });
});
