import { inspect } from 'node:util';
import { z } from 'zod';
import { CampfiresError, ValidationError, validate } from '../core';
import { messageSchema, type Message } from '../messages';
import { display, tableBundle, type MimeBundle } from '../display';

const envelopeSchema = messageSchema.extend({ payload: z.unknown() });
const envelopeKeys = new Set(Object.keys(envelopeSchema.shape));

/** Where `value` stops being JSON (a function, undefined, NaN, a class instance...), or null when it is JSON. */
function notJsonAt(value: unknown, path: string): { path: string; value: unknown } | null {
  const found = firstNonJson(value, 0);
  if (!found) return null;
  // The path is spelled out only for the refusal: a valid payload builds no strings.
  return { path: [path, ...found.keys.reverse()].join('.'), value: found.value };
}

function firstNonJson(value: unknown, depth: number): { keys: string[]; value: unknown } | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { keys: [], value };
  if (depth > 64) return { keys: [], value: 'nested more than 64 levels' };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = firstNonJson(value[index], depth + 1);
      if (found) {
        found.keys.push(String(index));
        return found;
      }
    }
    return null;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    // for-in rather than Object.keys: no array per object on a path every torch takes.
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const found = firstNonJson(item, depth + 1);
      if (found) {
        found.keys.push(key);
        return found;
      }
    }
    return null;
  }
  return { keys: [], value };
}

const channelPattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A quick check of the envelope; only when it fails does zod run, to name every problem. */
function looksLikeMessage(message: Message): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { id, channel, sender, tags, antecedents, signature, ts } = message;
  return (
    typeof id === 'string' && id.length > 0 &&
    typeof channel === 'string' && channel.length <= 128 && channelPattern.test(channel) &&
    typeof sender === 'string' && sender.length > 0 &&
    isStrings(tags) && tags.every((tag) => tag.length > 0) &&
    isStrings(antecedents) &&
    (signature === null || typeof signature === 'string') &&
    Number.isInteger(ts) && ts >= 0 &&
    onlyEnvelopeKeys(message)
  );
}

function onlyEnvelopeKeys(message: Message): boolean {
  for (const key in message) if (!envelopeKeys.has(key)) return false;
  return true;
}

/**
 * Checks a message on its way in: the envelope with zod, the payload with a direct walk
 * (much cheaper than a recursive schema on every torch). Delivers the caller's object.
 */
function checkMessage(message: Message): Message {
  if (!looksLikeMessage(message)) validate(envelopeSchema, message, { what: 'message', code: 'message_invalid', field: 'message' });
  const problem = notJsonAt(message.payload, 'message.payload');
  if (problem) {
    throw new ValidationError({
      code: 'message_invalid',
      message: `message is not valid: ${problem.path} is not a JSON value (got ${String(problem.value)})`,
      issues: [{ field: problem.path, message: 'not a JSON value', given: String(problem.value), allowed: 'string, finite number, boolean, null, array or plain object' }],
    });
  }
  return message;
}
import type { ChannelBus, MessageHandler, Subscription } from './channel-bus';

interface MemorySubscription extends Subscription {
  handler: MessageHandler;
  queue: Message[];
  running: boolean;
  active: boolean;
}

const published: Promise<void> = Promise.resolve();

/** Reports a handler failure; by default it is written to stderr so a cycle is never silently lost. */
export type DeliveryErrorHandler = (error: unknown, message: Message, subscriber: string) => void;

/** The in-process bus: the embedded default, fine for hundreds of campfires in one kernel. */
export class MemoryChannelBus implements ChannelBus {
  private readonly subscriptions = new Map<string, MemorySubscription[]>();
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly onError: DeliveryErrorHandler = (error, message, subscriber) => {
    process.stderr.write(`campfires: ${subscriber} failed on ${message.channel}/${message.id}: ${(error as Error)?.message ?? error}\n`);
  }) {}

  publish(message: Message): Promise<void> {
    // Not `async`: the work is synchronous, so one shared settled promise serves every send;
    // a refusal still arrives as a rejection.
    try {
      if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
      const checked = checkMessage(message);
      const subscriptions = this.subscriptions.get(checked.channel);
      if (subscriptions) {
        for (const subscription of subscriptions) {
          if (!subscription.active) continue;
          subscription.queue.push(checked);
          this.pending += 1;
          void this.pump(subscription);
        }
      }
      return published;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async subscribe(channel: string, subscriber: string, handler: MessageHandler): Promise<Subscription> {
    const list = this.subscriptions.get(channel) ?? [];
    const subscription: MemorySubscription = {
      channel,
      subscriber,
      handler,
      queue: [],
      running: false,
      active: true,
      unsubscribe: async () => {
        subscription.active = false;
        this.settle(subscription.queue.length);
        subscription.queue = [];
        const remaining = (this.subscriptions.get(channel) ?? []).filter((other) => other !== subscription);
        this.subscriptions.set(channel, remaining);
      },
    };
    list.push(subscription);
    this.subscriptions.set(channel, list);
    return subscription;
  }

  /** Names of the subscribers of `channel`, for displays. */
  subscribersOf(channel: string): string[] {
    return (this.subscriptions.get(channel) ?? []).map((subscription) => subscription.subscriber);
  }

  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Each channel with a listener, and who listens. */
  channels(): Array<{ channel: string; subscribers: string[] }> {
    return [...this.subscriptions.entries()]
      .filter(([, list]) => list.length > 0)
      .map(([channel, list]) => ({ channel, subscribers: list.map((subscription) => subscription.subscriber) }));
  }

  /** One line for a notebook cell: the channels with listeners and what is still being delivered. */
  [inspect.custom](): string {
    const channels = this.channels();
    const listed = channels.map(({ channel, subscribers }) => `${channel} → ${subscribers.join(', ')}`).join('; ');
    return `MemoryChannelBus (in process${this.closed ? ', closed' : ''}): ${channels.length} channel${channels.length === 1 ? '' : 's'} with listeners${listed ? ` (${listed})` : ''}, ${this.pending} message${this.pending === 1 ? '' : 's'} in delivery`;
  }

  /** The channels and their listeners as a table. */
  toMimeBundle(): MimeBundle {
    return tableBundle(inspect(this), ['channel', 'listeners'], this.channels().map(({ channel, subscribers }) => [channel, subscribers.join(', ')]));
  }

  /** Displays the channels and their listeners in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const list of this.subscriptions.values()) for (const subscription of list) await subscription.unsubscribe();
    this.subscriptions.clear();
  }

  private async pump(subscription: MemorySubscription): Promise<void> {
    if (subscription.running) return;
    subscription.running = true;
    // Deliver on a later tick so publish never runs a handler inside the publisher's stack.
    await Promise.resolve();
    while (subscription.active && subscription.queue.length > 0) {
      const message = subscription.queue.shift() as Message;
      try {
        await subscription.handler(message);
      } catch (error) {
        this.onError(error, message, subscription.subscriber);
      }
      this.settle(1);
    }
    subscription.running = false;
  }

  private settle(count: number): void {
    this.pending -= count;
    if (this.pending <= 0) {
      this.pending = 0;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
