/**
 * `l1bench solve`: one problem instance, one solver, under the harness clock; prints a summary,
 * optionally writes JSON (`--out`) and records the run in results.db (unless `--no-db`) under
 * suite `solve`, then says where. The solver runs once untimed (warm-up), then `--repeat R`
 * timed times (default 1); the time printed and stored is the median. The database is opened
 * (and locked against other writers) before the solve, but written only after `--out`
 * succeeded; an identical solve (same job key) already recorded gets this solve's times as
 * more repetitions of that run instead of a duplicate run.
 *
 * Exit codes: 0 when the run ended converged, max_iter or timeout (a result exists and its status
 * says how good it is); 3 when it diverged or errored; 2 for bad input (nothing is recorded).
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { UserError } from '../../problems/errors.ts';
import { parseLambda, PROBLEMS, type LambdaSpec } from '../../problems/zoo.ts';
import { FILE_FORMATS, type FileFormat } from '../../problems/datasets/index.ts';
import { checkTimeout, MAX_TIMEOUT_SECONDS } from '../../problems/limits.ts';
import { buildProblem, executeJob, resolveJobSolver, type JobResult, type JobSpec, type ProblemSpec } from '../job.ts';
import { MAX_REPEAT } from '../bench/config.ts';
import { parseParamFlags, skipReason } from '../params.ts';
import { openStore, type Store } from '../store/index.ts';
import { relSubopt } from '../runner.ts';
import { collect, loadPluginModule } from '../plugins.ts';
import { pluginSource } from '../../solvers/plugins.ts';
import { checkRatios, executePath, geometricRatios } from '../path.ts';
import { BACKEND_CHOICES, DEFAULT_BACKEND } from '../../problems/tensor/names.ts';
import { GENE_FAMILY } from '../genes/path.ts';
import { findSolver } from '../../solvers/index.ts';

interface SolveFlags {
  problem: string;
  data: string;
  target?: string;
  format?: string;
  lambda?: string;
  lambdaRatio?: string;
  solver: string;
  param: string[];
  tol: string;
  maxIter?: string;
  timeout?: string;
  tau?: string;
  seed: string;
  standardize?: boolean;
  groupSize?: string;
  groups?: string;
  backend: string;
  hidden: string;
  layers?: string;
  structure?: 'weight' | 'neuron';
  finetuneEpochs?: string;
  out?: string;
  db: string | false;
  plugin: string[];
  quiet?: boolean;
  path?: string;
  pathMinRatio?: string;
  heads?: string;
  repeat: string;
  lockWait?: string;
}

/** Suite recorded for ad-hoc runs of `l1bench solve`. */
export const SOLVE_SUITE = 'solve';

export function registerSolve(program: Command): void {
  program
    .command('solve')
    .description('solve one problem instance with one solver and certify the result')
    .requiredOption('--problem <name>', 'problem family: lasso | logistic | multinomial | multinomial-group | group-lasso | mlp | nn-compression | gene-selection (a λ path for one method and split: --path, --path-min-ratio, --seed = split)')
    .requiredOption('--data <spec>', 'dataset: a builtin name (diabetes, breast-cancer, wine, digits), sim-lasso:n=100,p=200,…, or a .csv/.csv.gz/LIBSVM file')
    .option('--target <column>', 'CSV column holding y (default: a column named y or target)')
    .addOption(new Option('--format <format>', 'data file format when the extension does not say (default: sniffed from the content)').choices([...FILE_FORMATS]))
    .option('--lambda <value>', 'absolute λ (or a fraction of λ_max written like 0.1*max)')
    .option('--lambda-ratio <ratio>', 'λ as a fraction of λ_max (e.g. 0.1); a decreasing list (1,0.5,0.1) solves a regularization path')
    .option('--path <K>', 'solve a regularization path: K values of λ, geometric from λ_max down to --path-min-ratio·λ_max, warm-started (lars and the peers use their own path)')
    .option('--path-min-ratio <r>', "smallest λ/λ_max of --path (default glmnet's: 1e-4 when n > p, else 1e-2)")
    .requiredOption('--solver <name>', 'solver (see `l1bench list`)')
    .option('--param <k=v>', 'solver parameter, repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--tol <t>', 'stop when the relative duality gap (or the KKT violation where there is no gap) ≤ t', '1e-10')
    .option('--max-iter <n>', 'iteration (epoch) budget (default 100000; gene-selection: per λ, default 100 epochs, cd 200 Newton steps)')
    .option('--timeout <seconds>', `wall-clock budget in seconds (at most ${MAX_TIMEOUT_SECONDS}, 7 days)`)
    .option('--tau <t>', "support threshold |x_i| > τ (default: the solver's own, 0 for exact-zero solvers)")
    .option('--seed <n>', 'seed for randomized solvers and simulated data', '0')
    .option('--standardize', 'center and scale every feature to unit variance')
    .option('--group-size <k>', 'contiguous groups of k features (group penalties)')
    .option('--groups <file>', 'JSON file of groups: an array of arrays of 0-based column indices')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend for tensor problems (auto: webgpu on a hardware GPU, else wasm)').choices([...BACKEND_CHOICES]).default(DEFAULT_BACKEND))
    .option('--hidden <n>', 'hidden units (mlp problem; gene-selection: of the MLP head)', '32')
    .option('--heads <h>', 'gene-selection network heads: linear | mlp | both (default both)')
    .option('--layers <widths>', 'hidden widths, comma-separated (nn-compression; default 300,100 = LeNet-300-100)')
    .addOption(new Option('--structure <s>', "nn-compression penalty: 'weight' (elementwise L1) or 'neuron' (a group per hidden neuron)").choices(['weight', 'neuron']))
    .option('--finetune-epochs <n>', 'nn-compression: epochs of threshold + fine-tune after the solve (default 0)')
    .option('--out <file>', 'write the result as JSON')
    .option('--db <file>', 'results database', 'results.db')
    .option('--no-db', 'do not record the run')
    .option('--plugin <file>', 'load solvers from a .ts/.js module of yours (repeatable); pick one with --solver', collect, [] as string[])
    .option('--repeat <n>', 'timed repetitions after one untimed warm-up (the median time is reported)', '1')
    .option('--lock-wait <seconds>', 'wait this long for another process writing --db (default 10)')
    .option('--quiet', 'print nothing on success')
    .action(async (flags: SolveFlags) => {
      process.exitCode = await solve(flags);
    });
}

function num(text: string | undefined, flag: string, opts: { integer?: boolean; positive?: boolean } = {}): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v)) throw new UserError(`${flag} must be a number, got '${text}'`);
  if (opts.integer && !Number.isInteger(v)) throw new UserError(`${flag} must be an integer, got ${text}`);
  if (opts.positive && !(v > 0)) throw new UserError(`${flag} must be positive, got ${text}`);
  return v;
}

function lambdaOf(flags: SolveFlags): LambdaSpec {
  if (flags.lambda !== undefined && flags.lambdaRatio !== undefined) throw new UserError('give either --lambda or --lambda-ratio, not both');
  if (flags.lambda !== undefined) return parseLambda(flags.lambda, '--lambda');
  if (flags.lambdaRatio !== undefined) {
    const r = num(flags.lambdaRatio.split(',')[0], '--lambda-ratio');
    if (!(r > 0)) throw new UserError(`--lambda-ratio must be positive, got ${flags.lambdaRatio}; e.g. --lambda-ratio 0.1`);
    return { kind: 'ratio', ratio: r };
  }
  throw new UserError('missing λ: pass --lambda VALUE or --lambda-ratio R (a fraction of λ_max)');
}

/** `--seed`: an integer in 0 … 2³¹ − 1, as in benchmark configs. */
function seedOf(text: string): number {
  const v = num(text, '--seed', { integer: true });
  if (v < 0 || v > 2 ** 31 - 1) throw new UserError(`--seed must be an integer in 0 … 2147483647, got ${text}`);
  return v;
}

/** Rejects contradictory group options: both --group-size and --groups, or either on a family without groups. */
function checkGroupFlags(flags: SolveFlags): void {
  if (flags.groupSize !== undefined && flags.groups !== undefined) {
    throw new UserError('give either --group-size K (contiguous groups) or --groups FILE, not both');
  }
  if (flags.groupSize === undefined && flags.groups === undefined) return;
  const flag = flags.groupSize !== undefined ? '--group-size' : '--groups';
  const fam = PROBLEMS.find((f) => f.name === flags.problem);
  if (fam && !fam.grouped) {
    const grouped = PROBLEMS.filter((f) => f.grouped).map((f) => f.name);
    throw new UserError(`${flag} does not apply to --problem ${flags.problem} (its penalty has no groups); drop it, or use a grouped problem: ${grouped.join(', ')}`);
  }
  if (flags.problem === 'mlp') throw new UserError(`${flag} does not apply to --problem mlp; drop it`);
}

async function solve(flags: SolveFlags): Promise<number> {
  for (const f of flags.plugin) await loadPluginModule(f);
  const plugin = pluginSource(flags.solver);
  checkGroupFlags(flags);
  if (flags.problem === GENE_FAMILY) return solveGenes(flags, flags.plugin.length > 0);
  const ratioList = flags.lambdaRatio !== undefined && flags.lambdaRatio.includes(',') ? checkRatios(flags.lambdaRatio.split(',').map((v) => num(v, '--lambda-ratio'))) : null;
  if (flags.path !== undefined && (flags.lambda !== undefined || ratioList !== null)) throw new UserError('--path makes its own λ grid: drop --lambda / the --lambda-ratio list (or give the list alone)');
  if (flags.pathMinRatio !== undefined && flags.path === undefined) throw new UserError('--path-min-ratio goes with --path K');
  const problemSpec: ProblemSpec = {
    family: flags.problem,
    dataset: flags.data,
    lambda: flags.path !== undefined ? { kind: 'ratio', ratio: 1 } : lambdaOf(flags),
    standardize: flags.standardize ?? false,
    ...(flags.target !== undefined ? { target: flags.target } : {}),
    ...(flags.format !== undefined ? { format: flags.format as FileFormat } : {}),
    ...(flags.groupSize !== undefined ? { groupSize: num(flags.groupSize, '--group-size', { integer: true, positive: true }) } : {}),
    ...(flags.groups !== undefined ? { groupsFile: flags.groups } : {}),
    ...(flags.problem === 'mlp' ? { backend: flags.backend, hidden: num(flags.hidden, '--hidden', { integer: true, positive: true }) } : {}),
    ...(flags.problem === 'nn-compression'
      ? {
          backend: flags.backend,
          ...(flags.layers !== undefined ? { layers: flags.layers.split(',').map((w) => num(w, '--layers', { integer: true, positive: true })) } : {}),
          ...(flags.structure !== undefined ? { structure: flags.structure } : {}),
          ...(flags.finetuneEpochs !== undefined ? { finetuneEpochs: num(flags.finetuneEpochs, '--finetune-epochs', { integer: true }) } : {}),
        }
      : {}),
  };
  const tau = flags.tau === undefined ? undefined : num(flags.tau, '--tau');
  if (tau !== undefined && tau < 0) throw new UserError(`--tau must be ≥ 0, got ${flags.tau}`);
  const job: JobSpec = {
    problem: problemSpec,
    solver: flags.solver,
    params: parseParamFlags(flags.param),
    seed: seedOf(flags.seed),
    tol: num(flags.tol, '--tol', { positive: true }),
    maxIter: num(flags.maxIter ?? '100000', '--max-iter', { integer: true, positive: true }),
    timeoutSeconds: flags.timeout === undefined ? null : checkTimeout(num(flags.timeout, '--timeout', { positive: true }), '--timeout'),
    ...(tau !== undefined ? { tau } : {}),
    ...(plugin ? { plugin } : {}),
    suite: SOLVE_SUITE,
    repeat: num(flags.repeat, '--repeat', { integer: true, positive: true }),
  };
  if ((job.repeat ?? 1) > MAX_REPEAT) throw new UserError(`--repeat must be at most ${MAX_REPEAT}, got ${flags.repeat}`);
  const lockWait = flags.lockWait === undefined ? undefined : num(flags.lockWait, '--lock-wait');
  if (lockWait !== undefined && lockWait < 0) throw new UserError(`--lock-wait must be ≥ 0 seconds, got ${flags.lockWait}`);
  // Validate everything before touching the database.
  const { solver } = resolveJobSolver(job);
  const problem = await buildProblem(problemSpec);
  const skip = skipReason(solver, problem);
  if (skip !== null) throw new UserError(`${skip}; pick another solver (see \`l1bench list\`)`);
  if (flags.path !== undefined || ratioList !== null) {
    const ratios =
      ratioList ??
      geometricRatios(
        num(flags.path, '--path', { integer: true, positive: true }),
        flags.pathMinRatio !== undefined ? num(flags.pathMinRatio, '--path-min-ratio') : problem.meta.nSamples > problem.meta.nFeatures ? 1e-4 : 1e-2,
      );
    return solvePath(flags, job, ratios, lockWait);
  }

  let store: Store | null = null;
  if (flags.db !== false) store = await openStore(flags.db, lockWait !== undefined ? { lockWaitSeconds: lockWait } : {});
  try {
    let reference: { objective: number; kind: 'certified' | 'best-seen' } | null = null;
    if (store) {
      const ref = await store.getReference(problem.instanceHash);
      if (ref) reference = { objective: ref.objective, kind: ref.certified ? 'certified' : 'best-seen' };
    }
    const result = await executeJob(job, { problem, reference, warmup: true });
    const r = result.run;
    // --out first: a failed write records nothing
    if (flags.out) writeOut(flags.out, result, problem.meta.labels ?? null);
    let where: string | null = null;
    if (store) {
      const existing = await store.currentRun(r.job_key);
      if (existing) {
        const n = await store.addRepetitions(existing.id, result.repetitions);
        where = `recorded in ${store.path} as more repetitions of run #${existing.id} (suite '${SOLVE_SUITE}', identical solve; ${n} timed repetitions now)`;
      } else {
        const id = await store.recordRun(r, result.trace, result.repetitions);
        where = `recorded in ${store.path} as run #${id} (suite '${SOLVE_SUITE}')`;
      }
    }
    if (!flags.quiet) {
      const fmt = (v: number | null | undefined, d = 6): string => (v === null || v === undefined ? '—' : v.toExponential(d));
      const lines = [
        `${r.solver_label} on ${r.family}/${r.dataset} (n=${r.n_samples}, p=${r.n_features}), λ=${fmt(r.lambda)} = ${(r.lambda_ratio ?? NaN).toPrecision(4)}·λ_max`,
        `status       ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
        `objective    ${r.objective === null || r.objective === undefined ? '—' : r.objective.toPrecision(15)}`,
        `duality gap  ${fmt(r.gap, 3)} (relative ${fmt(r.rel_gap, 3)})`,
        `KKT          ${fmt(r.kkt, 3)}`,
        `nnz          ${r.nnz ?? '—'} (τ = ${r.tau})`,
        `iterations   ${r.iterations ?? '—'}`,
        `solver time  ${r.solver_seconds === null || r.solver_seconds === undefined ? '—' : r.solver_seconds.toFixed(4)} s (wall ${r.wall_seconds?.toFixed(3) ?? '—'} s; warm, median of ${result.repetitions.length})`,
      ];
      if (reference && r.objective !== null && r.objective !== undefined) lines.push(`rel. subopt  ${relSubopt(r.objective, reference.objective).toExponential(3)} (reference: ${reference.kind})`);
      if (r.test_metric !== null && r.test_metric !== undefined) lines.push(`test metric  ${r.test_metric.toFixed(4)}`);
      const notes = problem.meta.notes ?? {};
      if (notes['dropped'] !== undefined) lines.push(`note         dropped ${String(notes['dropped'])}`);
      if (notes['indexBase'] === 0) lines.push('note         read as zero-based LIBSVM (index 0 present)');
      if (problem.engine === 'tfjs') {
        const { describeAdapter } = await import('../../problems/tensor/index.ts');
        lines.push(`backend      ${r.backend}${problem.adapter ? ` (${describeAdapter(problem.adapter)})` : ''}`);
      }
      lines.push(where ?? 'not recorded (--no-db)');
      process.stdout.write(lines.join('\n') + '\n');
    }
    return r.status === 'diverged' || r.status === 'error' ? 3 : 0;
  } finally {
    await store?.close();
  }
}

/** `solve --path`: one run per λ, recorded and printed as a table. */
async function solvePath(flags: SolveFlags, job: JobSpec, ratios: readonly number[], lockWait: number | undefined): Promise<number> {
  let store: Store | null = null;
  if (flags.db !== false) store = await openStore(flags.db, lockWait !== undefined ? { lockWaitSeconds: lockWait } : {});
  try {
    const results = await executePath(job, ratios);
    if (store) for (const r of results) await store.recordRun(r.run, r.trace, r.repetitions);
    const fmt = (v: number | null | undefined, d = 3): string => (v === null || v === undefined ? '—' : v.toExponential(d));
    if (!flags.quiet) {
      const first = results[0]?.run;
      const extras = first?.extras ? (JSON.parse(first.extras) as { path?: { id: string; mode: string } }) : {};
      const lines = [
        `${first?.solver_label} path on ${first?.family}/${first?.dataset} (n=${first?.n_samples}, p=${first?.n_features}): ${ratios.length} λ, ${extras.path?.mode} (path id ${extras.path?.id})`,
        '  k  λ/λ_max     λ           status     objective          rel. gap    nnz   time (s)  cumulative (s)',
      ];
      for (const [k, r] of results.entries()) {
        const run = r.run;
        const ex = run.extras ? (JSON.parse(run.extras) as { path?: { cumulativeSeconds: number | null } }) : {};
        lines.push(
          `${String(k + 1).padStart(3)}  ${(run.lambda_ratio ?? NaN).toExponential(2).padEnd(10)}  ${fmt(run.lambda, 3).padEnd(10)}  ${run.status.padEnd(9)}  ${run.objective === null || run.objective === undefined ? '—'.padEnd(17) : run.objective.toPrecision(12).padEnd(17)}  ${fmt(run.rel_gap, 2).padEnd(10)}  ${String(run.nnz ?? '—').padStart(4)}  ${(run.solver_seconds ?? NaN).toFixed(4).padStart(8)}  ${(ex.path?.cumulativeSeconds ?? NaN).toFixed(4).padStart(8)}`,
        );
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
    if (flags.out) {
      const out = results.map((r) => ({
        lambda: r.run.lambda ?? null,
        lambdaRatio: r.run.lambda_ratio ?? null,
        status: r.run.status,
        reason: r.run.reason ?? null,
        objective: r.run.objective ?? null,
        dualityGap: r.run.gap ?? null,
        relativeGap: r.run.rel_gap ?? null,
        kkt: r.run.kkt ?? null,
        nnz: r.run.nnz ?? null,
        solverSeconds: r.run.solver_seconds ?? null,
        path: r.run.extras ? ((JSON.parse(r.run.extras) as { path?: unknown }).path ?? null) : null,
        w: r.x ? Array.from(r.x) : null,
      }));
      try {
        writeFileSync(flags.out, JSON.stringify(out, null, 1) + '\n');
      } catch (e) {
        throw new UserError(`cannot write --out ${flags.out} (${(e as Error).message}); pass a writable path`);
      }
    }
    return results.some((r) => r.run.status === 'diverged' || r.run.status === 'error') ? 3 : 0;
  } finally {
    await store?.close();
  }
}

/** `solve --problem gene-selection`: the protocol's path for one method and split (harness/genes/cli.ts). */
async function solveGenes(flags: SolveFlags, plugin: boolean): Promise<number> {
  const misplaced = [
    ['--lambda', flags.lambda],
    ['--lambda-ratio', flags.lambdaRatio],
    ['--out', flags.out],
    ['--layers', flags.layers],
    ['--structure', flags.structure],
    ['--finetune-epochs', flags.finetuneEpochs],
    ['--standardize', flags.standardize],
    ['--target', flags.target],
    ['--format', flags.format],
    ['--plugin', plugin ? 'yes' : undefined],
  ].filter(([, v]) => v !== undefined);
  if (misplaced.length > 0) {
    throw new UserError(`${misplaced.map(([k]) => k).join(', ')} ${misplaced.length > 1 ? 'do' : 'does'} not apply to --problem gene-selection (it runs its own λ path from λ_max: set it with --path K and --path-min-ratio r)`);
  }
  if (flags.repeat !== '1') throw new UserError('--repeat does not apply to --problem gene-selection (one timed pass along the path)');
  const { solveGeneSelection } = await import('../genes/cli.ts');
  const lockWait = flags.lockWait === undefined ? undefined : num(flags.lockWait, '--lock-wait');
  return solveGeneSelection({
    data: flags.data,
    solver: findSolver(flags.solver).name,
    params: parseParamFlags(flags.param),
    split: seedOf(flags.seed),
    tol: num(flags.tol, '--tol', { positive: true }),
    maxIter: flags.maxIter === undefined ? null : num(flags.maxIter, '--max-iter', { integer: true, positive: true }),
    timeoutSeconds: flags.timeout === undefined ? null : checkTimeout(num(flags.timeout, '--timeout', { positive: true }), '--timeout'),
    ...(flags.path !== undefined ? { count: num(flags.path, '--path', { integer: true, positive: true }) } : {}),
    ...(flags.pathMinRatio !== undefined ? { minRatio: num(flags.pathMinRatio, '--path-min-ratio') } : {}),
    ...(flags.tau !== undefined ? { tau: num(flags.tau, '--tau') } : {}),
    hidden: num(flags.hidden, '--hidden', { integer: true, positive: true }),
    ...(flags.heads !== undefined ? { heads: flags.heads } : {}),
    backend: flags.backend,
    db: flags.db,
    ...(lockWait !== undefined ? { lockWait } : {}),
    quiet: flags.quiet ?? false,
    suite: SOLVE_SUITE,
  });
}

/** Writes the JSON result of a solve (a UserError if the path is not writable). */
function writeOut(path: string, result: JobResult, labels: Record<string, number> | null): void {
  const r = result.run;
  const out = {
    status: r.status,
    reason: r.reason ?? null,
    problem: r.family,
    dataset: r.dataset,
    solver: r.solver,
    solverLabel: r.solver_label,
    params: JSON.parse(r.params) as unknown,
    objective: r.objective ?? null,
    lambda: r.lambda ?? null,
    lambdaMax: r.lambda_max ?? null,
    lambdaRatio: r.lambda_ratio ?? null,
    dualityGap: r.gap ?? null,
    relativeGap: r.rel_gap ?? null,
    kkt: r.kkt ?? null,
    nnz: r.nnz ?? null,
    tau: r.tau,
    iterations: r.iterations ?? null,
    solverSeconds: r.solver_seconds ?? null,
    wallSeconds: r.wall_seconds ?? null,
    repetitionSeconds: result.repetitions.map((x) => x.solver_seconds),
    engine: r.engine,
    backend: r.backend ?? null,
    adapter: result.problem && result.problem.engine === 'tfjs' ? result.problem.adapter : null,
    labels,
    w: result.x ? Array.from(result.x) : null,
    trace: result.trace.map((t) => ({ k: t.k, time: t.time, objective: t.objective, gap: t.gap, kkt: t.kkt, nnz: t.nnz, subopt: t.subopt, testMetric: t.test_metric, extras: t.extras ? (JSON.parse(t.extras) as unknown) : null })),
  };
  try {
    writeFileSync(path, JSON.stringify(out, null, 1) + '\n');
  } catch (e) {
    throw new UserError(`cannot write --out ${path} (${(e as Error).message}); pass a writable path (nothing was recorded)`);
  }
}
