/**
 * The tensor-engine families of the zoo, built from a problem spec (loaded lazily by
 * problems/zoo.ts, so that Float64 runs never load TensorFlow.js):
 *
 * - `mlp`:            the network with one hidden layer (`hidden`, default 32), L1 on the first layer
 *                     or group L1 per input feature (`mlpPenalty`) — see mlp.ts;
 * - `nn-compression`: the network with hidden widths `layers` (default LeNet-300-100: [300, 100]),
 *                     L1 on every weight matrix, or one group per hidden neuron (`structure`
 *                     'neuron') — Ω = Σ_l ‖W_l‖₁, biases unpenalized (network.ts).
 *
 * Data: Fashion-MNIST specs (its official test split), or any classification dataset of the
 * registry split 80/20 by a seeded permutation (split seed 0, as mlp does).
 */
import type { Dataset } from '../dataset.ts';
import type { TensorFamilySpec } from '../zoo.ts';
import { UserError } from '../errors.ts';
import { resolveDataset } from '../datasets/index.ts';
import { isFashionMnist, loadFashionMnist } from '../datasets/fashion-mnist.ts';
import { splitRows, type SplitData } from '../datasets/splits.ts';
import { BACKEND_CHOICES, DEFAULT_BACKEND, type BackendChoice } from './backend.ts';
import { makeNetworkProblem } from './network.ts';
import { hashNetworkData } from './network.ts';
import { makeMlpFromDataset } from './mlp.ts';
import type { TensorProblem } from './types.ts';

/** LeNet-300-100's hidden widths, the default of nn-compression. */
export const LENET_300_100: readonly number[] = [300, 100];
/** Test fraction of the seeded split of datasets without an official test split. */
export const NETWORK_TEST_FRACTION = 0.2;

function classificationDataset(spec: TensorFamilySpec, family: string): Dataset {
  const ds = resolveDataset(spec.dataset, { task: 'multiclass', standardize: spec.standardize ?? false });
  if (ds.task !== 'multiclass' && ds.task !== 'binary') throw new UserError(`problem '${family}' needs class labels but dataset '${ds.name}' is ${ds.task}; pick a classification dataset`);
  return ds;
}

/** A Dataset (column-major Float64) as split classification data. */
export function splitDataset(ds: Dataset, testFraction: number, seed: number): SplitData {
  const { n, p, data } = ds.X;
  const X = new Float32Array(n * p);
  // row-major X[i, j] = column-major data[j·n + i]
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) X[i * p + j] = data[j * n + i] as number;
  const y = ds.task === 'binary' ? Int32Array.from(ds.y, (v) => (v > 0 ? 1 : 0)) : Int32Array.from(ds.y);
  let classes = 0;
  for (const c of y) classes = Math.max(classes, c + 1);
  const { train, test } = splitRows(X, y, p, testFraction, seed);
  return {
    p,
    classes,
    train,
    test,
    name: ds.name,
    hash: hashNetworkData(train, test, p),
    notes: { ...ds.notes, testFraction, splitSeed: seed },
    ...(ds.labels ? { labels: ds.labels } : {}),
  };
}

/** The split data of a spec: Fashion-MNIST as it comes, anything else split 80/20. */
export function networkData(spec: TensorFamilySpec, family: string): SplitData {
  if (isFashionMnist(spec.dataset)) return loadFashionMnist(spec.dataset);
  return splitDataset(classificationDataset(spec, family), NETWORK_TEST_FRACTION, 0);
}

function backendOf(spec: TensorFamilySpec): BackendChoice {
  const b = spec.backend ?? DEFAULT_BACKEND;
  if (!BACKEND_CHOICES.includes(b as BackendChoice)) throw new UserError(`unknown TensorFlow.js backend '${b}'; choose one of: ${BACKEND_CHOICES.join(', ')}`);
  return b as BackendChoice;
}

export async function buildMlp(spec: TensorFamilySpec): Promise<TensorProblem> {
  if (isFashionMnist(spec.dataset)) {
    const data = loadFashionMnist(spec.dataset);
    return makeNetworkProblem({
      data,
      hidden: [spec.hidden ?? 32],
      scope: (spec.mlpPenalty ?? 'l1') === 'l1' ? 'first' : 'inputs',
      ...(spec.lambda.kind === 'absolute' ? { lambda: spec.lambda.value } : { lambdaRatio: spec.lambda.ratio }),
      backend: backendOf(spec),
      family: 'mlp',
    });
  }
  return makeMlpFromDataset(classificationDataset(spec, 'mlp'), spec);
}

export async function buildCompression(spec: TensorFamilySpec): Promise<TensorProblem> {
  const data = networkData(spec, 'nn-compression');
  return makeNetworkProblem({
    data,
    hidden: spec.layers ?? LENET_300_100,
    scope: 'weights',
    structure: spec.structure ?? 'weight',
    ...(spec.lambda.kind === 'absolute' ? { lambda: spec.lambda.value } : { lambdaRatio: spec.lambda.ratio }),
    backend: backendOf(spec),
    family: 'nn-compression',
  });
}
