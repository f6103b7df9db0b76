/**
 * Resource bounds checked at the boundary, before anything is allocated or scheduled. Every
 * check throws a one-line UserError naming the size, the bound and the fix.
 *
 * Memory: `memoryBudgetBytes()` is what one process (or one pool worker) may use for data and
 * models — in a pool worker, the heap limit the pool gave it (`--worker-memory`); elsewhere
 * 3/4 of the machine's memory (or of the cgroup's limit when one is set). `checkMemory` refuses
 * an allocation of more than that, so a huge `sim-lasso:n=1e8,p=1e8`, LIBSVM index 1e8 or an
 * `mlp` with hidden=1e8 is refused with its size instead of exhausting the machine.
 */
import os from 'node:os';
import { isMainThread, resourceLimits } from 'node:worker_threads';
import { UserError } from './errors.ts';

/** Longest time budget accepted anywhere (run timeout, reference timeout, read timeout): 7 days. */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** Largest data file accepted (bytes, after gunzip): 16 GiB. Larger files must be subsampled or split. */
export const MAX_DATA_FILE_BYTES = 16 * 2 ** 30;

/** Seconds a data file may take to read before the read is abandoned (default; L1BENCH_READ_TIMEOUT overrides). */
export const DEFAULT_READ_TIMEOUT_SECONDS = 600;

/** Largest typed array V8 allocates (elements of 8 bytes), 2³² − 1 on 64-bit Node 20. */
const MAX_TYPED_LENGTH = 2 ** 32 - 1;

/** Machine memory this process may use: min(total memory, cgroup limit) in bytes. */
export function machineMemoryBytes(): number {
  const total = os.totalmem();
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return constrained && constrained > 0 && constrained < total ? constrained : total;
}

/** Bytes one process (or pool worker) may spend on data and models; see the module comment. */
export function memoryBudgetBytes(): number {
  if (!isMainThread && resourceLimits.maxOldGenerationSizeMb && resourceLimits.maxOldGenerationSizeMb > 0) {
    return resourceLimits.maxOldGenerationSizeMb * 2 ** 20;
  }
  return Math.floor(0.75 * machineMemoryBytes());
}

/** `b` bytes as a short binary size (e.g. `17.0 GiB`, `300 MiB`). */
export function formatBytes(b: number): string {
  if (!Number.isFinite(b)) return `${b} bytes`;
  if (b >= 2 ** 50) return `${b.toExponential(2)} bytes`;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let v = b;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ${units[u]}`;
}

/**
 * Refuses to allocate `elements` numbers of `bytesPer` bytes (`copies` arrays of that size at
 * once) for `what` when that exceeds the memory budget or V8's typed-array length.
 * `fix` says how to make it smaller (e.g. "lower n or p").
 */
export function checkMemory(what: string, elements: number, fix: string, opts: { bytesPer?: number; copies?: number } = {}): void {
  const bytesPer = opts.bytesPer ?? 8;
  const copies = opts.copies ?? 1;
  const need = elements * bytesPer * copies;
  const budget = memoryBudgetBytes();
  const where = isMainThread ? 'this process may use' : 'this worker may use (--worker-memory)';
  if (!Number.isFinite(elements) || elements > MAX_TYPED_LENGTH) {
    throw new UserError(`${what}: ${elements.toPrecision(3)} numbers in one array, more than Node can hold (${MAX_TYPED_LENGTH}); ${fix}`);
  }
  if (need > budget) {
    throw new UserError(`${what} needs about ${formatBytes(need)}, more than the ${formatBytes(budget)} ${where}; ${fix}`);
  }
}

/**
 * Validates a time budget in seconds: a finite number in (0, MAX_TIMEOUT_SECONDS]. `where` names
 * the flag or config field. (setTimeout overflows above 2³¹ − 1 ms ≈ 24.8 days and then fires at
 * once; 7 days keeps every budget, with its grace and cross-check multiples, far below that.)
 */
export function checkTimeout(seconds: number, where: string): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UserError(`${where} must be a positive number of seconds, got ${String(seconds)}`);
  }
  if (seconds > MAX_TIMEOUT_SECONDS) {
    throw new UserError(`${where} is ${seconds} s, above the maximum of ${MAX_TIMEOUT_SECONDS} s (7 days); give a shorter budget`);
  }
  return seconds;
}

/** setTimeout that never overflows: delays above 2³¹ − 1 ms are clamped to that (≈ 24.8 days). */
export function safeTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  return setTimeout(fn, Math.min(Math.max(0, ms), 2 ** 31 - 1));
}

/**
 * Refuses a fully connected network of layer widths `widths` (inputs first, e.g. [p, hidden, C])
 * whose working set would not fit the memory budget, before any weight is allocated. Shared by
 * every tensor-engine model (the mlp family and its successors).
 *
 * Estimate: P = Σ_l (w_l + 1)·w_{l+1} parameters, kept in about 8 Float64-sized copies (the flat
 * iterate and gradient, float32 weights, the optimizer's moments, spred's factors u and w), plus
 * the activations of `samples` rows: samples · Σ_l w_l float32 values, twice (forward and backward).
 */
export function checkNetworkMemory(widths: readonly number[], samples: number, fix: string): void {
  let params = 0;
  let units = 0;
  for (let l = 0; l < widths.length; l++) {
    const w = widths[l] as number;
    units += w;
    if (l + 1 < widths.length) params += (w + 1) * (widths[l + 1] as number);
  }
  // The flat parameter vector is the largest single array; activations count as extra copies of it.
  const copies = 8 + (samples * units) / Math.max(1, params);
  checkMemory(`a network of widths ${widths.join('→')} (${params.toPrecision(3)} parameters)`, params, fix, { copies });
}
