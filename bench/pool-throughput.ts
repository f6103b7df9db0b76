/**
 * Pool throughput: the same plan run with 1 and with 2 workers (fresh databases), reporting
 * jobs per second and the speed-up ratio T(1 worker) / T(2 workers).
 *
 * Plan: lasso on sim-lasso:n=200,p=300,k=10 at λ = 0.05·λ_max, ISTA and FISTA run to a fixed
 * budget of 5000 iterations (tol 1e-16 is unreachable) for 8 seeds each: 16 equal jobs plus one
 * reference solve. Wall time includes worker start-up, the reference, and every database write.
 * The total solver seconds are printed too: when they grow with the worker count, the cores were
 * not free (other processes), and the ratio measures the machine's load, not the pool.
 *
 *   node --import tsx bench/pool-throughput.ts [repeats=1]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';

const repeats = Number(process.argv[2] ?? 1);
const config = parseConfig(
  {
    name: 'pool-throughput',
    tol: 1e-16,
    maxIter: 5000,
    timeout: 120,
    seeds: [0, 1, 2, 3, 4, 5, 6, 7],
    problems: [{ family: 'lasso', datasets: ['sim-lasso:n=200,p=300,k=10'], lambdaRatios: [0.05] }],
    solvers: [{ name: 'ista' }, { name: 'fista' }],
  },
  'pool-throughput',
);
const silent = { start() {}, update() {}, note() {}, stop() {} };
const dir = mkdtempSync(join(tmpdir(), 'l1bench-throughput-'));

async function once(workers: number, i: number): Promise<{ seconds: number; runs: number; solverSeconds: number }> {
  const r = await runBench({ config, db: join(dir, `w${workers}-${i}.db`), workers, progress: silent });
  return { seconds: r.seconds, runs: r.records.length, solverSeconds: r.records.reduce((s, x) => s + (x.solverSeconds ?? 0), 0) };
}

try {
  const res: Record<number, { seconds: number; runs: number; solverSeconds: number }[]> = { 1: [], 2: [] };
  for (let i = 0; i < repeats; i++) for (const w of [1, 2]) res[w]?.push(await once(w, i));
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const t1 = median((res[1] ?? []).map((x) => x.seconds));
  const t2 = median((res[2] ?? []).map((x) => x.seconds));
  const runs = res[1]?.[0]?.runs ?? 0;
  console.log(`plan: ${runs} runs (+1 reference solve), ${repeats} repeat(s), median wall time; ${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const [w, t] of [[1, t1], [2, t2]] as const) {
    const s = median((res[w] ?? []).map((x) => x.solverSeconds));
    console.log(`${w} worker${w > 1 ? 's' : ' '}: ${t.toFixed(2)} s wall, ${(runs / t).toFixed(2)} runs/s, ${s.toFixed(2)} solver-s in total`);
  }
  console.log(`speed-up 2 workers / 1 worker: ${(t1 / t2).toFixed(2)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
