/**
 * Bad input through the real CLI: one line on stderr naming the problem and the fix, a non-zero
 * exit, no stack trace, and an existing results.db left byte-for-byte intact.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../bin/l1bench.js', import.meta.url).pathname;

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'l1bench-cli-'));
const db = join(dir, 'results.db');
const good = join(dir, 'good.csv');
writeFileSync(good, 'a,b,y\n1,2,3\n2,1,0\n0,1,1\n1,1,2\n');
writeFileSync(join(dir, 'ragged.csv'), 'a,b,y\n1,2,3\n2,1\n');
writeFileSync(join(dir, 'nan.csv'), 'a,b,y\n1,NaN,3\n2,1,0\n');
writeFileSync(join(dir, 'text.csv'), 'a,b,y\n1,abc,3\n2,1,0\n');
writeFileSync(join(dir, 'empty.csv'), '');
writeFileSync(join(dir, 'header.csv'), 'a,b,y\n');
writeFileSync(join(dir, 'bad.svm'), '1 1:0.5 2:x\n-1 1:1\n');
writeFileSync(join(dir, 'three.csv'), 'a,y\n1,a\n2,b\n3,c\n');

const base = ['solve', '--problem', 'lasso', '--data', good, '--lambda-ratio', '0.5', '--solver', 'cd', '--db', db];

const cases: [string, string[], RegExp][] = [
  ['missing file', ['solve', '--problem', 'lasso', '--data', join(dir, 'nope.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /nope\.csv.*not found/i],
  ['empty file', ['solve', '--problem', 'lasso', '--data', join(dir, 'empty.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /empty\.csv.*empty/i],
  ['header-only file', ['solve', '--problem', 'lasso', '--data', join(dir, 'header.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /header\.csv.*(no data|header)/i],
  ['ragged row', ['solve', '--problem', 'lasso', '--data', join(dir, 'ragged.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /ragged\.csv.*line 3/i],
  ['NaN', ['solve', '--problem', 'lasso', '--data', join(dir, 'nan.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /nan\.csv.*NaN/i],
  ['non-numeric', ['solve', '--problem', 'lasso', '--data', join(dir, 'text.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /text\.csv.*abc/],
  ['malformed LIBSVM', ['solve', '--problem', 'lasso', '--data', join(dir, 'bad.svm'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /bad\.svm.*line 1/i],
  ['negative λ', [...base.slice(0, 5), '--lambda', '-1', '--solver', 'cd', '--db', db], /--lambda must be positive/],
  ['non-numeric λ', [...base.slice(0, 5), '--lambda', 'abc', '--solver', 'cd', '--db', db], /--lambda must be a number/],
  ['no λ', [...base.slice(0, 5), '--solver', 'cd', '--db', db], /missing λ/],
  ['unknown solver', [...base.slice(0, 7), '--solver', 'newton', '--db', db], /unknown solver 'newton'.*cd/],
  ['unknown problem', ['solve', '--problem', 'svm', '--data', good, '--lambda', '0.1', '--solver', 'cd', '--db', db], /unknown problem 'svm'.*lasso/],
  ['unknown parameter', [...base, '--param', 'foo=1'], /unknown parameter 'foo'/],
  ['bad parameter value', [...base.slice(0, 7), '--solver', 'ista', '--db', db, '--param', 'step=abc'], /parameter step of ista must be a number/],
  ['unknown flag', [...base, '--frobnicate'], /unknown option '--frobnicate'/],
  ['unknown command', ['solv'], /unknown command 'solv'/],
  ['missing target column', ['solve', '--problem', 'lasso', '--data', good, '--target', 'zz', '--lambda', '0.1', '--solver', 'cd', '--db', db], /zz/],
  ['three classes for logistic', ['solve', '--problem', 'logistic', '--data', join(dir, 'three.csv'), '--lambda', '0.1', '--solver', 'cd', '--db', db], /3 classes.*multinomial/],
  ['lars on logistic', ['solve', '--problem', 'logistic', '--data', 'breast-cancer', '--lambda-ratio', '0.1', '--solver', 'lars', '--db', db], /lars requires .*squared-loss/],
];

t.test('bad input: one line, non-zero exit, no stack trace, results.db intact', async (t) => {
  // a database with one real run in it
  const first = await cli(base, dir);
  t.equal(first.code, 0, first.stderr);
  t.ok(existsSync(db));
  const hash = (): string => createHash('sha256').update(readFileSync(db)).digest('hex');
  const before = hash();
  // two at a time: this machine has two cores
  const results: { code: number; stdout: string; stderr: string }[] = [];
  for (let i = 0; i < cases.length; i += 2) {
    results.push(...(await Promise.all(cases.slice(i, i + 2).map(([, args]) => cli(args, dir)))));
  }
  cases.forEach(([name, , re], i) => {
    const r = results[i]!;
    t.not(r.code, 0, `${name}: non-zero exit`);
    const lines = r.stderr.trim().split('\n').filter((l) => l.trim() !== '');
    t.equal(lines.length, 1, `${name}: one line: ${JSON.stringify(r.stderr)}`);
    t.match(r.stderr, re, `${name}: names the problem`);
    t.notMatch(r.stderr, /\n\s+at /, `${name}: no stack trace`);
  });
  t.equal(hash(), before, 'results.db unchanged');
});

t.test('--no-db records nothing; --out writes the documented JSON', async (t) => {
  const out = join(dir, 'r.json');
  const fresh = join(dir, 'fresh.db');
  const r = await cli(['solve', '--problem', 'lasso', '--data', 'diabetes', '--standardize', '--lambda-ratio', '0.1', '--solver', 'cd', '--db', fresh, '--no-db', '--out', out], dir);
  t.equal(r.code, 0, r.stderr);
  t.notOk(existsSync(fresh), 'no database created');
  const j = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  for (const k of ['status', 'objective', 'lambda', 'lambdaMax', 'dualityGap', 'iterations', 'solverSeconds', 'w', 'trace']) t.ok(k in j, `has ${k}`);
  t.equal(j['status'], 'converged');
  t.equal((j['w'] as number[]).length, 10);
  t.ok(Math.abs((j['lambda'] as number) / (j['lambdaMax'] as number) - 0.1) < 1e-12);
  t.ok((j['dualityGap'] as number) <= 1e-10 * (j['objective'] as number));
});
