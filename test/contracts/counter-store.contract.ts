import { ManualClock, RateLimitedError, RateLimiter, type CounterStore } from 'campfires';

/** What a counter store factory may return: the store, plus how to tear it (and its server) down. */
export interface CounterStoreHarness {
  store: CounterStore;
  /** A second store on the same shared state (another connection, as another process would open). */
  another?: () => Promise<CounterStore>;
  destroy?(): Promise<void>;
}

const MINUTE = 60_000;

/**
 * The behaviour every counter store owes the rate limits that use it.
 * @example describeCounterStore('MemoryCounterStore', async () => ({ store: new MemoryCounterStore() }));
 */
export function describeCounterStore(name: string, create: () => Promise<CounterStoreHarness>): void {
  describe(`${name} honours the CounterStore contract`, () => {
    let harness: CounterStoreHarness;
    let store: CounterStore;
    const opened: CounterStore[] = [];
    let keyCount = 0;
    /** A key no other test uses, so stores shared between tests never meet. */
    const freshKey = () => `${name}:key${(keyCount += 1)}:${Date.now()}`;

    beforeEach(async () => {
      harness = await create();
      store = harness.store;
    });

    afterEach(async () => {
      for (const other of opened.splice(0)) await other.close();
      await store.close();
      await harness.destroy?.();
    });

    it('takes while the window is below the limit and then refuses, saying when the window ends', async () => {
      const key = freshKey();
      const now = Date.UTC(2026, 0, 1, 12, 0, 45);
      const window = { limit: 2, windowMs: MINUTE, now };
      const first = await store.take(key, window);
      const second = await store.take(key, window);
      const third = await store.take(key, window);
      expect([first.taken, second.taken, third.taken]).toEqual([true, true, false]);
      expect([first.count, second.count, third.count]).toEqual([1, 2, 2]);
      expect(third.windowStart).toBe(Date.UTC(2026, 0, 1, 12, 0, 0));
      expect(third.windowEnd).toBe(Date.UTC(2026, 0, 1, 12, 1, 0));
      expect(third.retryAfterMs).toBe(15_000);
      expect(await store.count(key, { windowMs: MINUTE, now })).toBe(2);
    });

    it('gives exactly the limit to many concurrent takes', async () => {
      const key = freshKey();
      const now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const takes = await Promise.all(Array.from({ length: 25 }, () => store.take(key, { limit: 7, windowMs: MINUTE, now })));
      expect(takes.filter((take) => take.taken)).toHaveLength(7);
      expect(await store.count(key, { windowMs: MINUTE, now })).toBe(7);
    });

    it('shares counts with another store on the same backing state, and still gives exactly the limit', async () => {
      if (!harness.another) return;
      const key = freshKey();
      const now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const others = [await harness.another(), await harness.another()];
      opened.push(...others);
      const stores = [store, ...others];
      const takes = await Promise.all(Array.from({ length: 30 }, (_, index) => (stores[index % stores.length] as CounterStore).take(key, { limit: 4, windowMs: MINUTE, now })));
      expect(takes.filter((take) => take.taken)).toHaveLength(4);
      expect(await (others[0] as CounterStore).count(key, { windowMs: MINUTE, now })).toBe(4);
    });

    it('returns a released take to the window (a failed send uses no budget), once', async () => {
      const key = freshKey();
      const now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const window = { limit: 1, windowMs: MINUTE, now };
      const failedSend = await store.take(key, window);
      expect(failedSend.taken).toBe(true);
      expect((await store.take(key, window)).taken).toBe(false);
      await failedSend.release();
      await failedSend.release();
      expect(await store.count(key, { windowMs: MINUTE, now })).toBe(0);
      const retried = await store.take(key, window);
      expect(retried.taken).toBe(true);
      expect(retried.count).toBe(1);
      // Releasing a refused take gives nothing back.
      await (await store.take(key, window)).release();
      expect(await store.count(key, { windowMs: MINUTE, now })).toBe(1);
    });

    it('starts each window fresh, by the clock the caller passes', async () => {
      const key = freshKey();
      const clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 59));
      const window = () => ({ limit: 1, windowMs: MINUTE, now: clock.now() });
      expect((await store.take(key, window())).taken).toBe(true);
      expect((await store.take(key, window())).taken).toBe(false);
      clock.advance(1_000);
      const next = await store.take(key, window());
      expect(next).toMatchObject({ taken: true, count: 1, windowStart: Date.UTC(2026, 0, 1, 12, 1, 0) });
      expect(await store.count(key, { windowMs: MINUTE, now: clock.now() })).toBe(1);
    });

    it('keeps keys apart', async () => {
      const now = Date.UTC(2026, 0, 1, 12, 0, 0);
      const [one, two] = [freshKey(), freshKey()];
      expect((await store.take(one, { limit: 1, windowMs: MINUTE, now })).taken).toBe(true);
      expect((await store.take(two, { limit: 1, windowMs: MINUTE, now })).taken).toBe(true);
      expect((await store.take(one, { limit: 1, windowMs: MINUTE, now })).taken).toBe(false);
    });

    it('backs a RateLimiter that takes every rule or none', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1, 23, 59, 0));
      const limiter = new RateLimiter({ counters: store, clock });
      const [minute, day] = [freshKey(), freshKey()];
      const request = {
        rules: [
          { key: minute, max: 5, windowMs: MINUTE },
          { key: day, max: 2, windowMs: 86_400_000 },
        ],
        refuse: ({ rule, retryAt }: { rule: { key: string }; retryAt: number }) =>
          new RateLimitedError({ code: 'rate_limited', message: `${rule.key === day ? 'day' : 'minute'} is full until ${new Date(retryAt).toISOString()}`, details: { retryAt } }),
      };
      await limiter.take(request);
      const second = await limiter.take(request);
      await expect(limiter.take(request)).rejects.toThrow('day is full until 2026-01-02T00:00:00.000Z');
      // The refused call gave its minute unit back.
      expect(await store.count(minute, { windowMs: MINUTE, now: clock.now() })).toBe(2);
      await second.release();
      expect(await store.count(day, { windowMs: 86_400_000, now: clock.now() })).toBe(1);
      expect(await store.count(minute, { windowMs: MINUTE, now: clock.now() })).toBe(1);
      await expect(limiter.take(request)).resolves.toBeDefined();
    });
  });
}
