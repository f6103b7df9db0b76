/**
 * TensorFlow.js backend selection for the tensor engine.
 *
 * - `wasm` (default): @tensorflow/tfjs-backend-wasm, float32, single-threaded SIMD in Node.
 * - `cpu`: the pure-JS backend bundled with @tensorflow/tfjs (~25× slower than wasm; a reference).
 * - `tensorflow` / `tensorflow-gpu`: libtensorflow through @tensorflow/tfjs-node or
 *   @tensorflow/tfjs-node-gpu. These are optional: never dependencies of l1bench (their install
 *   script downloads libtensorflow), loaded by dynamic import only when asked for. Both register
 *   the backend under the name 'tensorflow'.
 *
 * `tf.setBackend` resolving `false` (or throwing) is an error here, never a silent fallback to
 * another backend: a run records the backend it really used.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';

export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'tensorflow-gpu';
export const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'];

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
const nodeLoaded = new Map<string, Promise<void>>();
/** The backend the last successful `initBackend` activated (our name, e.g. 'tensorflow-gpu'). */
let current: BackendName | null = null;

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

/**
 * Activates a backend and returns the backend actually active (`tf.getBackend()`; note that
 * 'tensorflow-gpu' is registered by tfjs as 'tensorflow'). Idempotent: asking again for the
 * active backend does nothing. Throws UserError for a missing optional package, an unknown
 * name, or a backend that fails to initialize.
 */
export async function initBackend(name: BackendName = 'wasm'): Promise<string> {
  if (!BACKENDS.includes(name)) {
    throw new UserError(`unknown TensorFlow.js backend '${String(name)}'; choose one of: ${BACKENDS.join(', ')}`);
  }
  const reg = registeredName(name);
  if (current === name && tf.getBackend() === reg) return reg;
  if (name === 'wasm') {
    wasmLoaded ??= import('@tensorflow/tfjs-backend-wasm').then(() => undefined);
    await wasmLoaded;
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
