import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampfiresError, LocalDriver, ManualClock } from 'campfires';

// A box directory with links planted in it, by placement, against every driver
// operation: nothing outside the box may be read, listed, written or deleted.

const SECRET = 'root:x:0:0:the secret outside the box';
const secretHash = createHash('sha256').update(SECRET).digest('hex').slice(0, 16);

const made: string[] = [];
function tempDir(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  made.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

/** Every name and byte under `directory`, links shown as links. */
function snapshot(directory: string): Record<string, string> {
  const seen: Record<string, string> = {};
  const walk = (folder: string, prefix: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else seen[`${prefix}${entry.name}`] = entry.isSymbolicLink() ? 'link' : readFileSync(path, 'utf8');
    }
  };
  walk(directory, '');
  return seen;
}

interface Scene {
  root: string;
  outside: string;
  legitHash: string;
}

const placements: Array<[string, (scene: Scene) => void]> = [
  ['a stored asset replaced by a link to a file outside', ({ root, outside, legitHash }) => {
    unlinkSync(join(root, 'images', `${legitHash}.png`));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'images', `${legitHash}.png`));
  }],
  ['a link named like an asset, to a file outside', ({ root, outside }) => {
    symlinkSync(join(outside, 'secret.txt'), join(root, 'images', `${secretHash}.png`));
  }],
  ['the images folder as a link to a folder outside', ({ root, outside }) => {
    rmSync(join(root, 'images'), { recursive: true });
    symlinkSync(outside, join(root, 'images'));
  }],
  ['the temporary folder as a link to a folder outside', ({ root, outside }) => {
    rmSync(join(root, '.incoming'), { recursive: true, force: true });
    symlinkSync(outside, join(root, '.incoming'));
  }],
  ['the images folder as a link to another box folder', ({ root }) => {
    rmSync(join(root, 'images'), { recursive: true });
    symlinkSync(join(root, 'documents'), join(root, 'images'));
  }],
  ['the images folder as a dangling link', ({ root, outside }) => {
    rmSync(join(root, 'images'), { recursive: true });
    symlinkSync(join(outside, 'no-such-folder'), join(root, 'images'));
  }],
];

type Operation = (driver: LocalDriver, scene: Scene, clock: ManualClock) => Promise<unknown>;
const operations: Array<[string, Operation]> = [
  ['put of new bytes', (driver) => driver.put('new.png', 'new image bytes')],
  ['put of the bytes the outside file holds', (driver) => driver.put('again.png', SECRET)],
  ['get of the stored asset, as bytes', async (driver, { legitHash }) => (await (await driver.get(legitHash)).bytes()).toString()],
  ['get of the outside hash, as bytes', async (driver) => (await (await driver.get(secretHash)).bytes()).toString()],
  ['get of the stored asset, as a stream', async (driver, { legitHash }) => {
    let text = '';
    for await (const chunk of (await driver.get(legitHash)).stream()) text += chunk.toString();
    return text;
  }],
  ['list', (driver) => driver.list()],
  ['has of the outside hash', (driver) => driver.has(secretHash)],
  ['delete of the outside hash', (driver) => driver.delete(secretHash)],
  ['cleanup of everything', (driver, _scene, clock) => {
    clock.advance(60 * 60_000);
    return driver.cleanup(0);
  }],
];

const drivers: Array<[string, (root: string, clock: ManualClock, before: LocalDriver) => LocalDriver]> = [
  ['the driver that stored the asset', (_root, _clock, before) => before],
  ['a driver opened after the link was planted', (root, clock) => new LocalDriver({ path: root, clock })],
  ['a durable driver opened after the link was planted', (root, clock) => new LocalDriver({ path: root, clock, durable: true })],
];

const cases = placements.flatMap(([placement, plant]) =>
  operations.flatMap(([operation, run]) => drivers.map(([driver, open]) => [placement, operation, driver, plant, run, open] as const)),
);

describe('LocalDriver never follows a link out of the box', () => {
  it.each(cases)('%s; %s; %s', async (_placement, operation, _driver, plant, run, open) => {
    const root = tempDir('party-box-links-');
    const outside = tempDir('outside-the-box-');
    writeFileSync(join(outside, 'secret.txt'), SECRET);
    writeFileSync(join(outside, `${secretHash}.png`), SECRET);
    mkdirSync(join(outside, 'documents'));
    const clock = new ManualClock(Date.UTC(2026, 0, 1, 12));
    const first = new LocalDriver({ path: root, clock });
    const legitHash = await first.put('legit.png', 'the legitimate image');
    await first.put('notes.txt', 'a document');
    mkdirSync(join(root, '.incoming'), { recursive: true });
    const scene = { root, outside, legitHash };
    plant(scene);
    const before = snapshot(outside);

    const driver = open(root, clock, first);
    const outcome = await run(driver, scene, clock).then((value) => ({ value }), (error: unknown) => ({ error }));

    expect(snapshot(outside)).toEqual(before);
    if ('error' in outcome) {
      expect(outcome.error).toBeInstanceOf(CampfiresError);
      expect((outcome.error as Error).message).not.toContain(SECRET);
      return;
    }
    const shown = JSON.stringify(outcome.value);
    expect(shown).not.toContain(SECRET);
    if (operation === 'list' || operation.startsWith('cleanup')) expect(shown).not.toContain(secretHash);
    if (operation.startsWith('has')) expect(outcome.value).toBe(false);
    if (operation.startsWith('put')) {
      const stored = lstatSync(join(root, 'images', `${outcome.value as string}.png`));
      expect(stored.isFile()).toBe(true);
      expect(lstatSync(join(root, 'images')).isDirectory()).toBe(true);
    }
  });

  it('says which folder is a link and what to do', async () => {
    const root = tempDir('party-box-links-');
    const outside = tempDir('outside-the-box-');
    const driver = new LocalDriver({ path: root });
    symlinkSync(outside, join(root, 'images'));
    await expect(driver.put('map.png', 'x')).rejects.toThrow(`${root}/images is a link; the Party Box reads and writes only its own files and folders under ${root}, never through links. Remove it`);
  });
});
