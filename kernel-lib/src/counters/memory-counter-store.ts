import { counterTake, windowBounds, type CounterStore, type CounterTake, type CounterWindow } from './counter-store';

/**
 * Counts kept in this process only: for tests and for a model used without a run log.
 * Take is atomic because it never awaits between reading and writing a count.
 */
export class MemoryCounterStore implements CounterStore {
  /** Count per window start, per key; windows that have ended are dropped on the key's next take. */
  private readonly keys = new Map<string, Map<number, number>>();

  async take(key: string, window: CounterWindow): Promise<CounterTake> {
    const { windowStart, windowEnd } = windowBounds(window.windowMs, window.now);
    let windows = this.keys.get(key);
    if (!windows) {
      windows = new Map();
      this.keys.set(key, windows);
    }
    for (const start of windows.keys()) if (start < windowStart) windows.delete(start);
    const used = windows.get(windowStart) ?? 0;
    const taken = used < window.limit;
    if (taken) windows.set(windowStart, used + 1);
    const counts = windows;
    return counterTake({ taken, count: taken ? used + 1 : used, limit: window.limit, windowStart, windowEnd, now: window.now }, async () => {
      const count = counts.get(windowStart);
      if (count !== undefined && count > 0) counts.set(windowStart, count - 1);
    });
  }

  async count(key: string, window: Omit<CounterWindow, 'limit'>): Promise<number> {
    return this.keys.get(key)?.get(windowBounds(window.windowMs, window.now).windowStart) ?? 0;
  }

  async close(): Promise<void> {
    this.keys.clear();
  }
}
