export { migrateSqlite, schemaVersion, type SqliteSchema } from './sqlite-migrations';
export { openSqliteFile, sqliteFileKinds } from './open-sqlite-file';
