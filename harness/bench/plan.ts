/**
 * Plan expansion: a validated config → the list of jobs (problem instance × solver instance ×
 * seed), each with its deterministic key (`jobKey`), plus the distinct problem instances.
 *
 * jobs = Σ_problem-blocks |datasets| · (|lambdaRatios| + |lambdas|) · Σ_solvers Π_k |grid_k| · |seeds|
 * (duplicates — the same key twice — are kept once; a solver that `ignoresLambda` — dense, gmp — runs
 * at each block's first λ per dataset only, as its training is the same at every λ). A solver whose declared requirements the
 * family does not offer is planned as `skip` with the reason; it is still recorded (as `skipped`).
 *
 * The order of `jobs` is deterministic: instances in config order (problem blocks, then datasets,
 * then λ ratios, then absolute λ), and within an instance the solver blocks in config order, their
 * grid combinations (keys sorted), then seeds. A shard `I/N` (1 ≤ I ≤ N) keeps the jobs that
 * the cost-balanced assignment of shards.ts puts in shard I (by budgets; deterministic from the
 * plan), so the N shards partition the plan whatever machine expands it; `instances` then lists
 * only the ones the shard touches.
 *
 * Size: `planSize` counts jobs and instances from the config alone (no expansion); a plan above
 * MAX_PLAN_JOBS jobs or MAX_PLAN_INSTANCES instances is refused before anything is built, with
 * the count and how to split it (every shard expands the whole plan, so splitting the config is
 * what bounds the work of one process).
 */
import type { Capability, ParamValue, Params } from '../../problems/types.ts';
import { PROBLEMS, mlpFamily, nnCompressionFamily } from '../../problems/zoo.ts';
import { findSolver } from '../../solvers/index.ts';
import { pluginSource, type PluginSource } from '../../solvers/plugins.ts';
import { jobKey, type JobSpec, type ProblemSpec } from '../job.ts';
import { resolveParams, solverLabel } from '../params.ts';
import type { BenchConfig, ProblemBlock, SolverBlock } from './config.ts';
import { UserError } from '../../problems/errors.ts';
import { balancedShard } from './shards.ts';
import { GENE_FAMILY } from '../genes/path.ts';
import { GENE_PATH_DEFAULTS } from '../genes/types.ts';
import { DEFAULT_BACKEND } from '../../problems/tensor/names.ts';
import { geometricRatios, pathId } from '../path.ts';

/** Most jobs one plan may hold (before deduplication and --filter). */
export const MAX_PLAN_JOBS = 100_000;
/** Most problem instances (dataset × λ) one plan may hold: each convex one gets a reference solve. */
export const MAX_PLAN_INSTANCES = 10_000;

/** Jobs and instances a config plans (upper bounds: duplicates are counted), computed without expanding it. */
export function planSize(config: BenchConfig): { jobs: number; instances: number } {
  let instances = 0;
  for (const b of config.problems) instances += b.datasets.length * (b.lambdaPath ? b.lambdaPath.count : b.lambdaRatios.length + b.lambdas.length);
  let perInstance = 0;
  for (const s of config.solvers) {
    let combos = 1;
    for (const k of Object.keys(s.grid)) combos *= (s.grid[k] ?? []).length;
    perInstance += combos * (s.seeds ?? config.seeds).length;
  }
  return { jobs: instances * perInstance, instances };
}

/** Refuses a config whose plan is above MAX_PLAN_JOBS or MAX_PLAN_INSTANCES (see the module comment). */
export function checkPlanSize(config: BenchConfig): void {
  const { jobs, instances } = planSize(config);
  const split = (parts: number): string =>
    `split it into at least ${parts} configs (fewer datasets, λ values, grid values or seeds each), run them (each may use --shard I/N across machines) into databases and combine them with \`l1bench merge\``;
  if (jobs > MAX_PLAN_JOBS) {
    throw new UserError(`${config.source} plans ${jobs.toExponential(3).replace('e+', 'e')} jobs (${instances} instances), above the limit of ${MAX_PLAN_JOBS} per plan; ${split(Math.ceil(jobs / MAX_PLAN_JOBS))}`);
  }
  if (instances > MAX_PLAN_INSTANCES) {
    throw new UserError(`${config.source} plans ${instances} problem instances (dataset × λ), above the limit of ${MAX_PLAN_INSTANCES} per plan; ${split(Math.ceil(instances / MAX_PLAN_INSTANCES))}`);
  }
}

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
  /** Position of the instance's λ in its block's λ list (0: the first; λ-free solvers run there only). */
  readonly lambdaIndex: number;
  /** The only solvers planned on this instance (the block's `methods`), or every solver. */
  readonly methods?: readonly string[];
  /** A λ of a block's `lambdaPath` on one dataset: the group's id and the path's ratios (one path job per solver instance and seed). */
  readonly pathGroup?: { readonly id: string; readonly ratios: readonly number[] };
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
  /** A path job: the instances of its λ values, in order (instanceId is the last). */
  readonly pathInstanceIds?: readonly string[];
}

/** The instances a job needs (a path job: one per λ). */
export function jobInstances(job: PlannedJob): readonly string[] {
  return job.pathInstanceIds ?? [job.instanceId];
}

export interface Plan {
  readonly name: string;
  readonly jobs: readonly PlannedJob[];
  readonly instances: readonly PlannedInstance[];
  /** Seconds per reference solve (the config's referenceTimeout; shards.ts weighs references by it). */
  readonly referenceTimeout: number;
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

/** The plan restricted to shard `index/count` of the cost-balanced assignment (shards.ts). */
export function shardPlan(plan: Plan, shard: Shard): Plan {
  return balancedShard(plan, shard);
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
        lambdaIndex: 0,
        ...(block.methods ? { methods: block.methods } : {}),
      });
    });
    return out;
  }
  const pathRatios = block.lambdaPath ? geometricRatios(block.lambdaPath.count, block.lambdaPath.minRatio) : null;
  const lambdas = pathRatios
    ? pathRatios.map((ratio) => ({ kind: 'ratio' as const, ratio }))
    : [
        ...block.lambdaRatios.map((ratio) => ({ kind: 'ratio' as const, ratio })),
        ...block.lambdas.map((value) => ({ kind: 'absolute' as const, value })),
      ];
  block.datasets.forEach((dataset, d) => {
    for (const [lambdaIndex, lambda] of lambdas.entries()) {
      const spec: ProblemSpec = {
        family: block.family,
        dataset,
        lambda,
        standardize: block.standardize,
        ...(block.target !== undefined ? { target: block.target } : {}),
        ...(block.format !== undefined ? { format: block.format } : {}),
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
        lambdaIndex,
        ...(block.methods ? { methods: block.methods } : {}),
        ...(pathRatios ? { pathGroup: { id: JSON.stringify([index, dataset]), ratios: pathRatios } } : {}),
      });
    }
  });
  return out;
}

interface SolverInstance {
  readonly block: SolverBlock;
  readonly plugin: PluginSource | undefined;
  readonly params: Params;
  readonly label: string;
  readonly requires: readonly Capability[];
  readonly ignoresLambda: boolean;
}

function solverInstances(block: SolverBlock): SolverInstance[] {
  const solver = findSolver(block.name);
  return expandGrid(block.params, block.grid).map((given) => {
    const params = resolveParams(solver, given);
    return { block, plugin: pluginSource(block.name), params, label: solverLabel(solver, params), requires: solver.requires, ignoresLambda: solver.ignoresLambda === true };
  });
}

function resolveAuto(backend: string, autoBackend: string | undefined): string {
  return backend === 'auto' && autoBackend !== undefined ? autoBackend : backend;
}

/** The job key of member `index` of a path job, as harness/path.ts's executePath builds it. */
export function pathMemberKey(job: JobSpec, index: number): string {
  const { pathRatios, ...base } = job;
  const ratios = pathRatios ?? [];
  return jobKey({ ...base, problem: { ...base.problem, lambda: { kind: 'ratio', ratio: ratios[index] as number } }, path: { id: pathId(base, ratios), index } });
}

/** Expands a config into jobs (see the module comment). */
export function expandPlan(config: BenchConfig, opts: PlanOptions = {}): Plan {
  checkPlanSize(config);
  const instances: PlannedInstance[] = [];
  const seenInstance = new Set<string>();
  // lambdaPath blocks: the λ instances of each (block, dataset), in path order
  const pathGroups = new Map<string, PlannedInstance[]>();
  // instances of plain blocks (an instance may be both a plain one and a λ of a path)
  const plainIds = new Set<string>();
  config.problems.forEach((block, i) => {
    for (const inst of instancesOf(block, i, opts.autoBackend)) {
      if (!inst.pathGroup) plainIds.add(inst.id);
      if (inst.pathGroup) {
        const g = pathGroups.get(inst.pathGroup.id);
        if (g) g.push(inst);
        else pathGroups.set(inst.pathGroup.id, [inst]);
      }
      if (seenInstance.has(inst.id)) continue;
      seenInstance.add(inst.id);
      instances.push(inst);
    }
  });
  const solvers = config.solvers.flatMap(solverInstances);
  const jobs: PlannedJob[] = [];
  const seenKey = new Set<string>();
  // one unit of work: a single instance, or a path (its λ instances, the job's spec is the last λ)
  const units: { inst: PlannedInstance; path: PlannedInstance[] | null }[] = [];
  for (const inst of instances) if (plainIds.has(inst.id)) units.push({ inst, path: null });
  for (const g of pathGroups.values()) units.push({ inst: g[g.length - 1] as PlannedInstance, path: g });
  for (const { inst, path } of units) {
    const caps = familyCaps(inst.spec.family);
    for (const s of solvers) {
      if (inst.methods && !inst.methods.includes(s.block.name)) continue;
      if (s.block.families && !s.block.families.includes(inst.spec.family)) continue;
      if (s.ignoresLambda && !path && inst.lambdaIndex > 0) continue;
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
          ...(s.plugin ? { plugin: s.plugin } : {}),
          repeat: s.block.repeat ?? config.repeat,
          ...(path ? { pathRatios: inst.pathGroup?.ratios ?? [] } : {}),
        };
        const ratios = job.pathRatios ?? [];
        const title = path
          ? `${inst.spec.family}/${inst.spec.dataset} path ${ratios.length}×λ (λmax → ${ratios[ratios.length - 1]}·λmax) ${s.label} seed=${seed}`
          : `${inst.title} ${s.label} seed=${seed}`;
        if (opts.filter !== undefined && !title.includes(opts.filter)) continue;
        // a path job is done when its last λ is recorded: its key is that member's (as executePath keys it)
        const key = path ? pathMemberKey(job, ratios.length - 1) : jobKey(job);
        if (seenKey.has(key)) continue;
        seenKey.add(key);
        jobs.push({ key, job, label: s.label, instanceId: inst.id, title, skip, ...(path ? { pathInstanceIds: path.map((p) => p.id) } : {}) });
      }
    }
  }
  const used = new Set(jobs.flatMap((j) => jobInstances(j)));
  const plan: Plan = { name: config.name, jobs, instances: instances.filter((i) => used.has(i.id)), referenceTimeout: config.referenceTimeout };
  return opts.shard ? shardPlan(plan, opts.shard) : plan;
}
