/**
 * TensorFlow.js backend selection for the tensor engine.
 *
 * - `wasm`: @tensorflow/tfjs-backend-wasm, float32, single-threaded SIMD in Node.
 * - `webgpu`: @tensorflow/tfjs-backend-webgpu on Dawn (the `webgpu` npm package, a prebuilt
 *   `dawn.node`): a real GPU through Vulkan, or a software Vulkan device (Mesa's lavapipe) on a
 *   machine without one. No synchronous reads on this backend (`dataSync` fails in Node): the
 *   engine reads with `await t.data()` only.
 * - `cpu`: the pure-JS backend bundled with @tensorflow/tfjs (~25× slower than wasm; a reference).
 * - `tensorflow` / `tensorflow-gpu`: libtensorflow through @tensorflow/tfjs-node or
 *   @tensorflow/tfjs-node-gpu. These are optional: never dependencies of l1bench (their install
 *   script downloads libtensorflow), loaded by dynamic import only when asked for. Both register
 *   the backend under the name 'tensorflow'.
 * - `auto` (a choice, not a backend): `webgpu` when a hardware WebGPU adapter exists, else `wasm`.
 *   A software adapter never counts as a GPU.
 *
 * WebGPU set-up order (Dawn in Node): the `webgpu` globals and `navigator.gpu` must exist before
 * @tensorflow/tfjs-backend-webgpu is imported (it registers itself at import and probes
 * `navigator.gpu`), and an adapter must have been found first: with none, tfjs's `setBackend`
 * logs a TypeError and returns false while `getBackend()` still says 'webgpu'.
 *
 * `tf.setBackend` resolving `false` (or throwing) is an error here, never a silent fallback to
 * another backend: a run records the backend it really used, and its device (`deviceInfo`).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';

import { BACKEND_CHOICES, isSoftwareAdapter, type AdapterInfo, type BackendChoice, type BackendName } from './names.ts';

export {
  BACKENDS,
  BACKEND_CHOICES,
  DEFAULT_BACKEND,
  DEVICE_BACKENDS,
  isSoftwareAdapter,
  describeAdapter,
  type AdapterInfo,
  type BackendChoice,
  type BackendName,
} from './names.ts';

/** The device behind the active backend. */
export interface DeviceInfo {
  readonly backend: BackendName;
  /** The WebGPU adapter (backend 'webgpu'), else null. */
  readonly adapter: AdapterInfo | null;
  /** 'gpu' only for a hardware WebGPU adapter or tensorflow-gpu; a software adapter is 'software'. */
  readonly kind: 'cpu' | 'gpu' | 'software';
}

/** The one-line error for `--backend webgpu` without an adapter. */
export const NO_ADAPTER_MESSAGE =
  "backend 'webgpu' found no WebGPU adapter (no Vulkan driver): install libvulkan1 and your GPU's Vulkan driver " +
  "(NVIDIA: the driver's Vulkan ICD, and in containers NVIDIA_DRIVER_CAPABILITIES must include 'graphics'), " +
  'or a software device with `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`; or use --backend wasm';

/** The optional npm package behind each libtensorflow backend. */
const NODE_PACKAGES: Readonly<Record<'tensorflow' | 'tensorflow-gpu', string>> = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
};

/** The backend name tfjs registers for each of ours. */
function registeredName(name: BackendName): string {
  return name === 'tensorflow-gpu' ? 'tensorflow' : name;
}

let wasmLoaded: Promise<void> | null = null;
let webgpuLoaded: Promise<void> | null = null;
const nodeLoaded = new Map<string, Promise<void>>();
/** The backend the last successful `initBackend` activated (our name, e.g. 'tensorflow-gpu'). */
let current: BackendName | null = null;

/** The minimal shape of Dawn's GPU objects used here (the full types live in @webgpu/types). */
interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<AdapterLike | null>;
}
interface AdapterLike {
  readonly info?: Partial<AdapterInfo>;
  readonly isFallbackAdapter?: boolean;
}

let adapterHere: Promise<AdapterInfo | null> | null = null;
let adapterProbe: Promise<AdapterInfo | null> | null = null;

/** GPUAdapter → AdapterInfo. */
function adapterInfo(adapter: AdapterLike): AdapterInfo {
  const info = adapter.info ?? {};
  return {
    vendor: String(info.vendor ?? ''),
    architecture: String(info.architecture ?? ''),
    description: String(info.description ?? ''),
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
  };
}

/**
 * The WebGPU adapter in this process (once): defines the `webgpu` globals and `navigator.gpu`
 * (Dawn), requests an adapter and returns its info, or null when there is none (no Vulkan
 * loader or driver, or the `webgpu` package fails to load on this platform). Never throws.
 */
function adapterInProcess(): Promise<AdapterInfo | null> {
  adapterHere ??= (async (): Promise<AdapterInfo | null> => {
    try {
      const mod = (await import('webgpu')) as unknown as { create(o: string[]): GpuLike; globals: object };
      const g = globalThis as unknown as { navigator?: { gpu?: GpuLike } };
      Object.assign(globalThis, mod.globals);
      const gpu = g.navigator?.gpu ?? mod.create([]);
      if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
      if ((g.navigator as { gpu?: GpuLike }).gpu === undefined) {
        Object.defineProperty(g.navigator as object, 'gpu', { value: gpu, configurable: true, writable: true });
      }
      const adapter = await gpu.requestAdapter();
      return adapter ? adapterInfo(adapter) : null;
    } catch {
      return null;
    }
  })();
  return adapterHere;
}

/** The probe run in a child process: prints the adapter as JSON (or null). */
const PROBE_SCRIPT = `
const { create, globals } = await import(process.argv[1]);
Object.assign(globalThis, globals);
const a = await create([]).requestAdapter();
const i = a ? (a.info ?? {}) : null;
process.stdout.write(JSON.stringify(i && { vendor: i.vendor ?? '', architecture: i.architecture ?? '', description: i.description ?? '', isFallbackAdapter: Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter) }));
`;

/**
 * Which WebGPU adapter this machine has (probed once per process), or null. Unless Dawn is
 * already loaded here, the probe runs in a short-lived child process: choosing a backend
 * (`auto`, the pool's lanes, `list`) then neither loads Dawn into this process nor prints the
 * Vulkan loader's and Dawn's own warnings on a machine without a GPU. Never throws.
 */
export function probeAdapter(): Promise<AdapterInfo | null> {
  if (adapterHere !== null) return adapterHere;
  adapterProbe ??= new Promise<AdapterInfo | null>((resolve) => {
    let entry: string;
    try {
      entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
    } catch {
      resolve(null);
      return;
    }
    execFile(process.execPath, ['--input-type=module', '-e', PROBE_SCRIPT, entry], { timeout: 60_000, encoding: 'utf8' }, (err, stdout) => {
      if (err) return resolve(null);
      try {
        resolve(JSON.parse(stdout) as AdapterInfo | null);
      } catch {
        resolve(null);
      }
    });
  });
  return adapterProbe;
}

/** The hardware WebGPU adapter of this process, or null (none, or only a software one). */
export async function hardwareAdapter(): Promise<AdapterInfo | null> {
  const a = await probeAdapter();
  return a !== null && !isSoftwareAdapter(a) ? a : null;
}

/** `auto` → 'webgpu' when a hardware adapter exists, else 'wasm'; a backend name → itself. */
export async function resolveBackend(choice: BackendChoice): Promise<BackendName> {
  if (choice !== 'auto') return choice;
  return (await hardwareAdapter()) !== null ? 'webgpu' : 'wasm';
}

/** The one-line error for a missing optional libtensorflow package. */
export function missingPackageMessage(name: 'tensorflow' | 'tensorflow-gpu'): string {
  const pkg = NODE_PACKAGES[name];
  const where = name === 'tensorflow-gpu' ? 'internet and CUDA' : 'internet';
  return `backend '${name}' needs ${pkg}, which is not installed; on a machine with ${where} run \`npm install ${pkg}\`, or use --backend wasm`;
}

/** Whether `pkg` resolves from here (installed), without loading it. */
function resolvable(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

async function loadNodePackage(name: 'tensorflow' | 'tensorflow-gpu'): Promise<void> {
  let p = nodeLoaded.get(name);
  if (!p) {
    const pkg = NODE_PACKAGES[name];
    p = (async () => {
      if (!resolvable(pkg)) throw new UserError(missingPackageMessage(name));
      try {
        // a variable specifier: the package is optional and has no types here
        await import(pkg);
      } catch (e) {
        const first = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
        throw new UserError(`backend '${name}': ${pkg} is installed but failed to load (${first}); reinstall it or use --backend wasm`);
      }
    })();
    nodeLoaded.set(name, p);
    p.catch(() => nodeLoaded.delete(name));
  }
  return p;
}

/** Adapter first, then the tfjs backend module (set-up order in the module comment). */
async function loadWebgpu(): Promise<void> {
  if ((await adapterInProcess()) === null) throw new UserError(NO_ADAPTER_MESSAGE);
  webgpuLoaded ??= import('@tensorflow/tfjs-backend-webgpu').then(() => undefined);
  await webgpuLoaded;
}

/**
 * Activates a backend (`auto` resolved as above) and returns the backend actually active
 * (`tf.getBackend()`; note that 'tensorflow-gpu' is registered by tfjs as 'tensorflow').
 * Idempotent: asking again for the active backend does nothing. Throws UserError for a missing
 * optional package, no WebGPU adapter, an unknown name, or a backend that fails to initialize.
 */
export async function initBackend(choice: BackendChoice = 'wasm'): Promise<string> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new UserError(`unknown TensorFlow.js backend '${String(choice)}'; choose one of: ${BACKEND_CHOICES.join(', ')}`);
  }
  const name = await resolveBackend(choice);
  const reg = registeredName(name);
  if (current === name && tf.getBackend() === reg) return reg;
  if (name === 'wasm') {
    wasmLoaded ??= import('@tensorflow/tfjs-backend-wasm').then(() => undefined);
    await wasmLoaded;
  } else if (name === 'webgpu') {
    await loadWebgpu();
  } else if (name === 'tensorflow' || name === 'tensorflow-gpu') {
    await loadNodePackage(name);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(reg);
    await tf.ready();
  } catch (e) {
    const first = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
    throw new UserError(`TensorFlow.js backend '${name}' failed to initialize (${first}); use --backend wasm or --backend cpu`);
  }
  if (!ok || tf.getBackend() !== reg) {
    throw new UserError(`TensorFlow.js backend '${name}' failed to initialize (tf.setBackend returned false; active: ${tf.getBackend() ?? 'none'}); use --backend wasm or --backend cpu`);
  }
  current = name;
  return tf.getBackend();
}

/** Our name of the active backend ('tensorflow-gpu' when that package activated it), or null. */
export function activeBackend(): BackendName | null {
  return current !== null && tf.getBackend() === registeredName(current) ? current : null;
}

/** The device behind the active backend (null when none was activated through `initBackend`). */
export async function deviceInfo(): Promise<DeviceInfo | null> {
  const backend = activeBackend();
  if (backend === null) return null;
  if (backend === 'webgpu') {
    const adapter = await adapterInProcess();
    return { backend, adapter, kind: adapter === null || isSoftwareAdapter(adapter) ? 'software' : 'gpu' };
  }
  return { backend, adapter: null, kind: backend === 'tensorflow-gpu' ? 'gpu' : 'cpu' };
}

/** `initBackend(choice)`, then the device it activated (backend name and WebGPU adapter). */
export async function initDevice(choice: BackendChoice): Promise<DeviceInfo> {
  await initBackend(choice);
  const d = await deviceInfo();
  if (d === null) throw new Error(`internal: backend '${choice}' initialized but is not active`);
  return d;
}
