import type { Message } from '../messages';

/** Called once per delivered message; a returned promise is awaited before the next delivery to the same subscription. */
export type MessageHandler = (message: Message) => void | Promise<void>;

/** A live subscription; `unsubscribe` stops deliveries to it. */
export interface Subscription {
  readonly channel: string;
  readonly subscriber: string;
  unsubscribe(): Promise<void>;
}

/**
 * Named channels that carry messages between campfires. Only subscribers of a
 * channel receive its messages (no crosstalk); each subscriber receives each
 * message once, in publish order.
 */
export interface ChannelBus {
  /** Publishes a message on `message.channel`; resolves once the bus has accepted it. */
  publish(message: Message): Promise<void>;
  /**
   * Subscribes `subscriber` (a campfire name; one delivery per subscriber, shared by
   * its processes where the bus spans processes) to `channel`.
   */
  subscribe(channel: string, subscriber: string, handler: MessageHandler): Promise<Subscription>;
  /** Resolves when every message published so far has been handled (or failed). */
  drain(): Promise<void>;
  /** Stops deliveries and frees resources. */
  close(): Promise<void>;
}
