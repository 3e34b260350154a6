import { RateLimitedError } from '../core';
import type { RateLimitRequest, RateLimitRule } from '../counters';

/** Requests allowed per provider. */
export interface RateLimit {
  perMinute?: number;
  perDay?: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * A provider's limits per minute and per (UTC) day as a request to the rate limiter: each
 * request takes a unit of both windows before it is sent; a full window refuses with
 * `model_rate_limited` and `retryAt`.
 * @example await new RateLimiter({ counters: runLog }).take(modelRateLimit('openrouter', { perMinute: 20, perDay: 1000 }));
 */
export function modelRateLimit(provider: string, limit: RateLimit): RateLimitRequest {
  const windows = [
    { name: 'minute', max: limit.perMinute, windowMs: MINUTE_MS },
    { name: 'day', max: limit.perDay, windowMs: DAY_MS },
  ];
  const names = new Map<string, string>();
  const rules: RateLimitRule[] = [];
  for (const window of windows) {
    if (window.max === undefined) continue;
    const key = `ratelimit:${provider}:${window.name}`;
    names.set(key, window.name);
    rules.push({ key, max: window.max, windowMs: window.windowMs });
  }
  return {
    rules,
    refuse: ({ rule, retryAt, now }) => {
      const window = names.get(rule.key) as string;
      return new RateLimitedError({
        code: 'model_rate_limited',
        message: `${provider}: the limit of ${rule.max} requests per ${window} is used up; calls are allowed again at ${new Date(retryAt).toISOString()} (in ${Math.ceil((retryAt - now) / 1000)} s)`,
        details: { provider, window, limit: rule.max, retryAt },
      });
    },
  };
}
