import { sqliteFileKinds, type SqliteSchema } from '../sqlite';

/** Numbered schema migrations of the campfire store; `PRAGMA user_version` records the last applied. */
export const storeMigrations: readonly string[] = [
  // 1: identities, campfires, members, messages, counters
  `
  CREATE TABLE identities (name TEXT PRIMARY KEY, public_key TEXT NOT NULL, private_key TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE campfires (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, public_key TEXT NOT NULL, private_key TEXT, created_at INTEGER NOT NULL);
  CREATE TABLE members (
    campfire_id TEXT NOT NULL, public_key TEXT NOT NULL, label TEXT NOT NULL DEFAULT '',
    operator_level INTEGER NOT NULL DEFAULT 0, joined_at INTEGER NOT NULL,
    PRIMARY KEY (campfire_id, public_key)
  );
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, sender TEXT NOT NULL,
    tags TEXT NOT NULL, payload TEXT NOT NULL, antecedents TEXT NOT NULL, signature TEXT, ts INTEGER NOT NULL
  );
  CREATE INDEX messages_channel ON messages(channel, seq);
  CREATE INDEX messages_sender ON messages(sender, seq);
  CREATE TABLE counters (key TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window_start));
  `,
  // 2: rate-limit counts move to the counter store's table in the same file (the counter
  // store the executor uses by default), so counts survive the upgrade.
  `
  CREATE TABLE IF NOT EXISTS counter_windows (key TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window_start));
  INSERT INTO counter_windows (key, window_start, count)
    SELECT key, window_start, count FROM counters WHERE true
    ON CONFLICT(key, window_start) DO UPDATE SET count = counter_windows.count + excluded.count;
  DROP TABLE counters;
  `,
];

/** The campfire store's schema, for the shared migration runner. */
export const campfireStoreSchema: SqliteSchema = {
  name: 'campfire store',
  tooNewCode: 'store_too_new',
  migrations: storeMigrations,
  applicationId: sqliteFileKinds['campfire store'],
  tables: ['identities', 'campfires', 'messages'],
};
