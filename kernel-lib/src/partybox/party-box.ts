import { inspect } from 'node:util';
import { ASSET_MAX_AGE_MS, escapeHtml as escape, formatDuration, NotFoundError, systemClock, ValidationError, type Clock } from '../core';
import { assetHashPattern } from './asset-names';
import type { Asset, AssetInfo, BoxDriver } from './box-driver';
import type { AssetData } from './asset-data';
import { display, type MimeBundle } from '../display';
import { LocalDriver } from './local-driver';
import { assetTableBundle } from './asset-table';

/** What a torch carries to point at an asset: a local `path` or a remote `url`. */
export type AssetPointer = { path: string } | { url: string };

/** Options of a `PartyBox`. */
export interface PartyBoxOptions {
  /** Where "now" comes from for expiry. Default: the system clock. */
  clock?: Clock;
  /** Assets older than this are deleted by `cleanup()`. Default 20 minutes. */
  maxAgeMs?: number;
  /** `put` runs a cleanup first when the last one is older than this. Default 1 minute; 0 turns it off. */
  cleanupEveryMs?: number;
  /**
   * How often a timer expires assets while the process lives, so a box nobody writes to
   * still forgets on time (the timer never keeps the process alive). Default 1 minute; 0 turns it off.
   */
  expireEveryMs?: number;
}

/** Reads the hash out of a hash, a path like `./party_box/images/<hash>.png` or a URL like `s3://bucket/<hash>.wav`. */
export function hashOfLocation(location: string): string {
  if (assetHashPattern.test(location)) return location;
  const match = /([0-9a-f]{16})(\.[A-Za-z0-9]{1,10})?$/.exec(location);
  if (!match) {
    throw new ValidationError({
      code: 'asset_location_invalid',
      message: `"${location}" names no Party Box asset; give the hash put() returned or the path/url a torch carries`,
      issues: [{ field: 'location', message: 'no asset hash in it', given: location, allowed: '<16 hex>, a box path or a box URL' }],
    });
  }
  return match[1] as string;
}

/** The torch field for a location: `url` when it has a scheme (`s3://`, `redis://`, `https://`), else `path`. */
export function assetPointer(location: string): AssetPointer {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) ? { url: location } : { path: location };
}

/**
 * The shared crate campers keep heavy assets in: a `BoxDriver` plus a clock and the
 * 20-minute expiry. `put` gives back where the asset is, which is all a torch carries.
 * @example const box = PartyBox.local('./party_box'); const asset = await box.put('comments.json', text);
 */
export class PartyBox {
  readonly driver: BoxDriver;
  readonly maxAgeMs: number;
  private readonly clock: Clock;
  private readonly cleanupEveryMs: number;
  private lastCleanup = Number.NEGATIVE_INFINITY;
  private puts = 0;
  private expiryTimer: ReturnType<typeof setInterval> | null = null;
  private expiring: Promise<unknown> | null = null;

  constructor(driver: BoxDriver, options: PartyBoxOptions = {}) {
    this.driver = driver;
    this.clock = options.clock ?? systemClock;
    this.maxAgeMs = options.maxAgeMs ?? ASSET_MAX_AGE_MS;
    this.cleanupEveryMs = options.cleanupEveryMs ?? 60_000;
    const expireEveryMs = options.expireEveryMs ?? 60_000;
    if (expireEveryMs > 0) {
      this.expiryTimer = setInterval(() => this.expireInBackground(), expireEveryMs);
      // Expiry is housekeeping: a notebook or script ends when its work does, not when the timer says.
      this.expiryTimer.unref();
    }
  }

  /** One timed expiry at a time; a failure (a server away for a moment) waits for the next tick. */
  private expireInBackground(): void {
    if (this.expiring) return;
    this.expiring = this.cleanup()
      .catch(() => undefined)
      .finally(() => {
        this.expiring = null;
      });
  }

  /** True when an asset stored at `storedAt` is past its age now. */
  private expired(info: Pick<AssetInfo, 'storedAt'>): boolean {
    return this.clock.now() - info.storedAt > this.maxAgeMs;
  }

  /** A Party Box on the local disk at `path` (default `./party_box`). */
  static local(path = './party_box', options: PartyBoxOptions & { maxBytes?: number } = {}): PartyBox {
    return new PartyBox(new LocalDriver({ path, clock: options.clock, maxBytes: options.maxBytes }), options);
  }

  /** Stores `data` under `key` (its extension picks the folder) and returns the asset's facts, `location` included. */
  async put(key: string, data: AssetData): Promise<AssetInfo> {
    if (this.cleanupEveryMs > 0 && this.clock.now() - this.lastCleanup >= this.cleanupEveryMs) await this.cleanup();
    let hash = await this.driver.put(key, data);
    let asset = await this.driver.get(hash);
    if (this.expired(asset)) {
      // The same bytes were stored long ago and not yet cleaned up: store them afresh, with a new age.
      await this.driver.delete(hash);
      hash = await this.driver.put(key, data);
      asset = await this.driver.get(hash);
    }
    this.puts += 1;
    const { path: _path, stream: _stream, bytes: _bytes, ...info } = asset;
    return info;
  }

  /** The asset named by a hash, a box path or a box URL; one past its age is deleted and not found. */
  async get(hashOrLocation: string): Promise<Asset> {
    const hash = hashOfLocation(hashOrLocation);
    const asset = await this.driver.get(hash);
    if (!this.expired(asset)) return asset;
    await this.driver.delete(hash);
    throw new NotFoundError({
      code: 'asset_expired',
      message: `Party Box asset ${hash} expired: it was stored ${formatDuration(this.clock.now() - asset.storedAt)} ago and assets last ${formatDuration(this.maxAgeMs)}; put it again`,
      details: { hash, storedAt: asset.storedAt, maxAgeMs: this.maxAgeMs },
    });
  }

  /** The bytes of an asset as UTF-8 text. */
  async text(hashOrLocation: string): Promise<string> {
    return (await (await this.get(hashOrLocation)).bytes()).toString('utf8');
  }

  /** What a torch should carry for `info`: `{ path }` or `{ url }`. */
  pointer(info: Pick<AssetInfo, 'location'>): AssetPointer {
    return assetPointer(info.location);
  }

  /** Every asset in the box that is not past its age, oldest first. */
  async list(): Promise<AssetInfo[]> {
    return (await this.driver.list()).filter((info) => !this.expired(info));
  }

  /** Stops the expiry timer and closes the driver (a Redis connection, an S3 client). */
  async close(): Promise<void> {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
    await this.expiring;
    await this.driver.close?.();
  }

  /** Deletes assets older than `maxAgeMs`; returns their hashes. */
  async cleanup(): Promise<string[]> {
    this.lastCleanup = this.clock.now();
    return this.driver.cleanup(this.maxAgeMs);
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    return `PartyBox(${this.describeDriver()}, ${this.puts} put${this.puts === 1 ? '' : 's'} this session, assets expire after ${formatDuration(this.maxAgeMs)})`;
  }

  /** The assets in the box as an HTML table and text. */
  async toMimeBundle(): Promise<MimeBundle> {
    return assetTableBundle(this, await this.list());
  }

  /** Displays the box's assets in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** The driver and where it stores, for summaries. */
  describeDriver(): string {
    const local = this.driver as Partial<LocalDriver>;
    return typeof local.displayRoot === 'string' ? `${this.driver.constructor.name} ${local.displayRoot}` : this.driver.constructor.name;
  }
}
