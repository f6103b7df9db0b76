/**
 * `l1bench slurm (--suite NAME | --config FILE) --shards N --out DIR [...]`: writes a SLURM job
 * array over the N cost-balanced shards of a plan (DIR/array.sbatch, DIR/shards.json) and a
 * dependent merge job (DIR/merge.sbatch), and prints the two `sbatch` commands (`--submit` runs
 * them). `--resume` re-submits only the shards whose database lacks some of their jobs.
 * Assumes DIR is on a filesystem every node sees, and the same checkout and node_modules there.
 * Scripts and estimates: harness/bench/slurm.ts; the assignment: harness/bench/shards.ts.
 */
import { accessSync, chmodSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { UserError } from '../../problems/errors.ts';
import { loadConfig, loadSuite, type BenchConfig } from '../bench/config.ts';
import { collect, loadPluginModule } from '../plugins.ts';
import { expandPlan, type Plan } from '../bench/plan.ts';
import { validateInstances } from '../bench/run.ts';
import { makeShards, readShardFile, shardFromFile, type ShardFile } from '../bench/shards.ts';
import { arrayScript, autoMemMiB, autoTimeSeconds, mergeScript, planHasTensor, planWantsGpu, shq, slurmTime, type DataSize, type ScriptOptions } from '../bench/slurm.ts';
import { loadDataset } from '../job.ts';
import { openReadOnly } from '../store/index.ts';

interface SlurmFlags {
  suite?: string;
  config?: string;
  shards?: string;
  out?: string;
  partition?: string;
  account?: string;
  time: string;
  mem: string;
  cpusPerTask: string;
  gpusPerTask?: string;
  costs?: string;
  resume?: boolean;
  submit?: boolean;
  plugin?: string[];
}

/** The l1bench entry point the scripts run. */
const ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'l1bench.js');

function count(text: string, flag: string, min: number, what: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < min) {
    throw new UserError(`${flag} must be an integer ≥ ${min} (${what}), got '${text}'`);
  }
  return v;
}

function word(text: string | undefined, flag: string): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[A-Za-z0-9_.,:+-]+$/.test(text)) throw new UserError(`${flag} must be a SLURM name (letters, digits, _ . , : + -), got '${text}'`);
  return text;
}

/** Whether `name` is an executable on PATH. */
export function onPath(name: string, path = process.env['PATH'] ?? ''): boolean {
  return path.split(delimiter).some((d) => {
    if (d === '') return false;
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function prepareOut(out: string, flag: string): void {
  try {
    mkdirSync(join(out, 'shards'), { recursive: true });
    mkdirSync(join(out, 'logs'), { recursive: true });
    accessSync(out, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UserError(`${flag} ${out} is not a writable folder (${code}); choose a folder you can write on the filesystem the cluster nodes share`);
  }
}

/** Wall seconds of each job key recorded in a database (for cost-balanced shards). */
async function measuredCosts(db: string): Promise<Map<string, number>> {
  const s = await openReadOnly(db);
  try {
    const out = new Map<string, number>();
    for (const r of await s.runs()) if (r.status !== 'skipped' && r.wall_seconds !== null) out.set(r.job_key, r.wall_seconds);
    return out;
  } finally {
    await s.close();
  }
}

/** 1-based indices of the shards whose database misses some of their job keys. */
export async function unfinishedShards(out: string, shards: ShardFile): Promise<number[]> {
  const unfinished: number[] = [];
  for (const s of shards.shards) {
    const db = join(out, 'shards', `shard-${s.index}.db`);
    if (!existsSync(db)) {
      if (s.keys.length > 0) unfinished.push(s.index);
      continue;
    }
    let r;
    try {
      r = await openReadOnly(db);
    } catch {
      // Killed before its schema was in place: `bench` migrates it when the shard reruns.
      unfinished.push(s.index);
      continue;
    }
    try {
      const done = await r.finishedKeys();
      if (s.keys.some((k) => !done.has(k))) unfinished.push(s.index);
    } finally {
      await r.close();
    }
  }
  return unfinished;
}

function distinctSizes(plan: Plan): DataSize[] {
  const seen = new Map<string, DataSize>();
  for (const inst of plan.instances) {
    const ds = loadDataset(inst.spec);
    seen.set(ds.hash, { n: ds.X.n, p: ds.X.p });
  }
  return [...seen.values()];
}

function sbatch(args: readonly string[]): string {
  const r = spawnSync('sbatch', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr.trim().split('\n')[0] ?? `exit ${r.status}`);
    throw new UserError(`sbatch ${args.join(' ')} failed: ${why}; check the cluster settings (--partition, --account, --time, --mem)`);
  }
  const id = r.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new UserError(`sbatch ${args.join(' ')} printed '${r.stdout.trim()}', not a job id`);
  return id;
}

export interface SlurmResult {
  readonly out: string;
  readonly shards: ShardFile;
  /** Array indices written into array.sbatch (empty: every shard is complete). */
  readonly indices: readonly number[];
  readonly time: string;
  readonly mem: string;
  readonly gpusPerTask: number;
  /** Job ids when submitted. */
  readonly arrayJob: string | null;
  readonly mergeJob: string | null;
}

/** Does the work of `l1bench slurm` (see the module comment); prints to `write`. */
export async function slurmCommand(flags: SlurmFlags, write: (s: string) => void): Promise<SlurmResult> {
  if ((flags.suite === undefined) === (flags.config === undefined)) {
    throw new UserError('give exactly one of --suite NAME (e.g. --suite quick) or --config FILE');
  }
  if (flags.shards === undefined) throw new UserError('--shards N is required (the number of array tasks, e.g. --shards 8)');
  if (flags.out === undefined) throw new UserError('--out DIR is required (a folder on the filesystem the cluster nodes share)');
  const n = count(flags.shards, '--shards', 1, 'the number of array tasks');
  const cpus = count(flags.cpusPerTask, '--cpus-per-task', 1, 'CPUs, and bench workers, per array task');
  if (flags.time !== 'auto' && !/^(\d+-)?\d{1,3}:\d{2}:\d{2}$/.test(flags.time)) {
    throw new UserError(`--time must be auto or [D-]HH:MM:SS (e.g. 02:00:00), got '${flags.time}'`);
  }
  if (flags.mem !== 'auto' && !/^\d+[KMGT]?$/.test(flags.mem)) throw new UserError(`--mem must be auto or a SLURM size such as 4G or 800M, got '${flags.mem}'`);
  const partition = word(flags.partition, '--partition');
  const account = word(flags.account, '--account');
  if (flags.submit && !onPath('sbatch')) {
    throw new UserError("--submit needs SLURM's sbatch on PATH, and there is none; run it on a login node, or drop --submit and run the printed commands there");
  }
  const plugins = (flags.plugin ?? []).map((f) => resolve(f));
  for (const f of plugins) await loadPluginModule(f);
  const config: BenchConfig = flags.suite !== undefined ? loadSuite(flags.suite) : await loadConfig(flags.config as string);
  const plan = expandPlan(config);
  if (plan.jobs.length === 0) throw new UserError(`${config.source} plans no job`);
  const out = resolve(flags.out);
  prepareOut(out, '--out');
  await validateInstances(plan, config.source);

  const shardPath = join(out, 'shards.json');
  let shards: ShardFile;
  let indices: number[];
  if (flags.resume) {
    if (!existsSync(shardPath)) throw new UserError(`--resume: ${shardPath} does not exist; run \`l1bench slurm\` without --resume first`);
    shards = readShardFile(shardPath);
    if (shards.count !== n) throw new UserError(`--resume: ${shardPath} has ${shards.count} shards, not --shards ${n}; pass --shards ${shards.count}`);
    for (let i = 1; i <= n; i++) shardFromFile(plan, shards, { index: i, count: n }, shardPath);
    indices = await unfinishedShards(out, shards);
  } else {
    const measured = flags.costs !== undefined ? await measuredCosts(flags.costs) : undefined;
    shards = makeShards(plan, n, measured);
    writeFileSync(shardPath, `${JSON.stringify(shards, null, 1)}\n`);
    indices = shards.shards.filter((s) => s.keys.length > 0).map((s) => s.index);
  }

  const gpu = planWantsGpu(plan);
  const gpus = flags.gpusPerTask !== undefined ? count(flags.gpusPerTask, '--gpus-per-task', 0, 'GPUs per array task') : gpu ? 1 : 0;
  const time = flags.time === 'auto' ? slurmTime(autoTimeSeconds(shards)) : flags.time;
  const mem = flags.mem === 'auto' ? `${autoMemMiB(distinctSizes(plan), cpus, plan.instances.some((i) => planHasTensor(i.spec.family)))}M` : flags.mem;
  const opts: ScriptOptions = {
    out,
    cwd: process.cwd(),
    node: process.execPath,
    entry: ENTRY,
    planArgs: flags.suite !== undefined ? ['--suite', flags.suite] : ['--config', resolve(flags.config as string)],
    jobName: `l1bench-${plan.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    count: n,
    indices,
    time,
    mem,
    cpusPerTask: cpus,
    gpusPerTask: gpus,
    ...(partition !== undefined ? { partition } : {}),
    ...(account !== undefined ? { account } : {}),
    extraArgs: plugins.flatMap((f) => ['--plugin', f]),
  };
  const arrayPath = join(out, 'array.sbatch');
  const mergePath = join(out, 'merge.sbatch');
  if (indices.length > 0) {
    writeFileSync(arrayPath, arrayScript(opts));
    chmodSync(arrayPath, 0o755);
  }
  writeFileSync(mergePath, mergeScript(opts));
  chmodSync(mergePath, 0o755);

  const sizes = shards.shards.map((s) => s.keys.length);
  write(
    `${plan.jobs.length} job(s) of ${plan.name} in ${n} shard(s) of ${Math.min(...sizes)}–${Math.max(...sizes)} job(s); ` +
      `largest shard budget ${Math.round(Math.max(...shards.shards.map((s) => s.budget)))} s → --time=${time}, --mem=${mem}, ` +
      `--cpus-per-task=${cpus}${gpus > 0 ? `, --gpus-per-task=${gpus}` : ''}\n`,
  );
  if (flags.resume) write(indices.length ? `unfinished shard(s): ${indices.join(',')}\n` : `all ${n} shards are complete; only the merge is left\n`);
  write(`wrote ${indices.length ? `${arrayPath}, ` : ''}${mergePath}, ${shardPath}\n`);
  let arrayJob: string | null = null;
  let mergeJob: string | null = null;
  if (!flags.submit) {
    if (indices.length) {
      write(`jid=$(sbatch --parsable ${shq(arrayPath)})\n`);
      write(`sbatch --parsable --dependency=afterok:"\${jid%%;*}" ${shq(mergePath)}\n`);
    } else {
      write(`sbatch --parsable ${shq(mergePath)}\n`);
    }
  } else if (indices.length) {
    arrayJob = sbatch(['--parsable', arrayPath]);
    mergeJob = sbatch(['--parsable', `--dependency=afterok:${arrayJob}`, mergePath]);
    write(`submitted array job ${arrayJob} (shard(s) ${indices.join(',')}) and merge job ${mergeJob} (afterok:${arrayJob})\n`);
  } else {
    mergeJob = sbatch(['--parsable', mergePath]);
    write(`submitted merge job ${mergeJob}\n`);
  }
  return { out, shards, indices, time, mem, gpusPerTask: gpus, arrayJob, mergeJob };
}

export function registerSlurm(program: Command): void {
  program
    .command('slurm')
    .description('write (and with --submit, submit) a SLURM job array over N cost-balanced shards of a plan, plus a dependent merge + report job')
    .option('--suite <name>', 'named suite in harness/suites/')
    .option('--config <file>', 'benchmark config JSON file')
    .option('--shards <n>', 'number of array tasks (shards)')
    .option('--out <dir>', 'folder for the scripts, shard databases, logs, results.db and report (on a filesystem every node sees)')
    .option('--partition <p>', 'SLURM partition')
    .option('--account <a>', 'SLURM account')
    .option('--time <t>', 'time limit per array task: auto (1.5 × the largest shard\'s budgets) or [D-]HH:MM:SS', 'auto')
    .option('--mem <size>', 'memory per array task: auto (from the plan\'s data sizes) or a SLURM size such as 4G', 'auto')
    .option('--cpus-per-task <c>', 'CPUs per array task (= bench workers)', '1')
    .option('--gpus-per-task <g>', 'GPUs per array task (default: 1 when the plan asks for a GPU backend, else 0)')
    .option('--costs <db>', 'balance the shards by the wall times recorded for the same job keys in this database')
    .option('--resume', 're-submit only the shards whose database lacks some of their jobs (same --out, same plan)')
    .option('--submit', 'run the sbatch commands and print the job ids')
    .option('--plugin <file>', 'load solvers from a .ts/.js module of yours (repeatable; passed on to every task)', collect, [] as string[])
    .action(async (flags: SlurmFlags) => {
      await slurmCommand(flags, (s) => process.stdout.write(s));
    });
}
