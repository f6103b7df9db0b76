/**
 * Runs a benchmark plan: validates it, computes the missing reference optima, dispatches jobs
 * to the worker pools (a cpu lane, and a gpu lane for tensor jobs on a device backend: lanes.ts;
 * both at once, with the same budgets, resume and single writer), and records every run — the main thread is the only writer of results.db,
 * one transaction per run.
 *
 * Order: for each convex instance whose reference F* is not cached, a reference job goes first;
 * the runs of that instance are dispatched once it is settled (other instances' runs proceed
 * meanwhile). Jobs whose key has a current run in the database are skipped (`force`: rerun;
 * the old run is kept as history, superseded). The database is locked against other writers for
 * the whole benchmark. Each worker warms the solver up (untimed) before a job's timed runs, and
 * repeats a job `repeat` times (the plan's), storing every repetition's time (see job.ts).
 * A run that exceeds its budget is terminated and recorded `timeout` with its streamed partial
 * curve; a run whose worker throws or dies is recorded `error`; the benchmark carries on.
 * On SIGINT/SIGTERM (when `handleSignals`): dispatch stops, tasks in flight are aborted and not
 * recorded (they rerun next time), pending writes finish and the database is closed.
 */
import { performance } from 'node:perf_hooks';
import type { Status } from '../../problems/types.ts';
import { buildProblem, failedRow, resolveJobSolver } from '../job.ts';
import { findFamily, isTensorFamily } from '../../problems/zoo.ts';
import { relSubopt } from '../runner.ts';
import { GENE_FAMILY, loadGeneDataset } from '../genes/path.ts';
import { UserError } from '../../problems/errors.ts';
import { openStore, type NewRepetition, type NewRun, type NewTrace } from '../store/index.ts';
import type { BenchConfig } from './config.ts';
import { expandPlan, jobInstances, shardPlan, type Plan, type PlannedInstance, type PlannedJob, type Shard } from './plan.ts';
import { shardFromFile, type ShardFile } from './shards.ts';
import { BenchPool, type Streamed, type TaskOutcome } from './pool.ts';
import type { ReferenceInput } from './protocol.ts';
import {
  REFERENCE_CROSS_CHECK,
  REFERENCE_MAX_ITER,
  REFERENCE_SOLVERS,
  REFERENCE_TOL,
  referenceInput,
  storeInterruptedReference,
  storeReference,
  updateBestSeen,
  type ReferenceOutcome,
} from './reference.ts';
import { makeProgress, type Progress } from './progress.ts';
import { isTensorFamilyName, laneOf, planLanes, type Lane, type LanePlan } from './lanes.ts';

export interface BenchOptions {
  readonly config: BenchConfig;
  /** Path of results.db. */
  readonly db: string;
  readonly workers: number;
  /** Heap limit of each worker in MB (default: see pool.ts). */
  readonly workerMemoryMb?: number;
  /** Overrides every run's timeout (seconds). */
  readonly timeout?: number;
  /** Rerun finished jobs (and their references), replacing the old rows. */
  readonly force?: boolean;
  /** Keep only jobs whose title contains this substring. */
  readonly filter?: string;
  /** Run only this shard of the plan (an empty shard runs nothing and is not an error). */
  readonly shard?: Shard;
  /** With `shard`: take the shard's jobs from this frozen assignment (`l1bench slurm`'s shards.json). */
  readonly shardFile?: { readonly file: ShardFile; readonly path: string };
  readonly progress?: Progress;
  /** Install SIGINT/SIGTERM handlers for the duration of the run (the CLI does). */
  readonly handleSignals?: boolean;
  /** Seconds past a run's budget before its worker is terminated (default 1). */
  readonly graceSeconds?: number;
  /** Workers of the gpu lane (lanes.ts); default: 1 with a hardware WebGPU adapter, else 0. */
  readonly gpuWorkers?: number;
  /** Seconds to wait for another process's writer lock on the database (default 10). */
  readonly lockWaitSeconds?: number;
}

/** One recorded run, for the summary. */
export interface RunRecord {
  readonly key: string;
  readonly title: string;
  readonly status: Status;
  readonly reason: string | null;
  readonly wallSeconds: number | null;
  readonly solverSeconds: number | null;
}

export interface BenchResult {
  readonly name: string;
  readonly db: string;
  readonly workers: number;
  /** Workers of the gpu lane (0: none). */
  readonly gpuWorkers: number;
  /** Jobs in the (filtered) plan. */
  readonly planned: number;
  /** Jobs skipped because their key was already in the database. */
  readonly alreadyDone: number;
  readonly records: readonly RunRecord[];
  /** Jobs left unrun because of an interruption. */
  readonly notRun: number;
  readonly references: readonly ReferenceOutcome[];
  /** 'best-seen' reference rows written for non-convex instances. */
  readonly bestSeen: number;
  readonly interrupted: 'SIGINT' | 'SIGTERM' | null;
  readonly seconds: number;
}

interface InstanceInfo {
  readonly instanceHash: string;
  readonly family: string;
  readonly dataset: string;
  readonly lambda: number;
  readonly title: string;
}

/**
 * Builds every Float64 instance of the plan (and loads the data of tensor ones) in the main
 * thread, so that a bad dataset or family/dataset mismatch fails before anything runs, naming
 * the config path. Returns the instance hashes.
 */
export async function validateInstances(plan: Plan, source: string): Promise<Map<string, InstanceInfo>> {
  const out = new Map<string, InstanceInfo>();
  for (const inst of plan.instances) {
    try {
      if (inst.spec.family === GENE_FAMILY) {
        loadGeneDataset(inst.spec.dataset);
        continue;
      }
      const fam = findFamily(inst.spec.family);
      if (isTensorFamily(fam)) {
        fam.checkData(inst.spec);
      } else {
        const p = await buildProblem(inst.spec);
        out.set(inst.id, { instanceHash: p.instanceHash, family: p.family, dataset: p.meta.dataset, lambda: p.lambda, title: inst.title });
      }
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`config ${source}: ${inst.where}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

/** A complete row for a run stopped from outside, from what its worker streamed. */
export function partialRow(job: PlannedJob, s: Streamed, status: 'timeout' | 'error', reason: string): { run: NewRun; trace: NewTrace[] } {
  let base: NewRun;
  if (s.started) {
    base = s.started;
  } else {
    const { solver, params } = resolveJobSolver(job.job);
    base = failedRow(job.job, solver.name, job.label, params, status, reason, new Date(Date.now() - s.seconds * 1000).toISOString()).run;
  }
  const last = s.trace.length ? s.trace[s.trace.length - 1] : undefined;
  const obj = last?.objective ?? null;
  const ref = base.reference_objective ?? null;
  const run: NewRun = {
    ...base,
    status,
    reason,
    ended_at: new Date().toISOString(),
    wall_seconds: s.seconds,
    solver_seconds: last ? last.time : null,
    iterations: last ? last.k : null,
    objective: obj,
    gap: last?.gap ?? null,
    rel_gap: last?.gap !== null && last?.gap !== undefined && obj !== null ? last.gap / Math.max(Math.abs(obj), 1e-300) : null,
    kkt: last?.kkt ?? null,
    nnz: last?.nnz ?? null,
    subopt: ref !== null && obj !== null ? obj - ref : null,
    rel_subopt: ref !== null && obj !== null ? relSubopt(obj, ref) : null,
    test_metric: last?.test_metric ?? null,
    extras: mergeExtras(base.extras ?? null, last?.extras ?? null),
  };
  return { run, trace: s.trace };
}

/**
 * How long a gpu-lane run asked to stop (over budget, or interrupted) gets to stop at its next
 * callback before its worker is terminated (pool.ts `stopSeconds`: terminating a thread with a
 * device read pending aborts the process in Dawn).
 */
export const GPU_STOP_SECONDS = 60;

/** The run's static extras (labels, adapter) with the last trace point's extras over them. */
function mergeExtras(base: string | null, last: string | null): string | null {
  if (base === null || last === null) return last ?? base;
  return JSON.stringify({ ...(JSON.parse(base) as object), ...(JSON.parse(last) as object) });
}

/**
 * The plan of a benchmark with its lanes: probes the device only when the config has tensor
 * problems, resolves their backend `auto`, then expands (filter and timeout applied; no shard).
 */
export async function planWithLanes(opts: Pick<BenchOptions, 'config' | 'timeout' | 'filter' | 'gpuWorkers'>): Promise<{ plan: Plan; lanes: LanePlan }> {
  const hasTensor = opts.config.problems.some((b) => isTensorFamilyName(b.family));
  const lanes = await planLanes(hasTensor, opts.gpuWorkers);
  const plan = expandPlan(opts.config, {
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    ...(opts.filter !== undefined ? { filter: opts.filter } : {}),
    autoBackend: lanes.autoBackend,
  });
  return { plan, lanes };
}

/** Runs a benchmark (see the module comment). Throws UserError for a bad plan, before any run. */
export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const t0 = performance.now();
  const { config } = opts;
  const { plan: fullPlan, lanes } = await planWithLanes(opts);
  if (fullPlan.jobs.length === 0) {
    throw new UserError(
      opts.filter !== undefined
        ? `--filter '${opts.filter}' matches no job of ${config.source}; job titles look like 'lasso/diabetes λ=0.1·λmax cd seed=0'`
        : `${config.source} plans no job`,
    );
  }
  const plan = !opts.shard
    ? fullPlan
    : opts.shardFile
      ? shardFromFile(fullPlan, opts.shardFile.file, opts.shard, opts.shardFile.path)
      : shardPlan(fullPlan, opts.shard);
  const infos = await validateInstances(plan, config.source);
  const progress = opts.progress ?? makeProgress(process.stdout);
  const store = await openStore(opts.db, opts.lockWaitSeconds !== undefined ? { lockWaitSeconds: opts.lockWaitSeconds } : {});
  const finished = opts.force ? new Set<string>() : await store.finishedKeys();
  const pending = plan.jobs.filter((j) => !finished.has(j.key));
  const alreadyDone = plan.jobs.length - pending.length;

  const records: RunRecord[] = [];
  const references: ReferenceOutcome[] = [];
  const refs = new Map<string, ReferenceInput | null>();
  const refQueue: PlannedInstance[] = [];
  const waiting = new Map<string, PlannedJob[]>();
  const ready: PlannedJob[] = [];
  const tensorHashes = new Set<string>();

  // Which instances still need a reference before their runs. (Loops, not push(...xs): a plan
  // of 10⁵ jobs must not overflow the call stack.) A path job needs the reference of each of its
  // λ instances (jobInstances): it waits until all of them are settled.
  const needed = new Map<string, PlannedJob[]>();
  for (const j of pending) {
    if (j.skip !== null) {
      ready.push(j);
      continue;
    }
    for (const id of jobInstances(j)) {
      const list = needed.get(id);
      if (list) list.push(j);
      else needed.set(id, [j]);
    }
  }
  const unsettled = new Map<PlannedJob, number>();
  for (const inst of plan.instances) {
    const jobs = needed.get(inst.id);
    if (!jobs) continue;
    const info = infos.get(inst.id);
    if (!inst.convex || !info) {
      refs.set(inst.id, null);
      continue;
    }
    const cached = opts.force ? undefined : await store.getReference(info.instanceHash);
    if (cached) {
      refs.set(inst.id, referenceInput(cached));
      references.push({
        instanceHash: info.instanceHash,
        title: inst.title,
        source: 'cached',
        objective: cached.objective,
        certified: cached.certified === 1,
        relGap: cached.rel_gap,
        solver: cached.solver,
        crossCheck: null,
        note: cached.certified === 1 ? null : 'cached reference is not certified',
      });
    } else {
      refQueue.push(inst);
      waiting.set(inst.id, jobs);
      for (const j of jobs) unsettled.set(j, (unsettled.get(j) ?? 0) + 1);
    }
  }
  for (const j of pending) if (j.skip === null && !unsettled.has(j)) ready.push(j);
  // Skipped pairs first (instant), then runs in plan order.
  ready.sort((a, b) => Number(b.skip !== null) - Number(a.skip !== null));

  // One pool per lane (the same constructor), both running at once.
  const grace = opts.graceSeconds !== undefined ? { graceSeconds: opts.graceSeconds } : {};
  // Every lane's workers get the same heap limit (pool.ts workerThreadOptions).
  const memory = opts.workerMemoryMb !== undefined ? { workerMemoryMb: opts.workerMemoryMb } : {};
  const laneOfJob = (j: PlannedJob): Lane => laneOf(j.job.problem, j.skip !== null, lanes.gpuWorkers);
  const pools: Record<Lane, BenchPool | null> = {
    cpu: new BenchPool({ workers: opts.workers, ...memory, ...grace }),
    gpu: lanes.gpuWorkers > 0 && pending.some((j) => laneOfJob(j) === 'gpu') ? new BenchPool({ workers: lanes.gpuWorkers, stopSeconds: GPU_STOP_SECONDS, ...memory, ...grace }) : null,
  };
  const capacity: Record<Lane, number> = { cpu: opts.workers, gpu: lanes.gpuWorkers };
  const busy: Record<Lane, number> = { cpu: 0, gpu: 0 };
  let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
  let inflight = 0;
  let writes: Promise<unknown> = Promise.resolve();
  let writeError: unknown = null;
  const write = (fn: () => Promise<unknown>): void => {
    writes = writes.then(fn).catch((e: unknown) => {
      writeError ??= e;
      stop();
    });
  };
  let resolveDone!: () => void;
  const allDone = new Promise<void>((r) => (resolveDone = r));
  const checkDone = (): void => {
    if (inflight > 0) return;
    if (interrupted !== null || writeError !== null || (refQueue.length === 0 && ready.length === 0 && waiting.size === 0)) resolveDone();
  };
  const stop = (): void => {
    pools.cpu?.cancelAll();
    pools.gpu?.cancelAll();
    checkDone();
  };

  const recordRun = (job: PlannedJob, run: NewRun, trace: NewTrace[], reps: readonly NewRepetition[] = [], ownKey = false): void => {
    records.push({ key: job.key, title: job.title, status: run.status, reason: run.reason ?? null, wallSeconds: run.wall_seconds ?? null, solverSeconds: run.solver_seconds ?? null });
    // (a gene-selection run's objective is one λ of a path: no best-seen reference for it)
    if (run.engine === 'tfjs' && run.instance_hash && run.family !== GENE_FAMILY) tensorHashes.add(run.instance_hash);
    if (run.status === 'error' || run.status === 'timeout' || run.status === 'diverged') progress.note(`${run.status}: ${job.title}: ${run.reason ?? ''}`);
    // the plan's key (computed once in this process) is the row's, whatever a worker computed
    const row: NewRun = ownKey ? run : { ...run, job_key: job.key };
    write(() => (opts.force || ownKey ? store.supersedeRun(row, trace, reps) : store.recordRun(row, trace, reps)));
  };

  // jobs finished (a path job records one run per λ)
  let jobsDone = 0;
  const onRunOutcome = (job: PlannedJob, o: TaskOutcome): void => {
    if (o.state === 'cancelled') return;
    jobsDone++;
    if (o.state === 'done') {
      if (o.result.kind === 'path') {
        // one run per λ, each under its own key (executePath's): a rerun of a partly recorded path supersedes
        for (const r of o.result.rows) recordRun(job, r.run, r.trace, r.repetitions, true);
        return;
      }
      if (o.result.kind !== 'run') throw new Error('internal: a run task returned a reference result');
      recordRun(job, o.result.run, o.result.trace, o.result.repetitions ?? []);
    } else if (o.state === 'timeout') {
      const r = partialRow(job, o, 'timeout', o.reason);
      recordRun(job, r.run, r.trace);
    } else {
      const r = partialRow(job, o, 'error', o.message);
      recordRun(job, r.run, r.trace);
    }
  };

  const onReferenceOutcome = (inst: PlannedInstance, o: TaskOutcome): void => {
    const info = infos.get(inst.id) as InstanceInfo;
    const settle = (out: ReferenceOutcome | null): void => {
      if (out) {
        references.push(out);
        if (out.note) progress.note(`reference ${inst.title}: ${out.note}`);
      }
      refs.set(inst.id, out && out.objective !== null ? { objective: out.objective, kind: out.certified ? 'certified' : 'best-seen' } : null);
      for (const j of waiting.get(inst.id) ?? []) {
        const left = (unsettled.get(j) ?? 1) - 1;
        if (left > 0) unsettled.set(j, left);
        else {
          unsettled.delete(j);
          ready.push(j);
        }
      }
      waiting.delete(inst.id);
    };
    if (o.state === 'cancelled') return;
    if (o.state === 'done') {
      if (o.result.kind !== 'reference') throw new Error('internal: a reference task returned a run result');
      const r = o.result;
      const instance = { instanceHash: r.instanceHash, family: r.family, dataset: r.dataset, lambda: r.lambda, title: inst.title, spec: inst.spec };
      // Runs of the instance wait until F* is stored (so that they read the same value).
      inflight++;
      write(async () => {
        try {
          settle(await storeReference(store, instance, r.attempts));
        } finally {
          inflight--;
          pump();
        }
      });
      return;
    }
    const why = o.state === 'timeout' ? o.reason : o.message;
    inflight++;
    write(async () => {
      try {
        settle(await storeInterruptedReference(store, { ...info, spec: inst.spec }, REFERENCE_SOLVERS[0] ?? 'cd', o.trace, why));
      } finally {
        inflight--;
        pump();
      }
    });
  };

  const pump = (): void => {
    while (interrupted === null && writeError === null) {
      const inst = busy.cpu < capacity.cpu ? refQueue.shift() : undefined;
      if (inst) {
        inflight++;
        busy.cpu++;
        const cross = inst.spec.family === 'lasso' ? REFERENCE_CROSS_CHECK : [];
        progress.update(jobsDone, `reference ${inst.title}`);
        void (pools.cpu as BenchPool)
          .run(
            { kind: 'reference', spec: inst.spec, solvers: REFERENCE_SOLVERS, crossCheck: cross, tol: REFERENCE_TOL, maxIter: REFERENCE_MAX_ITER, timeoutSeconds: config.referenceTimeout },
            config.referenceTimeout * (1 + cross.length),
          )
          .then((o) => {
            inflight--;
            busy.cpu--;
            onReferenceOutcome(inst, o);
            pump();
          });
        continue;
      }
      // the next ready job whose lane has a free worker
      const at = ready.findIndex((j) => busy[laneOfJob(j)] < capacity[laneOfJob(j)]);
      if (at < 0) break;
      const job = ready.splice(at, 1)[0] as PlannedJob;
      const lane = laneOfJob(job);
      inflight++;
      busy[lane]++;
      progress.update(jobsDone, job.title);
      void (pools[lane] as BenchPool)
        // the budget is the run's timeout per timed repetition (the short warm-up runs inside it: job.ts)
        .run(
          {
            kind: 'run',
            job: job.job,
            reference: refs.get(job.instanceId) ?? null,
            ...(job.pathInstanceIds ? { pathReferences: job.pathInstanceIds.map((id) => refs.get(id) ?? null) } : {}),
          },
          // a path job: the budget of each of its λ
          job.job.timeoutSeconds === null ? null : job.job.timeoutSeconds * (job.job.repeat ?? 1) * (job.job.pathRatios?.length ?? 1),
        )
        .then((o) => {
          inflight--;
          busy[lane]--;
          onRunOutcome(job, o);
          progress.update(jobsDone, job.title);
          pump();
        });
    }
    checkDone();
  };

  const onSignal = (sig: 'SIGINT' | 'SIGTERM'): void => {
    if (interrupted !== null) process.exit(sig === 'SIGINT' ? 130 : 143);
    interrupted = sig;
    progress.note(`received ${sig}: stopping; runs in flight are dropped and will rerun next time`);
    stop();
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  if (opts.handleSignals) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }

  let bestSeen = 0;
  try {
    progress.start(pending.length);
    pump();
    await allDone;
    await writes;
    if (writeError !== null) throw writeError;
    if (interrupted === null && tensorHashes.size > 0) bestSeen = await updateBestSeen(store, tensorHashes);
  } finally {
    progress.stop();
    if (opts.handleSignals) {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
    await pools.cpu?.destroy();
    await pools.gpu?.destroy();
    await store.close();
  }
  return {
    name: config.name,
    db: opts.db,
    workers: opts.workers,
    gpuWorkers: pools.gpu ? lanes.gpuWorkers : 0,
    planned: plan.jobs.length,
    alreadyDone,
    records,
    notRun: pending.length - jobsDone,
    references,
    bestSeen,
    interrupted,
    seconds: (performance.now() - t0) / 1000,
  };
}

