/**
 * Fault injection, bounded resources (issue 15, cases 1, 7, 8, 9), through the real CLI: a bad
 * time budget, a huge plan or too many workers is one line on stderr, exit 2, quickly, with the
 * database untouched; a job that runs its worker out of memory is recorded `error`
 * ("out of memory: …") and the benchmark completes its other jobs, leaving a consistent database
 * (integrity_check ok, no job key twice).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';

const BIN = new URL('../bin/l1bench.js', import.meta.url).pathname;

interface Out {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Out> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'l1bench-fault-bench-'));
const db = join(dir, 'results.db');
const config = (name: string, body: Record<string, unknown>): string => {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify({ name, ...body }));
  return p;
};
const lasso = { family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.5] };
const cd = [{ name: 'cd' }];

function all<T>(file: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const d = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (e) => {
      if (e) return reject(e);
      d.all(sql, (err, rows) => {
        d.close();
        if (err) reject(err);
        else resolve(rows as T[]);
      });
    });
  });
}

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

t.test('a benchmark whose job runs out of memory records it as error and completes the others', async (t) => {
  const cfg = config('oom', { timeout: 60, problems: [{ ...lasso, lambdaRatios: [0.5, 0.1] }], solvers: [{ name: 'cd' }, { name: 'fista' }] });
  const o = await cli(['bench', '--config', cfg, '--db', db, '--workers', '1', '--worker-memory', '300', '--quiet'], dir, { L1BENCH_TEST_OOM: 'fista' });
  t.equal(o.code, 0, `bench exits 0 (stderr: ${o.stderr.trim()})`);
  const runs = await all<{ solver: string; status: string; reason: string | null }>(db, 'SELECT solver, status, reason FROM runs ORDER BY id');
  t.equal(runs.length, 4, 'all four jobs recorded');
  const fista = runs.filter((r) => r.solver === 'fista');
  const cdRuns = runs.filter((r) => r.solver === 'cd');
  t.equal(fista.length, 2);
  for (const r of fista) {
    t.equal(r.status, 'error', 'the out-of-memory job is an error run');
    t.match(r.reason ?? '', /^out of memory: the worker exceeded its 300 MiB heap limit/, 'its reason says out of memory');
  }
  t.same(cdRuns.map((r) => r.status), ['converged', 'converged'], 'the other jobs ran to convergence (on fresh workers)');
  const integrity = await all<{ integrity_check: string }>(db, 'PRAGMA integrity_check');
  t.same(integrity, [{ integrity_check: 'ok' }], 'integrity_check ok');
  const dups = await all<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM (SELECT job_key FROM runs GROUP BY job_key HAVING COUNT(*) > 1)');
  t.equal(dups[0]?.n, 0, 'no job key twice');
});

t.test('a model too large for its worker is recorded as error before allocating, and the others run', async (t) => {
  const db2 = join(dir, 'model.db');
  const cfg = config('model', {
    timeout: 60,
    problems: [lasso, { family: 'mlp', datasets: ['wine'], lambdaRatios: [0.1], hidden: 100_000_000 }],
    solvers: [{ name: 'spred-adam', maxIter: 3 }],
  });
  const o = await cli(['bench', '--config', cfg, '--db', db2, '--workers', '1', '--worker-memory', '1000', '--quiet'], dir);
  t.equal(o.code, 0, `bench exits 0 (stderr: ${o.stderr.trim()})`);
  t.ok(o.seconds < 60, `done in ${o.seconds.toFixed(1)} s (the model was never allocated)`);
  const runs = await all<{ family: string; status: string; reason: string | null }>(db2, 'SELECT family, status, reason FROM runs ORDER BY id');
  const mlp = runs.find((r) => r.family === 'mlp');
  const ls = runs.find((r) => r.family === 'lasso');
  t.equal(runs.length, 2, 'both jobs recorded');
  t.equal(mlp?.status, 'error');
  t.match(mlp?.reason ?? '', /a network of widths 13→100000000→3 .* needs about .*, more than the 1000 MiB this worker may use \(--worker-memory\)/);
  t.equal(ls?.status, 'max_iter', 'the lasso job ran its 3 iterations');
});

t.test('bad budgets, huge plans and too many workers: one line, exit 2, quickly, db untouched', async (t) => {
  t.ok(existsSync(db), 'the database of the first test exists');
  const before = sha(db);
  const lambdas = Array.from({ length: 100_000 }, (_, i) => 1 / (i + 2));
  const bigGrid = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000);
  const cases: [string, string[], RegExp][] = [
    ['case 1: "timeout": 3000000', ['--config', config('t1', { timeout: 3_000_000, problems: [lasso], solvers: cd })], /timeout must be a positive number ≤ 604800, got 3000000/],
    ['case 1: "referenceTimeout": 1e9', ['--config', config('t2', { referenceTimeout: 1e9, problems: [lasso], solvers: cd })], /referenceTimeout must be a positive number ≤ 604800, got 1000000000/],
    ['case 1: solver "timeout": 1e308', ['--config', config('t3', { problems: [lasso], solvers: [{ name: 'cd', timeout: 1e308 }] })], /solvers\[0\]\.timeout must be a positive number ≤ 604800, got 1e\+308/],
    ['case 1: --timeout 1e308', ['--suite', 'quick', '--timeout', '1e308'], /--timeout is 1e\+308 s, above the maximum/],
    [
      'case 7: 1000×1000 grid',
      ['--config', config('g', { problems: [lasso], solvers: [{ name: 'cd', grid: { innerRatio: bigGrid, maxInner: Array.from({ length: 1000 }, (_, i) => i + 1) } }] })],
      /plans 1\.000e6 jobs .*above the limit of 100000 per plan; split it into at least 10 configs/,
    ],
    ['case 7: 10⁶ seeds', ['--config', config('s', { seeds: Array.from({ length: 1_000_000 }, (_, i) => i), problems: [lasso], solvers: cd })], /plans 1\.000e6 jobs/],
    ['case 7: 10⁵ λ ratios', ['--config', config('l', { problems: [{ ...lasso, lambdaRatios: lambdas }], solvers: cd })], /plans 1\.000e5 jobs|100000 problem instances.*above the limit of 10000/],
    ['case 8: --workers 1000', ['--suite', 'quick', '--workers', '1000'], /--workers 1000 is more than the \d+ cores here.*--oversubscribe/],
    ['case 8: --oversubscribe past memory', ['--suite', 'quick', '--workers', '1000', '--oversubscribe', '--worker-memory', '1000000'], /--workers 1000 × --worker-memory 1000000 MiB .* more than this machine's/],
    ['case 9: --worker-memory 10', ['--suite', 'quick', '--workers', '1', '--worker-memory', '10'], /--worker-memory 10 MiB is too small/],
  ];
  for (const [name, args, re] of cases) {
    const o = await cli(['bench', ...args, '--db', db, '--quiet'], dir);
    const lines = o.stderr.split('\n').filter((l) => l.trim() !== '');
    t.equal(o.code, 2, `${name}: exit 2 (stderr: ${o.stderr.trim().slice(0, 300)})`);
    t.equal(lines.length, 1, `${name}: one line on stderr`);
    t.match(o.stderr, re, `${name}: names the size and the fix`);
    t.notMatch(o.stderr, /internal error|Maximum call stack|    at /, `${name}: no internal error`);
    t.ok(o.seconds < 30, `${name}: refused in ${o.seconds.toFixed(1)} s`);
  }
  t.equal(sha(db), before, 'results.db byte-for-byte unchanged');
});
