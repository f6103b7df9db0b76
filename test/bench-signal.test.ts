import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-signal-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'results.db');
const cfg = join(dir, 'bench.json');
// 12 jobs (6 seeds × 2 solvers) that each take a fraction of a second: ISTA/FISTA run to their
// iteration budget at an unreachable tolerance.
const JOBS = 12;
writeFileSync(
  cfg,
  JSON.stringify({
    name: 'signal-test',
    tol: 1e-16,
    maxIter: 4000,
    timeout: 30,
    seeds: [0, 1, 2, 3, 4, 5],
    problems: [{ family: 'lasso', datasets: ['sim-lasso:n=200,p=300,k=10'], lambdaRatios: [0.05] }],
    solvers: [{ name: 'ista' }, { name: 'fista' }],
  }),
);

function bench(): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; out: string }> } {
  const child = spawn(process.execPath, ['bin/l1bench.js', 'bench', '--config', cfg, '--db', db, '--workers', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out })),
  );
  return { child, done };
}

async function count(): Promise<number> {
  try {
    const s = await openReadOnly(db);
    try {
      return (await s.runs()).length;
    } finally {
      await s.close();
    }
  } catch {
    return 0; // not created / migrated yet
  }
}

async function integrity(): Promise<string> {
  const s = await openReadOnly(db);
  try {
    return await s.integrityCheck();
  } finally {
    await s.close();
  }
}

async function waitFor(pred: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

t.test('SIGINT, then SIGKILL, then a full run: the database stays consistent and never duplicates', async (t) => {
  // 1. SIGINT half-way: finished runs are kept, the ones in flight are dropped, exit 130.
  const a = bench();
  t.ok(await waitFor(async () => (await count()) >= 2, 20000), 'runs are being recorded');
  a.child.kill('SIGINT');
  const ra = await a.done;
  t.equal(ra.code, 130, 'exit code 130 after SIGINT');
  t.match(ra.out, /interrupted by SIGINT: \d+ job\(s\) not run \(they run next time\)/);
  t.equal(await integrity(), 'ok', 'integrity_check after SIGINT');
  const afterInt = await count();
  t.ok(afterInt >= 2 && afterInt < JOBS, `${afterInt} runs kept`);

  // 2. SIGKILL while running: no cleanup at all, the one-transaction-per-run design must hold.
  const b = bench();
  t.ok(await waitFor(async () => (await count()) > afterInt, 20000), 'the second run records more');
  b.child.kill('SIGKILL');
  const rb = await b.done;
  t.equal(rb.signal, 'SIGKILL');
  t.equal(await integrity(), 'ok', 'integrity_check after SIGKILL');
  const afterKill = await count();
  t.ok(afterKill > afterInt && afterKill <= JOBS, `${afterKill} runs after the kill`);

  // 3. A full run completes exactly the missing jobs.
  const c = bench();
  const rc = await c.done;
  t.equal(rc.code, 0, 'the full run exits 0');
  t.match(rc.out, new RegExp(`${JOBS} jobs planned, ${afterKill} already in .*, ${JOBS - afterKill} run now`));
  t.equal(await count(), JOBS, 'every job recorded once');

  // 4. Again: nothing to do, no rows added.
  const d = bench();
  const rd = await d.done;
  t.equal(rd.code, 0);
  t.match(rd.out, new RegExp(`${JOBS} jobs planned, ${JOBS} already in .*, 0 run now`));
  t.equal(await count(), JOBS);
  const s = await openReadOnly(db);
  const keys = (await s.runs()).map((r) => r.job_key);
  await s.close();
  t.equal(new Set(keys).size, JOBS, 'no duplicate job keys');
  t.equal(await integrity(), 'ok');
});
