/**
 * SLURM job scripts for a sharded benchmark (`l1bench slurm`): a job array whose task I runs
 * shard I of a frozen, cost-balanced assignment (shards.ts) into its own database, and a merge
 * job that depends on the whole array (`afterok`), merges the shard databases and renders the
 * report. Every option used exists in SLURM 22.05 (Debian bookworm's sbatch).
 *
 * Resource estimates (`auto`):
 * - time = 1.5 × max over shards of (Σ job budgets + Σ reference budgets of the instances the
 *   shard touches), rounded up to whole minutes (benchopt's submitit backend sizes jobs the same
 *   way). Budgets are upper bounds: a shard's jobs also run in parallel over its workers.
 * - memory (MiB) = 512 + 2·D_sum + C·(W + 4·D_max), with D_sum the MiB of the distinct datasets
 *   of the plan (the main thread builds every instance to validate it), D_max the largest one
 *   (8·n·p bytes of Float64 design), C the CPUs (= workers) per task, and W = 256 MiB per worker
 *   thread (Node + tsx), 768 MiB when the plan has tensor (tfjs) instances; rounded up to 64 MiB.
 */
import { findFamily, isTensorFamily } from '../../problems/zoo.ts';
import { DEVICE_BACKENDS } from '../../problems/tensor/names.ts';
import type { Plan } from './plan.ts';
import type { ShardFile } from './shards.ts';

/**
 * Whether some tensor instance of the plan asks for the GPU lane: a device backend (webgpu,
 * tensorflow-gpu) named explicitly. `auto` is not a request: it resolves on the compute node
 * (webgpu there only if that node has a hardware GPU), and the login node cannot know.
 */
export function planWantsGpu(plan: Plan): boolean {
  return plan.instances.some((i) => planHasTensor(i.spec.family) && (DEVICE_BACKENDS as readonly string[]).includes(i.spec.backend ?? 'auto'));
}

/** Whether a family runs on the tensor (tfjs) engine. */
export function planHasTensor(family: string): boolean {
  return isTensorFamily(findFamily(family));
}

/** `--time auto` in seconds (see the module comment). */
export function autoTimeSeconds(shards: ShardFile): number {
  const worst = Math.max(0, ...shards.shards.map((s) => s.budget));
  return Math.max(60, Math.ceil((1.5 * worst) / 60) * 60);
}

/** Seconds as a SLURM time limit: `HH:MM:SS`, or `D-HH:MM:SS` from one day on. */
export function slurmTime(seconds: number): string {
  const s = Math.ceil(seconds);
  const d = Math.floor(s / 86400);
  const two = (v: number): string => String(v).padStart(2, '0');
  const hms = `${two(Math.floor((s % 86400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return d > 0 ? `${d}-${hms}` : hms;
}

/** Data size of one dataset, for `--mem auto`. */
export interface DataSize {
  readonly n: number;
  readonly p: number;
}

/** `--mem auto` in MiB (see the module comment). */
export function autoMemMiB(sizes: readonly DataSize[], cpusPerTask: number, tensor: boolean): number {
  const mib = sizes.map((d) => (8 * d.n * d.p) / 2 ** 20);
  const sum = mib.reduce((a, b) => a + b, 0);
  const max = Math.max(0, ...mib);
  const worker = tensor ? 768 : 256;
  const total = 512 + 2 * sum + cpusPerTask * (worker + 4 * max);
  return Math.ceil(total / 64) * 64;
}

/** Single-quotes a word for bash. */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** SLURM array index list: `1-4`, or `2,5,7` for a resumed subset. */
export function arraySpec(indices: readonly number[], count: number): string {
  if (indices.length === count && indices.every((v, i) => v === i + 1)) return `1-${count}`;
  return indices.join(',');
}

export interface ScriptOptions {
  /** Absolute output folder (on the shared filesystem). */
  readonly out: string;
  /** Absolute working directory of the tasks (where `l1bench slurm` ran; relative dataset paths resolve here). */
  readonly cwd: string;
  /** Absolute node executable and l1bench entry point. */
  readonly node: string;
  readonly entry: string;
  /** `--suite NAME` or `--config FILE` (absolute) as bench arguments. */
  readonly planArgs: readonly string[];
  readonly jobName: string;
  readonly count: number;
  /** Array indices to run (all, or the unfinished ones on --resume). */
  readonly indices: readonly number[];
  readonly time: string;
  readonly mem: string;
  readonly cpusPerTask: number;
  readonly gpusPerTask: number;
  readonly partition?: string;
  readonly account?: string;
  /** Extra bench arguments (e.g. `--plugin FILE`). */
  readonly extraArgs?: readonly string[];
}

function common(o: ScriptOptions): string[] {
  return [
    ...(o.partition !== undefined ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account !== undefined ? [`#SBATCH --account=${o.account}`] : []),
  ];
}

/** DIR/array.sbatch: task I runs shard I of DIR/shards.json into DIR/shards/shard-I.db. */
export function arrayScript(o: ScriptOptions): string {
  const bench = [
    '"$NODE"',
    '"$L1BENCH"',
    'bench',
    ...o.planArgs.map(shq),
    ...(o.extraArgs ?? []).map(shq),
    '--shard-plan',
    shq(`${o.out}/shards.json`),
    '--shard',
    `"\${SLURM_ARRAY_TASK_ID}/${o.count}"`,
    '--db',
    `${shq(`${o.out}/shards/shard-`)}"\${SLURM_ARRAY_TASK_ID}.db"`,
    '--workers',
    '"${SLURM_CPUS_PER_TASK:-1}"',
    '--quiet',
  ];
  return [
    '#!/bin/bash',
    `# l1bench: shard SLURM_ARRAY_TASK_ID of ${o.count} (written by \`l1bench slurm\`; the assignment is in shards.json).`,
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=${arraySpec(o.indices, o.count)}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    `#SBATCH --mem=${o.mem}`,
    `#SBATCH --time=${o.time}`,
    ...(o.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    ...common(o),
    `#SBATCH --output=${o.out}/logs/shard-%a-%A.out`,
    '',
    'set -euo pipefail',
    `NODE=\${L1BENCH_NODE:-${shq(o.node)}}`,
    `L1BENCH=${shq(o.entry)}`,
    `cd ${shq(o.cwd)}`,
    `exec ${bench.join(' ')}`,
    '',
  ].join('\n');
}

/** DIR/merge.sbatch: merges every shard database into DIR/results.db, then renders DIR/report. */
export function mergeScript(o: ScriptOptions): string {
  return [
    '#!/bin/bash',
    '# l1bench: merge the shard databases and render the report (submit with --dependency=afterok:<array job id>).',
    `#SBATCH --job-name=${o.jobName}-merge`,
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    `#SBATCH --mem=${o.mem}`,
    '#SBATCH --time=00:30:00',
    '#SBATCH --kill-on-invalid-dep=yes',
    ...common(o),
    `#SBATCH --output=${o.out}/logs/merge-%j.out`,
    '',
    'set -euo pipefail',
    'shopt -s nullglob',
    `NODE=\${L1BENCH_NODE:-${shq(o.node)}}`,
    `L1BENCH=${shq(o.entry)}`,
    `cd ${shq(o.cwd)}`,
    `shards=(${shq(`${o.out}/shards/`)}shard-*.db)`,
    `[ \${#shards[@]} -gt 0 ] || { echo "no shard database under ${o.out}/shards" >&2; exit 1; }`,
    `"$NODE" "$L1BENCH" merge --into ${shq(`${o.out}/results.db`)} "\${shards[@]}"`,
    `"$NODE" "$L1BENCH" report --db ${shq(`${o.out}/results.db`)} --out ${shq(`${o.out}/report`)}`,
    '',
  ].join('\n');
}
