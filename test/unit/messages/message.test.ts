import { createMessage, MemoryChannelBus, ValidationError, type Message } from 'campfires';

/** What a refusal says: its message and the issue list a caller can read. */
function refusal(make: () => unknown): ValidationError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a refusal');
}

class Point {
  constructor(readonly x: number) {}
}

describe('createMessage', () => {
  it('fills in id, time, tags, antecedents and signature', () => {
    const before = Date.now();
    const message = createMessage({ channel: 'crisis-update', sender: 'alert', payload: { level: 2 } });
    expect(message).toMatchObject({ channel: 'crisis-update', sender: 'alert', payload: { level: 2 }, tags: [], antecedents: [], signature: null });
    expect(message.id).toMatch(/^msg_[0-9a-z]{12}[0-9a-f]{8}$/);
    expect(message.ts).toBeGreaterThanOrEqual(before);
  });

  it('gives every message its own id, in the order they were made', () => {
    const ids = Array.from({ length: 5000 }, () => createMessage({ channel: 'c', sender: 's', payload: null }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each([
    ['channel', { channel: 'bad channel!' }, 'bad channel!'],
    ['channel', { channel: '' }, ''],
    ['sender', { sender: '' }, ''],
    ['tags.1', { tags: ['ok', ''] }, ''],
    ['antecedents.0', { antecedents: [7] }, '7'],
    ['ts', { ts: -1 }, '-1'],
    ['ts', { ts: 1.5 }, '1.5'],
  ])('names %s and the value of a bad envelope', (field, change, given) => {
    const error = refusal(() => createMessage({ channel: 'c', sender: 's', payload: 1, ...(change as object) } as never));
    expect(error.message).toContain(`${field}:`);
    expect(error.issues.map((issue) => issue.field)).toContain(field);
    expect(JSON.stringify(error.issues)).toContain(JSON.stringify(given).slice(1, -1));
  });

  it.each([
    ['payload', Number.NaN, 'NaN'],
    ['payload', Number.POSITIVE_INFINITY, 'Infinity'],
    ['payload.f', { f: () => 'the source of a function is never quoted' }, 'a function (f)'],
    ['payload.list[2]', { list: [1, 2, 10n] }, 'a BigInt (10n; send it as a string or a number)'],
    ['payload.when', { when: new Date(0) }, 'a Date (1970-01-01T00:00:00.000Z; send date.toISOString())'],
    ['payload.point', { point: new Point(1) }, 'an instance of Point (send a plain object)'],
    ['payload.s', { s: Symbol('x') }, 'a symbol (x)'],
    ['payload.d[0]', { a: { b: undefined }, d: [undefined] }, 'undefined (leave the key out, or use null)'],
    ['payload.loop.self', (() => { const loop: Record<string, unknown> = {}; loop.self = loop; return { loop }; })(), 'a circular reference (back to payload.loop)'],
  ])('names %s and what it holds when the payload is not JSON', (field, payload, given) => {
    const error = refusal(() => createMessage({ channel: 'c', sender: 's', payload: payload as never }));
    expect(error.message).toBe(`message is not valid: ${field} is not a JSON value (got ${given})`);
    expect(error.issues).toEqual([{ field, message: 'not a JSON value', given, allowed: 'strings, finite numbers, booleans, null, arrays and plain objects' }]);
    expect(error.message).not.toContain('never quoted');
  });

  it.each([65, 100_000])('refuses a payload nested %i levels deep, naming where, without overflowing the stack', (levels) => {
    let payload: unknown = 'bottom';
    for (let level = 0; level < levels; level += 1) payload = { a: payload };
    const error = refusal(() => createMessage({ channel: 'c', sender: 's', payload: payload as never }));
    // A long path is shortened in the middle; both ends stay.
    expect(error.message).toMatch(/^message is not valid: payload\.a\.a[.a…]*\.a is not a JSON value \(got nesting deeper than 64 levels\)$/);
    expect(error.message.length).toBeLessThan(150);
    let fine: unknown = 'bottom';
    for (let level = 0; level < 64; level += 1) fine = { a: fine };
    expect(createMessage({ channel: 'c', sender: 's', payload: fine as never }).payload).toBe(fine);
  });

  it('quotes only the start of a long bad value', () => {
    const error = refusal(() => createMessage({ channel: 'c', sender: 's', payload: { n: BigInt('9'.repeat(5000)) } as never }));
    expect(error.message.length).toBeLessThan(200);
  });

  it('keeps undefined fields out, as JSON does, and accepts nested JSON', () => {
    const payload = { a: [1, 'two', null, { b: true }], skipped: undefined };
    const message = createMessage({ channel: 'c', sender: 's', payload: payload as never });
    expect(JSON.parse(JSON.stringify(message.payload))).toEqual({ a: [1, 'two', null, { b: true }] });
  });

  it('makes messages a bus accepts, and a bus refuses what createMessage refuses', async () => {
    const bus = new MemoryChannelBus();
    const seen: Message[] = [];
    await bus.subscribe('c', 'reader', (message) => void seen.push(message));
    await bus.publish(createMessage({ channel: 'c', sender: 's', payload: { ok: 1 } }));
    await bus.drain();
    expect(seen.map((message) => message.payload)).toEqual([{ ok: 1 }]);
    const bad = { ...createMessage({ channel: 'c', sender: 's', payload: 1 }), payload: { f: Number.NaN } };
    await expect(bus.publish(bad)).rejects.toThrow('message is not valid: message.payload.f is not a JSON value (got NaN)');
    await bus.close();
  });
});
