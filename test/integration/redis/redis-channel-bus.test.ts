import { Redis } from 'ioredis';
import { RedisChannelBus, ValidationError, createMessage, type Message, type RedisChannelBusOptions } from 'campfires';
import { describeChannelBus } from '../../contracts/channel-bus.contract';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

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
    // The group exists and a consumer reads two entries, then "dies" without acknowledging them.
    await live.subscribe('headlines', 'bootstrap', () => undefined);
    await raw.xgroup('CREATE', live.streamKey('headlines'), 'sentiment', '$');
    await live.publish(message('headlines', 'left behind 1'));
    await live.publish(message('headlines', 'left behind 2'));
    const read = (await raw.xreadgroup('GROUP', 'sentiment', 'dead-consumer', 'COUNT', 10, 'STREAMS', live.streamKey('headlines'), '>')) as [string, unknown[]][];
    expect(read[0]?.[1]).toHaveLength(2);
    await live.subscribe('headlines', 'sentiment', (item) => void received.push(item));
    await until(() => received.length === 2);
    expect(claims(received)).toEqual(['left behind 1', 'left behind 2']);
    await live.drain();
    expect(await raw.xpending(live.streamKey('headlines'), 'sentiment')).toEqual([0, null, null, null]);
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
    await until(async () => Number(((await raw.xpending(slow.streamKey('headlines'), 'summary')) as [number])[0]) === 1);
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

  it('does not handle again an entry whose consumer finished it but died before acknowledging', async () => {
    const prefix = freshPrefix();
    const b = bus({ prefix, claimIdleMs: 150 });
    await b.subscribe('headlines', 'bootstrap', () => undefined);
    await raw.xgroup('CREATE', b.streamKey('headlines'), 'summary', '$');
    const item = message('headlines', 'finished elsewhere');
    await b.publish(item);
    await raw.xreadgroup('GROUP', 'summary', 'crashed', 'COUNT', 1, 'STREAMS', b.streamKey('headlines'), '>');
    await raw.set(`${prefix}:seen:headlines:summary:${item.id}`, 'done');
    const received: Message[] = [];
    await b.subscribe('headlines', 'summary', (delivered) => void received.push(delivered));
    await b.publish(message('headlines', 'fresh'));
    await until(async () => Number(((await raw.xpending(b.streamKey('headlines'), 'summary')) as [number])[0]) === 0);
    expect(claims(received)).toEqual(['fresh']);
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
    await raw.xadd(b.streamKey('headlines'), '*', 'message', JSON.stringify({ id: 'x', channel: 'headlines', sender: '' }));
    await b.publish(message('headlines', 'valid'));
    await b.drain();
    expect(claims(received)).toEqual(['valid']);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/sender/);
  });

  it('keeps nothing for a channel nobody subscribes to', async () => {
    const b = bus({ prefix: freshPrefix() });
    await b.publish(message('nobody-listens', 'lost in the woods'));
    expect(await raw.exists(b.streamKey('nobody-listens'))).toBe(0);
  });

  it('names the field, the value and what is allowed for bad options', () => {
    expect(() => new RedisChannelBus({ url: 'http://127.0.0.1:6379' })).toThrow(ValidationError);
    expect(() => new RedisChannelBus({ url: 'http://127.0.0.1:6379' })).toThrow(/url: a Redis URL starts with redis:\/\/ or rediss:\/\/ \(got "http:\/\/127.0.0.1:6379"\)/);
    expect(() => new RedisChannelBus({ url: server.url, batchSize: 0 })).toThrow(/batchSize/);
  });
});
