import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ManualClock, MemoryCounterStore, RateLimitedError, RateLimiter, SqliteRunLog, createOllamaModel, modelRateLimit } from 'campfires';

describe('model rate limits', () => {
  it('allow the per-minute count, refuse the next with retryAt at the window end, and allow again after it', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const limiter = new RateLimiter({ counters: new MemoryCounterStore(), clock });
    const limit = modelRateLimit('openrouter', { perMinute: 2 });
    await limiter.take(limit);
    await limiter.take(limit);
    const error = await limiter.take(limit).catch((caught: unknown) => caught as RateLimitedError);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.code).toBe('model_rate_limited');
    expect(error.retryAt).toBe(Date.UTC(2026, 0, 1, 12, 1, 0));
    expect(error.message).toBe('openrouter: the limit of 2 requests per minute is used up; calls are allowed again at 2026-01-01T12:01:00.000Z (in 30 s)');
    clock.advance(30_000);
    await expect(limiter.take(limit)).resolves.toBeDefined();
  });

  it('count the day in the run log file, do not count refused calls, and reset at midnight UTC', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 0, 0));
    const log = SqliteRunLog.open(':memory:');
    const limiter = new RateLimiter({ counters: log, clock });
    const limit = modelRateLimit('openrouter', { perMinute: 100, perDay: 3 });
    for (let index = 0; index < 3; index += 1) await limiter.take(limit);
    await expect(limiter.take(limit)).rejects.toThrow('openrouter: the limit of 3 requests per day is used up; calls are allowed again at 2026-01-02T00:00:00.000Z (in 3600 s)');
    await expect(limiter.take(limit)).rejects.toThrow(RateLimitedError);
    expect(await limiter.counters.count('ratelimit:openrouter:day', { windowMs: 86_400_000, now: clock.now() })).toBe(3);
    expect(await limiter.counters.count('ratelimit:openrouter:minute', { windowMs: 60_000, now: clock.now() })).toBe(3);
    clock.advance(3_600_000);
    await expect(limiter.take(limit)).resolves.toBeDefined();
    log.close();
  });

  it('survive closing and reopening the run log (a kernel restart)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'campfires-limits-')), 'torch_log.db');
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 9, 0, 10));
    const limit = modelRateLimit('openrouter', { perMinute: 3 });
    const first = SqliteRunLog.open(file);
    await new RateLimiter({ counters: first, clock }).take(limit);
    await new RateLimiter({ counters: first, clock }).take(limit);
    first.close();
    const reopened = SqliteRunLog.open(file);
    const limiter = new RateLimiter({ counters: reopened, clock });
    await limiter.take(limit);
    await expect(limiter.take(limit)).rejects.toThrow('openrouter: the limit of 3 requests per minute is used up');
    reopened.close();
  });

  it('hold under concurrency: 10 requests at once against 4 a minute send exactly 4', async () => {
    const log = SqliteRunLog.open(':memory:');
    const limiter = new RateLimiter({ counters: log, clock: new ManualClock() });
    const limit = modelRateLimit('openrouter', { perMinute: 4 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => limiter.take(limit)));
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(4);
    expect(outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof RateLimitedError)).toHaveLength(6);
    log.close();
  });

  it('give a request back when nobody answered: a model that is down does not use the budget', async () => {
    // A port that was free a moment ago: connecting is refused.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
    const counters = new MemoryCounterStore();
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0));
    const model = createOllamaModel({ host: `http://127.0.0.1:${port}`, rateLimit: { perMinute: 1 }, counters, clock, retries: 0 });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expect(model.generate({ messages: [{ role: 'user', content: 'hello' }] })).rejects.toMatchObject({ code: 'model_unreachable' });
    }
    expect(await counters.count('ratelimit:ollama:minute', { windowMs: 60_000, now: clock.now() })).toBe(0);
  });
});
