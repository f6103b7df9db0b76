/**
 * The pool worker: runs one task (a benchmark job, or a reference solve) through the same
 * `buildProblem` / `executeJob` path as `l1bench solve`, streaming progress to the main thread
 * on the task's MessagePort (see protocol.ts). Loaded lazily by worker-entry.mjs.
 *
 * Test hook: with the environment variable `L1BENCH_TEST_HANG=NAME` (a solver name, or `1` for
 * every solver), a run job of that solver spins in a busy loop inside its third trace callback,
 * never returning to the solver — a stuck worker that only the pool's pre-emptive abort can stop.
 * Used by test/bench-timeout.test.ts; never set it otherwise.
 * Likewise `L1BENCH_TEST_OOM=NAME` makes a run job of that solver allocate JS objects until the
 * worker's heap limit kills it (test/fault-bench.test.ts: the job is recorded `error`, out of memory).
 *
 * A worker runs many jobs, so every job releases what its problem holds outside the JS heap (a
 * tensor problem's training and test tensors on the tfjs backend) when it ends, whatever its
 * outcome. A tensor job records the backend's allocated bytes before its problem was built and
 * after it was released (`extras.backendBytes` = { before, after }): equal from job to job in one
 * worker, and `after` = `before` within a job (test/worker-release.test.ts).
 */
import { buildProblem, executeJob, failedRow, resolveJobSolver, traceRow, type JobSpec } from '../job.ts';
import { skipReason, solverLabel } from '../params.ts';
import { errorMessage } from '../runner.ts';
import { ensurePlugin } from '../plugins.ts';
import { findSolver } from '../../solvers/index.ts';
import type { AnyProblem, TracePoint } from '../../problems/types.ts';
import { findFamily, isTensorFamily } from '../../problems/zoo.ts';
import type { PortMessage, ReferenceAttempt, ReferenceTask, RunTask, WorkerResult, WorkerTask } from './protocol.ts';
import { GENE_FAMILY, runGenePath } from '../genes/path.ts';
import { executePath } from '../path.ts';

/** Runs one pool task. Solver failures come back as rows; only invalid specs throw. */
export async function runJob(task: WorkerTask): Promise<WorkerResult> {
  try {
    return task.kind === 'run' ? await runTask(task) : await referenceTask(task);
  } finally {
    task.port.close();
  }
}

function post(task: WorkerTask, msg: PortMessage): void {
  task.port.postMessage(msg);
}

function shouldHang(solver: string): boolean {
  const v = process.env['L1BENCH_TEST_HANG'];
  return v !== undefined && v !== '' && (v === '1' || v === solver);
}

async function runTask(task: RunTask): Promise<WorkerResult> {
  const job = task.job;
  // a plugin solver: load its module (or command) in this worker too
  if (job.plugin) await ensurePlugin(job.plugin);
  if (job.problem.family === GENE_FAMILY) {
    // a λ path: its row is posted once the split is built, then one trace point per λ
    const r = await runGenePath(
      job,
      (point) => post(task, { type: 'trace', point }),
      (run) => post(task, { type: 'started', run }),
    );
    return { kind: 'run', run: r.run, trace: r.trace, repetitions: r.repetitions };
  }
  if (job.pathRatios) {
    // a bench plan's lambdaPath: the members are built and stored exactly as `solve --path` does
    post(task, { type: 'building' });
    const { pathRatios, ...base } = job;
    const results = await executePath(base, pathRatios, { references: task.pathReferences ?? [] });
    return { kind: 'path', rows: results.map((r) => ({ run: r.run, trace: r.trace, repetitions: r.repetitions ?? [] })) };
  }
  const { solver, params } = resolveJobSolver(job);
  const label = solverLabel(solver, params);
  const started = new Date().toISOString();
  post(task, { type: 'building' });
  const tensor = isTensorFamily(findFamily(job.problem.family));
  const before = tensor ? await backendBytes() : null;
  let problem;
  try {
    problem = await buildProblem(job.problem);
  } catch (e) {
    const r = failedRow(job, solver.name, label, params, 'error', `building the problem failed: ${errorMessage(e)}`, started);
    return { kind: 'run', run: r.run, trace: r.trace };
  }
  const tau = job.tau ?? (solver as { readonly defaultTau?: number }).defaultTau ?? 0;
  // The static fields of the row, so that a run stopped from outside still has a complete row.
  const provisional = failedRow(job, solver.name, label, params, 'timeout', 'provisional', started, problem, tau).run;
  post(task, {
    type: 'started',
    run: {
      ...provisional,
      reference_objective: task.reference?.objective ?? null,
      reference_kind: task.reference?.kind ?? null,
    },
  });
  const hang = shouldHang(solver.name) && skipReason(solver, problem) === null;
  if (process.env['L1BENCH_TEST_OOM'] === solver.name) {
    const hog: number[][] = [];
    for (;;) hog.push(Array.from({ length: 1 << 16 }, (_, i) => i + hog.length));
  }
  let points = 0;
  const onTrace = (p: TracePoint): void => {
    post(task, { type: 'trace', point: traceRow(p) });
    if (hang && ++points >= 3) {
      // Test hook (see the module comment): stuck in work, never calling back.
      for (;;) {
        /* spin */
      }
    }
  };
  // one untimed warm-up on this instance, then the job's timed repetitions (job.repeat)
  const stop = task.stop;
  const shouldStop = stop ? (): boolean => Atomics.load(stop, 0) !== 0 : undefined;
  let result;
  try {
    result = await executeJob(job, { problem, reference: task.reference, onTrace, warmup: true, ...(shouldStop ? { shouldStop } : {}) });
  } finally {
    releaseProblem(problem);
  }
  const run = before === null ? result.run : { ...result.run, extras: JSON.stringify({ ...(result.run.extras ? (JSON.parse(result.run.extras) as object) : {}), backendBytes: { before, after: await backendBytes() } }) };
  return { kind: 'run', run, trace: result.trace, repetitions: result.repetitions };
}

/**
 * Frees a problem's memory outside the JS heap: a tensor problem's tensors on the tfjs backend
 * (a Fashion-MNIST problem holds ~410 MB of them; kept, they filled the wasm heap's 4 GB after
 * about eight jobs of one worker and every later job failed with "memory access out of bounds").
 */
function releaseProblem(problem: AnyProblem): void {
  if (problem.engine === 'tfjs') problem.dispose();
}

/** The tfjs backend's allocated bytes (tf.memory().numBytes). */
async function backendBytes(): Promise<number> {
  const tf = await import('@tensorflow/tfjs');
  return tf.memory().numBytes;
}

async function referenceTask(task: ReferenceTask): Promise<WorkerResult> {
  post(task, { type: 'building' });
  const problem = await buildProblem(task.spec);
  post(task, { type: 'ready', instanceHash: problem.instanceHash, family: problem.family, dataset: problem.meta.dataset, lambda: problem.lambda });
  const applicable = (name: string): boolean => skipReason(findSolver(name), problem) === null;
  const primary = task.solvers.find(applicable);
  const names = [...(primary ? [primary] : []), ...task.crossCheck.filter((n) => n !== primary && applicable(n))];
  const attempts: ReferenceAttempt[] = [];
  for (const name of names) {
    const job: JobSpec = { problem: task.spec, solver: name, params: {}, seed: 0, tol: task.tol, maxIter: task.maxIter, timeoutSeconds: task.timeoutSeconds, tau: 0 };
    const onTrace = (p: TracePoint): void => post(task, { type: 'trace', point: traceRow(p) });
    const r = await executeJob(job, { problem, onTrace });
    const x = r.x && r.x.length <= 20000 ? Array.from(r.x) : null;
    attempts.push({
      solver: name,
      status: r.run.status,
      reason: r.run.reason ?? null,
      objective: r.run.objective ?? null,
      gap: r.run.gap ?? null,
      relGap: r.run.rel_gap ?? null,
      seconds: r.run.solver_seconds ?? null,
      cross: name !== primary,
      x,
    });
  }
  return {
    kind: 'reference',
    instanceHash: problem.instanceHash,
    family: problem.family,
    dataset: problem.meta.dataset,
    lambda: problem.lambda,
    attempts,
  };
}
