/**
 * The worker pool: piscina threads running worker-entry.mjs, with a pre-emptive time budget per
 * task. Each task gets a MessageChannel; the worker streams the run's static row and its trace
 * points on it (protocol.ts), so a task stopped from outside still yields a complete partial run.
 *
 * Budget: once the worker has loaded and reports that it starts building the problem
 * (`building`), the task has `budgetSeconds + graceSeconds` of wall time — building the problem
 * counts — then its AbortSignal fires, piscina terminates the worker thread (a stuck solver or a
 * runaway build cannot ignore that) and starts a fresh one. Before that point a separate
 * `startSeconds` cap covers worker start-up (loading modules).
 *
 * Memory: every worker thread starts with a V8 heap limit (`resourceLimits`, see
 * `workerThreadOptions`): `--worker-memory` MiB, by default 3/4 of the machine's memory shared
 * among the workers. A worker that runs out dies alone: its task is `failed` with
 * "out of memory: …" (recorded as an `error` run), piscina starts a fresh worker and the
 * benchmark goes on. Typed arrays live outside the V8 heap, so loaders, generators and models
 * also check their size against the same limit before allocating (problems/limits.ts).
 *
 * With `stopSeconds` > 0 (the gpu lane), a run over its budget, or cancelled, is first asked to
 * stop at its next callback (a flag in shared memory, RunTask.stop) and its worker is terminated
 * only if it is still running `stopSeconds` later: terminating a thread while Dawn has a device
 * read pending aborts the whole process ("Promise not resolved or rejected: mapAsync()").
 */
import { MessageChannel } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import type { NewRun, NewTrace } from '../store/index.ts';
import type { PortMessage, ReferenceTask, RunTask, WorkerResult, WorkerTask } from './protocol.ts';
import { machineMemoryBytes, safeTimeout } from '../../problems/limits.ts';

/** Smallest worker heap accepted (MiB): below this a worker cannot load tfjs and the solvers. */
export const MIN_WORKER_MEMORY_MB = 256;

/** Default heap limit per worker (MiB): 3/4 of the machine's memory shared among `workers`. */
export function defaultWorkerMemoryMb(workers: number): number {
  return Math.max(MIN_WORKER_MEMORY_MB, Math.floor((0.75 * machineMemoryBytes()) / 2 ** 20 / Math.max(1, workers)));
}

/**
 * The thread options of a pool lane with `workers` threads: thread counts and each thread's
 * heap limit. Every lane (CPU, GPU) builds its piscina with these, so all workers are bounded.
 */
export function workerThreadOptions(workers: number, workerMemoryMb?: number): {
  minThreads: number;
  maxThreads: number;
  resourceLimits: { maxOldGenerationSizeMb: number };
} {
  const mb = workerMemoryMb ?? defaultWorkerMemoryMb(workers);
  return { minThreads: workers, maxThreads: workers, resourceLimits: { maxOldGenerationSizeMb: mb } };
}

export interface PoolOptions {
  readonly workers: number;
  /** Heap limit of each worker in MiB (default: `defaultWorkerMemoryMb(workers)`). */
  readonly workerMemoryMb?: number;
  /** Seconds past the budget before a task is terminated (default 1). */
  readonly graceSeconds?: number;
  /** Cap on worker start-up + problem building, in seconds (default 300). */
  readonly startSeconds?: number;
  /** Seconds a run asked to stop gets to do so at its next callback before termination (default 0: terminate at once). */
  readonly stopSeconds?: number;
}

/** What the main thread learned from a task's port before it ended. */
export interface Streamed {
  /** The run's static row (run tasks), once built. */
  readonly started: NewRun | null;
  /** The instance built (reference tasks). */
  readonly ready: Extract<PortMessage, { type: 'ready' }> | null;
  readonly trace: NewTrace[];
  /** Wall seconds since the problem was built (or since dispatch if it never was). */
  readonly seconds: number;
}

/** How a task ended: a discriminated union, errors as data. */
export type TaskOutcome =
  | ({ readonly state: 'done'; readonly result: WorkerResult } & Streamed)
  | ({ readonly state: 'timeout'; readonly reason: string } & Streamed)
  | ({ readonly state: 'failed'; readonly message: string } & Streamed)
  | { readonly state: 'cancelled' };

export type TaskInput = Omit<RunTask, 'port'> | Omit<ReferenceTask, 'port'>;

export class BenchPool {
  private readonly piscina: Piscina<WorkerTask, WorkerResult>;
  /** Cancel functions of the tasks in flight. */
  private readonly inflight = new Set<() => void>();
  private readonly grace: number;
  private readonly startCap: number;
  /** Heap limit of each worker (MiB). */
  readonly workerMemoryMb: number;
  private readonly stopCap: number;

  constructor(readonly options: PoolOptions) {
    this.grace = options.graceSeconds ?? 1;
    this.startCap = options.startSeconds ?? 300;
    const threads = workerThreadOptions(options.workers, options.workerMemoryMb);
    this.workerMemoryMb = threads.resourceLimits.maxOldGenerationSizeMb;
    this.stopCap = options.stopSeconds ?? 0;
    this.piscina = new Piscina<WorkerTask, WorkerResult>({
      filename: new URL('./worker-entry.mjs', import.meta.url).href,
      ...threads,
      // Workers register tsx themselves; inheriting the parent's loader flags would register it twice.
      execArgv: [],
      idleTimeout: 60_000,
    });
  }

  /** Tasks running or queued. */
  get busy(): number {
    return this.inflight.size;
  }

  /**
   * Runs a task with a pre-emptive budget (seconds after the problem is built; null: none).
   * `onMessage` sees each streamed message as it arrives. Never rejects.
   */
  run(input: TaskInput, budgetSeconds: number | null, onMessage?: (m: PortMessage) => void): Promise<TaskOutcome> {
    const { port1, port2 } = new MessageChannel();
    const controller = new AbortController();
    const dispatched = performance.now();
    let builtAt: number | null = null;
    let started: NewRun | null = null;
    let ready: Extract<PortMessage, { type: 'ready' }> | null = null;
    const trace: NewTrace[] = [];
    let why: { state: 'timeout'; reason: string } | { state: 'cancelled' } | null = null;
    const stop = input.kind === 'run' && this.stopCap > 0 ? new Int32Array(new SharedArrayBuffer(4)) : null;
    let hardTimer: NodeJS.Timeout | null = null;
    const abort = (w: NonNullable<typeof why>): void => {
      if (why !== null) return;
      why = w;
      if (stop === null) {
        controller.abort(w.state);
        return;
      }
      // ask first (next callback), terminate later
      Atomics.store(stop, 0, 1);
      hardTimer = safeTimeout(() => controller.abort(w.state), this.stopCap * 1000);
    };
    let budgetTimer: NodeJS.Timeout | null = null;
    const startTimer = safeTimeout(
      () => abort({ state: 'timeout', reason: `worker start-up exceeded ${this.startCap} s` }),
      this.startCap * 1000,
    );
    let buildingAt: number | null = null;
    const onBuilding = (): void => {
      if (buildingAt !== null) return;
      buildingAt = performance.now();
      clearTimeout(startTimer);
      if (budgetSeconds !== null) {
        budgetTimer = safeTimeout(
          () =>
            abort({
              state: 'timeout',
              reason: `terminated: exceeded the time budget of ${budgetSeconds} s (+${this.grace} s grace) ${builtAt === null ? 'while building the problem' : 'without stopping'}`,
            }),
          (budgetSeconds + this.grace) * 1000,
        );
      }
    };
    const onBuilt = (): void => {
      onBuilding();
      if (builtAt !== null) return;
      builtAt = performance.now();
    };
    port1.on('message', (m: PortMessage) => {
      if (m.type === 'building') {
        onBuilding();
      } else if (m.type === 'started') {
        started = m.run;
        onBuilt();
      } else if (m.type === 'ready') {
        ready = m;
        onBuilt();
      } else {
        trace.push(m.point);
      }
      onMessage?.(m);
    });
    const streamed = (): Streamed => ({
      started,
      ready,
      trace,
      seconds: (performance.now() - (builtAt ?? dispatched)) / 1000,
    });
    const task = { ...input, port: port2, ...(stop ? { stop } : {}) } as WorkerTask;
    const cancel = (): void => abort({ state: 'cancelled' });
    this.inflight.add(cancel);
    const finish = (): void => {
      clearTimeout(startTimer);
      if (budgetTimer) clearTimeout(budgetTimer);
      if (hardTimer) clearTimeout(hardTimer);
      this.inflight.delete(cancel);
      port1.close();
    };
    return this.piscina.run(task, { transferList: [port2], signal: controller.signal }).then(
      (result): TaskOutcome => {
        finish();
        // a run that stopped when asked: dropped if cancelled; over budget, its own row says `timeout`
        if ((why as typeof why)?.state === 'cancelled') return { state: 'cancelled' };
        return { state: 'done', result, ...streamed() };
      },
      (e: unknown): TaskOutcome => {
        finish();
        const w = why as typeof why;
        if (w?.state === 'cancelled') return { state: 'cancelled' };
        if (w?.state === 'timeout') return { state: 'timeout', reason: w.reason, ...streamed() };
        const message = e instanceof Error ? e.message.split('\n')[0] ?? String(e) : String(e);
        if ((e as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          return { state: 'failed', message: `out of memory: the worker exceeded its ${this.workerMemoryMb} MiB heap limit (${message}); raise --worker-memory or shrink the problem`, ...streamed() };
        }
        return { state: 'failed', message: `worker failed: ${message}`, ...streamed() };
      },
    );
  }

  /** Aborts every task in flight; their outcomes are `cancelled`. */
  cancelAll(): void {
    for (const cancel of [...this.inflight]) cancel();
  }

  /** Terminates the workers. */
  async destroy(): Promise<void> {
    await this.piscina.destroy();
  }
}
