import { AssetTooLargeError, ValidationError, formatBytes, cutText } from '../core';
import { checkAssetKey, checkedAssetBytes, quoteAssetName } from './asset-names';

/**
 * What `put` stores: bytes, a string (stored as UTF-8 text), or a readable stream such as
 * `fs.createReadStream(path)` (any async iterable of byte or string chunks).
 */
export type AssetData = Buffer | Uint8Array | string | NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;

function isAsyncIterable(data: unknown): data is AsyncIterable<Uint8Array | string> {
  return data !== null && typeof data === 'object' && typeof (data as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function kindOf(data: unknown): string {
  if (data === null) return 'null';
  if (typeof data !== 'object') return typeof data;
  return (data as object).constructor?.name ?? 'object';
}

function tooLarge(key: string, readSoFar: number, maxBytes: number): AssetTooLargeError {
  return new AssetTooLargeError({
    code: 'asset_too_large',
    message: `asset ${quoteAssetName(key)} is more than ${formatBytes(maxBytes)}: reading its stream passed ${readSoFar} bytes; the Party Box takes at most ${formatBytes(maxBytes)} (${maxBytes} bytes)`,
    issues: [{ field: 'data', message: 'too large', given: readSoFar, allowed: { max: maxBytes } }],
    details: { key: cutText(key, { characters: 80 }, ''), bytes: readSoFar, limit: maxBytes },
  });
}

/**
 * The bytes of `data` once the key and size are checked. A stream is read chunk by chunk
 * and abandoned (destroyed) as soon as it passes `maxBytes`, so an endless or huge
 * stream never fills memory; anything else is refused with what to pass instead.
 */
export async function assetBytes(key: string, data: AssetData, maxBytes: number): Promise<Buffer> {
  checkAssetKey(key);
  if (typeof data === 'string' || data instanceof Uint8Array) return checkedAssetBytes(key, data, maxBytes);
  if (!isAsyncIterable(data)) {
    throw new ValidationError({
      code: 'asset_data_invalid',
      message: `Party Box put(${quoteAssetName(key)}) got ${kindOf(data)}; pass a Buffer, a Uint8Array, a string (stored as UTF-8 text) or a readable stream such as fs.createReadStream(path)`,
      issues: [{ field: 'data', message: 'not bytes, text or a stream', given: kindOf(data), allowed: 'Buffer | Uint8Array | string | Readable' }],
    });
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const iterator = data[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(key, total, maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    // Stop the source: a file stays open and a socket keeps sending until told otherwise.
    await iterator.return?.().catch(() => undefined);
    (data as { destroy?: () => void }).destroy?.();
    throw error;
  }
  return Buffer.concat(chunks, total);
}
