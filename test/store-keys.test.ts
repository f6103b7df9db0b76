/**
 * Job keys from content: on a copy of the repository (its tracked files, with this checkout's
 * node_modules linked in), a real `bench` reruns exactly the jobs whose content changed —
 * nothing after a README-only edit, the jobs of one solver after an edit of its file, the jobs of
 * a data file after its bytes changed — and `--force` reruns everything while keeping the old
 * runs as history.
 */
import t from 'tap';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { codeFiles, codeRoots, dataKey, fileHash, importsOf } from '../harness/keys.ts';
import { openReadOnly } from '../harness/store/index.ts';

const here = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'l1bench-keys-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('the code a run depends on: its solver, the family, the loaders and the runner — nothing else', async (t) => {
  const cd = codeFiles(codeRoots('cd', 'lasso'));
  for (const f of ['solvers/cd.ts', 'solvers/kernels/cd-quadratic.ts', 'problems/zoo.ts', 'problems/datasets/csv.ts', 'harness/runner.ts', 'problems/certificate.ts']) {
    t.ok(cd.includes(f), `cd on lasso depends on ${f}`);
  }
  for (const f of ['solvers/fista.ts', 'solvers/index.ts', 'harness/job.ts', 'reports/render.ts', 'README.md', 'harness/cli.ts']) {
    t.notOk(cd.includes(f), `cd on lasso does not depend on ${f}`);
  }
  t.same(importsOf(`import type { A } from './a.ts';\nimport { b } from "./b.ts";\nexport { c } from './c.ts';\nexport type { D } from './d.ts';\nconst m = await import('./e.ts');\nimport './f.ts';\nimport x from 'node:fs';`),
    ['./b.ts', './c.ts', './e.ts', './f.ts'], 'type-only imports erase and are not followed; packages are not files');
  // the peers' subprocess scripts are part of their code (editing one reruns its jobs)
  t.ok(codeFiles(codeRoots('sklearn-cd', 'lasso')).includes('harness/external/peers/sklearn_peer.py'), 'sklearn-cd depends on sklearn_peer.py');
  t.ok(codeFiles(codeRoots('glmnet', 'lasso')).includes('harness/external/peers/glmnet_peer.R'), 'glmnet depends on glmnet_peer.R');
  t.notOk(codeFiles(codeRoots('cd', 'lasso')).includes('harness/external/peers/sklearn_peer.py'), 'cd does not');
});

t.test('data keys: bytes, not paths', async (t) => {
  const a = join(dir, 'a.csv');
  const b = join(dir, 'elsewhere-b.csv');
  writeFileSync(a, 'x,y\n1,2\n3,4\n');
  writeFileSync(b, 'x,y\n1,2\n3,4\n');
  t.equal(dataKey(a), dataKey(b), 'the same bytes under two paths are the same data');
  t.equal(dataKey(a), `file:${fileHash(a)}`);
  t.match(dataKey('diabetes'), /^builtin:[0-9a-f]{64}$/, 'a builtin by its committed file');
  t.equal(dataKey('sim-lasso:n=10,p=5'), 'sim:sim-lasso:n=10,p=5', 'a simulation by its spec');
  t.match(dataKey('fashion-mnist-small'), /^fashion:fashion-mnist-small:[0-9a-f]{64},[0-9a-f]{64},[0-9a-f]{64},[0-9a-f]{64}$/, 'Fashion-MNIST by its IDX files');
});

t.test('bench on a copy of the repository reruns exactly what changed', async (t) => {
  const repo = join(dir, 'repo');
  const files = execFileSync('git', ['ls-files'], { cwd: here, encoding: 'utf8' }).split('\n').filter((f) => f !== '' && !f.startsWith('data/'));
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(here, f), join(repo, f));
  }
  symlinkSync(join(here, 'node_modules'), join(repo, 'node_modules'));
  const csv = join(dir, 'stale.csv');
  const rows = Array.from({ length: 40 }, (_, i) => {
    const x = [Math.sin(i + 1), Math.cos(2 * i + 1), Math.sin(3 * i + 2)];
    return [...x, 2 * x[0]! - x[2]! + 0.1 * Math.sin(7 * i)];
  });
  const write = (scale: number): void => writeFileSync(csv, 'a,b,c,y\n' + rows.map((r) => r.map((v) => String(v * scale)).join(',')).join('\n') + '\n');
  write(1);
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({
    name: 'keys', tol: 1e-10, maxIter: 5000,
    problems: [{ family: 'lasso', datasets: [csv, 'diabetes'], standardize: true, lambdaRatios: [0.1] }],
    solvers: [{ name: 'cd' }, { name: 'fista' }],
  }));
  const db = join(dir, 'keys.db');
  const bench = (...extra: string[]): number => {
    const r = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', plan, '--db', db, '--workers', '1', '--quiet', ...extra], { cwd: repo, encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    return Number(/(\d+) run now/.exec(r.stdout)?.[1] ?? NaN);
  };
  const objectives = async (): Promise<Map<string, number | null>> => {
    const s = await openReadOnly(db);
    try {
      return new Map((await s.runs({ current: true })).filter((r) => r.dataset === csv).map((r) => [`${r.solver}:${r.data_hash}`, r.objective]));
    } finally {
      await s.close();
    }
  };

  t.equal(bench(), 4, 'first bench runs the 4 jobs');
  appendFileSync(join(repo, 'README.md'), '\nA README-only change.\n');
  appendFileSync(join(repo, 'reports', 'render.ts'), '\n// a report-only change\n');
  t.equal(bench(), 0, 'README and report edits rerun nothing');
  appendFileSync(join(repo, 'solvers', 'fista.ts'), '\n// an edit of fista\n');
  t.equal(bench(), 2, "an edit of fista's file reruns fista's 2 jobs only");
  const before = await objectives();
  write(3);
  t.equal(bench(), 2, "new bytes in the data file rerun that file's 2 jobs");
  const after = await objectives();
  t.equal(after.size, 4, 'old and new data both have current runs (different content, different keys)');
  const oldCd = [...before.entries()].find(([k]) => k.startsWith('cd:'))![1]!;
  const newCd = [...after.entries()].find(([k, v]) => k.startsWith('cd:') && !before.has(k) && v !== null)![1]!;
  t.ok(Math.abs(newCd - oldCd) > 1e-3 * Math.abs(oldCd), `the new file's objective (${newCd}) is not the stale one (${oldCd})`);
  t.equal(bench(), 0, 'unchanged again: nothing reruns');

  t.equal(bench('--force'), 4, '--force reruns every job of the plan');
  const s = await openReadOnly(db);
  t.teardown(() => s.close());
  const all = await s.runs();
  t.equal(all.length, 12, 'no run was deleted: 4 + 2 + 2 + 4');
  t.equal(all.filter((r) => r.current === 0).length, 4, 'the 4 runs --force replaced are kept as history');
  t.equal(new Set(all.filter((r) => r.current === 1).map((r) => r.job_key)).size, all.filter((r) => r.current === 1).length, 'current keys unique');
  t.equal(await s.integrityCheck(), 'ok');
  t.ok(readFileSync(join(repo, 'README.md'), 'utf8').endsWith('A README-only change.\n'));
});
