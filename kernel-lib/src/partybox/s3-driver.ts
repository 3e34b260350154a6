import { Readable } from 'node:stream';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ASSET_MAX_BYTES, CampfiresError, NotFoundError, systemClock, validate, type Clock } from '../core';
import { ASSET_CATEGORIES, assetCategory, assetExtension, checkAssetHash } from './asset-names';
import { assetBytes, type AssetData } from './asset-data';
import type { Asset, AssetInfo, BoxDriver } from './box-driver';
import { deleteStoredBefore } from './expire-assets';
import { assetHash } from './local-driver';
import { showDriver } from './asset-table';

/**
 * An AWS SDK v3 `S3Client` (from `@aws-sdk/client-s3`), as the driver's options accept it.
 * Declared by the one method the driver calls, so a notebook that imports campfires does
 * not type-check every cell against the whole SDK's declarations.
 */
export interface S3ClientLike {
  send(command: object): Promise<unknown>;
}

/** Options of an `S3Driver`; credentials and region default to the usual AWS environment variables. */
export interface S3DriverOptions {
  bucket: string;
  /** Folder inside the bucket (default: the bucket root). */
  prefix?: string;
  /** An S3-compatible endpoint such as `http://127.0.0.1:9000` (default `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, else AWS). */
  endpoint?: string;
  /** Default `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string;
  /** Bucket in the path rather than the host name; default true when an endpoint is given (local servers need it). */
  forcePathStyle?: boolean;
  /** Explicit credentials; by default the SDK reads `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, profiles and roles. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A configured `S3Client` to use; the driver does not destroy it. */
  client?: S3ClientLike;
  /** Where `storedAt` and cleanup ages come from. Default: the system clock. */
  clock?: Clock;
  /** Largest asset accepted, in bytes. Default 10 MB. */
  maxBytes?: number;
}

const optionsSchema = z.object({
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name is 3-63 lowercase letters, digits, dots and hyphens'),
  prefix: z.string().regex(/^[A-Za-z0-9!_.*'()/-]*$/, "letters, digits and / ! _ . * ' ( ) -").refine((value) => !value.split('/').includes('..'), 'no ".." segment').optional(),
  endpoint: z.url({ protocol: /^https?$/, error: 'an endpoint is an http:// or https:// URL' }).optional(),
  region: z.string().min(1).optional(),
  forcePathStyle: z.boolean().optional(),
  maxBytes: z.number().int().positive().optional(),
});

const metadataSchema = z
  .object({ key: z.string().min(1).optional(), 'key-b64': z.string().min(1).optional(), 'stored-at': z.coerce.number().int() })
  .refine((metadata) => metadata.key !== undefined || metadata['key-b64'] !== undefined, 'a key or key-b64 entry');

/**
 * The asset's name as object metadata, which S3 keeps ASCII-only and at most 2 KB in all:
 * URI-encoded when that is short, else base64url (at most 1,020 characters for a
 * 255-character key, where URI encoding of three-byte characters would pass 2 KB).
 */
function keyMetadata(key: string): Record<string, string> {
  const encoded = encodeURIComponent(key);
  return encoded.length <= 1024 ? { key: encoded } : { 'key-b64': Buffer.from(key, 'utf8').toString('base64url') };
}

interface Found {
  objectKey: string;
  category: string;
}

/**
 * A Party Box in any S3-compatible store: objects `<prefix>/<category>/<hash><ext>`,
 * the original name and storage time kept as object metadata, and torches pointing at
 * them with `s3://bucket/key`. Object stores expire by the day, so the 20-minute rule
 * is applied by `cleanup` (which `PartyBox` runs as it goes).
 * @example const driver = new S3Driver({ bucket: 'campfires', prefix: 'party_box', endpoint: 'http://127.0.0.1:9000' });
 */
export class S3Driver implements BoxDriver {
  readonly bucket: string;
  /** The folder inside the bucket, without slashes at either end. */
  readonly prefix: string;
  /** The endpoint used, or `aws` for Amazon S3 itself. */
  readonly endpoint: string;
  private readonly client: S3Client;
  // The AWS SDK is loaded on first use so notebooks that never use S3 do not pay for it.
  private readonly sdk: typeof import('@aws-sdk/client-s3');
  private readonly ownsClient: boolean;
  private readonly clock: Clock;
  private readonly maxBytes: number;

  constructor(options: S3DriverOptions) {
    const { client, clock, credentials, ...rest } = options;
    const checked = validate(optionsSchema, rest, { what: 'S3Driver options', code: 'box_options_invalid' });
    this.bucket = checked.bucket;
    this.prefix = (checked.prefix ?? '').replace(/^\/+|\/+$/g, '');
    const endpoint = checked.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.endpoint = endpoint ?? 'aws';
    const config: S3ClientConfig = {
      region: checked.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: checked.forcePathStyle ?? endpoint !== undefined,
      // Checksums only where S3 requires them: S3-compatible stores differ in which of the newer ones they accept.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (endpoint) config.endpoint = endpoint;
    if (credentials) config.credentials = credentials;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.sdk = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    this.client = (client as S3Client | undefined) ?? new this.sdk.S3Client(config);
    this.ownsClient = !client;
    this.clock = clock ?? systemClock;
    this.maxBytes = checked.maxBytes ?? ASSET_MAX_BYTES;
  }

  async put(key: string, data: AssetData): Promise<string> {
    const bytes = await assetBytes(key, data, this.maxBytes);
    const hash = assetHash(bytes);
    if (await this.find(hash)) return hash;
    const category = assetCategory(key);
    const objectKey = this.objectKey(category, `${hash}${assetExtension(key)}`);
    await this.send('PutObject', objectKey, () => this.client.send(new this.sdk.PutObjectCommand({
      Bucket: this.bucket,
      Key: objectKey,
      Body: bytes,
      ContentLength: bytes.byteLength,
      Metadata: { ...keyMetadata(key), 'stored-at': String(this.clock.now()) },
    })));
    return hash;
  }

  async get(hash: string): Promise<Asset> {
    const found = await this.find(checkAssetHash(hash));
    const info = found ? await this.info(hash, found) : null;
    if (!found || !info) throw this.notFound(hash);
    const bytes = async (): Promise<Buffer> => {
      const reply = await this.send('GetObject', found.objectKey, () => this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: found.objectKey })));
      if (!reply?.Body) throw this.notFound(hash);
      return Buffer.from(await reply.Body.transformToByteArray());
    };
    return { ...info, bytes, stream: () => Readable.from((async function* () { yield await bytes(); })()) };
  }

  async has(hash: string): Promise<boolean> {
    return (await this.find(checkAssetHash(hash))) !== null;
  }

  async delete(hash: string): Promise<boolean> {
    const found = await this.find(checkAssetHash(hash));
    if (!found) return false;
    await this.send('DeleteObject', found.objectKey, () => this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: found.objectKey })));
    return true;
  }

  async list(): Promise<AssetInfo[]> {
    const base = this.objectKey('', '');
    const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(${ASSET_CATEGORIES.join('|')})/([0-9a-f]{16})(\\.[a-z0-9]{1,10})?$`);
    const found = new Map<string, Found>();
    let token: string | undefined;
    do {
      const page = await this.send('ListObjectsV2', base, () => this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token })));
      for (const object of page?.Contents ?? []) {
        const match = pattern.exec(object.Key ?? '');
        if (match) found.set(match[2] as string, { objectKey: object.Key as string, category: match[1] as string });
      }
      token = page?.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    const infos: AssetInfo[] = [];
    const entries = [...found];
    for (let start = 0; start < entries.length; start += 8) {
      const batch = await Promise.all(entries.slice(start, start + 8).map(([hash, where]) => this.info(hash, where)));
      for (const info of batch) if (info) infos.push(info);
    }
    return infos.sort((a, b) => a.storedAt - b.storedAt || a.hash.localeCompare(b.hash));
  }

  async cleanup(olderThanMs: number): Promise<string[]> {
    return deleteStoredBefore(this, this.clock.now() - olderThanMs);
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** One line, for notebooks. */
  /** Displays the stored assets as a table. */
  show(): Promise<void> {
    return showDriver(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `S3Driver(s3://${this.bucket}/${this.prefix}, endpoint ${this.endpoint})`;
  }

  /** Where an asset with `hash` lives: one listing per category folder, in parallel. */
  private async find(hash: string): Promise<Found | null> {
    // allSettled: a failure must not leave sibling requests running after the call returns.
    const settled = await Promise.allSettled(
      ASSET_CATEGORIES.map(async (category) => {
        const prefix = this.objectKey(category, hash);
        const page = await this.send('ListObjectsV2', prefix, () => this.client.send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: 1 })));
        const objectKey = page?.Contents?.[0]?.Key;
        return objectKey ? { objectKey, category } : null;
      }),
    );
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed?.status === 'rejected') throw failed.reason;
    return settled.map((result) => (result as PromiseFulfilledResult<Found | null>).value).find((listing) => listing !== null) ?? null;
  }

  private async info(hash: string, found: Found): Promise<AssetInfo | null> {
    const head = await this.send('HeadObject', found.objectKey, () => this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: found.objectKey })));
    if (!head) return null;
    const metadata = validate(metadataSchema, head.Metadata ?? {}, { what: `metadata of s3://${this.bucket}/${found.objectKey}`, code: 'box_entry_invalid' });
    return {
      hash,
      key: metadata['key-b64'] !== undefined ? Buffer.from(metadata['key-b64'], 'base64url').toString('utf8') : decodeURIComponent(metadata.key as string),
      category: found.category,
      size: head.ContentLength ?? 0,
      storedAt: metadata['stored-at'],
      location: `s3://${this.bucket}/${found.objectKey}`,
    };
  }

  private objectKey(category: string, name: string): string {
    const folder = category ? `${category}/` : '';
    return `${this.prefix ? `${this.prefix}/` : ''}${folder}${name}`;
  }

  /** Sends a command; a missing object is `undefined`, any other failure a `CampfiresError` naming the bucket and key. */
  private async send<Output>(operation: string, objectKey: string, call: () => Promise<Output>): Promise<Output | undefined> {
    try {
      return await call();
    } catch (error) {
      const name = (error as { name?: string }).name;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if ((name === 'NotFound' || name === 'NoSuchKey' || status === 404) && name !== 'NoSuchBucket') return undefined;
      const hint = name === 'NoSuchBucket' ? `; bucket "${this.bucket}" does not exist at ${this.endpoint}` : '';
      throw new CampfiresError({
        code: name === 'NoSuchBucket' ? 's3_bucket_missing' : 's3_failed',
        message: `S3 ${operation} of s3://${this.bucket}/${objectKey} at ${this.endpoint} failed: ${(error as Error).message}${hint}`,
        details: { operation, bucket: this.bucket, key: objectKey, endpoint: this.endpoint, error: name ?? 'Error' },
        cause: error,
      });
    }
  }

  private notFound(hash: string): NotFoundError {
    return new NotFoundError({
      code: 'asset_not_found',
      message: `no asset "${hash}" in the Party Box at s3://${this.bucket}/${this.prefix} (it may have been cleaned up after 20 minutes)`,
      details: { hash, box: `s3://${this.bucket}/${this.prefix}` },
    });
  }
}
