import { RateLimitedError } from '../core';
import type { RateLimitRequest } from '../counters';
import { operationTag, type ParsedDeclaration } from './declaration';

/** The counter key of a call: `conv:op+sender`, `conv:op@campfire`, or `conv:op@campfire+sender`. */
export function conventionRateLimitKey(parsed: ParsedDeclaration, sender: string, campfireId: string): string | null {
  const limit = parsed.rateLimit;
  if (!limit) return null;
  const base = operationTag(parsed.declaration);
  if (limit.per === 'campfire_id') return `${base}@${campfireId}`;
  if (limit.per === 'sender_and_campfire_id') return `${base}@${campfireId}+${sender}`;
  return `${base}+${sender}`;
}

/**
 * A declaration's `rate_limit` (`max N per window`, counted per sender, campfire or both)
 * as a request to the rate limiter, or null when the operation has none.
 */
export function conventionRateLimit(parsed: ParsedDeclaration, sender: string, campfireId: string): RateLimitRequest | null {
  const key = conventionRateLimitKey(parsed, sender, campfireId);
  const limit = parsed.rateLimit;
  if (!key || !limit) return null;
  const operation = parsed.declaration.operation;
  return {
    rules: [{ key, max: limit.max, windowMs: limit.windowMs }],
    refuse: ({ used, retryAt }) =>
      new RateLimitedError({
        code: 'rate_limited',
        message: `rate limit exceeded: max ${limit.max} per ${limit.window} (${operation}, counted per ${limit.per}); try again after ${new Date(retryAt).toISOString()}`,
        details: { operation, max: limit.max, window: limit.window, per: limit.per, used, retryAt },
      }),
  };
}
