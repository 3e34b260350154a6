/**
 * The model attempts behind a torch: an LLM camper's requests, recorded with the campfire
 * cycle they were made in, land on the torch that cycle sent — in the live run, in the run
 * read back from the log, and in a replay — with their outcome, time and raw answer (cut to
 * the payload's cap), and the text and HTML fallbacks name them too.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Campfire,
  LLMCamper,
  Pipeline,
  ScriptedModel,
  SqliteRunLog,
  TORCH_FLOW_MIME_TYPE,
  TORCH_FLOW_TEXT_CAP,
  createToolCamper,
  replayRun,
  torchFlowBundle,
  torchFlowFromEvents,
  torchFlowFromRunLog,
  torchFlowPayloadSchema,
  type RunEvent,
  type TorchFlowPayload,
} from 'campfires';

/** A long answer of emoji: past the cap, so it is cut, and only on a whole character. */
const LONG_ANSWER = '🔥'.repeat(TORCH_FLOW_TEXT_CAP + 100);

/**
 * Three campfires: a headline reader; Mood, whose model answers badly once (a long ramble)
 * and then well; Alert, whose model fails (a dropped connection, then an answer that breaks
 * the schema) in cycle 1, where a tool camper answers instead, and answers in cycle 2.
 */
function buildPipeline(log: SqliteRunLog | null) {
  const headlines = ['Blackout in five boroughs', 'Tube back on three lines'];
  const moodModel = new ScriptedModel([LONG_ANSWER, '{"claim":"panic rising","confidence":0.8}', '{"claim":"calmer now","confidence":0.6}'], { modelId: 'mood-bot' });
  const alertModel = new ScriptedModel([new Error('socket hang up'), '{"claim": 5, "confidence": 0.5}', '{"claim":"ALL CLEAR","confidence":0.7}'], { modelId: 'alert-bot' });
  const pipeline = new Pipeline({
    name: 'model attempts',
    runLog: log,
    campfires: [
      new Campfire({ name: 'scrape', output: 'headlines', campers: [createToolCamper('reader', ({ cycle }) => headlines[cycle - 1] ?? null)] }),
      new Campfire({ name: 'mood', inputs: ['headlines'], output: 'mood', campers: [new LLMCamper('mood-llm', { model: moodModel })] }),
      new Campfire({
        name: 'alert',
        inputs: ['mood'],
        output: null,
        campers: [
          new LLMCamper('alert-llm', { model: alertModel, retries: 2 }),
          createToolCamper('fallback-writer', ({ previous, inputs }) => (previous ? null : { claim: `ALERT (fallback): ${inputs[0]?.torch.claim}`, confidence: 0.4 })),
        ],
      }),
    ],
  });
  return { pipeline, moodModel, alertModel };
}

/** The payload without what differs between two runs of the same record: ids, sequence numbers, times, the run's name. */
function comparable(payload: TorchFlowPayload) {
  return {
    ...payload,
    runId: '',
    title: '',
    backend: '',
    torches: payload.torches.map(({ seq: _seq, messageId: _messageId, ts: _ts, ...torch }) => ({
      ...torch,
      ...(torch.modelAttempts ? { modelAttempts: torch.modelAttempts.map(({ replayed: _replayed, ...attempt }) => attempt) } : {}),
    })),
    errors: payload.errors?.map(({ seq: _seq, ts: _ts, ...error }) => error),
  };
}

describe('model attempts in the torch flow', () => {
  it('puts each cycle\'s attempts on the torch it sent: a retry after an invalid answer, a failed camper and its fallback, a first-time answer', async () => {
    const log = SqliteRunLog.open(':memory:');
    try {
      const { pipeline } = buildPipeline(log);
      const run = await pipeline.run({ cycles: 2 });
      const flow = run.torchFlow();
      expect(torchFlowPayloadSchema.safeParse(flow).success).toBe(true);
      expect(flow.textCap).toBe(4000);
      const [firstMood, secondMood] = flow.torches.filter((torch) => torch.from === 'mood');
      const [firstAlert, secondAlert] = flow.torches.filter((torch) => torch.from === 'alert');

      // Mood, cycle 1: a ramble refused for having no JSON, then an answer used.
      expect(firstMood?.claim).toBe('panic rising');
      expect(firstMood?.modelAttempts?.map(({ answer: _answer, reason: _reason, prompt: _prompt, followUp: _followUp, ...attempt }) => attempt)).toEqual([
        { camper: 'mood-llm', attempt: 1, of: 3, provider: 'scripted', model: 'mood-bot', outcome: 'invalid', ms: 0, answerLength: TORCH_FLOW_TEXT_CAP + 100 },
        { camper: 'mood-llm', attempt: 2, of: 3, provider: 'scripted', model: 'mood-bot', outcome: 'ok', ms: 0 },
      ]);
      const [rambled, used] = firstMood?.modelAttempts ?? [];
      expect(rambled?.reason).toMatch(/JSON/);
      // Cut to the cap on a whole character: 3,999 flames and the ellipsis, no half emoji.
      expect(rambled?.answer).toBe(`${'🔥'.repeat(TORCH_FLOW_TEXT_CAP - 1)}…`);
      expect(used?.answer).toBe('{"claim":"panic rising","confidence":0.8}');
      expect(used?.reason).toBeUndefined();
      // What the model was sent: the whole conversation on the first attempt, then only what it was told after its answer.
      expect(rambled?.prompt).toMatch(/^system: Answer with only one JSON object that follows this JSON schema[\s\S]*\n\nuser: Blackout in five boroughs$/);
      expect(rambled?.followUp).toBeUndefined();
      expect(used?.prompt).toBeUndefined();
      expect(used?.followUp).toBe('That answer could not be used: the answer contains no JSON object. Answer again with only one JSON object that follows the schema.');

      // Mood, cycle 2: one attempt, used.
      expect(secondMood?.modelAttempts?.map((attempt) => [attempt.attempt, attempt.outcome, attempt.answer])).toEqual([[1, 'ok', '{"claim":"calmer now","confidence":0.6}']]);

      // Alert, cycle 1: the model failed twice, so the fallback tool camper's torch was sent; it shows why.
      expect(firstAlert?.torchbearer).toBe('fallback-writer');
      expect(firstAlert?.claim).toBe('ALERT (fallback): panic rising');
      expect(firstAlert?.modelAttempts?.map((attempt) => [attempt.camper, attempt.attempt, attempt.of, attempt.outcome, attempt.answer])).toEqual([
        ['alert-llm', 1, 2, 'error', undefined],
        ['alert-llm', 2, 2, 'invalid', '{"claim": 5, "confidence": 0.5}'],
      ]);
      expect(firstAlert?.modelAttempts?.[0]?.reason).toBe('scripted model alert-bot failed: socket hang up');
      expect(firstAlert?.modelAttempts?.[1]?.reason).toMatch(/claim/);
      expect(flow.errors?.map((error) => [error.campfire, error.camper, error.cycle])).toEqual([['alert', 'alert-llm', 1]]);

      // Alert, cycle 2: the model answered, its torch went out.
      expect(secondAlert?.torchbearer).toBe('alert-llm');
      expect(secondAlert?.modelAttempts?.map((attempt) => [attempt.camper, attempt.attempt, attempt.outcome])).toEqual([['alert-llm', 1, 'ok']]);

      // The reader is a tool camper: no attempts, no empty list.
      expect(flow.torches.filter((torch) => torch.from === 'scrape').every((torch) => torch.modelAttempts === undefined)).toBe(true);
      // Each row names its cycle, campfire and camper.
      expect(log.events(run.runId, { kinds: ['model-attempt'] }).map((event) => [event.campfire, event.camper, (event.data as { cycle: number }).cycle])).toEqual([
        ['mood', 'mood-llm', 1],
        ['mood', 'mood-llm', 1],
        ['alert', 'alert-llm', 1],
        ['alert', 'alert-llm', 1],
        ['mood', 'mood-llm', 2],
        ['alert', 'alert-llm', 2],
      ]);
    } finally {
      log.close();
    }
  });

  it('shows the same flow live, read back from the run log, from a replay, and from a run kept in memory', async () => {
    const log = SqliteRunLog.open(':memory:');
    try {
      const { pipeline } = buildPipeline(log);
      const live: RunEvent[] = [];
      pipeline.onEvent((event) => live.push(event));
      const run = await pipeline.run({ cycles: 2 });
      const fromLog = torchFlowFromRunLog(log, run.runId);
      // What a live display drew last: the flow built from the events as they came.
      const liveFlow = torchFlowFromEvents(run.run, live);
      expect(fromLog.torches.flatMap((torch) => torch.modelAttempts ?? [])).toHaveLength(6);
      expect(liveFlow.torches.map((torch) => torch.modelAttempts)).toEqual(fromLog.torches.map((torch) => torch.modelAttempts));
      expect(liveFlow.textCap).toBe(fromLog.textCap);
      const replay = replayRun(log, run.runId);
      expect((await replay.toMimeBundle())[TORCH_FLOW_MIME_TYPE]).toEqual(fromLog);

      // A replay driven again asks no model; the attempts it read are on the same torches, marked as replayed.
      const { pipeline: inMemory, moodModel, alertModel } = buildPipeline(null);
      const memoryRun = await inMemory.run({ cycles: 2 });
      expect(comparable(memoryRun.torchFlow())).toEqual(comparable(fromLog));
      const requests = moodModel.requests.length + alertModel.requests.length;
      const driven = await replay.drive({ runLog: log });
      expect(moodModel.requests.length + alertModel.requests.length).toBe(requests);
      const replayed = torchFlowFromRunLog(log, driven.runId);
      const attempts = replayed.torches.flatMap((torch) => torch.modelAttempts ?? []);
      expect(attempts).toHaveLength(6);
      expect(attempts.every((attempt) => attempt.replayed === true)).toBe(true);
      const { errors: _drivenErrors, ...drivenView } = comparable(replayed);
      const { errors: _errors, ...originalView } = comparable(fromLog);
      expect(drivenView).toEqual(originalView);
    } finally {
      log.close();
    }
  });

  it('attaches nothing from rows written before they named their cycle', async () => {
    const log = SqliteRunLog.open(':memory:');
    try {
      const run = await buildPipeline(log).pipeline.run({ cycles: 1 });
      const events = log.events(run.runId).map((event) => {
        if (event.kind !== 'model-attempt') return event;
        const { cycle: _cycle, ...older } = event.data as Record<string, unknown>;
        return { ...event, data: older } as RunEvent;
      });
      const flow = torchFlowFromEvents(run.run, events);
      expect(flow.torches.map((torch) => torch.claim)).toEqual(run.torchFlow().torches.map((torch) => torch.claim));
      expect(flow.torches.some((torch) => torch.modelAttempts !== undefined)).toBe(false);
      expect(flow.textCap).toBeUndefined();
      expect(torchFlowPayloadSchema.safeParse(flow).success).toBe(true);
    } finally {
      log.close();
    }
  });

  it('records each attempt once in a pipeline\'s run, with its debug line beside the log, and also in another run a camper names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-attempts-'));
    const log = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const other = SqliteRunLog.open(':memory:');
    try {
      const elsewhere = other.startRun({ kind: 'notebook', name: 'my own record' }).id;
      const running = () => log.runs({ kind: 'pipeline' }).find((run) => run.status === 'running')?.id;
      const model = new ScriptedModel(['no JSON here', '{"claim":"ok","confidence":0.5}', '{"claim":"ok too","confidence":0.5}']);
      const campers = [new LLMCamper('same-run', { model, runLog: log, runId: running }), new LLMCamper('other-run', { model, runLog: other, runId: elsewhere })];
      const campfire = new Campfire({ name: 'summary', output: null, strategy: 'best-of', campers });
      const run = await new Pipeline({ name: 'twice?', runLog: log, campfires: [campfire] }).run({ cycles: 1 });
      expect(log.events(run.runId, { kinds: ['model-attempt'] }).map((event) => [event.camper, (event.data as { attempt: number }).attempt])).toEqual([
        ['same-run', 1],
        ['same-run', 2],
        ['other-run', 1],
      ]);
      expect(other.events(elsewhere, { kinds: ['model-attempt'] }).map((event) => [event.campfire, event.camper, (event.data as { cycle: number }).cycle])).toEqual([['summary', 'other-run', 1]]);
      const lines = readFileSync(join(dir, 'model-debug.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { camper?: string; runId: string; cycle: number; ok: boolean });
      expect(lines.map((line) => [line.runId, line.cycle, line.ok])).toEqual([
        [run.runId, 1, false],
        [run.runId, 1, true],
        [run.runId, 1, true],
      ]);
    } finally {
      log.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the error torch of a campfire whose only camper failed with the attempts that failed', async () => {
    const model = new ScriptedModel([new Error('connect ECONNREFUSED 127.0.0.1:11434'), 'Sorry, I cannot help with that.'], { modelId: 'tiny' });
    const campfire = new Campfire({ name: 'summary', output: 'alerts', campers: [new LLMCamper('writer', { model, retries: 2 })] });
    const pipeline = new Pipeline({ name: 'failing writer', runLog: null, campfires: [campfire] });
    const run = await pipeline.run({ cycles: 1 });
    const [torch] = run.torchFlow().torches;
    expect(torch?.error).toBe(true);
    expect(torch?.claim).toMatch(/^writer failed: /);
    expect(torch?.modelAttempts?.map((attempt) => [attempt.outcome, attempt.reason, attempt.answer])).toEqual([
      ['error', 'scripted model tiny failed: connect ECONNREFUSED 127.0.0.1:11434', undefined],
      ['invalid', expect.stringMatching(/JSON/), 'Sorry, I cannot help with that.'],
    ]);
    // The second request was the first one sent again: the prompt is on the first, nothing new on the second.
    expect(torch?.modelAttempts?.map((attempt) => [attempt.prompt !== undefined, attempt.followUp])).toEqual([
      [true, undefined],
      [false, undefined],
    ]);
  });

  it('shows what the model was told once: a request sent again after a failure adds nothing', async () => {
    const model = new ScriptedModel(['no JSON here', new Error('socket hang up'), '{"claim":"fine","confidence":0.5}'], { modelId: 'tiny' });
    const campfire = new Campfire({ name: 'summary', output: null, campers: [new LLMCamper('writer', { model, retries: 3 })] });
    const run = await new Pipeline({ name: 'told once', runLog: null, campfires: [campfire] }).run({ cycles: 1 });
    const attempts = run.torchFlow().torches[0]?.modelAttempts ?? [];
    expect(attempts.map((attempt) => [attempt.outcome, attempt.prompt !== undefined, attempt.followUp?.slice(0, 29)])).toEqual([
      ['invalid', true, undefined],
      ['error', false, 'That answer could not be used'],
      ['ok', false, undefined],
    ]);
  });

  it('keeps both ends of a prompt longer than the cap, and says how long it was', async () => {
    const system = `Rules start. ${'Be brief. '.repeat(1000)}Rules end.`;
    const model = new ScriptedModel(['{"claim":"fine","confidence":0.5}']);
    const campfire = new Campfire({ name: 'summary', output: null, campers: [new LLMCamper('writer', { model, system })] });
    const run = await new Pipeline({ name: 'long prompt', runLog: null, campfires: [campfire] }).run({ cycles: 1 });
    const [attempt] = run.torchFlow().torches[0]?.modelAttempts ?? [];
    expect(attempt?.prompt?.startsWith('system: Rules start. Be brief.')).toBe(true);
    expect(attempt?.prompt).toMatch(/…/);
    // The end stays too: the camper's system text, the schema generateObject adds, then the (empty) user turn.
    expect(attempt?.prompt).toMatch(/Rules end\.\n\nsystem: Answer with only one JSON object[\s\S]*\n\nuser: $/);
    expect([...(attempt?.prompt ?? '')].length).toBeLessThanOrEqual(TORCH_FLOW_TEXT_CAP);
    expect(attempt?.promptLength).toBeGreaterThan(10_000);
  });

  it('names the attempts in the text and HTML fallbacks, escaped and isolated', async () => {
    const log = SqliteRunLog.open(':memory:');
    try {
      const hostile = '<img src=x onerror="alert(1)">\u202eevil';
      const model = new ScriptedModel([`${hostile} not JSON`, '{"claim":"fine","confidence":0.5}']);
      const campfire = new Campfire({ name: 'summary', output: null, campers: [new LLMCamper('writer', { model })] });
      const run = await new Pipeline({ name: 'fallbacks', runLog: log, campfires: [campfire] }).run({ cycles: 1 });
      const bundle = await torchFlowBundle(run.torchFlow());
      const text = String(bundle['text/plain']);
      expect(text).toContain('      attempt 1 of 3 by writer (scripted:scripted, 0 ms): invalid answer — ');
      expect(text).toContain('      attempt 2 of 3 by writer (scripted:scripted, 0 ms): ok; answered "{"claim":"fine","confidence":0.5}"');
      // The override in the answer is isolated: it cannot reverse the words after it.
      expect(text).toMatch(/answered "\u2068<img src=x onerror="alert\(1\)">\u202eevil not JSON\u2069"/);
      const html = String(bundle['text/html']);
      expect(html).toContain('<details><summary>2 model attempts behind this torch: invalid answer, ok</summary>');
      expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
      expect(html).not.toContain('<img');
      expect(html).toContain('<pre dir="auto"');
      // What the model was sent, folded, and on the retry what it was told.
      expect(html).toContain('<details><summary>What the model was sent</summary><pre dir="auto"');
      expect(html).toMatch(/Told after the previous answer: <bdi style="white-space:pre-wrap">That answer could not be used: /);
    } finally {
      log.close();
    }
  });
});
