import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { Generated } from 'kysely';
import { openSqlite, Sqlite3Dialect } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-store-dialect-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Item { id: Generated<number>; name: string; v: number | null }
interface TestDB { item: Item }

async function fresh(t: { teardown(fn: () => unknown): void }, name: string): Promise<Kysely<TestDB>> {
  const db = new Kysely<TestDB>({ dialect: new Sqlite3Dialect({ database: await openSqlite(join(dir, name)) }) });
  t.teardown(() => db.destroy());
  await db.schema.createTable('item')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('v', 'real')
    .execute();
  return db;
}

t.test('writes report affected rows and insert ids; RETURNING and raw selects return rows', async (t) => {
  const db = await fresh(t, 'results.db');
  const ins = await db.insertInto('item').values([{ name: 'a', v: 1 }, { name: 'b', v: 2 }, { name: 'c', v: null }])
    .executeTakeFirstOrThrow();
  t.equal(ins.numInsertedOrUpdatedRows, 3n);
  t.equal(ins.insertId, 3n, 'last rowid of the multi-row insert');
  const ret = await db.insertInto('item').values({ name: 'd', v: 4 }).returning(['id', 'name']).executeTakeFirstOrThrow();
  t.same(ret, { id: 4, name: 'd' });
  const upd = await db.updateTable('item').set({ v: 0 }).where('v', '>', 1).executeTakeFirstOrThrow();
  t.equal(upd.numUpdatedRows, 2n, 'b and d');
  const del = await db.deleteFrom('item').where('v', 'is', null).returning('name').execute();
  t.same(del, [{ name: 'c' }], 'DELETE … RETURNING goes through all()');
  const rawDel = await sql`delete from item where name = ${'d'}`.execute(db);
  t.equal(rawDel.numAffectedRows, 1n, 'raw write goes through run()');
  const rawSel = await sql<{ name: string }>`  -- comment first
    select name from item order by id`.execute(db);
  t.same(rawSel.rows, [{ name: 'a' }, { name: 'b' }]);
  const cte = await sql<{ n: number }>`with x as (select 2 as n) select n from x`.execute(db);
  t.same(cte.rows, [{ n: 2 }]);
});

t.test('BigInt parameters are bound as numbers (sqlite3 would store NULL)', async (t) => {
  const db = await fresh(t, 'bigint.db');
  const { rows } = await sql<{ v: number; ty: string }>`select ${2n ** 40n + 1n} as v, typeof(${5n}) as ty`.execute(db);
  t.same(rows, [{ v: 2 ** 40 + 1, ty: 'integer' }]);
  await t.rejects(sql`select ${2n ** 60n} as v`.execute(db), {
    name: 'RangeError',
    message: `sqlite3 driver: BigInt parameter ${2n ** 60n} is outside ±2^53 and cannot be bound exactly`,
  });
});

t.test('streaming steps through rows and frees the statement on early exit', async (t) => {
  const db = await fresh(t, 'stream.db');
  await db.insertInto('item').values(Array.from({ length: 25 }, (_, i) => ({ name: `n${i}`, v: i * i }))).execute();
  const seen: number[] = [];
  for await (const row of db.selectFrom('item').select('v').orderBy('id').stream(7)) seen.push(row.v ?? -1);
  t.same(seen, Array.from({ length: 25 }, (_, i) => i * i));
  let count = 0;
  for await (const _row of db.selectFrom('item').selectAll().stream(4)) if (++count === 3) break;
  t.equal(count, 3);
  // The connection was released (this query does not wait forever) …
  await db.insertInto('item').values({ name: 'after', v: 0 }).execute();
  t.equal((await db.selectFrom('item').select('id').execute()).length, 26);
  // … and the statement finalized: sqlite3 refuses to close with SQLITE_BUSY otherwise.
  await t.resolves(db.destroy());
});

t.test('transactions: rollback on throw, savepoints, one at a time', async (t) => {
  const db = await fresh(t, 'trx.db');
  await t.rejects(db.transaction().execute(async (trx) => {
    await trx.insertInto('item').values({ name: 'x', v: 1 }).execute();
    throw new Error('boom');
  }), { message: 'boom' });
  t.same(await db.selectFrom('item').selectAll().execute(), [], 'rolled back');

  const trx = await db.startTransaction().execute();
  await trx.insertInto('item').values({ name: 'kept', v: 1 }).execute();
  const sp = await trx.savepoint('sp1').execute();
  await sp.insertInto('item').values({ name: 'dropped', v: 2 }).execute();
  const back = await sp.rollbackToSavepoint('sp1').execute();
  await back.releaseSavepoint('sp1').execute();
  await trx.commit().execute();
  t.same((await db.selectFrom('item').select('name').execute()).map((r) => r.name), ['kept']);

  // Interleaved transactions would fail with "cannot start a transaction within a transaction"
  // if the single connection were shared; the mutex queues them.
  const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
  await Promise.all(names.map((name, i) => db.transaction().execute(async (trx) => {
    await trx.insertInto('item').values({ name, v: i }).execute();
    await new Promise((r) => setTimeout(r, i % 3));
    const row = await trx.selectFrom('item').select('v').where('name', '=', name).executeTakeFirstOrThrow();
    if (row.v !== i) throw new Error('interleaved');
  })));
  t.equal((await db.selectFrom('item').select('id').execute()).length, 21);
});

t.test('introspection goes through the dialect', async (t) => {
  const db = await fresh(t, 'introspect.db');
  const [table] = await db.introspection.getTables();
  t.equal(table?.name, 'item');
  t.same(table?.columns.map((c) => [c.name, c.dataType, c.isNullable]),
    [['id', 'INTEGER', true], ['name', 'TEXT', false], ['v', 'REAL', true]]);
});
