import type { Readable } from 'node:stream';
import type { AssetData } from './asset-data';

/** What the box knows of one stored asset. */
export interface AssetInfo {
  /** First 16 hex characters of the SHA-256 of the bytes. */
  hash: string;
  /** The name given at `put` (its extension decides the category). */
  key: string;
  /** `images`, `audio`, `documents` or `other`. */
  category: string;
  size: number;
  /** When the bytes were first stored (ms since epoch); expiry counts from here. */
  storedAt: number;
  /** What a torch carries to point at it: a local path or a URL such as `s3://bucket/key`. */
  location: string;
}

/** A stored asset: its facts and ways to read it. */
export interface Asset extends AssetInfo {
  /** A local file path, when the driver keeps files on this machine. */
  path?: string;
  /** A new stream of the bytes. */
  stream(): Readable;
  /** All the bytes at once. */
  bytes(): Promise<Buffer>;
}

/**
 * Storage behind the Party Box. Drivers store bytes under their content hash, write
 * identical bytes once, and refuse keys or hashes that would escape their root.
 */
export interface BoxDriver {
  /** Stores `data` (bytes, UTF-8 text or a readable stream, size-checked while it is read) named `key`; returns its content hash. */
  put(key: string, data: AssetData): Promise<string>;
  /** The asset with `hash`; `NotFoundError` when there is none. */
  get(hash: string): Promise<Asset>;
  has(hash: string): Promise<boolean>;
  delete(hash: string): Promise<boolean>;
  list(): Promise<AssetInfo[]>;
  /** Deletes assets stored before `olderThanMs` ago; returns the hashes removed. */
  cleanup(olderThanMs: number): Promise<string[]>;
  close?(): Promise<void>;
}
