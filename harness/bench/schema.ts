/**
 * The plan format as a JSON Schema (draft-07), built from the registries (problem families,
 * solvers and their parameter specs), and the validator (ajv) that `bench --config` runs. A
 * failed validation becomes one line naming the JSON path of the first bad field and the fix
 * (e.g. `problems[0].lambdaRatios[1] must be a positive number, got -0.5`). docs/plans.md
 * documents every field; docs/plan.schema.json is this schema as a file (a test keeps it equal).
 *
 * Annotations read by the error formatter (registered as ajv keywords, ignored by other tools):
 * `x-noun` names what an enum lists ("problem family"), `x-missing` gives per required field the
 * hint printed when it is missing (`{family}` is replaced by the block's family).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ParamSpec } from '../../problems/types.ts';
import { PROBLEMS, isTensorFamily, mlpFamily, nnCompressionFamily } from '../../problems/zoo.ts';
import { allSolvers } from '../../solvers/index.ts';
import { CAPABILITIES } from '../../problems/types.ts';
import { BACKEND_CHOICES } from '../../problems/tensor/names.ts';
import { MAX_TIMEOUT_SECONDS } from '../../problems/limits.ts';
import { FILE_FORMATS } from '../../problems/datasets/index.ts';

/** Most timed repetitions a plan may ask for. */
export const MAX_REPEAT = 100;
const repeat = (description: string): Schema => ({ type: 'integer', minimum: 1, maximum: MAX_REPEAT, description });

type Schema = Record<string, unknown>;

const positive = (description: string): Schema => ({ type: 'number', exclusiveMinimum: 0, description });
/** A time budget: positive and at most MAX_TIMEOUT_SECONDS (7 days; no 32-bit timer overflow). */
const budget = (description: string): Schema => ({ type: 'number', exclusiveMinimum: 0, maximum: MAX_TIMEOUT_SECONDS, description });
const posInt = (description: string): Schema => ({ type: 'integer', minimum: 1, description });
const nonEmpty = (description: string): Schema => ({ type: 'string', minLength: 1, pattern: '\\S', description });
const SEED: Schema = { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, description: 'random seed' };
const seeds = (description: string): Schema => ({ type: 'array', minItems: 1, items: SEED, description });


const MLP_ONLY = ['hidden', 'mlpPenalty'] as const;
const COMPRESSION_ONLY = ['layers', 'structure', 'finetuneEpochs'] as const;
const TENSOR_ONLY = ['backend'] as const;
/** The gene-selection family (harness/genes/path.ts GENE_FAMILY) and the fields it does not take. */
const GENE_FAMILY_NAME = 'gene-selection';
const GENE_EXCLUDED = ['lambdaRatios', 'lambdas', 'lambdaPath', 'standardize', 'groupSize', 'target', 'hidden', 'mlpPenalty', 'layers', 'structure', 'finetuneEpochs'] as const;

/** Position in the problem block's allOf of the rule that makes lambdaPath exclusive of lambdaRatios/lambdas. */
const LAMBDA_PATH_RULE = 1;

/** Schema of one solver parameter's value, from its spec. */
function paramSchema(name: string, solver: string, p: ParamSpec): Schema {
  const description = `${p.doc} (default ${JSON.stringify(p.default)})`;
  switch (p.type) {
    case 'number':
    case 'integer':
      return { type: p.type, ...(p.min !== undefined ? { minimum: p.min } : {}), ...(p.max !== undefined ? { maximum: p.max } : {}), description, 'x-param': `${name} of ${solver}` };
    case 'boolean':
      return { type: 'boolean', description, 'x-param': `${name} of ${solver}` };
    case 'string':
      return { type: 'string', ...(p.choices ? { enum: [...p.choices] } : {}), description, 'x-param': `${name} of ${solver}` };
  }
}

/** The plan JSON Schema. */
export function planSchema(): Schema {
  // gene-selection (harness/genes/) is the zoo's protocol family: a λ path over the others
  const families = PROBLEMS.map((f) => f.name);
  const tensorFamilies = [...PROBLEMS.filter((f) => isTensorFamily(f)).map((f) => f.name), GENE_FAMILY_NAME];
  const grouped = PROBLEMS.filter((f) => f.grouped).map((f) => f.name);
  // the built-ins, then the plugin solvers loaded in this process (plan `plugins`, `--plugin`, command entries)
  const SOLVERS = allSolvers();
  const solverNames = SOLVERS.map((s) => s.name);
  const problem: Schema = {
    type: 'object',
    description: 'a problem family over datasets and λ values',
    additionalProperties: false,
    required: ['family', 'datasets'],
    'x-missing': {
      family: `one of: ${families.join(', ')}`,
      datasets: 'e.g. ["diabetes", "sim-lasso:n=100,p=200"]',
    },
    properties: {
      family: { type: 'string', enum: families, 'x-noun': 'problem family', description: 'problem family (`l1bench list`)' },
      datasets: { type: 'array', minItems: 1, items: nonEmpty('dataset: builtin name, simulator spec or file path'), description: 'datasets, one instance each' },
      lambdaRatios: { type: 'array', minItems: 1, items: positive('λ / λ_max'), description: 'λ as fractions of λ_max' },
      lambdas: { type: 'array', minItems: 1, items: positive('absolute λ'), description: 'absolute λ values' },
      lambdaPath: {
        type: 'object',
        additionalProperties: false,
        required: ['count', 'minRatio'],
        'x-missing': { count: 'give the number of λ values, e.g. "count": 20', minRatio: 'give λ_min/λ_max, e.g. "minRatio": 0.01' },
        description: 'instead of lambdaRatios/lambdas: a warm-started regularization path per dataset, solver and seed, one run per λ linked by a path id (as `solve --path`; Float64 families only)',
        properties: {
          count: posInt('λ values on the path, geometric from λ_max down to minRatio·λ_max'),
          minRatio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'λ_min / λ_max' },
        },
      },
      standardize: { type: 'boolean', description: 'center and scale the features (default false)' },
      groupSize: posInt('contiguous features per group (grouped families only)'),
      target: nonEmpty('target column of CSV files'),
      hidden: posInt('hidden width of the MLP (mlp only)'),
      layers: { type: 'array', minItems: 1, items: posInt('hidden width'), description: 'hidden widths of the network (nn-compression only)' },
      structure: { type: 'string', enum: ['weight', 'neuron'], description: 'sparsity structure: single weights or whole neurons (nn-compression only)' },
      finetuneEpochs: { type: 'integer', minimum: 0, description: 'fine-tune epochs of the threshold + fine-tune protocol (nn-compression only)' },
      mlpPenalty: { type: 'string', enum: ['l1', 'group-l1'], description: 'MLP penalty (mlp only)' },
      backend: { type: 'string', enum: [...BACKEND_CHOICES], description: 'tfjs backend (tensor families only; default auto)' },
      format: { type: 'string', enum: [...FILE_FORMATS], description: 'format of data files whose extension does not say (default: sniffed from the content)' },
      maxIter: posInt('caps every solver’s iteration budget on these instances'),
      path: {
        type: 'object',
        additionalProperties: false,
        description: 'λ path and selection settings (gene-selection only; harness/genes/types.ts)',
        properties: {
          count: posInt('λ values on the path, λ_max down to minRatio·λ_max, geometric'),
          minRatio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'λ_min / λ_max' },
          maxRatio: { type: 'number', minimum: 1, description: 'λ_0 / λ_max: where the path starts (default 1; networks may keep genes at λ_max)' },
          tau: { type: 'number', minimum: 0, description: 'a gene is selected when the norm of its group exceeds τ' },
          heads: { type: 'string', enum: ['linear', 'mlp', 'both'], description: 'network heads: linear softmax, MLP, or both' },
          hidden: posInt('hidden width of the MLP head'),
          refitEpochs: posInt('epochs of the unpenalized refit on the selected genes'),
          val: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'validation fraction of each class' },
          test: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'test fraction of each class' },
          warm: { type: 'boolean', description: 'warm-start each λ from the previous solution (default true)' },
          direction: { type: 'string', enum: ['down', 'up'], description: 'path order: down (sparse to dense, default) or up (dense to sparse, LassoNet’s)' },
          decay: { type: 'number', minimum: 0, description: 'weight decay on the network’s unpenalized weight matrices (the MLP head behind the input layer)' },
        },
      },
      methods: { type: 'array', minItems: 1, items: { type: 'string', enum: solverNames, 'x-noun': 'solver' }, description: 'the config’s solvers that run on these datasets and λ values (default: all); e.g. a block with a larger λ for one method' },
    },
    allOf: [
      // gene-selection: λ comes from the path; the one-λ fields do not apply, path only there
      {
        if: { properties: { family: { const: GENE_FAMILY_NAME } }, required: ['family'] },
        then: { properties: Object.fromEntries(GENE_EXCLUDED.map((k) => [k, false])) },
        else: { properties: { path: false } },
      },
      // a λ path makes its own grid (LAMBDA_PATH_RULE: the error formatter names it)
      { if: { required: ['lambdaPath'] }, then: { properties: { lambdaRatios: false, lambdas: false } }, else: {} },
      // λ as ratios or absolute values: lambdaRatios is required unless lambdas (or lambdaPath) is given.
      {
        if: { anyOf: [{ required: ['lambdas'] }, { required: ['lambdaPath'] }, { properties: { family: { const: GENE_FAMILY_NAME } }, required: ['family'] }] },
        then: {},
        else: { required: ['lambdaRatios'], 'x-missing': { lambdaRatios: 'give λ as fractions of λ_max, e.g. [0.1, 0.01] (or absolute "lambdas")' } },
      },
      {
        if: { properties: { family: { enum: grouped } }, required: ['family'] },
        then: { required: ['groupSize'], 'x-missing': { groupSize: 'family {family} needs contiguous groups of groupSize features' } },
        else: { properties: { groupSize: false } },
      },
      { if: { properties: { family: { const: mlpFamily.name } }, required: ['family'] }, then: {}, else: { properties: Object.fromEntries(MLP_ONLY.map((k) => [k, false])) } },
      { if: { properties: { family: { const: nnCompressionFamily.name } }, required: ['family'] }, then: {}, else: { properties: Object.fromEntries(COMPRESSION_ONLY.map((k) => [k, false])) } },
      { if: { properties: { family: { enum: tensorFamilies } }, required: ['family'] }, then: { properties: { lambdaPath: false } }, else: { properties: Object.fromEntries(TENSOR_ONLY.map((k) => [k, false])) } },
    ],
  };
  const stopping = {
    tol: positive('stop at relative duality gap (or KKT violation) ≤ tol'),
    maxIter: posInt('iteration (epoch) budget'),
    timeout: budget('seconds per run, pre-emptive (at most 604800: 7 days)'),
    seeds: seeds('one run per seed'),
  };
  const solver: Schema = {
    type: 'object',
    description: 'a solver with fixed parameters, a grid, and optional stopping overrides',
    additionalProperties: false,
    required: ['name'],
    'x-missing': { name: `one of: ${solverNames.join(', ')}` },
    properties: {
      name: { type: 'string', enum: solverNames, 'x-noun': 'solver', description: 'solver (`l1bench list`)' },
      params: { type: 'object', description: 'fixed parameters' },
      grid: { type: 'object', description: 'parameter → values; one solver instance per combination' },
      ...stopping,
      tau: { type: 'number', minimum: 0, description: 'support threshold: |x_i| > tau counts as nonzero' },
      families: { type: 'array', minItems: 1, items: { type: 'string', enum: families, 'x-noun': 'problem family' }, description: 'only the problem blocks of these families get this solver block (default: every family)' },
      repeat: repeat('timed repetitions of each run of this block (overrides the plan’s repeat)'),
      command: { type: 'array', minItems: 1, items: nonEmpty('a word of the command line'), description: 'a solver in any language: the command (argv) run on the solver protocol (docs/solver-protocol.md), in the plan’s folder' },
      requires: { type: 'array', minItems: 1, items: { type: 'string', enum: [...CAPABILITIES], 'x-noun': 'capability' }, description: 'capabilities a command solver needs of a problem (default: design-matrix, float64-engine)' },
    },
    allOf: [{ if: { required: ['command'] }, then: {}, else: { properties: { requires: false } } }, ...SOLVERS.map((s) => {
      const props = Object.fromEntries(Object.entries(s.params).map(([k, p]) => [k, paramSchema(k, s.name, p)]));
      return {
        if: { properties: { name: { const: s.name } }, required: ['name'] },
        then: {
          properties: {
            params: { type: 'object', additionalProperties: false, properties: props },
            grid: { type: 'object', additionalProperties: false, properties: Object.fromEntries(Object.entries(props).map(([k, p]) => [k, { type: 'array', minItems: 1, items: p }])) },
          },
        },
      };
    })],
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/l1bench/l1bench/docs/plan.schema.json',
    title: 'l1bench plan',
    description: 'A benchmark plan: problems × datasets × λ × solvers × parameter grids × seeds (docs/plans.md).',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'problems', 'solvers'],
    'x-missing': {
      name: 'give the benchmark a name, e.g. "name": "my-bench"',
      problems: 'list at least one problem block',
      solvers: 'list at least one solver, e.g. [{ "name": "cd" }]',
    },
    properties: {
      name: nonEmpty('name of the plan; recorded with every run as its suite'),
      description: nonEmpty('what the plan is for'),
      tol: stopping.tol,
      maxIter: stopping.maxIter,
      timeout: stopping.timeout,
      seeds: stopping.seeds,
      referenceTimeout: budget('seconds per reference solve (at most 604800: 7 days)'),
      repeat: repeat('timed repetitions of each run after one untimed warm-up; the stored times are their medians'),
      plugins: { type: 'array', items: nonEmpty('path of a .ts/.js module exporting Solver objects, relative to the plan'), description: 'solver plugins to load (README: Benchmark your own solver)' },
      problems: { type: 'array', minItems: 1, items: problem, description: 'problem blocks' },
      solvers: { type: 'array', minItems: 1, items: solver, description: 'solver blocks' },
    },
  };
}

let compiled: ValidateFunction | null = null;
let compiledFor = '';

/** The compiled validator (first error only, with its schema and data for the message); recompiled when plugins add solvers. */
function validator(): ValidateFunction {
  const names = allSolvers().map((s) => s.name).join(',');
  if (compiled && compiledFor === names) return compiled;
  compiledFor = names;
  const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  for (const k of ['x-noun', 'x-missing', 'x-param']) ajv.addKeyword({ keyword: k, schemaType: k === 'x-missing' ? 'object' : 'string' });
  compiled = ajv.compile(planSchema());
  return compiled;
}

/** `/problems/0/lambdaRatios/1` → `problems[0].lambdaRatios[1]`. */
export function jsonPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** What a value schema asks for, in words: "a positive number", "an integer in 0 … 2147483647". */
function wanted(s: Schema): string {
  const param = typeof s['x-param'] === 'string' ? ` (parameter ${s['x-param']})` : '';
  if (Array.isArray(s['enum'])) return `one of ${(s['enum'] as unknown[]).join(', ')}${param}`;
  const lo = s['minimum'] as number | undefined;
  const hi = s['maximum'] as number | undefined;
  switch (s['type']) {
    case 'integer':
      if (lo === 0 && hi === 2 ** 31 - 1) return `an integer in 0 … ${hi}${param}`;
      if (lo === 1 && hi === undefined) return `a positive integer${param}`;
      return `an integer${lo !== undefined ? ` ≥ ${lo}` : ''}${hi !== undefined ? `${lo !== undefined ? ' and' : ''} ≤ ${hi}` : ''}${param}`;
    case 'number':
      if (s['exclusiveMinimum'] === 0) return `a positive number${hi !== undefined ? ` ≤ ${hi}` : ''}${param}`;
      if (lo === 0 && hi === undefined) return `a number ≥ 0${param}`;
      return `a number${lo !== undefined ? ` ≥ ${lo}` : ''}${hi !== undefined ? `${lo !== undefined ? ' and' : ''} ≤ ${hi}` : ''}${param}`;
    case 'string':
      return `a non-empty string${param}`;
    case 'boolean':
      return `true or false${param}`;
    case 'array':
      return 'an array';
    case 'object':
      return 'an object';
    default:
      return 'valid';
  }
}

/** One line naming the path and the fix, from ajv's first error. */
export function explain(e: ErrorObject): string {
  const at = jsonPath(e.instancePath);
  const parent = (e.parentSchema ?? {}) as Schema;
  const where = (p: string): string => p || '(top level)';
  const join = (k: string): string => (at === '' ? k : `${at}.${k}`);
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const hints = (parent['x-missing'] ?? {}) as Record<string, string>;
      const family = (e.data as { family?: unknown } | null)?.family;
      const hint = (hints[missing] ?? 'add it').replace('{family}', String(family));
      return `${join(missing)} is missing; ${hint}`;
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((parent['properties'] ?? {}) as Schema);
      return `${join(extra)} is not a known field; allowed here: ${allowed.join(', ') || '(none)'}`;
    }
    case 'false schema': {
      const field = at.split('.').pop() ?? at;
      if ((MLP_ONLY as readonly string[]).includes(field)) return `${at} applies to family ${mlpFamily.name} only; remove it`;
      if ((COMPRESSION_ONLY as readonly string[]).includes(field)) return `${at} applies to family ${nnCompressionFamily.name} only; remove it`;
      if ((TENSOR_ONLY as readonly string[]).includes(field)) return `${at} applies to tensor families only; remove it`;
      if ((field === 'lambdaRatios' || field === 'lambdas') && e.schemaPath.includes(`/allOf/${LAMBDA_PATH_RULE}/`)) return `${at} and lambdaPath are exclusive (the path makes its own λ grid); remove one`;
      if (field === 'lambdaPath') return `${at} applies to the Float64 families (lasso, logistic, multinomial, group penalties) only; remove it`;
      if (field === 'requires') return `${at} applies to command solvers only (a module plugin or a built-in declares its own); remove it`;
      return `${at} does not apply to this problem family; remove it`;
    }
    case 'minItems':
      return `${where(at)} must not be empty`;
    case 'enum':
      if (typeof parent['x-noun'] === 'string') return `${at} ${show(e.data).replace(/^"|"$/g, "'")} is not a ${parent['x-noun']}; one of: ${(parent['enum'] as unknown[]).join(', ')}`;
      return `${where(at)} must be ${wanted(parent)}, got ${show(e.data)}`;
    default:
      return `${where(at)} must be ${wanted(parent)}, got ${show(e.data)}`;
  }
}

/** Validates a parsed plan: null when valid, else the one-line reason of the first error. */
export function validatePlan(json: unknown): string | null {
  const v = validator();
  if (v(json)) return null;
  const errors = (v.errors ?? []).filter((e) => e.keyword !== 'if');
  const first = errors[0];
  return first ? explain(first) : 'is not a valid plan';
}

/** `npx tsx harness/bench/schema.ts` rewrites docs/plan.schema.json from the registries. */
if (import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1] ?? '').href) {
  const { writeFileSync } = await import('node:fs');
  const { join, dirname } = await import('node:path');
  const path = join(dirname((await import('node:url')).fileURLToPath(import.meta.url)), '..', '..', 'docs', 'plan.schema.json');
  writeFileSync(path, JSON.stringify(planSchema(), null, 2) + '\n');
  process.stdout.write(`wrote ${path}\n`);
}
