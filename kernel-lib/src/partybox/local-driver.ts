import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { readdir, readFile, rename, stat, unlink, utimes, writeFile, open } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ASSET_MAX_BYTES, formatBytes, NotFoundError, systemClock, type Clock } from '../core';
import { ASSET_CATEGORIES, assetCategory, assetExtension, assetHashPattern, checkAssetHash, checkedAssetBytes } from './asset-names';
import type { Asset, AssetInfo, BoxDriver } from './box-driver';
import { deleteStoredBefore } from './expire-assets';
import { showDriver } from './asset-table';

/** Options of a `LocalDriver`. */
export interface LocalDriverOptions {
  /** The box directory; created when missing. Default `./party_box`. */
  path?: string;
  /** Where `storedAt` and cleanup ages come from. Default: the system clock. */
  clock?: Clock;
  /** Largest asset accepted, in bytes. Default 10 MB. */
  maxBytes?: number;
  /** fsync each new asset before it gets its final name (slower; survives power loss, not only a crashed process). */
  durable?: boolean;
}

interface Located {
  file: string;
  name: string;
  category: string;
}

const TEMP_DIR = '.incoming';

/** The content hash the Party Box uses: the first 16 hex characters of SHA-256. */
export function assetHash(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/**
 * The default Party Box driver: files named `<hash><ext>` under `images/`, `audio/`,
 * `documents/` and `other/`. New bytes are written to a temporary file and renamed into
 * place, so a crash never leaves a half-written asset under its final name. An asset's
 * age is its file's modification time, set from the driver's clock, so it survives restarts.
 * @example const driver = new LocalDriver({ path: './party_box' });
 */
export class LocalDriver implements BoxDriver {
  /** The absolute box directory. */
  readonly root: string;
  /** The box directory as given, used in the paths torches carry. */
  readonly displayRoot: string;
  private readonly clock: Clock;
  private readonly maxBytes: number;
  private readonly durable: boolean;
  private readonly located = new Map<string, Located>();
  private readonly keys = new Map<string, string>();
  private readonly madeDirs = new Set<string>();

  constructor(options: LocalDriverOptions = {}) {
    const given = options.path ?? './party_box';
    this.root = resolve(given);
    const forward = given.replace(/\\/g, '/').replace(/\/+$/, '') || '.';
    this.displayRoot = isAbsolute(given) || forward.startsWith('.') ? forward : `./${forward}`;
    this.clock = options.clock ?? systemClock;
    this.maxBytes = options.maxBytes ?? ASSET_MAX_BYTES;
    this.durable = options.durable ?? false;
    mkdirSync(this.root, { recursive: true });
  }

  async put(key: string, data: Buffer | Uint8Array | string): Promise<string> {
    const bytes = checkedAssetBytes(key, data, this.maxBytes);
    const hash = assetHash(bytes);
    if (await this.find(hash)) return hash;
    const category = assetCategory(key);
    const name = `${hash}${assetExtension(key)}`;
    const directory = join(this.root, category);
    const incoming = join(this.root, TEMP_DIR);
    this.ensureDir(directory);
    this.ensureDir(incoming);
    const temporary = join(incoming, `${name}.${randomBytes(6).toString('hex')}`);
    const storedAt = this.clock.now();
    try {
      if (this.durable) {
        const handle = await open(temporary, 'wx');
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        await writeFile(temporary, bytes, { flag: 'wx' });
      }
      await utimes(temporary, storedAt / 1000, storedAt / 1000);
      await rename(temporary, join(directory, name));
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    this.located.set(hash, { file: join(directory, name), name, category });
    this.keys.set(hash, key);
    return hash;
  }

  async get(hash: string): Promise<Asset> {
    checkAssetHash(hash);
    const found = await this.find(hash);
    const facts = found ? await stat(found.file).catch(() => null) : null;
    if (!found || !facts) {
      throw new NotFoundError({
        code: 'asset_not_found',
        message: `no asset "${hash}" in the Party Box at ${this.displayRoot} (it may have expired after 20 minutes)`,
        details: { hash, box: this.displayRoot },
      });
    }
    const file = found.file;
    return {
      ...this.info(hash, found, facts.size, facts.mtimeMs),
      path: file,
      stream: () => createReadStream(file),
      bytes: () => readFile(file),
    };
  }

  async has(hash: string): Promise<boolean> {
    checkAssetHash(hash);
    return (await this.find(hash)) !== null;
  }

  async delete(hash: string): Promise<boolean> {
    checkAssetHash(hash);
    const found = await this.find(hash);
    this.located.delete(hash);
    if (!found) return false;
    try {
      await unlink(found.file);
      return true;
    } catch {
      return false;
    }
  }

  /** One line for a notebook cell: where the box is and how large an asset may be. */
  [inspect.custom](): string {
    return `LocalDriver(${this.displayRoot}, up to ${formatBytes(this.maxBytes)} per asset${this.durable ? ', durable writes' : ''})`;
  }

  /** Displays the stored assets as a table. */
  show(): Promise<void> {
    return showDriver(this);
  }

  async list(): Promise<AssetInfo[]> {
    await this.scan();
    const infos: AssetInfo[] = [];
    for (const [hash, found] of this.located) {
      const facts = await stat(found.file).catch(() => null);
      if (facts) infos.push(this.info(hash, found, facts.size, facts.mtimeMs));
      else this.located.delete(hash);
    }
    return infos.sort((a, b) => a.storedAt - b.storedAt || a.hash.localeCompare(b.hash));
  }

  async cleanup(olderThanMs: number): Promise<string[]> {
    const cutoff = this.clock.now() - olderThanMs;
    const removed = await deleteStoredBefore(this, cutoff);
    // Leftovers of writes interrupted by a crash: never visible as assets, removed once old.
    const incoming = join(this.root, TEMP_DIR);
    for (const entry of existsSync(incoming) ? await readdir(incoming) : []) {
      const facts = await stat(join(incoming, entry)).catch(() => null);
      if (facts && facts.mtimeMs < cutoff) await unlink(join(incoming, entry)).catch(() => undefined);
    }
    return removed;
  }

  /** The path a torch carries for an asset stored under `name` in `category`. */
  private location(category: string, name: string): string {
    return `${this.displayRoot}/${category}/${name}`;
  }

  private info(hash: string, found: Located, size: number, mtimeMs: number): AssetInfo {
    return {
      hash,
      key: this.keys.get(hash) ?? found.name,
      category: found.category,
      size,
      storedAt: Math.round(mtimeMs),
      location: this.location(found.category, found.name),
    };
  }

  private ensureDir(directory: string): void {
    if (this.madeDirs.has(directory)) return;
    mkdirSync(directory, { recursive: true });
    this.madeDirs.add(directory);
  }

  private async find(hash: string): Promise<Located | null> {
    const known = this.located.get(hash);
    if (known && existsSync(known.file)) return known;
    this.located.delete(hash);
    await this.scan();
    return this.located.get(hash) ?? null;
  }

  /** Reads the category folders (another process or an earlier run may have stored assets). */
  private async scan(): Promise<void> {
    for (const category of ASSET_CATEGORIES) {
      const directory = join(this.root, category);
      const entries = existsSync(directory) ? await readdir(directory) : [];
      for (const name of entries) {
        const hash = name.slice(0, 16);
        if (!assetHashPattern.test(hash) || (name.length > 16 && name[16] !== '.')) continue;
        if (!this.located.has(hash)) this.located.set(hash, { file: join(directory, name), name, category });
      }
    }
  }
}
