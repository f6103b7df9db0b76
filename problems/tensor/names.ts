/**
 * The names of the tensor engine's backends and the description of a WebGPU adapter, without
 * loading TensorFlow.js (the CLI and the
 * plan validate `--backend` / `"backend"` with these). See backend.ts for what each one is.
 */
export type BackendName = 'wasm' | 'webgpu' | 'cpu' | 'tensorflow' | 'tensorflow-gpu';
export const BACKENDS: readonly BackendName[] = ['wasm', 'webgpu', 'cpu', 'tensorflow', 'tensorflow-gpu'];
/** What a user may ask for: a backend, or `auto` (webgpu on a hardware GPU, else wasm). */
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKENDS];
/** The default backend choice of tensor problems. */
export const DEFAULT_BACKEND: BackendChoice = 'auto';
/** Backends that compute on a device (a GPU lane's jobs); the others compute in the calling thread. */
export const DEVICE_BACKENDS: readonly BackendName[] = ['webgpu', 'tensorflow-gpu'];

/** The WebGPU adapter a run used (GPUAdapterInfo's fields), recorded with the run. */
export interface AdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /** A fallback adapter is a software implementation (e.g. lavapipe): never call it a GPU. */
  readonly isFallbackAdapter: boolean;
}

/**
 * Whether an adapter is a software implementation: flagged as a fallback adapter, or one whose
 * architecture or description names a CPU rasterizer (Dawn does not flag every software Vulkan
 * driver as a fallback).
 */
export function isSoftwareAdapter(a: AdapterInfo): boolean {
  return a.isFallbackAdapter || /\b(software|cpu|llvmpipe|lavapipe|swiftshader|warp)\b/i.test(`${a.architecture} ${a.description}`);
}

/** One line naming an adapter; a software one is labelled so, never 'GPU'. */
export function describeAdapter(a: AdapterInfo): string {
  const what = isSoftwareAdapter(a) ? 'software adapter (not a GPU)' : 'GPU';
  const parts = [a.vendor, a.architecture, a.description].filter((s) => s !== '');
  return `${what}: ${parts.join(' / ') || 'unnamed'}${a.isFallbackAdapter ? ' [fallback]' : ''}`;
}

