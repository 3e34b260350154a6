import type { Redis } from 'ioredis';
import { runStreamScript } from './redis-stream-scripts';

/** One row of a read: entry id, fields, whether the lease is ours, the message id the lease is under. */
export type TakenEntry = [id: string, fields: string[], state: 'mine' | 'unknown', messageId: string];

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Collects the bus's hot-path operations (publish, read-and-lease, done-and-acknowledge)
 * issued in one turn of the event loop and sends them as one `campfiresBatch` script call:
 * one command and one round trip for the lot, however many campfires of this process took
 * part. The call goes out after the turn's I/O callbacks (`setImmediate`), so the replies
 * and wake-ups that arrived together, and the handlers they ran, share one call.
 */
export class RedisStreamBatch {
  private operations: (string | number)[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly redis: Redis) {}

  /** Appends a message to a stream that exists; the entry id, or null when nobody subscribes. */
  publish(key: string, json: string, messageId: string): Promise<string | null> {
    return this.add(['p', key, json, messageId]) as Promise<string | null>;
  }

  /** Reads and leases up to `count` new entries of a group for a consumer. */
  take(key: string, group: string, consumer: string, count: number, leasePrefix: string, leaseMs: number): Promise<TakenEntry[]> {
    return this.add(['t', key, group, consumer, count, leasePrefix, leaseMs]) as Promise<TakenEntry[]>;
  }

  /** Marks a message done for a subscriber and acknowledges its entry. */
  finish(leaseKey: string, key: string, group: string, entryId: string, doneMs: number): Promise<unknown> {
    return this.add(['f', leaseKey, key, group, entryId, doneMs]);
  }

  private add(operation: (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.waiters.length === 0) setImmediate(() => this.flush());
      for (const part of operation) this.operations.push(part);
      this.waiters.push({ resolve, reject });
    });
  }

  private flush(): void {
    const operations = this.operations;
    const waiters = this.waiters;
    this.operations = [];
    this.waiters = [];
    runStreamScript(this.redis, 'campfiresBatch', ...operations).then(
      (results) => {
        const list = results as unknown[];
        waiters.forEach((waiter, index) => {
          const result = list[index];
          if (result instanceof Error) waiter.reject(result);
          else waiter.resolve(result);
        });
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }
}
