/**
 * Campfires for notebooks: the public API. Every line here is an API decision;
 * each area is one module whose own index.ts decides what it exports.
 */
export * from './core';
export * from './messages';
export { fixturePath, fixturesRoot } from './fixtures';
export * from './channels';
export * from './partybox';
export * from './runlog';
export {
  MemoryCounterStore,
  RateLimiter,
  RedisCounterStore,
  SqliteCounterStore,
  type CounterSource,
  type CounterStore,
  type CounterTake,
  type CounterWindow,
  type RateLimitGrant,
  type RateLimitRefusal,
  type RateLimitRequest,
  type RateLimitRule,
  type RedisCounterStoreOptions,
} from './counters';
export * from './llm';
export * from './campfires';
export * from './conventions';
export * from './simulation';
export * from './notebook';
