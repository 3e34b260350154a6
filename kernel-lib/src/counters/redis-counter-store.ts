import type { Redis } from 'ioredis';
import type { RedisConnection } from '../core';
import { counterTake, windowBounds, type CounterStore, type CounterTake, type CounterWindow } from './counter-store';

/** How a `RedisCounterStore` connects; every field has a default. */
export interface RedisCounterStoreOptions {
  /** `redis://host:port/db` (default `redis://127.0.0.1:6379`); ignored when `redis` is given. */
  url?: string;
  /** An open ioredis connection to use; the store does not close it. */
  redis?: RedisConnection;
  /** Prefix of every key the store writes (default `campfires`); stores with different prefixes never share counts. */
  prefix?: string;
}

/**
 * Takes one unit when the window's count is below the limit. A Lua script runs inside
 * Redis without interleaving, which is what makes check-and-count one step across
 * processes and machines. The key expires a window after its window ends.
 */
const TAKE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used} end
used = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, used}`;

/** Gives one unit back, never below zero. */
const RELEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

/**
 * Counts in Redis, for caps shared by processes on several machines.
 * @example const counters = new RedisCounterStore({ url: 'redis://10.0.0.5:6379' });
 */
export class RedisCounterStore implements CounterStore {
  private readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly prefix: string;

  constructor(options: RedisCounterStoreOptions = {}) {
    this.prefix = options.prefix ?? 'campfires';
    this.ownsConnection = !options.redis;
    if (options.redis) {
      this.redis = options.redis as Redis;
    } else {
      // ioredis is loaded on first use so notebooks that never use Redis do not pay for it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
      this.redis = new RedisClient(options.url ?? 'redis://127.0.0.1:6379');
    }
  }

  private keyOf(key: string, windowStart: number): string {
    return `${this.prefix}:counter:${key}:${windowStart}`;
  }

  async take(key: string, window: CounterWindow): Promise<CounterTake> {
    const { windowStart, windowEnd } = windowBounds(window.windowMs, window.now);
    const redisKey = this.keyOf(key, windowStart);
    // Kept until a whole window after this one ends, so a late release still finds it.
    const ttl = Math.max(1, windowEnd - window.now) + window.windowMs;
    const [taken, count] = (await this.redis.eval(TAKE, 1, redisKey, window.limit, ttl)) as [number, number];
    return counterTake({ taken: taken === 1, count, limit: window.limit, windowStart, windowEnd, now: window.now }, async () => {
      await this.redis.eval(RELEASE, 1, redisKey);
    });
  }

  async count(key: string, window: Omit<CounterWindow, 'limit'>): Promise<number> {
    const value = await this.redis.get(this.keyOf(key, windowBounds(window.windowMs, window.now).windowStart));
    return value === null ? 0 : Number(value);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
