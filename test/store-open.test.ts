import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { openReadOnly, openStore, openSqlite, Sqlite3Dialect, SCHEMA_VERSION } from '../harness/store/index.ts';
import type { NewRun } from '../harness/store/index.ts';
import { isUserError } from '../problems/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-store-open-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const run: NewRun = {
  job_key: 'j', family: 'lasso', dataset: 'd', solver: 's', solver_label: 's', params: '{}', seed: 0,
  engine: 'float64', tol: 1e-6, max_iter: 10, tau: 0, status: 'converged', started_at: 'a', ended_at: 'b',
  git_dirty: 0, machine: 'm', node_version: 'v', versions: '{}',
};

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (!(e instanceof Error)) throw new Error('expected a rejection');
  return e;
}

t.test('bad paths give a one-line UserError', async (t) => {
  const missingDir = join(dir, 'no', 'such', 'dir', 'results.db');
  let e = await failure(openStore(missingDir));
  t.ok(isUserError(e));
  t.equal(e.message,
    `cannot open results database ${missingDir}: SQLITE_CANTOPEN: unable to open database file; pass --db with a writable path`);
  t.notOk(existsSync(join(dir, 'no')), 'no directory was created');

  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'this is not a database, just some text that is long enough to fill a header page\n'.repeat(20));
  e = await failure(openStore(text));
  t.ok(isUserError(e));
  t.equal(e.message,
    `cannot open results database ${text}: SQLITE_NOTADB: file is not a database; pass --db with a writable path`);

  const aDir = join(dir, 'adir');
  mkdirSync(aDir);
  e = await failure(openStore(aDir));
  t.ok(isUserError(e));
  t.match(e.message, /^cannot open results database .*adir: it is a directory; pass --db with a writable file path$/);
  t.notOk(existsSync(`${aDir}.lock`), 'refused before a lock file was made');
  t.notMatch(e.message, /\n/);
});

t.test('openStore creates an absent file', async (t) => {
  const path = join(dir, 'new.db');
  t.notOk(existsSync(path));
  const store = await openStore(path);
  t.ok(existsSync(path));
  await store.close();
});

t.test('openReadOnly', async (t) => {
  const missing = join(dir, 'missing.db');
  let e = await failure(openReadOnly(missing));
  t.ok(isUserError(e));
  t.equal(e.message, `no results database at ${missing}; run \`l1bench bench\` first or pass --db`);
  t.notOk(existsSync(missing), 'read-only open does not create the file');

  // A SQLite file that is not ours.
  const foreign = join(dir, 'foreign.db');
  const raw = new Kysely<Record<string, never>>({ dialect: new Sqlite3Dialect({ database: await openSqlite(foreign) }) });
  await sql`create table stuff (x integer)`.execute(raw);
  await raw.destroy();
  e = await failure(openReadOnly(foreign));
  t.ok(isUserError(e));
  t.equal(e.message,
    `${foreign} is not an l1bench results database (it has no schema migrations); pass --db with a database written by \`l1bench bench\``);

  // A database whose schema is older than this code's (no migration applied yet).
  const raw2 = new Kysely<Record<string, never>>({ dialect: new Sqlite3Dialect({ database: await openSqlite(foreign) }) });
  await sql`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(raw2);
  await raw2.destroy();
  e = await failure(openReadOnly(foreign));
  t.ok(isUserError(e));
  t.equal(e.message,
    `results database ${foreign} has an older schema (lacks '0001_initial', current ${SCHEMA_VERSION}); run \`l1bench bench --db ${foreign}\` once to migrate it`);

  // Reads what a writer that is still open has committed (WAL), and cannot write.
  const path = join(dir, 'shared.db');
  const writer = await openStore(path);
  t.teardown(() => writer.close());
  const id = await writer.recordRun(run, [{ k: 0, time: 0, objective: 1 }, { k: 1, time: 1, objective: 0.5 }]);
  const reader = await openReadOnly(path);
  t.teardown(() => reader.close());
  t.same((await reader.runs()).map((r) => r.id), [id]);
  t.same((await reader.trace(id)).map((p) => p.objective), [1, 0.5]);
  await writer.recordRun({ ...run, job_key: 'j2' }, []);
  t.same(await reader.finishedKeys(), new Set(['j', 'j2']), 'sees later commits');
  t.equal(await reader.integrityCheck(), 'ok');
  await t.rejects(reader.db.insertInto('meta').values({ key: 'a', value: 'b' }).execute(), /SQLITE_READONLY/);
  t.notOk('recordRun' in reader, 'the read-only store has no write methods');
});
