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
];
