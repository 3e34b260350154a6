/** Which fixed window a take counts in: windows of `windowMs` from the epoch, at time `now`. */
export interface CounterWindow {
  /** Most takes allowed in one window. */
  limit: number;
  windowMs: number;
  /** The time of the take (from the caller's clock, so tests can use a manual one). */
  now: number;
}

/** What a take got: a unit of the window, or a refusal saying when the window ends. */
export interface CounterTake {
  /** True when the count was below the limit and this take now holds one unit. */
  taken: boolean;
  /** The window's count after this take (or, when refused, the count that refused it). */
  count: number;
  limit: number;
  windowStart: number;
  windowEnd: number;
  /** When refused: how long until the window ends and takes are allowed again. */
  retryAfterMs?: number;
  /** Gives the unit back (a send that failed does not use the budget); refused takes and second calls do nothing. */
  release(): Promise<void>;
}

/**
 * Where rate-limit and cap counts live. `take` checks and counts in one atomic step, so
 * N concurrent takes against a limit of K succeed exactly K times, whether they come
 * from one process or from several sharing the store.
 */
export interface CounterStore {
  /** Takes one unit of `key`'s current window when its count is below `limit`, atomically. */
  take(key: string, window: CounterWindow): Promise<CounterTake>;
  /** The count of `key` in the window holding `now` (0 when never taken). */
  count(key: string, window: Omit<CounterWindow, 'limit'>): Promise<number>;
  /** Closes what the store opened itself; a connection it was given stays open. */
  close(): Promise<void>;
}

/** The start and end of the fixed window holding `now`. */
export function windowBounds(windowMs: number, now: number): { windowStart: number; windowEnd: number } {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  return { windowStart, windowEnd: windowStart + windowMs };
}

const released = async (): Promise<void> => undefined;

/** The result of a take, with `release` wired to give the unit back once. */
export function counterTake(
  fields: { taken: boolean; count: number; limit: number; windowStart: number; windowEnd: number; now: number },
  giveBack: () => Promise<void>,
): CounterTake {
  const { now, ...rest } = fields;
  if (!fields.taken) return { ...rest, retryAfterMs: Math.max(0, fields.windowEnd - now), release: released };
  let done = false;
  return {
    ...rest,
    release: async () => {
      if (done) return;
      done = true;
      await giveBack();
    },
  };
}
