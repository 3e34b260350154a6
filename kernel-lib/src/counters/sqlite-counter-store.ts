import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrateSqlite, openSqliteFile } from '../sqlite';
import { counterTake, windowBounds, type CounterStore, type CounterTake, type CounterWindow } from './counter-store';
import { counterSchema } from './counter-migrations';

/**
 * Counts in a SQLite file, by default the one the run log or campfire store already
 * writes. A take is one `BEGIN IMMEDIATE` transaction: it holds the file's write lock from
 * before it reads the count until it has written it, so processes sharing the file
 * cannot both see room for the last unit.
 * @example const counters = SqliteCounterStore.open('torch_log.db');
 */
export class SqliteCounterStore implements CounterStore {
  private readonly takeInWindow: (key: string, windowStart: number, limit: number) => { taken: boolean; count: number };
  private readonly giveBack: Database.Statement;
  private readonly read: Database.Statement;
  /** Whether `close` closes the connection: only one this store opened itself. */
  private owned = false;

  /** Uses a connection another store owns (`runLog.database`); `close` leaves it open. */
  constructor(private readonly db: Database.Database) {
    migrateSqlite(db, db.name, counterSchema);
    const prune = db.prepare('DELETE FROM counter_windows WHERE key = ? AND window_start < ?');
    const current = db.prepare('SELECT count FROM counter_windows WHERE key = ? AND window_start = ?');
    const add = db.prepare(
      'INSERT INTO counter_windows (key, window_start, count) VALUES (?, ?, 1) ON CONFLICT(key, window_start) DO UPDATE SET count = count + 1 RETURNING count',
    );
    const take = db.transaction((key: string, windowStart: number, limit: number) => {
      prune.run(key, windowStart);
      const used = (current.get(key, windowStart) as { count: number } | undefined)?.count ?? 0;
      if (used >= limit) return { taken: false, count: used };
      return { taken: true, count: (add.get(key, windowStart) as { count: number }).count };
    });
    this.takeInWindow = (key, windowStart, limit) => take.immediate(key, windowStart, limit);
    this.giveBack = db.prepare('UPDATE counter_windows SET count = count - 1 WHERE key = ? AND window_start = ? AND count > 0');
    this.read = current;
  }

  /** Opens its own connection to the file at `path` (created when missing; WAL, so other processes share it). */
  static open(path: string): SqliteCounterStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = openSqliteFile(path, counterSchema);
    db.pragma('busy_timeout = 10000');
    if (path !== ':memory:') db.pragma('journal_mode = WAL');
    const store = new SqliteCounterStore(db);
    store.owned = true;
    return store;
  }

  async take(key: string, window: CounterWindow): Promise<CounterTake> {
    const { windowStart, windowEnd } = windowBounds(window.windowMs, window.now);
    const { taken, count } = this.takeInWindow(key, windowStart, window.limit);
    return counterTake({ taken, count, limit: window.limit, windowStart, windowEnd, now: window.now }, async () => {
      if (this.db.open) this.giveBack.run(key, windowStart);
    });
  }

  async count(key: string, window: Omit<CounterWindow, 'limit'>): Promise<number> {
    const row = this.read.get(key, windowBounds(window.windowMs, window.now).windowStart) as { count: number } | undefined;
    return row?.count ?? 0;
  }

  async close(): Promise<void> {
    if (this.owned && this.db.open) this.db.close();
  }
}
