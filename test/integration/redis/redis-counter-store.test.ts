import { Redis } from 'ioredis';
import { RedisCounterStore } from 'campfires';
import { describeCounterStore } from '../../contracts/counter-store.contract';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

let server: RedisServer;
let prefixCount = 0;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});

describeCounterStore('RedisCounterStore', async () => {
  prefixCount += 1;
  const prefix = `counters${prefixCount}`;
  return {
    store: new RedisCounterStore({ url: server.url, prefix }),
    another: async () => new RedisCounterStore({ url: server.url, prefix }),
  };
});

describe('RedisCounterStore keys', () => {
  it('expire after their window has ended, so old windows do not pile up', async () => {
    const raw = new Redis(server.url);
    const store = new RedisCounterStore({ redis: raw, prefix: 'expiry' });
    const now = Date.now();
    await store.take('sends', { limit: 3, windowMs: 60_000, now });
    const [key] = await raw.keys('expiry:counter:sends:*');
    const ttl = await raw.pttl(key as string);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    await store.close();
    // The store did not open the connection, so it leaves it open.
    expect(await raw.ping()).toBe('PONG');
    raw.disconnect();
  });
});
