import t from 'tap';
import { parseConfig } from '../harness/bench/config.ts';
import { expandGrid, expandPlan } from '../harness/bench/plan.ts';
import { jobKey } from '../harness/job.ts';
import { findSolver } from '../solvers/index.ts';

t.test('expandGrid: cartesian product over sorted keys, merged over fixed params', async (t) => {
  t.same(expandGrid({ z: true }, { b: [1, 2], a: ['x', 'y'] }), [
    { z: true, a: 'x', b: 1 },
    { z: true, a: 'x', b: 2 },
    { z: true, a: 'y', b: 1 },
    { z: true, a: 'y', b: 2 },
  ]);
  t.same(expandGrid({}, {}), [{}], 'no grid: one instance with the defaults');
});

// A numeric parameter of spred-adam to grid over, with two values that differ from its default.
const adam = findSolver('spred-adam');
const [gk, gspec] = Object.entries(adam.params).find(([, p]) => p.type === 'number') ?? ['', undefined];
const lo = gspec?.min ?? 0;
const hi = gspec?.max ?? 1;
const gridValues = [0.3, 0.7].map((f) => Number((lo + f * (Math.min(hi, 1) - lo)).toPrecision(3))).filter((v) => v !== gspec?.default);

const config = parseConfig(
  {
    name: 'plan-test',
    seeds: [0],
    timeout: 30,
    problems: [
      { family: 'lasso', datasets: ['diabetes', 'sim-lasso:n=20,p=10'], lambdaRatios: [0.5, 0.1] },
      { family: 'mlp', datasets: ['wine'], lambdaRatios: [0.1], maxIter: 300 },
    ],
    solvers: [
      { name: 'cd', tol: 1e-12 },
      { name: 'spred-adam', grid: { [gk]: gridValues }, seeds: [1, 2], maxIter: 700 },
    ],
  },
  'plan-test',
);

t.test('plan: λ × datasets × (solver grid × seeds), deterministic keys and labels', async (t) => {
  t.equal(gridValues.length, 2, `gridding ${gk} over ${gridValues.join(', ')}`);
  const plan = expandPlan(config);
  // lasso: 2 datasets × 2 λ; mlp: 1 × 1  →  5 instances; per instance: cd × 1 seed + adam × 2 values × 2 seeds = 5
  t.equal(plan.instances.length, 5);
  t.equal(plan.jobs.length, 25);
  const again = expandPlan(config);
  t.same(again.jobs.map((j) => j.key), plan.jobs.map((j) => j.key), 'same config → same keys, same order');
  t.equal(new Set(plan.jobs.map((j) => j.key)).size, 25, 'keys are distinct');
  t.ok(plan.jobs.every((j) => j.key === jobKey(j.job)), 'key = jobKey(job)');
  const labels = [...new Set(plan.jobs.map((j) => j.label))].sort();
  t.same(labels, ['cd', ...gridValues.map((v) => `spred-adam[${gk}=${v}]`)].sort(), 'labels name the non-default grid values');
  const adamJobs = plan.jobs.filter((j) => j.job.solver === 'spred-adam');
  t.same([...new Set(adamJobs.map((j) => j.job.seed))], [1, 2], 'per-solver seeds');
  const onMlp = (j: { job: { problem: { family: string } } }): boolean => j.job.problem.family === 'mlp';
  t.ok(adamJobs.filter((j) => !onMlp(j)).every((j) => j.job.maxIter === 700 && j.job.tol === 1e-10 && j.job.timeoutSeconds === 30), 'per-solver maxIter, global tol and timeout');
  t.ok(adamJobs.filter(onMlp).every((j) => j.job.maxIter === 300), "the problem block's maxIter caps the solver's");
  t.ok(plan.jobs.filter((j) => j.job.solver === 'cd' && !onMlp(j)).every((j) => j.job.tol === 1e-12 && j.job.maxIter === 100000), 'per-solver tol');
  t.ok(plan.jobs.every((j) => j.job.suite === 'plan-test'));
  const first = plan.jobs[0];
  t.equal(first?.title, 'lasso/diabetes λ=0.5·λmax cd seed=0');
});

t.test('plan: capability mismatches are planned as skipped, with the reason', async (t) => {
  const plan = expandPlan(config);
  const skipped = plan.jobs.filter((j) => j.skip !== null);
  const cdReq = findSolver('cd').requires;
  const mlpLacks = cdReq.filter((c) => !['smooth-gradient', 'sample-mean', 'tensor-engine'].includes(c));
  t.equal(skipped.length, 1, 'cd on the mlp instance');
  t.equal(skipped[0]?.skip, `cd requires ${mlpLacks.join(', ')}, which problem 'mlp' does not provide`);
  t.equal(plan.jobs.filter((j) => j.instanceId === skipped[0]?.instanceId && j.skip === null).length, 4, 'spred-adam runs on mlp');
});

t.test('plan: --timeout overrides, --filter selects by title', async (t) => {
  const plan = expandPlan(config, { timeout: 5, filter: 'sim-lasso:n=20,p=10 λ=0.1·λmax cd' });
  t.equal(plan.jobs.length, 1);
  t.equal(plan.jobs[0]?.job.timeoutSeconds, 5);
  t.equal(plan.instances.length, 1, 'only instances with jobs are kept');
  t.not(plan.jobs[0]?.key, expandPlan(config, { filter: 'sim-lasso:n=20,p=10 λ=0.1·λmax cd' }).jobs[0]?.key, 'the timeout is part of the key');
});

t.test('plan: a λ-free solver (dense, gmp) runs at each block’s first λ only; the L1 methods at every λ', async (t) => {
  const c = parseConfig(
    {
      name: 'plan-lambda-free',
      seeds: [0, 1],
      problems: [{ family: 'nn-compression', datasets: ['digits'], lambdas: [1e-4, 1e-3, 1e-2], layers: [8] }],
      solvers: [{ name: 'dense' }, { name: 'gmp', grid: { sparsity: [0.8, 0.9] } }, { name: 'prox-adam' }],
    },
    'plan-lambda-free',
  );
  const plan = expandPlan(c);
  const count = (name: string): number => plan.jobs.filter((j) => j.job.solver === name).length;
  t.equal(count('dense'), 2, 'dense: 1 λ × 2 seeds');
  t.equal(count('gmp'), 4, 'gmp: 1 λ × 2 sparsities × 2 seeds');
  t.equal(count('prox-adam'), 6, 'prox-adam: 3 λ × 2 seeds');
  const lambdaOf = (j: (typeof plan.jobs)[number]): unknown => (j.job.problem.lambda.kind === 'absolute' ? j.job.problem.lambda.value : null);
  t.same([...new Set(plan.jobs.filter((j) => j.job.solver !== 'prox-adam').map(lambdaOf))], [1e-4], 'the λ-free runs sit at the first λ');
  t.ok(findSolver('dense').ignoresLambda && findSolver('gmp').ignoresLambda && !findSolver('prox-adam').ignoresLambda);
});

t.test('plan: a block’s `methods` runs only those solvers on its λ values (any family), the other blocks keep every solver', async (t) => {
  const c = parseConfig(
    {
      name: 'plan-methods',
      seeds: [0],
      problems: [
        { family: 'nn-compression', datasets: ['digits'], lambdas: [1e-4, 1e-3], layers: [8] },
        { family: 'nn-compression', datasets: ['digits'], lambdas: [1e-1], layers: [8], methods: ['prox-sgd'] },
      ],
      solvers: [{ name: 'dense' }, { name: 'prox-adam' }, { name: 'prox-sgd' }],
    },
    'plan-methods',
  );
  const plan = expandPlan(c);
  const at = (lambda: number): string[] => plan.jobs.filter((j) => j.job.problem.lambda.kind === 'absolute' && j.job.problem.lambda.value === lambda).map((j) => j.job.solver).sort();
  t.same(at(1e-4), ['dense', 'prox-adam', 'prox-sgd'], 'first block, first λ: every solver');
  t.same(at(1e-3), ['prox-adam', 'prox-sgd'], 'first block, second λ: the λ methods');
  t.same(at(1e-1), ['prox-sgd'], 'second block: its methods only (dense, λ-free, is not run again there)');
  t.throws(() => parseConfig({ name: 'x', problems: [{ family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.1], methods: ['nope'] }], solvers: [{ name: 'cd' }] }, 'x'), /methods\[0\]/, 'an unknown solver in methods is refused');
});
