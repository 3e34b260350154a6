export * from './channel-bus';
export * from './memory-channel-bus';
