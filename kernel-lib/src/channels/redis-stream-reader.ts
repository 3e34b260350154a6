import type { Redis } from 'ioredis';

/** What the reader wakes: a subscription with new entries to read on its stream. */
export interface WakeableSubscription {
  wake(): void;
}

interface WatchedStream {
  /** The newest entry id this reader has seen on the stream; the blocking read waits for anything newer. */
  lastId: string;
  subscriptions: Set<WakeableSubscription>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when stream entry id `a` comes after `b` (ids are `<ms>-<seq>`). */
function newer(a: string, b: string): boolean {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs > bMs || (aMs === bMs && aSeq > bSeq);
}

/**
 * The one blocking read of a bus: a single `XREAD BLOCK` over every stream the bus's
 * subscriptions listen on, on one connection. It only says which streams have new
 * entries; each woken subscription then reads its own consumer group without
 * blocking (and those reads share one pipelined round trip). A bus with a hundred
 * subscriptions thus holds two connections to Redis instead of a hundred and one.
 */
export class RedisStreamReader {
  private readonly streams = new Map<string, WatchedStream>();
  private running: Promise<void> | undefined;
  private active = true;
  private blockingId: number | undefined;
  /** Bumped when a stream is added; the read in flight covers `readingVersion`. */
  private version = 0;
  private readingVersion = 0;
  private interrupting = false;

  constructor(
    private readonly redis: Redis,
    private readonly blocking: Redis,
    private readonly settings: { blockMs: number; onConnectionError: (error: unknown, where: string) => void },
  ) {
    // A reconnected blocking connection has a new client id.
    blocking.on('close', () => {
      this.blockingId = undefined;
    });
  }

  /** Watches `key` for `subscription` from entry `lastId` on (the stream's newest entry when the subscription started). */
  add(key: string, lastId: string, subscription: WakeableSubscription): void {
    const stream = this.streams.get(key);
    if (stream) {
      stream.subscriptions.add(subscription);
      return;
    }
    this.streams.set(key, { lastId, subscriptions: new Set([subscription]) });
    this.version += 1;
    if (!this.running && this.active) this.running = this.run();
    else void this.interrupt();
  }

  /**
   * `subscription` has read its group up to `entryId`: when it is the only one here on
   * that stream, the blocking read need not report those entries again.
   */
  advance(key: string, entryId: string, subscription: WakeableSubscription): void {
    const stream = this.streams.get(key);
    if (stream && stream.subscriptions.size === 1 && stream.subscriptions.has(subscription) && newer(entryId, stream.lastId)) stream.lastId = entryId;
  }

  remove(key: string, subscription: WakeableSubscription): void {
    const stream = this.streams.get(key);
    if (!stream) return;
    stream.subscriptions.delete(subscription);
    if (stream.subscriptions.size === 0) this.streams.delete(key);
  }

  /** Ends the blocking read for good. */
  async stop(): Promise<void> {
    this.active = false;
    this.blocking.disconnect();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.active && this.streams.size > 0) {
      try {
        if (this.blockingId === undefined) this.blockingId = Number(await this.blocking.client('ID'));
        const keys = [...this.streams.keys()];
        const ids = keys.map((key) => (this.streams.get(key) as WatchedStream).lastId);
        this.readingVersion = this.version;
        // One entry per stream is enough to know whom to wake; each subscription reads its group itself.
        const reply = (await this.blocking.xread('COUNT', 1, 'BLOCK', this.settings.blockMs, 'STREAMS', ...keys, ...ids)) as
          | [string, [string, unknown][]][]
          | null;
        for (const [key, entries] of reply ?? []) {
          const stream = this.streams.get(key);
          const last = entries[entries.length - 1];
          if (!stream || !last) continue;
          stream.lastId = last[0];
          for (const subscription of stream.subscriptions) subscription.wake();
        }
        failures = 0;
      } catch (error) {
        if (!this.active) break;
        failures += 1;
        if (failures === 1) this.settings.onConnectionError(error, 'blocking read');
        await sleep(Math.min(1000, 50 * failures));
      }
    }
    // Synchronously with the last check of the loop, so that `add` starts a new loop when this one has ended.
    this.running = undefined;
  }

  /** Ends the blocking read in flight so that the next one includes a stream added since. */
  private async interrupt(): Promise<void> {
    if (this.interrupting) return;
    this.interrupting = true;
    try {
      // The read may not have reached Redis yet (UNBLOCK then finds nothing to end): try again shortly.
      for (let attempt = 0; this.active && this.running && this.readingVersion < this.version && attempt < 200; attempt += 1) {
        if (this.blockingId !== undefined) await this.redis.client('UNBLOCK', this.blockingId);
        await sleep(2);
      }
    } catch {
      // The read loop ends its block within blockMs anyway.
    } finally {
      this.interrupting = false;
    }
  }
}
