import { CampfiresError, validate } from '../core';
import { messageSchema, type Message } from '../messages';
import type { ChannelBus, MessageHandler, Subscription } from './channel-bus';

interface MemorySubscription extends Subscription {
  handler: MessageHandler;
  queue: Message[];
  running: boolean;
  active: boolean;
}

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

  async publish(message: Message): Promise<void> {
    if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
    const checked = validate(messageSchema, message, { what: 'message', code: 'message_invalid', field: 'message' });
    for (const subscription of this.subscriptions.get(checked.channel) ?? []) {
      if (!subscription.active) continue;
      subscription.queue.push(checked);
      this.pending += 1;
      void this.pump(subscription);
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
