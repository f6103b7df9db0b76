/**
 * Content keys of jobs: what a result depends on, hashed — never file paths or the git commit.
 *
 * jobKey = sha256(JSON [KEY_VERSION, suite, data, problem, solver, params, seed, tol, maxIter,
 *                       timeout, τ, code])
 * - data: a builtin dataset → the sha256 of its committed file's bytes; a simulated one → its spec
 *   string (the generator is code, hashed below); Fashion-MNIST → its spec and the sha256 of the
 *   IDX files it reads; a file → the sha256 of its bytes. So a changed file reruns its jobs, and
 *   the same bytes under another path are the same data.
 * - problem: the preprocessing and instance settings (family, target, standardize, λ, groups —
 *   a groups file by the hash of its bytes —, backend, hidden units, MLP penalty).
 * - code: {@link codeHash} of the modules the run executes: the solver's file, the problem
 *   family's module, the dataset loaders and the harness runner, each with everything it
 *   imports (type-only imports excluded: they erase), hashed by content.
 *   A commit that touches none of them (README, report code, another solver) reruns nothing.
 * - suite: runs of different suites (and `solve`, suite 'solve') are separate records, so an
 *   ad-hoc run never stands in for a suite's run.
 * Timing settings (warm-up, repetitions) are not part of the key: they do not change the result.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTINS } from '../problems/datasets/index.ts';
import { builtinPath } from '../problems/datasets/builtin.ts';
import { GENE_TASKS, geneSourceFiles } from '../problems/datasets/genes.ts';
import { FASHION_MNIST_DIR, FASHION_MNIST_SMALL_DIR, isFashionMnist } from '../problems/datasets/fashion-mnist.ts';
import { UserError } from '../problems/errors.ts';
import type { JobSpec } from './job.ts';
import { PROBLEMS } from '../problems/zoo.ts';

/** Bump when the key's recipe changes (old rows then simply stop matching). */
export const KEY_VERSION = 2;

/** The repository root (this file lives in harness/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What a key reads of a job (a type-only import of job.ts: erased at run time, so no import cycle). */
export type KeyedJob = Pick<JobSpec, 'problem' | 'solver' | 'params' | 'seed' | 'tol' | 'maxIter' | 'timeoutSeconds' | 'tau' | 'suite'>;

/** The content key of a job (32 hex digits). */
export function contentJobKey(job: KeyedJob): string {
  const { dataset, groupsFile, ...problem } = job.problem;
  const body = JSON.stringify([
    KEY_VERSION,
    job.suite ?? null,
    dataKey(dataset),
    sortedEntries(problem as Record<string, unknown>),
    groupsFile === undefined ? null : fileHash(groupsFile),
    job.solver,
    sortedEntries(job.params),
    job.seed,
    job.tol,
    job.maxIter,
    job.timeoutSeconds,
    job.tau ?? null,
    codeHash(codeRoots(job.solver, job.problem.family)),
  ]);
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

function sortedEntries(o: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => [k, o[k]]);
}

/** The data part of a key: see the module comment. */
export function dataKey(spec: string): string {
  const s = spec.trim();
  const builtin = BUILTINS.find((b) => b.name === s);
  if (builtin) return `builtin:${fileHash(builtinPath(builtin))}`;
  const gene = GENE_TASKS.find((g) => g.name === s);
  if (gene) return `genes:${s}:${geneSourceFiles(gene.source).map(fileHash).join(',')}`;
  if (/^sim-[a-z-]+(:|$)/.test(s) && !existsSync(s)) return `sim:${s}`;
  if (isFashionMnist(s) && !existsSync(s)) {
    // the spec (subset sizes, seed) and the bytes of the IDX files it reads
    const folder = s.split(':')[0] === 'fashion-mnist-small' ? FASHION_MNIST_SMALL_DIR : FASHION_MNIST_DIR;
    const files = FASHION_FILES.map((f) => join(folder, f));
    return `fashion:${s}:${files.map((f) => (existsSync(f) ? fileHash(f) : 'missing')).join(',')}`;
  }
  if (existsSync(s)) return `file:${fileHash(s)}`;
  // Not loadable: the loader will say why when the job is built; key it by the spec.
  return `spec:${s}`;
}

/** The IDX files of a Fashion-MNIST folder (official and committed subset alike). */
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

const fileHashes = new Map<string, { size: number; mtimeMs: number; ino: number; hash: string }>();

/**
 * sha256 of a file's bytes, read in 1 MiB chunks (no whole-file buffer), cached per process by
 * path, size, mtime and inode. Only regular files are hashed: anything else is a UserError.
 */
export function fileHash(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UserError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check the path`);
  }
  if (!st.isFile()) throw new UserError(`${path} is not a regular file; pass a data file`);
  const abs = resolve(path);
  const hit = fileHashes.get(abs);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ino === st.ino) return hit.hash;
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(abs, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  const hash = h.digest('hex');
  fileHashes.set(abs, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, hash });
  return hash;
}

/** Protocol steps run after a tensor-engine solve (harness/job.ts imports it lazily). */
const TENSOR_PROTOCOL = 'solvers/tensor/run-protocol.ts';

/**
 * The modules a run of `solver` on `family` executes (repository-relative paths): the solver's
 * file (a solver without one, e.g. a plugin: the whole registry), the zoo (every family is
 * defined there; tensor families import their builders lazily, which the walk follows), the
 * dataset loaders and the runner; tensor families also run the post-solve protocol.
 */
export function codeRoots(solver: string, family: string): string[] {
  const solverFile = `solvers/${solver}.ts`;
  const tensor = PROBLEMS.find((f) => f.name === family)?.engine === 'tfjs';
  return [
    existsSync(join(REPO_ROOT, solverFile)) ? solverFile : 'solvers/index.ts',
    'problems/zoo.ts',
    'problems/datasets/index.ts',
    'harness/runner.ts',
    ...(tensor ? [TENSOR_PROTOCOL] : []),
    // a gene-selection job runs the λ-path protocol (and, through it, the model it trains)
    ...(family === 'gene-selection' ? ['harness/genes/path.ts'] : []),
    // the peers run a script in a subprocess: not an import, so the walk would not see it
    ...(solver.startsWith('sklearn-') ? ['harness/external/peers/sklearn_peer.py'] : solver === 'glmnet' ? ['harness/external/peers/glmnet_peer.R'] : []),
  ];
}

/** Relative module specifiers of a TypeScript/JS source, type-only imports excluded. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  const text = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  // import … from '…' / export … from '…' (not `import type` / `export type`)
  const stat = /\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (let m = stat.exec(text); m; m = stat.exec(text)) {
    if (m[2] === undefined) out.push(m[4] as string);
  }
  // side-effect imports and dynamic imports
  const bare = /\bimport\s*\(?\s*['"]([^'"]+)['"]/g;
  for (let m = bare.exec(text); m; m = bare.exec(text)) out.push(m[1] as string);
  return out.filter((s) => s.startsWith('.'));
}

const codeHashes = new Map<string, string>();

/** Every module reachable from `roots` through relative imports → sha256 of its content ('missing' if absent). */
function walk(roots: readonly string[]): Map<string, string> {
  const seen = new Map<string, string>();
  const stack = roots.map((r) => resolve(REPO_ROOT, r));
  while (stack.length > 0) {
    const file = stack.pop() as string;
    const rel = relative(REPO_ROOT, file);
    if (seen.has(rel)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      seen.set(rel, 'missing');
      continue;
    }
    seen.set(rel, createHash('sha256').update(text).digest('hex'));
    for (const spec of importsOf(text)) stack.push(resolve(dirname(file), spec));
  }
  return seen;
}

/**
 * sha256 over (path, sha256 of content) of every module reachable from `roots` through relative
 * imports, sorted by path; cached per process. A root or import that does not exist is hashed
 * as missing (so adding it later changes the hash).
 */
export function codeHash(roots: readonly string[]): string {
  const cacheKey = roots.join('\0');
  const hit = codeHashes.get(cacheKey);
  if (hit !== undefined) return hit;
  const seen = walk(roots);
  const h = createHash('sha256');
  for (const rel of [...seen.keys()].sort()) h.update(`${rel}\0${seen.get(rel)}\n`);
  const out = h.digest('hex');
  codeHashes.set(cacheKey, out);
  return out;
}

/** The repository-relative files behind {@link codeHash} of `roots`, sorted. */
export function codeFiles(roots: readonly string[]): string[] {
  return [...walk(roots).keys()].sort();
}

/** Clears the per-process caches (tests that edit files between two keys). */
export function clearKeyCaches(): void {
  codeHashes.clear();
  fileHashes.clear();
}
