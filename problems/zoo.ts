/**
 * The problem zoo: one explicit list of problem families, Float64 and tensor alike (PROBLEMS).
 * A Float64 family turns a dataset into a datafit + penalty (`makeProblem` adds λ); a tensor
 * family (engine 'tfjs') builds its TensorFlow.js problem from the spec through a lazy import
 * (problems/tensor/families.ts), so that Float64 runs never load TensorFlow.js; a protocol
 * family (engine 'protocol', gene-selection) is a λ path over those, run by the harness.
 *
 * - lasso:        F(w) = (1/2n)‖y − Xw‖² + λ‖w‖₁,             λ_max = ‖Xᵀy‖∞/n
 * - group-lasso:  F(w) = (1/2n)‖y − Xw‖² + λ Σ_g ‖w_g‖₂,       λ_max = max_g ‖X_gᵀy‖₂/n
 * (logistic and multinomial families are added by their datafit modules to this list.)
 *
 * In general λ_max = Ω*(−∇f(0)): the smallest λ for which x = 0 is optimal.
 */
import { createHash } from 'node:crypto';
import type { Capability, Datafit, Penalty, Problem, TensorProblemLike } from './types.ts';
import type { Dataset } from './dataset.ts';
import { quadratic } from './datafits/quadratic.ts';
import { logistic } from './datafits/logistic.ts';
import { multinomial } from './datafits/multinomial.ts';
import { groupL1, l1 } from './penalties.ts';
import { contiguousGroups, readGroupsFile, validateGroups } from './groups.ts';
import { UserError } from './errors.ts';
import { resolveDataset } from './datasets/index.ts';
import { checkFashionMnist, isFashionMnist } from './datasets/fashion-mnist.ts';

export type Task = Dataset['task'];

export interface FamilyOptions {
  /** Contiguous groups of this size (group penalties). */
  readonly groupSize?: number;
  /** JSON file of groups (group penalties). */
  readonly groupsFile?: string;
  /** Groups given directly (tests, configs). */
  readonly groups?: readonly (readonly number[])[];
}

export interface Built {
  readonly datafit: Datafit;
  readonly penalty: Penalty;
}

export interface ProblemFamily {
  readonly engine?: 'float64';
  readonly name: string;
  readonly description: string;
  /** The kind of target the family needs. */
  readonly task: Task;
  /** Whether the family takes groups (--group-size / --groups). */
  readonly grouped: boolean;
  /** What the family's problems offer solvers (checked against `Solver.requires`). */
  readonly capabilities: readonly Capability[];
  build(ds: Dataset, opts: FamilyOptions): Built;
}

/** Capabilities of every convex GLM datafit on the Float64 engine. */
const GLM: readonly Capability[] = ['smooth-gradient', 'lipschitz', 'prox', 'design-matrix', 'sample-mean', 'convex', 'float64-engine'];

function groupsFor(ds: Dataset, opts: FamilyOptions, p = ds.X.p): Int32Array[] {
  if (opts.groups) return validateGroups(opts.groups, p, 'groups');
  if (opts.groupsFile) return readGroupsFile(opts.groupsFile, p);
  if (opts.groupSize !== undefined) return contiguousGroups(p, opts.groupSize);
  throw new UserError('a group penalty needs groups: pass --group-size K (contiguous groups) or --groups FILE (JSON array of arrays of 0-based column indices)');
}

export const lassoFamily: ProblemFamily = {
  name: 'lasso',
  description: 'least squares + L1: (1/2n)‖y − Xw‖² + λ‖w‖₁',
  task: 'regression',
  grouped: false,
  capabilities: [...GLM, 'squared-loss', 'l1-penalty'],
  build(ds) {
    return { datafit: quadratic(ds.X, ds.y), penalty: l1() };
  },
};

export const groupLassoFamily: ProblemFamily = {
  name: 'group-lasso',
  description: 'least squares + group L1: (1/2n)‖y − Xw‖² + λ Σ_g ‖w_g‖₂',
  task: 'regression',
  grouped: true,
  capabilities: [...GLM, 'squared-loss'],
  build(ds, opts) {
    return { datafit: quadratic(ds.X, ds.y), penalty: groupL1(groupsFor(ds, opts)) };
  },
};

export const logisticFamily: ProblemFamily = {
  name: 'logistic',
  description: 'binary logistic (labels ±1) + L1: (1/n) Σ log(1 + exp(−y_i x_iᵀw)) + λ‖w‖₁',
  task: 'binary',
  grouped: false,
  capabilities: [...GLM, 'l1-penalty'],
  build(ds) {
    return { datafit: logistic(ds.X, ds.y), penalty: l1() };
  },
};

export const multinomialFamily: ProblemFamily = {
  name: 'multinomial',
  description: 'multinomial logistic (mean softmax cross-entropy, W ∈ R^{p×C}) + elementwise L1',
  task: 'multiclass',
  grouped: false,
  capabilities: [...GLM, 'l1-penalty'],
  build(ds) {
    return { datafit: multinomial(ds.X, ds.y, classCount(ds)), penalty: l1() };
  },
};

export const multinomialGroupFamily: ProblemFamily = {
  name: 'multinomial-group',
  description: 'multinomial logistic + row-group L1 Σ_j ‖W_j,:‖₂ (a feature leaves all classes at once)',
  task: 'multiclass',
  grouped: false,
  capabilities: [...GLM],
  build(ds) {
    const C = classCount(ds);
    const p = ds.X.p;
    // W is p×C column-major by class: entry (j, c) at c·p + j; row j is the group {j, p + j, …}.
    const groups = Array.from({ length: p }, (_, j) => Int32Array.from({ length: C }, (_, c) => c * p + j));
    return { datafit: multinomial(ds.X, ds.y, C), penalty: groupL1(groups) };
  },
};

/** What a tensor family reads from a problem spec (the harness's ProblemSpec has these fields). */
export interface TensorFamilySpec {
  readonly dataset: string;
  readonly lambda: LambdaSpec;
  readonly standardize?: boolean;
  readonly backend?: string;
  /** mlp: hidden units. */
  readonly hidden?: number;
  /** mlp: 'l1' (first-layer weights) or 'group-l1' (one group per input feature). */
  readonly mlpPenalty?: 'l1' | 'group-l1';
  /** nn-compression: hidden widths (default [300, 100]). */
  readonly layers?: readonly number[];
  /** nn-compression: 'weight' (elementwise L1) or 'neuron' (one group per hidden neuron). */
  readonly structure?: 'weight' | 'neuron';
}

/** A family on the tensor engine (TensorFlow.js, float32). */
export interface TensorFamily {
  readonly engine: 'tfjs';
  readonly name: string;
  readonly description: string;
  readonly task: Task;
  readonly grouped: false;
  readonly capabilities: readonly Capability[];
  /** Builds the problem (loads TensorFlow.js on first use). */
  build(spec: TensorFamilySpec): Promise<TensorProblemLike>;
  /** Checks the spec's data without TensorFlow.js (planning: a bad dataset fails before anything runs). */
  checkData(spec: TensorFamilySpec): void;
}

/** The data check of the network families: Fashion-MNIST files exist, or the dataset resolves with class labels. */
function checkNetworkData(spec: TensorFamilySpec): void {
  if (isFashionMnist(spec.dataset)) return checkFashionMnist(spec.dataset);
  const ds = resolveDataset(spec.dataset, { task: 'multiclass', standardize: spec.standardize ?? false });
  if (ds.task !== 'multiclass' && ds.task !== 'binary') throw new UserError(`dataset '${ds.name}' is ${ds.task}; a network family needs class labels`);
}

/** Capabilities of the network families (every tensor penalty kind has a closed-form prox). */
const NETWORK: readonly Capability[] = ['smooth-gradient', 'sample-mean', 'prox', 'tensor-engine'];

export const mlpFamily: TensorFamily = {
  engine: 'tfjs',
  name: 'mlp',
  description: 'one-hidden-layer MLP classifier (mean softmax cross-entropy) + L1 or group L1 on first-layer weights (TensorFlow.js)',
  task: 'multiclass',
  grouped: false,
  capabilities: NETWORK,
  async build(spec) {
    return (await import('./tensor/families.ts')).buildMlp(spec);
  },
  checkData: checkNetworkData,
};

export const nnCompressionFamily: TensorFamily = {
  engine: 'tfjs',
  name: 'nn-compression',
  description: 'ReLU MLP (default LeNet-300-100) + L1 on every weight matrix, or a group per hidden neuron (structure=neuron) (TensorFlow.js)',
  task: 'multiclass',
  grouped: false,
  capabilities: NETWORK,
  async build(spec) {
    return (await import('./tensor/families.ts')).buildCompression(spec);
  },
  checkData: checkNetworkData,
};

/**
 * A family whose job is a protocol over other families rather than one problem at one λ: its
 * runner lives in the harness (gene-selection: harness/genes/path.ts, started by executeJob),
 * so it has no `build`; a job names a method and a split (its seed) and runs a whole λ path.
 */
export interface ProtocolFamily {
  readonly engine: 'protocol';
  readonly name: string;
  readonly description: string;
  /** Class labels (binary or multiclass; the protocol reads either). */
  readonly task: Task;
  readonly grouped: false;
  /** What its methods may require: the union over the families it runs on (checked per built problem). */
  readonly capabilities: readonly Capability[];
}

export const geneSelectionFamily: ProtocolFamily = {
  engine: 'protocol',
  name: 'gene-selection',
  description:
    'gene selection: a warm-started λ path per (method, split): cd → L1 / group-L1 logistic (Float64); other methods → network with linear and/or MLP heads, one group per gene (TensorFlow.js); select + refit',
  task: 'multiclass',
  grouped: false,
  capabilities: [...new Set<Capability>([...GLM, ...NETWORK])],
};

export type AnyFamily = ProblemFamily | TensorFamily | ProtocolFamily;

/** The one explicit list of problem families: Float64, tensor, and the gene-selection protocol. */
export const PROBLEMS: readonly AnyFamily[] = [lassoFamily, logisticFamily, multinomialFamily, multinomialGroupFamily, groupLassoFamily, mlpFamily, nnCompressionFamily, geneSelectionFamily];

export function isTensorFamily(f: AnyFamily): f is TensorFamily {
  return f.engine === 'tfjs';
}

export function isProtocolFamily(f: AnyFamily): f is ProtocolFamily {
  return f.engine === 'protocol';
}

export function findFamily(name: string): AnyFamily {
  const f = PROBLEMS.find((x) => x.name === name);
  if (!f) throw new UserError(`unknown problem '${name}'; choose one of: ${PROBLEMS.map((x) => x.name).join(', ')}`);
  return f;
}

function classCount(ds: Dataset): number {
  let c = 0;
  for (let i = 0; i < ds.y.length; i++) c = Math.max(c, (ds.y[i] as number) + 1);
  return c;
}

/** λ given absolutely or as a fraction of λ_max. */
export type LambdaSpec = { readonly kind: 'absolute'; readonly value: number } | { readonly kind: 'ratio'; readonly ratio: number };

/** Parses `0.1`, or `0.1*max` (a fraction of λ_max). */
export function parseLambda(text: string, flag = '--lambda'): LambdaSpec {
  const m = /^\s*([^*\s]+)\s*\*\s*max\s*$/.exec(text);
  const num = Number(m ? m[1] : text);
  if (text.trim() === '' || !Number.isFinite(num)) throw new UserError(`${flag} must be a number (or a fraction of λ_max like 0.1*max), got '${text}'`);
  if (num <= 0) throw new UserError(`${flag} must be positive, got ${num}; use a positive value (or a fraction of λ_max like 0.1*max)`);
  return m ? { kind: 'ratio', ratio: num } : { kind: 'absolute', value: num };
}

/** Why λ_max = ‖∇f(0)‖_dual is 0 on this dataset, for the error message (ds is as loaded, after standardization). */
function zeroLambdaMaxCause(ds: Dataset): string {
  const { n, p, data } = ds.X;
  const std = ds.notes['standardized'] === true;
  if (n === 1) return `: the dataset has a single sample${std ? ', and standardizing one row makes every column 0' : ''}; use at least two rows`;
  if (std && ds.notes['constantColumns'] === p) return ': every feature column is constant, so standardizing makes it 0; check the data';
  const y0 = ds.y[0] as number;
  if (ds.y.every((v) => v === y0)) {
    return `: the target is constant (${std && ds.task === 'regression' ? '0 after centring by --standardize' : `every value ${y0}`}), so the zero model is optimal for every λ; check the target column`;
  }
  let nonzero = false;
  for (let k = 0; k < n * p && !nonzero; k++) nonzero = data[k] !== 0;
  if (!nonzero) return ': every feature is 0; check the data';
  return ': the target is orthogonal to every feature (Xᵀ∇ = 0 at w = 0)';
}

/** Builds a problem instance: family + dataset + λ. */
export function makeProblem(family: ProblemFamily, ds: Dataset, lambda: LambdaSpec, opts: FamilyOptions = {}): Problem {
  if (ds.task !== family.task) {
    throw new UserError(`problem '${family.name}' needs ${family.task} targets but dataset '${ds.name}' is ${ds.task}; pick a matching problem or dataset`);
  }
  const built = family.build(ds, opts);
  const g0 = new Float64Array(built.datafit.dim);
  built.datafit.gradient(new Float64Array(built.datafit.dim), g0);
  const lambdaMax = built.penalty.dualNorm(g0);
  const value = lambda.kind === 'absolute' ? lambda.value : lambda.ratio * lambdaMax;
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new UserError(`λ resolves to ${value} (λ_max = ${lambdaMax})${lambdaMax === 0 ? zeroLambdaMaxCause(ds) : ''}; λ must be positive and finite`);
  }
  const groupsKey = built.penalty.groups
    ? createHash('sha256').update(built.penalty.groups.map((g) => Array.from(g).join(',')).join(';')).digest('hex').slice(0, 16)
    : '';
  const instanceHash = createHash('sha256')
    .update(JSON.stringify({ family: family.name, data: ds.hash, lambda: value.toString(), penalty: built.penalty.name, groups: groupsKey }))
    .digest('hex');
  return {
    family: family.name,
    engine: 'float64',
    datafit: built.datafit,
    penalty: built.penalty,
    lambda: value,
    lambdaMax,
    dim: built.datafit.dim,
    capabilities: new Set(family.capabilities),
    meta: {
      dataset: ds.name,
      dataHash: ds.hash,
      nSamples: ds.X.n,
      nFeatures: ds.X.p,
      ...(ds.trueSupport ? { trueSupport: ds.trueSupport } : {}),
      ...(ds.labels ? { labels: ds.labels } : {}),
      notes: ds.notes,
    },
    instanceHash,
  };
}

/** Builds a lasso problem straight from arrays (tests, benchmarks). */
export function lassoFromArrays(X: { n: number; p: number; data: Float64Array }, y: Float64Array, lambda: LambdaSpec, name = 'arrays'): Problem {
  const ds: Dataset = { name, X, y, featureNames: [], task: 'regression', hash: hashArrays(X.data, y), notes: {} };
  return makeProblem(lassoFamily, ds, lambda);
}

function hashArrays(a: Float64Array, b: Float64Array): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex');
}
