import type { Redis } from 'ioredis';
import { ValidationError, parseJson, validate } from '../core';
import { messageSchema, type Message } from '../messages';
import type { MessageHandler, Subscription } from './channel-bus';
import type { DeliveryErrorHandler } from './memory-channel-bus';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One subscriber's read loop on one channel's stream: reads new entries as the
 * consumer `consumer` of group `subscriber`, claims entries left pending by dead
 * consumers of the same group, and runs the handler at most once per message id.
 */
export class RedisStreamSubscription implements Subscription {
  private active = true;
  private inHandler = false;
  private nextSweep = 0;
  private readonly loop: Promise<void>;

  constructor(
    readonly channel: string,
    readonly subscriber: string,
    readonly consumer: string,
    private readonly streamKey: string,
    private readonly redis: Redis,
    private readonly blocking: Redis,
    private readonly handler: MessageHandler,
    private readonly settings: RedisStreamSettings,
    private readonly onStopped: (subscription: RedisStreamSubscription) => void,
  ) {
    this.loop = this.run();
  }

  /** Stops reading; an entry read but not yet handled stays pending for another consumer of the group. */
  async unsubscribe(): Promise<void> {
    if (!this.active) return this.inHandler ? undefined : this.loop;
    this.active = false;
    this.blocking.disconnect();
    // Called from inside our own handler: the loop ends once the handler returns.
    if (!this.inHandler) await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.active) {
      try {
        if (Date.now() >= this.nextSweep) {
          this.nextSweep = Date.now() + Math.max(50, Math.floor(this.settings.claimIdleMs / 2));
          await this.sweep();
        }
        const block = Math.max(1, Math.min(this.settings.blockMs, this.nextSweep - Date.now()));
        const reply = (await this.blocking.xreadgroup(
          'GROUP', this.subscriber, this.consumer, 'COUNT', this.settings.batchSize, 'BLOCK', block, 'STREAMS', this.streamKey, '>',
        )) as [string, StreamEntry[]][] | null;
        for (const entry of reply?.[0]?.[1] ?? []) {
          if (!this.active) break;
          await this.deliver(entry);
        }
        failures = 0;
      } catch (error) {
        if (!this.active) break;
        failures += 1;
        if (failures === 1) this.settings.onConnectionError(error, `${this.subscriber} on ${this.channel}`);
        await sleep(Math.min(1000, 50 * failures));
      }
    }
    await this.leaveGroup();
    this.onStopped(this);
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
      for (const entry of entries) {
        if (!this.active) return;
        if (entry[1]) await this.deliver(entry);
      }
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

  private async deliver([entryId, fields]: StreamEntry): Promise<void> {
    const message = this.decode(entryId, fields ?? []);
    if (!message) {
      await this.redis.xack(this.streamKey, this.subscriber, entryId);
      return;
    }
    const mark = `${this.settings.prefix}:seen:${this.channel}:${this.subscriber}:${message.id}`;
    const state = await runStreamScript(this.redis, 'campfiresBegin', mark, this.consumer, this.settings.claimIdleMs);
    if (state === 'done') {
      await this.redis.xack(this.streamKey, this.subscriber, entryId); // a duplicate: handled before under this id
      return;
    }
    if (state !== 'mine') return; // another live consumer of the group holds it; it acknowledges when done
    const heartbeat = setInterval(() => {
      runStreamScript(this.redis, 'campfiresRenew', mark, this.streamKey, this.consumer, this.settings.claimIdleMs, this.subscriber, entryId).catch(() => undefined);
    }, Math.max(20, Math.floor(this.settings.claimIdleMs / 3)));
    this.inHandler = true;
    try {
      await this.handler(message);
    } catch (error) {
      this.settings.onError(error, message, this.subscriber);
    } finally {
      this.inHandler = false;
      clearInterval(heartbeat);
    }
    await runStreamScript(this.redis, 'campfiresFinish', mark, this.streamKey, this.subscriber, entryId, this.settings.processedTtlMs);
  }

  /** Validates an entry from the stream; anything else is reported once and dropped. */
  private decode(entryId: string, fields: string[]): Message | undefined {
    const raw = fields[fields.indexOf('message') + 1];
    const fallback = { id: entryId, channel: this.channel, sender: '?', tags: [], payload: null, antecedents: [], signature: null, ts: 0 };
    try {
      if (fields.indexOf('message') < 0 || raw === undefined) throw new ValidationError({ code: 'message_invalid', message: `stream entry ${entryId} on ${this.channel} has no "message" field` });
      const message = validate(messageSchema, parseJson(raw, `stream entry ${entryId}`), { what: `message on ${this.channel}`, code: 'message_invalid' });
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
