import { RateLimitedError, systemClock, type Clock } from '../core';
import type { RunLog } from '../runlog';

/** Where rate-limit counts live: the run log's `counters` table, so a restart keeps them. */
export type RateLimitCounters = Pick<RunLog, 'increment'>;

/** Requests allowed per provider. */
export interface RateLimit {
  perMinute?: number;
  perDay?: number;
}

/** Counters kept in memory, for a model used without a run log. */
export class MemoryRateLimitCounters implements RateLimitCounters {
  private readonly counts = new Map<string, number>();

  increment(key: string, windowStart: number, by = 1): number {
    const id = `${key}@${windowStart}`;
    const total = (this.counts.get(id) ?? 0) + by;
    this.counts.set(id, total);
    return total;
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * Fixed-window limits per provider per minute and per (UTC) day. Each request is
 * counted before it is sent; over a limit gives a `RateLimitedError` with `retryAt`.
 */
export class RateLimiter {
  constructor(
    readonly provider: string,
    readonly limit: RateLimit,
    private readonly counters: RateLimitCounters = new MemoryRateLimitCounters(),
    private readonly clock: Clock = systemClock,
  ) {}

  /** Counts one request, or throws `RateLimitedError` (without counting) when a window is full. */
  take(): void {
    const now = this.clock.now();
    const windows: { name: 'minute' | 'day'; max: number | undefined; length: number }[] = [
      { name: 'minute', max: this.limit.perMinute, length: MINUTE_MS },
      { name: 'day', max: this.limit.perDay, length: DAY_MS },
    ];
    const taken: { key: string; start: number }[] = [];
    for (const window of windows) {
      if (window.max === undefined) continue;
      const start = Math.floor(now / window.length) * window.length;
      const key = `ratelimit:${this.provider}:${window.name}`;
      const total = this.counters.increment(key, start, 1);
      taken.push({ key, start });
      if (total > window.max) {
        for (const done of taken) this.counters.increment(done.key, done.start, -1);
        const retryAt = start + window.length;
        throw new RateLimitedError({
          code: 'model_rate_limited',
          message: `${this.provider}: the limit of ${window.max} requests per ${window.name} is used up; calls are allowed again at ${new Date(retryAt).toISOString()} (in ${Math.ceil((retryAt - now) / 1000)} s)`,
          details: { provider: this.provider, window: window.name, limit: window.max, retryAt },
        });
      }
    }
  }
}
