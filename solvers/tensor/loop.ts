/**
 * The one minibatch loop of the tensor engine: every NN method (spred-*, prox-*, subgrad-adam,
 * gmp, dense) is a small step rule plugged in here.
 *
 *     x ← snapshot;  while (callback(x)) { for each batch B of a fresh seeded shuffle: tidy(step(B)); x ← snapshot }
 *
 * - Data order: the epoch permutations come from Rng(dataOrderSeed(ctx.seed)), a stream of its
 *   own, so every method sees the same batches in the same order for the same seed (whatever
 *   random numbers its initialization consumed). batchSize = 0 (or ≥ n): one full-batch step per
 *   callback. Batches are built in plain JS (problem.makeBatch), never with tf.gather.
 * - Every step runs inside tf.tidy; the rule keeps its state in tf variables.
 * - No synchronous reads: the iterate handed to the callback is read with `await data()` when
 *   the harness asks for it (at trace points, with the clock stopped: RunContext.asyncCallback),
 *   so the loop runs on backends that forbid dataSync (webgpu). Each epoch ends by waiting for
 *   the device (`syncDevice`), so the epoch's time is the device's work, not its queueing.
 * - Every reported iterate's extras carry `numTensors` (tf.memory().numTensors) and `rssMB`
 *   (resident set size), so a trace shows that neither grows over a long run.
 */
import * as tf from '@tensorflow/tfjs';
import type { AsyncCallback, AsyncIterateView, Callback, Params } from '../../problems/types.ts';
import { asyncCallbackOf, readInto, syncDevice } from '../../problems/tensor/read.ts';
import type { TensorBatch, TensorProblem } from '../../problems/tensor/types.ts';
import { Rng } from '../../problems/rng.ts';
import { UserError } from '../../problems/errors.ts';
import { EpochBatches } from '../optimizers/types.ts';
import { dataOrderSeed } from './seed.ts';

/** Where a step is in the run. */
export interface StepClock {
  /** Epoch index, 0-based. */
  readonly epoch: number;
  /** Steps completed before this one (0-based global step index t). */
  readonly step: number;
  /** Minibatch steps per epoch. */
  readonly stepsPerEpoch: number;
}

/** A method's update rule on tf variables. */
export interface StepRule {
  /** One update on a batch (undefined = the whole training set). Called inside tf.tidy. */
  step(batch: TensorBatch | undefined, clock: StepClock): void;
  /** The problem's parameter tensors now (spred: the products), in the problem's order. Called inside tf.tidy. */
  current(): tf.Tensor[];
  /** Async work between steps, before step `clock.step` (e.g. gmp's pruning); optional. */
  before?(clock: StepClock): Promise<void>;
  /** Extra trace metrics, read asynchronously after each epoch (e.g. spred's imbalance). */
  extras?(): Promise<Record<string, number>>;
  /** Releases the rule's variables. */
  dispose(): void;
}

export { dataOrderSeed };

/** A numeric parameter with its default (strings from the CLI are parsed). */
export function num(params: Params, key: string, dflt: number): number {
  const v = params[key];
  const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : dflt;
  return Number.isFinite(x) ? x : dflt;
}

export function str(params: Params, key: string, dflt: string): string {
  const v = params[key];
  return v === undefined ? dflt : String(v);
}

/** Reads tensors into one Float64 vector in the problem's flat layout, with `await data()`. */
export function readFlat(problem: TensorProblem, ts: readonly tf.Tensor[]): Promise<Float64Array> {
  return readInto(ts, problem.params.map((p) => p.offset), new Float64Array(problem.dim));
}

/** Snapshot of the rule's current parameters (flat, Float64). */
export async function snapshot(problem: TensorProblem, rule: StepRule): Promise<Float64Array> {
  const ts = tf.tidy(() => rule.current().map((t) => (t instanceof tf.Variable ? t.clone() : t)));
  try {
    return await readFlat(problem, ts);
  } finally {
    tf.dispose(ts);
  }
}

/**
 * Runs `rule` on `problem` until the callback returns false (module comment). Parameter
 * `batchSize` (0 = full batch). Disposes the rule at the end. The loop reports through
 * `asyncCallback` (the harness's, RunContext.asyncCallback: it reads the iterate with the clock
 * stopped) or, without one, through `callback` with the iterate read first (problems/tensor/read.ts).
 */
export async function runMinibatchLoop(problem: TensorProblem, rule: StepRule, params: Params, seed: number, callback: Callback, asyncCallback?: AsyncCallback): Promise<void> {
  const batchSize = Math.floor(num(params, 'batchSize', 0));
  if (batchSize < 0) throw new UserError(`batchSize must be ≥ 0 (0 = full batch), got ${batchSize}`);
  const n = problem.nSamples;
  const batches = batchSize > 0 && batchSize < n ? new EpochBatches(n, batchSize, new Rng(dataOrderSeed(seed))) : null;
  const stepsPerEpoch = batches ? batches.batches.length : 1;
  const report = asyncCallbackOf(callback, asyncCallback ? { seed, maxIter: 0, asyncCallback } : { seed, maxIter: 0 });
  const health = (): Record<string, number> => ({ numTensors: tf.memory().numTensors, rssMB: Math.round(process.memoryUsage().rss / 1e5) / 10 });
  const view: AsyncIterateView = {
    x: () => snapshot(problem, rule),
    extras: async () => ({ ...(rule.extras ? await rule.extras() : {}), ...health() }),
  };
  let epoch = 0;
  let step = 0;
  try {
    while (await report(view)) {
      const order = batches ? batches.shuffle() : [null];
      for (const idx of order) {
        const clock: StepClock = { epoch, step, stepsPerEpoch };
        if (rule.before) await rule.before(clock);
        const batch = idx === null ? undefined : problem.makeBatch(idx);
        try {
          tf.tidy(() => rule.step(batch, clock));
        } finally {
          if (batch) problem.disposeBatch(batch);
        }
        step++;
      }
      epoch++;
      // the steps only enqueued work: the epoch ends when the device has done it
      await syncDevice(() => rule.current());
    }
  } finally {
    rule.dispose();
  }
}
