/**
 * gene-selection as a zoo family (problems/zoo.ts PROBLEMS) and `l1bench solve --problem
 * gene-selection` through the real CLI: it runs the protocol's path for one method and split,
 * prints one row per λ that matches the same job run in-process, records it in a real results.db,
 * and rejects the one-λ flags with one line on stderr and exit 2.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFamily, isProtocolFamily, PROBLEMS } from '../problems/zoo.ts';
import { GENE_FAMILY, runGenePath, type PathPoint } from '../harness/genes/path.ts';
import { openReadOnly } from '../harness/store/index.ts';

const BIN = new URL('../bin/l1bench.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'l1bench-genes-solve-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const DATA = 'sim-genes:n=80,p=60,k=4,block=4,mode=linear,seed=3';

t.test('gene-selection is in the one explicit list, as a protocol family', async (t) => {
  const f = findFamily(GENE_FAMILY);
  t.ok(PROBLEMS.includes(f));
  t.ok(isProtocolFamily(f), 'engine protocol: run by the harness, not built as one problem');
  t.equal(PROBLEMS.filter((x) => x.name === GENE_FAMILY).length, 1);
});

t.test('solve --problem gene-selection runs the path of one method and split, as in-process', async (t) => {
  const db = join(dir, 'results.db');
  const r = await cli(['solve', '--problem', 'gene-selection', '--data', DATA, '--solver', 'cd', '--seed', '2', '--path', '4', '--path-min-ratio', '0.1', '--db', db]);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.match(lines[0], /^cd on gene-selection\/sim-genes:.*, split 2 \(train \d+ \/ validation \d+ \/ test \d+\): L1 \/ group-L1 logistic/);
  t.match(lines[1], /path of 4 λ from λ_max = .* down to 0\.1·λ_max, warm-started, ≤ 200 Newton steps per λ; selected = groups with norm > τ = 0\.001/);
  const rows = lines.filter((l) => /^\s+\d+\s+\d\.\d\de[-+]\d+/.test(l)).map((l) => l.trim().split(/\s+/));
  t.equal(rows.length, 4, 'one row per λ');
  // the same job in this process: same λ ratios, gene counts, accuracies and recall
  const ref = await runGenePath({
    problem: { family: 'gene-selection', dataset: DATA, lambda: { kind: 'ratio', ratio: 0.1 }, genes: { count: 4, minRatio: 0.1, hidden: 32 }, backend: 'auto' },
    solver: 'cd',
    params: {},
    seed: 2,
    tol: 1e-10,
    maxIter: 200,
    timeoutSeconds: null,
  });
  ref.trace.forEach((tr, k) => {
    const p = JSON.parse(tr.extras as string) as PathPoint;
    const row = rows[k] as string[];
    t.equal(row[1], p.lambdaRatio.toExponential(2), `λ/λ_max at k = ${k + 1}`);
    t.equal(Number(row[2]), p.genes, `|S| at k = ${k + 1}`);
    t.equal(row[4], p.testAcc.toFixed(3), `test accuracy at k = ${k + 1}`);
    t.equal(row[6], p.refitTestAcc.toFixed(3), `refitted test accuracy at k = ${k + 1}`);
    t.equal(row[7], (p.recall as number).toFixed(3), `recall at k = ${k + 1}`);
  });
  t.ok(Number(rows[3]?.[2]) > Number(rows[0]?.[2]), 'more genes at smaller λ');
  t.match(r.stdout, /recorded in .*results\.db as run #1 \(suite 'solve'\)/);
  const store = await openReadOnly(db);
  const runs = await store.db.selectFrom('runs').select(['family', 'solver', 'seed', 'suite']).execute();
  const traces = await store.db.selectFrom('trace').select(['k']).execute();
  await store.close();
  t.same(runs, [{ family: 'gene-selection', solver: 'cd', seed: 2, suite: 'solve' }]);
  t.equal(traces.length, 4, 'one trace row per λ');
});

t.test('solve --problem gene-selection: the one-λ flags are refused in one line, exit 2', async (t) => {
  const r = await cli(['solve', '--problem', 'gene-selection', '--data', DATA, '--solver', 'cd', '--lambda-ratio', '0.1', '--no-db']);
  t.equal(r.code, 2);
  t.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.match(r.stderr, /--lambda-ratio does not apply to --problem gene-selection .*--path K and --path-min-ratio r/);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
