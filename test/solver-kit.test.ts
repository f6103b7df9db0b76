/**
 * `l1bench new-solver` and `l1bench test-solver`: the starting files pass the contract (TypeScript
 * and Python), the built-ins pass it, and the contract catches a solver that stops early, is not
 * deterministic or ignores its warm start.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Solver } from '../problems/types.ts';
import { checkSolver, type CheckResult } from '../harness/contract.ts';
import { loadConfig } from '../harness/bench/config.ts';
import { ista } from '../solvers/ista.ts';
import { fista } from '../solvers/fista.ts';
import { cd } from '../solvers/cd.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-kit-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [resolve('bin/l1bench.js'), ...args], { encoding: 'utf8', cwd: dir });

const states = (rs: readonly CheckResult[], check: string): string[] => rs.filter((r) => r.check === check).map((r) => r.state);

t.test('new-solver --lang ts: the starting file passes test-solver, and its plan loads', async (t) => {
  const w = run(['new-solver', 'my-ista']);
  t.equal(w.status, 0, w.stderr);
  t.match(w.stdout, /^wrote my-ista\.ts and my-ista\.plan\.json; next:\n {2}l1bench test-solver my-ista\.ts\n/);
  const text = readFileSync(join(dir, 'my-ista.ts'), 'utf8');
  t.match(text, /name: 'my-ista'/);
  t.match(text, /export const myIsta: Solver/);
  const r = run(['test-solver', 'my-ista.ts']);
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^my-ista:\n/);
  t.match(r.stdout, /PASS {2}logistic {5}optimality {3}converged after \d+ iterations: relative gap [0-9.]+e-\d+/);
  t.match(r.stdout, /\n9 passed, 0 failed\n$/);
  const cfg = await loadConfig(join(dir, 'my-ista.plan.json'));
  t.same(cfg.solvers.map((s) => s.name), ['cd', 'fista', 'my-ista']);
  // Existing files are never overwritten; a bad name is refused.
  const again = run(['new-solver', 'my-ista']);
  t.equal(again.status, 2);
  t.match(again.stderr, /^l1bench: .*my-ista\.ts already exists; remove it or choose another --dir\n$/);
  for (const [name, re] of [['cd', /'cd' is a built-in solver/], ['My Solver', /solver name must be lower-case letters/]] as const) {
    const bad = run(['new-solver', name]);
    t.equal(bad.status, 2, name);
    t.match(bad.stderr, re);
  }
});

t.test('new-solver --lang python: the starting script passes test-solver through the protocol', async (t) => {
  const py = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import numpy']).status === 0);
  if (py === undefined) {
    t.fail('no python3 with numpy: apt-get install -y python3-numpy (.ci/run does)');
    return;
  }
  const w = run(['new-solver', 'py-fista', '--lang', 'python']);
  t.equal(w.status, 0, w.stderr);
  t.ok(existsSync(join(dir, 'py_fista.py')));
  t.match(readFileSync(join(dir, 'py-fista.plan.json'), 'utf8'), /"command": \[\n\s+"python3",\n\s+"py_fista\.py"\n\s+\]/);
  const r = run(['test-solver', 'py_fista.py', '--python', py]);
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(r.stdout, /\n9 passed, 0 failed\n$/);
});

t.test('the built-ins pass the contract', async (t) => {
  for (const s of [ista, fista, cd]) {
    const rs = await checkSolver(s);
    t.same([...new Set(rs.map((r) => r.state))], ['pass'], `${s.name}: ${rs.filter((r) => r.state !== 'pass').map((r) => `${r.instance} ${r.check}: ${r.detail}`).join('; ')}`);
    t.equal(rs.length, 9);
  }
});

/** ISTA with a defect injected. */
function broken(name: string, defect: 'early' | 'random' | 'cold'): Solver {
  return {
    ...ista,
    name,
    run(problem, params, callback, ctx) {
      if (problem.engine !== 'float64') throw new Error('float64 only');
      const x = defect === 'cold' || !ctx.x0 ? new Float64Array(problem.dim) : ctx.x0.slice();
      const g = new Float64Array(problem.dim);
      const L = problem.datafit.lipschitz?.() ?? 1;
      const step = (defect === 'random' ? 0.5 + 0.5 * Math.random() : 1) / L;
      if (!callback({ x: () => x })) return;
      for (let k = 1; ; k++) {
        problem.datafit.gradient(x, g);
        for (let i = 0; i < problem.dim; i++) x[i] = (x[i] as number) - step * (g[i] as number);
        problem.penalty.prox(x, step * problem.lambda, x);
        if (!callback({ x: () => x }) || (defect === 'early' && k === 3)) return;
      }
    },
  };
}

t.test('the contract catches a solver that stops early, is not deterministic, or ignores the warm start', async (t) => {
  const early = await checkSolver(broken('early', 'early'));
  t.same(states(early, 'optimality'), ['fail', 'fail', 'fail'], 'stopping after 3 iterations is not optimal');
  t.match(early.find((r) => r.check === 'optimality')?.detail ?? '', /^stalled \(solver stopped on its own at iteration 3 /, 'recorded stalled, the store branch\'s status for a solver that returns early');
  const random = await checkSolver(broken('random', 'random'));
  t.same(states(random, 'determinism'), ['fail', 'fail', 'fail'], 'a random step differs between two seeded runs');
  const cold = await checkSolver(broken('cold', 'cold'));
  t.same(states(cold, 'warm start'), ['fail', 'fail', 'fail'], 'ignoring x₀ is caught');
  t.match(cold.find((r) => r.check === 'warm start')?.detail ?? '', /k = 0 has F = .*, not F\(x₀\) = /);
  t.same(states(cold, 'optimality'), ['pass', 'pass', 'pass'], 'and is still optimal from zero');

  // Through the CLI: a failing check is exit 1 (a finding), a missing file exit 2.
  writeFileSync(
    join(dir, 'early.ts'),
    `export const early = { name: 'early-stop', description: 'stops at once', requires: ['float64-engine'], params: {},
  run(p: { dim: number }, _q: unknown, callback: (v: { x(): Float64Array }) => boolean) { callback({ x: () => new Float64Array(p.dim) }); } };\n`,
  );
  const r = run(['test-solver', 'early.ts']);
  t.equal(r.status, 1, r.stderr);
  t.match(r.stdout, /FAIL {2}lasso {8}optimality/);
  const missing = run(['test-solver', 'nope.ts']);
  t.equal(missing.status, 2);
  t.equal(missing.stderr, 'l1bench: nope.ts does not exist; pass a solver module (.ts/.js) or a script on the solver protocol (.py, or an executable)\n');
});
