import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { CampfiresError, NotFoundError, ValidationError, newId, parseJson, validate, cutText } from '../core';
import { runStatusSchema } from '../display';
import { jsonValueSchema, type JsonValue } from '../messages';
import { migrateSqlite, openSqliteFile, schemaVersion } from '../sqlite';
import { runLogSchema } from './migrations';
import type { MimeBundle } from '../display';
import type { CampfireState, CampfireStatus, CampfireStatusInit, RunEvent, RunEventInit, RunEventQuery, RunInfo, RunLog } from './run-log';
import { currentOwner, ownerGone, parseOwner } from './run-owner';
import { runLogBundle, runLogSummary, showRunLog } from './run-log-view';

/** Rows per multi-row INSERT when appending many events. */
const INSERT_CHUNK = 64;

/** A run on another host whose heartbeat is older than this is taken as interrupted. */
export const RUN_HEARTBEAT_LEASE_MS = 120_000;

/** The default run log file name, as in the Campfires document. */
export const DEFAULT_RUN_LOG_PATH = 'torch_log.db';

const metaSchema = z.record(z.string(), jsonValueSchema);

/** The path of the first number JSON.parse turned into Infinity (too large for a double), or null. */
function infiniteAt(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || '(root)';
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = infiniteAt(item, path ? `${path}.${key}` : key);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A JSON column read back. Whatever JSON.parse returns is a JSON value but for a number too
 * large for a double, so no schema is run over it: only that, and the top-level shape for a
 * record column, are checked.
 */
function jsonColumn<T>(schema: z.ZodType<T>, text: string, what: string, record: boolean): T {
  const value = parseJson(text, what);
  const infinite = infiniteAt(value, '');
  if (infinite !== null) {
    throw new ValidationError({
      code: 'validation_failed',
      message: `${what} is not valid: ${infinite} is a number too large for a double (allowed: finite numbers)`,
      issues: [{ field: infinite, message: 'number too large for a double', given: cutText(text, { characters: 80 }, ''), allowed: 'finite numbers' }],
    });
  }
  return record && (value === null || typeof value !== 'object' || Array.isArray(value)) ? validate(schema, value, { what }) : (value as T);
}

interface RunRow {
  id: string;
  kind: string;
  name: string;
  status: string;
  started_at: number;
  ended_at: number | null;
  meta: string;
  owner: string | null;
  heartbeat_at: number | null;
}

interface StatusRow {
  campfire: string;
  status: string;
  cycle: number;
  torchbearer: string | null;
  since: number;
}

interface EventRow {
  seq: number;
  run_id: string;
  ts: number;
  kind: string;
  campfire: string | null;
  camper: string | null;
  channel: string | null;
  message_id: string | null;
  data: string;
}

/**
 * The run log in a SQLite file (WAL mode, so several processes can append at once).
 * @example const log = SqliteRunLog.open('torch_log.db');
 */
export class SqliteRunLog implements RunLog {
  readonly path: string;
  private readonly db: Database.Database;
  /** Prepared statements by their SQL: preparing costs more than running most of them. */
  private readonly statements = new Map<string, Database.Statement>();
  private readonly inserts = new Map<number, Database.Statement>();
  /** Runs seen to exist: events may be appended to them. */
  private readonly knownRuns = new Set<string>();
  /** `insertEvents` in a transaction, built once rather than per append. */
  private readonly writeEvents: (runId: string, items: RunEventInit[]) => RunEvent[];

  private constructor(path: string) {
    this.path = path;
    this.db = openSqliteFile(path, runLogSchema);
    this.db.pragma('busy_timeout = 10000');
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Checkpoint the WAL every ~40 MB rather than every ~4 MB: appends are the hot path and
    // the run log's tail pages are rewritten by every batch; crash safety does not change.
    this.db.pragma('wal_autocheckpoint = 10000');
    // The events table declares run_id REFERENCES runs(id); `appendMany` checks it once per
    // run instead of SQLite checking it on every row (foreign_keys stays off: the hot path).
    migrateSqlite(this.db, path, runLogSchema);
    this.writeEvents = this.db.transaction((runId: string, items: RunEventInit[]) => this.insertEvents(runId, items));
    this.writeStatuses = this.db.transaction((runId: string, statuses: readonly CampfireStatusInit[]) => {
      const upsert = this.statement(
        'INSERT INTO campfire_status (run_id, campfire, status, cycle, torchbearer, since) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, campfire) DO UPDATE SET status = excluded.status, cycle = excluded.cycle, torchbearer = excluded.torchbearer, since = excluded.since',
      );
      for (const status of statuses) upsert.run(runId, status.campfire, status.status, status.cycle, status.torchbearer, status.since);
    });
    // On open: runs left `running` by a process that is gone are interrupted.
    this.settleRunning(this.statement("SELECT * FROM runs WHERE status = 'running'").all() as RunRow[]);
  }

  private readonly writeStatuses: (runId: string, statuses: readonly CampfireStatusInit[]) => void;

  /**
   * Marks the runs among `rows` that are `running` but whose owner is gone as `interrupted`,
   * ended at their last event (rows are updated in place). Runs of other hosts are gone
   * once their heartbeat is older than the lease; runs with no owner (older logs) stay.
   */
  private settleRunning(rows: RunRow[]): void {
    for (const row of rows) {
      if (row.status !== 'running') continue;
      const owner = parseOwner(row.owner);
      if (!owner) continue;
      const gone = ownerGone(owner) ?? Date.now() - (row.heartbeat_at ?? row.started_at) > RUN_HEARTBEAT_LEASE_MS;
      if (!gone) continue;
      const last = this.statement('SELECT MAX(ts) AS ts FROM events WHERE run_id = ?').get(row.id) as { ts: number | null };
      const ended = Math.max(row.started_at, last.ts ?? row.heartbeat_at ?? row.started_at);
      const changed = this.statement("UPDATE runs SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'").run(ended, row.id).changes;
      if (changed > 0) {
        row.status = 'interrupted';
        row.ended_at = ended;
      } else {
        Object.assign(row, this.statement('SELECT * FROM runs WHERE id = ?').get(row.id) as RunRow);
      }
    }
  }

  /** Opens (creating and migrating when needed) the run log at `path`; `:memory:` for a throwaway one. */
  static open(path: string = DEFAULT_RUN_LOG_PATH): SqliteRunLog {
    return new SqliteRunLog(path);
  }

  /** The schema version this file is at. */
  get schemaVersion(): number {
    return schemaVersion(this.db, runLogSchema);
  }

  /** The underlying connection, for modules that keep their own tables in the same file (the counter store). */
  get database(): Database.Database {
    return this.db;
  }

  startRun(init: { kind: string; name: string; meta?: { [key: string]: JsonValue }; id?: string; ts?: number }): RunInfo {
    const id = init.id ?? newId('run');
    const meta = JSON.stringify(validate(metaSchema, init.meta ?? {}, { what: 'run meta', field: 'meta' }));
    const ts = init.ts ?? Date.now();
    this.statement('INSERT INTO runs (id, kind, name, status, started_at, meta, owner, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, init.kind, init.name, 'running', ts, meta, JSON.stringify(currentOwner()), Date.now());
    this.knownRuns.add(id);
    return this.run(id);
  }

  endRun(runId: string, status: RunInfo['status'], ts = Date.now()): RunInfo {
    const result = this.statement('UPDATE runs SET status = ?, ended_at = ? WHERE id = ?').run(validate(runStatusSchema, status, { what: `status of run ${runId}`, field: 'status' }), ts, runId);
    if (result.changes === 0) throw this.noRun(runId);
    return this.run(runId);
  }

  append(runId: string, event: RunEventInit): RunEvent {
    return this.appendMany(runId, [event])[0] as RunEvent;
  }

  appendMany(runId: string, events: RunEventInit[]): RunEvent[] {
    if (!this.knownRuns.has(runId)) {
      // Runs are never deleted, so one look per run replaces SQLite's foreign-key check on every row.
      if (!this.statement('SELECT 1 FROM runs WHERE id = ?').get(runId)) throw this.noRun(runId);
      this.knownRuns.add(runId);
    }
    return this.writeEvents(runId, events);
  }

  /** The body of `appendMany`'s transaction. */
  private insertEvents(runId: string, items: RunEventInit[]): RunEvent[] {
    const written: RunEvent[] = new Array(items.length);
    // Rows go in chunks of one multi-row INSERT each, parameters bound from one flat array;
    // inside the transaction this process holds the write lock, so a chunk's AUTOINCREMENT
    // seqs are consecutive.
    for (let start = 0; start < items.length; start += INSERT_CHUNK) {
      const end = Math.min(start + INSERT_CHUNK, items.length);
      const parameters: unknown[] = new Array((end - start) * 8);
      let at = 0;
      for (let index = start; index < end; index += 1) {
        const event = items[index] as RunEventInit;
        const item: RunEvent = {
          seq: 0,
          runId,
          ts: event.ts ?? Date.now(),
          kind: event.kind,
          campfire: event.campfire ?? null,
          camper: event.camper ?? null,
          channel: event.channel ?? null,
          messageId: event.messageId ?? null,
          data: event.data === undefined ? null : event.data,
        };
        written[index] = item;
        parameters[at] = runId;
        parameters[at + 1] = item.ts;
        parameters[at + 2] = item.kind;
        parameters[at + 3] = item.campfire;
        parameters[at + 4] = item.camper;
        parameters[at + 5] = item.channel;
        parameters[at + 6] = item.messageId;
        parameters[at + 7] = JSON.stringify(item.data);
        at += 8;
      }
      const last = Number(this.insertStatement(end - start).run(parameters).lastInsertRowid);
      for (let index = start; index < end; index += 1) (written[index] as RunEvent).seq = last - end + 1 + index;
    }
    return written;
  }

  /** A cached INSERT of `rows` events at once. */
  private insertStatement(rows: number): Database.Statement {
    let statement = this.inserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = this.db.prepare(`INSERT INTO events (run_id, ts, kind, campfire, camper, channel, message_id, data) VALUES ${values}`);
      this.inserts.set(rows, statement);
    }
    return statement;
  }

  /** The prepared statement of `sql`, prepared once per connection. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // Queries are made from a few fixed shapes; the bound only guards against unusual callers.
      if (this.statements.size >= 500) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  run(runId: string): RunInfo {
    const row = this.statement('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined;
    if (!row) throw this.noRun(runId);
    this.settleRunning([row]);
    return this.toRun(row);
  }

  heartbeat(runId: string, ts = Date.now()): void {
    this.statement('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(ts, runId);
  }

  setCampfireStatus(runId: string, statuses: readonly CampfireStatusInit[]): void {
    if (statuses.length === 0) return;
    if (!this.knownRuns.has(runId)) {
      if (!this.statement('SELECT 1 FROM runs WHERE id = ?').get(runId)) throw this.noRun(runId);
      this.knownRuns.add(runId);
    }
    this.writeStatuses(runId, statuses);
  }

  campfireStatus(runId: string): CampfireStatus[] {
    const run = this.run(runId);
    const rows = this.statement('SELECT campfire, status, cycle, torchbearer, since FROM campfire_status WHERE run_id = ?').all(runId) as StatusRow[];
    const stored = new Map(rows.map((row) => [row.campfire, row]));
    const described = Array.isArray(run.meta.campfires) ? run.meta.campfires : [];
    const names = described.map((item) => (item && typeof item === 'object' && !Array.isArray(item) ? item.name : null)).filter((name): name is string => typeof name === 'string');
    for (const row of rows) if (!names.includes(row.campfire)) names.push(row.campfire);
    return names.map((campfire) => {
      const row = stored.get(campfire);
      if (!row) return { campfire, status: 'idle', cycle: 0, torchbearer: null, since: run.startedAt };
      // A campfire caught mid-cycle by its run's end was cut off with it.
      const status = (row.status === 'active' && run.status !== 'running' ? 'interrupted' : row.status) as CampfireState;
      return { campfire, status, cycle: row.cycle, torchbearer: row.torchbearer, since: row.status === 'active' && run.status !== 'running' ? (run.endedAt ?? row.since) : row.since };
    });
  }

  runs(filter: { kind?: string; name?: string } = {}): RunInfo[] {
    const rows = this
      .statement('SELECT * FROM runs WHERE (@kind IS NULL OR kind = @kind) AND (@name IS NULL OR name = @name) ORDER BY started_at, rowid')
      .all({ kind: filter.kind ?? null, name: filter.name ?? null }) as RunRow[];
    this.settleRunning(rows);
    return rows.map((row) => this.toRun(row));
  }

  events(runId: string, query: RunEventQuery = {}): RunEvent[] {
    const kinds = query.kinds ?? [];
    const kindFilter = kinds.length > 0 ? `AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const campfireFilter = query.campfire === undefined ? '' : 'AND campfire = ?';
    const parameters: unknown[] = [runId, query.afterSeq ?? 0, ...kinds];
    if (query.campfire !== undefined) parameters.push(query.campfire);
    parameters.push(query.limit ?? -1);
    const rows = this
      .statement(`SELECT * FROM events WHERE run_id = ? AND seq > ? ${kindFilter} ${campfireFilter} ORDER BY seq LIMIT ?`)
      .all(...parameters) as EventRow[];
    return rows.map((row) => ({
      seq: row.seq,
      runId: row.run_id,
      ts: row.ts,
      kind: row.kind,
      campfire: row.campfire,
      camper: row.camper,
      channel: row.channel,
      messageId: row.message_id,
      data: jsonColumn(jsonValueSchema, row.data, `run log event ${row.seq} data`, false),
    }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    return this.db.open ? runLogSummary(this, this.schemaVersion) : `SqliteRunLog ${this.path} (closed)`;
  }

  /** The newest runs as an HTML table and text. */
  toMimeBundle(): MimeBundle {
    return runLogBundle(this, this.schemaVersion);
  }

  /** Displays the newest runs in the notebook. */
  show(): Promise<void> {
    return showRunLog(this, this.schemaVersion);
  }

  private toRun(row: RunRow): RunInfo {
    return {
      id: row.id,
      kind: row.kind,
      name: row.name,
      status: runStatusSchema.parse(row.status),
      startedAt: row.started_at,
      endedAt: row.ended_at,
      meta: jsonColumn(metaSchema, row.meta, `run ${row.id} meta`, true),
    };
  }

  private noRun(runId: string): NotFoundError {
    return new NotFoundError({ code: 'run_not_found', message: `no run "${runId}" in run log ${this.path}`, details: { runId, path: this.path } });
  }
}
