import { RateLimitedError, systemClock, type Clock } from '../core';
import { counterStoreOf, type CounterSource } from './counter-source';
import type { CounterStore, CounterTake } from './counter-store';

/** At most `max` takes of `key` per fixed window of `windowMs` (windows start at multiples of it from the epoch). */
export interface RateLimitRule {
  key: string;
  max: number;
  windowMs: number;
}

/** Which rule refused a take, and when its window ends. */
export interface RateLimitRefusal {
  rule: RateLimitRule;
  /** The count of the full window. */
  used: number;
  /** The end of the full window: calls are allowed again from then. */
  retryAt: number;
  now: number;
}

/** What to limit: every rule must have room, and the caller words the refusal. */
export interface RateLimitRequest {
  rules: readonly RateLimitRule[];
  refuse(refusal: RateLimitRefusal): RateLimitedError;
}

/** The units one call holds; `release` gives them back when the send it paid for failed. */
export interface RateLimitGrant {
  release(): Promise<void>;
}

/**
 * The one rate limiter: model caps per minute and day, and convention `max N per period`,
 * both counted in a `CounterStore`. A call takes a unit from every rule's window before it
 * is sent; when one window is full the units already taken go back and the caller's
 * `RateLimitedError` is thrown, so a refused call uses no budget.
 * @example const grant = await new RateLimiter({ counters: runLog }).take(modelRateLimit('openrouter', { perMinute: 20 }));
 */
export class RateLimiter {
  readonly counters: CounterStore;
  private readonly clock: Clock;

  constructor(options: { counters?: CounterSource; clock?: Clock } = {}) {
    this.counters = counterStoreOf(options.counters);
    this.clock = options.clock ?? systemClock;
  }

  /** Takes one unit under every rule, or throws the request's `RateLimitedError` having taken none. */
  async take(request: RateLimitRequest): Promise<RateLimitGrant> {
    const now = this.clock.now();
    const held: CounterTake[] = [];
    for (const rule of request.rules) {
      const taken = await this.counters.take(rule.key, { limit: rule.max, windowMs: rule.windowMs, now });
      if (!taken.taken) {
        await Promise.all(held.map((unit) => unit.release()));
        throw request.refuse({ rule, used: taken.count, retryAt: taken.windowEnd, now });
      }
      held.push(taken);
    }
    return { release: async () => void (await Promise.all(held.map((unit) => unit.release()))) };
  }
}
