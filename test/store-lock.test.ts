/**
 * One writer per database, across real processes: a second `bench` on a database another
 * process is writing waits for it (then finds every job done) or, with --lock-wait 0, exits 2
 * naming the holder's pid; a holder killed with SIGKILL leaves no stale lock; whatever happens,
 * no job key is stored twice.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { openReadOnly, openStore } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-lock-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const cfg = join(dir, 'bench.json');
// 8 jobs of a fraction of a second each (ISTA/FISTA to their budget at an unreachable tol)
const JOBS = 8;
writeFileSync(
  cfg,
  JSON.stringify({
    name: 'lock-test',
    tol: 1e-16,
    maxIter: 3000,
    seeds: [0, 1, 2, 3],
    problems: [{ family: 'lasso', datasets: ['sim-lasso:n=200,p=300,k=10'], lambdaRatios: [0.05] }],
    solvers: [{ name: 'ista' }, { name: 'fista' }],
  }),
);

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

function cli(args: readonly string[]): { pid: number; done: Promise<Exit>; kill(sig: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['bin/l1bench.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const pid = child.pid as number;
  const done = new Promise<Exit>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, pid })));
  return { pid, done, kill: (sig) => child.kill(sig) };
}

async function keysAndIntegrity(db: string): Promise<{ runs: number; keys: number; integrity: string }> {
  const s = await openReadOnly(db);
  try {
    const { rows } = await sql<{ runs: number; keys: number }>`select count(*) as runs, count(distinct job_key) as keys from runs`.execute(s.db);
    return { ...(rows[0] as { runs: number; keys: number }), integrity: await s.integrityCheck() };
  } finally {
    await s.close();
  }
}

t.test('three bench processes on one database: the others wait, then run nothing; no key twice', async (t) => {
  const db = join(dir, 'wait.db');
  const procs = [0, 1, 2].map(() => cli(['bench', '--config', cfg, '--db', db, '--workers', '1', '--quiet', '--lock-wait', '120']));
  const exits = await Promise.all(procs.map((p) => p.done));
  for (const e of exits) t.equal(e.code, 0, e.stderr);
  const ran = exits.map((e) => Number(/(\d+) run now/.exec(e.stdout)?.[1] ?? NaN)).sort((x, y) => x - y);
  t.same(ran, [0, 0, JOBS], 'one process ran every job, the others (waiting in turn) found them done');
  t.same(await keysAndIntegrity(db), { runs: JOBS, keys: JOBS, integrity: 'ok' });
});

t.test('with --lock-wait 0 the second writer exits 2 naming the holder pid; the holder finishes', async (t) => {
  const db = join(dir, 'refuse.db');
  const holder = await openStore(db);
  const b = cli(['bench', '--config', cfg, '--db', db, '--workers', '1', '--quiet', '--lock-wait', '0']);
  const solve = cli(['solve', '--problem', 'lasso', '--data', 'diabetes', '--lambda-ratio', '0.1', '--solver', 'cd', '--db', db, '--lock-wait', '0']);
  const merge = cli(['merge', '--into', db, '--lock-wait', '0', join(dir, 'wait.db')]);
  for (const e of await Promise.all([b.done, solve.done, merge.done])) {
    t.equal(e.code, 2);
    t.equal(e.stderr, `l1bench: results database ${db} is being written by process ${process.pid}; wait for it to finish, pass --lock-wait SECONDS, or use another --db\n`);
  }
  t.equal((await holder.runs()).length, 0, 'nothing was written by the refused processes');
  await holder.close();
});

t.test('a writer killed with SIGKILL leaves no stale lock: the next one takes over', async (t) => {
  const db = join(dir, 'killed.db');
  // a bench with slow jobs, killed once it holds the lock and has started
  const slow = join(dir, 'slow.json');
  writeFileSync(slow, JSON.stringify({
    name: 'slow', tol: 1e-16, maxIter: 200000, timeout: 60, seeds: [0, 1],
    problems: [{ family: 'lasso', datasets: ['sim-lasso:n=200,p=300,k=10'], lambdaRatios: [0.05] }],
    solvers: [{ name: 'ista' }],
  }));
  const a = cli(['bench', '--config', slow, '--db', db, '--workers', '1', '--quiet']);
  // wait until it holds the lock (a second writer is refused, naming it)
  let named = '';
  for (let i = 0; i < 100 && !named.includes(`process ${a.pid}`); i++) {
    await new Promise((r) => setTimeout(r, 200));
    named = await openStore(db, { lockWaitSeconds: 0 }).then(async (s) => (await s.close(), ''), (e: Error) => e.message);
  }
  t.match(named, new RegExp(`is being written by process ${a.pid};`), 'the running bench holds the lock');
  a.kill('SIGKILL');
  t.equal((await a.done).code, null, 'killed');
  const s = await openStore(db, { lockWaitSeconds: 0 });
  t.pass('the lock of the dead process was taken over at once');
  t.equal(await s.integrityCheck(), 'ok');
  await s.close();
});

t.test('four identical solves started at once on a fresh database: one run with four repetitions', async (t) => {
  const db = join(dir, 'fresh-solves.db');
  const procs = [0, 1, 2, 3].map(() => cli(['solve', '--problem', 'lasso', '--data', 'diabetes', '--lambda-ratio', '0.1', '--solver', 'cd', '--db', db, '--lock-wait', '120', '--quiet']));
  for (const e of await Promise.all(procs.map((p) => p.done))) t.equal(e.code, 0, e.stderr);
  const s = await openReadOnly(db);
  t.teardown(() => s.close());
  const runs = await s.runs();
  t.same(runs.map((r) => [r.suite, r.repeats]), [['solve', 4]]);
  t.equal((await s.repetitions(runs[0]!.id)).length, 4);
  t.equal(await s.integrityCheck(), 'ok');
});
