/**
 * The two lanes of the worker pool: `cpu` (Float64 jobs, reference solves, skipped pairs, and
 * tensor jobs on wasm/cpu/tensorflow) and `gpu` (tensor jobs on a device backend: webgpu,
 * tensorflow-gpu). Each lane is its own Piscina pool (BenchPool); both run at once.
 *
 * `--gpu-workers N` sizes the gpu lane; by default 1 when this machine has a hardware WebGPU
 * adapter and 0 otherwise (a software adapter such as lavapipe is not a GPU). A tensor job whose
 * backend is `auto` is resolved here, before its key is computed: `webgpu` when the gpu lane
 * exists and the adapter is hardware, else `wasm` (so the CPU lane never drives the GPU).
 */
import type { ProblemSpec } from '../job.ts';
import { PROBLEMS, isTensorFamily } from '../../problems/zoo.ts';
import { DEVICE_BACKENDS, type AdapterInfo, type BackendName } from '../../problems/tensor/names.ts';

export type Lane = 'cpu' | 'gpu';

/** What the planner knows about this machine's device. */
export interface LanePlan {
  /** Workers of the gpu lane (0: no gpu lane). */
  readonly gpuWorkers: number;
  /** What `auto` resolves to. */
  readonly autoBackend: BackendName;
  /** The WebGPU adapter found (hardware or software), or null. */
  readonly adapter: AdapterInfo | null;
  /** Whether that adapter is a hardware GPU. */
  readonly hardware: boolean;
}

/** Whether a problem family runs on the tensor engine. */
export function isTensorFamilyName(family: string): boolean {
  const f = PROBLEMS.find((x) => x.name === family);
  return f !== undefined && isTensorFamily(f);
}

/** Whether a problem spec runs on the tensor engine. */
export function isTensorSpec(spec: ProblemSpec): boolean {
  return isTensorFamilyName(spec.family);
}

/**
 * Probes the adapter (only when the plan has tensor jobs: it loads Dawn) and sizes the gpu
 * lane: `requested` workers, or by default 1 with a hardware adapter and 0 without.
 */
export async function planLanes(hasTensorJobs: boolean, requested: number | undefined): Promise<LanePlan> {
  if (!hasTensorJobs) return { gpuWorkers: requested ?? 0, autoBackend: 'wasm', adapter: null, hardware: false };
  const { probeAdapter, isSoftwareAdapter } = await import('../../problems/tensor/backend.ts');
  const adapter = await probeAdapter();
  const hardware = adapter !== null && !isSoftwareAdapter(adapter);
  const gpuWorkers = requested ?? (hardware ? 1 : 0);
  return { gpuWorkers, autoBackend: hardware && gpuWorkers > 0 ? 'webgpu' : 'wasm', adapter, hardware };
}

/** The lane of a job: gpu for a runnable tensor job on a device backend when the gpu lane exists. */
export function laneOf(spec: ProblemSpec, skipped: boolean, gpuWorkers: number): Lane {
  if (gpuWorkers <= 0 || skipped || !isTensorSpec(spec)) return 'cpu';
  return DEVICE_BACKENDS.includes(spec.backend as BackendName) ? 'gpu' : 'cpu';
}
