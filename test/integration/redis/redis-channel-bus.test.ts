import { Redis } from 'ioredis';
import { RedisChannelBus, ValidationError, createMessage, type Message, type RedisChannelBusOptions } from 'campfires';
import { describeChannelBus } from '../../contracts/channel-bus.contract';
import { startRedisServer, startRedisServerOn, type RedisServer } from '../../helpers/redis-server';

let server: RedisServer;
let raw: Redis;
let prefixCount = 0;
const open: RedisChannelBus[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});
afterAll(async () => {
  raw.disconnect();
  await server.stop();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((bus) => bus.close()));
});

/** A bus on a fresh prefix (so tests never meet), or on `prefix` to play another process of the same deployment. */
function bus(options: RedisChannelBusOptions = {}): RedisChannelBus {
  const created = new RedisChannelBus({ url: server.url, prefix: `t${prefixCount}`, blockMs: 100, ...options });
  open.push(created);
  return created;
}
function freshPrefix(): string {
  prefixCount += 1;
  return `t${prefixCount}`;
}
const message = (channel: string, claim: string, id?: string): Message =>
  createMessage({ channel, sender: 'scrape', tags: ['torch'], payload: { claim }, id });
const claims = (received: Message[]) => received.map((item) => (item.payload as { claim: string }).claim);
/** Keeps the bus's own stderr lines ("campfires: …") out of the test output, and gives them to the test. */
function catchBusReports(): { reports: string[]; spy: jest.SpyInstance } {
  const reports: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (!String(chunk).includes('campfires:')) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    reports.push(String(chunk));
    return true;
  });
  return { reports, spy };
}
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeChannelBus('RedisChannelBus', async () => new RedisChannelBus({ url: server.url, prefix: freshPrefix(), blockMs: 100 }));

describe('RedisChannelBus', () => {
  it('gives each subscriber every message of its channel once, in publish order, and nothing of other channels', async () => {
    const b = bus({ prefix: freshPrefix() });
    const sentiment: Message[] = [];
    const summary: Message[] = [];
    const weather: Message[] = [];
    await b.subscribe('headlines', 'sentiment', (item) => void sentiment.push(item));
    await b.subscribe('headlines', 'summary', (item) => void summary.push(item));
    await b.subscribe('weather', 'weather', (item) => void weather.push(item));
    for (const claim of ['one', 'two', 'three']) await b.publish(message('headlines', claim));
    await b.drain();
    expect(claims(sentiment)).toEqual(['one', 'two', 'three']);
    expect(claims(summary)).toEqual(['one', 'two', 'three']);
    expect(weather).toEqual([]);
    expect(sentiment[0]).toEqual(expect.objectContaining({ channel: 'headlines', sender: 'scrape', tags: ['torch'] }));
  });

  it('shares one subscriber’s messages between its processes, each message handled by exactly one', async () => {
    const prefix = freshPrefix();
    const first = bus({ prefix });
    const second = bus({ prefix });
    const handledBy: string[] = [];
    const seen: string[] = [];
    const handler = (name: string) => async (item: Message) => {
      handledBy.push(name);
      seen.push(item.id);
      await new Promise((resolve) => setTimeout(resolve, 2));
    };
    await first.subscribe('headlines', 'sentiment', handler('first'));
    await second.subscribe('headlines', 'sentiment', handler('second'));
    const publisher = bus({ prefix });
    const sent: string[] = [];
    for (let index = 0; index < 60; index += 1) {
      const item = message('headlines', `claim ${index}`);
      sent.push(item.id);
      await publisher.publish(item);
    }
    await publisher.drain();
    expect([...seen].sort()).toEqual([...sent].sort());
    expect(new Set(handledBy)).toEqual(new Set(['first', 'second']));
  });

  it('hands the entries a dead consumer left pending to a live consumer of the same group', async () => {
    const prefix = freshPrefix();
    const live = bus({ prefix, claimIdleMs: 200 });
    const received: Message[] = [];
    // Another process of "sentiment" subscribed, read two entries, then died without acknowledging them.
    const key = live.streamKey('headlines', 'sentiment');
    await raw.xgroup('CREATE', key, 'campfires', '$', 'MKSTREAM');
    await raw.sadd(`${prefix}:subscribers:headlines`, 'sentiment');
    await raw.sadd(`${prefix}:channels`, key);
    await live.publish(message('headlines', 'left behind 1'));
    await live.publish(message('headlines', 'left behind 2'));
    const read = (await raw.xreadgroup('GROUP', 'campfires', 'dead-consumer', 'COUNT', 10, 'STREAMS', key, '>')) as [string, unknown[]][];
    expect(read[0]?.[1]).toHaveLength(2);
    await live.subscribe('headlines', 'sentiment', (item) => void received.push(item));
    await until(() => received.length === 2);
    expect(claims(received).sort()).toEqual(['left behind 1', 'left behind 2']);
    await live.drain();
    expect(await raw.xpending(live.streamKey('headlines', 'sentiment'), 'campfires')).toEqual([0, null, null, null]);
  });

  it('does not hand a message over while its consumer is still working on it', async () => {
    const prefix = freshPrefix();
    const slow = bus({ prefix, claimIdleMs: 1000 });
    const other = bus({ prefix, claimIdleMs: 1000 });
    const handled: string[] = [];
    await slow.subscribe('headlines', 'summary', async (item) => {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      handled.push(`slow:${item.id}`);
    });
    await slow.publish(message('headlines', 'long job'));
    await until(async () => Number(((await raw.xpending(slow.streamKey('headlines', 'summary'), 'campfires')) as [number])[0]) === 1);
    await other.subscribe('headlines', 'summary', (item) => void handled.push(`other:${item.id}`));
    await slow.drain();
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatch(/^slow:/);
  });

  it('drops a message whose id it has already handled, even when published again', async () => {
    const b = bus({ prefix: freshPrefix() });
    const received: Message[] = [];
    await b.subscribe('headlines', 'summary', (item) => void received.push(item));
    const item = message('headlines', 'only once', 'msg_fixed_id');
    await b.publish(item);
    await b.drain();
    await b.publish(item);
    await b.publish(message('headlines', 'next'));
    await b.drain();
    expect(claims(received)).toEqual(['only once', 'next']);
  });

  it('gives each subscriber once a message that several processes publish again (a resumed campfire)', async () => {
    const prefix = freshPrefix();
    const first = bus({ prefix });
    const second = bus({ prefix });
    const sentiment: Message[] = [];
    const summary: Message[] = [];
    await first.subscribe('headlines', 'sentiment', (item) => void sentiment.push(item));
    await second.subscribe('headlines', 'summary', (item) => void summary.push(item));
    const items = Array.from({ length: 20 }, (_, index) => message('headlines', `claim ${index}`, `msg_again_${index}`));
    await Promise.all([...items.map((item) => first.publish(item)), ...items.map((item) => second.publish(item))]);
    await Promise.all(items.map((item) => second.publish(item)));
    await first.drain();
    expect(claims(sentiment)).toEqual(items.map((item) => (item.payload as { claim: string }).claim));
    expect(claims(summary)).toEqual(items.map((item) => (item.payload as { claim: string }).claim));
  });

  it('keeps a subscriber’s place while none of its processes runs, so a restart misses nothing', async () => {
    const prefix = freshPrefix();
    const before = bus({ prefix });
    const early: Message[] = [];
    const subscription = await before.subscribe('headlines', 'summary', (item) => void early.push(item));
    await before.publish(message('headlines', 'while running'));
    await before.drain();
    await subscription.unsubscribe();
    await before.publish(message('headlines', 'while down'));
    await before.drain(); // a group nobody runs does not hold drain up
    expect(claims(early)).toEqual(['while running']);
    const after = bus({ prefix });
    const late: Message[] = [];
    await after.subscribe('headlines', 'summary', (item) => void late.push(item));
    await until(() => late.length === 1);
    expect(claims(late)).toEqual(['while down']);
  });

  it('drains across processes: waits for work that handlers elsewhere publish onward', async () => {
    const prefix = freshPrefix();
    const source = bus({ prefix });
    const middle = bus({ prefix });
    const sink = bus({ prefix });
    const alerts: string[] = [];
    await middle.subscribe('headlines', 'sentiment', async (item) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await middle.publish(message('scored', `${(item.payload as { claim: string }).claim} (negative)`));
    });
    await sink.subscribe('scored', 'summary', async (item) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      alerts.push((item.payload as { claim: string }).claim);
    });
    await source.publish(message('headlines', 'blackout'));
    await source.publish(message('headlines', 'flooding'));
    await source.drain();
    expect(alerts).toEqual(['blackout (negative)', 'flooding (negative)']);
  });

  it('reports an entry that is not a valid message and goes on with the next', async () => {
    const failures: string[] = [];
    const b = bus({ prefix: freshPrefix(), onError: (error) => void failures.push((error as Error).message) });
    const received: Message[] = [];
    await b.subscribe('headlines', 'summary', (item) => void received.push(item));
    await raw.xadd(b.streamKey('headlines', 'summary'), '*', 'message', JSON.stringify({ id: 'x', channel: 'headlines', sender: '' }));
    await b.publish(message('headlines', 'valid'));
    await b.drain();
    expect(claims(received)).toEqual(['valid']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/sender/);
  });

  it('keeps nothing for a channel nobody subscribes to', async () => {
    const b = bus({ prefix: freshPrefix() });
    await b.publish(message('nobody-listens', 'lost in the woods'));
    expect(await raw.keys(`${b.prefix}:*`)).toEqual([]);
  });

  it('shares an inbox between two subscriptions of one process to the same subscriber, each message once', async () => {
    const b = bus({ prefix: freshPrefix() });
    const seen: string[] = [];
    const by = new Set<string>();
    const handler = (name: string) => async (item: Message) => {
      by.add(name);
      seen.push(item.id);
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    await b.subscribe('headlines', 'summary', handler('one'));
    await b.subscribe('headlines', 'summary', handler('two'));
    const sent = Array.from({ length: 40 }, (_, index) => message('headlines', `claim ${index}`));
    await Promise.all(sent.map((item) => b.publish(item)));
    await b.drain();
    expect([...seen].sort()).toEqual(sent.map((item) => item.id).sort());
    expect(by).toEqual(new Set(['one', 'two']));
  });

  it('gives the entries a subscription had read ahead to its next subscription in the same process, in order', async () => {
    const b = bus({ prefix: freshPrefix(), batchSize: 50 });
    const first: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const subscription = await b.subscribe('headlines', 'summary', async (item) => {
      first.push((item.payload as { claim: string }).claim);
      await gate;
    });
    for (let index = 0; index < 10; index += 1) await b.publish(message('headlines', `claim ${index}`));
    await until(() => first.length === 1);
    const stopped = subscription.unsubscribe();
    release();
    await stopped;
    const second: string[] = [];
    await b.subscribe('headlines', 'summary', (item) => void second.push((item.payload as { claim: string }).claim));
    await b.drain();
    expect(first).toEqual(['claim 0']);
    expect(second).toEqual(Array.from({ length: 9 }, (_, index) => `claim ${index + 1}`));
  });

  it('reads ahead at most batchSize entries and goes on once the handler catches up', async () => {
    const b = bus({ prefix: freshPrefix(), batchSize: 2 });
    const received: string[] = [];
    let most = 0;
    await b.subscribe('headlines', 'summary', async (item) => {
      received.push((item.payload as { claim: string }).claim);
      await new Promise((resolve) => setTimeout(resolve, 2));
    });
    const sent = Array.from({ length: 30 }, (_, index) => `claim ${index}`);
    for (const claim of sent) await b.publish(message('headlines', claim));
    const key = b.streamKey('headlines', 'summary');
    while (received.length < sent.length) {
      most = Math.max(most, Number(((await raw.xpending(key, 'campfires')) as [number])[0]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await b.drain();
    expect(received).toEqual(sent);
    // Pending = being handled + waiting: one in the handler, at most batchSize waiting, and up to batchSize read in the same call.
    expect(most).toBeLessThanOrEqual(2 * 2 + 1);
  });

  it('reads a new subscription at once, not after the blocking read times out', async () => {
    const b = bus({ prefix: freshPrefix(), blockMs: 60_000 });
    await b.subscribe('weather', 'first', () => undefined); // the blocking read now waits on this inbox alone
    await new Promise((resolve) => setTimeout(resolve, 100));
    const received: Message[] = [];
    await b.subscribe('headlines', 'summary', (item) => void received.push(item));
    await b.publish(message('headlines', 'right away'));
    await until(() => received.length === 1, 5000);
    expect(claims(received)).toEqual(['right away']);
  });

  it('keeps names with colons, slashes and any characters apart: no crosstalk through the keys', async () => {
    const b = bus({ prefix: freshPrefix() });
    const got = new Map<string, string[]>();
    const pairs: [string, string][] = [
      ['a:b', 'c'],
      ['a', 'b:c'],
      ['a/b', 'c'],
      ['a', 'b/c'],
      ['a', 'Zoë the 🔥 keeper'],
      ['a', 'a:b:c'],
    ];
    for (const [channel, subscriber] of pairs) {
      await b.subscribe(channel, subscriber, (item) => {
        const key = `${channel} | ${subscriber}`;
        got.set(key, [...(got.get(key) ?? []), (item.payload as { claim: string }).claim]);
      });
    }
    for (const channel of ['a:b', 'a', 'a/b']) await b.publish(message(channel, `on ${channel}`));
    await b.drain();
    expect(Object.fromEntries(got)).toEqual({
      'a:b | c': ['on a:b'],
      'a | b:c': ['on a'],
      'a/b | c': ['on a/b'],
      'a | b/c': ['on a'],
      'a | Zoë the 🔥 keeper': ['on a'],
      'a | a:b:c': ['on a'],
    });
    expect(await b.subscribersOf('a')).toEqual(['Zoë the 🔥 keeper', 'a:b:c', 'b/c', 'b:c']);
  });

  it('makes its inbox again when Redis lost its data (restarted without persistence) and delivers what comes next', async () => {
    const { reports, spy } = catchBusReports();
    try {
      const prefix = freshPrefix();
      const b = bus({ prefix });
      const summary: string[] = [];
      const weather: string[] = [];
      await b.subscribe('headlines', 'summary', (item) => void summary.push((item.payload as { claim: string }).claim));
      await b.subscribe('weather', 'weather', (item) => void weather.push((item.payload as { claim: string }).claim));
      await b.publish(message('headlines', 'before'));
      await until(() => summary.length === 1);
      await raw.del(...(await raw.keys(`${prefix}:*`)));
      await until(async () => (await b.subscribersOf('headlines')).length === 1 && (await b.subscribersOf('weather')).length === 1);
      await b.publish(message('headlines', 'after'));
      await b.publish(message('weather', 'rain'));
      await b.drain();
      expect(summary).toEqual(['before', 'after']);
      expect(weather).toEqual(['rain']);
    } finally {
      spy.mockRestore();
    }
    expect(reports.join('')).toMatch(/was gone \(a Redis restarted without its data, or forget\); made again, empty/);
  });

  it('delivers again after its Redis server restarts without data, with no process restarted', async () => {
    const own = await startRedisServer();
    const { spy } = catchBusReports();
    let restarted: RedisServer | undefined;
    const b = new RedisChannelBus({ url: own.url, prefix: 'restart', blockMs: 100 });
    try {
      const received: string[] = [];
      await b.subscribe('headlines', 'summary', (item) => void received.push((item.payload as { claim: string }).claim));
      await b.publish(message('headlines', 'before'));
      await until(() => received.length === 1);
      await own.stop();
      restarted = await startRedisServerOn(own.port);
      await until(async () => (await b.subscribersOf('headlines')).length === 1, 20_000);
      await b.publish(message('headlines', 'after'));
      await until(() => received.length === 2);
      expect(received).toEqual(['before', 'after']);
    } finally {
      await b.close();
      spy.mockRestore();
      await restarted?.stop();
    }
  });

  it('shows its inboxes in a notebook: what waits unread and what is in hand, across processes', async () => {
    const prefix = freshPrefix();
    const b = bus({ prefix });
    const other = bus({ prefix });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await b.subscribe('headlines', 'summary', () => gate);
    await other.subscribe('headlines', 'summary', () => gate);
    const asleep = await b.subscribe('weather', 'Zoë: forecasts', () => undefined);
    await asleep.unsubscribe();
    for (let index = 0; index < 3; index += 1) await b.publish(message('headlines', `claim ${index}`));
    await b.publish(message('weather', 'rain'));
    // Both processes of "summary" read ahead while their handlers wait: all three are in hand, none unread.
    await until(async () => (await b.inboxes()).find((row) => row.channel === 'headlines')?.inHand === 3);
    expect(await b.inboxes()).toEqual([
      { channel: 'headlines', subscriber: 'summary', waiting: 0, inHand: 3, consumers: 2 },
      { channel: 'weather', subscriber: 'Zoë: forecasts', waiting: 1, inHand: 0, consumers: 0 },
    ]);
    const bundle = await b.toMimeBundle();
    expect(bundle['text/plain']).toContain(`RedisChannelBus(${server.url}, prefix ${prefix}, 1 subscription): 2 inboxes`);
    expect(bundle['text/plain']).toMatch(/headlines\s+summary\s+0\s+3\s+2/);
    expect(bundle['text/html']).toContain('<td>Zoë: forecasts</td>');
    release();
    await b.drain();
    expect((await b.inboxes()).map((row) => [row.waiting, row.inHand])).toEqual([[0, 0], [1, 0]]);
  });

  it('forgets a subscriber for good once its processes stop', async () => {
    const prefix = freshPrefix();
    const b = bus({ prefix });
    const subscription = await b.subscribe('headlines', 'summary', () => undefined);
    await b.subscribe('headlines', 'sentiment', () => undefined);
    await subscription.unsubscribe();
    expect(await b.forget('headlines', 'summary')).toBe(true);
    expect(await b.subscribersOf('headlines')).toEqual(['sentiment']);
    await b.publish(message('headlines', 'only for sentiment'));
    await b.drain();
    expect(await raw.exists(b.streamKey('headlines', 'summary'))).toBe(0);
    expect(await b.forget('headlines', 'summary')).toBe(false);
  });

  it('names the field, the value and what is allowed for bad options', () => {
    expect(() => new RedisChannelBus({ url: 'http://127.0.0.1:6379' })).toThrow(ValidationError);
    expect(() => new RedisChannelBus({ url: 'http://127.0.0.1:6379' })).toThrow(/url: a Redis URL starts with redis:\/\/ or rediss:\/\/ \(got "http:\/\/127.0.0.1:6379"\)/);
    expect(() => new RedisChannelBus({ url: server.url, batchSize: 0 })).toThrow(/batchSize/);
  });
});
