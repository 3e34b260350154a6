import { ValidationError, parseDuration } from '../core';
import type { ChannelBus } from './channel-bus';
import { MemoryChannelBus, type DeliveryErrorHandler } from './memory-channel-bus';
import { RedisChannelBus, type RedisChannelBusOptions } from './redis-channel-bus';

/** The bus URLs `createChannelBus` understands, for help texts and errors. */
export const CHANNEL_BUS_URL_FORMS = ['memory:', 'redis://host:port[/db][?prefix=campfires&claimIdle=30s]', 'rediss://host:port[/db]'];

function refuse(field: string, given: string, reason: string, allowed: unknown): never {
  throw new ValidationError({
    code: 'bus_url_invalid',
    message: `${field}: ${reason} (got ${JSON.stringify(given)}); use ${Array.isArray(allowed) ? allowed.join(' or ') : String(allowed)}`,
    issues: [{ field, message: reason, given, allowed }],
  });
}

/** Reads `?prefix=&consumer=&claimIdle=&block=&batch=` of a Redis bus URL into options. */
function redisOptions(url: URL, given: string): RedisChannelBusOptions {
  const options: RedisChannelBusOptions = {};
  const known = ['prefix', 'consumer', 'claimIdle', 'block', 'batch'];
  for (const [name, value] of url.searchParams) {
    if (!known.includes(name)) refuse(`bus.${name}`, given, `"${name}" is not a Redis bus setting`, known);
    if (name === 'prefix') options.prefix = value;
    if (name === 'consumer') options.consumer = value;
    if (name === 'claimIdle') options.claimIdleMs = /^\d+$/.test(value) ? Number(value) : parseDuration(value, 'bus.claimIdle');
    if (name === 'block') options.blockMs = /^\d+$/.test(value) ? Number(value) : parseDuration(value, 'bus.block');
    if (name === 'batch') options.batchSize = Number(value);
  }
  return options;
}

/**
 * The channel bus a URL names: `memory:` (the default, one process) or
 * `redis://127.0.0.1:6379` (Redis Streams, several processes or machines).
 * Choosing a backend is configuration: campfire code never changes.
 * @example const bus = createChannelBus(process.env.CAMPFIRES_BUS ?? 'memory:');
 */
export function createChannelBus(url = 'memory:', options: { onError?: DeliveryErrorHandler } = {}): ChannelBus {
  const given = url.trim();
  if (given === 'memory:' || given === 'memory' || given === '') return new MemoryChannelBus(options.onError);
  let parsed: URL;
  try {
    parsed = new URL(given);
  } catch {
    return refuse('bus', given, 'not a channel bus URL', CHANNEL_BUS_URL_FORMS);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return refuse('bus', given, `"${parsed.protocol}" is not a channel bus backend`, CHANNEL_BUS_URL_FORMS);
  }
  const settings = redisOptions(parsed, given);
  parsed.search = '';
  return new RedisChannelBus({ ...settings, url: parsed.toString().replace(/\/$/, ''), onError: options.onError });
}
