/**
 * l1bench's classical solvers against the peers, side by side in one run (issue 13's table):
 *
 *   lasso   Gaussian 500×5000, 0.05·λ_max      cd / sklearn Lasso        (target ratio ≤ 0.5)
 *   lasso   same                                lars / sklearn LassoLars  (≤ 1.0)
 *   logistic Gaussian 200×1000, 10 true ±1,     cd / liblinear            (≤ 1.0)
 *            Bernoulli(σ) labels, 0.05·λ_max
 *   path    100 λ from λ_max to 0.05·λ_max on   cd warm starts / glmnet's path   (≤ 1.0)
 *            the lasso instance
 *
 * Criterion: time to relative suboptimality (F − F*)/|F*| ≤ 1e-8 (every λ of a path), F* from
 * a cd solve to a relative gap ≤ 1e-13. l1bench: the solver's own time inside `run`, objective
 * evaluations excluded, JIT warmed by two untimed runs. Peers: their own fit time measured inside
 * the subprocess (one untimed warm-up fit first) for the loosest tolerance in 1e-1, 1e-2, … whose
 * solution reaches the target when certified here (the peers' tolerance "tuned to just reach
 * it"); for the path both sides take the loosest tolerance on their list that reaches it at
 * every λ. Rounds alternate l1bench / peer; the median of `--repeats` (≥ 5) rounds is reported.
 * The peers run with one BLAS thread. The machine's load is printed: timings on a shared machine
 * are noisy; the ratios of alternating rounds are what to read. `--clock cpu` times both sides
 * in process CPU seconds instead of wall seconds (ours: process.cpuUsage; the peers:
 * time.process_time / proc.time, via L1BENCH_PEER_CLOCK=cpu), which a loaded machine inflates far
 * less.
 *
 * `--cd k=v,…` runs l1bench's cd with those parameters (e.g. `--cd strategy=active` for the
 * previous default) in the lasso-cd, logistic and path rows.
 *
 * cd and lars keep, per thread, the wasm copy of the last design they solved (with its float32
 * copy and column norms, solvers/kernels/columns.ts), so a repeated solve on the same array —
 * every round here, a path's next λ — skips building them. `--cold` gives each of our lasso
 * rounds (cd, lars) a fresh copy of the design, made outside the timing, so every timed solve
 * pays for those copies as a one-off solve in a fresh process would (its page faults included
 * only when the thread has no released memory large enough).
 *
 *   npx tsx bench/peers-speed.ts [--repeats 5] [--clock wall|cpu] [--only lasso-cd,lasso-lars,logistic,path] [--cd k=v,…] [--cold]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { IterateView, Problem, Solver } from '../problems/types.ts';
import type { Dataset } from '../problems/dataset.ts';
import { simulateLasso } from '../problems/datasets/simulate.ts';
import { lassoFamily, logisticFamily, makeProblem } from '../problems/zoo.ts';
import { Certifier, objective } from '../problems/certificate.ts';
import { Rng } from '../problems/rng.ts';
import { runSolver } from '../harness/runner.ts';
import { resolveParams } from '../harness/params.ts';
import { cd } from '../solvers/cd.ts';
import { lars } from '../solvers/lars.ts';
import { runCommand } from '../harness/external/command.ts';
import { toleranceSequence, writeProblem } from '../harness/external/protocol.ts';
import { findPython, findRscript, PEER_ENV, peerScript } from '../harness/external/peers/runtime.ts';
import { geometricRatios } from '../harness/path.ts';

const TARGET = 1e-8;

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}
const repeats = Math.max(5, Number(arg('repeats', '5')));
const only = new Set(arg('only', 'lasso-cd,lasso-lars,logistic,path').split(','));
const cpuClock = arg('clock', 'wall') === 'cpu';
const cold = process.argv.includes('--cold');
/** cd's parameters (`--cd k=v,…`; default: the solver's defaults). */
const cdArgs: Record<string, string> = Object.fromEntries(
  arg('cd', '')
    .split(',')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
/** Milliseconds on the chosen clock. */
const nowMs = (): number => {
  if (!cpuClock) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const ENV: Readonly<Record<string, string>> = cpuClock ? { ...PEER_ENV, L1BENCH_PEER_CLOCK: 'cpu' } : PEER_ENV;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const rel = (F: number, Fs: number): number => (F - Fs) / Math.abs(Fs);

/** F* of an instance: cd to a relative gap ≤ 1e-13. */
async function reference(p: Problem): Promise<number> {
  const o = await runSolver(cd, p, resolveParams(cd, {}), { tol: 1e-13, maxIter: 200000, tau: 0, seed: 0 });
  return o.final?.objective as number;
}

/** l1bench: seconds inside `run` until F − F* ≤ TARGET·|F*| (evaluations excluded). */
function timeToTarget(solver: Solver, p: Problem, Fs: number, params: Record<string, string> = {}): number {
  let solverMs = 0;
  let resume = nowMs();
  let hit = NaN;
  const resolved = resolveParams(solver, params);
  const cb = (view: IterateView): boolean => {
    solverMs += nowMs() - resume;
    const done = rel(objective(p, view.x()), Fs) <= TARGET;
    if (done) hit = solverMs / 1000;
    resume = nowMs();
    return !done;
  };
  void solver.run(p, resolved, cb, { seed: 0, maxIter: 1e6 });
  return hit;
}

/** A peer, black box: the time of the loosest tolerance whose certified solution reaches TARGET. */
async function peerTime(name: string, command: readonly string[], p: Problem, Fs: number): Promise<{ time: number; tol: number | null }> {
  const written = writeProblem(p, { tolerances: toleranceSequence(name === 'glmnet' ? 1e-20 : 1e-14), maxIter: 100000, seed: 0, timeoutSeconds: 300, params: {} });
  let best: { time: number; tol: number | null } = { time: NaN, tol: null };
  try {
    await runCommand(name, command, written, {
      env: ENV,
      timeoutSeconds: 300,
      onMessage(m) {
        if (rel(objective(p, m.x), Fs) <= TARGET) {
          best = { time: m.time, tol: m.type === 'solution' ? m.tol : null };
          return false;
        }
        return true;
      },
    });
  } finally {
    written.dispose();
  }
  return best;
}

function gaussianLogistic(n: number, p: number, k: number, seed: number): Dataset {
  // uncorrelated Gaussian design, k true coefficients ±1, labels Bernoulli(σ(x_iᵀβ)) → ±1
  const rng = new Rng(seed);
  const data = Float64Array.from({ length: n * p }, () => rng.normal());
  const beta = new Float64Array(p);
  for (let j = 0; j < k; j++) beta[Math.floor((j * p) / k)] = j % 2 ? -1 : 1;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < p; j++) z += (data[j * n + i] as number) * (beta[j] as number);
    y[i] = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : -1;
  }
  return { name: `gaussian-logistic-${n}x${p}`, X: { n, p, data }, y, featureNames: [], task: 'binary', hash: `gaussian-logistic-${n}x${p}-${seed}`, notes: {} };
}

interface Row {
  readonly name: string;
  readonly ours: number[];
  readonly peer: number[];
  readonly note: string;
  readonly goal: number;
}
const rows: Row[] = [];

async function sideBySide(name: string, goal: number, ours: () => number | Promise<number>, peer: () => Promise<{ time: number; tol: number | null }>): Promise<void> {
  // JIT warm-up of our side, untimed
  await ours();
  await ours();
  const a: number[] = [];
  const b: number[] = [];
  let tol: number | null = null;
  for (let r = 0; r < repeats; r++) {
    a.push(await ours());
    const pt = await peer();
    b.push(pt.time);
    tol = pt.tol;
  }
  rows.push({ name, ours: a, peer: b, note: tol === null ? '' : `peer tol ${tol.toExponential(0)}`, goal });
  const m = median(a) / median(b);
  console.log(`${name}: ours ${median(a).toFixed(4)} s, peer ${median(b).toFixed(4)} s, ratio ${m.toFixed(2)} (goal ≤ ${goal})`);
}

console.log(`clock: ${cpuClock ? 'process CPU seconds (both sides)' : 'wall seconds'}; cd parameters ${JSON.stringify(resolveParams(cd, cdArgs))}${cold ? '; --cold: a fresh copy of the lasso design for each of our rounds' : ''}`);
console.log(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on this machine (timings are noisy under load)\n`);
const py = findPython();
const rs = findRscript();

const lassoDs = simulateLasso({ n: 500, p: 5000, k: 50, seed: 0 });
const lasso = makeProblem(lassoFamily, lassoDs, { kind: 'ratio', ratio: 0.05 });
/** The lasso instance for one of our rounds: itself, or with `--cold` on a fresh copy of its design. */
const lassoRound = (): Problem => (cold ? makeProblem(lassoFamily, { ...lassoDs, X: { ...lassoDs.X, data: lassoDs.X.data.slice() } }, { kind: 'ratio', ratio: 0.05 }) : lasso);
const FsLasso = only.has('lasso-cd') || only.has('lasso-lars') ? await reference(lasso) : NaN;

if (only.has('lasso-cd') && 'exe' in py) {
  await sideBySide('lasso 500×5000 0.05·λmax: cd / sklearn Lasso', 0.5, () => timeToTarget(cd, lassoRound(), FsLasso, cdArgs), () => peerTime('sklearn-cd', [py.exe, peerScript('sklearn_peer.py'), 'cd'], lasso, FsLasso));
}
if (only.has('lasso-lars') && 'exe' in py) {
  await sideBySide('lasso 500×5000 0.05·λmax: lars / sklearn LassoLars', 1.0, () => timeToTarget(lars, lassoRound(), FsLasso), () => peerTime('sklearn-lars', [py.exe, peerScript('sklearn_peer.py'), 'lars'], lasso, FsLasso));
}
if (only.has('logistic') && 'exe' in py) {
  const logi = makeProblem(logisticFamily, gaussianLogistic(200, 1000, 10, 0), { kind: 'ratio', ratio: 0.05 });
  const Fs = await reference(logi);
  await sideBySide('logistic 200×1000 0.05·λmax: cd / liblinear', 1.0, () => timeToTarget(cd, logi, Fs, cdArgs), () => peerTime('sklearn-liblinear', [py.exe, peerScript('sklearn_peer.py'), 'liblinear'], logi, Fs));
}
if (only.has('path') && 'exe' in rs) {
  const ratios = geometricRatios(100, 0.05);
  const problems = ratios.map((r) => makeProblem(lassoFamily, lassoDs, { kind: 'ratio', ratio: r }));
  const refs: number[] = [];
  for (const p of problems) refs.push(await reference(p));
  const allReached = (xs: Float64Array[]): boolean => xs.every((x, k) => rel(objective(problems[k] as Problem, x), refs[k] as number) <= TARGET);
  // ours: warm-started cd along the path, the loosest gap tolerance that reaches the target at every λ
  const cdParams = resolveParams(cd, cdArgs);
  // cd.run per λ from the previous solution, stopped at relative gap ≤ tol (certificates excluded from the time)
  const cdPath = async (tol: number): Promise<{ time: number; xs: Float64Array[] }> => {
    let x0: Float64Array | undefined;
    let ms = 0;
    const xs: Float64Array[] = [];
    for (const p of problems) {
      const cert = new Certifier(p, 0);
      let last = new Float64Array(p.dim);
      let resume = nowMs();
      void cd.run(p, cdParams, (view) => {
        ms += nowMs() - resume;
        const x = view.x();
        const c = cert.certify(x);
        last = x.slice();
        resume = nowMs();
        return Math.abs(c.relGap as number) > tol;
      }, { seed: 0, maxIter: 200000, ...(x0 ? { x0 } : {}) });
      x0 = last;
      xs.push(last);
    }
    return { time: ms / 1000, xs };
  };
  let cdTol = 1e-6;
  for (const t of [1e-6, 1e-7, 1e-8, 1e-9, 1e-10]) {
    cdTol = t;
    if (allReached((await cdPath(t)).xs)) break;
  }
  const glm = async (thresh: number): Promise<{ time: number; xs: Float64Array[] }> => {
    const written = writeProblem(problems[problems.length - 1] as Problem, { tolerances: [], lambdas: problems.map((p) => p.lambda), maxIter: 100000, seed: 0, timeoutSeconds: 600, params: { pathTol: Math.sqrt(thresh) } });
    const xs: Float64Array[] = [];
    let time = NaN;
    try {
      await runCommand('glmnet', [rs.exe, peerScript('glmnet_peer.R')], written, {
        env: ENV,
        onMessage(m) {
          xs.push(m.x);
          time = m.time;
          return true;
        },
      });
    } finally {
      written.dispose();
    }
    return { time, xs };
  };
  let thresh = 1e-8;
  for (const t of [1e-8, 1e-10, 1e-12, 1e-14, 1e-16, 1e-18, 1e-20]) {
    thresh = t;
    if (allReached((await glm(t)).xs)) break;
  }
  console.log(`path: cd gap tol ${cdTol}, glmnet thresh ${thresh} (loosest reaching ${TARGET} at all ${ratios.length} λ)`);
  await sideBySide(`path 100 λ (λmax → 0.05·λmax), lasso 500×5000: cd / glmnet`, 1.0, async () => (await cdPath(cdTol)).time, async () => ({ time: (await glm(thresh)).time, tol: thresh }));
}

console.log('\n| instance | ours (median s) | peer (median s) | ratio | goal | rounds (ours / peer) |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.name} | ${median(r.ours).toFixed(4)} | ${median(r.peer).toFixed(4)} | ${(median(r.ours) / median(r.peer)).toFixed(2)} | ≤ ${r.goal} | ${r.ours.map((v) => v.toFixed(3)).join(' ')} / ${r.peer.map((v) => v.toFixed(3)).join(' ')} ${r.note} |`);
}
