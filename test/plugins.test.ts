/**
 * TypeScript plugins from a folder outside the repository: type-checked with tsc against the
 * package's exports, run by `solve` and `bench` like built-ins (in the worker pool, in the
 * report), recorded with their path and sha256 (an edit reruns their jobs only); bad plugins are
 * one line, exit 2; a plugin that throws or hangs is a recorded status and the bench carries on.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openReadOnly } from '../harness/store/index.ts';
import { loadPluginModule } from '../harness/plugins.ts';
import { pluginSolver } from '../solvers/plugins.ts';

const repo = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'l1bench-plugin-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(repo, join(dir, 'node_modules', 'l1bench'));
writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');

const ISTA = `import type { AnyProblem, Callback, IterateView, Params, RunContext, Solver } from 'l1bench';
import { float64Problem, startingPoint } from 'l1bench';

/** Plain ISTA on F(x) = f(x) + λΩ(x): x ← prox_{(s/L)λΩ}(x − (s/L)∇f(x)). */
export const myIsta: Solver = {
  name: 'my-ista',
  description: 'plain ISTA, written outside l1bench',
  requires: ['smooth-gradient', 'lipschitz', 'prox', 'float64-engine'],
  params: { step: { type: 'number', default: 1, min: 1e-6, max: 1.999, doc: 'step multiplier s (step s/L)' } },
  run(anyProblem: AnyProblem, params: Params, callback: Callback, ctx: RunContext): void {
    const p = float64Problem(anyProblem, 'my-ista');
    const L = p.datafit.lipschitz ? p.datafit.lipschitz() : 1;
    const t = (params['step'] as number) / (L > 0 ? L : 1);
    const x = startingPoint(p.dim, ctx, 'my-ista');
    const g = new Float64Array(p.dim);
    const view: IterateView = { x: () => x };
    if (!callback(view)) return;
    for (;;) {
      p.datafit.gradient(x, g);
      for (let i = 0; i < p.dim; i++) x[i] = (x[i] as number) - t * (g[i] as number);
      p.penalty.prox(x, t * p.lambda, x);
      if (!callback(view)) return;
    }
  },
};
`;
const plugin = join(dir, 'my.ts');
writeFileSync(plugin, ISTA);

const run = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [join(repo, 'bin/l1bench.js'), ...args], { encoding: 'utf8', cwd: dir });
const tsc = join(repo, 'node_modules', '.bin', 'tsc');

t.test('a plugin outside the repo type-checks against the package (no deep imports)', async (t) => {
  const types = spawnSync(tsc, ['-p', 'tsconfig.types.json'], { encoding: 'utf8', cwd: repo });
  t.equal(types.status, 0, `npm run types: ${types.stdout}${types.stderr}`);
  const strict = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noUncheckedIndexedAccess: true, noEmit: true, skipLibCheck: false, types: [] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: strict, files: ['my.ts'] }));
  const ok = spawnSync(tsc, ['-p', '.'], { encoding: 'utf8', cwd: dir });
  t.equal(ok.status, 0, `tsc on my.ts: ${ok.stdout}`);
  // The worked example (the template of \`l1bench new-solver\`) type-checks the same way.
  copyFileSync(join(repo, 'examples', 'my-solver.ts'), join(dir, 'example.ts'));
  writeFileSync(join(dir, 'tsconfig.example.json'), JSON.stringify({ compilerOptions: strict, files: ['example.ts'] }));
  const ex = spawnSync(tsc, ['-p', 'tsconfig.example.json'], { encoding: 'utf8', cwd: dir });
  t.equal(ex.status, 0, `tsc on examples/my-solver.ts: ${ex.stdout}`);
  // The declarations carry real types: a capability that does not exist is a type error.
  writeFileSync(join(dir, 'bad.ts'), ISTA.replace("'float64-engine']", "'float64-engine', 'gpu-magic']"));
  writeFileSync(join(dir, 'tsconfig.bad.json'), JSON.stringify({ compilerOptions: strict, files: ['bad.ts'] }));
  const bad = spawnSync(tsc, ['-p', 'tsconfig.bad.json'], { encoding: 'utf8', cwd: dir });
  t.not(bad.status, 0);
  t.match(bad.stdout, /bad\.ts\(\d+,\d+\): error TS2322: Type '"gpu-magic"' is not assignable to type 'Capability'/);
});

t.test('solve --plugin: the plugin converges on a lasso, certified by the duality gap', async (t) => {
  const out = join(dir, 'solve.json');
  const r = run(['solve', '--plugin', plugin, '--solver', 'my-ista', '--problem', 'lasso', '--data', 'diabetes', '--standardize', '--lambda-ratio', '0.1', '--tol', '1e-9', '--no-db', '--quiet', '--out', out]);
  t.equal(r.status, 0, r.stderr);
  const res = JSON.parse(readFileSync(out, 'utf8')) as { status: string; relativeGap: number; solver: string };
  t.equal(res.solver, 'my-ista');
  t.equal(res.status, 'converged');
  t.ok(res.relativeGap <= 1e-9, `relative gap ${res.relativeGap}`);
  const list = run(['list', '--plugin', plugin]);
  t.equal(list.status, 0, list.stderr);
  t.match(list.stdout, new RegExp(`my-ista +plain ISTA, written outside l1bench \\[plugin: ${plugin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`));
});

t.test('bench --plugin: run in the pool beside the built-ins, in the report; editing it reruns its jobs only', async (t) => {
  const cfg = join(dir, 'plan.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'plugin-bench',
      tol: 1e-9,
      problems: [{ family: 'lasso', datasets: ['diabetes'], standardize: true, lambdaRatios: [0.1] }],
      solvers: [{ name: 'cd' }, { name: 'my-ista' }, { name: 'my-ista', params: { step: 1.5 } }],
    }),
  );
  const db = join(dir, 'bench.db');
  const r = run(['bench', '--plugin', plugin, '--config', cfg, '--db', db, '--workers', '2', '--quiet']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /3 jobs planned, 0 already in .*, 3 run now/);
  const s = await openReadOnly(db);
  const runs = await s.runs();
  await s.close();
  const mine = runs.filter((x) => x.solver === 'my-ista');
  t.equal(mine.length, 2);
  const sha = createHash('sha256').update(readFileSync(plugin)).digest('hex');
  for (const m of mine) {
    t.equal(m.status, 'converged', `${m.solver_label} converged`);
    t.ok((m.rel_gap ?? Infinity) <= 1e-9, `${m.solver_label}: relative gap ${m.rel_gap}`);
    t.same((JSON.parse(m.extras ?? '{}') as { plugin?: unknown }).plugin, { kind: 'module', path: plugin, sha256: sha }, 'the run records the plugin path and the sha256 of its bytes');
  }
  const rep = run(['report', '--db', db, '--out', join(dir, 'report'), '--quiet']);
  t.equal(rep.status, 0, rep.stderr);
  const html = readFileSync(join(dir, 'report', 'index.html'), 'utf8');
  t.match(html, /my-ista/, 'the report lists the plugin solver');
  t.match(html, /\bcd\b/, 'beside the built-ins');

  // Same bytes: nothing reruns. An edit: only the plugin's two jobs rerun.
  const again = run(['bench', '--plugin', plugin, '--config', cfg, '--db', db, '--workers', '1', '--quiet']);
  t.match(again.stdout, /3 jobs planned, 3 already in .*, 0 run now/);
  appendFileSync(plugin, '// edited\n');
  const edited = run(['bench', '--plugin', plugin, '--config', cfg, '--db', db, '--workers', '1', '--quiet']);
  t.equal(edited.status, 0, edited.stderr);
  t.match(edited.stdout, /3 jobs planned, 1 already in .*, 2 run now/);

  // The plan may name the plugin itself (relative to the config file).
  writeFileSync(cfg, JSON.stringify({ ...JSON.parse(readFileSync(cfg, 'utf8')), plugins: ['my.ts'] }));
  const viaPlan = run(['bench', '--config', cfg, '--db', db, '--workers', '1', '--quiet']);
  t.equal(viaPlan.status, 0, viaPlan.stderr);
  t.match(viaPlan.stdout, /3 jobs planned, 3 already in .*, 0 run now/, 'the same plugin through "plugins" has the same job keys');
});

t.test('a bad plugin is one line on stderr, exit 2', async (t) => {
  const write = (name: string, body: string): string => {
    const p = join(dir, name);
    writeFileSync(p, body);
    return p;
  };
  const solver = (fields: string): string => `export const s = { name: 'x-solver', description: 'd', requires: [], params: {}, run() {}, ${fields} };\n`;
  const cases: [string, string, RegExp][] = [
    ['missing file', join(dir, 'nope.ts'), /^l1bench: plugin .*nope\.ts does not exist; pass the path of a \.ts or \.js module exporting Solver objects\n$/],
    ['syntax error', write('syntax.ts', 'export const = ;\n'), /^l1bench: plugin .*syntax\.ts failed to load: .*\n$/],
    ['throws at import', write('boom.mjs', 'throw new Error("boom at load");\n'), /^l1bench: plugin .*boom\.mjs failed to load: boom at load\n$/],
    ['no solver', write('empty.ts', 'export const answer = 42;\n'), /^l1bench: plugin .*empty\.ts exports no Solver; .*\n$/],
    ['clash with a built-in', write('clash.ts', solver("name: 'cd'")), /^l1bench: plugin .*clash\.ts: solver name 'cd' clashes with the built-in solver cd; rename it\n$/],
    ['unknown capability', write('cap.ts', solver("requires: ['gpu-magic']")), /^l1bench: plugin .*cap\.ts: solver x-solver: unknown capability 'gpu-magic' in requires; known: smooth-gradient, .*\n$/],
    ['bad parameter spec', write('param.ts', solver("params: { lr: { type: 'number', default: 'fast', doc: 'rate' } }")), /^l1bench: plugin .*param\.ts: solver x-solver: params\.lr\.default must be a number, got "fast"\n$/],
    ['no run', write('norun.ts', "export default { name: 'x-solver', description: 'd', requires: [], params: {} };\n"), /^l1bench: plugin .*norun\.ts: solver x-solver: run must be a function .*\n$/],
    ['duplicate names', write('dup.ts', solver('') + solver('').replace('const s', 'const s2')), /^l1bench: plugin .*dup\.ts: two exported solvers are named 'x-solver'; names must be unique\n$/],
  ];
  // Each through the loader (what every command calls), in this process…
  for (const [what, file, re] of cases) {
    await t.rejects(loadPluginModule(file), { name: 'UserError', message: new RegExp(re.source.replace(/^\^l1bench: /, '^').replace(/\\n\$$/, '$')) }, what);
  }
  t.equal(pluginSolver('x-solver'), undefined, 'nothing of a bad plugin is registered');
  // …and through the CLI: one line, exit 2.
  const [what, file, re] = cases[4] as [string, string, RegExp];
  const r1 = run(['list', '--plugin', file]);
  t.equal(r1.status, 2, `${what}: exit 2`);
  t.match(r1.stderr, re, what);
  // Two plugins claiming one name.
  const other = write('other.ts', ISTA.replace('plain ISTA, written', 'another ISTA'));
  const r = run(['list', '--plugin', plugin, '--plugin', other]);
  t.equal(r.status, 2);
  t.match(r.stderr, /^l1bench: plugin .*other\.ts: solver name 'my-ista' is already taken by plugin .*my\.ts; rename one of them\n$/);
});

t.test('a plugin that throws or hangs is recorded error / timeout and the bench carries on', async (t) => {
  const bad = join(dir, 'faulty.ts');
  writeFileSync(
    bad,
    `import type { Solver } from 'l1bench';
const base = { description: 'faulty on purpose', requires: [], params: {} } as const;
export const thrower: Solver = { ...base, name: 'thrower', run(_p, _q, callback) { callback({ x: () => new Float64Array(10) }); throw new Error('my solver broke at iteration 1'); } };
export const hanger: Solver = { ...base, name: 'hanger', run() { for (;;) { /* never calls back */ } } };
`,
  );
  const cfg = join(dir, 'faulty.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'faulty',
      timeout: 2,
      problems: [{ family: 'lasso', datasets: ['diabetes'], standardize: true, lambdaRatios: [0.1] }],
      solvers: [{ name: 'thrower' }, { name: 'hanger' }, { name: 'cd' }],
    }),
  );
  const db = join(dir, 'faulty.db');
  const r = run(['bench', '--plugin', bad, '--config', cfg, '--db', db, '--workers', '2', '--quiet']);
  t.equal(r.status, 0, r.stderr);
  const s = await openReadOnly(db);
  const by = new Map((await s.runs()).map((x) => [x.solver, x]));
  await s.close();
  t.equal(by.get('thrower')?.status, 'error');
  t.match(by.get('thrower')?.reason ?? '', /my solver broke at iteration 1/);
  t.equal(by.get('hanger')?.status, 'timeout');
  t.match(by.get('hanger')?.reason ?? '', /exceeded the time budget of 2 s/);
  t.equal(by.get('cd')?.status, 'converged', 'the built-in beside them still ran');
});
