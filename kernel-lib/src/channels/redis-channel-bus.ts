import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../core';
import { z } from 'zod';
import { CampfiresError, redisUrlForDisplay, validate } from '../core';
import { messageSchema, type Message } from '../messages';
import type { ChannelBus, MessageHandler, Subscription } from './channel-bus';
import { display, tableBundle, type MimeBundle } from '../display';
import { checkMessage } from '../messages';
import type { DeliveryErrorHandler } from './memory-channel-bus';
import { RedisStreamBatch } from './redis-stream-batch';
import { RedisStreamReader, replyField } from './redis-stream-reader';
import { defineStreamScripts, runStreamScript } from './redis-stream-scripts';
import { RedisInbox, RedisStreamSubscription, type RedisStreamSettings } from './redis-stream-subscription';

/** How a `RedisChannelBus` connects and behaves; every field has a default. */
export interface RedisChannelBusOptions {
  /** `redis://host:port/db` (default `redis://127.0.0.1:6379`); ignored when `redis` is given. */
  url?: string;
  /**
   * An open ioredis connection to take the server and settings from. The bus works on two
   * duplicates of it (one for writes and commands, one for the blocking read of its
   * inboxes) and closes those; this connection itself is neither used for traffic nor closed.
   */
  redis?: RedisConnection;
  /** Prefix of every key the bus writes (default `campfires`); buses with different prefixes never meet. */
  prefix?: string;
  /** This bus's consumer name in each inbox's group (default `<host>:<pid>:<random>`). */
  consumer?: string;
  /** An entry pending this long with no heartbeat is taken over by another consumer of its group (default 30000). */
  claimIdleMs?: number;
  /**
   * Longest wait of the bus's blocking read before it is given again (default 1000). New
   * entries end the wait at once; this only bounds how long a connection sits in one command.
   */
  blockMs?: number;
  /**
   * Entries read per inbox per round trip, and most one subscription has waiting ahead of
   * its handler (default 32). Entries read ahead belong to this process until handled;
   * when it unsubscribes they stay pending for its next subscription to the same inbox,
   * when it dies they pass to another consumer of the group after `claimIdleMs`.
   */
  batchSize?: number;
  /** How long a subscriber's inbox remembers the message ids it was given, to drop one published again (default 24 h). */
  processedTtlMs?: number;
  /** A consumer with nothing pending and silent this long is removed from its group (default max(60 s, 10 claim intervals)). */
  deadConsumerMs?: number;
  /** How often `drain` looks at the streams (default 10). */
  drainPollMs?: number;
  /** Reports a handler failure or an undecodable entry (default: one line on stderr). */
  onError?: DeliveryErrorHandler;
}

const optionsSchema = z.object({
  url: z.string().regex(/^rediss?:\/\//, 'a Redis URL starts with redis:// or rediss://').optional(),
  prefix: z.string().min(1).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -').optional(),
  consumer: z.string().min(1).optional(),
  claimIdleMs: z.number().int().min(10).optional(),
  blockMs: z.number().int().min(1).optional(),
  batchSize: z.number().int().min(1).max(10_000).optional(),
  processedTtlMs: z.number().int().min(1000).optional(),
  deadConsumerMs: z.number().int().min(1000).optional(),
  drainPollMs: z.number().int().min(1).optional(),
});

const defaultOnError: DeliveryErrorHandler = (error, message, subscriber) => {
  process.stderr.write(`campfires: ${subscriber} failed on ${message.channel}/${message.id}: ${(error as Error)?.message ?? error}\n`);
};


/** The consumer group of every inbox: an inbox belongs to one subscriber, whose processes are its consumers. */
const GROUP = 'campfires';

/**
 * Opens a connection (the bus batches its own writes, so no auto-pipelining); ioredis
 * is loaded on first use so notebooks that never use Redis do not pay for it.
 */
function loadRedis(url: string): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url);
}

/**
 * A channel bus on Redis Streams, for campfires in several processes or machines.
 * Each subscriber of a channel has an inbox stream; a publish appends the message to the
 * inbox of every subscriber of its channel, in one script call. The processes of one
 * subscriber are consumers of its inbox's group, so they share its work. Delivery is at
 * least once (entries are acknowledged after the handler), entries left by a dead
 * consumer are claimed by another after `claimIdleMs`, and an inbox remembers the
 * message ids it was given, so a message published again (a resumed campfire sending
 * what it sent before it was killed) reaches each subscriber once.
 *
 * Round trips: the bus holds two connections to one Redis server (6.2 or later; not
 * Redis Cluster) whatever the number of subscriptions. The publishes and
 * acknowledgements of one process in one turn of the event loop travel as a single
 * script call; one blocking `XREADGROUP` waits on all the process's inboxes and returns
 * as soon as any has entries. A message's acknowledgement does not hold up the next delivery.
 * @example const bus = new RedisChannelBus({ url: 'redis://127.0.0.1:6379' });
 */
export class RedisChannelBus implements ChannelBus {
  /** The Redis server, without credentials. */
  readonly url: string;
  readonly prefix: string;
  /** This bus's consumer name in each inbox's group. */
  readonly consumer: string;
  private readonly redis: Redis;
  private readonly reader: RedisStreamReader;
  private readonly batch: RedisStreamBatch;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly settings: RedisStreamSettings;
  private readonly drainPollMs: number;
  /** The inboxes this bus reads, by key. */
  private readonly reading = new Map<string, RedisInbox>();
  private readonly subscriptions = new Set<RedisStreamSubscription>();
  private closed = false;
  private lastConnectionReport = 0;

  constructor(options: RedisChannelBusOptions = {}) {
    const { redis, onError, ...rest } = options;
    const checked = validate(optionsSchema, rest, { what: 'RedisChannelBus options', code: 'bus_options_invalid' });
    const url = checked.url ?? 'redis://127.0.0.1:6379';
    this.redis = redis ? (redis as Redis).duplicate({ enableAutoPipelining: false }) : loadRedis(url);
    this.redis.on('error', (error) => this.reportConnection(error, 'connection'));
    defineStreamScripts(this.redis);
    this.url = redis ? `redis://${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}` : redisUrlForDisplay(url);
    this.prefix = checked.prefix ?? 'campfires';
    this.consumer = checked.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const claimIdleMs = checked.claimIdleMs ?? 30_000;
    this.settings = {
      group: GROUP,
      claimIdleMs,
      blockMs: checked.blockMs ?? 1000,
      batchSize: checked.batchSize ?? 32,
      processedTtlMs: checked.processedTtlMs ?? 24 * 3_600_000,
      deadConsumerMs: checked.deadConsumerMs ?? Math.max(60_000, claimIdleMs * 10),
      onError: onError ?? defaultOnError,
      onConnectionError: (error, where) => this.reportConnection(error, where),
    };
    this.drainPollMs = checked.drainPollMs ?? 10;
    this.batch = new RedisStreamBatch(this.redis, GROUP);
    // A blocked read that a dropped connection lost is given again by the reader, not resent by
    // ioredis (a resent read would wait under a connection id the reader no longer knows).
    const readerConnection = this.redis.duplicate({ enableAutoPipelining: false, autoResendUnfulfilledCommands: false });
    readerConnection.on('error', (error) => this.reportConnection(error, 'reading'));
    this.reader = new RedisStreamReader(readerConnection, this.redis, GROUP, this.consumer, this.settings);
    // One timer keeps fresh the idle time of every entry this bus's inboxes hold.
    this.heartbeat = setInterval(() => {
      for (const inbox of this.reading.values()) inbox.renew();
    }, Math.max(20, Math.floor(claimIdleMs / 3)));
    this.heartbeat.unref();
  }

  /** The Redis key of a subscriber's inbox stream on a channel. */
  streamKey(channel: string, subscriber: string): string {
    return `${this.keysOf(channel).inboxBase}${encodeURIComponent(subscriber)}`;
  }

  async publish(message: Message): Promise<void> {
    if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
    const checked = checkMessage(message, { strip: true });
    const keys = this.keysOf(checked.channel);
    // A channel nobody subscribes to has no inbox, and the message goes nowhere (as on the in-memory bus).
    await this.batch.publish(
      keys.inboxBase,
      keys.seenBase,
      keys.subscribers,
      JSON.stringify(checked),
      checked.id,
      this.settings.processedTtlMs,
    );
  }

  async subscribe(channel: string, subscriber: string, handler: MessageHandler): Promise<Subscription> {
    if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
    validate(messageSchema.shape.channel, channel, { what: 'channel', code: 'channel_invalid', field: 'channel' });
    validate(z.string().min(1, 'a subscriber needs a name'), subscriber, { what: 'subscriber', code: 'subscriber_invalid', field: 'subscriber' });
    const key = this.streamKey(channel, subscriber);
    await this.register(channel, subscriber);
    let inbox = this.reading.get(key);
    const fresh = !inbox;
    if (!inbox) {
      inbox = new RedisInbox(key, channel, subscriber, {
        redis: this.redis,
        batch: this.batch,
        reader: this.reader,
        consumer: this.consumer,
        settings: this.settings,
        register: () => this.register(channel, subscriber),
        stopped: (stopped) => {
          if (this.reading.get(stopped.key) === stopped) this.reading.delete(stopped.key);
        },
      });
      this.reading.set(key, inbox);
    }
    const subscription = new RedisStreamSubscription(channel, subscriber, inbox, handler, this.settings, (stopped) => this.subscriptions.delete(stopped));
    this.subscriptions.add(subscription);
    // What this consumer held from an earlier subscription comes first, then what is new.
    await inbox.ready;
    if (fresh) inbox.start();
    else this.reader.changed();
    return subscription;
  }

  /**
   * Makes a subscriber's inbox and its group if they do not exist and tells publishers of
   * it; this consumer joins the group. Run at subscribe, and again when the inbox is found
   * gone (a Redis restarted without its data, or `forget` while a process still subscribes).
   */
  private async register(channel: string, subscriber: string): Promise<void> {
    const key = this.streamKey(channel, subscriber);
    try {
      // `$`: a new subscriber receives what is published from now on; an existing group keeps its place.
      await this.redis.xgroup('CREATE', key, GROUP, '$', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    // The inbox exists before publishes are told of it, so none is lost in between.
    await this.redis.sadd(this.registryKey, key);
    await this.redis.sadd(this.subscribersKey(channel), encodeURIComponent(subscriber));
    // A consumer from now on: `drain` waits for this subscriber even before its first read.
    await this.redis.call('XGROUP', 'CREATECONSUMER', key, GROUP, this.consumer);
  }

  /**
   * Resolves when every inbox under this prefix is idle: every group with a consumer,
   * in any process, has handled everything published to it.
   */
  async drain(): Promise<void> {
    let idleChecks = 0;
    while (!this.closed) {
      const idle = await runStreamScript(this.redis, 'campfiresIdle', this.registryKey);
      idleChecks = idle === 1 ? idleChecks + 1 : 0;
      if (idleChecks >= 2) return;
      await new Promise((resolve) => setTimeout(resolve, this.drainPollMs));
    }
  }

  /** Names of the subscribers of `channel` across all processes, for displays. */
  async subscribersOf(channel: string): Promise<string[]> {
    const members = await this.redis.smembers(this.subscribersKey(channel)).catch(() => [] as string[]);
    return members.map((member) => decodeURIComponent(member)).sort();
  }

  /**
   * Removes a subscriber from a channel for good: its inbox, its place and its pending
   * entries. Forget a subscriber whose processes have stopped: a process still subscribed
   * finds its inbox gone and makes it again, empty.
   */
  async forget(channel: string, subscriber: string): Promise<boolean> {
    const key = this.streamKey(channel, subscriber);
    await this.redis.srem(this.subscribersKey(channel), encodeURIComponent(subscriber));
    await this.redis.srem(this.registryKey, key);
    return (await this.redis.del(key)) === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.unsubscribe()));
    await this.reader.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** One line, for notebooks. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.summaryLine();
  }

  private summaryLine(): string {
    const count = this.subscriptions.size;
    return `RedisChannelBus(${this.url}, prefix ${this.prefix}, ${count} subscription${count === 1 ? '' : 's'}${this.closed ? ', closed' : ''})`;
  }

  /**
   * Every inbox under this prefix, in all processes: its channel and subscriber, the
   * entries not read yet, the entries read and not yet acknowledged, and how many
   * processes (consumers) read it.
   */
  async inboxes(): Promise<Array<{ channel: string; subscriber: string; waiting: number; inHand: number; consumers: number }>> {
    const start = `${this.prefix}:inbox:`;
    const keys = (await this.redis.smembers(this.registryKey)).filter((key) => key.startsWith(start)).sort();
    const rows = [];
    for (const key of keys) {
      const [channel = '', subscriber = ''] = key.slice(start.length).split(':').map((part) => decodeURIComponent(part));
      const groups = (await this.redis.xinfo('GROUPS', key).catch(() => [])) as (string | number | null)[][];
      const group = groups.find((fields) => replyField(fields, 'name') === GROUP) ?? [];
      const field = (name: string) => Number(replyField(group, name) ?? 0);
      rows.push({ channel, subscriber, waiting: field('lag'), inHand: field('pending'), consumers: field('consumers') });
    }
    return rows;
  }

  /** The inboxes as a table (asks Redis), with a text form. */
  async toMimeBundle(): Promise<MimeBundle> {
    const rows = await this.inboxes();
    return tableBundle(
      `${this.summaryLine()}: ${rows.length} inbox${rows.length === 1 ? '' : 'es'}`,
      ['channel', 'subscriber', 'not read yet', 'read, not yet acknowledged', 'processes'],
      rows.map((row) => [row.channel, row.subscriber, row.waiting, row.inHand, row.consumers]),
    );
  }

  /** Displays the inboxes and what waits in them in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** The set of every inbox under this prefix, for `drain`. */
  private get registryKey(): string {
    return `${this.prefix}:channels`;
  }

  /** The set of a channel's subscribers (their names, URI-encoded, as in their inbox keys). */
  private subscribersKey(channel: string): string {
    return this.keysOf(channel).subscribers;
  }

  /**
   * The keys of a channel, the one place their layout is written: an inbox is `inboxBase`
   * plus the URI-encoded subscriber, its record of message ids given `seenBase` plus the
   * same and the id, and `subscribers` the set of the encoded subscribers.
   */
  private keysOf(channel: string): { inboxBase: string; seenBase: string; subscribers: string } {
    const encoded = encodeURIComponent(channel);
    return { inboxBase: `${this.prefix}:inbox:${encoded}:`, seenBase: `${this.prefix}:seen:${encoded}:`, subscribers: `${this.prefix}:subscribers:${encoded}` };
  }

  private reportConnection(error: unknown, where: string): void {
    if (this.closed || Date.now() - this.lastConnectionReport < 5000) return;
    this.lastConnectionReport = Date.now();
    process.stderr.write(`campfires: Redis bus at ${this.url} (${where}): ${(error as Error)?.message ?? error}; retrying\n`);
  }
}
