import { fileURLToPath } from 'node:url';
import { ValidationError, parseDuration, type Clock } from '../core';
import type { BoxDriver } from './box-driver';
import { LocalDriver } from './local-driver';
import { RedisDriver, type RedisDriverOptions } from './redis-driver';
import { S3Driver, type S3DriverOptions } from './s3-driver';

/** The Party Box locations `createBoxDriver` understands, for help texts and errors. */
export const BOX_DRIVER_URL_FORMS = [
  './party_box (a directory)',
  'file:./party_box',
  'redis://host:port[/db][?prefix=campfires:box&maxAge=20m]',
  's3://bucket[/prefix][?endpoint=http://127.0.0.1:9000&region=us-east-1&forcePathStyle=true]',
];

function refuse(field: string, given: string, reason: string, allowed: unknown): never {
  throw new ValidationError({
    code: 'box_url_invalid',
    message: `${field}: ${reason} (got ${JSON.stringify(given)}); use ${Array.isArray(allowed) ? allowed.join(' or ') : String(allowed)}`,
    issues: [{ field, message: reason, given, allowed }],
  });
}

function checkSettings(url: URL, given: string, known: string[]): void {
  for (const name of url.searchParams.keys()) {
    if (!known.includes(name)) refuse(`box.${name}`, given, `"${name}" is not a setting of this driver`, known);
  }
}

function redisDriver(url: URL, given: string, clock: Clock | undefined): RedisDriver {
  checkSettings(url, given, ['prefix', 'maxAge']);
  const options: RedisDriverOptions = { clock };
  const prefix = url.searchParams.get('prefix');
  const maxAge = url.searchParams.get('maxAge');
  if (prefix) options.prefix = prefix;
  if (maxAge) options.maxAgeMs = maxAge === '0' ? 0 : parseDuration(maxAge, 'box.maxAge');
  url.search = '';
  return new RedisDriver({ ...options, url: url.toString().replace(/\/$/, '') });
}

function s3Driver(url: URL, given: string, clock: Clock | undefined): S3Driver {
  checkSettings(url, given, ['endpoint', 'region', 'forcePathStyle']);
  if (!url.hostname) refuse('box', given, 'an S3 location needs a bucket', BOX_DRIVER_URL_FORMS);
  const options: S3DriverOptions = { bucket: url.hostname, prefix: decodeURIComponent(url.pathname).replace(/^\/+/, ''), clock };
  const endpoint = url.searchParams.get('endpoint');
  const region = url.searchParams.get('region');
  const pathStyle = url.searchParams.get('forcePathStyle');
  if (endpoint) options.endpoint = endpoint;
  if (region) options.region = region;
  if (pathStyle !== null) {
    if (pathStyle !== 'true' && pathStyle !== 'false') refuse('box.forcePathStyle', pathStyle, 'not a boolean', ['true', 'false']);
    options.forcePathStyle = pathStyle === 'true';
  }
  return new S3Driver(options);
}

/**
 * The Party Box driver a location names: a directory (default `./party_box`),
 * `redis://host:port` or `s3://bucket/prefix?endpoint=...`. Credentials for S3 come
 * from the usual AWS environment variables, never from the URL.
 * @example const driver = createBoxDriver(process.env.CAMPFIRES_BOX ?? './party_box');
 */
export function createBoxDriver(location = './party_box', options: { clock?: Clock } = {}): BoxDriver {
  const given = location.trim();
  if (given === '') refuse('box', given, 'an empty location', BOX_DRIVER_URL_FORMS);
  // Two or more letters before ":" is a scheme; one letter is a Windows drive.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(given)?.[1]?.toLowerCase();
  if (!scheme) return new LocalDriver({ path: given, clock: options.clock });
  if (scheme === 'file') {
    const path = given.startsWith('file://') ? fileURLToPath(given) : given.slice('file:'.length);
    if (path === '') refuse('box', given, 'a file: location needs a directory', BOX_DRIVER_URL_FORMS);
    return new LocalDriver({ path, clock: options.clock });
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return refuse('box', given, 'not a Party Box location', BOX_DRIVER_URL_FORMS);
  }
  if (scheme === 'redis' || scheme === 'rediss') return redisDriver(url, given, options.clock);
  if (scheme === 's3') return s3Driver(url, given, options.clock);
  return refuse('box', given, `"${scheme}:" is not a Party Box driver`, BOX_DRIVER_URL_FORMS);
}
