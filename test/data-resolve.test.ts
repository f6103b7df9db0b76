import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DATASETS, describeDatasets, resolveDataset } from '../problems/datasets/index.ts';
import { simulateLasso, simulateLogistic } from '../problems/datasets/simulate.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-resolve-'));

t.test('builtins by name, with task check and standardization', async (t) => {
  const d = resolveDataset('diabetes', { task: 'regression' });
  t.equal(d.name, 'diabetes');
  t.equal(d.X.n, 442);
  const s = resolveDataset('breast-cancer', { task: 'binary', standardize: true });
  t.equal(s.notes['standardized'], true);
  t.throws(() => resolveDataset('diabetes', { task: 'binary' }), {
    name: 'UserError',
    message: /^dataset 'diabetes' has regression targets, not binary; for binary use one of: breast-cancer, all-bt, all-bcrabl, bladderbatch, sim-logistic, sim-genes$/,
  });
  t.throws(() => resolveDataset('wine', { task: 'regression' }), { name: 'UserError', message: /'wine' has multiclass targets/ });
});

t.test('simulated specs: defaults, overrides, canonical name', async (t) => {
  const d = resolveDataset('sim-lasso:n=50,p=60,k=3,rho=0.5,snr=inf,seed=2', { task: 'regression' });
  const direct = simulateLasso({ n: 50, p: 60, k: 3, rho: 0.5, snr: Infinity, seed: 2 });
  t.equal(d.hash, direct.hash);
  t.equal(d.name, 'sim-lasso:n=50,p=60,k=3,rho=0.5,snr=Infinity,seed=2');
  // the canonical name resolves to the same data
  t.equal(resolveDataset(d.name, { task: 'regression' }).hash, d.hash);
  const def = resolveDataset('sim-lasso', { task: 'regression' });
  t.equal(def.X.n, 100);
  t.equal(def.X.p, 200);
  t.equal(def.trueSupport?.length, 10);
  const lg = resolveDataset('sim-logistic:n=40,p=8,k=2,separable=true', { task: 'binary' });
  t.equal(lg.hash, simulateLogistic({ n: 40, p: 8, k: 2, separable: true }).hash);
  t.equal(resolveDataset('sim-multinomial:classes=4', { task: 'multiclass' }).notes['classes'], 4);
  t.equal(resolveDataset('sim-group:p=20,groupSize=4,kGroups=2', { task: 'regression' }).trueSupport?.length, 8);
  t.equal(resolveDataset('sim-cs:n=10,N=100', { task: 'regression' }).X.p, 100);
});

t.test('simulated spec errors list the valid keys', async (t) => {
  const keys = /valid keys: n \(default 100\), p \(default 200\), k \(default 10\), rho \(default 0\), snr \(default 10\), seed \(default 0\)/;
  t.throws(() => resolveDataset('sim-lasso:n=10,q=3', { task: 'regression' }), { name: 'UserError', message: /sim-lasso: unknown key 'q'/ });
  t.throws(() => resolveDataset('sim-lasso:q=3', { task: 'regression' }), { message: keys });
  t.throws(() => resolveDataset('sim-lasso:n=ten', { task: 'regression' }), { message: /sim-lasso: n='ten' must be an integer; valid keys/ });
  t.throws(() => resolveDataset('sim-lasso:n=1.5', { task: 'regression' }), { message: /n='1.5' must be an integer/ });
  t.throws(() => resolveDataset('sim-lasso:rho=', { task: 'regression' }), { message: /rho='' must be a number/ });
  t.throws(() => resolveDataset('sim-lasso:n', { task: 'regression' }), { message: /'n' is not key=value/ });
  t.throws(() => resolveDataset('sim-lasso:n=3,n=4', { task: 'regression' }), { message: /key 'n' given twice/ });
  t.throws(() => resolveDataset('sim-logistic:separable=maybe', { task: 'binary' }), { message: /separable='maybe' must be true or false/ });
  t.throws(() => resolveDataset('sim-lasso:k=500', { task: 'regression' }), { message: /k=500 must be an integer in 1 … 200/ });
  t.throws(() => resolveDataset('sim-lasso', { task: 'binary' }), { message: /'sim-lasso' has regression targets, not binary/ });
  t.throws(() => resolveDataset('sim-foo:n=1', { task: 'regression' }), {
    message: "unknown generator 'sim-foo'; choose one of: sim-lasso, sim-logistic, sim-multinomial, sim-group, sim-cs",
  });
});

t.test('files by extension; unknown specs', async (t) => {
  const csv = join(dir, 'd.csv');
  writeFileSync(csv, 'a,b,label\n1,2,x\n3,4,z\n');
  const gz = join(dir, 'd.csv.gz');
  writeFileSync(gz, gzipSync('a,b,label\n1,2,x\n3,4,z\n'));
  const svm = join(dir, 'd.libsvm');
  writeFileSync(svm, 'x 1:1 2:2\nz 1:3 2:4\n');
  const a = resolveDataset(csv, { task: 'binary', target: 'label' });
  const b = resolveDataset(gz, { task: 'binary', target: 'label' });
  const c = resolveDataset(svm, { task: 'binary' });
  t.equal(a.hash, b.hash);
  t.equal(a.hash, c.hash);
  t.same(a.labels, { x: -1, z: 1 });
  for (const ext of ['.svm', '.svmlight', '.txt']) {
    const f = join(dir, `e${ext}`);
    writeFileSync(f, '1 1:2\n2 1:3\n');
    t.equal(resolveDataset(f, { task: 'regression' }).X.n, 2, ext);
  }
  const odd = join(dir, 'data.json');
  writeFileSync(odd, '{}');
  // Unknown extensions are sniffed from the content; content that is neither format is refused.
  t.throws(() => resolveDataset(odd, { task: 'regression' }), { name: 'UserError', message: /data\.json: cannot tell the data format .*--format csv or --format libsvm .*\.csv, \.csv\.gz, \.svm/ });
  const svmNoExt = join(dir, 'heart_like');
  writeFileSync(svmNoExt, '+1 1:0.5 3:1 \n-1 2:1\n');
  t.equal(resolveDataset(svmNoExt, { task: 'binary' }).X.p, 3, 'LIBSVM without an extension is sniffed');
  const csvNoExt = join(dir, 'table.data');
  writeFileSync(csvNoExt, 'a,y\n1,2\n2,3\n');
  t.equal(resolveDataset(csvNoExt, { task: 'regression' }).X.n, 2, 'CSV without a known extension is sniffed');
  t.equal(resolveDataset(svmNoExt, { task: 'binary', format: 'libsvm' }).X.n, 2, 'format given explicitly');
  t.throws(() => resolveDataset(join(dir, 'missing.csv'), { task: 'regression' }), { message: /missing\.csv: file not found/ });
  t.throws(() => resolveDataset('iris', { task: 'multiclass' }), {
    name: 'UserError',
    message: /^unknown dataset 'iris': not a builtin \(diabetes, breast-cancer, wine, digits, all-bt, all-bcrabl, all-mol, bladderbatch\), a generator \(sim-lasso, .*\) or an existing file$/,
  });
});

t.test('registry and listing', async (t) => {
  const names = DATASETS.map((d) => d.name);
  t.same(names, ['diabetes', 'breast-cancer', 'wine', 'digits', 'all-bt', 'all-bcrabl', 'all-mol', 'bladderbatch', 'sim-lasso', 'sim-logistic', 'sim-multinomial', 'sim-group', 'sim-cs', 'sim-genes']);
  t.same(new Set(names).size, names.length, 'unique names');
  const text = describeDatasets();
  for (const n of names) t.match(text, n);
  t.match(text, 'sim-lasso:n=100,p=200,k=10,rho=0,snr=10,seed=0');
  // every listed default spec resolves
  for (const d of DATASETS) {
    const task = d.tasks[0];
    if (d.kind === 'simulated' && task) t.ok(resolveDataset(d.name, { task }).X.n > 0, d.name);
  }
});
