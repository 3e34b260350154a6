import { CampfiresError } from '../core';
import type { ChannelBus, MessageHandler, Subscription } from '../channels';
import type { Message } from '../messages';
import type { CampfireStore } from './campfire-store';

interface PollingSubscription {
  channel: string;
  subscriber: string;
  handler: MessageHandler;
  lastSeq: number;
  busy: Promise<void> | null;
  timer: NodeJS.Timeout;
}

/**
 * A ChannelBus over the campfire store's message table: publishing stores the message,
 * subscribers poll for new rows. Every process that opens the same store file shares it,
 * which is how a `cf` caller and a `cf serve` handler in other processes meet.
 */
export class StoreChannelBus implements ChannelBus {
  private readonly subscriptions = new Set<PollingSubscription>();
  private closed = false;

  constructor(
    private readonly store: CampfireStore,
    private readonly options: { pollMs?: number } = {},
  ) {}

  async publish(message: Message): Promise<void> {
    if (this.closed) throw new CampfiresError({ code: 'bus_closed', message: 'the channel bus is closed' });
    this.store.saveMessage(message);
    for (const subscription of this.subscriptions) if (subscription.channel === message.channel) this.poll(subscription);
  }

  async subscribe(channel: string, subscriber: string, handler: MessageHandler): Promise<Subscription> {
    const subscription: PollingSubscription = {
      channel,
      subscriber,
      handler,
      lastSeq: this.store.lastSeq(),
      busy: null,
      timer: setInterval(() => this.poll(subscription), this.options.pollMs ?? 25),
    };
    this.subscriptions.add(subscription);
    return {
      channel,
      subscriber,
      unsubscribe: async () => {
        clearInterval(subscription.timer);
        this.subscriptions.delete(subscription);
      },
    };
  }

  async drain(): Promise<void> {
    for (const subscription of this.subscriptions) {
      while (subscription.busy) await subscription.busy;
      this.poll(subscription);
      while (subscription.busy) await subscription.busy;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.subscriptions) clearInterval(subscription.timer);
    this.subscriptions.clear();
  }

  private poll(subscription: PollingSubscription): void {
    if (subscription.busy || !this.subscriptions.has(subscription)) return;
    let release: () => void = () => undefined;
    subscription.busy = new Promise<void>((resolve) => (release = resolve));
    void (async () => {
      try {
        const rows = this.store.messages({ channel: subscription.channel, afterSeq: subscription.lastSeq, limit: 200 });
        for (const row of rows) {
          subscription.lastSeq = row.seq;
          if (!this.subscriptions.has(subscription)) break;
          try {
            await subscription.handler(row.message);
          } catch (error) {
            process.stderr.write(`campfires: ${subscription.subscriber} failed on ${row.message.channel}/${row.message.id}: ${(error as Error)?.message ?? error}\n`);
          }
        }
      } finally {
        subscription.busy = null;
        release();
      }
    })();
  }
}
