import type { Redis } from 'ioredis';

/** What a wake-up reaches: a subscription with new entries to read on its stream. */
export interface WakeableSubscription {
  wake(): void;
}

interface WatchedStream {
  subscriptions: Set<WakeableSubscription>;
  /** Settles once Redis has confirmed the subscription to the stream's wake-ups. */
  ready: Promise<unknown>;
}

/**
 * Tells a bus's subscriptions when their streams have new entries. Every publish of the
 * bus also sends a Redis pub/sub message named after the stream (nothing is sent to a
 * process that does not listen); one connection per bus receives them for all its
 * streams, and no blocking read has to be issued again after each wake-up. Every
 * `pollMs` each subscription also reads its group unasked, for entries that arrived
 * without a wake-up (written by another client, or while this connection was down).
 */
export class RedisStreamWakeups {
  private readonly streams = new Map<string, WatchedStream>();
  private readonly poll: NodeJS.Timeout;
  private connectedBefore = false;

  constructor(
    private readonly listener: Redis,
    pollMs: number,
  ) {
    listener.on('message', (key: string) => {
      const stream = this.streams.get(key);
      if (stream) for (const subscription of stream.subscriptions) subscription.wake();
    });
    // After a reconnection (ioredis subscribes again by itself) look at once for what was missed.
    listener.on('ready', () => {
      if (this.connectedBefore) this.wakeAll();
      this.connectedBefore = true;
    });
    this.poll = setInterval(() => this.wakeAll(), pollMs);
    this.poll.unref();
  }

  /** Resolves once `subscription` will hear of every entry added to `key` from now on. */
  async add(key: string, subscription: WakeableSubscription): Promise<void> {
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { subscriptions: new Set(), ready: this.listener.subscribe(key) };
      this.streams.set(key, stream);
    }
    stream.subscriptions.add(subscription);
    await stream.ready;
  }

  remove(key: string, subscription: WakeableSubscription): void {
    const stream = this.streams.get(key);
    if (!stream) return;
    stream.subscriptions.delete(subscription);
    if (stream.subscriptions.size === 0) {
      this.streams.delete(key);
      this.listener.unsubscribe(key).catch(() => undefined);
    }
  }

  stop(): void {
    clearInterval(this.poll);
    this.listener.disconnect();
  }

  private wakeAll(): void {
    for (const stream of this.streams.values()) for (const subscription of stream.subscriptions) subscription.wake();
  }
}
