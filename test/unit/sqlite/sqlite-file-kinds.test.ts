import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CampfiresError, CampfireStore, SqliteCounterStore, SqliteRunLog } from 'campfires';

// Every SQLite file the library writes says what it is (PRAGMA application_id); each
// store opens only its own kind and leaves any other file exactly as it found it.

interface Store {
  open(path: string): Promise<{ close(): unknown }>;
}
const stores: Record<string, Store> = {
  'run log': { open: async (path) => SqliteRunLog.open(path) },
  'campfire store': { open: async (path) => CampfireStore.open(path) },
  'counter store': { open: async (path) => SqliteCounterStore.open(path) },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-kinds-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function made(kind: string, path: string, legacy = false): Promise<void> {
  const store = await (stores[kind] as Store).open(path);
  await store.close();
  const db = new Database(path);
  if (legacy) db.pragma('application_id = 0');
  db.pragma('journal_mode = DELETE');
  db.close();
}

function sqliteOf(path: string, setup: string, applicationId = 0): void {
  const db = new Database(path);
  db.exec(setup);
  if (applicationId) db.pragma(`application_id = ${applicationId}`);
  db.close();
}

/** Files that are not a given store, by how they differ from it. */
const foreignFiles: Array<[string, (path: string) => Promise<void> | void, RegExp]> = [
  ['a text file', (path) => writeFileSync(path, 'hello, I am notes.txt\n'), /is not a database/],
  ['a JSON file', (path) => writeFileSync(path, JSON.stringify({ runs: [] })), /is not a database/],
  ['a file with a cut SQLite header', (path) => writeFileSync(path, 'SQLite form'), /is not a database/],
  ['a SQLite database of another program', (path) => sqliteOf(path, 'CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT)', 0x0f0f0f0f), /another program \(application_id 0x0f0f0f0f\)/],
  ['a SQLite database with foreign tables', (path) => sqliteOf(path, 'CREATE TABLE songs (id INTEGER PRIMARY KEY); PRAGMA user_version = 2'), /holds tables songs/],
];

const cases: Array<[string, string, (path: string) => Promise<void> | void, RegExp]> = [];
for (const kind of Object.keys(stores)) {
  for (const [label, write, expected] of foreignFiles) cases.push([kind, label, write, expected]);
  for (const other of Object.keys(stores)) {
    if (other === kind || kind === 'counter store' || other === 'counter store') continue;
    cases.push([kind, `a ${other}`, (path) => made(other, path), new RegExp(`is a ${other}, not a ${kind}`)]);
    cases.push([kind, `a ${other} written before files carried their kind`, (path) => made(other, path, true), new RegExp(`is a ${other}, not a ${kind}`)]);
  }
}
cases.push(['run log', 'a counter store', (path) => made('counter store', path), /is a counter store, not a run log/]);
cases.push(['campfire store', 'a counter store', (path) => made('counter store', path), /is a counter store, not a campfire store/]);

function fingerprint(folder: string): Record<string, string> {
  const seen: Record<string, string> = {};
  for (const name of readdirSync(folder)) seen[name] = createHash('sha256').update(readFileSync(join(folder, name))).digest('hex');
  return seen;
}

describe('a store opens only SQLite files of its own kind', () => {
  it.each(cases)('a %s refuses %s, naming the file, and changes nothing in it', async (kind, _label, write, expected) => {
    const path = join(dir, 'x.db');
    await write(path);
    const before = fingerprint(dir);
    const error = await (stores[kind] as Store).open(path).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CampfiresError);
    expect((error as Error).message.startsWith(`${path} `)).toBe(true);
    expect((error as Error).message).toMatch(expected);
    expect(fingerprint(dir)).toEqual(before);
  });

  it.each(Object.keys(stores).map((kind) => [kind]))('a %s says a directory is a directory', async (kind) => {
    const folder = join(dir, 'logs');
    mkdirSync(folder);
    await expect((stores[kind] as Store).open(folder)).rejects.toThrow(`${folder} is a directory; a ${kind} is a file`);
    expect(readdirSync(folder)).toEqual([]);
  });

  it.each(Object.keys(stores).map((kind) => [kind]))('a %s reopens its own file, an empty file and one written before files carried their kind', async (kind) => {
    const own = join(dir, 'own.db');
    await made(kind, own);
    await (await (stores[kind] as Store).open(own)).close();
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    await (await (stores[kind] as Store).open(empty)).close();
    const legacy = join(dir, 'legacy.db');
    await made(kind, legacy, true);
    await (await (stores[kind] as Store).open(legacy)).close();
    for (const path of [own, empty, legacy]) {
      const db = new Database(path, { readonly: true });
      expect(db.pragma('application_id', { simple: true })).not.toBe(0);
      db.close();
    }
  });

  it('keeps the counter store as a guest in a run log and a campfire store', async () => {
    for (const host of ['run log', 'campfire store']) {
      const path = join(dir, `${host.replace(' ', '-')}.db`);
      await made(host, path);
      await (await SqliteCounterStore.open(path)).close();
      await (await (stores[host] as Store).open(path)).close();
    }
  });
});
