/**
 * The compression protocol, run by the harness after the timed solve (not counted in solver time)
 * on the final iterate x of a network run:
 *
 * 1. Threshold sweep: for τ' ∈ PROTOCOL_TAUS = {1e-2, 1e-3, …, 1e-8}, zero every weight with
 *    |w| ≤ τ' and record test accuracy, sparsity and compression ratio. Weights only (biases are
 *    never counted): nnz(τ') = #{weights with |w| > τ'}, sparsity = 1 − nnz/total,
 *    compression = total/nnz.
 * 2. Per-layer nonzeros at the run's τ.
 * 3. Threshold + fine-tune: fix the mask M = 1[|w| > τ] on every penalized weight tensor, zero the
 *    rest, and train `finetuneEpochs` epochs of dense Adam on f (λ = 0; ADAM_DEFAULTS, batch
 *    `batchSize`, the run's data order seed) with W ← W ⊙ M after every step, so pruned weights stay
 *    exactly 0; record test accuracy and sparsity before and after.
 *
 * Everything is read with `await data()` (no synchronous read).
 */
import * as tf from '@tensorflow/tfjs';
import type { TensorProblem } from '../../problems/tensor/types.ts';
import { runMinibatchLoop } from './loop.ts';
import { plainRule } from './plain.ts';
import { ADAM_DEFAULTS } from './optim.ts';

/** The threshold grid of the sweep. */
export const PROTOCOL_TAUS: readonly number[] = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8];

export interface SparsityAt {
  readonly tau: number;
  readonly testAccuracy: number | null;
  readonly nnz: number;
  readonly sparsity: number;
  readonly compression: number;
}

export interface CompressionRecord {
  /** The run's τ (mask of the fine-tune, per-layer counts). */
  readonly tau: number;
  readonly totalWeights: number;
  readonly sweep: readonly SparsityAt[];
  /** Per weight tensor: name, size, nonzeros at τ. */
  readonly layers: readonly { readonly name: string; readonly size: number; readonly nnz: number }[];
  readonly finetune: {
    readonly epochs: number;
    readonly before: SparsityAt;
    readonly after: SparsityAt | null;
  };
}

/** Weight counts of x at τ: total, nnz, and per layer. */
export function weightCounts(problem: TensorProblem, x: Float64Array, tau: number): { total: number; nnz: number; layers: { name: string; size: number; nnz: number }[] } {
  const layers = problem.params
    .filter((p) => p.role === 'weight')
    .map((p) => {
      let nnz = 0;
      for (let i = p.offset; i < p.offset + p.size; i++) if (Math.abs(x[i] as number) > tau) nnz++;
      return { name: p.name, size: p.size, nnz };
    });
  const total = layers.reduce((s, l) => s + l.size, 0);
  const nnz = layers.reduce((s, l) => s + l.nnz, 0);
  return { total, nnz, layers };
}

/** x with every weight |w| ≤ τ set to 0 (biases untouched). */
export function thresholdWeights(problem: TensorProblem, x: Float64Array, tau: number): Float64Array {
  const out = Float64Array.from(x);
  for (const p of problem.params) {
    if (p.role !== 'weight') continue;
    for (let i = p.offset; i < p.offset + p.size; i++) if (Math.abs(out[i] as number) <= tau) out[i] = 0;
  }
  return out;
}

async function accuracy(problem: TensorProblem, x: Float64Array): Promise<number | null> {
  if (!problem.testAccuracy) return null;
  const ts = problem.toTensors(x);
  try {
    return await problem.testAccuracy(ts);
  } finally {
    tf.dispose(ts);
  }
}

async function at(problem: TensorProblem, x: Float64Array, tau: number): Promise<SparsityAt> {
  const c = weightCounts(problem, x, tau);
  const xt = thresholdWeights(problem, x, tau);
  return { tau, testAccuracy: await accuracy(problem, xt), nnz: c.nnz, sparsity: 1 - c.nnz / c.total, compression: c.nnz > 0 ? c.total / c.nnz : Infinity };
}

/** Runs the protocol (module comment) on the final iterate x. */
export async function compressionProtocol(problem: TensorProblem, x: Float64Array, opts: { tau: number; finetuneEpochs: number; batchSize: number; seed: number }): Promise<CompressionRecord> {
  const sweep: SparsityAt[] = [];
  for (const t of PROTOCOL_TAUS) sweep.push(await at(problem, x, t));
  const counts = weightCounts(problem, x, opts.tau);
  const before = await at(problem, x, opts.tau);
  const after = opts.finetuneEpochs > 0 ? await at(problem, await finetune(problem, x, opts), opts.tau) : null;
  return { tau: opts.tau, totalWeights: counts.total, sweep, layers: counts.layers, finetune: { epochs: opts.finetuneEpochs, before, after } };
}

/**
 * Threshold + fine-tune (module comment, step 3): returns the fine-tuned parameters, in which
 * every penalized weight with |x_i| ≤ τ is exactly 0.
 */
export async function finetune(problem: TensorProblem, x: Float64Array, opts: { tau: number; finetuneEpochs: number; batchSize: number; seed: number }): Promise<Float64Array> {
  const x0 = thresholdWeights(problem, x, opts.tau);
  const pruned = problem.params.map((p, i) => (p.role === 'weight' && p.penalty !== 'none' ? i : -1)).filter((i) => i >= 0);
  const masks = new Map<number, tf.Tensor>();
  for (const i of pruned) {
    const p = problem.params[i] as (typeof problem.params)[number];
    const m = new Float32Array(p.size);
    for (let k = 0; k < p.size; k++) m[k] = x0[p.offset + k] === 0 ? 0 : 1;
    masks.set(i, tf.tensor(m, [...p.shape]));
  }
  const params = { ...ADAM_DEFAULTS, batchSize: opts.batchSize };
  const rule = plainRule(problem, 'adam', params, { seed: opts.seed, maxIter: opts.finetuneEpochs, x0 }, 'fine-tune', {
    // W ← W ⊙ M after every step
    post: (i, z) => {
      const m = masks.get(i);
      return m ? tf.mul(z, m) : z;
    },
    dispose: () => tf.dispose([...masks.values()]),
  });
  let last: Float64Array = x0;
  let epochs = 0;
  await runMinibatchLoop(problem, rule, params, opts.seed, (it) => {
    last = it.x();
    return epochs++ < opts.finetuneEpochs;
  });
  return last;
}
