export * from './channel-bus';
export * from './memory-channel-bus';
export * from './redis-channel-bus';
export * from './create-channel-bus';
