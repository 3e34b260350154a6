import { sqliteFileKinds, type SqliteSchema } from '../sqlite';

/**
 * Numbered schema migrations of the run log; `PRAGMA user_version` records the last
 * applied. Append new ones at the end; never edit one that has shipped.
 */
export const migrations: readonly string[] = [
  // 1: runs, events, counters
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    meta TEXT NOT NULL DEFAULT '{}'
  );
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id),
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    campfire TEXT,
    camper TEXT,
    channel TEXT,
    message_id TEXT,
    data TEXT NOT NULL DEFAULT 'null'
  );
  CREATE INDEX events_run ON events(run_id, seq);
  CREATE INDEX events_kind ON events(run_id, kind);
  CREATE TABLE counters (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
  );
  `,
  // 2: appends are the hot path and every index costs each row; (run_id, seq) already
  // serves every read of a run, so the kind index only slowed writes.
  `
  DROP INDEX IF EXISTS events_kind;
  `,
  // 3: the run log is runs and events only. Rate-limit counts move to the counter store's
  // table in the same file (the counter store opens it by default), so a day's count
  // survives the upgrade.
  `
  CREATE TABLE IF NOT EXISTS counter_windows (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
  );
  INSERT INTO counter_windows (key, window_start, count)
    SELECT key, window_start, count FROM counters WHERE true
    ON CONFLICT(key, window_start) DO UPDATE SET count = counter_windows.count + excluded.count;
  DROP TABLE counters;
  `,
  // 4: a run knows its owning process (so a run whose process died shows as interrupted),
  // and each campfire of a live run its status and torchbearer now.
  `
  ALTER TABLE runs ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
  CREATE TABLE campfire_status (
    run_id TEXT NOT NULL,
    campfire TEXT NOT NULL,
    status TEXT NOT NULL,
    cycle INTEGER NOT NULL,
    torchbearer TEXT,
    since INTEGER NOT NULL,
    PRIMARY KEY (run_id, campfire)
  ) WITHOUT ROWID;
  `,
];

/** The run log's schema, for the shared migration runner. */
export const runLogSchema: SqliteSchema = { name: 'run log', tooNewCode: 'runlog_too_new', migrations, applicationId: sqliteFileKinds['run log'], tables: ['runs', 'events'] };
