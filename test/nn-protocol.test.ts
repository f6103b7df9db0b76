/**
 * The compression protocol: weight counts and thresholding on a hand-made vector (biases never
 * counted), threshold + fine-tune keeps every pruned weight exactly 0 while the survivors train,
 * and a real `nn-compression` job through the harness records the τ sweep, per-layer nonzeros,
 * before/after fine-tune and per-step time in runs.extras.
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { makeNetworkProblem } from '../problems/tensor/network.ts';
import { simulateMlpData } from '../problems/tensor/mlp.ts';
import { PROTOCOL_TAUS, finetune, thresholdWeights, weightCounts } from '../solvers/tensor/protocol.ts';
import { executeJob, type JobSpec } from '../harness/job.ts';

const d = simulateMlpData({ n: 250, p: 10, informative: 4, classes: 3, seed: 6 });
const nTr = 200;
const X = Float32Array.from(d.X);
const data = { p: 10, classes: 3, train: { X: X.slice(0, nTr * 10), y: d.y.slice(0, nTr) }, test: { X: X.slice(nTr * 10), y: d.y.slice(nTr) }, name: 'sim', hash: 'sim-protocol' };

t.test('weight counts and thresholding count weights only', async (t) => {
  const prob = await makeNetworkProblem({ data, hidden: [4], scope: 'weights', lambda: 1e-3 });
  const x = new Float64Array(prob.dim);
  const [W1, b1, W2] = prob.params as [typeof prob.params[0], typeof prob.params[0], typeof prob.params[0]];
  x[W1.offset] = 0.5;
  x[W1.offset + 1] = 1e-4;
  x[W2.offset + 2] = -2e-7;
  x[b1.offset] = 3; // a bias: never counted
  const c = weightCounts(prob, x, 1e-6);
  t.equal(c.total, 10 * 4 + 4 * 3);
  t.equal(c.nnz, 2);
  t.same(c.layers, [{ name: 'W1', size: 40, nnz: 2 }, { name: 'W2', size: 12, nnz: 0 }]);
  t.equal(weightCounts(prob, x, 1e-8).nnz, 3);
  const xt = thresholdWeights(prob, x, 1e-3);
  t.same([xt[W1.offset], xt[W1.offset + 1], xt[W2.offset + 2], xt[b1.offset]], [0.5, 0, 0, 3], 'zeroes |w| ≤ τ, keeps biases');
  t.same(PROTOCOL_TAUS, [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]);
  prob.dispose();
});

t.test('threshold + fine-tune: pruned weights stay exactly 0, the survivors train', async (t) => {
  const prob = await makeNetworkProblem({ data, hidden: [16], scope: 'weights', lambda: 1e-3 });
  const x = prob.initialParams(1);
  const tau = 0.1; // prunes about a third of W1 (|w| ≤ 0.1 of U(±√(6/10)))
  const xt = thresholdWeights(prob, x, tau);
  const before = await prob.objective(xt);
  const base = tf.memory().numTensors;
  const y = await finetune(prob, x, { tau, finetuneEpochs: 5, batchSize: 32, seed: 0 });
  t.equal(tf.memory().numTensors, base, 'no tensor left by the fine-tune');
  let zeros = 0;
  let kept = 0;
  let moved = 0;
  for (const p of prob.params.filter((q) => q.role === 'weight')) {
    for (let i = p.offset; i < p.offset + p.size; i++) {
      if (xt[i] === 0) {
        zeros++;
        if (y[i] !== 0) t.fail(`${p.name}[${i - p.offset}] = ${y[i]} after fine-tuning, pruned`);
      } else {
        kept++;
        if (y[i] !== xt[i]) moved++;
      }
    }
  }
  t.ok(zeros > 0 && kept > 0, `${zeros} pruned, ${kept} kept`);
  t.equal(moved, kept, 'every surviving weight was trained');
  const after = await prob.objective(y);
  t.ok(after < before, `F: ${before.toFixed(4)} → ${after.toFixed(4)}`);
  prob.dispose();
});

t.test('an nn-compression job records the protocol in runs.extras', async (t) => {
  const job: JobSpec = {
    problem: { family: 'nn-compression', dataset: 'digits', lambda: { kind: 'absolute', value: 1e-4 }, standardize: false, layers: [16], finetuneEpochs: 1 },
    solver: 'prox-adam',
    params: { batchSize: 64, lr: 0.003 },
    seed: 0,
    tol: 1e-12,
    maxIter: 3,
    timeoutSeconds: 60,
  };
  const res = await executeJob(job);
  t.equal(res.run.status, 'max_iter', res.run.reason ?? '');
  t.equal(res.run.engine, 'tfjs');
  const ex = JSON.parse(res.run.extras as string) as { protocol: { finalTestAccuracy: number; bestSeenTestAccuracy: number; perStepSeconds: number; stepsPerEpoch: number; compression: { sweep: { tau: number; sparsity: number; testAccuracy: number }[]; layers: { name: string; size: number; nnz: number }[]; totalWeights: number; finetune: { before: { sparsity: number }; after: { testAccuracy: number; sparsity: number } } } } };
  const pr = ex.protocol;
  t.equal(pr.finalTestAccuracy, res.run.test_metric, 'final-epoch test accuracy = the run’s test metric');
  t.ok(pr.bestSeenTestAccuracy >= pr.finalTestAccuracy, 'best seen ≥ final (labelled separately)');
  t.equal(pr.stepsPerEpoch, 23, 'digits: 1797 − round(0.2·1797) = 1438 training samples, ⌈1438/64⌉ = 23 steps');
  t.ok(pr.perStepSeconds > 0 && pr.perStepSeconds < res.run.solver_seconds!, `per-step time ${pr.perStepSeconds}`);
  t.same(pr.compression.sweep.map((s) => s.tau), PROTOCOL_TAUS);
  const sp = pr.compression.sweep.map((s) => s.sparsity);
  t.ok(sp.every((v, i) => i === 0 || v <= (sp[i - 1] as number)), `sparsity falls as τ falls: ${sp.map((v) => v.toFixed(3)).join(' ')}`);
  t.same(pr.compression.layers.map((l) => [l.name, l.size]), [['W1', 64 * 16], ['W2', 16 * 10]]);
  t.equal(pr.compression.totalWeights, 64 * 16 + 160);
  t.ok(pr.compression.finetune.after.sparsity >= pr.compression.finetune.before.sparsity - 1e-12, 'fine-tuning prunes nothing back in');
  t.ok(pr.compression.finetune.after.testAccuracy > 0.5, `after fine-tuning: ${pr.compression.finetune.after.testAccuracy}`);
  (res.problem as { dispose?: () => void }).dispose?.();
});
