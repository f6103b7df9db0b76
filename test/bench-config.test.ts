import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, loadSuite, parseConfig, suiteNames } from '../harness/bench/config.ts';
import { expandPlan } from '../harness/bench/plan.ts';
import { validateInstances } from '../harness/bench/run.ts';
import { SOLVERS } from '../solvers/index.ts';
import { findFamily, isTensorFamily } from '../problems/zoo.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const good = {
  name: 't',
  problems: [{ family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.1, 0.01] }],
  solvers: [{ name: 'cd' }, { name: 'fista', maxIter: 500 }],
};
/** `good` with one field replaced (path given as keys). */
function edit(path: (string | number)[], value: unknown): unknown {
  const c = JSON.parse(JSON.stringify(good)) as Record<string | number, unknown>;
  let o = c;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete o[last];
  else o[last] = value;
  return c;
}
const names = SOLVERS.map((s) => s.name).join(', ');

t.test('a valid config parses with defaults', async (t) => {
  const c = parseConfig(good, 't');
  t.equal(c.tol, 1e-10);
  t.equal(c.maxIter, 100000);
  t.equal(c.timeout, 60);
  t.same(c.seeds, [0]);
  t.equal(c.solvers[1]?.maxIter, 500);
  t.same(c.problems[0]?.lambdaRatios, [0.1, 0.01]);
});

t.test('every mistake is one line naming the JSON path', async (t) => {
  const cases: [unknown, string][] = [
    [[], 'config t: (top level) must be an object, got []'],
    [edit(['name'], undefined), 'config t: name is missing; give the benchmark a name, e.g. "name": "my-bench"'],
    [edit(['tols'], 1), 'config t: tols is not a known field; allowed here: name, description, tol, maxIter, timeout, seeds, referenceTimeout, repeat, plugins, problems, solvers'],
    [edit(['tol'], -1), 'config t: tol must be a positive number, got -1'],
    [edit(['maxIter'], 10.5), 'config t: maxIter must be a positive integer, got 10.5'],
    [edit(['seeds'], [0, 'a']), 'config t: seeds[1] must be an integer in 0 … 2147483647, got "a"'],
    [edit(['problems'], []), 'config t: problems must not be empty'],
    [edit(['problems', 0, 'family'], 'lassoo'), "config t: problems[0].family 'lassoo' is not a problem family; one of: lasso, logistic, multinomial, multinomial-group, group-lasso, mlp"],
    [edit(['problems', 0, 'lambdaRatios', 1], -0.5), 'config t: problems[0].lambdaRatios[1] must be a positive number, got -0.5'],
    [edit(['problems', 0, 'lambdaRatios'], undefined), 'config t: problems[0].lambdaRatios is missing; give λ as fractions of λ_max, e.g. [0.1, 0.01] (or absolute "lambdas")'],
    [edit(['problems', 0, 'datasets'], 'diabetes'), 'config t: problems[0].datasets must be an array, got "diabetes"'],
    [edit(['problems', 0, 'family'], 'group-lasso'), 'config t: problems[0].groupSize is missing; family group-lasso needs contiguous groups of groupSize features'],
    [edit(['problems', 0, 'hidden'], 8), 'config t: problems[0].hidden applies to family mlp only; remove it'],
    [edit(['solvers', 1, 'name'], 'sgd'), `config t: solvers[1].name 'sgd' is not a solver; one of: ${names}`],
    [edit(['solvers', 0, 'timeout'], 0), 'config t: solvers[0].timeout must be a positive number ≤ 604800, got 0'],
    [edit(['problems', 0, 'groupSize'], 5), 'config t: problems[0].groupSize does not apply to this problem family; remove it'],
    [edit(['solvers', 0, 'params'], { batch: 32 }), `config t: solvers[0].params.batch is not a known field; allowed here: ${Object.keys(SOLVERS.find((s) => s.name === 'cd')!.params).join(', ') || '(none)'}`],
  ];
  for (const [json, msg] of cases) t.throws(() => parseConfig(json, 't'), { name: 'UserError', message: msg }, msg);
});

t.test('solver parameters are checked against the registry before anything runs', async (t) => {
  const fista = SOLVERS.find((s) => s.name === 'fista');
  if (!fista) throw new Error('no fista');
  const known = Object.keys(fista.params);
  t.throws(() => parseConfig(edit(['solvers', 1, 'grid'], { nope: [1] }), 't'), {
    message: `config t: solvers[1].grid.nope is not a known field; allowed here: ${known.join(', ')}`,
  });
  // A numeric parameter given a string that is not a number, inside a grid.
  const numeric = Object.entries(fista.params).find(([, p]) => p.type === 'number' || p.type === 'integer');
  if (numeric) {
    const [k, spec] = numeric;
    t.throws(() => parseConfig(edit(['solvers', 1, 'grid'], { [k]: [spec.default, 'fast'] }), 't'), {
      message: new RegExp(`^config t: solvers\\[1\\]\\.grid\\.${k}\\[1\\] must be a number[^,]* \\(parameter ${k} of fista\\), got "fast"$`),
    });
    const max = spec.max;
    if (max !== undefined) {
      t.throws(() => parseConfig(edit(['solvers', 1, 'params'], { [k]: max * 2 }), 't'), {
        message: `config t: solvers[1].params.${k} must be a number ≥ ${spec.min} and ≤ ${max} (parameter ${k} of fista), got ${max * 2}`,
      });
    }
    t.throws(() => parseConfig(edit(['solvers', 1], { name: 'fista', params: { [k]: spec.default }, grid: { [k]: [spec.default] } }), 't'), {
      message: `config t: solvers[1].grid.${k} is also fixed in params; keep it in one place`,
    });
  }
});

t.test('files and suites', async (t) => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"name": "x",');
  t.throws(() => loadConfigFile(bad), { message: /^config bad\.json is not valid JSON: / });
  t.throws(() => loadConfigFile(join(dir, 'none.json')), { message: `cannot read config ${join(dir, 'none.json')} (ENOENT); check the path` });
  t.throws(() => loadSuite('nope'), { message: `unknown suite 'nope'; choose one of: ${suiteNames().join(', ')} (or pass --config FILE)` });
  t.ok(suiteNames().includes('default') && suiteNames().includes('quick'), 'default and quick suites exist');
});

t.test('a dataset that cannot be built fails before anything runs, naming the config path', async (t) => {
  const c = parseConfig(edit(['problems', 0, 'datasets'], ['diabetes', 'breast-cancer']), 't');
  await t.rejects(validateInstances(expandPlan(c), c.source), {
    message: /^config t: problems\[0\]\.datasets\[1\]: dataset 'breast-cancer' has binary targets, not regression; /,
  });
});

t.test('the shipped suites are valid and every instance builds', async (t) => {
  for (const name of ['quick', 'default']) {
    const c = loadSuite(name);
    const plan = expandPlan(c);
    const infos = await validateInstances(plan, c.source);
    t.ok(plan.jobs.length > 0, `${name}: ${plan.jobs.length} jobs`);
    t.same(new Set(plan.jobs.map((j) => j.job.solver)), new Set(SOLVERS.map((s) => s.name)), `${name} runs every solver`);
    // tensor families (mlp, nn-compression) check their data without building a problem in the main thread
    // (gene-selection paths, harness/genes/, only load their data too)
    t.equal(infos.size, plan.instances.filter((i) => i.spec.family !== 'gene-selection' && !isTensorFamily(findFamily(i.spec.family))).length);
  }
});
