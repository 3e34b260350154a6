// The migration runner is internal to the library (not part of the package surface), so this test reads its source.
import Database from 'better-sqlite3';
import { migrateSqlite, schemaVersion, type SqliteSchema } from '../../../kernel-lib/src/sqlite';

const owner: SqliteSchema = {
  name: 'notes store',
  tooNewCode: 'notes_too_new',
  migrations: ['CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);', "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT '';"],
};
const guest: SqliteSchema = { name: 'tally store', tooNewCode: 'tally_too_new', guest: 'tally', migrations: ['CREATE TABLE tallies (key TEXT PRIMARY KEY, n INTEGER NOT NULL);'] };

describe('migrateSqlite, the one migration runner of the SQLite stores', () => {
  it('applies each numbered migration once, in order, and records the version in user_version', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, ':memory:', { ...owner, migrations: owner.migrations.slice(0, 1) });
    expect(schemaVersion(db, owner)).toBe(1);
    migrateSqlite(db, ':memory:', owner);
    migrateSqlite(db, ':memory:', owner);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.prepare("INSERT INTO notes (text, author) VALUES ('hi', 'ada')").run();
    expect(db.prepare('SELECT text, author FROM notes').all()).toEqual([{ text: 'hi', author: 'ada' }]);
  });

  it('keeps a guest schema’s version in schema_versions, leaving the owner’s user_version alone', () => {
    const db = new Database(':memory:');
    migrateSqlite(db, ':memory:', owner);
    migrateSqlite(db, ':memory:', guest);
    expect(schemaVersion(db, guest)).toBe(1);
    expect(schemaVersion(db, owner)).toBe(2);
    expect(db.prepare('SELECT name, version FROM schema_versions').all()).toEqual([{ name: 'tally', version: 1 }]);
  });

  it('refuses a file written by a newer library, naming the store and both versions', () => {
    const db = new Database(':memory:');
    db.pragma('user_version = 5');
    expect(() => migrateSqlite(db, 'notes.db', owner)).toThrow('notes store notes.db is at schema version 5, newer than this library knows (2); upgrade campfires to read it');
    db.exec("CREATE TABLE schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL); INSERT INTO schema_versions VALUES ('tally', 3)");
    expect(() => migrateSqlite(db, 'notes.db', guest)).toThrow(expect.objectContaining({ code: 'tally_too_new', details: { path: 'notes.db', version: 3, known: 1 } }));
  });
});
