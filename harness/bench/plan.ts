/**
 * Plan expansion: a validated config → the list of jobs (problem instance × solver instance ×
 * seed), each with its deterministic key (`jobKey`), plus the distinct problem instances.
 *
 * jobs = Σ_problem-blocks |datasets| · (|lambdaRatios| + |lambdas|) · Σ_solvers Π_k |grid_k| · |seeds|
 * (duplicates — the same key twice — are kept once). A solver whose declared requirements the
 * family does not offer is planned as `skip` with the reason; it is still recorded (as `skipped`).
 *
 * The order of `jobs` is deterministic: instances in config order (problem blocks, then datasets,
 * then λ ratios, then absolute λ), and within an instance the solver blocks in config order, their
 * grid combinations (keys sorted), then seeds. A shard `I/N` (1 ≤ I ≤ N) keeps the jobs at
 * positions index with index % N === I − 1 of that (filtered) order, so the N shards partition
 * the plan whatever machine expands it; `instances` then lists only the ones the shard touches.
 */
import type { Capability, ParamValue, Params } from '../../problems/types.ts';
import { PROBLEMS, mlpFamily, nnCompressionFamily } from '../../problems/zoo.ts';
import { findSolver } from '../../solvers/index.ts';
import { jobKey, type JobSpec, type ProblemSpec } from '../job.ts';
import { resolveParams, solverLabel } from '../params.ts';
import type { BenchConfig, ProblemBlock, SolverBlock } from './config.ts';
import { UserError } from '../../problems/errors.ts';
import { GENE_FAMILY } from '../genes/path.ts';
import { GENE_PATH_DEFAULTS } from '../genes/types.ts';
import { DEFAULT_BACKEND } from '../../problems/tensor/names.ts';

/** One problem instance spec of the plan (its instance hash is known once it is built). */
export interface PlannedInstance {
  /** Stable id of the spec within the plan (JSON of the ProblemSpec). */
  readonly id: string;
  readonly spec: ProblemSpec;
  /** e.g. `lasso/diabetes λ=0.1·λmax`. */
  readonly title: string;
  /** Whether the family is convex (a certified reference optimum can be computed). */
  readonly convex: boolean;
  /** JSON path of the dataset in the config, for error messages. */
  readonly where: string;
  /** Cap on every solver's iteration budget (the problem block's maxIter). */
  readonly maxIterCap: number | null;
  /** The only solvers planned on this instance (gene-selection `methods`), or every solver. */
  readonly methods?: readonly string[];
}

export interface PlannedJob {
  readonly key: string;
  readonly job: JobSpec;
  /** Deterministic solver-instance label, e.g. `spred-adam[lr=0.01]`. */
  readonly label: string;
  readonly instanceId: string;
  /** Human title: `lasso/diabetes λ=0.1·λmax spred-adam[lr=0.01] seed=0`. */
  readonly title: string;
  /** Capability mismatch predicted from the family's capabilities, or null. */
  readonly skip: string | null;
}

export interface Plan {
  readonly name: string;
  readonly jobs: readonly PlannedJob[];
  readonly instances: readonly PlannedInstance[];
}

export interface PlanOptions {
  /** Overrides every run's timeout (seconds). */
  readonly timeout?: number;
  /** What a tensor problem's backend `auto` becomes (lanes.ts); without it `auto` stays for the worker to resolve. */
  readonly autoBackend?: string;
  /** Keeps only jobs whose title contains this substring. */
  readonly filter?: string;
  /** Keeps only the shard's jobs (see the module comment). */
  readonly shard?: Shard;
}

/** Shard `index/count` of a plan: 1 ≤ index ≤ count. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `--shard I/N` (1 ≤ I ≤ N, integers); anything else is a UserError. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard must be I/N with integers 1 ≤ I ≤ N (e.g. --shard 1/8), got '${text}'`);
  }
  return { index, count };
}

/** The plan restricted to shard `index/count`: jobs at positions p with p % count === index − 1. */
export function shardPlan(plan: Plan, shard: Shard): Plan {
  const jobs = plan.jobs.filter((_, p) => p % shard.count === shard.index - 1);
  const used = new Set(jobs.map((j) => j.instanceId));
  return { name: plan.name, jobs, instances: plan.instances.filter((i) => used.has(i.id)) };
}

/** Capabilities a family offers, known without building a problem. */
export function familyCaps(family: string): ReadonlySet<Capability> {
  // a gene-selection job runs the linear baseline (Float64) or a network (tfjs) by its solver;
  // the real check happens on the built problem (runGenePath)
  if (family === GENE_FAMILY) return new Set<Capability>(['smooth-gradient', 'sample-mean', 'tensor-engine', 'design-matrix', 'convex', 'float64-engine', 'prox', 'lipschitz']);
  const f = PROBLEMS.find((x) => x.name === family);
  return new Set(f ? f.capabilities : []);
}

/** Cartesian product of a grid (keys sorted), each combination merged over `fixed`. */
export function expandGrid(
  fixed: Readonly<Record<string, ParamValue>>,
  grid: Readonly<Record<string, readonly ParamValue[]>>,
): Record<string, ParamValue>[] {
  let out: Record<string, ParamValue>[] = [{ ...fixed }];
  for (const key of Object.keys(grid).sort()) {
    const values = grid[key] ?? [];
    out = out.flatMap((combo) => values.map((v) => ({ ...combo, [key]: v })));
  }
  return out;
}

function lambdaTitle(spec: ProblemSpec): string {
  return spec.lambda.kind === 'ratio' ? `λ=${spec.lambda.ratio}·λmax` : `λ=${spec.lambda.value}`;
}

function instancesOf(block: ProblemBlock, index: number, autoBackend?: string): PlannedInstance[] {
  const out: PlannedInstance[] = [];
  if (block.family === GENE_FAMILY) {
    // one instance per dataset: the λ path (its smallest λ stands in the spec's λ field)
    const genes = { ...GENE_PATH_DEFAULTS, ...(block.path ?? {}) };
    block.datasets.forEach((dataset, d) => {
      const spec: ProblemSpec = { family: GENE_FAMILY, dataset, lambda: { kind: 'ratio', ratio: genes.minRatio }, genes, backend: block.backend ?? 'wasm' };
      out.push({
        id: JSON.stringify(spec),
        spec,
        title: `${GENE_FAMILY}/${dataset} path ${genes.count}×λ ${genes.heads}`,
        convex: false,
        where: `problems[${index}].datasets[${d}]`,
        maxIterCap: block.maxIter ?? null,
        ...(block.methods ? { methods: block.methods } : {}),
      });
    });
    return out;
  }
  const lambdas = [
    ...block.lambdaRatios.map((ratio) => ({ kind: 'ratio' as const, ratio })),
    ...block.lambdas.map((value) => ({ kind: 'absolute' as const, value })),
  ];
  block.datasets.forEach((dataset, d) => {
    for (const lambda of lambdas) {
      const spec: ProblemSpec = {
        family: block.family,
        dataset,
        lambda,
        standardize: block.standardize,
        ...(block.target !== undefined ? { target: block.target } : {}),
        ...(block.groupSize !== undefined ? { groupSize: block.groupSize } : {}),
        ...(block.family === mlpFamily.name
          ? { backend: resolveAuto(block.backend ?? DEFAULT_BACKEND, autoBackend), hidden: block.hidden ?? 32, mlpPenalty: block.mlpPenalty ?? 'l1' }
          : {}),
        ...(block.family === nnCompressionFamily.name
          ? {
              backend: resolveAuto(block.backend ?? DEFAULT_BACKEND, autoBackend),
              layers: block.layers ?? [300, 100],
              structure: block.structure ?? 'weight',
              finetuneEpochs: block.finetuneEpochs ?? 0,
            }
          : {}),
      };
      out.push({
        id: JSON.stringify(spec),
        spec,
        title: `${block.family}/${dataset} ${lambdaTitle(spec)}`,
        convex: familyCaps(block.family).has('convex'),
        where: `problems[${index}].datasets[${d}]`,
        maxIterCap: block.maxIter ?? null,
      });
    }
  });
  return out;
}

interface SolverInstance {
  readonly block: SolverBlock;
  readonly params: Params;
  readonly label: string;
  readonly requires: readonly Capability[];
}

function solverInstances(block: SolverBlock): SolverInstance[] {
  const solver = findSolver(block.name);
  return expandGrid(block.params, block.grid).map((given) => {
    const params = resolveParams(solver, given);
    return { block, params, label: solverLabel(solver, params), requires: solver.requires };
  });
}

function resolveAuto(backend: string, autoBackend: string | undefined): string {
  return backend === 'auto' && autoBackend !== undefined ? autoBackend : backend;
}

/** Expands a config into jobs (see the module comment). */
export function expandPlan(config: BenchConfig, opts: PlanOptions = {}): Plan {
  const instances: PlannedInstance[] = [];
  const seenInstance = new Set<string>();
  config.problems.forEach((block, i) => {
    for (const inst of instancesOf(block, i, opts.autoBackend)) {
      if (seenInstance.has(inst.id)) continue;
      seenInstance.add(inst.id);
      instances.push(inst);
    }
  });
  const solvers = config.solvers.flatMap(solverInstances);
  const jobs: PlannedJob[] = [];
  const seenKey = new Set<string>();
  for (const inst of instances) {
    const caps = familyCaps(inst.spec.family);
    for (const s of solvers) {
      if (inst.methods && !inst.methods.includes(s.block.name)) continue;
      if (s.block.families && !s.block.families.includes(inst.spec.family)) continue;
      const missing = s.requires.filter((c) => !caps.has(c));
      const skip = missing.length ? `${s.block.name} requires ${missing.join(', ')}, which problem '${inst.spec.family}' does not provide` : null;
      for (const seed of s.block.seeds ?? config.seeds) {
        const job: JobSpec = {
          problem: inst.spec,
          solver: s.block.name,
          params: s.params,
          seed,
          tol: s.block.tol ?? config.tol,
          maxIter: Math.min(s.block.maxIter ?? config.maxIter, inst.maxIterCap ?? Infinity),
          timeoutSeconds: opts.timeout ?? s.block.timeout ?? config.timeout,
          ...(s.block.tau !== undefined ? { tau: s.block.tau } : {}),
          suite: config.name,
          repeat: s.block.repeat ?? config.repeat,
        };
        const title = `${inst.title} ${s.label} seed=${seed}`;
        if (opts.filter !== undefined && !title.includes(opts.filter)) continue;
        const key = jobKey(job);
        if (seenKey.has(key)) continue;
        seenKey.add(key);
        jobs.push({ key, job, label: s.label, instanceId: inst.id, title, skip });
      }
    }
  }
  const used = new Set(jobs.map((j) => j.instanceId));
  const plan: Plan = { name: config.name, jobs, instances: instances.filter((i) => used.has(i.id)) };
  return opts.shard ? shardPlan(plan, opts.shard) : plan;
}
