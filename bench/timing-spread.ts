/**
 * Timing spread between two identical benchmarks: runs `l1bench bench --config PLAN` twice into
 * two fresh databases (each a fresh process, so each starts cold) and compares, per run, the
 * stored solver seconds of the two: ratio = max(t₁, t₂) / min(t₁, t₂). Prints the distribution
 * of the ratio over runs whose time is ≥ 5 ms (and over all runs), and the count above 2×.
 * Within a benchmark, the spread between the repetitions of each run (max/min over its stored
 * repetitions) is printed too, when the plan repeats, and the ratios of the repeated runs alone
 * (the plan's deterministic solvers), with the five widest.
 *
 *   node --import tsx bench/timing-spread.ts [--cli bin/l1bench.js] [--config bench/timing-spread.json] [--workers 1] [--keep]
 *
 * `--keep` leaves the two databases in place (their paths are printed).
 *
 * `--cli` may point at another checkout's bin/l1bench.js (e.g. the code before warm-up and
 * repetitions) to measure "before" on the same plan and machine (add `--strip-repeat` for code
 * that does not know the plan's `repeat` field); runs are matched by (family, dataset, λ/λ_max,
 * solver label, seed), so job keys need not agree.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import sqlite3 from 'sqlite3';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};
const cli = resolve(arg('cli', 'bin/l1bench.js'));
const workers = arg('workers', '1');
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'l1bench-spread-'));
let config = resolve(arg('config', 'bench/timing-spread.json'));
if (process.argv.includes('--strip-repeat')) {
  const plan = JSON.parse(readFileSync(config, 'utf8')) as { repeat?: number; solvers: { repeat?: number }[] };
  delete plan.repeat;
  for (const s of plan.solvers) delete s.repeat;
  config = join(dir, 'plan.json');
  writeFileSync(config, JSON.stringify(plan));
}

function all<R>(db: string, q: string): Promise<R[]> {
  return new Promise((res, rej) => {
    const d = new sqlite3.Database(db, sqlite3.OPEN_READONLY, (e) => {
      if (e) return rej(e);
      d.all<R>(q, [], (err, rows) => {
        d.close();
        if (err) rej(err);
        else res(rows);
      });
    });
  });
}

interface Row { family: string; dataset: string; lambda_ratio: number; solver_label: string; seed: number; solver_seconds: number | null; id: number; repeats: number | null }

async function once(i: number): Promise<{ times: Map<string, number>; repeated: Set<string>; repSpread: number[] }> {
  const db = join(dir, `run${i}.db`);
  const r = spawnSync(process.execPath, [cli, 'bench', '--config', config, '--db', db, '--workers', workers, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench failed: ${r.stderr}`);
  const rows = await all<Row>(db, `select * from runs where status in ('converged', 'max_iter', 'stalled')`);
  const key = (x: Row): string => JSON.stringify([x.family, x.dataset, x.lambda_ratio.toPrecision(10), x.solver_label, x.seed]);
  const times = new Map(rows.filter((x) => x.solver_seconds !== null).map((x) => [key(x), x.solver_seconds as number]));
  // the runs the plan repeats (its deterministic solvers: `repeat` ≥ 2); `repeats` is absent before 0002
  const repeated = new Set(rows.filter((x) => (x.repeats ?? 1) > 1).map(key));
  let repSpread: number[] = [];
  try {
    const reps = await all<{ run_id: number; lo: number; hi: number; n: number }>(db, 'select run_id, min(solver_seconds) lo, max(solver_seconds) hi, count(*) n from repetition group by run_id having n > 1');
    repSpread = reps.filter((x) => x.lo >= 0.005).map((x) => x.hi / x.lo);
  } catch {
    /* a database without repetitions (code before 0002) */
  }
  return { times, repeated, repSpread };
}

const q = (xs: number[], p: number): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? NaN : (v[Math.min(v.length - 1, Math.floor(p * (v.length - 1) + 0.5))] as number);
};
const fmt = (xs: number[]): string =>
  xs.length === 0 ? 'n/a' : `n=${xs.length}  median ${q(xs, 0.5).toFixed(2)}×  p90 ${q(xs, 0.9).toFixed(2)}×  max ${Math.max(...xs).toFixed(2)}×  >2×: ${xs.filter((x) => x > 2).length}`;

try {
  const a = await once(1);
  const b = await once(2);
  const ratios: number[] = [];
  const big: number[] = [];
  const det: { k: string; r: number; t1: number; t2: number }[] = [];
  for (const [k, t1] of a.times) {
    const t2 = b.times.get(k);
    if (t2 === undefined || t1 <= 0 || t2 <= 0) continue;
    const r = Math.max(t1, t2) / Math.min(t1, t2);
    ratios.push(r);
    if (Math.min(t1, t2) >= 0.005) big.push(r);
    if (Math.min(t1, t2) >= 0.005 && a.repeated.has(k) && b.repeated.has(k)) det.push({ k, r, t1, t2 });
  }
  console.log(`cli ${cli}, plan ${config}, ${workers} worker(s)`);
  console.log(`bench 1 vs bench 2, runs ≥ 5 ms: ${fmt(big)}`);
  console.log(`bench 1 vs bench 2, all runs:    ${fmt(ratios)}`);
  console.log(`repeated (deterministic) runs ≥ 5 ms:  ${fmt(det.map((d) => d.r))}`);
  console.log(`  sorted ratios: ${det.map((d) => d.r).sort((x, y) => x - y).map((r) => r.toFixed(3)).join(', ')}`);
  for (const d of [...det].sort((x, y) => y.r - x.r).slice(0, 5)) console.log(`  ${d.r.toFixed(2)}×  ${d.t1.toFixed(4)} s vs ${d.t2.toFixed(4)} s  ${d.k}`);
  console.log(`repetitions within a run (≥ 5 ms), bench 1: ${fmt(a.repSpread)}`);
} finally {
  if (keep) console.log(`databases kept: ${join(dir, 'run1.db')}, ${join(dir, 'run2.db')}`);
  else rmSync(dir, { recursive: true, force: true });
}
