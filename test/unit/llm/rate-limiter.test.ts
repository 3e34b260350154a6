import { ManualClock, RateLimitedError, RateLimiter, SqliteRunLog } from 'campfires';
import { MemoryRateLimitCounters } from 'campfires/llm';

describe('RateLimiter', () => {
  it('allows the per-minute count, refuses the next with retryAt at the window end, and allows again after it', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const limiter = new RateLimiter('openrouter', { perMinute: 2 }, new MemoryRateLimitCounters(), clock);
    limiter.take();
    limiter.take();
    let error: RateLimitedError | undefined;
    try {
      limiter.take();
    } catch (caught) {
      error = caught as RateLimitedError;
    }
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error!.retryAt).toBe(Date.UTC(2026, 0, 1, 12, 1, 0));
    expect(error!.message).toBe('openrouter: the limit of 2 requests per minute is used up; calls are allowed again at 2026-01-01T12:01:00.000Z (in 30 s)');
    clock.advance(30_000);
    expect(() => limiter.take()).not.toThrow();
  });

  it('counts the day in the run log, does not count refused calls, and resets at midnight UTC', () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 0, 0));
    const log = SqliteRunLog.open(':memory:');
    const limiter = new RateLimiter('openrouter', { perMinute: 100, perDay: 3 }, log, clock);
    for (let index = 0; index < 3; index += 1) limiter.take();
    expect(() => limiter.take()).toThrow('openrouter: the limit of 3 requests per day is used up; calls are allowed again at 2026-01-02T00:00:00.000Z (in 3600 s)');
    expect(() => limiter.take()).toThrow(RateLimitedError);
    expect(log.count('ratelimit:openrouter:day', Date.UTC(2026, 0, 1))).toBe(3);
    expect(log.count('ratelimit:openrouter:minute', Date.UTC(2026, 0, 1, 23, 0))).toBe(3);
    clock.advance(3_600_000);
    expect(() => limiter.take()).not.toThrow();
    log.close();
  });
});
