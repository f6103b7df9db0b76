/**
 * Fault injection, hostile input (issue 15, cases 1, 10–16 and the input parts of 12–13), through
 * the real CLI in real processes: every bad input gives one line on stderr naming the cause,
 * exit 2, no internal error, and leaves an existing results.db byte-for-byte intact. The inputs
 * users expect to load (CR-only lines, R row names, zero-based LIBSVM, LIBSVM's heart_scale
 * without an extension) load and give the same optimum as the same data written plainly.
 */
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../bin/l1bench.js', import.meta.url).pathname;
const HEART = new URL('./fixtures/liblinear/heart_scale', import.meta.url).pathname;

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Out> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `jobs` two at a time (the CI machine has 2 cores). */
async function inParallel<T>(jobs: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await (jobs[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'l1bench-fault-in-'));
const db = join(dir, 'results.db');
const f = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const good = f('good.csv', 'a,b,y\n1,2,3\n2,1,0\n0,1,1\n1,1,2\n');
const fifo = join(dir, 'fifo.csv');
execFileSync('mkfifo', [fifo]);
symlinkSync('/dev/zero', join(dir, 'zero.csv'));
mkdirSync(join(dir, 'adir.csv'));
f('semi.csv', 'a;b;y\n1;2;3\n2;1;0\n');
f('hex.csv', 'a,b,y\n0x10,2,3\n2,1,0\n');
f('blank.csv', 'a,b,y\n ,2,3\n2,1,0\n');
f('exp.svm', '1 1e1:0.5\n-1 1:1\n');
f('signed.svm', '1 +2:0.5\n-1 1:1\n');
f('hexval.svm', '1 2:0x10\n-1 1:1\n');
// 50 samples × index 1e8: a 5·10⁹-entry dense matrix (the "Invalid typed array length").
f('wide.svm', Array.from({ length: 50 }, (_, i) => `${i % 2 ? 1 : -1} 1:${i} 100000000:1`).join('\n') + '\n');
f('const.csv', 'a,b,y\n1,2,3\n2,1,3\n0,1,3\n');
f('one.csv', 'a,b,y\n1,2,3\n');
f('mystery.dat', 'just some words\nand more\n');
const gdir = f('g.json', '[[0],[1]]');
writeFileSync(join(dir, 'elf.csv'), Buffer.concat([Buffer.from('\x7fELF,y\n'), Buffer.alloc(64, 0), Buffer.from('1,2\n')]));
// A 17 GiB sparse file (no disk used): above the 16 GiB limit by its size alone.
const huge = join(dir, 'huge.csv');
execFileSync('truncate', ['-s', '17G', huge]);
// 3 MiB of valid CSV, read under a 1 µs read timeout.
const slow = f('slow.csv', 'a,b,y\n' + '1,2,3\n'.repeat(3 << 19));

const solve = (data: string, ...more: string[]): string[] => ['solve', '--problem', 'lasso', '--data', data, '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db, ...more];

const bad: [string, string[], RegExp][] = [
  ['case 1: --timeout 1e308', solve(good, '--timeout', '1e308'), /--timeout is 1e\+308 s, above the maximum of 604800 s/],
  ['case 1: --timeout 3000000', solve(good, '--timeout', '3000000'), /above the maximum of 604800 s \(7 days\)/],
  ['case 10: FIFO', solve(fifo), /fifo\.csv: is a FIFO .*not a regular file/],
  ['case 10: link to /dev/zero', solve(join(dir, 'zero.csv')), /zero\.csv: is a character device, not a regular file/],
  ['case 10: directory', solve(join(dir, 'adir.csv')), /adir\.csv: is a directory/],
  ['binary file as CSV', solve(join(dir, 'elf.csv')), /elf\.csv: is a binary file \(it contains NUL bytes\), not CSV text/],
  ['case 11: file above the size limit', solve(huge), /huge\.csv: the CSV data is 17\.0 GiB, above the limit of 16\.0 GiB; subsample or split the file/],
  ['case 10: read timeout', [...solve(slow), '--quiet'], /slow\.csv: reading the CSV file took over 0\.000001 s \(read timeout\)/],
  ['case 9: mlp hidden 1e8', ['solve', '--problem', 'mlp', '--data', 'wine', '--hidden', '100000000', '--lambda-ratio', '0.1', '--solver', 'spred-adam', '--db', db], /a network of widths 13→100000000→3 .* needs about .*GiB, more than .*; lower the hidden widths/],
  ['case 12: LIBSVM index 1e8', ['solve', '--problem', 'logistic', '--data', join(dir, 'wide.svm'), '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db], /wide\.svm: the dense 50 × 100000000 matrix/],
  ['case 12: sim-lasso n=p=1e8', solve('sim-lasso:n=1e8,p=1e8'), /sim-lasso: the 100000000 × 100000000 design.*lower n or p/],
  ['case 12: report --out a file', ['report', '--db', db, '--out', join(dir, 'good.csv')], /cannot write .*good\.csv.*(ENOTDIR|EEXIST)/],
  ['case 13: --param constructor', solve(good, '--param', 'constructor=1'), /unknown parameter 'constructor' for solver cd/],
  ['case 13: --param __proto__', solve(good, '--param', '__proto__=1'), /unknown parameter '__proto__' for solver cd/],
  ['case 13: --param toString', solve(good, '--param', 'toString=x'), /unknown parameter 'toString' for solver cd/],
  ['case 13: --group-size on lasso', solve(good, '--group-size', '2'), /--group-size does not apply to --problem lasso/],
  ['case 13: --group-size with --groups', ['solve', '--problem', 'group-lasso', '--data', good, '--lambda-ratio', '0.5', '--solver', 'fista', '--db', db, '--group-size', '1', '--groups', gdir], /either --group-size K .* or --groups FILE, not both/],
  ['case 13: --target on a builtin', solve('diabetes', '--target', 'y'), /--target applies to CSV files only; the builtin dataset 'diabetes'/],
  ['case 13: CSV 0x10', solve(join(dir, 'hex.csv')), /hex\.csv line 2, column 'a': '0x10' is not a decimal number/],
  ['case 13: CSV blank cell', solve(join(dir, 'blank.csv')), /blank\.csv line 2, column 'a': empty cell/],
  ['case 13: LIBSVM index 1e1', ['solve', '--problem', 'logistic', '--data', join(dir, 'exp.svm'), '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db], /exp\.svm line 1: index '1e1' .* not a plain decimal integer/],
  ['case 13: LIBSVM index +2', ['solve', '--problem', 'logistic', '--data', join(dir, 'signed.svm'), '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db], /signed\.svm line 1: index '\+2'/],
  ['case 13: LIBSVM value 0x10', ['solve', '--problem', 'logistic', '--data', join(dir, 'hexval.svm'), '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db], /hexval\.svm line 1: value '0x10' of feature 2 is not a decimal number/],
  ['case 14: semicolons', solve(join(dir, 'semi.csv')), /semi\.csv line 1: no commas, but ';' separators/],
  ['case 14: constant target, --standardize', solve(join(dir, 'const.csv'), '--standardize'), /λ_max = 0\): the target is constant/],
  ['case 14: single row, --standardize', solve(join(dir, 'one.csv'), '--standardize'), /λ_max = 0\): the dataset has a single sample/],
  ['case 16: unknown format', solve(join(dir, 'mystery.dat')), /mystery\.dat: cannot tell the data format.*--format csv/],
];

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

t.test('bad input: one line on stderr, exit 2, the database untouched', async (t) => {
  const first = await cli(solve(good, '--quiet'), dir);
  t.equal(first.code, 0, `seed run: ${first.stderr}`);
  const before = sha(db);
  const t0 = Date.now();
  const outs = await inParallel(bad.map(([name, args]) => () => cli(args, dir, name.includes('read timeout') ? { L1BENCH_READ_TIMEOUT: '1e-6' } : {})));
  bad.forEach(([name, , re], i) => {
    const o = outs[i] as Out;
    const lines = o.stderr.split('\n').filter((l) => l.trim() !== '');
    t.equal(o.code, 2, `${name}: exit 2 (stderr: ${o.stderr.trim()})`);
    t.equal(lines.length, 1, `${name}: one line on stderr`);
    t.match(o.stderr, re, `${name}: names the cause`);
    t.notMatch(o.stderr, /internal error|    at /, `${name}: no internal error or stack`);
  });
  t.equal(sha(db), before, 'results.db byte-for-byte unchanged');
  t.comment(`${bad.length} bad-input runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});

/** Objective of a solve written with --out. */
async function objective(t: Test, args: string[], name: string): Promise<{ objective: number; n: number; p: number; stdout: string }> {
  const out = join(dir, `${name}.json`);
  const o = await cli([...args, '--no-db', '--out', out], dir);
  t.equal(o.code, 0, `${name} solves (stderr: ${o.stderr.trim()})`);
  const j = JSON.parse(readFileSync(out, 'utf8')) as { objective: number; w: number[]; status: string };
  t.equal(j.status, 'converged', `${name} converged`);
  const m = /n=(\d+), p=(\d+)/.exec(o.stdout);
  return { objective: j.objective, n: Number(m?.[1]), p: Number(m?.[2]), stdout: o.stdout };
}

t.test('files users expect to load give the same optimum as the plain file', async (t) => {
  const rows = [[1, 2, 3], [2, 1, 0], [0, 1, 1], [1, 1, 2], [3, 0, 1]];
  const plain = f('plain.csv', 'a,b,y\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  const cr = f('cr.csv', 'a,b,y\r' + rows.map((r) => r.join(',')).join('\r') + '\r');
  const rnames = f('rnames.csv', '"","a","b","y"\n' + rows.map((r, i) => `"${i + 1}",${r.join(',')}`).join('\n') + '\n');
  const one = f('one.svm', rows.map((r) => `${r[2]} 1:${r[0]} 2:${r[1]}`).join('\n') + '\n');
  const zero = f('zero.svm', rows.map((r) => `${r[2]} 0:${r[0]} 1:${r[1]}`).join('\n') + '\n');
  const heartNoExt = join(dir, 'heart_scale');
  copyFileSync(HEART, heartNoExt);
  copyFileSync(HEART, join(dir, 'heart_scale.t'));
  copyFileSync(HEART, join(dir, 'heart.svm'));
  const lasso = (d: string): string[] => ['solve', '--problem', 'lasso', '--data', d, '--lambda-ratio', '0.3', '--solver', 'cd', '--tol', '1e-12'];
  const logit = (d: string): string[] => ['solve', '--problem', 'logistic', '--data', d, '--lambda-ratio', '0.1', '--solver', 'cd', '--tol', '1e-12'];
  const [base, crO, rnO, oneO, zeroO, hs, hsT, hsSvm] = await inParallel([
    () => objective(t, lasso(plain), 'plain'),
    () => objective(t, lasso(cr), 'cr'),
    () => objective(t, lasso(rnames), 'rnames'),
    () => objective(t, lasso(one), 'one-based'),
    () => objective(t, lasso(zero), 'zero-based'),
    () => objective(t, logit(heartNoExt), 'heart_scale'),
    () => objective(t, logit(join(dir, 'heart_scale.t')), 'heart_scale.t'),
    () => objective(t, logit(join(dir, 'heart.svm')), 'heart.svm'),
  ]);
  const b = base as Awaited<ReturnType<typeof objective>>;
  t.equal(b.n, 5);
  t.equal(b.p, 2);
  for (const [name, o] of [['CR-only', crO], ['R row names', rnO], ['one-based LIBSVM', oneO], ['zero-based LIBSVM', zeroO]] as const) {
    t.equal(o?.n, 5, `${name}: 5 samples`);
    t.equal(o?.p, 2, `${name}: 2 features (no row-number column, no empty column 0)`);
    t.ok(Math.abs((o?.objective ?? NaN) - b.objective) <= 1e-12 * Math.abs(b.objective), `${name}: same optimum as the plain CSV (${o?.objective} vs ${b.objective})`);
  }
  t.match(rnO?.stdout ?? '', /note +dropped the unnamed first column \(R write\.csv row names\)/, 'row-name column dropped with a note');
  t.match(zeroO?.stdout ?? '', /zero-based/, 'zero-based indices noted');
  for (const [name, o] of [['heart_scale', hs], ['heart_scale.t', hsT]] as const) {
    t.equal(o?.n, 270, `${name}: 270 samples`);
    t.equal(o?.p, 13, `${name}: 13 features`);
    t.equal(o?.objective, hsSvm?.objective, `${name}: sniffed as LIBSVM, same optimum as heart.svm`);
  }
});

t.test('case 15: bidi controls in a dataset path are shown escaped in the report', async (t) => {
  const sub = join(dir, 'd4');
  mkdirSync(sub);
  // Displays as d4/vsc.png when the U+202E is rendered raw.
  const spoof = join(sub, '\u202Egnp.csv');
  writeFileSync(spoof, readFileSync(good));
  const db2 = join(dir, 'bidi.db');
  const s = await cli(['solve', '--problem', 'lasso', '--data', spoof, '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db2, '--quiet'], dir);
  t.equal(s.code, 0, `solve (stderr: ${s.stderr.trim()})`);
  const out = join(dir, 'report');
  const r = await cli(['report', '--db', db2, '--out', out, '--quiet'], dir);
  t.equal(r.code, 0, `report (stderr: ${r.stderr.trim()})`);
  const html = ['index.html', 'family-lasso.html'].map((p) => readFileSync(join(out, p), 'utf8')).join('\n');
  t.notOk(/[\u202A-\u202E\u2066-\u2069]/.test(html), 'no raw bidi control anywhere in the pages');
  t.ok(html.includes('d4/\\u202Egnp.csv'), 'the path is shown with a visible \\u202E');
});
