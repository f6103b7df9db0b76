// Piscina worker entry (a JS file, as piscina's `filename` must be). It registers tsx so the
// TypeScript worker can be imported, and imports it lazily inside the task function: a worker
// module with top-level await fails to load under piscina (see shared/ECOSYSTEM.md).
import { register } from 'tsx/esm/api';

let registered = false;
/** @type {Promise<typeof import('./worker.ts')> | null} */
let loading = null;

/** Runs one pool task (see worker.ts `runJob`). */
export default async function task(t) {
  if (!registered) {
    registered = true;
    register();
  }
  loading ??= import('./worker.ts');
  const mod = await loading;
  return mod.runJob(t);
}
