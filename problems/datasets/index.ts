/**
 * The datasets l1bench knows, in one explicit list, and the resolver from a CLI spec:
 *   - a builtin name:                 `diabetes`, `breast-cancer`, `wine`, `digits`
 *   - a microarray task:              `all-bt`, `all-bcrabl`, `all-mol`, `bladderbatch` (genes.ts)
 *   - a simulated spec:               `sim-lasso:n=100,p=200,k=10,rho=0.5,snr=10,seed=0`
 *                                     (also sim-logistic, sim-multinomial, sim-group, sim-cs;
 *                                     omitted keys take the defaults listed by `l1bench list`)
 *   - a file path:                    `.csv`, `.csv.gz` (CSV) or `.svm`, `.libsvm`, `.svmlight`,
 *                                     `.txt` (+ `.gz`) (LIBSVM); any other name (e.g. LIBSVM's
 *                                     own `heart_scale`, `a9a.t`) is sniffed from its first
 *                                     lines (`label idx:val …` → LIBSVM, commas → CSV), or
 *                                     named by `format`
 * `target` applies to CSV files only. A simulated spec whose design would not fit in memory
 * (`sim-lasso:n=1e8,p=1e8`) is refused before anything is allocated (limits.ts).
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { BUILTINS, BUILTIN_NAMES, loadBuiltin } from './builtin.ts';
import { loadCsv } from './csv.ts';
import { GENE_TASKS, GENE_TASK_NAMES, loadGeneTask } from './genes.ts';
import { TASKS, type Task } from './labels.ts';
import { loadLibsvm } from './libsvm.ts';
import {
  simulateCompressiveSensing,
  simulateGenes,
  simulateGroupLasso,
  simulateLasso,
  simulateLogistic,
  simulateMultinomial,
} from './simulate.ts';
import { standardize } from './standardize.ts';
import { headLines } from './read.ts';
import { checkMemory } from '../limits.ts';

export type { Task } from './labels.ts';
export { TASKS, codeLabels } from './labels.ts';
export { loadCsv } from './csv.ts';
export { loadLibsvm } from './libsvm.ts';
export { loadBuiltin, BUILTINS } from './builtin.ts';
export { loadGeneTask, loadGeneSource, GENE_TASKS, GENE_TASK_NAMES } from './genes.ts';
export { standardize } from './standardize.ts';
export { hashDataset } from './hash.ts';
export {
  simulateLasso,
  simulateLogistic,
  simulateMultinomial,
  simulateGroupLasso,
  simulateCompressiveSensing,
  simulateGenes,
} from './simulate.ts';

/** One parameter of a simulated spec. */
export interface SpecParam {
  readonly type: 'integer' | 'number' | 'boolean' | 'choice';
  readonly default: number | boolean | string;
  readonly doc: string;
  /** Allowed values of a 'choice'. */
  readonly choices?: readonly string[];
}

export interface DatasetEntry {
  readonly name: string;
  readonly description: string;
  /** Tasks this dataset can serve (its target kind). */
  readonly tasks: readonly Task[];
  readonly kind: 'builtin' | 'simulated';
  /** Spec parameters with defaults (simulated datasets). */
  readonly params?: Readonly<Record<string, SpecParam>>;
}

type SimArgs = Record<string, number | boolean | string>;

const int = (d: number, doc: string): SpecParam => ({ type: 'integer', default: d, doc });
const num = (d: number, doc: string): SpecParam => ({ type: 'number', default: d, doc });
const bool = (d: boolean, doc: string): SpecParam => ({ type: 'boolean', default: d, doc });
const choice = (d: string, choices: readonly string[], doc: string): SpecParam => ({ type: 'choice', default: d, choices, doc });

interface SimGenerator extends DatasetEntry {
  readonly kind: 'simulated';
  readonly params: Readonly<Record<string, SpecParam>>;
  make(a: SimArgs): Dataset;
}

const N = (a: SimArgs, k: string): number => a[k] as number;

const SIMULATED: readonly SimGenerator[] = [
  {
    name: 'sim-lasso',
    description: 'Gaussian design, Toeplitz correlation rho^|i-j|, k-sparse truth, y = Xβ + ε with ‖Xβ‖/‖ε‖ = snr',
    tasks: ['regression'],
    kind: 'simulated',
    params: {
      n: int(100, 'samples'),
      p: int(200, 'features'),
      k: int(10, 'nonzero coefficients'),
      rho: num(0, 'correlation of adjacent features'),
      snr: num(10, '‖Xβ‖/‖ε‖ (inf: no noise)'),
      seed: int(0, 'random seed'),
    },
    make: (a) =>
      simulateLasso({ n: N(a, 'n'), p: N(a, 'p'), k: N(a, 'k'), rho: N(a, 'rho'), snr: N(a, 'snr'), seed: N(a, 'seed') }),
  },
  {
    name: 'sim-logistic',
    description: 'Gaussian design (Toeplitz), k-sparse truth, labels ±1 ~ Bernoulli(sigmoid(Xβ)) or sign(Xβ)',
    tasks: ['binary'],
    kind: 'simulated',
    params: {
      n: int(200, 'samples'),
      p: int(100, 'features'),
      k: int(10, 'nonzero coefficients'),
      rho: num(0, 'correlation of adjacent features'),
      seed: int(0, 'random seed'),
      separable: bool(false, 'labels = sign(Xβ)'),
    },
    make: (a) =>
      simulateLogistic({
        n: N(a, 'n'),
        p: N(a, 'p'),
        k: N(a, 'k'),
        rho: N(a, 'rho'),
        seed: N(a, 'seed'),
        separable: a['separable'] as boolean,
      }),
  },
  {
    name: 'sim-multinomial',
    description: 'iid Gaussian design, B with k nonzero rows, class = argmax(xᵀB + Gumbel noise)',
    tasks: ['multiclass'],
    kind: 'simulated',
    params: {
      n: int(300, 'samples'),
      p: int(50, 'features'),
      k: int(5, 'nonzero rows of B'),
      classes: int(3, 'number of classes'),
      seed: int(0, 'random seed'),
    },
    make: (a) =>
      simulateMultinomial({ n: N(a, 'n'), p: N(a, 'p'), k: N(a, 'k'), classes: N(a, 'classes'), seed: N(a, 'seed') }),
  },
  {
    name: 'sim-group',
    description: 'Gaussian design (Toeplitz), contiguous groups of groupSize features, kGroups active groups',
    tasks: ['regression'],
    kind: 'simulated',
    params: {
      n: int(100, 'samples'),
      p: int(200, 'features (a multiple of groupSize)'),
      groupSize: int(5, 'features per group'),
      kGroups: int(4, 'active groups'),
      rho: num(0, 'correlation of adjacent features'),
      snr: num(10, '‖Xβ‖/‖ε‖ (inf: no noise)'),
      seed: int(0, 'random seed'),
    },
    make: (a) =>
      simulateGroupLasso({
        n: N(a, 'n'),
        p: N(a, 'p'),
        groupSize: N(a, 'groupSize'),
        kGroups: N(a, 'kGroups'),
        rho: N(a, 'rho'),
        snr: N(a, 'snr'),
        seed: N(a, 'seed'),
      }),
  },
  {
    name: 'sim-cs',
    description: 'compressive sensing (spred paper demo): A n×N with N(0, 1/N) entries, sparse truth, Gaussian noise',
    tasks: ['regression'],
    kind: 'simulated',
    params: {
      n: int(100, 'measurements'),
      N: int(4000, 'signal dimension'),
      sparsity: num(0.1, 'fraction of nonzeros'),
      noise: num(0.01, 'noise standard deviation'),
      seed: int(0, 'random seed'),
    },
    make: (a) =>
      simulateCompressiveSensing({
        n: N(a, 'n'),
        N: N(a, 'N'),
        sparsity: N(a, 'sparsity'),
        noise: N(a, 'noise'),
        seed: N(a, 'seed'),
      }),
  },
  {
    name: 'sim-genes',
    description: 'gene selection, n ≪ p: correlated blocks, k informative genes; labels ±1, logistic in the genes (linear) or through thresholds and interactions (nonlinear)',
    tasks: ['binary'],
    kind: 'simulated',
    params: {
      n: int(200, 'samples'),
      p: int(2000, 'genes'),
      k: int(10, 'informative genes'),
      rho: num(0.5, 'correlation within a block'),
      mode: choice('nonlinear', ['linear', 'nonlinear'], 'linear: η = Xβ; nonlinear: thresholds and interactions (half the genes invisible to a linear model)'),
      block: int(10, 'genes per correlated block'),
      scale: num(1, 'label sharpness s: y = +1 w.p. σ(s(η − mean η)) (inf: noiseless)'),
      seed: int(0, 'random seed'),
    },
    make: (a) =>
      simulateGenes({
        n: N(a, 'n'),
        p: N(a, 'p'),
        k: N(a, 'k'),
        rho: N(a, 'rho'),
        mode: a['mode'] as 'linear' | 'nonlinear',
        block: N(a, 'block'),
        scale: N(a, 'scale'),
        seed: N(a, 'seed'),
      }),
  },
];

/** Every named dataset: the builtins, then the simulators. */
export const DATASETS: readonly DatasetEntry[] = [
  ...BUILTINS.map((b): DatasetEntry => ({ name: b.name, description: b.description, tasks: [b.task], kind: 'builtin' })),
  ...GENE_TASKS.map((g): DatasetEntry => ({ name: g.name, description: g.description, tasks: [g.task], kind: 'builtin' })),
  ...SIMULATED.map(({ name, description, tasks, kind, params }): DatasetEntry => ({ name, description, tasks, kind, params })),
];

const CSV_EXT = ['.csv', '.csv.gz'];
const LIBSVM_EXT = ['.svm', '.libsvm', '.svmlight', '.txt'].flatMap((e) => [e, `${e}.gz`]);

/** File formats `format` can name. */
export const FILE_FORMATS = ['csv', 'libsvm'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export interface ResolveOptions {
  /** Target column of a CSV file. */
  readonly target?: string;
  /** Format of a data file (default: from the extension, else sniffed from the content). */
  readonly format?: FileFormat;
  readonly task: Task;
  /** Standardize the columns of X after loading (see `standardize`). */
  readonly standardize?: boolean;
}

/** Loads or generates the dataset named by `spec` (see the module comment). */
export function resolveDataset(spec: string, opts: ResolveOptions): Dataset {
  if (!TASKS.includes(opts.task)) throw new UserError(`task '${opts.task}' is not one of: ${TASKS.join(', ')}`);
  const ds = load(spec.trim(), opts);
  return opts.standardize ? standardize(ds) : ds;
}

function notFile(spec: string, opts: ResolveOptions, what: string): void {
  if (opts.target !== undefined) {
    throw new UserError(`--target applies to CSV files only; ${what} '${spec}' has its own target (drop --target)`);
  }
  if (opts.format !== undefined) throw new UserError(`--format applies to data files only; '${spec}' is ${what} (drop --format)`);
}

function load(spec: string, opts: ResolveOptions): Dataset {
  if (BUILTIN_NAMES.includes(spec)) {
    notFile(spec, opts, 'the builtin dataset');
    checkTask(DATASETS.find((d) => d.name === spec) as DatasetEntry, opts.task);
    return loadBuiltin(spec, {});
  }
  if (GENE_TASK_NAMES.includes(spec)) {
    checkTask(DATASETS.find((d) => d.name === spec) as DatasetEntry, opts.task);
    return loadGeneTask(spec);
  }
  const colon = spec.indexOf(':');
  const head = colon >= 0 ? spec.slice(0, colon) : spec;
  const gen = SIMULATED.find((g) => g.name === head);
  if (gen) {
    notFile(spec, opts, 'the simulated dataset');
    checkTask(gen, opts.task);
    const args = parseSimArgs(gen, colon >= 0 ? spec.slice(colon + 1) : '');
    const n = N(args, 'n');
    const p = (args['p'] ?? args['N']) as number;
    // X plus a working copy (standardization, the generator's temporaries).
    checkMemory(`${gen.name}: the ${n} × ${p} design`, n * p, `lower n or ${args['p'] === undefined ? 'N' : 'p'}`, { copies: 2 });
    return gen.make(args);
  }
  const lower = spec.toLowerCase();
  const isCsv = CSV_EXT.some((e) => lower.endsWith(e));
  const isSvm = LIBSVM_EXT.some((e) => lower.endsWith(e));
  if (existsSync(spec)) {
    const format = opts.format ?? (isCsv ? 'csv' : isSvm ? 'libsvm' : sniffFormat(spec));
    if (format === 'libsvm' && opts.target !== undefined) {
      throw new UserError(`--target applies to CSV files only; ${spec} is LIBSVM, whose target is the first token of each line (drop --target)`);
    }
    if (format === 'csv') return loadCsv(spec, { task: opts.task, ...(opts.target !== undefined ? { target: opts.target } : {}) });
    return loadLibsvm(spec, { task: opts.task });
  }
  if (head === 'fashion-mnist' || head === 'fashion-mnist-small') {
    throw new UserError(`dataset '${spec}' is an image dataset with its own test split, for the network families (mlp, nn-compression); use one of those problems`);
  }
  if (head.startsWith('sim-')) {
    throw new UserError(`unknown generator '${head}'; choose one of: ${SIMULATED.map((g) => g.name).join(', ')}`);
  }
  if (isCsv || isSvm || spec.includes('/') || spec.includes('\\')) {
    throw new UserError(`${spec}: file not found; check the path`);
  }
  throw new UserError(
    `unknown dataset '${spec}': not a builtin (${[...BUILTIN_NAMES, ...GENE_TASK_NAMES].join(', ')}), a generator ` +
      `(${SIMULATED.map((g) => g.name).join(', ')}) or an existing file`,
  );
}

const LIBSVM_LINE = /^\S+(\s+(\d+|qid):\S+)*\s*$/;
const HAS_FEATURE = /\s\d+:\S/;

/**
 * Format of a file with an unknown extension, from its first non-empty lines (comments
 * stripped): LIBSVM when every line is `label idx:val …` and one has a feature; CSV when the
 * first has a comma. Anything else is a UserError asking for `--format`.
 */
export function sniffFormat(path: string): FileFormat {
  const lines = headLines(path, 'data', 5)
    .map((l) => (l.includes('#') ? l.slice(0, l.indexOf('#')) : l).trim())
    .filter((l) => l !== '');
  if (lines.length > 0 && lines.every((l) => LIBSVM_LINE.test(l)) && lines.some((l) => HAS_FEATURE.test(l))) return 'libsvm';
  if (lines.length > 0 && (lines[0] as string).includes(',')) return 'csv';
  throw new UserError(
    `${path}: cannot tell the data format from the extension or the first lines; pass --format csv or --format libsvm ` +
      `(or name it ${[...CSV_EXT, ...LIBSVM_EXT.filter((e) => !e.endsWith('.gz'))].join(', ')})`,
  );
}

function checkTask(entry: DatasetEntry, task: Task): void {
  if (entry.tasks.includes(task)) return;
  const fit = DATASETS.filter((d) => d.tasks.includes(task)).map((d) => d.name);
  throw new UserError(
    `dataset '${entry.name}' has ${entry.tasks.join('/')} targets, not ${task}; for ${task} use one of: ${fit.join(', ')}`,
  );
}

/** Parses `key=value,key=value` against the generator's parameters (defaults fill the rest). */
function parseSimArgs(gen: SimGenerator, text: string): SimArgs {
  const keys = Object.keys(gen.params);
  const valid = `valid keys: ${keys.map((k) => `${k} (default ${String(gen.params[k]?.default)})`).join(', ')}`;
  const args: SimArgs = {};
  for (const [k, p] of Object.entries(gen.params)) args[k] = p.default;
  const seen = new Set<string>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new UserError(`${gen.name}: '${part}' is not key=value; ${valid}`);
    const key = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    const param = gen.params[key];
    if (!param) throw new UserError(`${gen.name}: unknown key '${key}'; ${valid}`);
    if (seen.has(key)) throw new UserError(`${gen.name}: key '${key}' given twice; give each key once`);
    seen.add(key);
    args[key] = parseValue(gen.name, key, raw, param, valid);
  }
  return args;
}

function parseValue(gen: string, key: string, raw: string, param: SpecParam, valid: string): number | boolean | string {
  if (param.type === 'choice') {
    if ((param.choices ?? []).includes(raw)) return raw;
    throw new UserError(`${gen}: ${key}='${raw}' must be one of ${(param.choices ?? []).join(', ')}; ${valid}`);
  }
  if (param.type === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new UserError(`${gen}: ${key}='${raw}' must be true or false; ${valid}`);
  }
  const l = raw.toLowerCase();
  const v = l === 'inf' || l === 'infinity' ? Infinity : raw === '' ? NaN : Number(raw);
  if (Number.isNaN(v) || (param.type === 'integer' && !Number.isInteger(v))) {
    throw new UserError(`${gen}: ${key}='${raw}' must be ${param.type === 'integer' ? 'an integer' : 'a number'}; ${valid}`);
  }
  return v;
}

/** A listing for `l1bench list`: one line per dataset, the spec keys of each generator, and the file formats. */
export function describeDatasets(): string {
  const w = Math.max(...DATASETS.map((d) => d.name.length));
  const out: string[] = ['Datasets:'];
  for (const d of DATASETS) {
    out.push(`  ${d.name.padEnd(w)}  ${d.kind.padEnd(9)}  ${d.tasks.join('/').padEnd(10)}  ${d.description}`);
    if (d.params) {
      const keys = Object.entries(d.params).map(([k, p]) => `${k}=${String(p.default)}`);
      out.push(`  ${''.padEnd(w)}  spec: ${d.name}:${keys.join(',')}`);
    }
  }
  out.push(
    '  Files: path.csv / path.csv.gz (header row, --target NAME, default column y or target);',
    '         path.svm / .libsvm / .svmlight / .txt (LIBSVM "label idx:val …", optionally .gz; 0- or 1-based);',
    '         any other name is sniffed from its first lines, or give --format csv|libsvm',
    '  Images (network families mlp, nn-compression): fashion-mnist (official 60k/10k, Debian dataset-fashion-mnist),',
    '         fashion-mnist:train=N,test=M (stratified subsets), fashion-mnist-small (committed stratified 6k/1k)',
  );
  return out.join('\n');
}
