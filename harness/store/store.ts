/**
 * The results store: results.db through Kysely over sqlite3.
 *
 * One writer (the main thread) owns the file: {@link openStore} opens it read-write, creating it
 * if absent and running pending migrations. A run and its trace are written in ONE transaction,
 * so an interrupted benchmark leaves either the whole run or nothing, and re-running skips the
 * job keys already present ({@link Store.finishedKeys}). Readers (report, check) use
 * {@link openReadOnly}, which never creates or migrates anything.
 */
import { existsSync } from 'node:fs';
import { Kysely, Migrator, sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { Status } from '../../problems/types.ts';
import { UserError } from '../../problems/errors.ts';
import { openSqlite, Sqlite3Dialect } from './dialect.ts';
import { ListMigrationProvider, MIGRATIONS, SCHEMA_VERSION, TRACE_COLUMNS } from './schema.ts';
import type { DB, NewReference, NewRun, NewTrace, ReferenceRow, RunRow, TraceRow } from './schema.ts';

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

  /** Job keys of every recorded run, whatever its status. */
  async finishedKeys(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('runs').select('job_key').distinct().execute();
    return new Set(rows.map((r) => r.job_key));
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

/** Read-write access: the one writer of results.db. */
export class Store extends ReadStore {
  /**
   * Records a run and its trace in one transaction; returns the new run id. If any row fails
   * (a constraint, a duplicate k), nothing of the run is stored.
   */
  async recordRun(run: NewRun, trace: readonly NewTrace[]): Promise<number> {
    return this.db.transaction().execute((trx) => insertRun(trx, run, trace));
  }

  /**
   * Deletes every run with key `jobKey` (their traces cascade) and records `run` in its place,
   * in one transaction (for `--force`). `run.job_key` must equal `jobKey`.
   */
  async replaceRun(jobKey: string, run: NewRun, trace: readonly NewTrace[]): Promise<number> {
    if (run.job_key !== jobKey) {
      throw new Error(`replaceRun: run.job_key '${run.job_key}' differs from the key to replace '${jobKey}'`);
    }
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('runs').where('job_key', '=', jobKey).execute();
      return insertRun(trx, run, trace);
    });
  }

  /** Stores a reference optimum, replacing any previous one for the same instance hash. */
  async putReference(ref: NewReference): Promise<void> {
    await this.db.insertInto('reference').orReplace().values(ref).execute();
  }
}

async function insertRun(trx: Transaction<DB>, run: NewRun, trace: readonly NewTrace[]): Promise<number> {
  const { id } = await trx.insertInto('runs').values(run).returning('id').executeTakeFirstOrThrow();
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

/**
 * Opens (creating if absent) the results database at `path` and brings its schema up to date.
 * An unusable path is a UserError ("cannot open results database …; pass --db …"); a database
 * written by a newer l1bench (an unknown migration) is a UserError too.
 */
export async function openStore(path: string): Promise<Store> {
  const database = await openSqlite(path);
  const db = new Kysely<DB>({ dialect: new Sqlite3Dialect({ database }) });
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
    return new Store(db, path);
  } catch (e) {
    await db.destroy();
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
  const db = new Kysely<DB>({ dialect: new Sqlite3Dialect({ database }) });
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
