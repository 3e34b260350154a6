import { S3Client, CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CampfiresError, PartyBox, S3Driver, ValidationError } from 'campfires';
import { assetKeyShapes, describeBoxDriver } from '../../contracts/box-driver.contract';
import { startS3Server, type S3Server } from '../../helpers/s3-server';

let server: S3Server;
let prefixCount = 0;
const nextPrefix = () => `party_box/run${(prefixCount += 1)}`;

beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => {
  await server.stop();
});

describeBoxDriver('S3Driver', async (clock) =>
  new S3Driver({ bucket: server.bucket, prefix: nextPrefix(), endpoint: server.endpoint, credentials: server.credentials, clock }),
);

describe('S3Driver', () => {
  const drivers: S3Driver[] = [];
  const driver = (options: Partial<ConstructorParameters<typeof S3Driver>[0]> = {}) => {
    const made = new S3Driver({ bucket: server.bucket, prefix: nextPrefix(), endpoint: server.endpoint, credentials: server.credentials, ...options });
    drivers.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(drivers.splice(0).map((made) => made.close()));
  });

  it('keeps the metadata of every key shape within the 2 KB S3 allows, and reads each key back', async () => {
    const s3 = driver();
    const raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
    try {
      for (const [key] of assetKeyShapes()) {
        const hash = await s3.put(key, `bytes of ${key}`);
        const asset = await s3.get(hash);
        expect(asset.key).toBe(key);
        const head = await raw.send(new HeadObjectCommand({ Bucket: server.bucket, Key: asset.location.replace(`s3://${server.bucket}/`, '') }));
        const size = Object.entries(head.Metadata ?? {}).reduce((total, [name, value]) => total + name.length + value.length, 0);
        expect({ key: key.slice(0, 20), size: size <= 2048 }).toEqual({ key: key.slice(0, 20), size: true });
      }
    } finally {
      raw.destroy();
    }
  });

  it('gives torches an s3:// URL of the object, which a PartyBox resolves back', async () => {
    const s3 = driver({ prefix: 'alerts' });
    const box = new PartyBox(s3, { cleanupEveryMs: 0 });
    const info = await box.put('flood map.png', Buffer.from('png bytes'));
    expect(box.pointer(info)).toEqual({ url: `s3://campfires/alerts/images/${info.hash}.png` });
    expect(info.key).toBe('flood map.png');
    expect(await box.text(info.location)).toBe('png bytes');
  });

  it('takes credentials and region from the usual environment variables', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, server.env);
    try {
      const fromEnv = driver({ endpoint: undefined, credentials: undefined });
      expect(fromEnv.endpoint).toBe(server.endpoint);
      const hash = await fromEnv.put('note.txt', 'from the environment');
      expect((await (await fromEnv.get(hash)).bytes()).toString()).toBe('from the environment');
    } finally {
      for (const name of Object.keys(server.env)) if (saved[name] === undefined) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('shares one box between drivers on the same bucket and prefix', async () => {
    const prefix = nextPrefix();
    const writer = driver({ prefix });
    const reader = driver({ prefix });
    const hash = await writer.put('clip.wav', Buffer.from([9, 8, 7]));
    expect(await reader.has(hash)).toBe(true);
    expect(await writer.put('clip-again.wav', Buffer.from([9, 8, 7]))).toBe(hash);
    expect((await reader.list()).map((info) => info.key)).toEqual(['clip.wav']);
  });

  it('ignores objects in the prefix that are not Party Box assets', async () => {
    const prefix = nextPrefix();
    const client = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: server.credentials });
    await client.send(new PutObjectCommand({ Bucket: server.bucket, Key: `${prefix}/README.txt`, Body: 'not an asset' }));
    client.destroy();
    const s3 = driver({ prefix });
    await s3.put('a.txt', 'asset');
    expect((await s3.list()).map((info) => info.key)).toEqual(['a.txt']);
  });

  it('says which bucket is missing and where', async () => {
    const s3 = driver({ bucket: 'no-such-bucket' });
    const error = await s3.put('a.txt', 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CampfiresError);
    expect((error as CampfiresError).code).toBe('s3_bucket_missing');
    expect((error as Error).message).toContain(`bucket "no-such-bucket" does not exist at ${server.endpoint}`);
  });

  it('names the option, the value and what is allowed', () => {
    expect(() => new S3Driver({ bucket: 'Bad_Bucket' })).toThrow(ValidationError);
    expect(() => new S3Driver({ bucket: 'Bad_Bucket' })).toThrow(/bucket: an S3 bucket name is 3-63 lowercase letters, digits, dots and hyphens \(got "Bad_Bucket"\)/);
    expect(() => new S3Driver({ bucket: 'ok', endpoint: 'ftp://x' })).toThrow(/endpoint/);
    expect(() => new S3Driver({ bucket: 'ok', prefix: 'a/../b' })).toThrow(/prefix/);
  });
});
