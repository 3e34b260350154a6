import type { Redis } from 'ioredis';
import { runStreamScript } from './redis-stream-scripts';

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Told when the acknowledgements it asked for have reached Redis, or failed. */
export interface AcknowledgementTarget {
  acknowledged(entryIds: string[], error?: unknown): void;
}

/** Most entry ids acknowledged in one operation (Lua unpacks them onto its stack). */
const MAX_ACK_IDS = 1000;

/**
 * Collects the bus's writes (publishes and acknowledgements) issued in one turn of the
 * event loop and sends them as one `campfiresBatch` script call: one command and one
 * round trip for the lot, however many campfires of this process took part. The call
 * goes out after the turn's I/O callbacks (`setImmediate`), so the entries that arrived
 * together, and the handlers they ran, share one call. Acknowledgements of one inbox are
 * gathered into one `XACK`.
 */
export class RedisStreamBatch {
  private operations: (string | number)[] = [];
  private waiters: Waiter[] = [];
  private acks = new Map<AcknowledgementTarget, { key: string; ids: string[] }>();
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly group: string,
  ) {}

  /**
   * Appends a message to the inbox of every subscriber of its channel that has not had
   * its id yet; resolves with the number of inboxes written (0 when nobody subscribes).
   */
  publish(inboxBase: string, seenBase: string, subscribersKey: string, json: string, messageId: string, seenMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.schedule();
      this.operations.push('p', inboxBase, seenBase, subscribersKey, json, messageId, seenMs);
      this.waiters.push({ resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Acknowledges an entry of an inbox with the next call; `target` hears when Redis has it (no promise per entry). */
  acknowledge(key: string, entryId: string, target: AcknowledgementTarget): void {
    this.schedule();
    const pending = this.acks.get(target);
    if (pending) pending.ids.push(entryId);
    else this.acks.set(target, { key, ids: [entryId] });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const operations = this.operations;
    const waiters = this.waiters;
    const acks = [...this.acks];
    for (const [, { key, ids }] of acks) {
      for (let start = 0; start < ids.length; start += MAX_ACK_IDS) {
        const chunk = ids.slice(start, start + MAX_ACK_IDS);
        operations.push('a', key, this.group, chunk.length, ...chunk);
      }
    }
    this.operations = [];
    this.waiters = [];
    this.acks = new Map();
    runStreamScript(this.redis, 'campfiresBatch', ...operations).then(
      (results) => {
        const list = results as unknown[];
        waiters.forEach((waiter, index) => {
          const result = list[index];
          if (result instanceof Error) waiter.reject(result);
          else waiter.resolve(result);
        });
        const failed = list.slice(waiters.length).find((result) => result instanceof Error);
        for (const [target, { ids }] of acks) target.acknowledged(ids, failed);
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
        for (const [target, { ids }] of acks) target.acknowledged(ids, error);
      },
    );
  }
}
