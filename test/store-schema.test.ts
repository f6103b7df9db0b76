import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, ListMigrationProvider, MIGRATIONS, SCHEMA_VERSION } from '../harness/store/index.ts';
import type { NewRun, Store } from '../harness/store/index.ts';
import { STATUSES } from '../problems/types.ts';
import type { Status } from '../problems/types.ts';
import { isUserError } from '../problems/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-store-schema-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function run(jobKey: string, status: Status): NewRun {
  return {
    job_key: jobKey, family: 'lasso', dataset: 'diabetes', solver: 'ista', solver_label: 'ista',
    params: '{}', seed: 0, engine: 'float64', tol: 1e-8, max_iter: 100, tau: 0, status,
    started_at: '2024-01-01T00:00:00.000Z', ended_at: '2024-01-01T00:00:01.000Z', git_dirty: 0,
    machine: 'test', node_version: process.version, versions: '{}',
  };
}

// The columns the design asks for, written out independently of schema.ts.
const RUN_COLUMNS = [
  'id', 'job_key', 'suite', 'family', 'dataset', 'data_hash', 'instance_hash', 'n_samples', 'n_features', 'dim',
  'lambda', 'lambda_ratio', 'lambda_max', 'solver', 'solver_label', 'params', 'seed', 'engine', 'backend', 'tol',
  'max_iter', 'timeout_s', 'tau', 'status', 'reason', 'started_at', 'ended_at', 'solver_seconds', 'wall_seconds',
  'iterations', 'objective', 'gap', 'rel_gap', 'kkt', 'nnz', 'subopt', 'rel_subopt', 'test_metric',
  'reference_objective', 'reference_kind', 'imbalance', 'git_commit', 'git_dirty', 'machine', 'node_version',
  'versions', 'extras', 'current', 'problem', 'repeats',
];
const NULLABLE_RUN_COLUMNS = new Set([
  'suite', 'data_hash', 'instance_hash', 'n_samples', 'n_features', 'dim', 'lambda', 'lambda_ratio', 'lambda_max',
  'backend', 'timeout_s', 'reason', 'solver_seconds', 'wall_seconds', 'iterations', 'objective', 'gap', 'rel_gap',
  'kkt', 'nnz', 'subopt', 'rel_subopt', 'test_metric', 'reference_objective', 'reference_kind', 'imbalance',
  'git_commit', 'extras', 'problem',
]);

t.test('migrations create the tables, columns, indexes and foreign key', async (t) => {
  const store = await openStore(join(dir, 'fresh.db'));
  t.teardown(() => store.close());
  const tables = await store.db.introspection.getTables();
  t.same(tables.map((x) => x.name).sort(), ['meta', 'reference', 'repetition', 'runs', 'trace']);

  const runs = tables.find((x) => x.name === 'runs')!;
  t.same(runs.columns.map((c) => c.name), RUN_COLUMNS, 'runs columns in order');
  // (id is INTEGER PRIMARY KEY, the rowid: SQLite reports it nullable but never stores NULL.)
  for (const c of runs.columns.filter((c) => c.name !== 'id')) {
    t.equal(c.isNullable, NULLABLE_RUN_COLUMNS.has(c.name), `runs.${c.name} nullable=${NULLABLE_RUN_COLUMNS.has(c.name)}`);
  }
  t.ok(runs.columns.find((c) => c.name === 'id')!.isAutoIncrementing, 'runs.id autoincrements');

  const trace = tables.find((x) => x.name === 'trace')!;
  t.same(trace.columns.map((c) => c.name),
    ['run_id', 'k', 'time', 'objective', 'subopt', 'gap', 'kkt', 'nnz', 'test_metric', 'extras']);
  const reference = tables.find((x) => x.name === 'reference')!;
  t.same(reference.columns.map((c) => c.name),
    ['instance_hash', 'family', 'dataset', 'lambda', 'objective', 'gap', 'rel_gap', 'solver', 'certified', 'x', 'created_at', 'spec']);
  t.same(tables.find((x) => x.name === 'repetition')!.columns.map((c) => c.name), ['run_id', 'rep', 'solver_seconds', 'wall_seconds', 'started_at']);
  t.same(tables.find((x) => x.name === 'meta')!.columns.map((c) => c.name), ['key', 'value']);

  const idx = await sql<{ name: string }>`pragma index_list(runs)`.execute(store.db);
  const indexCols: Record<string, string[]> = {};
  for (const { name } of idx.rows) {
    const info = await sql<{ name: string }>`select name from pragma_index_info(${name}) order by seqno`.execute(store.db);
    indexCols[name] = info.rows.map((r) => r.name);
  }
  t.same(indexCols, {
    runs_job_key: ['job_key'],
    runs_instance_hash: ['instance_hash'],
    runs_solver_label_instance_hash: ['solver_label', 'instance_hash'],
    runs_job_key_current: ['job_key'],
    runs_suite: ['suite'],
  });
  const unique = await sql<{ name: string; unique: number; partial: number }>`select name, "unique", partial from pragma_index_list('runs') where name = 'runs_job_key_current'`.execute(store.db);
  t.same(unique.rows, [{ name: 'runs_job_key_current', unique: 1, partial: 1 }], 'job_key unique among current runs');

  const pk = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info('trace') where pk > 0 order by pk`
    .execute(store.db);
  t.same(pk.rows, [{ name: 'run_id', pk: 1 }, { name: 'k', pk: 2 }], 'trace primary key (run_id, k)');
  const fk = await sql<{ table: string; from: string; to: string; on_delete: string }>`pragma foreign_key_list(trace)`
    .execute(store.db);
  t.match(fk.rows, [{ table: 'runs', from: 'run_id', to: 'id', on_delete: 'CASCADE' }]);
});

t.test('connection pragmas', async (t) => {
  const store = await openStore(join(dir, 'pragmas.db'));
  t.teardown(() => store.close());
  const one = async (name: string): Promise<unknown> => {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.raw(`pragma_${name}`)}`.execute(store.db);
    return Object.values(rows[0]!)[0];
  };
  t.equal(await one('journal_mode'), 'wal');
  t.equal(await one('foreign_keys'), 1);
  t.equal(await one('busy_timeout'), 10000);
  t.equal(await one('synchronous'), 1, 'synchronous = NORMAL (1)');
});

t.test('reopening runs no migration again and keeps the data', async (t) => {
  const path = join(dir, 'reopen.db');
  const first = await openStore(path);
  await first.recordRun(run('a', 'converged'), [{ k: 0, time: 0, objective: 1 }]);
  const before = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration`.execute(first.db);
  await first.close();
  t.same(before.rows.map((r) => r.name), MIGRATIONS.map((m) => m.name));

  const second = await openStore(path);
  t.teardown(() => second.close());
  const after = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration`.execute(second.db);
  t.same(after.rows, before.rows, 'same migration rows, same timestamps');
  t.same([...(await second.finishedKeys())], ['a']);
  t.equal((await second.trace((await second.runs())[0]!.id)).length, 1);
});

t.test('status CHECK accepts exactly the closed set', async (t) => {
  const store = await openStore(join(dir, 'check.db'));
  t.teardown(() => store.close());
  for (const s of STATUSES) await store.recordRun(run(`ok-${s}`, s), []);
  t.equal((await store.runs()).length, STATUSES.length);
  await t.rejects(store.recordRun(run('bad', 'finished' as string as Status), []), /CHECK constraint failed/);
  await t.rejects(
    store.db.updateTable('runs').set({ status: 'done' as string as Status }).where('job_key', '=', 'ok-error').execute(),
    /CHECK constraint failed/,
  );
  await t.rejects(store.recordRun({ ...run('bad-kind', 'converged'), reference_kind: 'guess' as string as 'certified' }, []),
    /CHECK constraint failed/);
  t.equal((await store.runs()).length, STATUSES.length, 'rejected rows are not stored');
  t.equal(await store.integrityCheck(), 'ok');
});

t.test('a database from a newer l1bench is refused with a UserError', async (t) => {
  const path = join(dir, 'newer.db');
  const s: Store = await openStore(path);
  await sql`insert into kysely_migration (name, timestamp) values ('9999_future', '2099-01-01')`.execute(s.db);
  await s.close();
  const err = await openStore(path).then(() => undefined, (e: unknown) => e);
  t.ok(isUserError(err));
  t.equal((err as Error).message,
    `results database ${path} was written by a newer l1bench (unknown schema migration '9999_future'); use a matching l1bench or pass --db with another path`);
});

t.test('migration provider keeps the explicit order', async (t) => {
  t.equal(SCHEMA_VERSION, MIGRATIONS[MIGRATIONS.length - 1]!.name);
  const names = MIGRATIONS.map((m) => m.name);
  t.same(names, [...names].sort(), 'names sort in list order');
  t.same(Object.keys(await new ListMigrationProvider().getMigrations()), names);
  const up = async (): Promise<void> => {};
  await t.rejects(new ListMigrationProvider([{ name: '0002_b', up }, { name: '0001_a', up }]).getMigrations(),
    { message: "migration '0001_a' is out of order after '0002_b': names must increase" });
});

t.test('two writers opening a fresh file at once: one gets it, the other is refused; the file is migrated once', async (t) => {
  const path = join(dir, 'race.db');
  const outcomes = await Promise.allSettled([openStore(path, { lockWaitSeconds: 0 }), openStore(path, { lockWaitSeconds: 0 })]);
  const ok = outcomes.filter((o): o is PromiseFulfilledResult<Store> => o.status === 'fulfilled');
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  t.equal(ok.length, 1);
  t.equal(refused.length, 1);
  t.ok(isUserError(refused[0]!.reason));
  t.match((refused[0]!.reason as Error).message, new RegExp(`is being written by process ${process.pid};`));
  const a = ok[0]!.value;
  await a.recordRun(run('from-a', 'converged'), []);
  await a.close();
  const b = await openStore(path, { lockWaitSeconds: 0 });
  t.teardown(() => b.close());
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(b.db);
  t.same(rows.map((r) => r.name), MIGRATIONS.map((m) => m.name));
  t.same([...(await b.finishedKeys())], ['from-a']);
});
