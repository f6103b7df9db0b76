/**
 * The names of the tensor engine's backends, without loading TensorFlow.js (the CLI and the
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
