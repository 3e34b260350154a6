/**
 * Watching a model think: while a model streams, the live display of a pipeline run or a
 * council shows its text arriving in the working campfire's or agent's row, a few updates
 * a second however fast the tokens come, and the final update (what a saved notebook
 * keeps) holds only the finished run. The kernel is tslab's own writer slot, set here as
 * tslab sets it while a cell runs; the models speak over HTTP to the local protocol servers.
 */
import {
  Campfire,
  LLMCamper,
  Pipeline,
  Simulation,
  SqliteRunLog,
  ValidationError,
  createOllamaModel,
  createOpenAICompatibleModel,
  createToolCamper,
  loadSimulationConfig,
  simulationConfigFrom,
  THINKING_TEXT_LIMIT,
  thinkingTail,
  type AgentToken,
  type CamperToken,
  type SimulationPayload,
  type TorchFlowPayload,
} from 'campfires';
import { oneLine } from 'campfires/display';
import { startOllamaProtocolServer, startOpenAIProtocolServer, type OllamaProtocolServer, type OpenAIProtocolServer } from 'campfires/testing';

const TORCH_FLOW = 'application/vnd.campfires.torchflow.v1+json';
const SIMULATION = 'application/vnd.campfires.simulation.v1+json';

interface Send {
  data: Record<string, unknown>;
  update: boolean;
  displayId: string | undefined;
}

/** Puts a writer in tslab's slot, as tslab's kernel does while it runs a cell: every bundle sent is kept. */
function kernelWriter(): { sends: Send[]; restore(): void } {
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
  const sends: Send[] = [];
  jupyter.lastWriteDisplayData = (message: { data: Record<string, unknown>; transient: { display_id?: string } }, update: boolean) =>
    sends.push({ data: message.data, update, displayId: message.transient.display_id });
  return { sends, restore: () => (jupyter.lastWriteDisplayData = null) };
}

/** Every text form of a bundle, to look for text that must not be left in it. */
function allText(data: Record<string, unknown>): string {
  return Object.values(data)
    .map((value) => (typeof value === 'string' ? value : JSON.stringify(value)))
    .join('\n');
}

/** The partial texts (long enough to tell apart) that are still in `final`, raw or as JSON escapes them. */
function leftovers(final: string, partial: string[]): string[] {
  return partial.filter((text) => text.length >= 12 && (final.includes(text) || final.includes(JSON.stringify(text).slice(1, -1))));
}

/**
 * A bundle's text without the whole answers it keeps as the run's record (a torch's model
 * attempts): raw, as JSON escapes them (once and inside a string), as HTML escapes them,
 * and as the text form's one-line cut shows them.
 */
function withoutWholeAnswers(data: Record<string, unknown>, wholes: string[]): string {
  let rest = allText(data);
  const html = (text: string) => text.replace(/[&<>"']/g, (character) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[character]};`);
  for (const whole of wholes) {
    const escaped = JSON.stringify(whole).slice(1, -1);
    for (const form of [whole, escaped, JSON.stringify(escaped).slice(1, -1), html(whole), oneLine(whole, 90)]) rest = rest.split(form).join('');
  }
  return rest;
}

/** The raw answers the final payload keeps on the torches of `campfire`, per torch. */
function keptAnswers(data: Record<string, unknown>, campfire: string): (string | undefined)[][] {
  return (data[TORCH_FLOW] as TorchFlowPayload).torches.filter((torch) => torch.from === campfire).map((torch) => (torch.modelAttempts ?? []).map((attempt) => attempt.answer));
}

/** A model's answer as JSON text, long enough to stream in many pieces. */
function answerFor(claim: string): string {
  return JSON.stringify({ claim, confidence: 0.8 });
}

/** Checks what every live pipeline update and the final one show: returns the partial texts seen. */
function checkTorchFlowSends(sends: Send[], expected: { campfire: string; camper: string; text: (cycle: number) => string; cycles: number; revealed: boolean }): string[] {
  expect(sends.length).toBeGreaterThan(1);
  // One output, replaced in place.
  expect(new Set(sends.map((send) => send.displayId)).size).toBe(1);
  expect(sends.map((send) => send.update)).toEqual([false, ...sends.slice(1).map(() => true)]);
  const partial: string[] = [];
  for (const send of sends) {
    const payload = send.data[TORCH_FLOW] as TorchFlowPayload;
    for (const row of payload.thinking ?? []) {
      expect(payload.status).toBe('running');
      expect(row).toMatchObject({ campfire: expected.campfire, camper: expected.camper, revealed: expected.revealed });
      const whole = expected.text(row.cycle);
      // The row's text is the start of what that camper wrote in that cycle.
      expect(whole.startsWith(row.text)).toBe(true);
      // The cycle's torch is not shown yet while its text is still being written.
      expect(payload.torches.some((torch) => torch.from === expected.campfire && torch.cycle === row.cycle)).toBe(false);
      expect(send.data['text/html']).toContain('campfires-thinking');
      expect(send.data['text/plain']).toContain(`${expected.campfire} (${expected.camper})`);
      if (row.text.length < whole.length) partial.push(row.text);
    }
  }
  const last = sends.at(-1)!.data;
  const final = last[TORCH_FLOW] as TorchFlowPayload;
  expect(final.status).toBe('completed');
  expect(final.thinking).toBeUndefined();
  expect(last['text/html']).not.toContain('campfires-thinking');
  expect(final.torches.filter((torch) => torch.from === expected.campfire)).toHaveLength(expected.cycles);
  return partial;
}

describe('a pipeline run shows its model writing', () => {
  let ollama: OllamaProtocolServer;
  let writer: ReturnType<typeof kernelWriter>;
  beforeEach(async () => {
    ollama = await startOllamaProtocolServer({ models: ['llama3.1:8b'] });
    writer = kernelWriter();
  });
  afterEach(async () => {
    writer.restore();
    await ollama.close();
  });

  const pipelineWith = (model: ReturnType<typeof createOllamaModel> | ReturnType<typeof createOpenAICompatibleModel>, runLog = SqliteRunLog.open(':memory:')) =>
    new Pipeline({
      name: 'watching',
      runLog,
      campfires: [
        new Campfire({ name: 'scrape', output: 'headlines', campers: [createToolCamper('feed', (context) => `headline ${context.cycle}: the eastern grid strains`)] }),
        new Campfire({ name: 'sentiment', inputs: ['headlines'], output: null, campers: [new LLMCamper('mood', { model })] }),
      ],
    });

  it.each([
    { pieces: 120, pause: 15 },
    { pieces: 200, pause: 8 },
  ])('streams an Ollama answer of $pieces pieces into the sentiment row, a few updates a second, and ends with the torch alone', async ({ pieces, pause }) => {
    const claims = [1, 2].map((cycle) => `cycle ${cycle}: crowds gather, fear is rising along ${'the eastern line, '.repeat(6)}and calls to the helpline double`);
    ollama.reply(...claims.map((claim) => ({ text: answerFor(claim), chunks: pieces, chunkDelayMs: pause })));
    const tokens: CamperToken[] = [];
    const pipeline = pipelineWith(createOllamaModel({ host: ollama.url }));
    pipeline.onToken((token) => tokens.push(token));
    await pipeline.run({ cycles: 2, display: true, liveThrottleMs: 200 });

    // The model was asked to stream, and every piece was told, in order, per cycle.
    expect(ollama.requests.filter((request) => request.path === '/api/chat').map((request) => request.body.stream)).toEqual([true, true]);
    for (const cycle of [1, 2]) {
      const own = tokens.filter((token) => token.cycle === cycle);
      expect(own.length).toBeGreaterThan(pieces / 2);
      expect(own.map((token) => token.chunk).join('')).toBe(answerFor(claims[cycle - 1]!));
      expect(own.every((token) => token.campfire === 'sentiment' && token.camper === 'mood' && token.attempt === 1 && !token.revealed)).toBe(true);
      expect(own.at(-1)!.text).toBe(answerFor(claims[cycle - 1]!));
    }
    const partial = checkTorchFlowSends(writer.sends, { campfire: 'sentiment', camper: 'mood', text: (cycle) => answerFor(claims[cycle - 1]!), cycles: 2, revealed: false });
    expect(partial.length).toBeGreaterThanOrEqual(2);
    // Coalesced: far fewer updates than pieces (counted, not timed).
    const thinkingSends = writer.sends.filter((send) => (send.data[TORCH_FLOW] as TorchFlowPayload).thinking).length;
    expect(thinkingSends).toBeLessThanOrEqual(tokens.length / 5);
    expect(writer.sends.length).toBeLessThanOrEqual(tokens.length / 4);
    // The saved state has the torches and each attempt's whole answer (the torch detail shows
    // it), and none of the text as it was written on the way.
    expect(keptAnswers(writer.sends.at(-1)!.data, 'sentiment')).toEqual(claims.map((claim) => [answerFor(claim)]));
    expect(leftovers(withoutWholeAnswers(writer.sends.at(-1)!.data, claims.map(answerFor)), partial)).toEqual([]);
    expect((writer.sends.at(-1)!.data[TORCH_FLOW] as TorchFlowPayload).torches.map((torch) => torch.claim)).toEqual(expect.arrayContaining(claims));
  }, 60_000);

  it('streams through an OpenAI-compatible model the same way', async () => {
    const openai: OpenAIProtocolServer = await startOpenAIProtocolServer();
    try {
      const claim = `the helpline hears ${'more calls every minute, '.repeat(5)}and the mood is grim`;
      openai.reply({ text: answerFor(claim), chunks: 120, chunkDelayMs: 12 });
      const model = createOpenAICompatibleModel({ baseURL: openai.baseURL, apiKey: 'sk-test', model: 'gpt-test' });
      const pipeline = pipelineWith(model);
      const tokens: CamperToken[] = [];
      pipeline.onToken((token) => tokens.push(token));
      await pipeline.run({ cycles: 1, display: true, liveThrottleMs: 200 });
      expect(openai.requests.at(-1)!.body.stream).toBe(true);
      expect(tokens.map((token) => token.chunk).join('')).toBe(answerFor(claim));
      const partial = checkTorchFlowSends(writer.sends, { campfire: 'sentiment', camper: 'mood', text: () => answerFor(claim), cycles: 1, revealed: false });
      expect(partial.length).toBeGreaterThanOrEqual(1);
      expect(writer.sends.filter((send) => (send.data[TORCH_FLOW] as TorchFlowPayload).thinking).length).toBeLessThanOrEqual(tokens.length / 5);
      expect(keptAnswers(writer.sends.at(-1)!.data, 'sentiment')).toEqual([[answerFor(claim)]]);
      expect(leftovers(withoutWholeAnswers(writer.sends.at(-1)!.data, [answerFor(claim)]), partial)).toEqual([]);
    } finally {
      await openai.close();
    }
  }, 60_000);

  it('starts a new attempt afresh: the text of an unusable answer is not shown with the next', async () => {
    const bad = `I think the mood is ${'rather tense, '.repeat(8)}honestly`;
    const claim = 'fear rising in the east';
    ollama.reply({ text: bad, chunks: 60, chunkDelayMs: 10 }, { text: answerFor(claim), chunks: 60, chunkDelayMs: 10 });
    const tokens: CamperToken[] = [];
    const pipeline = pipelineWith(createOllamaModel({ host: ollama.url }));
    pipeline.onToken((token) => tokens.push(token));
    await pipeline.run({ cycles: 1, display: true, liveThrottleMs: 50 });
    expect([...new Set(tokens.map((token) => token.attempt))]).toEqual([1, 2]);
    expect(tokens.filter((token) => token.attempt === 2).at(-1)!.text).toBe(answerFor(claim));
    for (const send of writer.sends) {
      for (const row of (send.data[TORCH_FLOW] as TorchFlowPayload).thinking ?? []) expect(bad.startsWith(row.text) || answerFor(claim).startsWith(row.text)).toBe(true);
    }
    // The saved state keeps both answers whole, each as an attempt of its own; nothing else of the unusable one.
    const [torch] = (writer.sends.at(-1)!.data[TORCH_FLOW] as TorchFlowPayload).torches.filter((entry) => entry.from === 'sentiment');
    expect(torch?.modelAttempts?.map((attempt) => [attempt.attempt, attempt.outcome, attempt.answer])).toEqual([
      [1, 'invalid', bad],
      [2, 'ok', answerFor(claim)],
    ]);
    expect(withoutWholeAnswers(writer.sends.at(-1)!.data, [bad, answerFor(claim)])).not.toContain('rather tense');
  }, 60_000);

  it('does not ask the model to stream when nobody watches', async () => {
    writer.restore();
    ollama.reply({ text: answerFor('quiet night') });
    await pipelineWith(createOllamaModel({ host: ollama.url })).run({ cycles: 1, display: false });
    expect(ollama.requests.find((request) => request.path === '/api/chat')!.body.stream).toBe(false);
  });

  it('does not stream into the display when tokens are turned off', async () => {
    ollama.reply({ text: answerFor('quiet night') });
    await pipelineWith(createOllamaModel({ host: ollama.url })).run({ cycles: 1, display: true, tokens: false });
    expect(ollama.requests.find((request) => request.path === '/api/chat')!.body.stream).toBe(false);
    expect(writer.sends.some((send) => (send.data[TORCH_FLOW] as TorchFlowPayload).thinking)).toBe(false);
  });
});

describe('an offline pipeline reveals its deterministic answers in steps', () => {
  let writer: ReturnType<typeof kernelWriter>;
  beforeEach(() => (writer = kernelWriter()));
  afterEach(() => writer.restore());

  it.each([2, 4, 7])('reveals each claim in %i steps in its campfire row, then the torch replaces it', async (steps) => {
    const claimOf = (cycle: number) => `cycle ${cycle}: ${'a long deterministic claim, '.repeat(cycle + 1)}done`;
    const tokens: CamperToken[] = [];
    const pipeline = new Pipeline({
      name: 'offline',
      campfires: [new Campfire({ name: 'scrape', output: null, campers: [createToolCamper('feed', (context) => claimOf(context.cycle))] })],
    });
    pipeline.onToken((token) => tokens.push(token));
    await pipeline.run({ cycles: 3, display: true, liveThrottleMs: 20, reveal: { steps, stepMs: 10 } });
    for (const cycle of [1, 2, 3]) {
      const own = tokens.filter((token) => token.cycle === cycle);
      expect(own).toHaveLength(steps);
      expect(own.map((token) => token.chunk).join('')).toBe(claimOf(cycle));
      expect(own.every((token) => token.revealed && token.camper === 'feed')).toBe(true);
    }
    const partial = checkTorchFlowSends(writer.sends, { campfire: 'scrape', camper: 'feed', text: claimOf, cycles: 3, revealed: true });
    // Every step was shown: the run waits for the display before the next one.
    const shown = new Set(writer.sends.flatMap((send) => ((send.data[TORCH_FLOW] as TorchFlowPayload).thinking ?? []).map((row) => `${row.cycle}:${row.text}`)));
    for (const token of tokens) expect(shown).toContain(`${token.cycle}:${token.text}`);
    expect(partial.length).toBeGreaterThanOrEqual(3 * (steps - 1));
    expect(allText(writer.sends.at(-1)!.data)).not.toContain('answering');
  }, 60_000);

  it('reveals nothing and waits for nothing when nobody watches', async () => {
    writer.restore();
    const pipeline = new Pipeline({ campfires: [new Campfire({ name: 'scrape', output: null, campers: [createToolCamper('feed', () => 'x'.repeat(50))] })] });
    const started = Date.now();
    await pipeline.run({ cycles: 3, display: false, reveal: { steps: 5, stepMs: 1000 } });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses a bad reveal, naming the field and the value', async () => {
    const pipeline = new Pipeline({ campfires: [new Campfire({ name: 'scrape', output: null, campers: [createToolCamper('feed', () => 'x')] })] });
    await expect(pipeline.run({ cycles: 1, reveal: { steps: 0 } })).rejects.toThrow(ValidationError);
    await expect(pipeline.run({ cycles: 1, reveal: { steps: 0 } })).rejects.toThrow(/reveal\.steps.*0/);
  });
});

describe('a council shows its members thinking', () => {
  const harvest = loadSimulationConfig('fixtures/councils/harvest');
  const oneTurn = simulationConfigFrom(
    { scenario: { name: 'Harvest, one turn' }, simulation: { ...harvest.simulation, max_turns: 1, log_level: 'silent' }, world: harvest.world },
    { personas: harvest.personas },
  );
  const names = harvest.personas.map((persona) => persona.name);
  let writer: ReturnType<typeof kernelWriter>;
  beforeEach(() => (writer = kernelWriter()));
  afterEach(() => writer.restore());

  /** Checks each thinking row against what its own agent wrote; returns the partial texts seen. */
  function checkSimulationSends(textOf: (agent: string) => string, revealed: boolean): string[] {
    const partial: string[] = [];
    for (const send of writer.sends) {
      const payload = send.data[SIMULATION] as SimulationPayload;
      for (const row of payload.thinking ?? []) {
        expect(payload.status).toBe('running');
        expect(row).toMatchObject({ turn: 1, revealed });
        // The row is the agent's own text, and its action is not applied yet.
        expect(textOf(row.agent).startsWith(row.text)).toBe(true);
        expect(payload.actions.some((action) => action.agent === row.agent && action.turn === row.turn)).toBe(false);
        expect(send.data['text/html']).toContain('campfires-thinking');
        if (row.text.length < textOf(row.agent).length) partial.push(row.text);
      }
    }
    const last = writer.sends.at(-1)!.data;
    const final = last[SIMULATION] as SimulationPayload;
    expect(final.status).toBe('completed');
    expect(final.thinking).toBeUndefined();
    expect(final.actions.map((action) => action.agent)).toEqual(names);
    expect(last['text/html']).not.toContain('campfires-thinking');
    return partial;
  }

  it('streams each LLM member answer from an OpenAI-compatible model into that member row', async () => {
    const openai = await startOpenAIProtocolServer();
    try {
      const answers = new Map(names.map((name, index) => [name, JSON.stringify({ action: index % 2 ? 'increase_resource' : 'pass', target: 'world', reason: `${name} weighs ${'the stores and the winter ahead, '.repeat(4)}and decides` })]));
      openai.reply(...names.map((name) => ({ text: answers.get(name)!, chunks: 80, chunkDelayMs: 10 })));
      const tokens: AgentToken[] = [];
      const sim = Simulation.fromSettings(oneTurn, { model: createOpenAICompatibleModel({ baseURL: openai.baseURL, apiKey: 'sk-test', model: 'gpt-test' }), runLog: SqliteRunLog.open(':memory:'), live: true, narrate: null });
      sim.onToken((token) => tokens.push(token));
      await sim.run();
      expect(openai.requests.filter((request) => request.path.endsWith('/chat/completions')).every((request) => request.body.stream === true)).toBe(true);
      for (const name of names) expect(tokens.filter((token) => token.agent === name).map((token) => token.chunk).join('')).toBe(answers.get(name));
      const partial = checkSimulationSends((agent) => answers.get(agent)!, false);
      expect(partial.length).toBeGreaterThanOrEqual(names.length);
      expect(writer.sends.filter((send) => (send.data[SIMULATION] as SimulationPayload).thinking).length).toBeLessThanOrEqual(tokens.length / 5);
      // The final payload keeps each member's whole answer (the turn panel shows it); beyond those, no partial text is left.
      const finalData = writer.sends.at(-1)!.data;
      const finalPayload = finalData[SIMULATION] as SimulationPayload;
      expect(finalPayload.actions.map((action) => action.answer)).toEqual(names.map((name) => answers.get(name)));
      let rest = allText(finalData);
      for (const whole of answers.values()) {
        for (const form of [whole, JSON.stringify(whole).slice(1, -1), JSON.stringify(JSON.stringify(whole).slice(1, -1)).slice(1, -1)]) rest = rest.split(form).join('');
      }
      expect(leftovers(rest, partial)).toEqual([]);
    } finally {
      await openai.close();
    }
  }, 60_000);

  it('reveals persona-policy decisions in steps when asked, offline', async () => {
    const tokens: AgentToken[] = [];
    const sim = Simulation.fromSettings(oneTurn, { runLog: SqliteRunLog.open(':memory:'), live: true, narrate: null, reveal: { steps: 3, stepMs: 20 } });
    sim.onToken((token) => tokens.push(token));
    await sim.run();
    const texts = new Map(names.map((name) => [name, tokens.filter((token) => token.agent === name).at(-1)!.text]));
    for (const record of sim.transcript.actions) {
      expect(tokens.filter((token) => token.agent === record.agent)).toHaveLength(3);
      expect(texts.get(record.agent)).toContain(record.action.reason);
      expect(texts.get(record.agent)!.startsWith(record.action.type)).toBe(true);
    }
    const partial = checkSimulationSends((agent) => texts.get(agent)!, true);
    // Every step was shown: the run waits for the chart before the next one.
    const shown = new Set(writer.sends.flatMap((send) => ((send.data[SIMULATION] as SimulationPayload).thinking ?? []).map((row) => `${row.agent}:${row.text}`)));
    for (const token of tokens) expect(shown).toContain(`${token.agent}:${token.text}`);
    expect(partial.length).toBeGreaterThanOrEqual(names.length * 2);
  }, 60_000);

  it('refuses a bad reveal, naming the field', () => {
    expect(() => Simulation.fromSettings(oneTurn, { runLog: SqliteRunLog.open(':memory:'), reveal: { stepMs: -1 } as never })).toThrow(/reveal\.stepMs/);
  });
});

describe('thinkingTail', () => {
  it.each([
    ['a short text', 'short', 10],
    ['plain letters', 'a'.repeat(THINKING_TEXT_LIMIT + 50), THINKING_TEXT_LIMIT],
    ['emoji', '🔥'.repeat(40), 7],
    ['joined emoji', '👩‍👩‍👧 family '.repeat(30), 12],
    ['accents', 'e\u0301'.repeat(300), 50],
  ])('keeps the newest whole characters of %s', (_label, text, limit) => {
    const tail = thinkingTail(text, limit);
    expect([...new Intl.Segmenter().segment(tail)].length).toBeLessThanOrEqual(limit);
    expect(tail.isWellFormed()).toBe(true);
    if (tail === text) expect([...new Intl.Segmenter().segment(text)].length).toBeLessThanOrEqual(limit);
    else {
      expect(tail.startsWith('…')).toBe(true);
      expect(text.endsWith(tail.slice(1))).toBe(true);
    }
  });
});
