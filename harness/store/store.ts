/**
 * The results store: results.db through Kysely over sqlite3.
 *
 * One writer (the main thread of one process) owns the file: {@link openStore} first checks the
 * file is empty or l1bench's own (a foreign SQLite file is refused before a byte is written),
 * takes the cross-process writer lock (lock.ts), then creates/migrates it, stamps it
 * (`PRAGMA application_id` = {@link APPLICATION_ID}, `user_version` = number of migrations) and
 * checks its tables have every column this code writes. A run, its trace and its repetitions are
 * written in ONE transaction, so an interrupted benchmark leaves either the whole run or nothing,
 * and re-running skips the job keys of current runs ({@link Store.finishedKeys}). A job key has at
 * most one current run (a partial unique index); `--force` supersedes the old run (kept as
 * history, current = 0) instead of deleting it. Readers (report, check) use {@link openReadOnly},
 * which never creates, migrates or locks anything.
 */
import { existsSync, statSync } from 'node:fs';
import { Kysely, Migrator, sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { Status } from '../../problems/types.ts';
import { UserError } from '../../problems/errors.ts';
import { openSqlite, Sqlite3Dialect } from './dialect.ts';
import { ListMigrationProvider, MIGRATIONS, SCHEMA_VERSION, TABLE_COLUMNS, TRACE_COLUMNS } from './schema.ts';
import type { DB, NewReference, NewRepetition, NewRun, NewTrace, ReferenceRow, RepetitionRow, RunRow, TraceRow } from './schema.ts';
import { acquireWriterLock, DEFAULT_LOCK_WAIT_SECONDS, type WriterLock } from './lock.ts';
import { median } from '../stats.ts';

/** `PRAGMA application_id` of an l1bench results database: 'L1B\x01' as a big-endian int32. */
export const APPLICATION_ID = 0x4c314201;

/**
 * Most bound variables per statement: SQLite builds before 3.32 allow 999, so multi-row inserts
 * are chunked to stay under it.
 */
export const MAX_VARIABLES = 999;

/** Trace rows per INSERT statement: ⌊999 / 10 columns⌋ = 99. */
const TRACE_ROWS_PER_INSERT = Math.floor(MAX_VARIABLES / TRACE_COLUMNS.length);

/** Exact-match filters on `runs` (all given fields must match; a status list matches any). */
export interface RunFilter {
  readonly jobKey?: string;
  readonly suite?: string;
  readonly family?: string;
  readonly dataset?: string;
  readonly instanceHash?: string;
  readonly solver?: string;
  readonly solverLabel?: string;
  readonly status?: Status | readonly Status[];
  /** Only current runs (true) or only superseded ones (false); default both. */
  readonly current?: boolean;
}

/** Read access to results.db (what reports and the regression check need). */
export class ReadStore {
  constructor(
    /** The typed Kysely handle, for queries the methods below don't cover. */
    readonly db: Kysely<DB>,
    /** Path of the database file. */
    readonly path: string,
  ) {}

  /** Runs matching `filter`, in insertion (id) order. */
  async runs(filter: RunFilter = {}): Promise<RunRow[]> {
    let q = this.db.selectFrom('runs').selectAll();
    if (filter.jobKey !== undefined) q = q.where('job_key', '=', filter.jobKey);
    if (filter.suite !== undefined) q = q.where('suite', '=', filter.suite);
    if (filter.family !== undefined) q = q.where('family', '=', filter.family);
    if (filter.dataset !== undefined) q = q.where('dataset', '=', filter.dataset);
    if (filter.instanceHash !== undefined) q = q.where('instance_hash', '=', filter.instanceHash);
    if (filter.solver !== undefined) q = q.where('solver', '=', filter.solver);
    if (filter.solverLabel !== undefined) q = q.where('solver_label', '=', filter.solverLabel);
    if (filter.current !== undefined) q = q.where('current', '=', filter.current ? 1 : 0);
    if (filter.status !== undefined) {
      const statuses: readonly Status[] = typeof filter.status === 'string' ? [filter.status] : filter.status;
      if (statuses.length === 0) return [];
      q = q.where('status', 'in', statuses);
    }
    return q.orderBy('id').execute();
  }

  /** One run by id. */
  async run(id: number): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The trace of a run, by increasing k. */
  async trace(runId: number): Promise<TraceRow[]> {
    return this.db.selectFrom('trace').selectAll().where('run_id', '=', runId).orderBy('k').execute();
  }

  /** Job keys of every current run, whatever its status. */
  async finishedKeys(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('runs').select('job_key').where('current', '=', 1).execute();
    return new Set(rows.map((r) => r.job_key));
  }

  /** The current run of a job key, if any. */
  async currentRun(jobKey: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('runs').selectAll().where('job_key', '=', jobKey).where('current', '=', 1).executeTakeFirst();
  }

  /** The timed repetitions of a run, by rep. */
  async repetitions(runId: number): Promise<RepetitionRow[]> {
    return this.db.selectFrom('repetition').selectAll().where('run_id', '=', runId).orderBy('rep').execute();
  }

  /** The reference optimum of an instance, if one was stored. */
  async getReference(instanceHash: string): Promise<ReferenceRow | undefined> {
    return this.db.selectFrom('reference').selectAll().where('instance_hash', '=', instanceHash).executeTakeFirst();
  }

  /** `PRAGMA integrity_check`: 'ok', or the problems it found, one per line. */
  async integrityCheck(): Promise<string> {
    const { rows } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(this.db);
    return rows.map((r) => r.integrity_check).join('\n');
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Read-write access: the one writer of results.db (holds the writer lock until close). */
export class Store extends ReadStore {
  constructor(db: Kysely<DB>, path: string, private readonly lock: WriterLock | null = null) {
    super(db, path);
  }

  /**
   * Records a run (as the current run of its key), its trace and its repetitions in one
   * transaction; returns the new run id. If any row fails (a constraint — e.g. the key already
   * has a current run —, a duplicate k), nothing of the run is stored.
   */
  async recordRun(run: NewRun, trace: readonly NewTrace[], repetitions: readonly NewRepetition[] = []): Promise<number> {
    return this.db.transaction().execute((trx) => insertRun(trx, { ...run, current: 1 }, trace, repetitions));
  }

  /**
   * Marks the current run of `run.job_key` (if any) superseded — kept as history, current = 0 —
   * and records `run` as the current one, in one transaction (for `--force`).
   */
  async supersedeRun(run: NewRun, trace: readonly NewTrace[], repetitions: readonly NewRepetition[] = []): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      await trx.updateTable('runs').set({ current: 0 }).where('job_key', '=', run.job_key).where('current', '=', 1).execute();
      return insertRun(trx, { ...run, current: 1 }, trace, repetitions);
    });
  }

  /**
   * Adds timed repetitions to an existing run (an identical `solve` recorded again) and sets the
   * run's solver/wall seconds to the medians over all its repetitions; returns the new count.
   */
  async addRepetitions(runId: number, repetitions: readonly NewRepetition[]): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const have = await trx.selectFrom('repetition').selectAll().where('run_id', '=', runId).orderBy('rep').execute();
      const start = have.length === 0 ? 0 : (have[have.length - 1] as RepetitionRow).rep + 1;
      if (repetitions.length > 0) {
        await trx.insertInto('repetition').values(repetitions.map((r, i) => ({ ...r, run_id: runId, rep: start + i }))).execute();
      }
      const all = [...have, ...repetitions];
      if (all.length > 0) {
        const solver_seconds = median(all.map((r) => r.solver_seconds));
        const wall_seconds = median(all.map((r) => r.wall_seconds));
        await trx.updateTable('runs').set({ solver_seconds, wall_seconds, repeats: all.length }).where('id', '=', runId).execute();
      }
      return all.length;
    });
  }

  /** Closes the database and releases the writer lock. */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.lock?.release();
    }
  }

  /** Stores a reference optimum, replacing any previous one for the same instance hash. */
  async putReference(ref: NewReference): Promise<void> {
    await this.db.insertInto('reference').orReplace().values(ref).execute();
  }
}

async function insertRun(trx: Transaction<DB>, run: NewRun, trace: readonly NewTrace[], repetitions: readonly NewRepetition[]): Promise<number> {
  const { id } = await trx.insertInto('runs').values(run).returning('id').executeTakeFirstOrThrow();
  if (repetitions.length > 0) {
    await trx.insertInto('repetition').values(repetitions.map((r) => ({ ...r, run_id: id }))).execute();
  }
  for (let start = 0; start < trace.length; start += TRACE_ROWS_PER_INSERT) {
    const rows = trace.slice(start, start + TRACE_ROWS_PER_INSERT).map((p) => ({
      run_id: id,
      k: p.k,
      time: p.time,
      objective: p.objective ?? null,
      subopt: p.subopt ?? null,
      gap: p.gap ?? null,
      kkt: p.kkt ?? null,
      nnz: p.nnz ?? null,
      test_metric: p.test_metric ?? null,
      extras: p.extras ?? null,
    }));
    await trx.insertInto('trace').values(rows).execute();
  }
  return id;
}

/** How {@link openStore} takes the database. */
export interface OpenStoreOptions {
  /** Seconds to wait for another process's writer lock before failing (default 10). */
  readonly lockWaitSeconds?: number;
}

/**
 * Refuses, before anything is written, a file that is neither empty nor l1bench's own: its
 * application_id is ours, or (databases made before 0002) it has kysely's migration table listing
 * only l1bench migrations and a `runs` table, or it has no tables at all (or only Kysely's, with
 * no migration yet: another l1bench is creating it).
 */
async function checkOwnDatabase(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const st = statSync(path);
  if (!st.isFile()) {
    throw new UserError(`cannot open results database ${path}: it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}; pass --db with a writable file path`);
  }
  if (st.size === 0) return;
  const database = await openSqlite(path, { readOnly: true });
  const db = new Kysely<DB>({ dialect: new Sqlite3Dialect({ database, path }) });
  try {
    // one read transaction, so that every query below sees the same snapshot: another l1bench
    // creating the file commits its migrations between two separate statements otherwise
    // (a deferred one: this connection is read-only, and the dialect's transactions are immediate)
    await db.connection().execute(async (conn) => {
      await sql`begin deferred`.execute(conn);
      try {
        await checkSnapshot(conn, path);
      } finally {
        await sql`commit`.execute(conn);
      }
    });
  } finally {
    await db.destroy();
  }
}

async function checkSnapshot(db: Kysely<DB>, path: string): Promise<void> {
  {
    const { rows } = await sql<{ application_id: number }>`pragma application_id`.execute(db);
    const appId = rows[0]?.application_id ?? 0;
    if (appId === APPLICATION_ID) return;
    const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(db)).rows.map((r) => r.name);
    if (appId === 0 && tables.length === 0) return;
    if (appId === 0 && tables.includes('kysely_migration')) {
      const names = (await executedMigrations(db)) ?? [];
      const ours = names.every((n) => MIGRATIONS.some((m) => m.name === n) || n > SCHEMA_VERSION);
      // made by l1bench before 0002; or being created by another l1bench right now (Kysely makes
      // its own tables before the first migration's transaction commits)
      const creating = names.length === 0 && tables.every((n) => n === 'kysely_migration' || n === 'kysely_migration_lock');
      if ((ours && names.length > 0 && tables.includes('runs')) || creating) return;
    }
    const what = appId !== 0 ? `application_id ${appId}` : `tables ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', …' : ''}`;
    throw new UserError(`${path} is not an l1bench results database (it has ${what}); l1bench leaves it untouched: pass --db with a new or l1bench path`);
  }
}

/** Every column this code reads and writes must exist (a table changed behind l1bench's back is refused). */
async function checkColumns(db: Kysely<DB>, path: string): Promise<void> {
  for (const [table, columns] of Object.entries(TABLE_COLUMNS)) {
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db);
    const have = new Set(rows.map((r) => r.name));
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new UserError(
        `results database ${path}: table ${table} lacks column(s) ${missing.join(', ')} (changed outside l1bench); restore it or pass --db with another path`,
      );
    }
  }
}

/**
 * Opens (creating if absent) the results database at `path` for writing and brings its schema
 * up to date (see the module comment). An unusable path, a foreign file, a database another
 * process is writing (after `lockWaitSeconds`), a database written by a newer l1bench (an
 * unknown migration) and a table lacking columns are each a one-line UserError.
 */
export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<Store> {
  await checkOwnDatabase(path);
  const lock = await acquireWriterLock(path, options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS);
  let database;
  try {
    database = await openSqlite(path);
  } catch (e) {
    await lock.release();
    throw e;
  }
  const db = new Kysely<DB>({ dialect: new Sqlite3Dialect({ database, path }) });
  try {
    const unknown = (await executedMigrations(db))?.filter((name) => !MIGRATIONS.some((m) => m.name === name)) ?? [];
    if (unknown.length > 0) {
      throw new UserError(
        `results database ${path} was written by a newer l1bench (unknown schema migration '${unknown[0]}'); ` +
          'use a matching l1bench or pass --db with another path',
      );
    }
    const { error, results } = await new Migrator({ db, provider: new ListMigrationProvider() }).migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`migrating results database ${path} failed at '${failed}': ${message}`, { cause: error });
    }
    await sql.raw(`pragma application_id = ${APPLICATION_ID}`).execute(db);
    await sql.raw(`pragma user_version = ${MIGRATIONS.length}`).execute(db);
    await checkColumns(db, path);
    return new Store(db, path, lock);
  } catch (e) {
    await db.destroy();
    await lock.release();
    throw e;
  }
}

/**
 * Opens an existing results database for reading (reports, check). Never creates or migrates:
 * a missing file, a file without l1bench's schema, or one whose schema is older or newer than
 * this code's is a UserError.
 */
export async function openReadOnly(path: string): Promise<ReadStore> {
  if (!existsSync(path)) {
    throw new UserError(`no results database at ${path}; run \`l1bench bench\` first or pass --db`);
  }
  const database = await openSqlite(path, { readOnly: true });
  const db = new Kysely<DB>({ dialect: new Sqlite3Dialect({ database, path }) });
  try {
    const executed = await executedMigrations(db);
    if (executed === undefined) {
      throw new UserError(
        `${path} is not an l1bench results database (it has no schema migrations); pass --db with a database written by \`l1bench bench\``,
      );
    }
    const unknown = executed.find((name) => !MIGRATIONS.some((m) => m.name === name));
    if (unknown !== undefined) {
      throw new UserError(
        `results database ${path} was written by a newer l1bench (unknown schema migration '${unknown}'); use a matching l1bench`,
      );
    }
    const missing = MIGRATIONS.find((m) => !executed.includes(m.name));
    if (missing !== undefined) {
      throw new UserError(
        `results database ${path} has an older schema (lacks '${missing.name}', current ${SCHEMA_VERSION}); ` +
          `run \`l1bench bench --db ${path}\` once to migrate it`,
      );
    }
    await checkColumns(db, path);
    return new ReadStore(db, path);
  } catch (e) {
    await db.destroy();
    throw e;
  }
}

/** Names of the migrations recorded in the database, or undefined if it has no migration table. */
async function executedMigrations(db: Kysely<DB>): Promise<string[] | undefined> {
  const table = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db);
  if (table.rows.length === 0) return undefined;
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}
