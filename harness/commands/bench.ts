/**
 * `l1bench bench`: run a benchmark plan (a named suite or a config file) on a worker pool and
 * record every run in results.db. Re-running skips finished jobs (`--force` reruns them).
 *
 * Exit codes: 0 when the plan ran (whatever the runs' statuses: they are data); 2 for bad input
 * (nothing runs); 130 / 143 when interrupted by SIGINT / SIGTERM (finished runs are kept).
 */
import os from 'node:os';
import type { Command } from 'commander';
import { UserError } from '../../problems/errors.ts';
import { loadConfig, loadSuite } from '../bench/config.ts';
import { collect, loadPluginModule } from '../plugins.ts';
import { parseShard, shardPlan, type Plan } from '../bench/plan.ts';
import { readShardFile, shardFromFile } from '../bench/shards.ts';
import { planWithLanes, runBench } from '../bench/run.ts';
import { laneOf, type LanePlan } from '../bench/lanes.ts';
import { describeLanes } from './list.ts';
import { formatSummary } from '../bench/summary.ts';
import { defaultWorkerMemoryMb, MIN_WORKER_MEMORY_MB } from '../bench/pool.ts';
import { checkTimeout, machineMemoryBytes, MAX_TIMEOUT_SECONDS } from '../../problems/limits.ts';

interface BenchFlags {
  suite?: string;
  config?: string;
  db: string;
  workers?: string;
  timeout?: string;
  force?: boolean;
  filter?: string;
  shard?: string;
  shardPlan?: string;
  plugin: string[];
  quiet?: boolean;
  oversubscribe?: boolean;
  workerMemory?: string;
  gpuWorkers?: string;
  dryRun?: boolean;
  lockWait?: string;
}

function nonNegativeInteger(text: string, flag: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < 0) throw new UserError(`${flag} must be an integer ≥ 0, got '${text}'`);
  return v;
}

/**
 * `--workers` and `--worker-memory`: at most one worker per core unless `--oversubscribe`, and
 * workers × per-worker heap limit within the machine's memory (a worker costs ~15 MB even idle).
 */
export function workerSettings(flags: Pick<BenchFlags, 'workers' | 'oversubscribe' | 'workerMemory'>): { workers: number; workerMemoryMb: number } {
  const cores = os.availableParallelism();
  const workers = flags.workers === undefined ? cores : positive(flags.workers, '--workers', true);
  if (workers > cores && !flags.oversubscribe) {
    throw new UserError(`--workers ${workers} is more than the ${cores} cores here; use --workers ${cores} or less (or add --oversubscribe to run more threads than cores)`);
  }
  const machineMb = Math.floor(machineMemoryBytes() / 2 ** 20);
  const workerMemoryMb = flags.workerMemory === undefined ? defaultWorkerMemoryMb(workers) : positive(flags.workerMemory, '--worker-memory', true);
  if (workerMemoryMb < MIN_WORKER_MEMORY_MB) {
    throw new UserError(`--worker-memory ${workerMemoryMb} MiB is too small for a worker to load the solvers; give at least ${MIN_WORKER_MEMORY_MB}`);
  }
  if (workers * workerMemoryMb > machineMb) {
    throw new UserError(
      `--workers ${workers} × --worker-memory ${workerMemoryMb} MiB = ${workers * workerMemoryMb} MiB is more than this machine's ${machineMb} MiB; lower --workers or --worker-memory`,
    );
  }
  return { workers, workerMemoryMb };
}

function positive(text: string, flag: string, integer: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new UserError(`${flag} must be a positive ${integer ? 'integer' : 'number'}, got '${text}'`);
  }
  return v;
}

function nonNegative(text: string, flag: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new UserError(`${flag} must be a number of seconds ≥ 0, got '${text}'`);
  return v;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('run a benchmark (problems × datasets × λ × solvers × grids × seeds) on a worker pool into results.db')
    .option('--suite <name>', 'named suite in harness/suites/ (default, quick)')
    .option('--config <file>', 'benchmark config JSON file')
    .option('--db <file>', 'results database', 'results.db')
    .option('--workers <n>', `worker threads (default: available parallelism, ${os.availableParallelism()} here)`)
    .option('--timeout <seconds>', `override every run's time budget (at most ${MAX_TIMEOUT_SECONDS} s, 7 days)`)
    .option('--oversubscribe', 'allow more workers than cores')
    .option('--worker-memory <MiB>', "each worker's memory limit in MiB (default: 3/4 of the machine's memory shared among the workers); a job that exceeds it is recorded as error (out of memory)")
    .option('--force', 'rerun finished jobs and references; the old runs are kept as history (superseded)')
    .option('--filter <substring>', "only jobs whose title contains it (titles: 'lasso/diabetes λ=0.1·λmax cd seed=0')")
    .option('--shard <i/n>', 'run only shard i of n (1 ≤ i ≤ n), shards balanced by the jobs\' time budgets; merge shards with `l1bench merge`')
    .option('--shard-plan <file>', 'with --shard: take shard i\'s jobs from this shards.json (written by `l1bench slurm`)')
    .option('--plugin <file>', 'load solvers from a .ts/.js module of yours (repeatable); use them in the plan like built-ins', collect, [] as string[])
    .option('--lock-wait <seconds>', 'wait this long for another process writing --db before giving up (default 10)')
    .option('--quiet', 'no progress output (the summary is still printed)')
    .option('--gpu-workers <n>', 'workers of the gpu lane (tensor jobs on webgpu/tensorflow-gpu); default 1 with a hardware WebGPU adapter, else 0')
    .option('--dry-run', 'print the plan (each job with its lane and backend) and exit; nothing runs, the database is not opened')
    .action(async (flags: BenchFlags) => {
      if ((flags.suite === undefined) === (flags.config === undefined)) {
        throw new UserError('give exactly one of --suite NAME (e.g. --suite quick) or --config FILE');
      }
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      if (flags.shardPlan !== undefined && shard === undefined) throw new UserError('--shard-plan FILE needs --shard I/N (the shard of the file to run)');
      const shardFile = flags.shardPlan === undefined ? undefined : { file: readShardFile(flags.shardPlan), path: flags.shardPlan };
      const { workers, workerMemoryMb } = workerSettings(flags);
      for (const f of flags.plugin) await loadPluginModule(f);
      const config = flags.suite !== undefined ? loadSuite(flags.suite) : await loadConfig(flags.config as string);
      const gpuWorkers = flags.gpuWorkers === undefined ? undefined : nonNegativeInteger(flags.gpuWorkers, '--gpu-workers');
      if (flags.dryRun) {
        const { plan, lanes } = await planWithLanes({
          config,
          ...(flags.timeout !== undefined ? { timeout: positive(flags.timeout, '--timeout', false) } : {}),
          ...(flags.filter !== undefined ? { filter: flags.filter } : {}),
          ...(gpuWorkers !== undefined ? { gpuWorkers } : {}),
        });
        const shown = shard === undefined ? plan : shardFile ? shardFromFile(plan, shardFile.file, shard, shardFile.path) : shardPlan(plan, shard);
        process.stdout.write(formatDryRun(shown, lanes));
        return;
      }
      const result = await runBench({
        config,
        db: flags.db,
        workers,
        workerMemoryMb,
        ...(flags.timeout !== undefined ? { timeout: checkTimeout(positive(flags.timeout, '--timeout', false), '--timeout') } : {}),
        ...(flags.force ? { force: true } : {}),
        ...(flags.filter !== undefined ? { filter: flags.filter } : {}),
        ...(shard !== undefined ? { shard } : {}),
        ...(shardFile !== undefined ? { shardFile } : {}),
        ...(flags.lockWait !== undefined ? { lockWaitSeconds: nonNegative(flags.lockWait, '--lock-wait') } : {}),
        ...(flags.quiet ? { progress: { start() {}, update() {}, note() {}, stop() {} } } : {}),
        ...(gpuWorkers !== undefined ? { gpuWorkers } : {}),
        handleSignals: true,
      });
      process.stdout.write(formatSummary(result));
      process.exitCode = result.interrupted === 'SIGINT' ? 130 : result.interrupted === 'SIGTERM' ? 143 : 0;
    });
}

/** `bench --dry-run`: the lanes, then one line per job: lane, backend (tensor jobs) and title. */
export function formatDryRun(plan: Plan, lanes: LanePlan): string {
  const lines = [`plan ${plan.name}: ${plan.jobs.length} jobs`, describeLanes(lanes), ''];
  for (const j of plan.jobs) {
    const lane = laneOf(j.job.problem, j.skip !== null, lanes.gpuWorkers);
    const backend = j.job.problem.backend !== undefined ? ` [${j.job.problem.backend}]` : '';
    lines.push(`  ${lane}  ${j.title}${backend}${j.skip !== null ? `  (skipped: ${j.skip})` : ''}`);
  }
  return lines.join('\n') + '\n';
}
