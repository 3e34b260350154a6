import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { constants, lstatSync, mkdirSync, readdirSync, realpathSync, unlinkSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ASSET_MAX_BYTES, CampfiresError, formatBytes, NotFoundError, systemClock, type Clock } from '../core';
import { ASSET_CATEGORIES, assetCategory, assetExtension, assetHashPattern, checkAssetHash } from './asset-names';
import { assetBytes, type AssetData } from './asset-data';
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
// Opening the final path component never follows a link (0 where the platform has no such flag).
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
// Temporary names carry the writer's host and process, so a box that opens can tell a
// dead writer's leftovers from a live writer's file in progress.
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const tempNamePattern = /\.([0-9a-f]{8})-(\d+)-[0-9a-f]{12}$/;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The content hash the Party Box uses: the first 16 hex characters of SHA-256. */
export function assetHash(data: Buffer | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

/**
 * The default Party Box driver: files named `<hash><ext>` under `images/`, `audio/`,
 * `documents/` and `other/`. New bytes are written to a temporary file and renamed into
 * place, so a crash never leaves a half-written asset under its final name; a driver that
 * opens the box removes what writers that died mid-`put` left behind. An asset's age is
 * its file's modification time, set from the driver's clock, so it survives restarts.
 * The box never follows a link: a folder or asset planted as a link (to anywhere) is
 * refused or skipped, so nothing outside the box directory is read, listed or written.
 * @example const driver = new LocalDriver({ path: './party_box' });
 */
export class LocalDriver implements BoxDriver {
  /** The absolute box directory. */
  readonly root: string;
  /** The box directory as given, used in the paths torches carry. */
  readonly displayRoot: string;
  /** Where the box directory really is, links in the path given resolved. */
  private readonly realRoot: string;
  private readonly clock: Clock;
  private readonly maxBytes: number;
  private readonly durable: boolean;
  private readonly located = new Map<string, Located>();
  private readonly keys = new Map<string, string>();

  constructor(options: LocalDriverOptions = {}) {
    const given = options.path ?? './party_box';
    this.root = resolve(given);
    const forward = given.replace(/\\/g, '/').replace(/\/+$/, '') || '.';
    this.displayRoot = isAbsolute(given) || forward.startsWith('.') ? forward : `./${forward}`;
    this.clock = options.clock ?? systemClock;
    this.maxBytes = options.maxBytes ?? ASSET_MAX_BYTES;
    this.durable = options.durable ?? false;
    mkdirSync(this.root, { recursive: true });
    this.realRoot = realpathSync(this.root);
    this.removeDeadWritersLeftovers();
  }

  /** Stores `data` (bytes, text or a readable stream) named `key` and returns its content hash. */
  async put(key: string, data: AssetData): Promise<string> {
    const bytes = await assetBytes(key, data, this.maxBytes);
    const hash = assetHash(bytes);
    if (await this.find(hash)) return hash;
    const category = assetCategory(key);
    const name = `${hash}${assetExtension(key)}`;
    const directory = await this.folder(category, true);
    const incoming = await this.folder(TEMP_DIR, true);
    const temporary = join(incoming, `${name}.${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`);
    const storedAt = this.clock.now();
    try {
      const handle = await open(temporary, CREATE_FLAGS, 0o644);
      try {
        await handle.writeFile(bytes);
        if (this.durable) await handle.sync();
        await handle.utimes(storedAt / 1000, storedAt / 1000);
      } finally {
        await handle.close();
      }
      // Checked again just before the rename: the folder must still be the box's own.
      await this.folder(category, false);
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
    const facts = found ? await this.regularFile(found) : null;
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
      stream: () => Readable.from(this.chunks(found)),
      bytes: async () => {
        const handle = await this.openAsset(found);
        try {
          return await handle.readFile();
        } finally {
          await handle.close();
        }
      },
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
      // unlink removes a name, never what a link points at; find() checked the folder.
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
      const facts = await this.regularFile(found);
      if (facts) infos.push(this.info(hash, found, facts.size, facts.mtimeMs));
      else this.located.delete(hash);
    }
    return infos.sort((a, b) => a.storedAt - b.storedAt || a.hash.localeCompare(b.hash));
  }

  async cleanup(olderThanMs: number): Promise<string[]> {
    const cutoff = this.clock.now() - olderThanMs;
    const removed = await deleteStoredBefore(this, cutoff);
    // Leftovers of interrupted writes that the opening sweep could not attribute: removed once old.
    const incoming = await this.folder(TEMP_DIR, false);
    for (const entry of incoming ? await readdir(incoming) : []) {
      const file = join(incoming as string, entry);
      const facts = await lstat(file).catch(() => null);
      if (facts && facts.mtimeMs < cutoff) await unlink(file).catch(() => undefined);
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

  /**
   * The box's own folder `name` (a category or the temporary folder), created when asked.
   * A folder that is a link, or whose real location is not that name inside the box's
   * real directory, is refused: writing or reading through it would leave the box.
   */
  private async folder(name: string, create: true): Promise<string>;
  private async folder(name: string, create: false): Promise<string | null>;
  private async folder(name: string, create: boolean): Promise<string | null> {
    const directory = join(this.root, name);
    let facts = await lstat(directory).catch((error) => (isMissing(error) ? null : Promise.reject(error)));
    if (!facts && create) {
      await mkdir(directory).catch((error) => ((error as NodeJS.ErrnoException).code === 'EEXIST' ? undefined : Promise.reject(error)));
      facts = await lstat(directory);
    }
    if (!facts) return null;
    const real = facts.isDirectory() && !facts.isSymbolicLink() ? await realpath(directory).catch(() => null) : null;
    if (real !== join(this.realRoot, name)) throw this.outside(`${this.displayRoot}/${name}`, facts.isSymbolicLink() ? 'is a link' : facts.isDirectory() ? 'leads outside the box directory' : 'is not a folder');
    return directory;
  }

  private outside(shown: string, what: string): CampfiresError {
    return new CampfiresError({
      code: 'box_path_refused',
      message: `${shown} ${what}; the Party Box reads and writes only its own files and folders under ${this.displayRoot}, never through links. Remove it (the box recreates its folders)`,
      details: { path: shown, box: this.displayRoot },
    });
  }

  /** The facts of an asset file when it is a plain file in the box's own folder; null for links and anything else. */
  private async regularFile(found: Located): Promise<Stats | null> {
    if (!(await this.folder(found.category, false))) return null;
    const facts = await lstat(found.file).catch(() => null);
    return facts?.isFile() ? facts : null;
  }

  /** Opens an asset for reading without following a link at any step the box controls. */
  private async openAsset(found: Located): Promise<FileHandle> {
    await this.folder(found.category, false);
    let handle: FileHandle;
    try {
      handle = await open(found.file, READ_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'EMLINK') throw this.outside(this.location(found.category, found.name), 'is a link');
      throw error;
    }
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw this.outside(this.location(found.category, found.name), 'is not a file');
    }
    return handle;
  }

  private async *chunks(found: Located): AsyncGenerator<Buffer> {
    const handle = await this.openAsset(found);
    try {
      for (;;) {
        const chunk = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) return;
        yield chunk.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  private async find(hash: string): Promise<Located | null> {
    const known = this.located.get(hash);
    if (known && (await this.regularFile(known))) return known;
    this.located.delete(hash);
    await this.scan();
    return this.located.get(hash) ?? null;
  }

  /** Reads the category folders (another process or an earlier run may have stored assets); only plain files count. */
  private async scan(): Promise<void> {
    for (const category of ASSET_CATEGORIES) {
      const directory = await this.folder(category, false);
      const entries = directory ? await readdir(directory, { withFileTypes: true }) : [];
      for (const entry of entries) {
        const name = entry.name;
        const hash = name.slice(0, 16);
        if (!entry.isFile() || !assetHashPattern.test(hash) || (name.length > 16 && name[16] !== '.')) continue;
        if (!this.located.has(hash)) this.located.set(hash, { file: join(directory as string, name), name, category });
      }
    }
  }

  /**
   * Removes temporary files whose writer (a process on this machine) is gone: a `put`
   * killed mid-write leaves one, and nothing else would ever rename or delete it.
   */
  private removeDeadWritersLeftovers(): void {
    const incoming = join(this.root, TEMP_DIR);
    const facts = lstatSync(incoming, { throwIfNoEntry: false });
    if (!facts || !facts.isDirectory() || facts.isSymbolicLink() || realpathSync(incoming) !== join(this.realRoot, TEMP_DIR)) return;
    for (const entry of readdirSync(incoming)) {
      const writer = tempNamePattern.exec(entry);
      if (!writer || writer[1] !== HOST_TAG || processAlive(Number(writer[2]))) continue;
      try {
        unlinkSync(join(incoming, entry));
      } catch {
        // Another process opening the box removed it first.
      }
    }
  }
}
