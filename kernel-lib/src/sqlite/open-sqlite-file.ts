import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CampfiresError } from '../core';
import type { SqliteSchema } from './sqlite-migrations';

/**
 * The kinds of SQLite file this library writes, by their `PRAGMA application_id`
 * ("CFr1", "CFs1", "CFc1" in ASCII). A file carries its kind from the moment it is created.
 */
export const sqliteFileKinds: Readonly<Record<string, number>> = {
  'run log': 0x43467231,
  'campfire store': 0x43467331,
  'counter store': 0x43466331,
};

/** Tables that recognise each kind in files written before kinds were recorded. */
const legacyTables: Readonly<Record<string, readonly string[]>> = {
  'run log': ['runs', 'events'],
  'campfire store': ['identities', 'campfires', 'messages'],
};

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

function refused(code: string, message: string, path: string): CampfiresError {
  return new CampfiresError({ code, message, details: { path } });
}

function hasSqliteHeader(path: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const descriptor = openSync(path, 'r');
  try {
    return readSync(descriptor, header, 0, header.length, 0) === header.length && header.equals(SQLITE_HEADER);
  } finally {
    closeSync(descriptor);
  }
}

interface Probe {
  applicationId: number;
  tables: string[];
}

function probe(path: string): Probe {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const applicationId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((row) => row.name);
    return { applicationId, tables };
  } finally {
    db.close();
  }
}

function kindNamed(applicationId: number): string | undefined {
  return Object.keys(sqliteFileKinds).find((name) => sqliteFileKinds[name] === applicationId);
}

function legacyKind(tables: readonly string[]): string | undefined {
  return Object.keys(legacyTables).find((name) => (legacyTables[name] as readonly string[]).every((table) => tables.includes(table)));
}

/**
 * Decides whether a store of `schema` may use an existing SQLite file, from what the file
 * says it is. Returns the kind to record in a file that has none yet, or null.
 */
function admit(path: string, schema: SqliteSchema, found: Probe): number | null {
  const own = schema.applicationId;
  const unchanged = 'nothing in it was changed';
  const known = kindNamed(found.applicationId);
  if (own !== undefined && found.applicationId === own) return null;
  if (schema.guest !== undefined && known !== undefined) return null; // a guest lives in any of our files
  if (known !== undefined) {
    throw refused('sqlite_wrong_kind', `${path} is a ${known}, not a ${schema.name}; ${unchanged}. Give the path of a ${schema.name} or of a new file`, path);
  }
  if (found.applicationId !== 0) {
    const id = `0x${(found.applicationId >>> 0).toString(16).padStart(8, '0')}`;
    throw refused('sqlite_wrong_kind', `${path} is a SQLite database of another program (application_id ${id}), not a ${schema.name}; ${unchanged}`, path);
  }
  const ownTables = schema.tables ?? [];
  const fresh = found.tables.length === 0;
  const earlierSelf = ownTables.length > 0 && ownTables.every((table) => found.tables.includes(table));
  const other = legacyKind(found.tables);
  if (schema.guest !== undefined && (fresh || other !== undefined || found.tables.every((table) => table === 'counter_windows' || table === 'schema_versions'))) {
    return other === undefined ? (own ?? null) : null;
  }
  if (fresh || earlierSelf) return own ?? null;
  if (other !== undefined && other !== schema.name) {
    throw refused('sqlite_wrong_kind', `${path} is a ${other}, not a ${schema.name}; ${unchanged}. Give the path of a ${schema.name} or of a new file`, path);
  }
  const listed = found.tables.slice(0, 5).join(', ') + (found.tables.length > 5 ? ` and ${found.tables.length - 5} more` : '');
  throw refused('sqlite_wrong_kind', `${path} is a SQLite database but not a ${schema.name} (it holds tables ${listed}); ${unchanged}`, path);
}

/**
 * Opens the SQLite file at `path` for a store of `schema`, after checking that it is one:
 * a missing or empty file becomes one (and records its kind in `application_id`); a
 * directory, a file that is not SQLite, or a database of another kind or program is
 * refused with an error naming the path, and left exactly as it was.
 */
export function openSqliteFile(path: string, schema: SqliteSchema): Database.Database {
  let claim: number | null = schema.applicationId ?? null;
  if (path !== ':memory:' && path !== '') {
    let facts;
    try {
      facts = statSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw refused('sqlite_unreadable', `cannot open ${path} as a ${schema.name}: ${(error as Error).message}`, path);
    }
    if (facts?.isDirectory()) throw refused('sqlite_is_directory', `${path} is a directory; a ${schema.name} is a file (give a file path, e.g. ${path.replace(/\/+$/, '')}/${schema.name.replace(/ /g, '_')}.db)`, path);
    if (facts && !facts.isFile()) throw refused('sqlite_not_a_database', `${path} is not a database: it is not a regular file`, path);
    if (facts && facts.size > 0) {
      if (!hasSqliteHeader(path)) throw refused('sqlite_not_a_database', `${path} is not a database: a ${schema.name} is a SQLite file and this file is not one; nothing in it was changed`, path);
      let found: Probe;
      try {
        found = probe(path);
      } catch (error) {
        throw refused('sqlite_unreadable', `cannot open ${path} as a ${schema.name}: ${(error as Error).message}`, path);
      }
      claim = admit(path, schema, found);
    }
  }
  const db = new Database(path);
  if (claim !== null) {
    const id = claim;
    db.transaction(() => {
      // Another process may have created the file's kind since the probe.
      const current = db.pragma('application_id', { simple: true }) as number;
      if (current === 0) db.pragma(`application_id = ${id}`);
    }).immediate();
  }
  return db;
}
