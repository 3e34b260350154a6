/** The channels area: the ChannelBus port and its in-memory and Redis Streams adapters. Other areas import from here only. */
export { type MessageHandler, type Subscription, type ChannelBus } from './channel-bus';
export { MemoryChannelBus } from './memory-channel-bus';
export {
  type RedisChannelBusOptions,
  RedisChannelBus,
} from './redis-channel-bus';
export { createChannelBus } from './create-channel-bus';
