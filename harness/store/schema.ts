/**
 * The schema of results.db: typed tables for Kysely and the migrations that create them.
 *
 * Tables
 * - `runs`: one row per run of a job (any status, skipped and failed included), with the problem
 *   instance, solver instance, stopping settings, outcome and provenance. A job key has at most
 *   one current run (`current` = 1); runs superseded by `bench --force` stay as history (0).
 * - `repetition`: the timed repetitions behind a run's (median) times.
 * - `trace`: the convergence curve of a run, one row per sampled iteration k.
 * - `reference`: the reference optimum F* of an instance (keyed by its instance hash).
 * - `meta`: free key/value pairs.
 *
 * Conventions: JSON columns hold `JSON.stringify` text; booleans are integers 0/1; times are ISO
 * 8601 text; SQLite stores NaN as NULL (so a NaN objective reads back as null) and keeps ±Infinity.
 *
 * Migrations are an explicit ordered list ({@link MIGRATIONS}); Kysely's Migrator runs them in
 * name order, so names carry a zero-padded sequence number. A migration is frozen once released:
 * schema changes go in a new one.
 */
import { sql } from 'kysely';
import type { Generated, Insertable, Kysely, Migration, MigrationProvider, Selectable } from 'kysely';
import type { Status } from '../../problems/types.ts';

/** How a reference optimum was obtained: certified by a duality gap, or the best value seen. */
export type ReferenceKind = 'certified' | 'best-seen';

/** `runs`: one row per job. */
export interface RunsTable {
  id: Generated<number>;
  /** Deterministic key of the job (problem instance × solver instance × seed × settings). */
  job_key: string;
  /** Suite the job was planned from, if any. */
  suite: string | null;
  /** Problem family: 'lasso' | 'logistic' | … */
  family: string;
  dataset: string;
  /** Content hash of the data; null when the data could not be built (status error/skipped). */
  data_hash: string | null;
  /** Hash of (family, data, λ, penalty structure); key of `reference`. Null when not built. */
  instance_hash: string | null;
  n_samples: number | null;
  n_features: number | null;
  /** Number of parameters. */
  dim: number | null;
  /** Absolute λ. */
  lambda: number | null;
  /** λ / λ_max. */
  lambda_ratio: number | null;
  lambda_max: number | null;
  /** Solver registry name (= file name = CLI selector). */
  solver: string;
  /** Deterministic solver-instance name, e.g. `spred-adam[lr=0.001]`. */
  solver_label: string;
  /** Solver parameters (JSON object). */
  params: string;
  seed: number;
  /** 'float64' | 'tfjs'. */
  engine: string;
  /** tfjs backend ('wasm', 'cpu', …); null on the Float64 engine. */
  backend: string | null;
  /** Stopping tolerance (on the gap or KKT violation). */
  tol: number;
  max_iter: number;
  /** Wall-clock limit in seconds; null when none. */
  timeout_s: number | null;
  /** Support threshold: |x_i| > tau counts as nonzero. */
  tau: number;
  status: Status;
  /** Why the run ended as it did (skip reason, error message, …). */
  reason: string | null;
  /** ISO 8601. */
  started_at: string;
  /** ISO 8601. */
  ended_at: string;
  /** Solver time only (the harness clock, evaluation excluded). */
  solver_seconds: number | null;
  wall_seconds: number | null;
  iterations: number | null;
  /** F(x) at the final iterate. */
  objective: number | null;
  /** Duality gap at the final iterate (convex problems). */
  gap: number | null;
  rel_gap: number | null;
  /** KKT violation at the final iterate. */
  kkt: number | null;
  /** Support size at threshold tau. */
  nnz: number | null;
  /** F(x) − F*. */
  subopt: number | null;
  /** (F(x) − F*) / max(|F*|, tiny). */
  rel_subopt: number | null;
  test_metric: number | null;
  /** F* used for subopt. */
  reference_objective: number | null;
  reference_kind: ReferenceKind | null;
  /** spred factor imbalance max_i |u_i² − w_i²| at the final iterate (spred solvers only). */
  imbalance: number | null;
  git_commit: string | null;
  /** 1 when the working tree had uncommitted changes. */
  git_dirty: number;
  machine: string;
  node_version: string;
  /** Versions of the libraries that matter (JSON object). */
  versions: string;
  /** Anything else (JSON object). */
  extras: string | null;
  /**
   * 1 for the run that currently answers its job key; 0 for history (a run superseded by
   * `bench --force`). At most one current run per job key (a partial unique index). (0002)
   */
  current: Generated<number>;
  /** The job's problem spec (JSON of ProblemSpec), so that the instance can be rebuilt (merge). (0002) */
  problem: string | null;
  /** How many timed repetitions the run's times summarize (rows in `repetition`); 1 before 0002. */
  repeats: Generated<number>;
}

/**
 * `repetition`: the timed repetitions of a run (0002). A deterministic run is repeated R times
 * after an untimed warm-up; every repetition's time is kept, and the run's solver_seconds (and
 * its trace's time axis) is the median over them. `solve` adds rows here when an identical solve
 * is recorded again.
 */
export interface RepetitionTable {
  run_id: number;
  /** 0-based repetition index within the run. */
  rep: number;
  /** Solver seconds of this repetition (the harness clock). */
  solver_seconds: number;
  wall_seconds: number;
  /** ISO 8601. */
  started_at: string;
}

/** `trace`: one sampled iterate of a run. */
export interface TraceTable {
  run_id: number;
  /** Iteration (or epoch) index. */
  k: number;
  /** Solver seconds up to this point. */
  time: number;
  /** F(x_k); null when it was NaN (SQLite stores NaN as NULL). */
  objective: number | null;
  subopt: number | null;
  gap: number | null;
  kkt: number | null;
  nnz: number | null;
  test_metric: number | null;
  /** JSON object. */
  extras: string | null;
}

/** `reference`: the reference optimum F* of an instance. */
export interface ReferenceTable {
  instance_hash: string;
  family: string;
  dataset: string;
  lambda: number;
  /** F* = F(x*). */
  objective: number;
  /** Duality gap at x*, when the problem is convex. */
  gap: number | null;
  rel_gap: number | null;
  /** Solver that produced x*. */
  solver: string;
  /** 1 when the duality gap certifies F* (gap ≤ tolerance), 0 otherwise. */
  certified: number;
  /** x* as a JSON array, when kept. */
  x: string | null;
  /** ISO 8601. */
  created_at: string;
  /** The instance's problem spec (JSON of ProblemSpec), so that a merge can rebuild and re-check it. (0002) */
  spec: string | null;
}

/** `meta`: key/value pairs. */
export interface MetaTable {
  key: string;
  value: string;
}

/** The database, as Kysely sees it. */
export interface DB {
  runs: RunsTable;
  trace: TraceTable;
  reference: ReferenceTable;
  meta: MetaTable;
  repetition: RepetitionTable;
}

export type RunRow = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;
export type TraceRow = Selectable<TraceTable>;
/** A trace point to record with its run (the run id is assigned by the store). */
export type NewTrace = Omit<Insertable<TraceTable>, 'run_id'>;
export type ReferenceRow = Selectable<ReferenceTable>;
export type NewReference = Insertable<ReferenceTable>;
export type MetaRow = Selectable<MetaTable>;
export type RepetitionRow = Selectable<RepetitionTable>;
/** A repetition to record with its run (the run id is assigned by the store). */
export type NewRepetition = Omit<Insertable<RepetitionTable>, 'run_id'>;

/** Column order of `trace` inserts (the store writes every column, so each row binds the same count). */
export const TRACE_COLUMNS = [
  'run_id', 'k', 'time', 'objective', 'subopt', 'gap', 'kkt', 'nnz', 'test_metric', 'extras',
] as const satisfies readonly (keyof TraceTable)[];

/** The columns of each table this code reads and writes (checked when a database is opened). */
export const TABLE_COLUMNS: Readonly<Record<'runs' | 'trace' | 'reference' | 'repetition', readonly string[]>> = {
  runs: [
    'id', 'job_key', 'suite', 'family', 'dataset', 'data_hash', 'instance_hash', 'n_samples', 'n_features', 'dim',
    'lambda', 'lambda_ratio', 'lambda_max', 'solver', 'solver_label', 'params', 'seed', 'engine', 'backend', 'tol',
    'max_iter', 'timeout_s', 'tau', 'status', 'reason', 'started_at', 'ended_at', 'solver_seconds', 'wall_seconds',
    'iterations', 'objective', 'gap', 'rel_gap', 'kkt', 'nnz', 'subopt', 'rel_subopt', 'test_metric',
    'reference_objective', 'reference_kind', 'imbalance', 'git_commit', 'git_dirty', 'machine', 'node_version',
    'versions', 'extras', 'current', 'problem', 'repeats',
  ] satisfies (keyof RunsTable)[],
  trace: TRACE_COLUMNS,
  reference: ['instance_hash', 'family', 'dataset', 'lambda', 'objective', 'gap', 'rel_gap', 'solver', 'certified', 'x', 'created_at', 'spec'] satisfies (keyof ReferenceTable)[],
  repetition: ['run_id', 'rep', 'solver_seconds', 'wall_seconds', 'started_at'] satisfies (keyof RepetitionTable)[],
};

/** A named migration. Migrations only use the schema builder, so their database type is open. */
export interface NamedMigration {
  readonly name: string;
  up(db: Kysely<unknown>): Promise<void>;
  down?(db: Kysely<unknown>): Promise<void>;
}

/** 0001: runs, trace, reference, meta. */
const initial: NamedMigration = {
  name: '0001_initial',
  async up(db) {
    // The status set of problems/types.ts STATUSES at the time of this migration (frozen).
    const statuses = ['converged', 'max_iter', 'timeout', 'diverged', 'error', 'skipped'];
    const statusList = sql.join(statuses.map((s) => sql.lit(s)));
    await db.schema
      .createTable('runs')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('job_key', 'text', (c) => c.notNull())
      .addColumn('suite', 'text')
      .addColumn('family', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('data_hash', 'text')
      .addColumn('instance_hash', 'text')
      .addColumn('n_samples', 'integer')
      .addColumn('n_features', 'integer')
      .addColumn('dim', 'integer')
      .addColumn('lambda', 'real')
      .addColumn('lambda_ratio', 'real')
      .addColumn('lambda_max', 'real')
      .addColumn('solver', 'text', (c) => c.notNull())
      .addColumn('solver_label', 'text', (c) => c.notNull())
      .addColumn('params', 'text', (c) => c.notNull())
      .addColumn('seed', 'integer', (c) => c.notNull())
      .addColumn('engine', 'text', (c) => c.notNull())
      .addColumn('backend', 'text')
      .addColumn('tol', 'real', (c) => c.notNull())
      .addColumn('max_iter', 'integer', (c) => c.notNull())
      .addColumn('timeout_s', 'real')
      .addColumn('tau', 'real', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in (${statusList})`))
      .addColumn('reason', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text', (c) => c.notNull())
      .addColumn('solver_seconds', 'real')
      .addColumn('wall_seconds', 'real')
      .addColumn('iterations', 'integer')
      .addColumn('objective', 'real')
      .addColumn('gap', 'real')
      .addColumn('rel_gap', 'real')
      .addColumn('kkt', 'real')
      .addColumn('nnz', 'integer')
      .addColumn('subopt', 'real')
      .addColumn('rel_subopt', 'real')
      .addColumn('test_metric', 'real')
      .addColumn('reference_objective', 'real')
      .addColumn('reference_kind', 'text', (c) =>
        c.check(sql`reference_kind is null or reference_kind in ('certified', 'best-seen')`))
      .addColumn('imbalance', 'real')
      .addColumn('git_commit', 'text')
      .addColumn('git_dirty', 'integer', (c) => c.notNull().check(sql`git_dirty in (0, 1)`))
      .addColumn('machine', 'text', (c) => c.notNull())
      .addColumn('node_version', 'text', (c) => c.notNull())
      .addColumn('versions', 'text', (c) => c.notNull())
      .addColumn('extras', 'text')
      .execute();
    await db.schema.createIndex('runs_job_key').on('runs').column('job_key').execute();
    await db.schema.createIndex('runs_instance_hash').on('runs').column('instance_hash').execute();
    await db.schema
      .createIndex('runs_solver_label_instance_hash')
      .on('runs')
      .columns(['solver_label', 'instance_hash'])
      .execute();

    await db.schema
      .createTable('trace')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('k', 'integer', (c) => c.notNull())
      .addColumn('time', 'real', (c) => c.notNull())
      .addColumn('objective', 'real')
      .addColumn('subopt', 'real')
      .addColumn('gap', 'real')
      .addColumn('kkt', 'real')
      .addColumn('nnz', 'integer')
      .addColumn('test_metric', 'real')
      .addColumn('extras', 'text')
      .addPrimaryKeyConstraint('trace_pk', ['run_id', 'k'])
      .modifyEnd(sql`without rowid`)
      .execute();

    await db.schema
      .createTable('reference')
      .addColumn('instance_hash', 'text', (c) => c.primaryKey())
      .addColumn('family', 'text', (c) => c.notNull())
      .addColumn('dataset', 'text', (c) => c.notNull())
      .addColumn('lambda', 'real', (c) => c.notNull())
      .addColumn('objective', 'real', (c) => c.notNull())
      .addColumn('gap', 'real')
      .addColumn('rel_gap', 'real')
      .addColumn('solver', 'text', (c) => c.notNull())
      .addColumn('certified', 'integer', (c) => c.notNull().check(sql`certified in (0, 1)`))
      .addColumn('x', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db) {
    for (const t of ['meta', 'reference', 'trace', 'runs']) await db.schema.dropTable(t).execute();
  },
};

/**
 * 0002: content-keyed jobs and run history.
 * - status `stalled` (a run that stopped on its own before reaching tol): SQLite cannot alter a
 *   CHECK constraint, and rebuilding `runs` would cascade-delete `trace` (foreign keys are on and
 *   cannot be switched off inside the migration's transaction). A CHECK that only admits one more
 *   value is widened in place, as SQLite documents for constraint changes that existing rows
 *   cannot violate (https://sqlite.org/lang_altertable.html#otheralter: writable_schema, then
 *   bump schema_version); `integrity_check` stays ok.
 * - `runs.current` (history instead of deletion), with duplicates of a job key among existing
 *   rows marked superseded (the newest stays current), then a partial UNIQUE index
 *   `runs_job_key_current` on job_key where current = 1: a duplicate cannot be stored.
 * - `runs.problem`, `runs.repeats`, `reference.spec`, table `repetition`.
 */
const contentKeys: NamedMigration = {
  name: '0002_content_keys',
  async up(db) {
    const before = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'runs'`.execute(db);
    const old = before.rows[0]?.sql ?? '';
    const widened = old.replace(/('error',\s*'skipped')\)/, "$1, 'stalled')");
    if (widened === old) throw new Error("runs.status CHECK constraint not found in the form migration 0001 wrote");
    const { rows } = await sql<{ schema_version: number }>`pragma schema_version`.execute(db);
    await sql`pragma writable_schema = on`.execute(db);
    await sql`update sqlite_master set sql = ${widened} where type = 'table' and name = 'runs'`.execute(db);
    await sql.raw(`pragma schema_version = ${(rows[0]?.schema_version ?? 0) + 1}`).execute(db);
    await sql`pragma writable_schema = off`.execute(db);

    await db.schema.alterTable('runs').addColumn('current', 'integer', (c) => c.notNull().defaultTo(1).check(sql`current in (0, 1)`)).execute();
    await db.schema.alterTable('runs').addColumn('problem', 'text').execute();
    await db.schema.alterTable('runs').addColumn('repeats', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await sql`update runs set current = 0 where id not in (select max(id) from runs group by job_key)`.execute(db);
    await db.schema.createIndex('runs_job_key_current').on('runs').column('job_key').unique().where(sql<boolean>`current = 1`).execute();
    await db.schema.createIndex('runs_suite').on('runs').column('suite').execute();
    await db.schema.alterTable('reference').addColumn('spec', 'text').execute();
    await db.schema
      .createTable('repetition')
      .addColumn('run_id', 'integer', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('rep', 'integer', (c) => c.notNull())
      .addColumn('solver_seconds', 'real', (c) => c.notNull())
      .addColumn('wall_seconds', 'real', (c) => c.notNull())
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('repetition_pk', ['run_id', 'rep'])
      .modifyEnd(sql`without rowid`)
      .execute();
  },
};

/** Every migration, oldest first. Append only. */
export const MIGRATIONS: readonly NamedMigration[] = [initial, contentKeys];

/** Name of the latest migration: the schema version this code reads and writes. */
export const SCHEMA_VERSION: string = MIGRATIONS[MIGRATIONS.length - 1]!.name;

/**
 * Kysely MigrationProvider over {@link MIGRATIONS} (no folder scanning). Throws if the list is
 * not in strictly increasing name order, since Kysely's Migrator orders migrations by name.
 */
export class ListMigrationProvider implements MigrationProvider {
  constructor(private readonly migrations: readonly NamedMigration[] = MIGRATIONS) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    let previous = '';
    for (const m of this.migrations) {
      if (m.name <= previous) {
        throw new Error(`migration '${m.name}' is out of order after '${previous}': names must increase`);
      }
      previous = m.name;
      out[m.name] = m.down ? { up: m.up, down: m.down } : { up: m.up };
    }
    return out;
  }
}
