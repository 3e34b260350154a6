import { Camper, Campfire, Pipeline, SqliteRunLog, createToolCamper, createTorch, replayRun, type CamperAnswer, type CamperContext, type Torch } from 'campfires';

/** The torch-sent rows of a run: each torch's JSON as the log stores it. */
function sentTorches(log: SqliteRunLog, runId: string): { campfire: string; json: string; torch: Torch }[] {
  return log
    .events(runId, { kinds: ['torch-sent'] })
    .map((event) => {
      const torch = (event.data as { torch: Torch }).torch;
      return { campfire: String(event.campfire), json: JSON.stringify(torch), torch };
    });
}

const big = 'x'.repeat(6000);

/** Ways a camper can try to change a torch it was handed, each returning what it then answers. */
const tamperings: Array<[string, (torch: Torch) => unknown]> = [
  ['enlarges the claim', (torch) => ((torch as { claim: string }).claim = `${torch.claim}${big}`, torch)],
  ['adds a large metadata key', (torch) => ((torch.metadata as Record<string, unknown>).notes = big, torch)],
  ['grows a nested metadata array', (torch) => ((torch.metadata.list as unknown[]).push(big), torch)],
  ['rewrites a nested metadata object', (torch) => (((torch.metadata.nested as Record<string, unknown>).deep = big), torch)],
  ['sets the confidence out of range', (torch) => ((torch as { confidence: number }).confidence = 7, torch)],
  ['adds a path', (torch) => ((torch as { path?: string }).path = `/${big}`, torch)],
  ['copies a large string in with Object.assign', (torch) => Object.assign(torch, { claim: big })],
  ['deletes the claim', (torch) => (delete (torch as { claim?: string }).claim, torch)],
];

/** Where the torch the camper tampers with comes from. */
const sources: Array<[string, (context: CamperContext) => Torch]> = [
  ['the torch it refines (previous)', (context) => context.previous as Torch],
  ['its input torch', (context) => (context.inputs[0] as { torch: Torch }).torch],
];

const seed: CamperAnswer = { claim: 'seed', metadata: { list: [1, 2], nested: { deep: 'ok' } } };

describe('a torch handed to a camper is frozen, and what it returns is checked every time', () => {
  for (const [sourceName, pick] of sources) {
    for (const [tamperName, tamper] of tamperings) {
      it(`a camper that ${tamperName} of ${sourceName} and returns it sends no torch over 1 KiB, and the run replays`, async () => {
        const log = SqliteRunLog.open(':memory:');
        const tamperer = createToolCamper('tamperer', (context) => tamper(pick(context)) as CamperAnswer);
        const first = new Campfire({ name: 'first', output: 'one', campers: [createToolCamper('seeder', () => seed)] });
        // Refining: the tamperer gets the seed as `previous`; listening: it gets the first campfire's torch as input.
        const second = new Campfire({
          name: 'second',
          inputs: ['one'],
          output: 'two',
          campers: sourceName.startsWith('its input') ? [tamperer] : [createToolCamper('reseeder', () => seed), tamperer],
        });
        const pipeline = new Pipeline({ runLog: log, campfires: [first, second] });
        const run = await pipeline.run({ cycles: 3 });
        expect(run.run.status).toBe('completed');
        const sent = sentTorches(log, run.runId);
        expect(sent).toHaveLength(6);
        for (const row of sent) expect(Buffer.byteLength(row.json)).toBeLessThanOrEqual(1024);
        // The first campfire's torch is what the seeder said, however the second treated it.
        for (const row of sent.filter((item) => item.campfire === 'first')) expect(row.torch).toEqual(createTorch(seed as Torch));
        // The tamperer failed (its write to a frozen torch threw) and says so in an error torch.
        for (const row of sent.filter((item) => item.campfire === 'second')) {
          const tamperErrors = run.camperErrors;
          expect(tamperErrors).toBe(3);
          if (row.torch.metadata.error === true) expect(row.torch.claim).toMatch(/^tamperer failed: .*(read only|read-only|not extensible|non-configurable|Cannot (assign|add|delete))/i);
          else expect(row.torch).toEqual(createTorch(seed as Torch));
        }
        const replay = replayRun(log, run.runId);
        const driven = await replay.drive({ runLog: null });
        expect(driven.torchesSent).toBe(6);
        log.close();
      });
    }
  }

  it('validates the answer of a camper that overrides answer() itself, every cycle', async () => {
    class Sneaky extends Camper {
      override overridePrompt(): CamperAnswer {
        return null;
      }
      override async answer(context: CamperContext): Promise<Torch | null> {
        // Not a torch createTorch made: an oversized object, a missing claim, a good torch.
        const answers = [{ claim: big }, { confidence: 0.5 }, { claim: 'fine' }];
        return answers[(context.cycle - 1) % answers.length] as Torch;
      }
    }
    const log = SqliteRunLog.open(':memory:');
    const run = await new Pipeline({ runLog: log, campfires: [new Campfire({ name: 'solo', output: 'out', campers: [new Sneaky('sneaky')] })] }).run({ cycles: 3 });
    const claims = sentTorches(log, run.runId).map((row) => row.torch.claim);
    expect(claims[0]).toMatch(/^sneaky failed: torch is .* of JSON; a torch may be at most 1024 bytes/);
    expect(claims[1]).toMatch(/^sneaky failed: torch is not valid: torch\.claim/);
    expect(claims[2]).toBe('fine');
    expect(run.camperErrors).toBe(2);
  });

  it('logs the torch as it was sent, not the object a camper changes after answering', async () => {
    const shared: { claim: string; metadata: Record<string, unknown> } = { claim: 'as answered', metadata: { n: 1 } };
    const answerer = createToolCamper('answerer', () => shared);
    const meddler = createToolCamper('meddler', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      shared.claim = big;
      shared.metadata.n = 2;
      return null;
    });
    const log = SqliteRunLog.open(':memory:');
    const run = await new Pipeline({ runLog: log, campfires: [new Campfire({ name: 'solo', output: 'out', campers: [answerer, meddler] })] }).run({ cycles: 2 });
    expect(Object.isFrozen(run.finals.solo)).toBe(true);
    // The second cycle answered with the meddled object: it is checked again, and refused.
    const sent = sentTorches(log, run.runId).map((row) => row.torch);
    expect(sent[0]).toMatchObject({ claim: 'as answered', metadata: { n: 1 } });
    expect(sent[1]?.claim).toMatch(/^answerer failed: torch is .* of JSON; a torch may be at most 1024 bytes/);
  });

  it('hands campers a frozen context and frozen inputs', async () => {
    const seen: CamperContext[] = [];
    const first = new Campfire({ name: 'first', output: 'one', campers: [createToolCamper('a', () => ({ claim: 'hi', metadata: { tags: ['x'] } }))] });
    const second = new Campfire({ name: 'second', inputs: ['one'], output: null, campers: [createToolCamper('b', (context) => (seen.push(context), null))] });
    await new Pipeline({ campfires: [first, second] }).run({ cycles: 1 });
    const context = seen[0] as CamperContext;
    expect(Object.isFrozen(context.inputs)).toBe(true);
    expect(Object.isFrozen(context.inputs[0])).toBe(true);
    expect(Object.isFrozen(context.inputs[0]?.torch)).toBe(true);
    expect(Object.isFrozen(context.inputs[0]?.torch.metadata.tags)).toBe(true);
    expect(() => (context.inputs as unknown[]).push({})).toThrow(TypeError);
  });
});

/** Values JSON cannot hold, the words the error uses for each, and how to build one. */
class Thing {
  x = 1;
}
const nonJson: Array<[string, RegExp, () => unknown]> = [
  ['a BigInt', /a BigInt \(12345678901234567890n/, () => 12345678901234567890n],
  ['NaN', /is NaN/, () => Number.NaN],
  ['Infinity', /is Infinity/, () => Number.POSITIVE_INFINITY],
  ['-Infinity', /is -Infinity/, () => Number.NEGATIVE_INFINITY],
  ['a function', /a function \(helper\)/, () => function helper(): void {}],
  ['a symbol', /a symbol \(tag\)/, () => Symbol('tag')],
  ['undefined', /is undefined/, () => undefined],
  ['a Date', /a Date \(2026-01-02T03:04:05\.000Z; send date\.toISOString\(\)\)/, () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5))],
  ['an invalid Date', /a Date \(invalid/, () => new Date(Number.NaN)],
  ['a Map', /a Map/, () => new Map([['a', 1]])],
  ['a Set', /a Set/, () => new Set([1])],
  ['a class instance', /an instance of Thing/, () => new Thing()],
  ['a Promise', /a Promise \(await it first\)/, () => Promise.resolve(1)],
  ['a Buffer', /binary data \(Buffer/, () => Buffer.from('hi')],
  ['a typed array', /binary data \(Uint8Array/, () => new Uint8Array(2)],
  ['a regular expression', /an instance of RegExp/, () => /x/],
  ['an Error', /an instance of Error/, () => new Error('inner')],
  ['a circular object', /a circular reference \(back to torch\.metadata[.[]/, () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    return loop;
  }],
  ['a circular array', /a circular reference/, () => {
    const loop: unknown[] = [1];
    loop.push([loop]);
    return loop;
  }],
  ['100,000 levels of nesting', /nesting deeper than 512 levels/, () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 100_000; level += 1) deep = { d: deep };
    return deep;
  }],
  ['100,000 nested arrays', /nesting deeper than 512 levels/, () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    return deep;
  }],
  ['a sparse array', /an empty slot \(a sparse array/, () => [1, , 3]], // eslint-disable-line no-sparse-arrays
  ['a symbol key', /an object with a symbol key \(hidden\)/, () => ({ [Symbol('hidden')]: 1, shown: 2 })],
];

/** Where in the answer the value sits: the field path the error must name, and how to place it. */
const placements: Array<[string, (value: unknown) => unknown]> = [
  ['torch.metadata.value', (value) => ({ claim: 'c', metadata: { value } })],
  ['torch.metadata.outer.inner.value', (value) => ({ claim: 'c', metadata: { outer: { inner: { value } } } })],
  ['torch.metadata.list[1]', (value) => ({ claim: 'c', metadata: { list: ['ok', value] } })],
  ['torch.metadata.rows[0].value', (value) => ({ claim: 'c', metadata: { rows: [{ value }] } })],
  ['torch.metadata["odd key"]', (value) => ({ claim: 'c', metadata: { 'odd key': value } })],
];

describe('a camper answer JSON cannot hold becomes one clear error torch, and the run goes on', () => {
  const instances = nonJson.flatMap(([kind, words, make]) => placements.map(([field, place]) => ({ kind, words, make, field, place })));

  it(`turns each of ${instances.length} answers (${nonJson.length} kinds x ${placements.length} places) into an error torch naming field and kind`, async () => {
    const log = SqliteRunLog.open(':memory:');
    const hostile = createToolCamper('hostile', ({ cycle }) => {
      const instance = instances[cycle - 1];
      return instance ? (instance.place(instance.make()) as CamperAnswer) : 'the night goes on';
    });
    const listener = new Campfire({ name: 'listener', inputs: ['out'], output: null, campers: [createToolCamper('echo', ({ inputs }) => `heard: ${inputs[0]?.torch.claim.slice(0, 40)}`)] });
    const pipeline = new Pipeline({ runLog: log, campfires: [new Campfire({ name: 'solo', output: 'out', campers: [hostile] }), listener] });
    const run = await pipeline.run({ cycles: instances.length + 1 });
    expect(run.run.status).toBe('completed');
    expect(run.camperErrors).toBe(instances.length);
    const sent = sentTorches(log, run.runId).filter((row) => row.campfire === 'solo');
    expect(sent).toHaveLength(instances.length + 1);
    const errors = log.events(run.runId, { kinds: ['camper-error'] });
    instances.forEach((instance, index) => {
      const torch = (sent[index] as { torch: Torch }).torch;
      const label = `${instance.kind} at ${instance.field}`;
      expect([label, torch.metadata.error, torch.metadata.errorCode]).toEqual([label, true, 'torch_not_json']);
      const fieldShown = instance.kind.startsWith('100,000') ? instance.field.replace(/\[/g, '\\[').replace(/\]/g, '\\]') : instance.field.replace(/[.[\]"]/g, (c) => `\\${c}`);
      expect([label, torch.claim]).toEqual([label, expect.stringMatching(new RegExp(`^hostile failed: torch is not valid: ${fieldShown}`))]);
      expect([label, torch.claim]).toEqual([label, expect.stringMatching(instance.words)]);
      const error = (errors[index]?.data as { error: { code: string; message: string } }).error;
      expect([label, error.code]).toEqual([label, 'torch_not_json']);
    });
    expect((sent[instances.length] as { torch: Torch }).torch.claim).toBe('the night goes on');
    // The log reads back and replays.
    const driven = await replayRun(log, run.runId).drive({ runLog: null });
    expect(driven.torchesSent).toBe(run.torchesSent);
    log.close();
  });

  it('survives campers that throw what JSON and String() cannot hold', async () => {
    const throwers: Array<[string, () => unknown]> = [
      ['a BigInt', () => 5n],
      ['an object without a prototype', () => Object.create(null)],
      ['an object whose toString throws', () => ({ toString: () => { throw new Error('no'); } })],
      ['a circular object', () => { const loop: Record<string, unknown> = {}; loop.loop = loop; return loop; }],
      ['a symbol', () => Symbol('s')],
      ['undefined', () => undefined],
    ];
    const log = SqliteRunLog.open(':memory:');
    const camper = createToolCamper('thrower', ({ cycle }) => {
      const entry = throwers[cycle - 1];
      if (entry) throw entry[1]();
      return 'done';
    });
    const run = await new Pipeline({ runLog: log, campfires: [new Campfire({ name: 'solo', output: 'out', campers: [camper] })] }).run({ cycles: throwers.length + 1 });
    expect(run.camperErrors).toBe(throwers.length);
    const sent = sentTorches(log, run.runId);
    expect(sent.map((row) => row.torch.metadata.error === true)).toEqual([...throwers.map(() => true), false]);
    for (const row of sent.slice(0, -1)) expect(row.torch.claim).toMatch(/^thrower failed: /);
    log.close();
  });
});
