import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { LocalDriver, ManualClock, NotFoundError, PartyBox, ValidationError, assetPointer } from 'campfires';
import { hashOfLocation } from 'campfires/partybox';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'party-box-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('PartyBox', () => {
  it('puts an asset and gives back the path a torch carries', async () => {
    const box = PartyBox.local(root);
    const info = await box.put('comments.json', '{"negative": 0.8}');
    expect(info.location).toBe(`${root}/documents/${info.hash}.json`);
    expect(box.pointer(info)).toEqual({ path: info.location });
    expect(await box.text(info.location)).toBe('{"negative": 0.8}');
    expect(await box.text(info.hash)).toBe('{"negative": 0.8}');
  });

  it('reads the hash out of paths and URLs', () => {
    expect(hashOfLocation('./party_box/images/0123456789abcdef.png')).toBe('0123456789abcdef');
    expect(hashOfLocation('s3://campfires/audio/0123456789abcdef.wav')).toBe('0123456789abcdef');
    expect(assetPointer('s3://campfires/0123456789abcdef.wav')).toEqual({ url: 's3://campfires/0123456789abcdef.wav' });
    expect(() => hashOfLocation('./party_box/nothing-here.png')).toThrow(ValidationError);
  });

  it('clears assets older than 20 minutes, including those from an earlier process, on the next put', async () => {
    const clock = new ManualClock();
    const earlier = PartyBox.local(root, { clock });
    const old = await earlier.put('old.txt', 'earlier run');
    clock.advance(21 * 60_000);
    const later = PartyBox.local(root, { clock });
    await later.put('new.txt', 'this run');
    await expect(later.get(old.hash)).rejects.toBeInstanceOf(NotFoundError);
    expect((await later.list()).map((info) => info.key)).toEqual(['new.txt']);
  });

  it('summarises itself in one line', async () => {
    const box = new PartyBox(new LocalDriver({ path: root }));
    await box.put('a.txt', 'a');
    expect(inspect(box)).toBe(`PartyBox(LocalDriver ${root}, 1 put this session, assets expire after 20m)`);
  });
});

describe('PartyBox in a notebook', () => {
  it('lists its assets as a table', async () => {
    const box = PartyBox.local(root);
    const info = await box.put('map.png', Buffer.from('png'));
    const bundle = await box.toMimeBundle();
    expect(String(bundle['text/html'])).toContain(`<td>${info.location}</td><td>images</td><td>3</td>`);
    expect(String(bundle['text/plain'])).toContain(': 1 asset');
  });
});

describe('PartyBox expiry timer', () => {
  it('lets a script that opened a box end as soon as its work is done', async () => {
    const index = join(__dirname, '..', '..', '..', 'kernel-lib', 'src', 'index.ts');
    const script = `
      require(${JSON.stringify(join(__dirname, '..', '..', 'helpers', 'register-ts.js'))});
      const { PartyBox } = require(${JSON.stringify(index)});
      const box = PartyBox.local(${JSON.stringify(root)}, { expireEveryMs: 60000 });
      box.put('note.txt', 'hello').then(() => console.log('stored'));
    `;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('stored\n');
    expect(result.status).toBe(0);
    // A held timer would keep it alive for the full minute (and the spawn would time out at 30 s).
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);
});
