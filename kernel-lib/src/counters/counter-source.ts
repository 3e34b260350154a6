import type Database from 'better-sqlite3';
import type { CounterStore } from './counter-store';
import { MemoryCounterStore } from './memory-counter-store';
import { SqliteCounterStore } from './sqlite-counter-store';

/** A store that keeps a SQLite file open (the run log, the campfire store): its counts go in that file. */
export interface SqliteFileOwner {
  readonly database: Database.Database;
}

/** Where counts are kept: a `CounterStore`, or a run log or campfire store whose file keeps them. */
export type CounterSource = CounterStore | SqliteFileOwner;

/** One counter store per open connection, so every limiter on a run log shares it. */
const storesByConnection = new WeakMap<Database.Database, SqliteCounterStore>();

/**
 * The counter store behind `source`: the store itself, a `SqliteCounterStore` in the file of
 * a run log or campfire store, or (when nothing is given) counts kept in memory.
 */
export function counterStoreOf(source?: CounterSource): CounterStore {
  if (source === undefined) return new MemoryCounterStore();
  if ('take' in source) return source;
  let store = storesByConnection.get(source.database);
  if (!store) {
    store = new SqliteCounterStore(source.database);
    storesByConnection.set(source.database, store);
  }
  return store;
}
