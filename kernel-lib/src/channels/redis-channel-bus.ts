import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../core';
import { z } from 'zod';
import { CampfiresError, redisUrlForDisplay, validate } from '../core';
import { messageSchema, type Message } from '../messages';
import type { ChannelBus, MessageHandler, Subscription } from './channel-bus';
import { checkMessage } from '../messages';
import type { DeliveryErrorHandler } from './memory-channel-bus';
import { RedisStreamBatch } from './redis-stream-batch';
import { RedisStreamWakeups } from './redis-stream-wakeups';
import { defineStreamScripts, runStreamScript } from './redis-stream-scripts';
import { RedisStreamSubscription, type RedisStreamSettings } from './redis-stream-subscription';

/** How a `RedisChannelBus` connects and behaves; every field has a default. */
export interface RedisChannelBusOptions {
  /** `redis://host:port/db` (default `redis://127.0.0.1:6379`); ignored when `redis` is given. */
  url?: string;
  /**
   * An open ioredis connection to take the server and settings from. The bus works on two
   * duplicates of it (one for pipelined commands, one that listens for wake-ups) and
   * closes those; this connection itself is neither used for traffic nor closed.
   */
  redis?: RedisConnection;
  /** Prefix of every key the bus writes (default `campfires`); buses with different prefixes never meet. */
  prefix?: string;
  /** This process's consumer name in each group (default `<host>:<pid>:<random>`). */
  consumer?: string;
  /** An entry pending this long with no heartbeat is taken over by another consumer of its group (default 30000). */
  claimIdleMs?: number;
  /**
   * How often every subscription reads its group even when no wake-up came (default
   * 1000): the longest delay for an entry written to a stream by another client than a
   * `RedisChannelBus`, or while the wake-up connection was down. Messages published
   * through the bus wake their subscribers at once.
   */
  blockMs?: number;
  /**
   * Entries one subscription reads per round trip, and most it reads ahead of its handler
   * (default 32). Entries read ahead are leased to this process until handled; when it
   * unsubscribes they are given back, when it dies they pass to another consumer of the
   * group after `claimIdleMs`.
   */
  batchSize?: number;
  /** How long a subscriber remembers the ids it has handled, to drop duplicates (default 24 h). */
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

/**
 * Opens a connection (the bus batches its own hot path, so no auto-pipelining); ioredis
 * is loaded on first use so notebooks that never use Redis do not pay for it.
 */
function loadRedis(url: string): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url);
}

/**
 * A channel bus on Redis Streams, for campfires in several processes or machines.
 * Each channel is a stream; each subscriber name is a consumer group, so the
 * processes of one campfire share its work. Delivery is at least once (entries are
 * acknowledged after the handler), entries left by a dead consumer are claimed by
 * another after `claimIdleMs`, and a per-subscriber record of handled message ids
 * means a campfire never handles the same message twice.
 *
 * Round trips: the bus holds two connections to one Redis server (6.2 or later; not
 * Redis Cluster) whatever the number of subscriptions. The publishes, reads and
 * acknowledgements of one process in one turn of the event loop travel as a single script call; a read
 * takes the processing lease of what it returns in the same step; a publish also
 * sends a pub/sub wake-up named after the stream, which one listening connection per
 * bus hands to the subscriptions of that stream (no blocking read per subscription).
 * A message's acknowledgement does not hold up the next delivery.
 * @example const bus = new RedisChannelBus({ url: 'redis://127.0.0.1:6379' });
 */
export class RedisChannelBus implements ChannelBus {
  /** The Redis server, without credentials. */
  readonly url: string;
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly wakeups: RedisStreamWakeups;
  private readonly batch: RedisStreamBatch;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly consumerBase: string;
  private readonly settings: RedisStreamSettings;
  private readonly drainPollMs: number;
  private readonly subscriptions = new Set<RedisStreamSubscription>();
  private consumerCount = 0;
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
    this.consumerBase = checked.consumer ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const claimIdleMs = checked.claimIdleMs ?? 30_000;
    this.settings = {
      prefix: this.prefix,
      claimIdleMs,
      blockMs: checked.blockMs ?? 1000,
      batchSize: checked.batchSize ?? 32,
      processedTtlMs: checked.processedTtlMs ?? 24 * 3_600_000,
      deadConsumerMs: checked.deadConsumerMs ?? Math.max(60_000, claimIdleMs * 10),
      onError: onError ?? defaultOnError,
      onConnectionError: (error, where) => this.reportConnection(error, where),
    };
    this.drainPollMs = checked.drainPollMs ?? 10;
    this.batch = new RedisStreamBatch(this.redis);
    const listener = this.redis.duplicate({ enableAutoPipelining: false });
    listener.on('error', (error) => this.reportConnection(error, 'wake-ups'));
    this.wakeups = new RedisStreamWakeups(listener, this.settings.blockMs);
    // One timer keeps fresh the lease of every entry this bus's subscriptions hold.
    this.heartbeat = setInterval(() => {
      for (const subscription of this.subscriptions) subscription.renew();
    }, Math.max(20, Math.floor(claimIdleMs / 3)));
    this.heartbeat.unref();
  }

  /** The Redis key of a channel's stream. */
  streamKey(channel: string): string {
    return `${this.prefix}:channel:${channel}`;
  }

  async publish(message: Message): Promise<void> {
    if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
    const checked = checkMessage(message, { strip: true });
    // A channel nobody subscribes to has no stream, and the message goes nowhere (as on the in-memory bus).
    await this.batch.publish(this.streamKey(checked.channel), JSON.stringify(checked), checked.id);
  }

  async subscribe(channel: string, subscriber: string, handler: MessageHandler): Promise<Subscription> {
    if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
    validate(messageSchema.shape.channel, channel, { what: 'channel', code: 'channel_invalid', field: 'channel' });
    validate(z.string().min(1, 'a subscriber needs a name'), subscriber, { what: 'subscriber', code: 'subscriber_invalid', field: 'subscriber' });
    const key = this.streamKey(channel);
    await this.redis.sadd(this.registryKey, key);
    try {
      // `$`: a new subscriber receives what is published from now on; an existing group keeps its place.
      await this.redis.xgroup('CREATE', key, subscriber, '$', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.consumerCount += 1;
    const consumer = `${this.consumerBase}#${this.consumerCount}`;
    await this.redis.call('XGROUP', 'CREATECONSUMER', key, subscriber, consumer);
    const subscription = new RedisStreamSubscription(channel, subscriber, consumer, key, this.redis, this.batch, handler, this.settings, (stopped) => {
      this.subscriptions.delete(stopped);
      this.wakeups.remove(key, stopped);
    });
    this.subscriptions.add(subscription);
    // Wake-ups first: whatever arrives from then on is announced, whatever came before is read at start.
    await this.wakeups.add(key, subscription);
    subscription.start();
    return subscription;
  }

  /**
   * Resolves when every subscribed stream under this prefix is idle: every group with
   * a consumer, in any process, has handled everything published to it.
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

  /** Names of the subscriber groups of `channel` across all processes, for displays. */
  async subscribersOf(channel: string): Promise<string[]> {
    const groups = (await this.redis.xinfo('GROUPS', this.streamKey(channel)).catch(() => [])) as unknown[][];
    return groups.map((group) => String(group[group.indexOf('name') + 1]));
  }

  /** Removes a subscriber's group from a channel for good (its place and its pending entries). */
  async forget(channel: string, subscriber: string): Promise<boolean> {
    const removed = (await this.redis.xgroup('DESTROY', this.streamKey(channel), subscriber).catch(() => 0)) as number;
    return removed === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.subscriptions].map((subscription) => subscription.unsubscribe()));
    this.wakeups.stop();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** One line, for notebooks. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RedisChannelBus(${this.url}, prefix ${this.prefix}, ${this.subscriptions.size} subscriptions${this.closed ? ', closed' : ''})`;
  }

  private get registryKey(): string {
    return `${this.prefix}:channels`;
  }

  private reportConnection(error: unknown, where: string): void {
    if (this.closed || Date.now() - this.lastConnectionReport < 5000) return;
    this.lastConnectionReport = Date.now();
    process.stderr.write(`campfires: Redis bus at ${this.url} (${where}): ${(error as Error)?.message ?? error}; retrying\n`);
  }
}
