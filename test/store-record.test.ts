import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../harness/store/index.ts';
import type { NewRun, NewTrace, RunRow, Store } from '../harness/store/index.ts';
import type { Status } from '../problems/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-store-record-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Every nullable column of runs set to null: what a run that omits them must read back as. */
const NULL_RUN_FIELDS = {
  suite: null, data_hash: null, instance_hash: null, n_samples: null, n_features: null, dim: null, lambda: null,
  lambda_ratio: null, lambda_max: null, backend: null, timeout_s: null, reason: null, solver_seconds: null,
  wall_seconds: null, iterations: null, objective: null, gap: null, rel_gap: null, kkt: null, nnz: null, subopt: null,
  rel_subopt: null, test_metric: null, reference_objective: null, reference_kind: null, imbalance: null,
  git_commit: null, extras: null, problem: null,
} as const;

/** Columns with defaults: a new run is current, with one repetition by default. */
const DEFAULT_RUN_FIELDS = { current: 1, repeats: 1 } as const;

/** A run with only the NOT NULL columns. */
function minimalRun(jobKey: string, status: Status = 'converged'): NewRun {
  return {
    job_key: jobKey, family: 'lasso', dataset: 'diabetes', solver: 'fista', solver_label: 'fista',
    params: '{}', seed: 1, engine: 'float64', tol: 1e-10, max_iter: 1000, tau: 1e-8, status,
    started_at: '2024-05-01T10:00:00.000Z', ended_at: '2024-05-01T10:00:02.500Z', git_dirty: 1,
    machine: 'host-a', node_version: 'v20.0.0', versions: '{"kysely":"0.28"}',
  };
}

/** A run with every column set. */
function fullRun(jobKey: string): NewRun {
  return {
    ...minimalRun(jobKey),
    suite: 'paper', data_hash: 'd'.repeat(64), instance_hash: 'i'.repeat(64), n_samples: 442, n_features: 10, dim: 10,
    lambda: 0.1 * 2.3456789012345678, lambda_ratio: 0.1, lambda_max: 2.3456789012345678,
    solver: 'spred-adam', solver_label: 'spred-adam[lr=0.001]', seed: 2 ** 31 + 7,
    params: JSON.stringify({ lr: 0.001, nesterov: true, schedule: 'cosine', batch: 32 }),
    engine: 'tfjs', backend: 'wasm', timeout_s: 60.5, reason: 'gap ≤ tol (ünïcode ok)',
    solver_seconds: 1.0000000000000002, wall_seconds: 2.5, iterations: 12345, objective: 1e300, gap: 1e-13,
    rel_gap: 5e-324, kkt: 3.141592653589793, nnz: 7, subopt: 1e-13, rel_subopt: 4.2e-14, test_metric: 0.9375,
    reference_objective: -1.7976931348623157e308, reference_kind: 'certified', imbalance: 0.5,
    git_commit: 'abc123', extras: JSON.stringify({ note: 'x' }),
  };
}

async function withStore(t: { teardown(fn: () => unknown): void }, name: string): Promise<Store> {
  const store = await openStore(join(dir, name));
  t.teardown(() => store.close());
  return store;
}

t.test('recordRun round-trips every column exactly', async (t) => {
  const store = await withStore(t, 'roundtrip.db');
  const full = fullRun('job-full');
  const id = await store.recordRun(full, []);
  const minimal = minimalRun('job-min', 'skipped');
  const id2 = await store.recordRun(minimal, []);
  t.equal(id2, id + 1, 'ids increase');

  const rows = await store.runs();
  t.equal(rows.length, 2);
  const [a, b] = rows as [RunRow, RunRow];
  t.same(a, { id, problem: null, ...DEFAULT_RUN_FIELDS, ...full }, 'full run');
  t.same(b, { id: id2, ...NULL_RUN_FIELDS, ...DEFAULT_RUN_FIELDS, ...minimal }, 'omitted nullable columns read back as null');
  // Bit-exact floats (t.same uses ==; check with Object.is).
  for (const key of ['lambda', 'lambda_max', 'solver_seconds', 'objective', 'gap', 'rel_gap', 'subopt', 'reference_objective'] as const) {
    t.ok(Object.is(a[key], full[key]), `${key} = ${String(full[key])} exactly`);
  }
  t.equal(a.seed, 2 ** 31 + 7, 'integers above 2^31');
  t.same(JSON.parse(a.params), { lr: 0.001, nesterov: true, schedule: 'cosine', batch: 32 }, 'JSON params');
  t.same(await store.run(id), a);
  t.equal(await store.run(9999), undefined);
});

t.test('trace: ordered by k, nulls, NaN and infinities, exact floats', async (t) => {
  const store = await withStore(t, 'trace.db');
  const ks = [0, 1, 2, 4, 8, 16, 32, 64, 100];
  const points: NewTrace[] = ks.map((k) => ({
    k, time: k * 1e-3, objective: 1 + 1 / (k + 1), subopt: 1e-13 * (k + 1), gap: k === 0 ? 1e300 : 1e-12 / k,
    kkt: k % 2 === 0 ? null : 0.5, nnz: k, test_metric: null, extras: k === 100 ? '{"last":true}' : null,
  }));
  points.push({ k: 200, time: 0.3, objective: Number.NaN, gap: Number.POSITIVE_INFINITY, subopt: Number.NEGATIVE_INFINITY });
  const shuffled = [...points].reverse();
  [shuffled[2], shuffled[5]] = [shuffled[5]!, shuffled[2]!];
  const id = await store.recordRun(minimalRun('job-trace', 'diverged'), shuffled);
  const rows = await store.trace(id);
  t.same(rows.map((r) => r.k), [...ks, 200], 'sorted by k whatever the insert order');
  for (const [i, p] of points.slice(0, ks.length).entries()) {
    const r = rows[i]!;
    t.ok(r.run_id === id && Object.is(r.time, p.time) && Object.is(r.objective, p.objective) &&
      Object.is(r.subopt, p.subopt) && Object.is(r.gap, p.gap) && r.kkt === p.kkt && r.nnz === p.nnz &&
      r.test_metric === null && r.extras === p.extras, `point k=${p.k} exact`);
  }
  t.same(rows[ks.length], {
    run_id: id, k: 200, time: 0.3, objective: null, subopt: Number.NEGATIVE_INFINITY,
    gap: Number.POSITIVE_INFINITY, kkt: null, nnz: null, test_metric: null, extras: null,
  }, 'NaN is stored as NULL, ±Infinity survive, omitted fields are NULL');
  t.same(await store.trace(id + 1), [], 'unknown run has no trace');
});

t.test('a run whose trace fails midway leaves nothing behind', async (t) => {
  const store = await withStore(t, 'atomic.db');
  const firstId = await store.recordRun(minimalRun('before'), [{ k: 0, time: 0, objective: 1 }]);
  // 250 points: the first two INSERT chunks (99 rows each) succeed, the duplicate k in the third fails.
  const points: NewTrace[] = Array.from({ length: 250 }, (_, k) => ({ k, time: k, objective: 1 }));
  points[240] = { k: 3, time: 240, objective: 1 };
  await t.rejects(store.recordRun(minimalRun('broken'), points), /UNIQUE constraint failed: trace\.run_id, trace\.k/);
  // The NOT NULL failure of the run row itself also stores nothing.
  const noMachine = { ...minimalRun('no-machine'), machine: null as unknown as string };
  await t.rejects(store.recordRun(noMachine, points.slice(0, 10)), /NOT NULL constraint failed: runs\.machine/);

  t.same([...(await store.finishedKeys())], ['before'], 'no partial run');
  const { n } = await store.db.selectFrom('trace').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(n, 1, 'no orphan trace rows');
  const next = await store.recordRun(minimalRun('after'), [{ k: 0, time: 0, objective: 2 }]);
  t.equal(next, firstId + 1, 'the failed run did not consume an id; the store is usable afterwards');
  t.equal(await store.integrityCheck(), 'ok');
});

t.test('supersedeRun keeps the old run as history; one current run per key is a constraint', async (t) => {
  const store = await withStore(t, 'supersede.db');
  const old = await store.recordRun(minimalRun('k1', 'timeout'), [{ k: 0, time: 0, objective: 3 }, { k: 1, time: 1, objective: 2 }]);
  const other = await store.recordRun(minimalRun('k2'), [{ k: 0, time: 0, objective: 5 }]);
  // a second current run of k1 cannot be stored, whatever the caller does
  await t.rejects(store.recordRun(minimalRun('k1', 'error'), []), /UNIQUE constraint failed: runs\.job_key/);
  await t.rejects(store.db.insertInto('runs').values({ ...minimalRun('k1'), current: 1 }).execute(), /UNIQUE constraint failed/);
  const fresh = await store.supersedeRun(minimalRun('k1', 'converged'), [{ k: 0, time: 0, objective: 1 }]);

  t.same((await store.runs({ jobKey: 'k1' })).map((r) => [r.id, r.status, r.current]), [[old, 'timeout', 0], [fresh, 'converged', 1]]);
  t.equal((await store.trace(old)).length, 2, 'the superseded run keeps its trace');
  t.equal((await store.currentRun('k1'))?.id, fresh);
  t.equal((await store.trace(other)).length, 1, 'other keys untouched');
  t.same([...(await store.finishedKeys())].sort(), ['k1', 'k2']);
  t.same((await store.runs({ current: false })).map((r) => r.id), [old]);

  // A failing replacement keeps the old run current.
  await t.rejects(store.supersedeRun(minimalRun('k2'), [{ k: 0, time: 0 }, { k: 0, time: 1 }]), /UNIQUE constraint/);
  t.same((await store.runs({ jobKey: 'k2' })).map((r) => [r.id, r.current]), [[other, 1]], 'rollback restored the old run');
  t.equal(await store.integrityCheck(), 'ok');
});

t.test('repetitions: stored with the run; addRepetitions appends and sets the medians', async (t) => {
  const store = await withStore(t, 'reps.db');
  const rep = (rep: number, s: number) => ({ rep, solver_seconds: s, wall_seconds: 2 * s, started_at: 'x' });
  const id = await store.recordRun({ ...minimalRun('r'), solver_seconds: 0.2, repeats: 3 }, [], [rep(0, 0.3), rep(1, 0.1), rep(2, 0.2)]);
  t.same((await store.repetitions(id)).map((r) => [r.rep, r.solver_seconds]), [[0, 0.3], [1, 0.1], [2, 0.2]]);
  // two more: times 0.1 0.2 0.3 0.5 0.6 → median 0.3; wall 2× → 0.6
  t.equal(await store.addRepetitions(id, [rep(0, 0.5), rep(0, 0.6)]), 5);
  t.same((await store.repetitions(id)).map((r) => r.rep), [0, 1, 2, 3, 4]);
  const row = await store.run(id);
  t.equal(row?.solver_seconds, 0.3);
  t.equal(row?.wall_seconds, 0.6);
  t.equal(row?.repeats, 5);
});

t.test('runs(filter) and finishedKeys cover every status', async (t) => {
  const store = await withStore(t, 'filter.db');
  const statuses: Status[] = ['converged', 'max_iter', 'stalled', 'timeout', 'diverged', 'error', 'skipped'];
  for (const [i, s] of statuses.entries()) {
    await store.recordRun({ ...minimalRun(`job-${s}`, s), solver_label: i % 2 === 0 ? 'a' : 'b', instance_hash: `h${i % 3}` }, []);
  }
  t.same(await store.finishedKeys(), new Set(statuses.map((s) => `job-${s}`)));
  t.same((await store.runs({ status: 'skipped' })).map((r) => r.job_key), ['job-skipped']);
  t.same((await store.runs({ status: ['error', 'timeout'] })).map((r) => r.job_key), ['job-timeout', 'job-error']);
  t.same(await store.runs({ status: [] }), []);
  t.same((await store.runs({ solverLabel: 'a', instanceHash: 'h0' })).map((r) => r.job_key), ['job-converged', 'job-skipped']);
  t.same((await store.runs({ solverLabel: 'b' })).map((r) => r.job_key), ['job-max_iter', 'job-timeout', 'job-error']);
  t.same(await store.runs({ family: 'logistic' }), []);
});

t.test('references: put, replace, get', async (t) => {
  const store = await withStore(t, 'reference.db');
  t.equal(await store.getReference('h'), undefined);
  const ref = {
    instance_hash: 'h', family: 'lasso', dataset: 'diabetes', lambda: 0.25, objective: 1234.5678901234567,
    gap: 1e-13, rel_gap: 8.1e-17, solver: 'cd', certified: 1, x: JSON.stringify([0, 1.5, -2e-9]),
    created_at: '2024-05-01T00:00:00.000Z', spec: null,
  };
  await store.putReference(ref);
  t.same(await store.getReference('h'), ref);
  await store.putReference({ ...ref, objective: 1234.5, gap: null, rel_gap: null, certified: 0, x: null });
  const got = await store.getReference('h');
  t.same(got, { ...ref, objective: 1234.5, gap: null, rel_gap: null, certified: 0, x: null }, 'replaced');
  const { n } = await store.db.selectFrom('reference').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  t.equal(n, 1);
});

t.test('20k trace rows in one run', async (t) => {
  const store = await withStore(t, 'big.db');
  const N = 20000;
  const points: NewTrace[] = Array.from({ length: N }, (_, k) => ({
    k, time: k * 1e-4, objective: 1 / (k + 1), subopt: 1e-13 / (k + 1), gap: 2 ** -k, kkt: null, nnz: k % 100,
  }));
  const t0 = performance.now();
  const id = await store.recordRun(minimalRun('big'), points);
  const ms = performance.now() - t0;
  t.ok(ms < 5000, `recorded ${N} rows in ${ms.toFixed(0)} ms`);
  const rows = await store.trace(id);
  t.equal(rows.length, N);
  // Σk = N(N−1)/2 and every value exact.
  t.equal(rows.reduce((s, r) => s + r.k, 0), (N * (N - 1)) / 2);
  t.ok(rows.every((r, k) => r.k === k && r.objective === 1 / (k + 1) && r.subopt === 1e-13 / (k + 1) && r.gap === 2 ** -k),
    'every row exact (2^-k down to the subnormal range and 0)');
});

t.test('concurrent recordRun calls are serialized, not interleaved', async (t) => {
  const store = await withStore(t, 'concurrent.db');
  const ids = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    store.recordRun(minimalRun(`c${i}`), Array.from({ length: 150 }, (_, k) => ({ k, time: k, objective: i })))));
  t.equal(new Set(ids).size, 12);
  for (const [i, id] of ids.entries()) {
    const tr = await store.trace(id);
    t.ok(tr.length === 150 && tr.every((p) => p.objective === i), `run ${i} has its own 150 points`);
  }
});

t.test('a second writer on one file waits (bounded) for the first, then gets it', async (t) => {
  const path = join(dir, 'two-writers.db');
  const a = await openStore(path);
  const trace: NewTrace[] = Array.from({ length: 300 }, (_, k) => ({ k, time: k }));
  await a.recordRun(minimalRun('w0'), trace);
  const t0 = performance.now();
  await t.rejects(openStore(path, { lockWaitSeconds: 0.3 }), { message: new RegExp(`is being written by process ${process.pid} \\(waited 0\\.3 s\\)`) });
  t.ok(performance.now() - t0 >= 300, 'it waited the bound before giving up');
  const later = openStore(path, { lockWaitSeconds: 5 });
  setTimeout(() => void a.close(), 200);
  const b = await later;
  t.teardown(() => b.close());
  await b.recordRun(minimalRun('w1'), trace);
  t.same([...(await b.finishedKeys())].sort(), ['w0', 'w1']);
});
