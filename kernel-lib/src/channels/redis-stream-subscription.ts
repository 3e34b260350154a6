import type { Redis } from 'ioredis';
import { ValidationError, parseJson } from '../core';
import type { Message } from '../messages';
import type { MessageHandler, Subscription } from './channel-bus';
import { checkMessage } from '../messages';
import type { DeliveryErrorHandler } from './memory-channel-bus';
import type { RedisStreamBatch } from './redis-stream-batch';
import { runStreamScript } from './redis-stream-scripts';

/** Settings one stream subscription runs with (filled in by `RedisChannelBus`). */
export interface RedisStreamSettings {
  prefix: string;
  claimIdleMs: number;
  blockMs: number;
  batchSize: number;
  processedTtlMs: number;
  deadConsumerMs: number;
  onError: DeliveryErrorHandler;
  onConnectionError: (error: unknown, where: string) => void;
}

type StreamEntry = [id: string, fields: string[] | null];

/** An entry read for this subscription and not yet handled. */
interface Queued {
  entryId: string;
  fields: string[] | null;
  /** The message id whose lease this consumer holds, when the read took it. */
  leasedAs?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One subscriber's share of a channel's stream: reads new entries as the consumer
 * `consumer` of group `subscriber` when the bus hears there are some (or every `blockMs`),
 * claims entries left pending by dead consumers of the same group, and runs the
 * handler at most once per message id, one message at a time.
 *
 * A read takes the processing lease of every entry it returns in the same round trip
 * (`campfiresBatch`), so a fresh entry costs one read and one acknowledgement, and the
 * acknowledgement does not hold up the next delivery. At most `batchSize` entries are
 * read ahead; their leases and idle times are renewed by the bus's heartbeat like the
 * entry being handled, so no other consumer takes them over while this one is alive.
 */
export class RedisStreamSubscription implements Subscription {
  private active = true;
  private inHandler = false;
  private readonly queue: Queued[] = [];
  private wantTake = true;
  private taking: Promise<void> | undefined;
  private pumping: Promise<void> | undefined;
  private takeFailures = 0;
  /** Entries whose lease this consumer holds (read ahead or being handled): entry id → lease key. */
  private readonly held = new Map<string, string>();
  private readonly finishing = new Set<Promise<unknown>>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly markPrefix: string;

  constructor(
    readonly channel: string,
    readonly subscriber: string,
    readonly consumer: string,
    private readonly streamKey: string,
    private readonly redis: Redis,
    private readonly batch: RedisStreamBatch,
    private readonly handler: MessageHandler,
    private readonly settings: RedisStreamSettings,
    private readonly onStopped: (subscription: RedisStreamSubscription) => void,
  ) {
    this.markPrefix = `${settings.prefix}:seen:${channel}:${subscriber}:`;
  }

  /** Starts delivering (once the bus hears of new entries on the stream): abandoned entries first, then what the group has not read yet. */
  start(): void {
    this.sweepSoon(0);
    this.maybeTake();
  }

  /** Called when the stream has (or may have) new entries. */
  wake(): void {
    this.wantTake = true;
    this.maybeTake();
  }

  /** Keeps the leases and idle times of the entries this consumer holds fresh (the bus's heartbeat). */
  renew(): void {
    for (const [entryId, mark] of this.held) {
      runStreamScript(this.redis, 'campfiresRenew', mark, this.streamKey, this.consumer, this.settings.claimIdleMs, this.subscriber, entryId).catch(() => undefined);
    }
  }

  /** Stops reading; entries read but not yet handled stay pending for another consumer of the group. */
  async unsubscribe(): Promise<void> {
    if (this.active) {
      this.active = false;
      this.stopping = this.stop();
    }
    // Called from inside our own handler: stopping completes once the handler returns.
    if (!this.inHandler) await this.stopping;
  }

  private async stop(): Promise<void> {
    clearTimeout(this.sweepTimer);
    this.onStopped(this);
    await Promise.all([this.pumping, this.taking, this.sweeping]);
    // Give back the leases of entries read ahead, so another consumer can take them as soon as they are claimable.
    const unused = this.queue.splice(0).filter((item) => item.leasedAs !== undefined);
    await Promise.all(
      unused.map((item) => {
        this.held.delete(item.entryId);
        return runStreamScript(this.redis, 'campfiresRelease', this.markOf(item.leasedAs as string), this.consumer).catch(() => undefined);
      }),
    );
    await Promise.all([...this.finishing]);
    await this.leaveGroup();
  }

  /** Reads new entries of this group (and takes their leases) unless a read is under way or enough are queued. */
  private maybeTake(): void {
    if (!this.active || this.taking || !this.wantTake || this.queue.length >= this.settings.batchSize) return;
    this.wantTake = false;
    const count = this.settings.batchSize - this.queue.length;
    this.taking = this.batch.take(this.streamKey, this.subscriber, this.consumer, count, this.markPrefix, this.settings.claimIdleMs).then(
      (taken) => {
        this.takeFailures = 0;
        for (const [entryId, fields, state, messageId] of taken) {
          const leasedAs = state === 'mine' ? messageId : undefined;
          if (leasedAs !== undefined) this.held.set(entryId, this.markOf(leasedAs));
          this.queue.push({ entryId, fields, leasedAs });
        }
        // A full read may have left more behind.
        if (taken.length >= count) this.wantTake = true;
        this.taking = undefined;
        if (this.active) {
          this.pump();
          this.maybeTake();
        }
      },
      (error: unknown) => {
        this.taking = undefined;
        if (!this.active) return;
        this.takeFailures += 1;
        if (this.takeFailures === 1) this.settings.onConnectionError(error, `${this.subscriber} on ${this.channel}`);
        setTimeout(() => this.wake(), Math.min(1000, 50 * this.takeFailures));
      },
    );
  }

  private pump(): void {
    if (this.pumping || this.queue.length === 0) return;
    this.pumping = (async () => {
      while (this.active && this.queue.length > 0) {
        const item = this.queue.shift() as Queued;
        this.maybeTake();
        try {
          await this.deliver(item);
        } catch (error) {
          this.settings.onConnectionError(error, `${this.subscriber} on ${this.channel}`);
        }
      }
      this.pumping = undefined;
    })();
  }

  private sweepSoon(delayMs: number): void {
    this.sweepTimer = setTimeout(() => {
      if (!this.active) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => this.settings.onConnectionError(error, `${this.subscriber} on ${this.channel}`))
        .finally(() => {
          this.sweeping = undefined;
          if (this.active) this.sweepSoon(Math.max(50, Math.floor(this.settings.claimIdleMs / 2)));
        });
    }, delayMs);
  }

  /** Claims entries of this group idle longer than the claim threshold (their consumer died) and forgets dead consumers. */
  private async sweep(): Promise<void> {
    let start = '0-0';
    do {
      const [next, entries, deleted] = (await this.redis.xautoclaim(
        this.streamKey, this.subscriber, this.consumer, this.settings.claimIdleMs, start, 'COUNT', this.settings.batchSize,
      )) as [string, StreamEntry[], string[]?];
      const gone = [...(deleted ?? []), ...entries.filter(([, fields]) => !fields).map(([id]) => id)];
      if (gone.length > 0) await this.redis.xack(this.streamKey, this.subscriber, ...gone);
      for (const [entryId, fields] of entries) {
        if (!this.active) return;
        if (fields && !this.held.has(entryId)) this.queue.push({ entryId, fields });
      }
      this.pump();
      start = next;
    } while (start !== '0-0' && this.active);
    await this.forgetDeadConsumers();
  }

  private async forgetDeadConsumers(): Promise<void> {
    const consumers = (await this.redis.xinfo('CONSUMERS', this.streamKey, this.subscriber)) as (string | number)[][];
    for (const info of consumers) {
      const fields = new Map<string, string | number>();
      for (let index = 0; index + 1 < info.length; index += 2) fields.set(String(info[index]), info[index + 1] as string | number);
      const name = String(fields.get('name'));
      if (name !== this.consumer && Number(fields.get('pending')) === 0 && Number(fields.get('idle')) > this.settings.deadConsumerMs) {
        await this.redis.xgroup('DELCONSUMER', this.streamKey, this.subscriber, name);
      }
    }
  }

  private markOf(messageId: string): string {
    return `${this.markPrefix}${messageId}`;
  }

  private async deliver({ entryId, fields, leasedAs }: Queued): Promise<void> {
    const message = this.decode(entryId, fields ?? []);
    if (!message) {
      this.held.delete(entryId);
      await this.redis.xack(this.streamKey, this.subscriber, entryId);
      return;
    }
    const mark = this.markOf(message.id);
    if (leasedAs !== message.id) {
      // Claimed from a dead consumer, or written by something other than this bus: take the lease now.
      this.held.delete(entryId);
      const state = await runStreamScript(this.redis, 'campfiresBegin', mark, this.consumer, this.settings.claimIdleMs);
      if (state === 'done') {
        await this.redis.xack(this.streamKey, this.subscriber, entryId); // a duplicate: handled before under this id
        return;
      }
      if (state !== 'mine') return; // another live consumer of the group holds it; it acknowledges when done
      this.held.set(entryId, mark);
    }
    this.inHandler = true;
    try {
      await this.handler(message);
    } catch (error) {
      this.settings.onError(error, message, this.subscriber);
    } finally {
      this.inHandler = false;
    }
    // Marked done and acknowledged while the next message is handled; `drain` and `unsubscribe` wait for it.
    const finish = this.batch
      .finish(mark, this.streamKey, this.subscriber, entryId, this.settings.processedTtlMs)
      .catch((error: unknown) => this.settings.onConnectionError(error, `${this.subscriber} on ${this.channel}`))
      .finally(() => {
        this.held.delete(entryId);
        this.finishing.delete(finish);
      });
    this.finishing.add(finish);
  }

  /** Validates an entry from the stream; anything else is reported once and dropped. */
  private decode(entryId: string, fields: string[]): Message | undefined {
    const at = fields.indexOf('message');
    const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    const fallback = { id: entryId, channel: this.channel, sender: '?', tags: [], payload: null, antecedents: [], signature: null, ts: 0 };
    try {
      if (raw === undefined) throw new ValidationError({ code: 'message_invalid', message: `stream entry ${entryId} on ${this.channel} has no "message" field` });
      const message = checkMessage(parseJson(raw, `stream entry ${entryId}`) as Message, { what: `message on ${this.channel}`, field: '', strip: true });
      if (message.channel !== this.channel) {
        throw new ValidationError({
          code: 'message_wrong_channel',
          message: `message ${message.id} says channel "${message.channel}" but arrived on "${this.channel}"; dropped`,
          issues: [{ field: 'channel', message: 'does not match the stream', given: message.channel, allowed: this.channel }],
        });
      }
      return message;
    } catch (error) {
      this.settings.onError(error, fallback, this.subscriber);
      return undefined;
    }
  }

  /** A consumer with nothing pending leaves its group so that `drain` does not wait on it. */
  private async leaveGroup(): Promise<void> {
    try {
      const pending = (await this.redis.xpending(this.streamKey, this.subscriber, '-', '+', 1, this.consumer)) as unknown[];
      if (pending.length === 0) await this.redis.xgroup('DELCONSUMER', this.streamKey, this.subscriber, this.consumer);
    } catch {
      // The connection is closing; the sweep of a live consumer forgets this one later.
    }
  }
}
