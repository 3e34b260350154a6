import { sqliteFileKinds, type SqliteSchema } from '../sqlite';

/**
 * Numbered migrations of the counter store. It is a guest in the file it shares (the run
 * log's or the campfire store's), so its version is a `schema_versions` row, not `user_version`.
 */
export const counterSchema: SqliteSchema = {
  name: 'counter store',
  tooNewCode: 'counter_store_too_new',
  guest: 'counters',
  applicationId: sqliteFileKinds['counter store'],
  tables: ['counter_windows'],
  migrations: [
    // 1: one row per key per fixed window. The run log's and the campfire store's own
    // migrations create the same table when they move their old `counters` rows into it,
    // hence IF NOT EXISTS: whichever runs first creates it.
    `
    CREATE TABLE IF NOT EXISTS counter_windows (
      key TEXT NOT NULL,
      window_start INTEGER NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (key, window_start)
    );
    `,
  ],
};
