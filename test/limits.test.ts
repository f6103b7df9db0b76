/**
 * The bounds of problems/limits.ts and their users, in process: the plan size counted from a
 * config equals the number of jobs its expansion yields; strict decimal parsing accepts exactly
 * Number()'s decimal forms; bidi controls are escaped and nothing else changes; memory checks
 * refuse by size, not by shape.
 */
import t from 'tap';
import { parseConfig } from '../harness/bench/config.ts';
import { expandPlan, planSize, MAX_PLAN_JOBS } from '../harness/bench/plan.ts';
import { strictNumber } from '../problems/datasets/read.ts';
import { escapeBidi } from '../reports/data.ts';
import { checkMemory, checkTimeout, formatBytes, memoryBudgetBytes, MAX_TIMEOUT_SECONDS } from '../problems/limits.ts';

t.test('planSize counts the jobs expandPlan yields, without expanding', async (t) => {
  const config = parseConfig(
    {
      name: 'size',
      seeds: [0, 1],
      problems: [
        { family: 'lasso', datasets: ['diabetes', 'sim-lasso:n=20,p=30'], lambdaRatios: [0.5, 0.1], lambdas: [0.3] },
        { family: 'logistic', datasets: ['breast-cancer'], lambdaRatios: [0.2] },
      ],
      solvers: [{ name: 'cd', grid: { innerRatio: [0.01, 0.1, 0.5] } }, { name: 'fista', seeds: [3] }, { name: 'ista', grid: { step: [0.5, 1] } }],
    },
    'test',
  );
  const size = planSize(config);
  // instances = 2·(2 + 1) + 1·1 = 7; per instance = 3·2 + 1·1 + 2·2 = 11.
  t.same(size, { instances: 7, jobs: 77 });
  t.equal(expandPlan(config).jobs.length, size.jobs, 'expansion yields exactly the counted jobs (no duplicates here)');
  const huge = parseConfig({ name: 'huge', seeds: Array.from({ length: MAX_PLAN_JOBS + 1 }, (_, i) => i), problems: [{ family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.5] }], solvers: [{ name: 'cd' }] }, 'huge');
  t.throws(() => expandPlan(huge), { name: 'UserError', message: /plans 1\.000e5 jobs \(1 instances\), above the limit of 100000 per plan; split it into at least 2 configs/ });
});

t.test('strictNumber: decimal forms only', async (t) => {
  for (const [s, v] of [['1', 1], ['-2.5', -2.5], ['+3', 3], ['.5', 0.5], ['5.', 5], ['1e-3', 1e-3], ['1E+2', 100], [' 7 ', 7], ['0', 0], ['-0', -0], ['007', 7]] as const) {
    t.equal(strictNumber(s), v, `'${s}' → ${v}`);
  }
  for (const s of ['', '  ', '0x10', '0X1f', '0b1', '0o7', 'NaN', 'Infinity', '-Infinity', '1e400', '1_000', 'abc', '1,5']) {
    t.ok(Number.isNaN(strictNumber(s)), `'${s}' refused`);
  }
});

t.test('escapeBidi escapes bidi and zero-width controls only', async (t) => {
  t.equal(escapeBidi('d4/\u202Egnp.csv'), 'd4/\\u202Egnp.csv');
  t.equal(escapeBidi('a\u2066b\u2069c\u200Fd\u061C'), 'a\\u2066b\\u2069c\\u200Fd\\u061C');
  const plain = 'λ=0.1·λmax 日本語 ünïcödé/ficher.csv';
  t.equal(escapeBidi(plain), plain, 'other text unchanged');
});

t.test('timeouts and memory checks', async (t) => {
  t.equal(checkTimeout(MAX_TIMEOUT_SECONDS, 'x'), MAX_TIMEOUT_SECONDS);
  t.ok((MAX_TIMEOUT_SECONDS + 1) * 1000 * 2 < 2 ** 31 - 1, 'twice the maximum (a reference with its cross-check) stays below the 32-bit setTimeout bound');
  for (const bad of [0, -1, NaN, Infinity, MAX_TIMEOUT_SECONDS + 1, 1e308]) t.throws(() => checkTimeout(bad, '--timeout'), { name: 'UserError' });
  const budget = memoryBudgetBytes();
  t.doesNotThrow(() => checkMemory('small', 1000, 'fix'));
  t.throws(() => checkMemory('big', Math.ceil(budget / 8) + 1, 'lower it'), { name: 'UserError', message: /^big needs about .* more than the .* this process may use; lower it$/ });
  t.throws(() => checkMemory('wide', 2 ** 32, 'lower it'), { message: /more than Node can hold/ });
  t.equal(formatBytes(17 * 2 ** 30), '17.0 GiB');
  t.equal(formatBytes(300 * 2 ** 20), '300 MiB');
  t.equal(formatBytes(1000 * 2 ** 20), '1000 MiB');
});
