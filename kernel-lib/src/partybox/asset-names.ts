import { isAbsolute } from 'node:path';
import { AssetTooLargeError, ValidationError, formatBytes, cutText } from '../core';

/** The Party Box folders an asset can land in, decided by the extension of its key. */
export const ASSET_CATEGORIES = ['images', 'audio', 'documents', 'other'] as const;
/** One of `images`, `audio`, `documents`, `other`. */
export type AssetCategory = (typeof ASSET_CATEGORIES)[number];

const categoryByExtension: Record<string, AssetCategory> = {};
for (const extension of ['.png', '.jpg', '.jpeg', '.gif', '.webp', '.bmp', '.svg', '.tif', '.tiff', '.ico']) categoryByExtension[extension] = 'images';
for (const extension of ['.wav', '.mp3', '.ogg', '.flac', '.m4a', '.aac', '.opus', '.webm']) categoryByExtension[extension] = 'audio';
for (const extension of ['.txt', '.md', '.json', '.jsonl', '.csv', '.tsv', '.pdf', '.html', '.htm', '.xml', '.yaml', '.yml', '.doc', '.docx', '.rtf']) {
  categoryByExtension[extension] = 'documents';
}

/** A content hash as the box writes it: the first 16 hex characters of SHA-256. */
export const assetHashPattern = /^[0-9a-f]{16}$/;

/** The lowercase extension of `key` (with its dot), or `` when it has none or an unusual one. */
export function assetExtension(key: string): string {
  const match = /\.([A-Za-z0-9]{1,10})$/.exec(key);
  return match ? `.${(match[1] as string).toLowerCase()}` : '';
}

/** The folder an asset named `key` belongs in. */
export function assetCategory(key: string): AssetCategory {
  return categoryByExtension[assetExtension(key)] ?? 'other';
}

const QUOTE_LIMIT = 80;

/**
 * A key or hash as an error shows it: whole when short, else its first characters and
 * its length, so refusing a megabyte-long key does not echo a megabyte back.
 */
export function quoteAssetName(given: string): string {
  if (given.length <= QUOTE_LIMIT) return JSON.stringify(given);
  return `${JSON.stringify(cutText(given, { characters: QUOTE_LIMIT }, ''))}... (${given.length} characters)`;
}

function refuse(field: string, given: string, reason: string, allowed: string): never {
  const shown = given.length <= QUOTE_LIMIT ? given : `${cutText(given, { characters: QUOTE_LIMIT }, '')}...`;
  throw new ValidationError({
    code: `asset_${field}_invalid`,
    message: `Party Box ${field} ${quoteAssetName(given)} is refused: ${reason}; allowed: ${allowed}`,
    issues: [{ field, message: reason, given: shown, allowed }],
    details: { [field]: shown, length: given.length },
  });
}

/** Refuses a key that is empty, absolute, holds NUL or a `..` segment, or is over 255 characters. */
export function checkAssetKey(key: unknown): string {
  const allowed = 'a relative name such as "map.png" or "reports/summary.json", without "..", NUL or a leading "/"';
  if (typeof key !== 'string' || key.length === 0) refuse('key', String(key), 'a key must be a non-empty string', allowed);
  if (key.includes('\0')) refuse('key', key, 'it contains a NUL character', allowed);
  if (key.length > 255) refuse('key', key, `it is ${key.length} characters long (at most 255)`, allowed);
  if (isAbsolute(key) || key.startsWith('/') || key.startsWith('\\') || /^[A-Za-z]:/.test(key)) refuse('key', key, 'it is an absolute path', allowed);
  if (key.split(/[\\/]/).some((segment) => segment === '..')) refuse('key', key, 'it would escape the box directory', allowed);
  return key;
}

/** Refuses anything that is not 16 lowercase hex characters (so `../x` or `/etc/passwd` never reach a path). */
export function checkAssetHash(hash: unknown): string {
  if (typeof hash !== 'string' || !assetHashPattern.test(hash)) {
    const given = typeof hash === 'string' ? hash : String(hash);
    const reason = typeof hash === 'string' && hash.includes('\0') ? 'it contains a NUL character' : 'it is not a Party Box hash';
    refuse('hash', given, reason, '16 lowercase hex characters, as returned by put()');
  }
  return hash;
}

/**
 * Checks an asset before any driver stores it: the key (see `checkAssetKey`) and the
 * size against `maxBytes`. Returns the bytes as a Buffer that shares the input's memory.
 */
export function checkedAssetBytes(key: string, data: Buffer | Uint8Array | string, maxBytes: number): Buffer {
  checkAssetKey(key);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength > maxBytes) {
    throw new AssetTooLargeError({
      code: 'asset_too_large',
      message: `asset ${quoteAssetName(key)} is ${formatBytes(bytes.byteLength)} (${bytes.byteLength} bytes); the Party Box takes at most ${formatBytes(maxBytes)} (${maxBytes} bytes)`,
      issues: [{ field: 'data', message: 'too large', given: bytes.byteLength, allowed: { max: maxBytes } }],
      details: { key, bytes: bytes.byteLength, limit: maxBytes },
    });
  }
  return bytes;
}
