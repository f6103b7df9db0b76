/**
 * The l1bench solver protocol with real child processes (test/fixtures/protocol/ista-child.mjs,
 * plain Node): a streaming ISTA and a black-box ISTA are certified by l1bench's own gap, with the
 * child's own times; a child that throws, hangs, prints garbage, exits non-zero, reports an error
 * or sends a wrong-sized or non-finite x is a recorded status with its reason, never a crash.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lassoFromArrays, makeProblem, lassoFamily } from '../problems/zoo.ts';
import { simulateLasso } from '../problems/datasets/simulate.ts';
import { runSolver } from '../harness/runner.ts';
import { commandSolver } from '../harness/external/command.ts';
import { writeProblem, toleranceSequence, parseMessage, ProtocolError } from '../harness/external/protocol.ts';
import { cd } from '../solvers/cd.ts';
import { resolveParams } from '../harness/params.ts';

const child = fileURLToPath(new URL('./fixtures/protocol/ista-child.mjs', import.meta.url));
const ds = simulateLasso({ n: 40, p: 15, k: 4, seed: 3 });
const problem = makeProblem(lassoFamily, ds, { kind: 'ratio', ratio: 0.2 });
const solverFor = (mode: string) => commandSolver({ name: `ista-${mode}`, command: [process.execPath, child, mode] });
const run = (mode: string, opts: { tol?: number; maxIter?: number; timeoutSeconds?: number } = {}) =>
  runSolver(solverFor(mode), problem, {}, { tol: opts.tol ?? 1e-9, maxIter: opts.maxIter ?? 20000, tau: 0, seed: 0, ...(opts.timeoutSeconds ? { timeoutSeconds: opts.timeoutSeconds } : {}) });

t.test('the problem is written once, in the documented binary layout', async (t) => {
  const w = writeProblem(problem, { tolerances: toleranceSequence(1e-6), maxIter: 10, seed: 0, timeoutSeconds: null, params: { a: 1 } });
  try {
    const h = JSON.parse(readFileSync(w.headerPath, 'utf8')) as Record<string, unknown>;
    t.same([h['n'], h['p'], h['dim'], h['classes'], h['lambda'], h['datafit']], [40, 15, 15, 1, problem.lambda, 'quadratic']);
    t.same(h['tolerances'], [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6]);
    const X = readFileSync(`${w.dir}/X.f64`);
    t.equal(X.byteLength, 40 * 15 * 8);
    // entry (i, j) at j·n + i, little-endian float64
    t.equal(X.readDoubleLE((7 * 40 + 5) * 8), ds.X.data[7 * 40 + 5]);
    t.equal(readFileSync(`${w.dir}/y.f64`).readDoubleLE(39 * 8), ds.y[39]);
  } finally {
    w.dispose();
  }
});

t.test('a streaming child converges, certified by l1bench, on its own clock', async (t) => {
  const o = await run('stream');
  t.equal(o.status, 'converged', o.reason ?? '');
  t.ok((o.final?.relGap ?? 1) <= 1e-9, `relative gap ${o.final?.relGap}`);
  // same optimum as l1bench's cd
  const ref = await runSolver(cd, problem, resolveParams(cd, {}), { tol: 1e-13, maxIter: 10000, tau: 0, seed: 0 });
  t.ok(Math.abs((o.final?.objective ?? 0) - (ref.final?.objective ?? 1)) <= 1e-8 * Math.abs(ref.final?.objective ?? 1));
  const times = o.trace.map((p) => p.time);
  t.equal(times[0], 0, 'k = 0 is the starting point at time 0');
  t.ok(times.every((v, i) => i === 0 || v >= (times[i - 1] as number)), 'times are non-decreasing');
  t.ok(o.solverSeconds > 0 && o.solverSeconds < o.wallSeconds, 'the time is the child’s own, below the wall time (process start excluded)');
  t.ok(o.iterations > 10);
});

t.test('x may come back as a binary file (xFile)', async (t) => {
  const o = await run('xfile');
  t.equal(o.status, 'converged', o.reason ?? '');
});

t.test('a black box answers one fit per tolerance; the harness stops it once certified', async (t) => {
  const o = await run('blackbox', { tol: 1e-8 });
  t.equal(o.status, 'converged', o.reason ?? '');
  const tols = o.trace.slice(1).map((p) => p.extras?.['peerTol']);
  t.ok(tols.length >= 2 && tols.every((v, i) => i === 0 || (v as number) < (tols[i - 1] as number)), `tolerances tighten: ${tols.join(', ')}`);
  // stopped at the first certified fit: every earlier one was not certified
  const gaps = o.trace.map((p) => (p.gap as number) / Math.abs(p.objective));
  t.ok(gaps.slice(0, -1).every((g) => g > 1e-8) && (gaps[gaps.length - 1] as number) <= 1e-8, `relative gaps ${gaps.map((g) => g.toExponential(1)).join(' ')}`);
});

t.test('the child’s x is certified, not trusted: a liar does not converge', async (t) => {
  const o = await run('liar', { maxIter: 50 });
  t.equal(o.status, 'max_iter');
  t.ok((o.final?.relGap ?? 0) > 1e-3);
});

t.test('failures are statuses with a reason', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['throw', 'error', /exited with code 1: .*boom: the solver crashed/],
    ['garbage', 'error', /not JSON on stdout: 'Iteration 1: loss=0\.5'/],
    ['short', 'error', /x of length 2; the problem has dim = 15/],
    ['exit3', 'error', /exited with code 3: fatal: out of licences/],
    ['error', 'error', /reported an error: singular design/],
    ['nan', 'diverged', /non-finite/],
  ];
  for (const [mode, status, reason] of cases) {
    const o = await run(mode);
    t.equal(o.status, status, `${mode}: ${o.reason}`);
    t.match(o.reason ?? '', reason, mode);
  }
  const o = await run('hang', { timeoutSeconds: 1 });
  t.equal(o.status, 'timeout', o.reason ?? '');
  t.match(o.reason ?? '', /time budget of 1 s/);
  t.ok(o.wallSeconds < 3, `killed promptly (${o.wallSeconds.toFixed(2)} s)`);
  const missing = await runSolver(commandSolver({ name: 'nope', command: ['/nonexistent/solver'] }), problem, {}, { tol: 1e-9, maxIter: 10, tau: 0, seed: 0 });
  t.equal(missing.status, 'error');
  t.match(missing.reason ?? '', /cannot start '\/nonexistent\/solver'/);
});

t.test('at λ ≥ λ_max x₀ = 0 is certified before any child starts', async (t) => {
  const p = lassoFromArrays(ds.X, ds.y, { kind: 'ratio', ratio: 1.5 });
  const o = await runSolver(commandSolver({ name: 'never-started', command: ['/nonexistent/solver'] }), p, {}, { tol: 1e-9, maxIter: 10, tau: 0, seed: 0 });
  t.equal(o.status, 'converged');
  t.equal(o.iterations, 0);
});

t.test('message validation', async (t) => {
  t.throws(() => parseMessage('[1,2]', 2, '/tmp'), ProtocolError);
  t.throws(() => parseMessage('{"type":"iterate","x":[1,2]}', 2, '/tmp'), /needs "time"/);
  t.throws(() => parseMessage('{"type":"iterate","time":1,"xFile":"../etc/passwd"}', 2, '/tmp'), /plain file name/);
  const m = parseMessage('{"type":"solution","tol":0.01,"time":0.5,"x":[1.5,-Infinity]}', 2, '/tmp');
  t.equal(m.type, 'solution');
  if (m.type === 'solution') t.same([m.tol, m.x[0], m.x[1]], [0.01, 1.5, -Infinity]);
});
