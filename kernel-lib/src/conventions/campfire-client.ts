import { inspect } from 'node:util';
import { PermissionError } from '../core';
import type { ChannelBus, Subscription } from '../channels';
import { createMessage, signMessage, verifyMessage, type JsonValue, type Message } from '../messages';
import type { CampfireRecord, CampfireStore, IdentityRecord, MessageQuery, StoredMessage } from './campfire-store';
import { StoreChannelBus } from './store-channel-bus';

/** Why a delivered message was refused (bad signature, not a member...). */
export type RefusalHandler = (message: Message, reason: string) => void;

/** What `send` takes: the campfire, tags, payload and antecedents; `signWith: 'campfire'` uses the campfire key. */
export interface SendInit {
  campfire: string;
  tags?: string[];
  payload: JsonValue;
  antecedents?: string[];
  signWith?: 'member' | 'campfire';
}

/**
 * One identity's view of the campfires in a store: signs and sends messages, reads
 * them back, and delivers verified ones to subscribers. The bus defaults to the
 * store's own (shared across processes); pass a MemoryChannelBus for one process.
 */
export class CampfireClient {
  readonly bus: ChannelBus;

  constructor(
    readonly store: CampfireStore,
    readonly identity: IdentityRecord,
    options: { bus?: ChannelBus; pollMs?: number } = {},
  ) {
    this.bus = options.bus ?? new StoreChannelBus(store, { pollMs: options.pollMs });
  }

  /** The campfire with this id or name. */
  campfire(idOrName: string): CampfireRecord {
    return this.store.campfire(idOrName);
  }

  /** Joins a campfire as a member (operator level 0 unless already higher). */
  join(idOrName: string): CampfireRecord {
    const campfire = this.store.campfire(idOrName);
    this.store.addMember(campfire.id, this.identity.publicKey, { label: this.identity.name });
    return campfire;
  }

  /** This identity's operator level in a campfire (-1 when not a member). */
  operatorLevel(campfire: CampfireRecord): number {
    return this.store.member(campfire.id, this.identity.publicKey)?.operatorLevel ?? -1;
  }

  /** True when this identity may sign with the campfire key (its operator keeps it in this store). */
  holdsCampfireKey(campfire: CampfireRecord): boolean {
    return campfire.privateKey !== null && this.store.member(campfire.id, this.identity.publicKey)?.operatorLevel === 3;
  }

  /** Builds and signs a message without sending it. */
  compose(init: SendInit): Message {
    const campfire = this.store.campfire(init.campfire);
    const unsigned = createMessage({ channel: campfire.name, sender: this.identity.publicKey, tags: init.tags, payload: init.payload, antecedents: init.antecedents });
    if (init.signWith === 'campfire') {
      if (!this.holdsCampfireKey(campfire)) {
        throw new PermissionError({ code: 'campfire_key_required', message: `signing for ${campfire.name} needs the campfire key, which ${this.identity.name} does not hold`, details: { campfire: campfire.name } });
      }
      return signMessage(unsigned, { publicKey: campfire.publicKey, privateKey: campfire.privateKey as string });
    }
    if (!this.store.member(campfire.id, this.identity.publicKey)) {
      throw new PermissionError({
        code: 'not_a_member',
        message: `${this.identity.name} is not a member of ${campfire.name}; join it first (cf join ${campfire.name})`,
        details: { campfire: campfire.name, identity: this.identity.name },
      });
    }
    return signMessage(unsigned, this.identity);
  }

  /** Signs, stores and publishes a message. */
  async send(init: SendInit): Promise<Message> {
    const message = this.compose(init);
    await this.publish(message);
    return message;
  }

  /** Stores and publishes an already signed message. */
  async publish(message: Message): Promise<void> {
    if (!(this.bus instanceof StoreChannelBus)) this.store.saveMessage(message);
    await this.bus.publish(message);
  }

  /** Reads a campfire's stored messages (with whether each signature verifies). */
  read(idOrName: string, query: Omit<MessageQuery, 'channel'> = {}): (StoredMessage & { verified: boolean })[] {
    const campfire = this.store.campfire(idOrName);
    return this.store.messages({ ...query, channel: campfire.name }).map((row) => ({ ...row, verified: verifyMessage(row.message) }));
  }

  /** True when the sender is a member or the campfire itself. */
  isMember(campfire: CampfireRecord, sender: string): boolean {
    return sender.toLowerCase() === campfire.publicKey || this.store.member(campfire.id, sender) !== null;
  }

  /** Delivers a campfire's new messages whose signatures verify; forged ones go to `onRefused`. */
  async subscribe(idOrName: string, subscriber: string, handler: (message: Message) => void | Promise<void>, onRefused?: RefusalHandler): Promise<Subscription> {
    const campfire = this.store.campfire(idOrName);
    return this.bus.subscribe(campfire.name, subscriber, async (message) => {
      if (!verifyMessage(message)) return onRefused?.(message, `signature of ${message.id} does not verify for sender ${message.sender.slice(0, 12)}...`);
      await handler(message);
    });
  }

  /** Stops the client's bus. */
  async close(): Promise<void> {
    await this.bus.close();
  }

  [inspect.custom](): string {
    return `CampfireClient ${this.identity.name} (${this.identity.publicKey.slice(0, 12)}...) on ${this.store.path}`;
  }
}
