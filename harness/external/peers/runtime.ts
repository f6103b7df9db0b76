/**
 * Finding the peers' interpreters: a Python 3 that imports scikit-learn and numpy, an Rscript
 * that loads glmnet and jsonlite. Probed once per process (a real import in a child process)
 * and cached; a miss is a `skipped` run with the install hint.
 *
 * Python candidates, in order: $L1BENCH_PYTHON, /usr/bin/python3 (where Debian's python3-sklearn
 * installs; the first `python3` on PATH may be another one, e.g. a pyenv build without sklearn),
 * then `python3` on PATH. Rscript: $L1BENCH_RSCRIPT, then `Rscript` on PATH.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { AnyProblem } from '../../../problems/types.ts';

export const SKLEARN_HINT = 'install scikit-learn for /usr/bin/python3 with `apt-get install python3-sklearn` (or point $L1BENCH_PYTHON at a python3 that imports sklearn)';
export const GLMNET_HINT = 'install R with glmnet and jsonlite: `apt-get install r-cran-glmnet r-cran-jsonlite` (or point $L1BENCH_RSCRIPT at an Rscript that loads them)';

/** One BLAS thread for the peers (the comparison is single-threaded, as l1bench's solvers are). */
export const PEER_ENV: Readonly<Record<string, string>> = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1', PYTHONHASHSEED: '0' };

/** Path of a script shipped next to this file. */
export function peerScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

type Found = { readonly exe: string; readonly version: string } | { readonly missing: string };

export function probe(candidates: readonly string[], args: readonly string[], hint: string, what: string): Found {
  const tried: string[] = [];
  for (const exe of candidates) {
    const r = spawnSync(exe, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...PEER_ENV } });
    if (r.status === 0) return { exe, version: r.stdout.trim() };
    tried.push(exe);
  }
  return { missing: `${what} not found (tried ${tried.join(', ')}); ${hint}` };
}

let python: Found | null = null;
let rscript: Found | null = null;

export function findPython(): Found {
  python ??= probe(
    [...new Set([process.env['L1BENCH_PYTHON'], '/usr/bin/python3', 'python3'].filter((v): v is string => !!v))],
    ['-c', 'import numpy, sklearn; print(sklearn.__version__)'],
    SKLEARN_HINT,
    'a python3 with scikit-learn',
  );
  return python;
}

export function findRscript(): Found {
  rscript ??= probe(
    [...new Set([process.env['L1BENCH_RSCRIPT'], 'Rscript'].filter((v): v is string => !!v))],
    ['-e', 'suppressPackageStartupMessages({library(glmnet); library(jsonlite)}); cat(as.character(packageVersion("glmnet")))'],
    GLMNET_HINT,
    'an Rscript with glmnet',
  );
  return rscript;
}

/** The datafit name of a Float64 problem ('quadratic' | 'logistic' | 'multinomial'), or null (tensor). */
function datafitOf(problem: AnyProblem): string | null {
  return problem.engine === 'float64' ? problem.datafit.name : null;
}

/**
 * `unavailable` for a peer: the model must be one the peer fits (datafit + penalty), then its
 * interpreter must be found.
 */
export function peerUnavailable(name: string, models: readonly string[], find: () => Found) {
  return (problem: AnyProblem): string | null => {
    const df = datafitOf(problem);
    const pen = problem.engine === 'float64' ? problem.penalty.name : 'tensor';
    const model = `${df ?? 'tensor'}+${pen}`;
    if (!models.includes(model)) return `${name} fits ${models.join(', ')} (datafit+penalty), not ${model} (problem '${problem.family}')`;
    const f = find();
    return 'missing' in f ? `${name}: ${f.missing}` : null;
  };
}

/** argv of a peer command, or an error naming the missing interpreter (only reached after `unavailable` passed). */
export function interpreter(find: () => Found): string {
  const f = find();
  if ('missing' in f) throw new Error(f.missing);
  return f.exe;
}
