import type { Redis } from 'ioredis';
import { ValidationError, parseJson } from '../core';
import type { Message } from '../messages';
import type { MessageHandler, Subscription } from './channel-bus';
import { checkMessage } from '../messages';
import type { DeliveryErrorHandler } from './memory-channel-bus';
import type { AcknowledgementTarget, RedisStreamBatch } from './redis-stream-batch';
import { replyField, type ReadableInbox, type RedisStreamReader, type StreamEntry } from './redis-stream-reader';
import { runStreamScript } from './redis-stream-scripts';

/** Settings an inbox runs with (filled in by `RedisChannelBus`). */
export interface RedisStreamSettings {
  group: string;
  claimIdleMs: number;
  blockMs: number;
  batchSize: number;
  processedTtlMs: number;
  deadConsumerMs: number;
  onError: DeliveryErrorHandler;
  onConnectionError: (error: unknown, where: string) => void;
}

/** What an inbox needs from its bus. */
export interface InboxPlace {
  redis: Redis;
  batch: RedisStreamBatch;
  reader: RedisStreamReader;
  consumer: string;
  settings: RedisStreamSettings;
  /** Makes the inbox and its group again and tells publishers of it (after a Redis lost its data). */
  register(): Promise<void>;
  /** Called once the inbox has stopped, so the bus forgets it. */
  stopped(inbox: RedisInbox): void;
}

/** Most entry ids renewed in one `XCLAIM`. */
const RENEW_CHUNK = 1000;

/**
 * One subscriber's inbox stream, as this process reads it: the entries read and not yet
 * acknowledged, the subscriptions of this process that share them (usually one), the
 * sweep that takes over entries a dead consumer of the group left pending, and the
 * heartbeat that keeps this process's own entries from looking abandoned.
 */
export class RedisInbox implements ReadableInbox, AcknowledgementTarget {
  readonly subscriptions: RedisStreamSubscription[] = [];
  /** Entries read and not yet acknowledged: read ahead, being handled, or being acknowledged. */
  private readonly held = new Set<string>();
  /** Entries handled whose acknowledgement has not reached Redis yet, and who waits for none to be left. */
  private unacknowledged = 0;
  private allAcknowledged: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  /** Settles once the entries this consumer held from before (an earlier subscription) are queued again. */
  readonly ready: Promise<void>;

  constructor(
    readonly key: string,
    readonly channel: string,
    readonly subscriber: string,
    private readonly place: InboxPlace,
  ) {
    // Never fails a subscribe: what cannot be read now passes through the sweep once idle.
    this.ready = this.readOwnPending().catch((error: unknown) => this.place.settings.onConnectionError(error, this.where));
  }

  /** Starts reading new entries and sweeping for abandoned ones. */
  start(): void {
    this.place.reader.add(this);
    this.sweepSoon(0);
  }

  wantsMore(): boolean {
    return this.subscriptions.some((subscription) => subscription.hasRoom());
  }

  receive(entries: StreamEntry[]): void {
    for (const entry of entries) {
      if (this.held.has(entry[0])) continue;
      // No subscription left to take it (all are stopping): it stays pending, for the next one or another process.
      const subscription = this.leastBusy();
      if (!subscription) continue;
      this.held.add(entry[0]);
      subscription.take(entry);
    }
  }

  async recreate(): Promise<void> {
    const groups = (await this.place.redis.xinfo('GROUPS', this.key).catch(() => [])) as unknown[][];
    if (groups.some((group) => replyField(group, 'name') === this.place.settings.group)) return;
    this.place.settings.onConnectionError(
      new Error(`the inbox ${this.key} was gone (a Redis restarted without its data, or forget); made again, empty`),
      this.where,
    );
    // What this process held is gone with the stream.
    this.held.clear();
    await this.place.register();
  }

  /** Keeps the idle time of every entry this process holds fresh, so no other consumer takes them over (the bus's heartbeat). */
  renew(): void {
    const ids = [...this.held];
    for (let start = 0; start < ids.length; start += RENEW_CHUNK) {
      this.place.redis
        .call('XCLAIM', this.key, this.place.settings.group, this.place.consumer, 0, ...ids.slice(start, start + RENEW_CHUNK), 'JUSTID')
        .catch(() => undefined);
    }
  }

  /** An entry was handled (or dropped): acknowledged with the bus's next call. */
  finished(entryId: string): void {
    this.unacknowledged += 1;
    this.place.batch.acknowledge(this.key, entryId, this);
  }

  acknowledged(entryIds: string[], error?: unknown): void {
    // A failed acknowledgement leaves the entry pending: handled again after claimIdleMs (at least once).
    if (error) this.place.settings.onConnectionError(error, this.where);
    for (const entryId of entryIds) this.held.delete(entryId);
    this.unacknowledged -= entryIds.length;
    if (this.unacknowledged === 0) this.allAcknowledged?.();
  }

  /** A subscription stopped: its unhandled entries go to the others; the last one stops the inbox. */
  remove(subscription: RedisStreamSubscription, unhandled: StreamEntry[]): Promise<void> {
    const at = this.subscriptions.indexOf(subscription);
    if (at >= 0) this.subscriptions.splice(at, 1);
    if (this.subscriptions.length > 0) {
      for (const [entryId] of unhandled) this.held.delete(entryId);
      this.receive(unhandled);
      this.place.reader.changed();
      return Promise.resolve();
    }
    // Entries read ahead stay pending under this consumer: read again by the next
    // subscription of this process, or taken over by another consumer after claimIdleMs.
    for (const [entryId] of unhandled) this.held.delete(entryId);
    this.stopping ??= this.stop();
    return this.stopping;
  }

  /** A subscription whose queue was full can take entries again: the reader reads for this inbox again. */
  hasRoomAgain(): void {
    this.place.reader.changed();
  }

  /** Who reads what, for error reports. */
  private get where(): string {
    return `${this.subscriber} on ${this.channel}`;
  }

  private leastBusy(): RedisStreamSubscription | undefined {
    let best: RedisStreamSubscription | undefined;
    for (const subscription of this.subscriptions) {
      if (subscription.isActive() && (!best || subscription.queued < best.queued)) best = subscription;
    }
    return best;
  }

  private async stop(): Promise<void> {
    this.place.stopped(this);
    this.place.reader.remove(this);
    clearTimeout(this.sweepTimer);
    await this.sweeping;
    if (this.unacknowledged > 0) {
      await new Promise<void>((resolve) => {
        this.allAcknowledged = resolve;
      });
    }
    // A consumer holding nothing leaves its group so that `drain` does not wait on it.
    await runStreamScript(this.place.redis, 'campfiresLeave', this.key, this.place.settings.group, this.place.consumer).catch(() => undefined);
  }

  /** Entries this consumer read before and never acknowledged (a subscription that stopped, a lost reply) come first. */
  private async readOwnPending(): Promise<void> {
    let after = '0-0';
    for (;;) {
      const reply = (await this.place.redis.call(
        'XREADGROUP', 'GROUP', this.place.settings.group, this.place.consumer, 'COUNT', this.place.settings.batchSize, 'STREAMS', this.key, after,
      )) as [string, StreamEntry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) return;
      await this.takeRead(entries);
      after = (entries[entries.length - 1] as StreamEntry)[0];
    }
  }

  private sweepSoon(delayMs: number): void {
    this.sweepTimer = setTimeout(() => {
      if (this.stopping) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => this.place.settings.onConnectionError(error, this.where))
        .finally(() => {
          this.sweeping = undefined;
          if (!this.stopping) this.sweepSoon(Math.max(50, Math.floor(this.place.settings.claimIdleMs / 2)));
        });
    }, delayMs);
  }

  /** Claims entries of this group idle longer than the claim threshold (their consumer died) and forgets dead consumers. */
  private async sweep(): Promise<void> {
    const { redis, consumer, settings } = this.place;
    let start = '0-0';
    do {
      const [next, entries, deleted] = (await redis.xautoclaim(this.key, settings.group, consumer, settings.claimIdleMs, start, 'COUNT', settings.batchSize)) as [
        string,
        StreamEntry[],
        string[]?,
      ];
      await this.takeRead(entries, deleted);
      start = next;
    } while (start !== '0-0' && !this.stopping);
    if (!this.stopping) await this.forgetDeadConsumers();
  }

  /** Entries read or claimed: those deleted from the stream meanwhile are acknowledged, the rest go to the subscriptions. */
  private async takeRead(entries: StreamEntry[], deleted: string[] = []): Promise<void> {
    const gone = [...deleted, ...entries.filter(([, fields]) => !fields).map(([id]) => id)];
    if (gone.length > 0) await this.place.redis.xack(this.key, this.place.settings.group, ...gone);
    if (!this.stopping) this.receive(entries.filter(([, fields]) => fields));
  }

  private async forgetDeadConsumers(): Promise<void> {
    const { redis, consumer, settings } = this.place;
    const consumers = (await redis.xinfo('CONSUMERS', this.key, settings.group)) as unknown[][];
    for (const info of consumers) {
      const name = String(replyField(info, 'name'));
      if (name !== consumer && Number(replyField(info, 'pending')) === 0 && Number(replyField(info, 'idle')) > settings.deadConsumerMs) {
        await runStreamScript(redis, 'campfiresLeave', this.key, settings.group, name);
      }
    }
  }
}

/**
 * One subscription of this process to a subscriber's inbox: runs the handler once per
 * entry it is given, one at a time and in the order given, then has the entry
 * acknowledged. At most `batchSize` entries wait in its queue (read ahead).
 */
export class RedisStreamSubscription implements Subscription {
  private active = true;
  private inHandler = false;
  private readonly queue: StreamEntry[] = [];
  private pumping: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private readonly what: string;

  constructor(
    readonly channel: string,
    readonly subscriber: string,
    private readonly inbox: RedisInbox,
    private readonly handler: MessageHandler,
    private readonly settings: RedisStreamSettings,
    private readonly onStopped: (subscription: RedisStreamSubscription) => void,
  ) {
    this.what = `message on ${channel}`;
    inbox.subscriptions.push(this);
  }

  get queued(): number {
    return this.queue.length;
  }

  isActive(): boolean {
    return this.active;
  }

  hasRoom(): boolean {
    return this.active && this.queue.length < this.settings.batchSize;
  }

  take(entry: StreamEntry): void {
    this.queue.push(entry);
    this.pump();
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
    this.onStopped(this);
    await this.pumping;
    await this.inbox.remove(this, this.queue.splice(0));
  }

  private pump(): void {
    if (this.pumping || !this.active) return;
    this.pumping = (async () => {
      while (this.active && this.queue.length > 0) {
        const entry = this.queue.shift() as StreamEntry;
        // The queue had no room: the reader can read ahead for it again.
        if (this.queue.length === this.settings.batchSize - 1) this.inbox.hasRoomAgain();
        await this.deliver(entry);
      }
      this.pumping = undefined;
    })();
  }

  private async deliver([entryId, fields]: StreamEntry): Promise<void> {
    const message = this.decode(entryId, fields ?? []);
    if (message) {
      this.inHandler = true;
      try {
        await this.handler(message);
      } catch (error) {
        this.settings.onError(error, message, this.subscriber);
      } finally {
        this.inHandler = false;
      }
    }
    // Acknowledged while the next message is handled; `drain` and `unsubscribe` wait for it.
    this.inbox.finished(entryId);
  }

  /** Validates an entry from the stream; anything else is reported once and dropped. */
  private decode(entryId: string, fields: string[]): Message | undefined {
    const at = fields[0] === 'message' ? 0 : fields.indexOf('message');
    const raw = at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    try {
      if (raw === undefined) {
        throw new ValidationError({ code: 'message_invalid', message: `stream entry ${entryId} on ${this.channel} has no "message" field` });
      }
      const message = checkMessage(parseJson(raw, `stream entry ${entryId}`) as Message, { what: this.what, field: '', strip: true });
      if (message.channel !== this.channel) {
        throw new ValidationError({
          code: 'message_wrong_channel',
          message: `message ${message.id} says channel "${message.channel}" but arrived on "${this.channel}"; dropped`,
          issues: [{ field: 'channel', message: 'does not match the stream', given: message.channel, allowed: this.channel }],
        });
      }
      return message;
    } catch (error) {
      const fallback = { id: entryId, channel: this.channel, sender: '?', tags: [], payload: null, antecedents: [], signature: null, ts: 0 };
      this.settings.onError(error, fallback, this.subscriber);
      return undefined;
    }
  }
}
