/**
 * Messages between the main thread (the one writer of results.db) and pool workers.
 *
 * A task carries a MessagePort (in its transferList). While a run goes, the worker posts on it
 * first `started` (the run's static row fields, from the built problem: data hash, instance
 * hash, λ, λ_max, n, p, …, with a provisional status) and then one `trace` message per recorded
 * trace point. If the run is stopped pre-emptively (time budget exceeded, worker killed), the
 * main thread still has a complete row and the partial curve.
 */
import type { MessagePort } from 'node:worker_threads';
import type { JobSpec, ProblemSpec } from '../job.ts';
import type { NewRepetition, NewRun, NewTrace } from '../store/index.ts';

export interface ReferenceInput {
  readonly objective: number;
  readonly kind: 'certified' | 'best-seen';
}

/** Run one benchmark job. */
export interface RunTask {
  readonly kind: 'run';
  readonly job: JobSpec;
  readonly reference: ReferenceInput | null;
  /** A path job (job.pathRatios): the reference of each λ, in order. */
  readonly pathReferences?: readonly (ReferenceInput | null)[];
  readonly port: MessagePort;
  /**
   * A flag in shared memory, set to non-zero by the pool to ask the run to stop at its next
   * callback (a cooperative stop before any termination: see PoolOptions.stopSeconds).
   */
  readonly stop?: Int32Array;
}

/** Compute the reference optimum of an instance with each applicable solver of `solvers`. */
export interface ReferenceTask {
  readonly kind: 'reference';
  readonly spec: ProblemSpec;
  /** Candidates in order of preference; those the problem cannot run are left out. */
  readonly solvers: readonly string[];
  /** Also run these as a cross-check when applicable (lars on lasso). */
  readonly crossCheck: readonly string[];
  readonly tol: number;
  readonly maxIter: number;
  /** Cooperative timeout per solver (seconds). */
  readonly timeoutSeconds: number;
  readonly port: MessagePort;
}

export type WorkerTask = RunTask | ReferenceTask;

export type PortMessage =
  /** The worker has loaded and starts building the task's problem: its time budget starts now. */
  | { readonly type: 'building' }
  /** A run's problem is built and its solver starts: the static fields of its row. */
  | { readonly type: 'started'; readonly run: NewRun }
  /** A reference task's problem is built; its solves start. */
  | { readonly type: 'ready'; readonly instanceHash: string; readonly family: string; readonly dataset: string; readonly lambda: number }
  | { readonly type: 'trace'; readonly point: NewTrace };

/** One solve of a reference task. */
export interface ReferenceAttempt {
  readonly solver: string;
  readonly status: string;
  readonly reason: string | null;
  readonly objective: number | null;
  readonly gap: number | null;
  readonly relGap: number | null;
  readonly seconds: number | null;
  readonly cross: boolean;
  /** x* when the dimension is small enough to keep (≤ 20 000). */
  readonly x: number[] | null;
}

export type WorkerResult =
  | { readonly kind: 'run'; readonly run: NewRun; readonly trace: NewTrace[]; readonly repetitions?: readonly NewRepetition[] }
  /** A path job: one run per λ, each with its own job key (harness/path.ts). */
  | { readonly kind: 'path'; readonly rows: readonly { readonly run: NewRun; readonly trace: NewTrace[]; readonly repetitions: readonly NewRepetition[] }[] }
  | {
      readonly kind: 'reference';
      readonly instanceHash: string;
      readonly family: string;
      readonly dataset: string;
      readonly lambda: number;
      readonly attempts: readonly ReferenceAttempt[];
    };
