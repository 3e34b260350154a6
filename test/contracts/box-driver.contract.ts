import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AssetTooLargeError, CampfiresError, ManualClock, NotFoundError, PartyBox, ValidationError, type BoxDriver } from 'campfires';

/** What a driver factory may return: the driver, plus how to tear it (and its server) down. */
export interface BoxDriverHarness {
  driver: BoxDriver;
  destroy?(): Promise<void>;
}

const MINUTE = 60_000;

function sha16(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function caught(attempt: () => Promise<unknown>): Promise<unknown> {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

/**
 * Keys of every shape a driver accepts: with and without an extension, unusual and long
 * extensions, dot files, nested folders, Unicode, spaces and punctuation, the longest key
 * allowed. Each one must be readable, listed and expired like any other.
 */
export function assetKeyShapes(): Array<[string, string]> {
  const stems = ['a', 'README', 'my file (1)', 'café', '日本語', '🔥', 'time 12:30', 'x%20y', 'quote"s', "it's", 'tab\tand\nnewline', '.env', 'trailing.', '-dash', '#hash?q=1'];
  const extensions = ['', '.png', '.JPG', '.Mp3', '.json', '.tar.gz', '.verylongextension', '.x', '.123', '.'];
  const folders = ['', 'maps/', 'a/b/c/', './', 'a\\b/', 'a/./b/'];
  const shapes: Array<[string, string]> = [];
  stems.forEach((stem, index) => {
    const extension = extensions[index % extensions.length] as string;
    const folder = folders[index % folders.length] as string;
    shapes.push([`${folder}${stem}${extension}`, `shape ${index}`]);
  });
  for (const extension of extensions) shapes.push([`plain${extension}`, `extension ${JSON.stringify(extension)}`]);
  shapes.push(['k'.repeat(255), 'the longest key allowed']);
  shapes.push([`${'é'.repeat(250)}.md`, 'the longest key allowed, in two-byte characters']);
  shapes.push([`${'火'.repeat(251)}.txt`, 'the longest key allowed, in three-byte characters']);
  shapes.push([`${'🔥'.repeat(125)}.png`, 'the longest key allowed, in four-byte characters']);
  shapes.push([`${'d/'.repeat(100)}deep.txt`, 'a hundred folders deep']);
  return shapes;
}

/**
 * The behaviour every Party Box driver owes its callers. `create` gets a manual clock
 * the driver must take its time from (storedAt, cleanup ages).
 * @example describeBoxDriver('LocalDriver', async (clock) => new LocalDriver({ path: tempDir(), clock }));
 */
export function describeBoxDriver(name: string, create: (clock: ManualClock) => Promise<BoxDriver | BoxDriverHarness>): void {
  describe(`${name} honours the BoxDriver contract`, () => {
    let clock: ManualClock;
    let driver: BoxDriver;
    let destroy: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
      const made = await create(clock);
      if ('driver' in made) {
        driver = made.driver;
        destroy = made.destroy;
      } else {
        driver = made;
        destroy = undefined;
      }
    });

    afterEach(async () => {
      await driver.close?.();
      await destroy?.();
    });

    it('returns the first 16 hex characters of SHA-256 as the hash', async () => {
      const data = Buffer.from('a map of the five boroughs');
      expect(await driver.put('map.txt', data)).toBe(sha16(data));
    });

    it('returns the same hash for the same bytes and stores them once', async () => {
      const first = await driver.put('comments.json', '{"n": 1}');
      clock.advance(MINUTE);
      const second = await driver.put('comments-again.json', '{"n": 1}');
      expect(second).toBe(first);
      const listed = await driver.list();
      expect(listed.map((info) => info.hash)).toEqual([first]);
      expect(listed[0]?.storedAt).toBe(Date.UTC(2026, 0, 1, 12));
    });

    it('gives different bytes different hashes', async () => {
      const a = await driver.put('a.txt', 'storm');
      const b = await driver.put('b.txt', 'hack');
      expect(a).not.toBe(b);
      expect((await driver.list()).length).toBe(2);
    });

    it('reads back the exact bytes as a buffer and as a stream', async () => {
      const data = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      const hash = await driver.put('clip.wav', data);
      const asset = await driver.get(hash);
      expect(await asset.bytes()).toEqual(data);
      expect(await readAll(asset.stream())).toEqual(data);
      expect(asset).toMatchObject({ hash, size: data.length, category: 'audio', storedAt: clock.now() });
      expect(asset.location).toContain(hash);
    });

    it('stores strings as UTF-8', async () => {
      const hash = await driver.put('note.md', 'café ☕');
      expect((await (await driver.get(hash)).bytes()).toString('utf8')).toBe('café ☕');
    });

    it('sorts assets into images, audio, documents and other by extension', async () => {
      const categories: Record<string, string> = {};
      for (const key of ['bridge.JPG', 'siren.mp3', 'report.pdf', 'blob.bin']) {
        const hash = await driver.put(key, `bytes of ${key}`);
        categories[key] = (await driver.get(hash)).category;
      }
      expect(categories).toEqual({ 'bridge.JPG': 'images', 'siren.mp3': 'audio', 'report.pdf': 'documents', 'blob.bin': 'other' });
    });

    it('says which hash it could not find', async () => {
      const error = await caught(() => driver.get('0123456789abcdef'));
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toContain('0123456789abcdef');
      expect(await driver.has('0123456789abcdef')).toBe(false);
    });

    it.each([
      ['a parent-directory key', '../escape.png'],
      ['a nested parent-directory key', 'maps/../../escape.png'],
      ['an absolute key', '/etc/passwd'],
      ['a key with NUL', 'map\0.png'],
      ['an empty key', ''],
    ])('refuses %s, naming the key, and stores nothing', async (_label, key) => {
      const error = await caught(() => driver.put(key, 'x'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues[0]).toMatchObject({ field: 'key', given: key });
      expect(await driver.list()).toEqual([]);
    });

    it.each([
      ['a path-escaping hash', '../../etc/passwd'],
      ['an absolute hash', '/etc/passwd'],
      ['a hash with NUL', '0123456789abcde\0'],
      ['an uppercase hash', '0123456789ABCDEF'],
    ])('refuses %s in get, has and delete', async (_label, hash) => {
      for (const call of [() => driver.get(hash), () => driver.has(hash), () => driver.delete(hash)]) {
        const error = await caught(call);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).issues[0]).toMatchObject({ field: 'hash', given: hash });
      }
    });

    it('refuses an asset over 10 MB, naming its size and the limit', async () => {
      const error = await caught(() => driver.put('huge.bin', Buffer.alloc(10 * 1024 * 1024 + 1)));
      expect(error).toBeInstanceOf(AssetTooLargeError);
      expect((error as Error).message).toContain('10485761 bytes');
      expect((error as Error).message).toContain('10485760 bytes');
      expect(await driver.list()).toEqual([]);
    });

    it('accepts an asset of exactly 10 MB', async () => {
      const hash = await driver.put('big.bin', Buffer.alloc(10 * 1024 * 1024, 7));
      expect((await driver.get(hash)).size).toBe(10 * 1024 * 1024);
    });

    it('deletes only assets older than the age given to cleanup', async () => {
      const old = await driver.put('old.txt', 'stored first');
      clock.advance(10 * MINUTE);
      const recent = await driver.put('recent.txt', 'stored ten minutes later');
      clock.advance(11 * MINUTE);
      expect(await driver.cleanup(20 * MINUTE)).toEqual([old]);
      expect(await driver.has(old)).toBe(false);
      expect(await driver.has(recent)).toBe(true);
      await expect(driver.get(old)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('does not refresh the age when the same bytes are put again', async () => {
      const hash = await driver.put('same.txt', 'same');
      clock.advance(19 * MINUTE);
      await driver.put('same.txt', 'same');
      clock.advance(2 * MINUTE);
      expect(await driver.cleanup(20 * MINUTE)).toEqual([hash]);
    });

    it('reads, lists and expires a key of every shape it accepts, and one odd key spoils no other call', async () => {
      const shapes = assetKeyShapes();
      const hashes: string[] = [];
      for (const [key, label] of shapes) {
        const data = Buffer.from(`bytes of ${label}`);
        const hash = await driver.put(key, data);
        hashes.push(hash);
        const asset = await driver.get(hash);
        expect({ label, bytes: (await asset.bytes()).toString() }).toEqual({ label, bytes: data.toString() });
        expect(await driver.has(hash)).toBe(true);
      }
      const listed = await driver.list();
      expect(listed.map((info) => info.hash).sort()).toEqual([...new Set(hashes)].sort());
      for (const info of listed) expect(info.location).toContain(info.hash);
      clock.advance(21 * MINUTE);
      expect((await driver.cleanup(20 * MINUTE)).sort()).toEqual([...new Set(hashes)].sort());
      expect(await driver.list()).toEqual([]);
    });

    it('keeps the key given at put in what get and list report', async () => {
      for (const [key] of assetKeyShapes().slice(0, 12)) {
        const hash = await driver.put(key, `named ${key}`);
        expect((await driver.get(hash)).key).toBe(key);
        expect((await driver.list()).find((info) => info.hash === hash)?.key).toBe(key);
      }
    });

    it.each([
      ['a megabyte-long key', 'k'.repeat(1_000_000)],
      ['a 256-character key', 'k'.repeat(256)],
      ['a long key that also escapes', `${'../'.repeat(400)}etc/passwd`],
    ])('refuses %s, quoting only a bounded prefix of it', async (_label, key) => {
      const error = await caught(() => driver.put(key, 'x'));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message.length).toBeLessThan(400);
      expect((error as Error).message).toContain(`${key.length} characters`);
      expect(JSON.stringify((error as ValidationError).toJSON()).length).toBeLessThan(1200);
      expect(await driver.list()).toEqual([]);
    });

    it('stores a readable stream, the same as its bytes', async () => {
      const data = Buffer.alloc(300_000);
      for (let index = 0; index < data.length; index += 1) data[index] = (index * 31) % 256;
      const chunks = Array.from({ length: 10 }, (_, index) => data.subarray(index * 30_000, (index + 1) * 30_000));
      const hash = await driver.put('streamed.bin', Readable.from(chunks));
      expect(hash).toBe(sha16(data));
      expect(await (await driver.get(hash)).bytes()).toEqual(data);
      expect(await driver.put('text-stream.txt', Readable.from(['camp', 'fire']))).toBe(sha16(Buffer.from('campfire')));
    });

    it('stops reading a stream once it passes the size limit, and stores nothing', async () => {
      let produced = 0;
      let destroyed = false;
      const endless = new Readable({
        read() {
          produced += 1024 * 1024;
          this.push(Buffer.alloc(1024 * 1024, 1));
        },
        destroy(error, callback) {
          destroyed = true;
          callback(error);
        },
      });
      const error = await caught(() => driver.put('endless.bin', endless));
      expect(error).toBeInstanceOf(AssetTooLargeError);
      expect((error as Error).message).toContain('10485760 bytes');
      expect(destroyed).toBe(true);
      expect(produced).toBeLessThan(16 * 1024 * 1024);
      expect(await driver.list()).toEqual([]);
    });

    it.each([
      ['a number', 42],
      ['a plain object', { path: './map.png' }],
      ['null', null],
      ['an array of numbers', [1, 2, 3]],
    ])('refuses %s as data with a CampfiresError saying what to pass', async (_label, data) => {
      const error = await caught(() => driver.put('map.png', data as unknown as string));
      expect(error).toBeInstanceOf(CampfiresError);
      expect((error as Error).message).toMatch(/pass a Buffer, a Uint8Array, a string .* or a readable stream/);
      expect(await driver.list()).toEqual([]);
    });

    describe('in a PartyBox, assets expire on time', () => {
      // Ages just past, at and under the limit, for assets of several key shapes.
      const ages = [20 * MINUTE + 1, 20 * MINUTE + 1000, 45 * MINUTE, 24 * 60 * MINUTE];
      it.each(ages.map((age, index) => [age, assetKeyShapes()[index * 3]?.[0] as string]))('get never returns an asset %d ms old (key %j), before any cleanup', async (age, key) => {
        const box = new PartyBox(driver, { clock, cleanupEveryMs: 0, expireEveryMs: 0 });
        await box.put('kept.txt', 'stored later');
        const info = await box.put(key, `old bytes ${age}`);
        clock.advance(age);
        const fresh = await box.put('fresh.txt', 'stored now');
        // `put` cleans nothing here (cleanupEveryMs 0): get alone must refuse the old one.
        const error = await caught(() => box.get(info.location));
        expect(error).toBeInstanceOf(NotFoundError);
        expect((error as NotFoundError).code).toBe('asset_expired');
        expect((error as Error).message).toMatch(new RegExp(`^Party Box asset ${info.hash} expired: it was stored .+ ago and assets last 20m`));
        await expect(box.get(info.hash)).rejects.toBeInstanceOf(NotFoundError);
        expect(await driver.has(info.hash)).toBe(false);
        expect((await box.list()).map((item) => item.hash)).toEqual([fresh.hash]);
        expect(await box.text(fresh.location)).toBe('stored now');
      });

      it('returns an asset up to its last millisecond', async () => {
        const box = new PartyBox(driver, { clock, cleanupEveryMs: 0, expireEveryMs: 0 });
        const info = await box.put('edge.txt', 'edge');
        clock.advance(20 * MINUTE);
        expect(await box.text(info.hash)).toBe('edge');
        clock.advance(1);
        await expect(box.get(info.hash)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('gives the same bytes put again after they expired a new age', async () => {
        const box = new PartyBox(driver, { clock, cleanupEveryMs: 0, expireEveryMs: 0 });
        const first = await box.put('again.txt', 'same bytes');
        clock.advance(25 * MINUTE);
        const second = await box.put('again.txt', 'same bytes');
        expect(second.hash).toBe(first.hash);
        expect(second.storedAt).toBe(clock.now());
        expect(await box.text(second.hash)).toBe('same bytes');
      });

      it('expires assets by itself while nobody calls it, with a timer that does not hold the process', async () => {
        const box = new PartyBox(driver, { clock, cleanupEveryMs: 0, expireEveryMs: 20 });
        const old = await box.put('old.txt', 'old');
        clock.advance(10 * MINUTE);
        const young = await box.put('young.txt', 'young');
        clock.advance(11 * MINUTE);
        const deadline = Date.now() + 5000;
        while ((await driver.has(old.hash)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await driver.has(old.hash)).toBe(false);
        expect(await driver.has(young.hash)).toBe(true);
        await box.close();
      });
    });

    it('deletes once: true, then false', async () => {
      const hash = await driver.put('gone.txt', 'bye');
      expect(await driver.delete(hash)).toBe(true);
      expect(await driver.delete(hash)).toBe(false);
      expect(await driver.has(hash)).toBe(false);
    });
  });
}
