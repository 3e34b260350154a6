export { migrateSqlite, schemaVersion, type SqliteSchema } from './sqlite-migrations';
