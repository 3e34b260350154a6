import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDriver, PartyBox, createLiveAlertPipeline, type Asset, type AssetInfo, type BoxDriver } from 'campfires';

/** A box whose assets live elsewhere: locations are URLs, as with the S3 and Redis drivers. */
class RemoteLocationDriver implements BoxDriver {
  constructor(private readonly inner: LocalDriver) {}
  private remote<T extends AssetInfo>(info: T): T {
    return { ...info, location: `s3://alerts-bucket/${info.category}/${info.hash}` };
  }
  put(key: string, data: Buffer | Uint8Array | string): Promise<string> {
    return this.inner.put(key, data);
  }
  async get(hash: string): Promise<Asset> {
    const asset = await this.inner.get(hash);
    return { ...this.remote(asset), path: undefined, stream: () => asset.stream(), bytes: () => asset.bytes() };
  }
  has(hash: string): Promise<boolean> {
    return this.inner.has(hash);
  }
  delete(hash: string): Promise<boolean> {
    return this.inner.delete(hash);
  }
  async list(): Promise<AssetInfo[]> {
    return (await this.inner.list()).map((info) => this.remote(info));
  }
  cleanup(olderThanMs: number): Promise<string[]> {
    return this.inner.cleanup(olderThanMs);
  }
}

describe('the live-alert campers with a remote Party Box', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'live-alert-remote-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('carry the comment summary URL from Sentiment through Verify to the alert', async () => {
    const partyBox = new PartyBox(new RemoteLocationDriver(new LocalDriver({ path: join(directory, 'box') })));
    const pipeline = await createLiveAlertPipeline({ runLog: null, partyBox });
    const run = await pipeline.run({ cycles: 1, display: false });
    const sent = (campfire: string) => run.torchFlow().torches.find((torch) => torch.from === campfire);
    const sentimentUrl = sent('sentiment')?.url;
    expect(sentimentUrl).toMatch(/^s3:\/\/alerts-bucket\/documents\/[0-9a-f]{16}$/);
    expect(sent('verify')?.url).toBe(sentimentUrl);
    expect(run.finals.summary?.url).toBe(sentimentUrl);
    expect(run.finals.summary?.path).toBeUndefined();
    expect(JSON.parse(await partyBox.text(sentimentUrl as string))).toMatchObject({ counted: 13 });
  });
});
