import { inspect } from 'node:util';
import { Campfire, Pipeline, SqliteRunLog, ValidationError, createRelayCamper, createToolCamper, loggedHandoffs, type RunEvent } from 'campfires';

function source(name: string, output: string, claims: string[]): Campfire {
  let index = 0;
  return new Campfire({ name, output, campers: [createToolCamper(`${name}-camper`, () => claims[index++] ?? null)] });
}

function stage(name: string, inputs: string[], output: string | null, suffix = name): Campfire {
  return new Campfire({ name, inputs, output, campers: [createToolCamper(`${name}-camper`, ({ inputs: received }) => `${received.map((input) => input.torch.claim).join(' & ')} > ${suffix}`)] });
}

describe('Pipeline', () => {
  it('passes torches through four campfires wired by channel names and writes every event of the contract', async () => {
    const log = SqliteRunLog.open(':memory:');
    const pipeline = new Pipeline({
      name: 'chain',
      runLog: log,
      campfires: [source('scrape', 'headlines', ['blackout']), stage('sentiment', ['headlines'], 'mood'), stage('verify', ['mood'], 'verified'), stage('summary', ['verified'], 'alerts')],
    });
    const seen: RunEvent[] = [];
    pipeline.onEvent((event) => seen.push(event));
    const run = await pipeline.run({ cycles: 1 });
    expect(run.finals).toEqual({ summary: expect.objectContaining({ claim: 'blackout > sentiment > verify > summary' }) });
    expect(run).toMatchObject({ cycles: 1, torchesSent: 4, handoffs: 3, camperErrors: 0 });
    expect(run.run.status).toBe('completed');
    expect(log.run(run.runId).meta).toEqual({
      campfires: [
        { name: 'scrape', campers: ['scrape-camper'], inputs: [], output: 'headlines' },
        { name: 'sentiment', campers: ['sentiment-camper'], inputs: ['headlines'], output: 'mood' },
        { name: 'verify', campers: ['verify-camper'], inputs: ['mood'], output: 'verified' },
        { name: 'summary', campers: ['summary-camper'], inputs: ['verified'], output: 'alerts' },
      ],
      backend: 'offline (deterministic tool campers)',
      rounds: { cycles: 1 },
    });
    const events = log.events(run.runId);
    // A watcher gets every stored event, plus the live-only "campfire active" signals the log does not keep.
    expect(seen.filter((event) => event.kind !== 'campfire-status').map((event) => event.seq)).toEqual(events.map((event) => event.seq));
    expect(seen.filter((event) => event.kind === 'campfire-status').map((event) => `${event.campfire} ${(event.data as { status: string }).status}`)).toEqual([
      'scrape active',
      'sentiment active',
      'verify active',
      'summary active',
    ]);
    // One row per campfire cycle: the torch its torchbearer sent, with the torches it received.
    expect(events.map((event) => `${event.kind} ${event.campfire}/${event.camper}`)).toEqual([
      'torch-sent scrape/scrape-camper',
      'torch-sent sentiment/sentiment-camper',
      'torch-sent verify/verify-camper',
      'torch-sent summary/summary-camper',
      'round-ended null/null',
    ]);
    const handoffs = loggedHandoffs(events).map((handoff) => `${handoff.from} -> ${handoff.to} on ${handoff.channel}`);
    expect(handoffs).toEqual(['scrape -> sentiment on headlines', 'sentiment -> verify on mood', 'verify -> summary on verified']);
    expect(loggedHandoffs(events).map((handoff) => handoff.messageId)).toEqual(events.slice(0, 3).map((event) => event.messageId));
    const [scrape, sentiment] = events;
    expect(sentiment?.data).toMatchObject({ cycle: 1, inputs: [{ messageId: scrape?.messageId, from: 'scrape', channel: 'headlines' }] });
    // Times: active, then the torch received, then sent (idle again) at the row's ts.
    const data = sentiment?.data as { activeAt: number; inputs: { ts: number }[] };
    expect(data.inputs[0]?.ts).toBeGreaterThanOrEqual(scrape?.ts as number);
    expect(data.activeAt).toBeGreaterThanOrEqual(data.inputs[0]?.ts as number);
    expect(sentiment?.ts).toBeGreaterThanOrEqual(data.activeAt);
  });

  it('records a cycle that sends nothing as a cycle-ended row', async () => {
    const pipeline = new Pipeline({ campfires: [source('feed', 'items', ['a']), stage('sink', ['items'], null)] });
    const run = await pipeline.run({ cycles: 2 });
    expect(run.events().map((event) => `${event.kind} ${event.campfire} ${(event.data as { cycle: number }).cycle}`)).toEqual([
      'torch-sent feed 1',
      'torch-sent sink 1',
      'round-ended null undefined',
      'cycle-ended feed 2',
      'round-ended null undefined',
    ]);
  });

  it('delivers only to subscribers of a channel: no crosstalk', async () => {
    const pipeline = new Pipeline({
      campfires: [source('news', 'news', ['n1']), source('weather', 'weather', ['w1']), stage('news-reader', ['news'], null), stage('weather-reader', ['weather'], null), stage('both', ['news', 'weather'], null)],
    });
    const run = await pipeline.run({ cycles: 1 });
    const received = loggedHandoffs(run.events()).map((handoff) => `${handoff.to}<${handoff.channel}`);
    expect(received.sort()).toEqual(['both<news', 'both<weather', 'news-reader<news', 'weather-reader<weather']);
    expect(run.finals['news-reader']?.claim).toBe('n1 > news-reader');
    expect(run.finals['weather-reader']?.claim).toBe('w1 > weather-reader');
  });

  it('runs until quiet when no cycle count is given', async () => {
    const pipeline = new Pipeline({ campfires: [source('feed', 'items', ['a', 'b', 'c']), stage('sink', ['items'], null)] });
    const run = await pipeline.run();
    expect(run.cycles).toBe(4);
    expect(run.torchesSent).toBe(6);
    expect(run.finals.sink?.claim).toBe('c > sink');
  });

  it('records a camper error and goes on', async () => {
    const broken = new Campfire({ name: 'broken', inputs: ['headlines'], output: 'out', campers: [createToolCamper('flaky', () => { throw new Error('model unreachable'); })] });
    const pipeline = new Pipeline({ campfires: [source('scrape', 'headlines', ['x', 'y']), broken, stage('after', ['out'], null)] });
    const run = await pipeline.run({ cycles: 2 });
    expect(run.camperErrors).toBe(2);
    expect(run.finals.after?.claim).toBe('flaky failed: model unreachable > after');
    const error = run.events().find((event) => event.kind === 'camper-error');
    expect(error).toMatchObject({ campfire: 'broken', camper: 'flaky', data: { cycle: 1, error: { message: 'model unreachable' } } });
  });

  it('runs 120 campfires in one process', async () => {
    const campfires: Campfire[] = [source('origin', 'c0', ['spark', 'spark', 'spark'])];
    for (let index = 1; index <= 119; index += 1) campfires.push(new Campfire({ name: `fire-${index}`, inputs: [`c${index - 1}`], output: `c${index}`, campers: [createRelayCamper(`relay-${index}`)] }));
    const run = await new Pipeline({ campfires }).run({ cycles: 3 });
    expect(run.torchesSent).toBe(3 * 120);
    expect(run.handoffs).toBe(3 * 119);
    expect(run.finals['fire-119']?.claim).toBe('spark');
  });

  it('refuses duplicate names, loops and bad run options, naming them', async () => {
    expect(() => new Pipeline({ campfires: [stage('a', ['x'], 'y'), stage('a', ['y'], 'z')] })).toThrow(/two campfires named "a"/);
    expect(() => new Pipeline({ campfires: [stage('a', ['x'], 'y'), stage('b', ['y'], 'x')] })).toThrow(/torches would go round forever: a -> b -> a/);
    const pipeline = new Pipeline({ campfires: [source('s', 'out', ['x'])] });
    await expect(pipeline.run({ cycles: 0 })).rejects.toThrow(ValidationError);
    await expect(pipeline.run({ cycles: 1.5 })).rejects.toThrow(/options\.cycles/);
    const first = pipeline.run({ cycles: 1 });
    await expect(pipeline.run({ cycles: 1 })).rejects.toThrow('pipeline "pipeline" is already running; await the first run before starting another');
    await first;
  });

  it('summarises itself and its runs in one line', async () => {
    const pipeline = new Pipeline({ name: 'tiny', campfires: [source('s', 'out', ['hello']), stage('t', ['out'], null)] });
    const run = await pipeline.run({ cycles: 1 });
    expect(inspect(pipeline)).toBe('Pipeline tiny: 2 campfires (1 source), 1 run, no run log');
    expect(inspect(run)).toMatch(/^PipelineRun run_memory_1 \(tiny, completed\): 1 cycles, 2 torches, 1 handoffs, 0 camper errors in \d+ ms; t: "hello > t"$/);
  });
});

describe('Pipeline in a notebook', () => {
  it('shows a campfire\'s own torches after a logged run (read back from the log) and after cycles run on its own', async () => {
    const log = SqliteRunLog.open(':memory:');
    const scrape = source('scrape', 'headlines', ['blackout', 'storm', 'flood']);
    const pipeline = new Pipeline({ runLog: log, campfires: [scrape, stage('sentiment', ['headlines'], null)] });
    await pipeline.run({ cycles: 2, display: false });
    const claims = async () => ((await scrape.toMimeBundle())['application/vnd.campfires.torchflow.v1+json'] as { torches: { claim: string }[] }).torches.map((torch) => torch.claim);
    expect(await claims()).toEqual(['blackout', 'storm']);
    await scrape.cycle();
    expect(await claims()).toEqual(['blackout', 'storm', 'flood']);
    log.close();
    // With the log closed, what the process still holds.
    expect(await claims()).toEqual(['flood']);
  });

  it('gives its run a torch-flow bundle for the notebook, with every torch and its receivers', async () => {
    const pipeline = new Pipeline({ name: 'flow', campfires: [source('scrape', 'headlines', ['blackout']), stage('sentiment', ['headlines'], 'mood')] });
    const run = await pipeline.run({ cycles: 1, display: false });
    const bundle = await run.toMimeBundle();
    const flow = bundle['application/vnd.campfires.torchflow.v1+json'] as { torches: { from: string; to: string[]; claim: string }[]; backend: string };
    expect(flow.backend).toBe('offline (deterministic tool campers)');
    expect(flow.torches.map((torch) => [torch.from, torch.to, torch.claim])).toEqual([
      ['scrape', ['sentiment'], 'blackout'],
      ['sentiment', [], 'blackout > sentiment'],
    ]);
    expect(String(bundle['text/plain'])).toContain('flow');
    expect(Object.keys(await pipeline.toMimeBundle())).toEqual(Object.keys(bundle));
  });
});

describe('Pipeline live display', () => {
  it('shows the torch flow once the run ends when asked to display outside a kernel', async () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => writes.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      await new Pipeline({ name: 'shown', campfires: [source('scrape', 'headlines', ['blackout']), stage('sink', ['headlines'], null)] }).run({ cycles: 1, display: true });
    } finally {
      process.stdout.write = original;
    }
    const text = writes.join('');
    expect(text).toContain('Torch flow "shown" (completed');
    expect(text).toContain('blackout');
  });

  it('lets a single campfire show its recent torches', async () => {
    const campfire = new Campfire({ name: 'solo', output: 'out', campers: [createToolCamper('a', () => 'hello')] });
    await campfire.cycle();
    const bundle = await campfire.toMimeBundle();
    const flow = bundle['application/vnd.campfires.torchflow.v1+json'] as { torches: { claim: string; torchbearer: string }[] };
    expect(flow.torches).toMatchObject([{ claim: 'hello', torchbearer: 'a' }]);
  });
});
