/** The results store (results.db): schema, Kysely dialect over sqlite3, and the Store API. */
export { openStore, openReadOnly, Store, ReadStore, MAX_VARIABLES } from './store.ts';
export type { RunFilter } from './store.ts';
export { MIGRATIONS, SCHEMA_VERSION, TRACE_COLUMNS, ListMigrationProvider } from './schema.ts';
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
  ReferenceKind,
  NamedMigration,
} from './schema.ts';
export { Sqlite3Dialect, openSqlite } from './dialect.ts';
export type { Sqlite3DialectConfig, OpenSqliteOptions } from './dialect.ts';
