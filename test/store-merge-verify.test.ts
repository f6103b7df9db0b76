/**
 * Verified merges: a source's "certified" reference is re-checked by rebuilding its instance
 * (F(x*) recomputed from the stored x*, the duality gap at x* recomputed) before it may replace
 * or add to the target's; a forged one is rejected and reported; two certified references that
 * disagree are reported as a conflict; superseded history is not copied; the target is locked.
 */
import t from 'tap';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { mergeDatabases, verifyReference } from '../harness/commands/merge.ts';
import { openReadOnly, openStore } from '../harness/store/index.ts';
import type { ReferenceRow } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-merge-verify-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// one certified lasso instance (reference by cd, x* and spec stored), two runs
const plan = join(dir, 'plan.json');
writeFileSync(plan, JSON.stringify({
  name: 'mv', tol: 1e-10, maxIter: 5000,
  problems: [{ family: 'lasso', datasets: ['diabetes'], standardize: true, lambdaRatios: [0.1] }],
  solvers: [{ name: 'cd' }, { name: 'fista' }],
}));
const source = join(dir, 'source.db');
const r = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', plan, '--db', source, '--workers', '1', '--quiet'], { encoding: 'utf8' });
if (r.status !== 0) throw new Error(`bench failed: ${r.stderr}`);

async function onlyReference(path: string): Promise<ReferenceRow> {
  const s = await openReadOnly(path);
  try {
    const rows = await s.db.selectFrom('reference').selectAll().execute();
    if (rows.length !== 1) throw new Error(`expected one reference in ${path}, got ${rows.length}`);
    return rows[0] as ReferenceRow;
  } finally {
    await s.close();
  }
}

/** A copy of the source whose reference row is edited. */
async function forgedCopy(name: string, edit: Partial<ReferenceRow>): Promise<string> {
  const path = join(dir, name);
  copyFileSync(source, path);
  const s = await openStore(path);
  await s.db.updateTable('reference').set(edit).execute();
  await s.close();
  return path;
}

t.test('the genuine reference verifies: F(x*) and the gap recomputed from the rebuilt instance', async (t) => {
  const ref = await onlyReference(source);
  t.equal(ref.certified, 1);
  t.ok(ref.spec !== null && ref.x !== null, 'stored with its spec and x*');
  const v = await verifyReference(ref);
  t.equal(v.kind, 'verified');
  if (v.kind === 'verified') {
    t.equal(v.objective, ref.objective, 'the same objective, bit for bit');
    t.ok(v.relGap <= 1e-12);
  }
  const target = join(dir, 'fresh.db');
  const [c] = await mergeDatabases(target, [source]);
  t.same([c?.runs, c?.references, c?.rejected, c?.conflicts], [2, 1, [], []]);
  t.same(await onlyReference(target), ref);
});

t.test('a forged certified reference (objective − 1, rel_gap 1e-20) is rejected and reported', async (t) => {
  const genuine = await onlyReference(source);
  const forged = await forgedCopy('forged.db', { objective: genuine.objective - 1, rel_gap: 1e-20 });
  const v = await verifyReference(await onlyReference(forged));
  t.equal(v.kind, 'rejected');
  t.match(v.kind === 'rejected' ? v.why : '', /^stored objective .* but F\(x\*\) = .* \(differs by 1\.00e\+0\)$/);

  // into a target holding the correct F*: the target's is kept
  const target = join(dir, 'has-genuine.db');
  copyFileSync(source, target);
  const [c] = await mergeDatabases(target, [forged]);
  t.equal(c?.rejected.length, 1);
  t.match(c?.rejected[0], /lasso\/diabetes .*: certified reference rejected: stored objective/);
  t.equal(c?.references, 0);
  t.equal(c?.skippedDuplicate, 2, 'the runs are the same job keys');
  t.same(await onlyReference(target), genuine, 'F* untouched');

  // into an empty target: not copied at all
  const empty = join(dir, 'empty-target.db');
  const [d] = await mergeDatabases(empty, [forged]);
  t.equal(d?.rejected.length, 1);
  const s = await openReadOnly(empty);
  t.equal((await s.db.selectFrom('reference').selectAll().execute()).length, 0);
  await s.close();

  // a tampered x* with the right objective is caught by the recomputed objective too
  const x = JSON.parse(genuine.x as string) as number[];
  x[0] = (x[0] as number) + 0.5;
  const tampered = await forgedCopy('tampered.db', { x: JSON.stringify(x) });
  t.equal((await verifyReference(await onlyReference(tampered))).kind, 'rejected');
});

t.test('a claim without x* cannot be checked: copied only uncertified, never replacing', async (t) => {
  const noX = await forgedCopy('no-x.db', { x: null });
  const v = await verifyReference(await onlyReference(noX));
  t.same(v, { kind: 'unverifiable', why: 'no x* stored with it' });
  const empty = join(dir, 'unverifiable-target.db');
  await mergeDatabases(empty, [noX]);
  t.equal((await onlyReference(empty)).certified, 0, 'copied as uncertified');
});

t.test('two certified references that disagree: reported, the target kept', async (t) => {
  const genuine = await onlyReference(source);
  const target = join(dir, 'conflict.db');
  copyFileSync(source, target);
  const ts = await openStore(target);
  await ts.db.updateTable('reference').set({ objective: genuine.objective * (1 + 1e-6) }).execute();
  await ts.close();
  const [c] = await mergeDatabases(target, [source]);
  t.equal(c?.conflicts.length, 1);
  t.match(c?.conflicts[0], /relative difference 1\.00e-6\); kept the target's$/);
  t.equal((await onlyReference(target)).objective, genuine.objective * (1 + 1e-6));
});

t.test('superseded history is not copied; the merged target has one current run per key', async (t) => {
  const src = join(dir, 'history.db');
  copyFileSync(source, src);
  const rerun = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', plan, '--db', src, '--workers', '1', '--quiet', '--force'], { encoding: 'utf8' });
  t.equal(rerun.status, 0, rerun.stderr);
  const target = join(dir, 'history-target.db');
  const [c] = await mergeDatabases(target, [src, source]);
  t.equal(c?.runs, 2, 'the 2 current runs, not the 2 superseded ones');
  const s = await openReadOnly(target);
  t.teardown(() => s.close());
  const { rows } = await sql<{ n: number; k: number }>`select count(*) as n, count(distinct job_key) as k from runs`.execute(s.db);
  t.same(rows, [{ n: 2, k: 2 }]);
  t.equal(await s.integrityCheck(), 'ok');
});
