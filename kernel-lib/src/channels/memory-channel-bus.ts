import { inspect } from 'node:util';
import { CampfiresError } from '../core';
import type { Message } from '../messages';
import { checkMessage } from '../messages';
import { display, tableBundle, type MimeBundle } from '../display';
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
