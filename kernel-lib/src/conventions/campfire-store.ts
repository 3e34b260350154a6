import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { NotFoundError, ValidationError, parseJson, validate } from '../core';
import { channelNameSchema, generateSigningKeys, jsonValueSchema, messageSchema, type Message, type SigningKeys } from '../messages';
import { migrateSqlite, openSqliteFile } from '../sqlite';
import { campfireStoreSchema } from './store-migrations';

/** A named signing identity kept in the store. */
export interface IdentityRecord extends SigningKeys {
  name: string;
}

/** A campfire: its id is its public key; `privateKey` is set only where its operator keeps it. */
export interface CampfireRecord {
  id: string;
  name: string;
  publicKey: string;
  privateKey: string | null;
  createdAt: number;
}

/** A member of a campfire and its operator (provenance) level, 0 = unverified. */
export interface MemberRecord {
  campfireId: string;
  publicKey: string;
  label: string;
  operatorLevel: number;
  joinedAt: number;
}

/** A stored message and its position in the store. */
export interface StoredMessage {
  seq: number;
  message: Message;
}

/** Filters for reading messages back. */
export interface MessageQuery {
  channel?: string;
  afterSeq?: number;
  /** Any of these tags (case-insensitive). */
  tags?: string[];
  sender?: string;
  limit?: number;
  /** Newest first (then `limit` keeps the newest). */
  newestFirst?: boolean;
}

/** Where the store lives unless told: `$CAMPFIRES_HOME/store.db`, else `~/.campfires/store.db`. */
export function defaultStorePath(environment: NodeJS.ProcessEnv = process.env): string {
  return join(environment.CAMPFIRES_HOME || join(homedir(), '.campfires'), 'store.db');
}

const openStores = new Map<string, CampfireStore>();
const tagsSchema = z.array(z.string());

/**
 * The SQLite store of campfires, identities, members and messages; convention rate-limit
 * counts are kept in the same file by default (a `SqliteCounterStore` on `database`).
 * One instance per file per process, so every executor in the process shares one connection;
 * several processes may share the file (WAL), which is how separate `cf` commands talk.
 * @example const store = CampfireStore.open(); const me = store.identity();
 */
export class CampfireStore {
  readonly path: string;
  private readonly db: Database.Database;

  private constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = openSqliteFile(path, campfireStoreSchema);
    this.db.pragma('busy_timeout = 10000');
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    migrateSqlite(this.db, path, campfireStoreSchema);
  }

  /** The underlying connection, for modules that keep their own tables in the same file (the counter store). */
  get database(): Database.Database {
    return this.db;
  }

  /** Opens (or returns this process's already open) store at `path`, default `defaultStorePath()`. */
  static open(path: string = defaultStorePath()): CampfireStore {
    const key = path === ':memory:' ? `:memory:${openStores.size}:${Math.random()}` : resolve(path);
    const existing = openStores.get(key);
    if (existing && existing.db.open) return existing;
    const store = new CampfireStore(path === ':memory:' ? path : key);
    openStores.set(key, store);
    return store;
  }

  /** The identity called `name`, created with fresh keys on first use. */
  identity(name = 'default'): IdentityRecord {
    const row = this.db.prepare('SELECT name, public_key, private_key FROM identities WHERE name = ?').get(name) as { name: string; public_key: string; private_key: string } | undefined;
    if (row) return { name: row.name, publicKey: row.public_key, privateKey: row.private_key };
    const keys = generateSigningKeys();
    this.db.prepare('INSERT OR IGNORE INTO identities (name, public_key, private_key, created_at) VALUES (?, ?, ?, ?)').run(name, keys.publicKey, keys.privateKey, Date.now());
    return this.identity(name);
  }

  /** Creates a campfire with a fresh key; `creator` becomes its first member at operator level 3. */
  createCampfire(name: string, creator: IdentityRecord): CampfireRecord {
    validate(channelNameSchema, name, { what: 'campfire name', field: 'name', code: 'campfire_name_invalid' });
    if (this.findCampfire(name)) {
      throw new ValidationError({ code: 'campfire_exists', message: `a campfire named "${name}" already exists in ${this.path}`, issues: [{ field: 'name', message: 'already exists', given: name }] });
    }
    const keys = generateSigningKeys();
    this.db.prepare('INSERT INTO campfires (id, name, public_key, private_key, created_at) VALUES (?, ?, ?, ?, ?)').run(keys.publicKey, name, keys.publicKey, keys.privateKey, Date.now());
    this.addMember(keys.publicKey, creator.publicKey, { label: creator.name, operatorLevel: 3 });
    return this.campfire(name);
  }

  /** The campfire with this id or name, or null. */
  findCampfire(idOrName: string): CampfireRecord | null {
    const row = this.db.prepare('SELECT * FROM campfires WHERE id = ? OR name = ?').get(idOrName.toLowerCase(), idOrName) as CampfireRow | undefined;
    return row ? toCampfire(row) : null;
  }

  /** The campfire with this id or name; a `NotFoundError` lists the known ones. */
  campfire(idOrName: string): CampfireRecord {
    const found = this.findCampfire(idOrName);
    if (found) return found;
    const known = this.campfires().map((campfire) => campfire.name);
    throw new NotFoundError({
      code: 'campfire_not_found',
      message: `no campfire "${idOrName}" in ${this.path}; known: ${known.join(', ') || 'none (create one with `cf create NAME`)'}`,
      details: { campfire: idOrName, known },
    });
  }

  /** Every campfire in the store, oldest first. */
  campfires(): CampfireRecord[] {
    return (this.db.prepare('SELECT * FROM campfires ORDER BY created_at, rowid').all() as CampfireRow[]).map(toCampfire);
  }

  /** Adds (or updates) a member of a campfire. */
  addMember(campfireId: string, publicKey: string, options: { label?: string; operatorLevel?: number } = {}): MemberRecord {
    this.db
      .prepare(
        `INSERT INTO members (campfire_id, public_key, label, operator_level, joined_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(campfire_id, public_key) DO UPDATE SET label = excluded.label, operator_level = MAX(operator_level, excluded.operator_level)`,
      )
      .run(campfireId, publicKey.toLowerCase(), options.label ?? '', options.operatorLevel ?? 0, Date.now());
    return this.member(campfireId, publicKey) as MemberRecord;
  }

  /** Sets a member's operator level (what `min_operator_level` compares against). */
  setOperatorLevel(campfireId: string, publicKey: string, level: number): void {
    this.db.prepare('UPDATE members SET operator_level = ? WHERE campfire_id = ? AND public_key = ?').run(level, campfireId, publicKey.toLowerCase());
  }

  /** The member record, or null when `publicKey` is not a member. */
  member(campfireId: string, publicKey: string): MemberRecord | null {
    const row = this.db.prepare('SELECT * FROM members WHERE campfire_id = ? AND public_key = ?').get(campfireId, publicKey.toLowerCase()) as MemberRow | undefined;
    return row ? { campfireId: row.campfire_id, publicKey: row.public_key, label: row.label, operatorLevel: row.operator_level, joinedAt: row.joined_at } : null;
  }

  /** Every member of a campfire. */
  members(campfireId: string): MemberRecord[] {
    const rows = this.db.prepare('SELECT * FROM members WHERE campfire_id = ? ORDER BY joined_at, rowid').all(campfireId) as MemberRow[];
    return rows.map((row) => ({ campfireId: row.campfire_id, publicKey: row.public_key, label: row.label, operatorLevel: row.operator_level, joinedAt: row.joined_at }));
  }

  /** Stores a message once (a second save of the same id is ignored); returns its seq. */
  saveMessage(message: Message): number {
    const checked = messageSchema.parse(message);
    const info = this.db
      .prepare('INSERT OR IGNORE INTO messages (id, channel, sender, tags, payload, antecedents, signature, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(checked.id, checked.channel, checked.sender, JSON.stringify(checked.tags), JSON.stringify(checked.payload), JSON.stringify(checked.antecedents), checked.signature, checked.ts);
    if (info.changes > 0) return Number(info.lastInsertRowid);
    return (this.db.prepare('SELECT seq FROM messages WHERE id = ?').get(checked.id) as { seq: number }).seq;
  }

  /** Reads messages in store order, filtered. */
  messages(query: MessageQuery = {}): StoredMessage[] {
    const where: string[] = ['seq > ?'];
    const parameters: unknown[] = [query.afterSeq ?? 0];
    if (query.channel !== undefined) (where.push('channel = ?'), parameters.push(query.channel));
    if (query.sender !== undefined) (where.push('sender = ?'), parameters.push(query.sender.toLowerCase()));
    if (query.tags && query.tags.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM json_each(messages.tags) WHERE lower(json_each.value) IN (${query.tags.map(() => '?').join(', ')}))`);
      parameters.push(...query.tags.map((tag) => tag.toLowerCase()));
    }
    parameters.push(query.limit ?? -1);
    const order = query.newestFirst ? 'DESC' : 'ASC';
    const rows = this.db.prepare(`SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${order} LIMIT ?`).all(...parameters) as MessageRow[];
    return rows.map((row) => ({ seq: row.seq, message: toMessage(row) }));
  }

  /** One message by id, or null. */
  message(id: string): Message | null {
    const row = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    return row ? toMessage(row) : null;
  }

  /** The highest message seq so far (0 when empty). */
  lastSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM messages').get() as { seq: number }).seq;
  }

  /** Closes the file; the next `open` of the same path reopens it. */
  close(): void {
    if (this.db.open) this.db.close();
    for (const [key, store] of openStores) if (store === this) openStores.delete(key);
  }

  [inspect.custom](): string {
    return this.db.open ? `CampfireStore ${this.path} (${this.campfires().length} campfires, ${this.lastSeq()} messages)` : `CampfireStore ${this.path} (closed)`;
  }
}

interface CampfireRow {
  id: string;
  name: string;
  public_key: string;
  private_key: string | null;
  created_at: number;
}
interface MemberRow {
  campfire_id: string;
  public_key: string;
  label: string;
  operator_level: number;
  joined_at: number;
}
interface MessageRow {
  seq: number;
  id: string;
  channel: string;
  sender: string;
  tags: string;
  payload: string;
  antecedents: string;
  signature: string | null;
  ts: number;
}

function toCampfire(row: CampfireRow): CampfireRecord {
  return { id: row.id, name: row.name, publicKey: row.public_key, privateKey: row.private_key, createdAt: row.created_at };
}

function toMessage(row: MessageRow): Message {
  const what = `stored message ${row.id}`;
  return {
    id: row.id,
    channel: row.channel,
    sender: row.sender,
    tags: validate(tagsSchema, parseJson(row.tags, `${what} tags`), { what }),
    payload: validate(jsonValueSchema, parseJson(row.payload, `${what} payload`), { what }),
    antecedents: validate(tagsSchema, parseJson(row.antecedents, `${what} antecedents`), { what }),
    signature: row.signature,
    ts: row.ts,
  };
}
