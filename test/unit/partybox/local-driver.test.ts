import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDriver, ManualClock } from 'campfires';
import { describeBoxDriver } from '../../contracts/box-driver.contract';

const made: string[] = [];
function tempDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'party-box-'));
  made.push(directory);
  return directory;
}
afterAll(() => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

describeBoxDriver('LocalDriver', async (clock) => new LocalDriver({ path: tempDir(), clock }));

describe('LocalDriver on disk', () => {
  it('writes <hash><ext> under the category folder and points torches at it', async () => {
    const root = tempDir();
    const driver = new LocalDriver({ path: root });
    const hash = await driver.put('maps/bridge.png', Buffer.from('png bytes'));
    const asset = await driver.get(hash);
    expect(asset.path).toBe(join(root, 'images', `${hash}.png`));
    expect(asset.location).toBe(`${root}/images/${hash}.png`);
    expect(readFileSync(asset.path as string, 'utf8')).toBe('png bytes');
  });

  it('keeps a relative box path relative in locations, as ./party_box/...', async () => {
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      const driver = new LocalDriver({ path: 'party_box' });
      const hash = await driver.put('summary.json', '{}');
      expect((await driver.get(hash)).location).toBe(`./party_box/documents/${hash}.json`);
    } finally {
      process.chdir(cwd);
    }
  });

  it('remembers ages across a restart, so cleanup removes assets an earlier process stored', async () => {
    const root = tempDir();
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const first = new LocalDriver({ path: root, clock });
    const hash = await first.put('old.txt', 'from an earlier run');
    clock.advance(21 * 60_000);
    const second = new LocalDriver({ path: root, clock });
    expect((await second.get(hash)).storedAt).toBe(Date.UTC(2026, 0, 1));
    expect(await second.cleanup(20 * 60_000)).toEqual([hash]);
    expect(readdirSync(join(root, 'documents'))).toEqual([]);
  });

  it('finds an asset stored by another driver on the same folder', async () => {
    const root = tempDir();
    const hash = await new LocalDriver({ path: root }).put('clip.ogg', 'ogg');
    expect(await new LocalDriver({ path: root }).has(hash)).toBe(true);
  });

  it('writes through fsync when durable', async () => {
    const driver = new LocalDriver({ path: tempDir(), durable: true });
    const hash = await driver.put('a.txt', 'durable');
    expect((await (await driver.get(hash)).bytes()).toString()).toBe('durable');
  });

  it('never leaves a half-written asset under its final name when the process is killed mid-write', async () => {
    const root = tempDir();
    const source = join(__dirname, '..', '..', '..', 'kernel-lib', 'src', 'partybox', 'local-driver.ts');
    const script = `
      require(${JSON.stringify(join(__dirname, '..', '..', 'helpers', 'register-ts.js'))});
      const { LocalDriver } = require(${JSON.stringify(source)});
      const driver = new LocalDriver({ path: ${JSON.stringify(root)} });
      (async () => {
        process.stdout.write('ready\\n');
        for (let i = 0; ; i += 1) {
          const data = Buffer.alloc(4 * 1024 * 1024, i % 251);
          data.writeUInt32LE(i, 0);
          await driver.put('chunk-' + i + '.bin', data);
        }
      })();
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // Kill it mid-stream: once a few assets are in, while it is writing the next.
    const folder = join(root, 'other');
    const deadline = Date.now() + 15_000;
    while ((existsSync(folder) ? readdirSync(folder).length : 0) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 7));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const names = existsSync(folder) ? readdirSync(folder) : [];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const bytes = readFileSync(join(folder, name));
      expect(createHash('sha256').update(bytes).digest('hex').slice(0, 16)).toBe(name.slice(0, 16));
    }
    const survivor = new LocalDriver({ path: root });
    expect((await survivor.list()).length).toBe(names.length);
  }, 20_000);

  it('cleans up what writers killed at random points during put left in its temporary folder, when the box opens', async () => {
    // A fixed seed makes the kill points the same on every run (mulberry32).
    let seed = 0x5eed15;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const root = tempDir();
    const incoming = join(root, '.incoming');
    const source = join(__dirname, '..', '..', '..', 'kernel-lib', 'src', 'partybox', 'local-driver.ts');
    let leftoversSeen = 0;
    for (let kill = 0; kill < 8; kill += 1) {
      const script = `
        require(${JSON.stringify(join(__dirname, '..', '..', 'helpers', 'register-ts.js'))});
        const { LocalDriver } = require(${JSON.stringify(source)});
        const driver = new LocalDriver({ path: ${JSON.stringify(root)}, durable: ${kill % 2 === 0} });
        // Four writers at once, as cells of a busy notebook would be.
        process.stdout.write('ready\\n');
        for (let writer = 0; writer < 4; writer += 1) (async () => {
          for (let i = 0; ; i += 1) {
            const data = Buffer.alloc((1 + (i % 4)) * 1024 * 1024, (i + writer + ${kill * 7}) % 251);
            data.writeUInt32LE(i, 0);
            data.writeUInt32LE(writer * 1000 + ${kill}, 4);
            await driver.put('chunk-' + writer + '-' + i + '.bin', data);
          }
        })();
      `;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(random() * 400)));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      leftoversSeen += existsSync(incoming) ? readdirSync(incoming).length : 0;

      const reopened = new LocalDriver({ path: root });
      expect(existsSync(incoming) ? readdirSync(incoming) : []).toEqual([]);
      for (const info of await reopened.list()) {
        const bytes = await (await reopened.get(info.hash)).bytes();
        expect(createHash('sha256').update(bytes).digest('hex').slice(0, 16)).toBe(info.hash);
      }
    }
    // The kill points are spread over whole puts, so some land while a temporary file exists.
    expect(leftoversSeen).toBeGreaterThan(0);
  }, 60_000);
});
