/**
 * A Kysely dialect over the `sqlite3` npm package (node-sqlite3, asynchronous API).
 *
 * Kysely 0.28 ships a SQLite dialect only for better-sqlite3's synchronous API. This one reuses
 * Kysely's SqliteAdapter, SqliteQueryCompiler and SqliteIntrospector and adds a driver whose one
 * connection runs each compiled query through sqlite3's `all` (queries that return rows: SELECT,
 * PRAGMA, RETURNING) or `run` (everything else, reporting `this.changes` / `this.lastID`). A mutex
 * lets one Kysely connection (hence one transaction) at a time use the database, as Kysely's own
 * SqliteDriver does. Transactions begin with `BEGIN IMMEDIATE`, so that a writer takes the write
 * lock up front and waits on `busy_timeout` instead of failing with SQLITE_BUSY on a read→write
 * upgrade when another process writes the same file.
 *
 * Values: sqlite3 binds a JS BigInt as NULL, so BigInt parameters are converted to numbers here
 * (an error if outside ±2^53). NaN is stored as NULL by SQLite; ±Infinity round-trips.
 */
import sqlite3 from 'sqlite3';
import {
  CompiledQuery,
  DeleteQueryNode,
  InsertQueryNode,
  MergeQueryNode,
  RawNode,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  UpdateQueryNode,
} from 'kysely';
import type {
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  RootOperationNode,
} from 'kysely';
import { UserError } from '../../problems/errors.ts';

/** How {@link openSqlite} opens the file. */
export interface OpenSqliteOptions {
  /** Open read-only (the file must exist; `PRAGMA query_only = ON`). Default false. */
  readonly readOnly?: boolean;
  /** Busy timeout in ms (how long a statement waits for another process's lock). Default 10000. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens a SQLite file with sqlite3 and configures it:
 * `busy_timeout = 10000`, `journal_mode = WAL`, `synchronous = NORMAL`, `foreign_keys = ON`
 * (read-only: `busy_timeout`, `foreign_keys`, `query_only`). Reads the schema once, so that a
 * file that is not a SQLite database fails here. Any failure is a UserError:
 * "cannot open results database X: <sqlite message>; pass --db with a writable path".
 */
export async function openSqlite(path: string, options: OpenSqliteOptions = {}): Promise<sqlite3.Database> {
  const readOnly = options.readOnly ?? false;
  const mode = readOnly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
  let db: sqlite3.Database | undefined;
  try {
    db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d: sqlite3.Database = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(d)));
    });
    const pragmas = [`pragma busy_timeout = ${Math.round(options.busyTimeoutMs ?? 10000)}`, 'pragma foreign_keys = ON'];
    if (readOnly) pragmas.push('pragma query_only = ON');
    else pragmas.push('pragma journal_mode = WAL', 'pragma synchronous = NORMAL');
    // Switching a fresh file to WAL can answer SQLITE_BUSY at once (without the busy handler)
    // while another connection is creating it: retry with a short back-off, up to the timeout.
    const deadline = Date.now() + (options.busyTimeoutMs ?? 10000);
    for (const p of pragmas) {
      for (let attempt = 0; ; attempt++) {
        try {
          await all(db, p, []);
          break;
        } catch (e) {
          if (!/SQLITE_BUSY/.test(String(e)) || Date.now() > deadline) throw e;
          await new Promise((r) => setTimeout(r, Math.min(5 * 2 ** attempt, 200)));
        }
      }
    }
    // Touch the file header: a file that is not a database fails here (SQLITE_NOTADB).
    await all(db, 'select count(*) as n from sqlite_master', []);
    return db;
  } catch (e) {
    if (db) await closeQuietly(db);
    const reason = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
    throw new UserError(`cannot open results database ${path}: ${reason}; pass --db with a writable path`);
  }
}

/** Configuration of {@link Sqlite3Dialect}. */
export interface Sqlite3DialectConfig {
  /** An open sqlite3 database (see {@link openSqlite}), or a function that opens one on first use. */
  readonly database: sqlite3.Database | (() => Promise<sqlite3.Database>);
  /** Called once with the connection after the database is opened. */
  readonly onCreateConnection?: (connection: DatabaseConnection) => Promise<void>;
  /** Path of the file, for messages: SQLite failures that need the user (corrupt, full, read-only) become one-line UserErrors naming it. */
  readonly path?: string;
}

/**
 * SQLite result codes that are the user's to fix, as one-line messages naming the file and the
 * fix; anything else (a bug) is left as it is.
 */
export function sqliteUserError(e: unknown, path: string): UserError | null {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  switch (code) {
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return new UserError(`database ${path} is corrupt (${code}); restore it or choose another --db`);
    case 'SQLITE_FULL':
      return new UserError(`disk full while writing ${path} (SQLITE_FULL); free space on its file system or choose another --db on another disk`);
    case 'SQLITE_IOERR':
      return new UserError(`I/O error on ${path} (SQLITE_IOERR: ${(e as Error).message}); check the disk or choose another --db`);
    case 'SQLITE_READONLY':
      return new UserError(`database ${path} is read-only (SQLITE_READONLY); make it writable or choose another --db`);
    case 'SQLITE_CANTOPEN':
      return new UserError(`cannot open database ${path} (SQLITE_CANTOPEN); check the path or choose another --db`);
    default:
      return null;
  }
}

/** Kysely dialect for the `sqlite3` package. */
export class Sqlite3Dialect implements Dialect {
  readonly #config: Sqlite3DialectConfig;
  constructor(config: Sqlite3DialectConfig) {
    this.#config = { ...config };
  }
  createDriver(): Driver {
    return new Sqlite3Driver(this.#config);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new Sqlite3Adapter();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/**
 * SQLite runs DDL inside transactions, so migrations can be all-or-nothing (Kysely's
 * SqliteAdapter says false only to be conservative).
 */
class Sqlite3Adapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** One connection behind a mutex: SQLite has one writer, and sqlite3 one handle. */
class Sqlite3Driver implements Driver {
  readonly #config: Sqlite3DialectConfig;
  readonly #mutex = new ConnectionMutex();
  #db: sqlite3.Database | undefined;
  #connection: Sqlite3Connection | undefined;

  constructor(config: Sqlite3DialectConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {
    const { database } = this.#config;
    this.#db = typeof database === 'function' ? await database() : database;
    this.#connection = new Sqlite3Connection(this.#db, this.#config.path ?? null);
    if (this.#config.onCreateConnection) await this.#config.onCreateConnection(this.#connection);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    if (!this.#connection) {
      this.#mutex.unlock();
      throw new Error('sqlite3 driver: acquireConnection before init or after destroy');
    }
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (e) {
      // SQLite already rolled back on its own (SQLITE_FULL, SQLITE_IOERR, …): the statement's own
      // error, which Kysely rethrows, is the one that says what happened.
      if (!/no transaction is active/.test(String(e))) throw e;
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`));
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async destroy(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#connection = undefined;
    if (db) {
      await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
    }
  }
}

class Sqlite3Connection implements DatabaseConnection {
  readonly #db: sqlite3.Database;
  readonly #path: string | null;
  constructor(db: sqlite3.Database, path: string | null) {
    this.#db = db;
    this.#path = path;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.#execute<R>(compiledQuery);
    } catch (e) {
      throw (this.#path !== null ? sqliteUserError(e, this.#path) : null) ?? e;
    }
  }

  async #execute<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, query } = compiledQuery;
    const parameters = bindable(compiledQuery.parameters);
    if (returnsRows(query, sql)) {
      return { rows: await all<R>(this.#db, sql, parameters) };
    }
    const { changes, lastID } = await run(this.#db, sql, parameters);
    return {
      numAffectedRows: BigInt(changes),
      insertId: BigInt(lastID),
      rows: [],
    };
  }

  /** Streams rows by stepping a prepared statement (`Statement#get` returns the next row). */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 100): AsyncIterableIterator<QueryResult<R>> {
    const { sql, query } = compiledQuery;
    if (!returnsRows(query, sql)) throw new Error('sqlite3 driver: only queries that return rows can be streamed');
    const stmt = await prepare(this.#db, sql, bindable(compiledQuery.parameters));
    try {
      const size = Math.max(1, Math.floor(chunkSize));
      let rows: R[] = [];
      for (;;) {
        const row = await stepRow<R>(stmt);
        if (row === undefined) break;
        rows.push(row);
        if (rows.length >= size) {
          yield { rows };
          rows = [];
        }
      }
      if (rows.length > 0) yield { rows };
    } finally {
      await new Promise<void>((resolve) => stmt.finalize(() => resolve()));
    }
  }
}

/** Whether a compiled query returns rows (→ `all`) or not (→ `run`). */
function returnsRows(query: RootOperationNode, sql: string): boolean {
  if (SelectQueryNode.is(query)) return true;
  if (InsertQueryNode.is(query) || UpdateQueryNode.is(query) || DeleteQueryNode.is(query)) {
    return query.returning !== undefined;
  }
  if (MergeQueryNode.is(query)) return query.returning !== undefined;
  if (RawNode.is(query)) return rawReturnsRows(sql);
  return false;
}

/** Raw SQL: leading keyword select/with/pragma/values/explain, or a RETURNING clause. */
function rawReturnsRows(sql: string): boolean {
  const body = sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  return /^(select|with|pragma|values|explain)\b/i.test(body) || /\breturning\b/i.test(body);
}

/** sqlite3 parameters: BigInt → number (sqlite3 would bind a BigInt as NULL). */
function bindable(parameters: readonly unknown[]): unknown[] {
  return parameters.map((v) => {
    if (typeof v !== 'bigint') return v;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError(`sqlite3 driver: BigInt parameter ${v} is outside ±2^53 and cannot be bound exactly`);
    }
    return Number(v);
  });
}

function all<R>(db: sqlite3.Database, sql: string, params: unknown[]): Promise<R[]> {
  return new Promise((resolve, reject) => {
    db.all<R>(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)));
  });
}

function run(db: sqlite3.Database, sql: string, params: unknown[]): Promise<{ changes: number; lastID: number }> {
  return new Promise((resolve, reject) => {
    db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
      if (err) reject(err);
      else resolve({ changes: this.changes, lastID: this.lastID });
    });
  });
}

function prepare(db: sqlite3.Database, sql: string, params: unknown[]): Promise<sqlite3.Statement> {
  return new Promise((resolve, reject) => {
    const stmt: sqlite3.Statement = db.prepare(sql, params, (err: Error | null) => (err ? reject(err) : resolve(stmt)));
  });
}

function stepRow<R>(stmt: sqlite3.Statement): Promise<R | undefined> {
  return new Promise((resolve, reject) => {
    stmt.get<R>((err, row) => (err ? reject(err) : resolve(row)));
  });
}

function closeQuietly(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Kysely's SqliteDriver mutex: waiters loop until the single connection is free. */
class ConnectionMutex {
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  async lock(): Promise<void> {
    while (this.#promise) await this.#promise;
    this.#promise = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  unlock(): void {
    const resolve = this.#resolve;
    this.#promise = undefined;
    this.#resolve = undefined;
    resolve?.();
  }
}
