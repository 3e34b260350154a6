import type { Redis } from 'ioredis';

/** An entry as `XREADGROUP` and `XAUTOCLAIM` give it: its id and its fields (null once deleted). */
export type StreamEntry = [id: string, fields: string[] | null];

/** A field of a Redis reply given as a flat name/value list (`XINFO GROUPS`, `XINFO CONSUMERS`), or undefined. */
export function replyField(fields: readonly unknown[], name: string): unknown {
  for (let index = 0; index + 1 < fields.length; index += 2) if (fields[index] === name) return fields[index + 1];
  return undefined;
}

/** What the reader reads for: one subscriber inbox of the bus. */
export interface ReadableInbox {
  readonly key: string;
  /** False while every subscription of the inbox has a full queue (read-ahead is bounded). */
  wantsMore(): boolean;
  receive(entries: StreamEntry[]): void;
  /** If the inbox's stream or group is gone (a Redis restarted without its data, `forget`), makes it again so reads go on. */
  recreate(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads every inbox of a bus with one blocking `XREADGROUP` on a connection of its own:
 * one command waits on all the process's inboxes at once and returns as soon as any has
 * new entries, so there is no wake-up message and no read per subscription. The
 * read is given again at once with the inboxes that can take more; when that set
 * changes (a subscription starts or stops, a full queue has room again) a waiting read
 * is interrupted with `CLIENT UNBLOCK` and given again.
 */
export class RedisStreamReader {
  private readonly inboxes = new Map<string, ReadableInbox>();
  private generation = 0;
  private readGeneration = -1;
  private reading = false;
  private unblocking = false;
  private clientId: number | undefined;
  private idle: (() => void) | undefined;
  private stopped = false;
  private failures = 0;
  private lost: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly connection: Redis,
    private readonly control: Redis,
    private readonly group: string,
    private readonly consumer: string,
    private readonly settings: { blockMs: number; batchSize: number; onConnectionError: (error: unknown, where: string) => void },
  ) {
    // A dropped connection loses the blocked read (ioredis neither resends it nor settles it,
    // see the bus): the read is abandoned and given again once connected (under a new id).
    connection.on('close', () => {
      this.clientId = undefined;
      this.lost?.();
    });
    this.done = this.loop();
  }

  add(inbox: ReadableInbox): void {
    this.inboxes.set(inbox.key, inbox);
    this.changed();
  }

  remove(inbox: ReadableInbox): void {
    if (this.inboxes.get(inbox.key) === inbox) this.inboxes.delete(inbox.key);
    this.changed();
  }

  /** The inboxes to read, or one's room to read ahead, changed: a waiting read is given again. */
  changed(): void {
    this.generation += 1;
    if (this.idle) {
      const wake = this.idle;
      this.idle = undefined;
      wake();
    } else if (this.reading) {
      void this.unblock();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.idle?.();
    this.connection.disconnect();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const ready = [...this.inboxes.values()].filter((inbox) => inbox.wantsMore());
      if (ready.length === 0) {
        await new Promise<void>((resolve) => {
          this.idle = resolve;
        });
        continue;
      }
      const keys = ready.map((inbox) => inbox.key);
      try {
        if (this.clientId === undefined) this.clientId = Number(await this.connection.call('CLIENT', 'ID'));
        this.readGeneration = this.generation;
        this.reading = true;
        const read = this.connection.call(
          'XREADGROUP', 'GROUP', this.group, this.consumer, 'COUNT', this.settings.batchSize, 'BLOCK', this.settings.blockMs,
          'STREAMS', ...keys, ...keys.map(() => '>'),
        ) as Promise<[string, StreamEntry[]][] | null>;
        const closed = new Promise<never>((_, reject) => {
          this.lost = () => reject(new Error('the connection closed while reading'));
        });
        const reply = await Promise.race([read, closed]);
        this.lost = undefined;
        this.reading = false;
        this.failures = 0;
        if (reply) for (const [key, entries] of reply) this.inboxes.get(key)?.receive(entries);
      } catch (error) {
        this.lost = undefined;
        this.reading = false;
        if (this.stopped) return;
        this.failures += 1;
        // An inbox deleted under the read: NOGROUP on the next read, or the waiting read ended by Redis 7.
        if (/NOGROUP|no longer exists/.test(String((error as Error)?.message))) {
          await Promise.all(ready.map((inbox) => inbox.recreate().catch(() => undefined)));
        } else {
          this.clientId = undefined;
          if (this.failures === 1) this.settings.onConnectionError(error, 'reading the inboxes');
        }
        await sleep(Math.min(1000, 50 * this.failures));
      }
    }
  }

  /** Interrupts the waiting read; tries again briefly when it reaches Redis before the read does. */
  private async unblock(): Promise<void> {
    if (this.unblocking) return;
    this.unblocking = true;
    try {
      for (let attempt = 0; attempt < 50 && this.reading && this.readGeneration < this.generation && !this.stopped; attempt += 1) {
        if (this.clientId === undefined) break;
        if (Number(await this.control.call('CLIENT', 'UNBLOCK', this.clientId)) === 1) break;
        await sleep(2);
      }
    } catch {
      // The read returns by itself within blockMs.
    } finally {
      this.unblocking = false;
    }
  }
}
