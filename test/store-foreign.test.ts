/**
 * Databases l1bench does not own are never written; databases it made before migration 0002
 * still open and migrate; a damaged database is a one-line exit-2 message (corrupt, disk full,
 * a `runs` table lacking columns), found before a solve runs where it can be.
 */
import t from 'tap';
import { closeSync, existsSync, openSync, readFileSync, rmSync, mkdtempSync, writeSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Kysely, Migrator, sql } from 'kysely';
import {
  APPLICATION_ID, ListMigrationProvider, MIGRATIONS, SCHEMA_VERSION, Sqlite3Dialect, openReadOnly, openSqlite, openStore,
} from '../harness/store/index.ts';
import type { NewRun } from '../harness/store/index.ts';
import { isUserError } from '../problems/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-foreign-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const SOLVE = ['solve', '--problem', 'lasso', '--data', 'diabetes', '--lambda-ratio', '0.1', '--solver', 'cd'];

function cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/l1bench.js', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A SQLite file made by someone else (rollback journal: every byte is in the one file). */
async function foreignDb(name: string, statements: readonly string[]): Promise<string> {
  const path = join(dir, name);
  const db = new Kysely<Record<string, never>>({ dialect: new Sqlite3Dialect({ database: await openSqlite(path) }) });
  await sql`pragma journal_mode = delete`.execute(db);
  for (const s of statements) await sql.raw(s).execute(db);
  await db.destroy();
  return path;
}

function run(jobKey: string): NewRun {
  return {
    job_key: jobKey, family: 'lasso', dataset: 'd', solver: 'cd', solver_label: 'cd', params: '{}', seed: 0,
    engine: 'float64', tol: 1e-6, max_iter: 10, tau: 0, status: 'converged', started_at: 'a', ended_at: 'b',
    git_dirty: 0, machine: 'm', node_version: 'v', versions: '{}',
  };
}

t.test('foreign SQLite files are refused with exit 2 and left byte for byte as they were', async (t) => {
  const cases = [
    await foreignDb('foo.db', ['create table foo (a integer)', 'insert into foo values (1), (2)']),
    await foreignDb('runs.db', ['create table runs (id integer primary key, note text)', "insert into runs (note) values ('theirs')"]),
    await foreignDb('appid.db', ['pragma application_id = 1234', 'create table t (x)']),
  ];
  for (const path of cases) {
    const before = readFileSync(path);
    for (const args of [[...SOLVE, '--db', path], ['bench', '--suite', 'quick', '--db', path], ['merge', '--into', path, join(dir, 'none-such.db')]]) {
      const r = cli(args);
      if (args[0] === 'merge') {
        t.equal(r.status, 2, 'merge refuses (its source is missing)');
        continue;
      }
      t.equal(r.status, 2, `${args[0]} on ${path}`);
      t.match(r.stderr, new RegExp(`^l1bench: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an l1bench results database \\(it has (tables|application_id) [^\\n]*\\); l1bench leaves it untouched: pass --db with a new or l1bench path\\n$`));
      t.equal(r.stdout, '', 'nothing ran');
    }
    t.ok(readFileSync(path).equals(before), `${path}: bytes identical`);
    for (const side of ['-wal', '-journal', '.lock']) t.notOk(existsSync(path + side), `no ${side} file next to it`);
  }
  // an empty file is fine: it becomes a results database
  const empty = join(dir, 'empty.db');
  closeSync(openSync(empty, 'w'));
  const s = await openStore(empty);
  const { rows } = await sql<{ application_id: number; user_version: number }>`select * from pragma_application_id, pragma_user_version`.execute(s.db);
  t.same(rows, [{ application_id: APPLICATION_ID, user_version: MIGRATIONS.length }], 'stamped as l1bench\'s own');
  await s.close();
});

t.test('a database made before 0002 (no application_id) opens, migrates and keeps its rows', async (t) => {
  const path = join(dir, 'legacy.db');
  const database = await openSqlite(path);
  const db = new Kysely<unknown>({ dialect: new Sqlite3Dialect({ database }) });
  const { error } = await new Migrator({ db, provider: new ListMigrationProvider([MIGRATIONS[0]!]) }).migrateToLatest();
  t.equal(error, undefined);
  // what two unlocked benches left behind: the same job key twice, each with a trace
  const anyDb = db as Kysely<Record<string, Record<string, unknown>>>;
  for (const status of ['max_iter', 'converged']) {
    const r = run('dup');
    const { id } = (await anyDb.insertInto('runs').values({ ...r, status } as never).returning('id' as never).executeTakeFirstOrThrow()) as { id: number };
    await anyDb.insertInto('trace').values({ run_id: id, k: 0, time: 0, objective: 1 } as never).execute();
  }
  await anyDb.insertInto('runs').values(run('solo') as never).execute();
  await db.destroy();

  const s = await openStore(path);
  const rows = await s.runs();
  t.same(rows.map((r) => [r.job_key, r.status, r.current]), [['dup', 'max_iter', 0], ['dup', 'converged', 1], ['solo', 'converged', 1]],
    'the newest run of a duplicated key stays current, the older one becomes history');
  t.same((await s.trace(rows[0]!.id)).length, 1, 'traces kept through the migration');
  await s.recordRun({ ...run('new'), status: 'stalled', reason: 'LARS path ended' }, []);
  await t.rejects(s.recordRun(run('dup'), []), /UNIQUE constraint failed/, 'the key is unique among current runs now');
  t.equal(await s.integrityCheck(), 'ok');
  const { rows: mig } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(s.db);
  t.same(mig.map((m) => m.name), MIGRATIONS.map((m) => m.name));
  await s.close();
  const r = await openReadOnly(path);
  t.equal((await r.runs({ current: true })).length, 3);
  await r.close();
});

t.test('a corrupt database is one line, exit 2', async (t) => {
  const path = join(dir, 'corrupt.db');
  const s = await openStore(path);
  for (let i = 0; i < 30; i++) await s.recordRun(run(`k${i}`), Array.from({ length: 50 }, (_, k) => ({ k, time: k, objective: 1 })));
  await sql`pragma wal_checkpoint(truncate)`.execute(s.db);
  const { rows } = await sql<{ rootpage: number }>`select rootpage from sqlite_master where name = 'runs'`.execute(s.db);
  const { rows: ps } = await sql<{ page_size: number }>`pragma page_size`.execute(s.db);
  await s.close();
  const page = rows[0]!.rootpage;
  const size = ps[0]!.page_size;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (page - 1) * size);
  closeSync(fd);
  copyFileSync(path, `${path}.bak`);
  for (const args of [[...SOLVE, '--db', path], ['report', '--db', path, '--out', join(dir, 'rep')]]) {
    const r = cli(args);
    t.equal(r.status, 2, `${args[0]}: exit 2`);
    t.equal(r.stderr, `l1bench: database ${path} is corrupt (SQLITE_CORRUPT); restore it or choose another --db\n`, `${args[0]}: one line`);
  }
});

t.test('disk full: SQLITE_FULL is a UserError naming it; the run is not stored; the store stays usable', async (t) => {
  const path = join(dir, 'full.db');
  const s = await openStore(path);
  t.teardown(() => s.close());
  await s.recordRun(run('small'), []);
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(s.db);
  await sql.raw(`pragma max_page_count = ${rows[0]!.page_count + 2}`).execute(s.db);
  const big = Array.from({ length: 20000 }, (_, k) => ({ k, time: k, objective: k, gap: k, kkt: k, nnz: k }));
  const e = await s.recordRun(run('big'), big).then(() => null, (err: unknown) => err);
  t.ok(isUserError(e), 'a UserError');
  t.equal((e as Error).message, `disk full while writing ${path} (SQLITE_FULL); free space on its file system or choose another --db on another disk`);
  t.same([...(await s.finishedKeys())], ['small'], 'nothing of the failed run');
  t.equal(await s.integrityCheck(), 'ok');
});

t.test('a runs table lacking columns is refused before the solve runs', async (t) => {
  const path = join(dir, 'lacking.db');
  const s = await openStore(path);
  await sql`alter table runs drop column imbalance`.execute(s.db);
  await s.close();
  const r = cli([...SOLVE, '--db', path]);
  t.equal(r.status, 2);
  t.equal(r.stdout, '', 'no summary: the solve did not run');
  t.equal(r.stderr, `l1bench: results database ${path}: table runs lacks column(s) imbalance (changed outside l1bench); restore it or pass --db with another path\n`);
  t.equal(SCHEMA_VERSION, MIGRATIONS[MIGRATIONS.length - 1]!.name);
});
