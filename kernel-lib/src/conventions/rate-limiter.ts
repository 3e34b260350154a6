import { RateLimitedError, systemClock, type Clock } from '../core';
import { operationTag, type ParsedDeclaration } from './declaration';
import type { CampfireStore } from './campfire-store';

/**
 * Fixed-window rate limits kept in the campfire store's counters table, so every
 * executor on the same store (in this process or another) shares them and a kernel
 * restart does not reset them.
 */
export class ConventionRateLimiter {
  constructor(
    private readonly store: CampfireStore,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The counter key: `conv:op+sender`, `conv:op@campfire`, or `conv:op@campfire+sender`. */
  keyFor(parsed: ParsedDeclaration, sender: string, campfireId: string): string | null {
    const limit = parsed.rateLimit;
    if (!limit) return null;
    const base = operationTag(parsed.declaration);
    if (limit.per === 'campfire_id') return `${base}@${campfireId}`;
    if (limit.per === 'sender_and_campfire_id') return `${base}@${campfireId}+${sender}`;
    return `${base}+${sender}`;
  }

  private windowStart(parsed: ParsedDeclaration): number {
    const windowMs = parsed.rateLimit?.windowMs ?? 60_000;
    return Math.floor(this.clock.now() / windowMs) * windowMs;
  }

  /** Throws `RateLimitedError` when the window is full (checked before sending). */
  check(parsed: ParsedDeclaration, sender: string, campfireId: string): void {
    const key = this.keyFor(parsed, sender, campfireId);
    const limit = parsed.rateLimit;
    if (!key || !limit) return;
    const start = this.windowStart(parsed);
    const used = this.store.count(key, start);
    if (used >= limit.max) {
      throw new RateLimitedError({
        code: 'rate_limited',
        message: `rate limit exceeded: max ${limit.max} per ${limit.window} (${parsed.declaration.operation}, counted per ${limit.per}); try again after ${new Date(start + limit.windowMs).toISOString()}`,
        details: { operation: parsed.declaration.operation, max: limit.max, window: limit.window, per: limit.per, used, retryAt: start + limit.windowMs },
      });
    }
  }

  /** Counts one successful send. */
  record(parsed: ParsedDeclaration, sender: string, campfireId: string): void {
    const key = this.keyFor(parsed, sender, campfireId);
    if (key) this.store.increment(key, this.windowStart(parsed));
  }
}
