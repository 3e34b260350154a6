import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../core';
import { z } from 'zod';
import { ASSET_MAX_AGE_MS, ASSET_MAX_BYTES, NotFoundError, formatDuration, redisUrlForDisplay, systemClock, validate, type Clock } from '../core';
import { assetCategory, assetExtension, checkAssetHash } from './asset-names';
import { assetBytes, type AssetData } from './asset-data';
import type { Asset, AssetInfo, BoxDriver } from './box-driver';
import { deleteStoredBefore } from './expire-assets';
import { assetHash } from './local-driver';
import { showDriver } from './asset-table';

/** Opens a Redis connection; ioredis is loaded only when a Redis box is asked for. */
function connectRedis(url: string): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
  return new RedisClient(url);
}

/** Options of a `RedisDriver`. */
export interface RedisDriverOptions {
  /** `redis://host:port/db` (default `redis://127.0.0.1:6379`); ignored when `redis` is given. */
  url?: string;
  /** An open connection to use; the driver does not close it. */
  /** An open ioredis connection to use; it is not closed by this adapter. */
  redis?: RedisConnection;
  /** Prefix of the driver's keys (default `campfires:box`). */
  prefix?: string;
  /** Where `storedAt` and cleanup ages come from. Default: the system clock. */
  clock?: Clock;
  /** Largest asset accepted, in bytes. Default 10 MB. */
  maxBytes?: number;
  /** Redis deletes an asset this long after it was first stored (default 20 minutes; 0 keeps assets until deleted). */
  maxAgeMs?: number;
}

const optionsSchema = z.object({
  url: z.string().regex(/^rediss?:\/\//, 'a Redis URL starts with redis:// or rediss://').optional(),
  prefix: z.string().min(1).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -').optional(),
  maxBytes: z.number().int().positive().optional(),
  maxAgeMs: z.number().int().nonnegative().optional(),
});

const metaSchema = z.object({
  key: z.string().min(1),
  category: z.string().min(1),
  name: z.string().min(16),
  size: z.coerce.number().int().nonnegative(),
  storedAt: z.coerce.number().int(),
});

// Stores bytes and facts in one atomic step; an asset already there keeps its bytes, facts and age.
const putScript = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local ttl = tonumber(ARGV[7])
if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('HSET', KEYS[2], 'key', ARGV[2], 'category', ARGV[3], 'name', ARGV[4], 'size', ARGV[5], 'storedAt', ARGV[6])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('ZADD', KEYS[3], ARGV[6], ARGV[8])
return 1`;

/**
 * A Party Box in Redis, shared by every process that reaches the server: each asset is
 * its bytes plus a small hash of facts, both with a TTL so Redis itself deletes assets
 * 20 minutes after they were first stored. Same bytes are stored once.
 * @example const driver = new RedisDriver({ url: 'redis://127.0.0.1:6379' });
 */
export class RedisDriver implements BoxDriver {
  /** The server, without credentials. */
  readonly url: string;
  readonly prefix: string;
  readonly maxAgeMs: number;
  private readonly redis: Redis;
  private readonly ownsConnection: boolean;
  private readonly clock: Clock;
  private readonly maxBytes: number;

  constructor(options: RedisDriverOptions = {}) {
    const { redis, clock, ...rest } = options;
    const checked = validate(optionsSchema, rest, { what: 'RedisDriver options', code: 'box_options_invalid' });
    const url = checked.url ?? 'redis://127.0.0.1:6379';
    this.redis = (redis as Redis | undefined) ?? connectRedis(url);
    this.ownsConnection = !redis;
    if (!redis) this.redis.on('error', () => undefined); // failed commands carry the error to the caller
    this.redis.defineCommand('campfiresBoxPut', { numberOfKeys: 3, lua: putScript });
    this.url = redis ? `redis://${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}` : redisUrlForDisplay(url);
    this.prefix = checked.prefix ?? 'campfires:box';
    this.clock = clock ?? systemClock;
    this.maxBytes = checked.maxBytes ?? ASSET_MAX_BYTES;
    this.maxAgeMs = checked.maxAgeMs ?? ASSET_MAX_AGE_MS;
  }

  async put(key: string, data: AssetData): Promise<string> {
    const bytes = await assetBytes(key, data, this.maxBytes);
    const hash = assetHash(bytes);
    const put = (this.redis as unknown as Record<string, (...args: (string | number | Buffer)[]) => Promise<number>>).campfiresBoxPut;
    await put.call(
      this.redis,
      this.dataKey(hash), this.metaKey(hash), this.indexKey,
      bytes, key, assetCategory(key), `${hash}${assetExtension(key)}`, bytes.byteLength, this.clock.now(), this.maxAgeMs, hash,
    );
    return hash;
  }

  async get(hash: string): Promise<Asset> {
    const info = await this.info(checkAssetHash(hash));
    if (!info) throw this.notFound(hash);
    const bytes = async (): Promise<Buffer> => {
      const stored = await this.redis.getBuffer(this.dataKey(hash));
      if (!stored) throw this.notFound(hash);
      return stored;
    };
    return {
      ...info,
      bytes,
      stream: () => Readable.from((async function* () { yield await bytes(); })()),
    };
  }

  async has(hash: string): Promise<boolean> {
    return (await this.redis.exists(this.metaKey(checkAssetHash(hash)))) === 1;
  }

  async delete(hash: string): Promise<boolean> {
    checkAssetHash(hash);
    const [[, removed]] = (await this.redis.multi().del(this.metaKey(hash), this.dataKey(hash)).zrem(this.indexKey, hash).exec()) as [[unknown, number], unknown];
    return removed > 0;
  }

  async list(): Promise<AssetInfo[]> {
    const hashes = await this.redis.zrange(this.indexKey, 0, -1);
    const infos: AssetInfo[] = [];
    for (const hash of hashes) {
      const info = await this.info(hash);
      if (info) infos.push(info);
      else await this.redis.zrem(this.indexKey, hash); // Redis expired it
    }
    return infos.sort((a, b) => a.storedAt - b.storedAt || a.hash.localeCompare(b.hash));
  }

  async cleanup(olderThanMs: number): Promise<string[]> {
    return deleteStoredBefore(this, this.clock.now() - olderThanMs);
  }

  /** Milliseconds until Redis deletes the asset (-1 when it never expires, null when it is gone). */
  async expiresIn(hash: string): Promise<number | null> {
    const ttl = await this.redis.pttl(this.metaKey(checkAssetHash(hash)));
    return ttl === -2 ? null : ttl;
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** One line, for notebooks. */
  /** Displays the stored assets as a table. */
  show(): Promise<void> {
    return showDriver(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RedisDriver(${this.url}, prefix ${this.prefix}, assets expire after ${this.maxAgeMs > 0 ? formatDuration(this.maxAgeMs) : 'never'})`;
  }

  private async info(hash: string): Promise<AssetInfo | null> {
    const raw = await this.redis.hgetall(this.metaKey(hash));
    if (Object.keys(raw).length === 0) return null;
    const meta = validate(metaSchema, raw, { what: `Party Box facts of ${hash} in Redis`, code: 'box_entry_invalid' });
    return {
      hash,
      key: meta.key,
      category: meta.category,
      size: meta.size,
      storedAt: meta.storedAt,
      location: `${this.url}/${this.prefix}/${meta.category}/${meta.name}`,
    };
  }

  private notFound(hash: string): NotFoundError {
    return new NotFoundError({
      code: 'asset_not_found',
      message: `no asset "${hash}" in the Party Box at ${this.url} (prefix ${this.prefix}; it may have expired after ${formatDuration(this.maxAgeMs)})`,
      details: { hash, box: `${this.url}/${this.prefix}` },
    });
  }

  private dataKey(hash: string): string {
    return `${this.prefix}:data:${hash}`;
  }

  private metaKey(hash: string): string {
    return `${this.prefix}:meta:${hash}`;
  }

  private get indexKey(): string {
    return `${this.prefix}:assets`;
  }
}
