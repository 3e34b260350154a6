export { counterTake, windowBounds, type CounterStore, type CounterTake, type CounterWindow } from './counter-store';
export { MemoryCounterStore } from './memory-counter-store';
export { SqliteCounterStore } from './sqlite-counter-store';
export { RedisCounterStore, type RedisCounterStoreOptions } from './redis-counter-store';
export { counterStoreOf, type CounterSource, type SqliteFileOwner } from './counter-source';
export { RateLimiter, type RateLimitGrant, type RateLimitRefusal, type RateLimitRequest, type RateLimitRule } from './rate-limiter';
