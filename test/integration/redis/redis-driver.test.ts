import { Redis } from 'ioredis';
import { PartyBox, RedisDriver, ValidationError } from 'campfires';
import { describeBoxDriver } from '../../contracts/box-driver.contract';
import { startRedisServer, type RedisServer } from '../../helpers/redis-server';

let server: RedisServer;
let raw: Redis;
let prefixCount = 0;
const nextPrefix = () => `box${(prefixCount += 1)}`;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});
afterAll(async () => {
  raw.disconnect();
  await server.stop();
});

describeBoxDriver('RedisDriver', async (clock) => new RedisDriver({ url: server.url, prefix: nextPrefix(), clock }));

describe('RedisDriver', () => {
  const drivers: RedisDriver[] = [];
  const driver = (options: ConstructorParameters<typeof RedisDriver>[0] = {}) => {
    const made = new RedisDriver({ url: server.url, prefix: nextPrefix(), ...options });
    drivers.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((made) => made.close()));
  });

  it('lets Redis itself expire an asset 20 minutes after it was first stored', async () => {
    const box = driver();
    const hash = await box.put('comments.json', '{"comments": 3}');
    const ttl = (await box.expiresIn(hash)) as number;
    expect(ttl).toBeGreaterThan(20 * 60_000 - 5_000);
    expect(ttl).toBeLessThanOrEqual(20 * 60_000);
    expect(await raw.pttl(`${box.prefix}:data:${hash}`)).toBeGreaterThan(20 * 60_000 - 5_000);
  });

  it('forgets an expired asset everywhere: get, has and list', async () => {
    const box = driver({ maxAgeMs: 150 });
    const hash = await box.put('siren.mp3', Buffer.from([1, 2, 3]));
    expect(await box.has(hash)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await box.has(hash)).toBe(false);
    await expect(box.get(hash)).rejects.toThrow(/no asset "[0-9a-f]{16}" in the Party Box at redis:\/\/127\.0\.0\.1:\d+ .*expired after 150ms/);
    expect(await box.list()).toEqual([]);
    expect(await raw.zcard(`${box.prefix}:assets`)).toBe(0);
  });

  it('keeps the first age when the same bytes come again, so expiry is not pushed back', async () => {
    const box = driver({ maxAgeMs: 60_000 });
    const hash = await box.put('a.txt', 'same bytes');
    await raw.pexpire(`${box.prefix}:meta:${hash}`, 30_000);
    await box.put('b.txt', 'same bytes');
    expect(await box.expiresIn(hash)).toBeLessThanOrEqual(30_000);
    expect((await box.get(hash)).key).toBe('a.txt');
  });

  it('is one box for every process that shares the server', async () => {
    const prefix = nextPrefix();
    const writer = driver({ prefix });
    const reader = driver({ prefix });
    const hash = await writer.put('maps/borough.png', Buffer.from('png bytes'));
    const asset = await reader.get(hash);
    expect((await asset.bytes()).toString()).toBe('png bytes');
    expect(asset.location).toBe(`${server.url}/${prefix}/images/${hash}.png`);
  });

  it('gives torches a url that a PartyBox resolves back to the asset', async () => {
    const box = new PartyBox(driver(), { cleanupEveryMs: 0 });
    const info = await box.put('summary.md', '# Alert');
    expect(box.pointer(info)).toEqual({ url: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+\/box\d+\/documents\/[0-9a-f]{16}\.md$/) });
    expect(await box.text(info.location)).toBe('# Alert');
  });

  it('refuses facts in Redis that are not its own, naming the field', async () => {
    const box = driver();
    await raw.hset(`${box.prefix}:meta:0123456789abcdef`, { key: 'x.txt', category: 'documents', name: '0123456789abcdef.txt', size: 'many', storedAt: 1 });
    await expect(box.get('0123456789abcdef')).rejects.toThrow(ValidationError);
    await expect(box.get('0123456789abcdef')).rejects.toThrow(/size/);
  });

  it('names the option, the value and what is allowed', () => {
    expect(() => new RedisDriver({ url: 'localhost:6379' })).toThrow(/url: a Redis URL starts with redis:\/\/ or rediss:\/\/ \(got "localhost:6379"\)/);
  });
});
