import type Database from 'better-sqlite3';
import { CampfiresError } from '../core';

/**
 * A schema kept in a SQLite file as numbered migrations. Migration n+1 is at index n;
 * append new ones at the end and never edit one that has shipped.
 */
export interface SqliteSchema {
  /** What the file holds, in messages: `run log`, `campfire store`, `counter store`. */
  readonly name: string;
  /** The error code when the file is at a version newer than this library knows. */
  readonly tooNewCode: string;
  readonly migrations: readonly string[];
  /**
   * Set for a schema that lives in a file another store owns (the counter store in the
   * run log's file): its version is a row of `schema_versions` under this name, because
   * the file's `PRAGMA user_version` belongs to the owner.
   */
  readonly guest?: string;
  /**
   * The file kind written to `PRAGMA application_id` when this schema's store creates the
   * file, so a file of another kind is recognised before anything in it is changed.
   */
  readonly applicationId?: number;
  /** Tables every version has: they recognise a file this store wrote before it recorded its kind. */
  readonly tables?: readonly string[];
}

const VERSIONS_TABLE = 'CREATE TABLE IF NOT EXISTS schema_versions (name TEXT PRIMARY KEY, version INTEGER NOT NULL)';

/** The version of `schema` that the file behind `db` is at (0 when never migrated). */
export function schemaVersion(db: Database.Database, schema: SqliteSchema): number {
  if (schema.guest === undefined) return db.pragma('user_version', { simple: true }) as number;
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_versions'").get();
  if (!table) return 0;
  const row = db.prepare('SELECT version FROM schema_versions WHERE name = ?').get(schema.guest) as { version: number } | undefined;
  return row?.version ?? 0;
}

function recordVersion(db: Database.Database, schema: SqliteSchema, version: number): void {
  if (schema.guest === undefined) {
    db.pragma(`user_version = ${version}`);
    return;
  }
  db.exec(VERSIONS_TABLE);
  db.prepare('INSERT INTO schema_versions (name, version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version').run(schema.guest, version);
}

/**
 * Brings the file behind `db` up to the newest migration of `schema`, one migration per
 * `BEGIN IMMEDIATE` transaction, so several processes opening the same file at once
 * apply each migration exactly once. Refuses a file written by a newer library.
 */
export function migrateSqlite(db: Database.Database, path: string, schema: SqliteSchema): void {
  const known = schema.migrations.length;
  const current = schemaVersion(db, schema);
  if (current > known) {
    throw new CampfiresError({
      code: schema.tooNewCode,
      message: `${schema.name} ${path} is at schema version ${current}, newer than this library knows (${known}); upgrade campfires to read it`,
      details: { path, version: current, known },
    });
  }
  for (let version = current; version < known; version += 1) {
    db.transaction(() => {
      // Another process may have migrated between our read and this transaction.
      if (schemaVersion(db, schema) > version) return;
      db.exec(schema.migrations[version] as string);
      recordVersion(db, schema, version + 1);
    }).immediate();
  }
}
