/** The results store (results.db): schema, Kysely dialect over sqlite3, and the Store API. */
export { openStore, openReadOnly, Store, ReadStore, MAX_VARIABLES, APPLICATION_ID } from './store.ts';
export type { RunFilter, OpenStoreOptions } from './store.ts';
export { acquireWriterLock, lockPath, lockHolderPid, DEFAULT_LOCK_WAIT_SECONDS } from './lock.ts';
export type { WriterLock } from './lock.ts';
export { MIGRATIONS, SCHEMA_VERSION, TRACE_COLUMNS, TABLE_COLUMNS, ListMigrationProvider } from './schema.ts';
export type {
  DB,
  RunsTable,
  TraceTable,
  ReferenceTable,
  MetaTable,
  RunRow,
  NewRun,
  TraceRow,
  NewTrace,
  ReferenceRow,
  NewReference,
  MetaRow,
  RepetitionTable,
  RepetitionRow,
  NewRepetition,
  ReferenceKind,
  NamedMigration,
} from './schema.ts';
export { Sqlite3Dialect, openSqlite, sqliteUserError } from './dialect.ts';
export type { Sqlite3DialectConfig, OpenSqliteOptions } from './dialect.ts';
