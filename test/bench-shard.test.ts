import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfigFile, loadSuite } from '../harness/bench/config.ts';
import { expandPlan, parseShard, shardPlan } from '../harness/bench/plan.ts';
import { runBench } from '../harness/bench/run.ts';
import { betterReference, mergeDatabases } from '../harness/commands/merge.ts';
import { openReadOnly, openStore } from '../harness/store/index.ts';
import type { NewReference, ReadStore, ReferenceRow } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-shard-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('parseShard: I/N with 1 ≤ I ≤ N, else a one-line UserError', async (t) => {
  t.same(parseShard('1/1'), { index: 1, count: 1 });
  t.same(parseShard('3/8'), { index: 3, count: 8 });
  for (const bad of ['0/2', '3/2', 'a/b', '1/0', '1', '1/2/3', '-1/2', '1.5/2', '']) {
    t.throws(() => parseShard(bad), { name: 'UserError', message: `--shard must be I/N with integers 1 ≤ I ≤ N (e.g. --shard 1/8), got '${bad}'` }, bad);
  }
});

t.test('the N shards of the quick plan partition it, in plan order', async (t) => {
  const plan = expandPlan(loadSuite('quick'));
  const all = plan.jobs.map((j) => j.key);
  t.ok(all.length > 20, `quick plans ${all.length} jobs`);
  t.same(expandPlan(loadSuite('quick')).jobs.map((j) => j.key), all, 'the expansion is deterministic');
  for (const n of [1, 2, 3, 7, all.length + 2]) {
    const seen = new Map<string, number>();
    for (let i = 1; i <= n; i++) {
      const shard = expandPlan(loadSuite('quick'), { shard: { index: i, count: n } });
      t.same(shard.jobs.map((j) => j.key), all.filter((_, p) => p % n === i - 1), `${i}/${n}: positions p ≡ ${i - 1} (mod ${n})`);
      t.same(shardPlan(plan, { index: i, count: n }).jobs.map((j) => j.key), shard.jobs.map((j) => j.key), 'shardPlan agrees with expandPlan');
      // Only the instances the shard's jobs touch (so only their references are computed).
      const used = new Set(shard.jobs.map((j) => j.instanceId));
      t.same(shard.instances.map((x) => x.id), plan.instances.filter((x) => used.has(x.id)).map((x) => x.id));
      for (const j of shard.jobs) seen.set(j.key, (seen.get(j.key) ?? 0) + 1);
    }
    t.equal(seen.size, all.length, `N=${n}: the union is the whole plan`);
    t.ok([...seen.values()].every((c) => c === 1), `N=${n}: the shards are disjoint`);
  }
});

const silent = { start() {}, update() {}, note() {}, stop() {} };

async function counts(path: string): Promise<{ runs: number; trace: number; refs: number }> {
  const s = await openReadOnly(path);
  try {
    const one = async (table: 'runs' | 'trace' | 'reference'): Promise<number> =>
      Number((await s.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { runs: await one('runs'), trace: await one('trace'), refs: await one('reference') };
  } finally {
    await s.close();
  }
}

async function traceByKey(s: ReadStore): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const r of await s.runs()) out.set(r.job_key, (await s.trace(r.id)).map((p) => p.k));
  return out;
}

t.test('shards 1/2 and 2/2 merged = the unsharded plan, each job once, with traces', async (t) => {
  const cfgPath = join(dir, 'tiny.json');
  writeFileSync(
    cfgPath,
    JSON.stringify({
      name: 'tiny-shard',
      seeds: [0],
      problems: [{ family: 'lasso', datasets: ['sim-lasso:n=30,p=20,k=3'], lambdaRatios: [0.1], standardize: true }],
      solvers: [{ name: 'cd' }, { name: 'ista' }, { name: 'fista' }],
    }),
  );
  const config = loadConfigFile(cfgPath);
  const planKeys = expandPlan(config).jobs.map((j) => j.key).sort();
  t.equal(planKeys.length, 3);
  const a = join(dir, 'a.db');
  const b = join(dir, 'b.db');
  const merged = join(dir, 'merged.db');
  const ra = await runBench({ config, db: a, workers: 2, shard: { index: 1, count: 2 }, progress: silent });
  const rb = await runBench({ config, db: b, workers: 2, shard: { index: 2, count: 2 }, progress: silent });
  t.equal(ra.records.length, 2, 'shard 1/2 runs positions 0 and 2');
  t.equal(rb.records.length, 1, 'shard 2/2 runs position 1');

  const ca = await counts(a);
  const cb = await counts(b);
  t.ok(ca.trace > 0 && cb.trace > 0, 'the shards recorded traces');
  const first = await mergeDatabases(merged, [a, b]);
  t.same(first.map((c) => [c.runs, c.traceRows, c.skippedDuplicate]), [[2, ca.trace, 0], [1, cb.trace, 0]]);
  // Both shards computed the same instance's reference: one row, the second source's not copied unless better.
  t.equal(first[0]?.references, 1);
  t.equal((first[1]?.references ?? 0) + (first[1]?.referencesKept ?? 0), 1);

  const cm = await counts(merged);
  t.equal(cm.runs, 3);
  t.equal(cm.trace, ca.trace + cb.trace, 'every trace row came along');
  t.equal(cm.refs, 1);
  const m = await openReadOnly(merged);
  const keys = (await m.runs()).map((r) => r.job_key).sort();
  t.same(keys, planKeys, 'exactly the jobs of the unsharded plan, each once');
  t.equal(await m.integrityCheck(), 'ok');
  // Each run's trace is attached to its new id: same k sequence as in its shard.
  const mt = await traceByKey(m);
  await m.close();
  for (const src of [a, b]) {
    const s = await openReadOnly(src);
    for (const [key, ks] of await traceByKey(s)) t.same(mt.get(key), ks, `trace of ${key.slice(0, 12)}… follows its run`);
    await s.close();
  }

  // Merging again (through the CLI) adds nothing.
  const again = spawnSync(process.execPath, ['bin/l1bench.js', 'merge', '--into', merged, a, b], { encoding: 'utf8' });
  t.equal(again.status, 0, again.stderr);
  t.match(again.stdout, /merged 2 database\(s\) into .*: 0 run\(s\), 0 trace row\(s\), 3 skipped-duplicate, 0 reference\(s\)/);
  t.same(await counts(merged), cm);

  // The merged database has nothing left to run.
  const bench = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', cfgPath, '--db', merged, '--quiet', '--workers', '1'], { encoding: 'utf8' });
  t.equal(bench.status, 0, bench.stderr);
  t.match(bench.stdout, /3 jobs planned, 3 already in .*, 0 run now/);

  // A malformed shard on the command line is one line, exit 2, nothing written.
  const bad = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', cfgPath, '--shard', '3/2', '--db', join(dir, 'x.db')], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.equal(bad.stderr, "l1bench: --shard must be I/N with integers 1 ≤ I ≤ N (e.g. --shard 1/8), got '3/2'\n");
});

function ref(fields: Partial<NewReference>): NewReference {
  return { instance_hash: 'h', family: 'lasso', dataset: 'd', lambda: 0.1, objective: 1, gap: null, rel_gap: null, solver: 'cd', certified: 0, x: null, created_at: '2024-01-01T00:00:00Z', ...fields };
}

t.test('references: certified first, then the smaller rel_gap; ties keep the target', async (t) => {
  const asRow = (r: NewReference): ReferenceRow => ({ ...ref({}), ...r }) as ReferenceRow;
  t.ok(betterReference(asRow(ref({ certified: 1, rel_gap: 1e-3 })), asRow(ref({ certified: 0, rel_gap: 1e-20 }))));
  t.ok(betterReference(asRow(ref({ rel_gap: 1e-9 })), asRow(ref({ rel_gap: 1e-6 }))));
  t.ok(betterReference(asRow(ref({ rel_gap: 1e-9 })), asRow(ref({ rel_gap: null }))), 'null rel_gap is the worst');
  t.notOk(betterReference(asRow(ref({ rel_gap: 1e-9 })), asRow(ref({ rel_gap: 1e-9 }))), 'a tie is not better');

  const target = join(dir, 'rt.db');
  const src = join(dir, 'rs.db');
  const ts = await openStore(target);
  await ts.putReference(ref({ instance_hash: 'keep', certified: 1, rel_gap: 1e-13, objective: 1 }));
  await ts.putReference(ref({ instance_hash: 'replace', certified: 0, rel_gap: 1e-6, objective: 2 }));
  await ts.close();
  const ss = await openStore(src);
  await ss.putReference(ref({ instance_hash: 'keep', certified: 1, rel_gap: 1e-12, objective: 10 }));
  await ss.putReference(ref({ instance_hash: 'replace', certified: 1, rel_gap: 1e-12, objective: 20 }));
  await ss.putReference(ref({ instance_hash: 'new', certified: 0, objective: 30 }));
  await ss.close();
  const [c] = await mergeDatabases(target, [src]);
  // These "certified" source rows carry no x* and no spec: their claim cannot be re-checked, so
  // they never replace a target's reference (verified replacement: test/store-merge-verify.test.ts).
  t.same([c?.references, c?.referencesKept], [1, 2]);
  const r = await openReadOnly(target);
  t.teardown(() => r.close());
  t.equal((await r.getReference('keep'))?.objective, 1, 'the target keeps its better reference');
  t.equal((await r.getReference('replace'))?.objective, 2, 'an unverifiable certified claim does not replace the target\'s reference');
  t.equal((await r.getReference('new'))?.objective, 30);
});

t.test('merge: a missing source or the target as a source is a UserError, nothing written', async (t) => {
  const target = join(dir, 'none.db');
  await t.rejects(mergeDatabases(target, [join(dir, 'missing.db')]), {
    name: 'UserError',
    message: `merge source ${join(dir, 'missing.db')} does not exist; pass the results databases written by \`l1bench bench --db\``,
  });
  const a = join(dir, 'self.db');
  await (await openStore(a)).close();
  await t.rejects(mergeDatabases(a, [a]), { name: 'UserError', message: `merge source ${a} is the target itself; pass other databases after --into ${a}` });
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'merge', '--into', target, join(dir, 'missing.db')], { encoding: 'utf8' });
  t.equal(r.status, 2);
  t.equal(r.stderr.split('\n').length, 2, 'one line');
  t.match(r.stderr, /^l1bench: merge source .*missing\.db does not exist/);
  t.notOk(existsSync(target), 'the target was not created');
});
