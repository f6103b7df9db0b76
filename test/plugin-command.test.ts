/**
 * Solvers in any language, declared in a plan as `{ "name", "command": [...] }` and run on the
 * solver protocol (docs/solver-protocol.md): the worked Python example (examples/my_solver.py,
 * numpy only) is certified by l1bench's own duality gap on lasso, logistic and group lasso; a
 * command that throws, hangs, prints garbage or exits non-zero is recorded `error` / `timeout`
 * with its reason, and the bench carries on.
 */
import t from 'tap';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { openReadOnly } from '../harness/store/index.ts';
import type { RunRow } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-command-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const silent = { start() {}, update() {}, note() {}, stop() {} };

/** A Python 3 with numpy: the one on PATH, else Debian's python3-numpy at /usr/bin/python3. */
function pythonWithNumpy(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) return py;
  }
  return null;
}

async function runsOf(db: string): Promise<RunRow[]> {
  const s = await openReadOnly(db);
  try {
    return await s.runs();
  } finally {
    await s.close();
  }
}

t.test('the Python example runs through the protocol in a bench plan and is certified by the gap', async (t) => {
  const py = pythonWithNumpy();
  if (py === null) {
    t.fail('no python3 with numpy: apt-get install -y python3-numpy (.ci/run does)');
    return;
  }
  // The example plan as shipped, with the interpreter that has numpy.
  copyFileSync(resolve('examples/my_solver.py'), join(dir, 'my_solver.py'));
  const plan = JSON.parse(spawnSync('cat', [resolve('examples/python-plan.json')], { encoding: 'utf8' }).stdout) as { solvers: { name: string; command?: string[] }[] };
  for (const s of plan.solvers) if (s.command) s.command[0] = py;
  const cfg = join(dir, 'python-plan.json');
  writeFileSync(cfg, JSON.stringify(plan));
  const config = await loadConfig(cfg);
  const db = join(dir, 'python.db');
  const res = await runBench({ config, db, workers: 2, progress: silent });
  t.equal(res.records.length, 9);
  const runs = await runsOf(db);
  const mine = runs.filter((r) => r.solver === 'my-solver');
  t.same(mine.map((r) => r.family).sort(), ['group-lasso', 'lasso', 'logistic']);
  for (const r of mine) {
    t.equal(r.status, 'converged', `${r.family}: ${r.status} ${r.reason ?? ''}`);
    // l1bench's own certificate of the returned iterate, not the script's word.
    t.ok(r.rel_gap !== null && r.rel_gap <= 1e-9, `${r.family}: relative duality gap ${r.rel_gap} ≤ 1e-9`);
    const cd = runs.find((x) => x.family === r.family && x.solver === 'cd');
    t.ok(cd?.objective !== undefined && r.objective !== null && Math.abs((r.objective ?? NaN) - (cd?.objective ?? NaN)) <= 1e-7 * Math.abs(cd?.objective ?? 1), `${r.family}: objective agrees with cd`);
    t.match(JSON.parse(r.extras ?? '{}'), { plugin: { kind: 'command', sha256: /^[0-9a-f]{64}$/ } }, 'the run records the command and the sha256 of its script');
    t.ok((r.solver_seconds ?? 0) > 0 && (r.solver_seconds ?? Infinity) < (r.wall_seconds ?? 0), 'timed by the script\'s own clock, within the wall time');
  }
});

t.test('a command that throws, hangs, prints garbage or exits non-zero is recorded; the bench carries on', async (t) => {
  const script = (name: string, body: string): string => {
    writeFileSync(join(dir, name), body);
    return name;
  };
  const entries = [
    { name: 'py-throws', command: ['python3', script('throws.py', 'raise ValueError("my solver cannot handle this")\n')] },
    { name: 'py-hangs', command: ['python3', script('hangs.py', 'import time\nwhile True:\n    time.sleep(1)\n')] },
    { name: 'py-garbage', command: ['python3', script('garbage.py', 'print("hello, this is not the protocol", flush=True)\n')] },
    { name: 'py-exit', command: ['python3', script('exit.py', 'import sys\nprint("giving up", file=sys.stderr)\nsys.exit(3)\n')] },
    { name: 'no-such-program', command: ['/nonexistent/solver'] },
  ];
  const cfg = join(dir, 'faulty.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'faulty-commands',
      timeout: 2,
      problems: [{ family: 'lasso', datasets: ['sim-lasso:n=30,p=20,k=3'], standardize: true, lambdaRatios: [0.1] }],
      solvers: [...entries, { name: 'cd' }],
    }),
  );
  const db = join(dir, 'faulty.db');
  const res = await runBench({ config: await loadConfig(cfg), db, workers: 2, progress: silent });
  t.equal(res.records.length, 6, 'every job recorded');
  const by = new Map((await runsOf(db)).map((r) => [r.solver, r]));
  const want: [string, string, RegExp][] = [
    ['py-throws', 'error', /py-throws exited with code 1: ValueError: my solver cannot handle this/],
    ['py-hangs', 'timeout', /time budget of 2 s/],
    ['py-garbage', 'error', /hello, this is not the protocol/],
    ['py-exit', 'error', /py-exit exited with code 3: giving up/],
    ['no-such-program', 'error', /cannot start '\/nonexistent\/solver'/],
  ];
  for (const [name, status, reason] of want) {
    t.equal(by.get(name)?.status, status, `${name}: ${status}`);
    t.match(by.get(name)?.reason ?? '', reason, `${name}: the reason says why`);
  }
  t.equal(by.get('cd')?.status, 'converged', 'the built-in in the same plan converged');
  // Every failed command still has its certified starting point (k = 0) in the trace.
  const s = await openReadOnly(db);
  for (const [name] of want) t.ok((await s.trace(by.get(name)?.id ?? -1)).some((p) => p.k === 0), `${name}: trace keeps k = 0`);
  await s.close();
});

t.test('plan command entries are validated at the boundary', async (t) => {
  const cfg = join(dir, 'bad.json');
  const base = { name: 'bad', problems: [{ family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.1] }] };
  const cases: [unknown, RegExp][] = [
    [[{ name: 'x', command: [] }], /solvers\[0\]\.command must be a non-empty array of non-empty strings \(the argv\)/],
    [[{ name: 'x', command: 'python3 x.py' }], /solvers\[0\]\.command must be a non-empty array of non-empty strings \(the argv\)/],
    [[{ name: 'cd', command: ['python3', 'x.py'] }], /solvers\[0\]\.name is invalid: plugin command .* solver name 'cd' clashes with the built-in solver cd; rename it/],
    [[{ name: 'x', command: ['python3'], requires: ['gpu-magic'] }], /solvers\[0\]\.requires\[0\] 'gpu-magic' is not a capability; one of: smooth-gradient, /],
    [[{ name: 'cd', requires: ['prox'] }], /solvers\[0\]\.requires applies to command solvers only/],
  ];
  for (const [solvers, re] of cases) {
    writeFileSync(cfg, JSON.stringify({ ...base, solvers }));
    await t.rejects(loadConfig(cfg), { name: 'UserError', message: re }, JSON.stringify(solvers));
  }
});
