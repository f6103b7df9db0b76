/**
 * Cost-balanced shards of a plan: the one assignment that `bench --shard I/N` and `l1bench slurm`
 * use.
 *
 * Each job has an expected cost c_j: its wall seconds measured by an earlier run of the same job
 * key (when a database of such runs is given), else its time budget (timeoutSeconds); a job the
 * plan already knows it will skip costs {@link SKIP_COST}. A shard also pays the reference solve
 * r_i of every convex instance its runs touch (each shard computes the ones it needs;
 * {@link referenceBudget}), so an instance's jobs are kept together where the balance allows:
 *
 * 1. group the runnable jobs by instance: G_i = r_i + Σ_{j ∈ i} c_j; let T = Σ_i G_i / N;
 * 2. a group with G_i > T is cut into chunks (jobs in decreasing cost, a chunk closed once its
 *    jobs reach T − r_i), each chunk paying r_i — at most N extra reference solves in all; jobs
 *    of instances without a reference (r_i = 0) and skipped jobs are chunks of one;
 * 3. LPT over the chunks (longest processing time first, Graham 1969): in decreasing cost (ties:
 *    first plan position), each to the shard of least load so far (ties: the lowest index).
 *
 * The result depends only on the plan and the costs, so every machine that expands the same plan
 * with the same costs gets the same shards; a shard file ({@link ShardFile}) freezes them when
 * the costs came from a database.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../problems/errors.ts';
import type { Plan, PlannedInstance, PlannedJob, Shard } from './plan.ts';

/** Expected seconds of a job that will be recorded as skipped. */
export const SKIP_COST = 0.01;

/** Expected cost of a job: measured wall seconds of its key if given, else its budget. */
export function jobCost(job: PlannedJob, measured?: ReadonlyMap<string, number>): number {
  if (job.skip !== null) return SKIP_COST;
  const m = measured?.get(job.key);
  if (m !== undefined && Number.isFinite(m) && m >= 0) return m;
  return job.job.timeoutSeconds ?? 0;
}

/**
 * Budget of an instance's reference solve, in seconds: the plan's referenceTimeout for the
 * primary solver plus one per cross-check solver (lars on lasso), as run.ts dispatches it; 0 for
 * non-convex instances (they get no reference).
 */
export function referenceBudget(inst: PlannedInstance, referenceTimeout: number): number {
  if (!inst.convex) return 0;
  return referenceTimeout * (inst.spec.family === 'lasso' ? 2 : 1);
}

/** Shard number (0-based) of each job of `plan`, in plan order (see the module comment). */
export function assignShards(plan: Plan, count: number, measured?: ReadonlyMap<string, number>): number[] {
  const costs = plan.jobs.map((j) => jobCost(j, measured));
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const refOf = (p: number): number => {
    const job = plan.jobs[p] as PlannedJob;
    const inst = byId.get(job.instanceId);
    return job.skip === null && inst ? referenceBudget(inst, plan.referenceTimeout) : 0;
  };
  // 1. groups by instance (runnable jobs of instances with a reference), positions in decreasing cost
  const byCost = (a: number, b: number): number => (costs[b] as number) - (costs[a] as number) || a - b;
  const groups = new Map<string, number[]>();
  const chunks: { positions: number[]; cost: number }[] = [];
  plan.jobs.forEach((job, p) => {
    if (refOf(p) === 0) chunks.push({ positions: [p], cost: costs[p] as number });
    else groups.set(job.instanceId, [...(groups.get(job.instanceId) ?? []), p]);
  });
  const groupCost = (ps: readonly number[]): number => refOf(ps[0] as number) + ps.reduce((a, p) => a + (costs[p] as number), 0);
  const total = chunks.reduce((a, c) => a + c.cost, 0) + [...groups.values()].reduce((a, ps) => a + groupCost(ps), 0);
  const target = total / count;
  // 2. cut groups larger than the ideal shard
  for (const ps of groups.values()) {
    const r = refOf(ps[0] as number);
    if (groupCost(ps) <= target) {
      chunks.push({ positions: ps, cost: groupCost(ps) });
      continue;
    }
    let cur: number[] = [];
    let sum = 0;
    for (const p of [...ps].sort(byCost)) {
      cur.push(p);
      sum += costs[p] as number;
      if (sum >= target - r) {
        chunks.push({ positions: cur, cost: r + sum });
        cur = [];
        sum = 0;
      }
    }
    if (cur.length) chunks.push({ positions: cur, cost: r + sum });
  }
  // 3. LPT over the chunks
  const first = (c: { positions: number[] }): number => Math.min(...c.positions);
  chunks.sort((a, b) => b.cost - a.cost || first(a) - first(b));
  const load = new Array<number>(count).fill(0);
  const out = new Array<number>(plan.jobs.length).fill(0);
  for (const c of chunks) {
    let best = 0;
    for (let s = 1; s < count; s++) if ((load[s] as number) < (load[best] as number)) best = s;
    for (const p of c.positions) out[p] = best;
    load[best] = (load[best] as number) + c.cost;
  }
  return out;
}

/** One shard's jobs and what they are expected to cost. */
export interface ShardEntry {
  /** 1-based shard number (SLURM_ARRAY_TASK_ID). */
  readonly index: number;
  /** Job keys, in plan order. */
  readonly keys: readonly string[];
  /** Σ expected job costs (seconds). */
  readonly cost: number;
  /** Σ job budgets + reference budgets of the instances touched (seconds). */
  readonly budget: number;
}

/** A frozen assignment, written as JSON by `l1bench slurm` and read by `bench --shard-plan`. */
export interface ShardFile {
  readonly format: typeof SHARD_FORMAT;
  /** The plan's name (runs.suite). */
  readonly plan: string;
  readonly count: number;
  readonly shards: readonly ShardEntry[];
}

export const SHARD_FORMAT = 'l1bench-shards/1';

/** The N balanced shards of a plan, with their costs and budgets. */
export function makeShards(plan: Plan, count: number, measured?: ReadonlyMap<string, number>): ShardFile {
  const referenceTimeout = plan.referenceTimeout;
  const where = assignShards(plan, count, measured);
  const byId = new Map(plan.instances.map((i) => [i.id, i]));
  const shards: ShardEntry[] = [];
  for (let s = 0; s < count; s++) {
    const jobs = plan.jobs.filter((_, p) => where[p] === s);
    const touched = new Set(jobs.filter((j) => j.skip === null).flatMap((j) => j.pathInstanceIds ?? [j.instanceId]));
    const refs = [...touched].reduce((a, id) => a + (byId.has(id) ? referenceBudget(byId.get(id) as PlannedInstance, referenceTimeout) : 0), 0);
    shards.push({
      index: s + 1,
      keys: jobs.map((j) => j.key),
      cost: jobs.reduce((a, j) => a + jobCost(j, measured), 0),
      budget: jobs.reduce((a, j) => a + (j.skip !== null ? SKIP_COST : (j.job.timeoutSeconds ?? 0)), 0) + refs,
    });
  }
  return { format: SHARD_FORMAT, plan: plan.name, count, shards };
}

/** The plan restricted to the given job keys (in plan order) and the instances they touch. */
export function restrictPlan(plan: Plan, keys: ReadonlySet<string>): Plan {
  const jobs = plan.jobs.filter((j) => keys.has(j.key));
  // (a path job touches one instance per λ)
  const used = new Set(jobs.flatMap((j) => j.pathInstanceIds ?? [j.instanceId]));
  return { name: plan.name, jobs, instances: plan.instances.filter((i) => used.has(i.id)), referenceTimeout: plan.referenceTimeout };
}

/** Shard `index/count` of a plan under the balanced assignment by budgets (no measured costs). */
export function balancedShard(plan: Plan, shard: Shard): Plan {
  const where = assignShards(plan, shard.count);
  return restrictPlan(plan, new Set(plan.jobs.filter((_, p) => where[p] === shard.index - 1).map((j) => j.key)));
}

/** Reads and checks a shard file (UserError naming the file and the fix). */
export function readShardFile(path: string): ShardFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0];
    throw new UserError(`cannot read shard plan ${path} (${why}); pass the shards.json written by \`l1bench slurm\``);
  }
  const f = json as Partial<ShardFile> | null;
  const ok =
    f !== null &&
    typeof f === 'object' &&
    f.format === SHARD_FORMAT &&
    typeof f.plan === 'string' &&
    Number.isSafeInteger(f.count) &&
    Array.isArray(f.shards) &&
    f.shards.length === f.count &&
    f.shards.every((s, i) => s !== null && typeof s === 'object' && s.index === i + 1 && Array.isArray(s.keys) && (s.keys as unknown[]).every((k) => typeof k === 'string'));
  if (!ok) throw new UserError(`shard plan ${path} is not an ${SHARD_FORMAT} file; regenerate it with \`l1bench slurm\``);
  return f as ShardFile;
}

/**
 * Shard `index/count` of `plan` as frozen in `file`: exactly its keys. Every key must be in the
 * plan (else the plan or the code changed since the file was written).
 */
export function shardFromFile(plan: Plan, file: ShardFile, shard: Shard, path: string): Plan {
  if (file.count !== shard.count) {
    throw new UserError(`--shard ${shard.index}/${shard.count} does not match shard plan ${path}, which has ${file.count} shards; use --shard I/${file.count}`);
  }
  if (file.plan !== plan.name) {
    throw new UserError(`shard plan ${path} was written for plan '${file.plan}', not '${plan.name}'; pass the matching --suite/--config`);
  }
  const keys = new Set((file.shards[shard.index - 1] as ShardEntry).keys);
  const out = restrictPlan(plan, keys);
  if (out.jobs.length !== keys.size) {
    throw new UserError(
      `shard plan ${path} lists ${keys.size - out.jobs.length} job key(s) this plan does not have (the config or the code changed since it was written); regenerate it with \`l1bench slurm\` into a new --out`,
    );
  }
  return out;
}
