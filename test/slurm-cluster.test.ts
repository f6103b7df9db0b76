/**
 * `l1bench slurm` against a real SLURM: munged, slurmctld and slurmd (Debian's slurm-wlm 22.05)
 * started by hand for one node on localhost, state and spool under a temp dir, stopped by PID.
 * A small plan runs as a 4-task array plus the dependent merge; the merged database must equal a
 * single-machine run of the same plan (job keys, statuses, final objectives). Then one array task
 * is cancelled (scancel) and `--resume` completes the study without duplicates.
 * Needs root (the daemons run as root here) and the packages `.ci/run` installs.
 */
import t, { type Test } from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../harness/bench/config.ts';
import { runBench } from '../harness/bench/run.ts';
import { onPath } from '../harness/commands/slurm.ts';
import { openReadOnly } from '../harness/store/index.ts';

const SBIN = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`;
const NEEDED = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'sinfo'];
const isRoot = process.getuid?.() === 0;

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, seconds: number, ok: () => boolean): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(100);
  }
}

async function clusterTests(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'l1bench-slurm-'));
  const daemons: ChildProcess[] = [];
  t.teardown(async () => {
    for (const d of daemons.reverse()) if (d.pid !== undefined && d.exitCode === null) process.kill(d.pid, 'SIGTERM');
    await Promise.all(daemons.map((d) => (d.exitCode !== null ? null : new Promise((r) => d.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  });
  const start = (cmd: string, args: string[], log: string): ChildProcess => {
    const fd = openSync(join(dir, log), 'a');
    const c = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { ...process.env, PATH: SBIN } });
    closeSync(fd);
    daemons.push(c);
    // Stop it by PID even if this process dies first.
    process.once('exit', () => {
      if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
    });
    return c;
  };

  // munged with its own key and socket.
  const key = join(dir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o600 });
  const sock = join(dir, 'munge.sock');
  start('munged', ['-F', '-f', `--socket=${sock}`, `--key-file=${key}`, `--pid-file=${dir}/munged.pid`, `--seed-file=${dir}/munged.seed`, `--log-file=${dir}/munged.log`], 'munged.out');
  await until('the munge socket', 10, () => existsSync(sock));

  const host = hostname().split('.')[0] ?? 'localhost';
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  const conf = join(dir, 'slurm.conf');
  const mem = Math.max(1024, Math.floor(totalmem() / 2 ** 20) - 1024);
  writeFileSync(
    conf,
    [
      'ClusterName=l1bench-test',
      `SlurmctldHost=${host}(127.0.0.1)`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      `AuthInfo=socket=${sock}`,
      'CredType=cred/munge',
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'MpiDefault=none',
      'SchedulerType=sched/backfill',
      'SchedulerParameters=batch_sched_delay=0',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core_Memory',
      'DefMemPerCPU=500',
      'ReturnToService=2',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${dir}/jobcomp.txt`,
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=${mem} State=UNKNOWN`,
      `PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf, PATH: SBIN };
  const sh = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  start('slurmctld', ['-D', '-i', '-f', conf], 'slurmctld.out');
  start('slurmd', ['-D', '-f', conf, '-N', host], 'slurmd.out');
  const t0 = Date.now();
  await until('the node to be idle', 30, () => spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env }).stdout.trim() === 'idle');
  t.comment(`one-node SLURM up in ${Date.now() - t0} ms`);

  const cfgPath = join(dir, 'study.json');
  writeFileSync(
    cfgPath,
    JSON.stringify({
      name: 'slurm-study',
      tol: 1e-10,
      maxIter: 3000,
      timeout: 60,
      referenceTimeout: 60,
      problems: [
        { family: 'lasso', datasets: ['sim-lasso:n=40,p=30,k=4', 'sim-lasso:n=30,p=50,k=3,seed=1'], lambdaRatios: [0.1], standardize: true },
        { family: 'logistic', datasets: ['sim-logistic:n=40,p=20,k=3'], lambdaRatios: [0.2], standardize: true },
      ],
      solvers: [{ name: 'cd' }, { name: 'ista', maxIter: 500 }, { name: 'fista', maxIter: 500 }],
    }),
  );
  const config = loadConfigFile(cfgPath);
  const single = join(dir, 'single.db');
  const silent = { start() {}, update() {}, note() {}, stop() {} };
  await runBench({ config, db: single, workers: 1, progress: silent });
  const want = await rows(single);
  t.ok(want.size >= 8, `single-machine run: ${want.size} runs`);

  const l1bench = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, ['bin/l1bench.js', ...args], { encoding: 'utf8', env });
  const submit = (out: string, extra: string[] = []): { array: string | null; merge: string; stdout: string } => {
    const r = l1bench(['slurm', '--config', cfgPath, '--shards', '4', '--out', out, '--mem', '1G', '--submit', ...extra]);
    if (r.status !== 0) throw new Error(`l1bench slurm failed (${r.status}): ${r.stderr}`);
    const m = /submitted array job (\d+) .* and merge job (\d+)/.exec(r.stdout);
    const only = /submitted merge job (\d+)/.exec(r.stdout);
    if (m) return { array: m[1] as string, merge: m[2] as string, stdout: r.stdout };
    if (only) return { array: null, merge: only[1] as string, stdout: r.stdout };
    throw new Error(`no job ids in: ${r.stdout}`);
  };
  const queueEmpty = (ids: string[]): boolean => sh('squeue', ['-h', '-j', ids.join(','), '-o', '%i']).trim() === '';
  const jobcomp = (): Map<string, string> => {
    // "JobId=5 … JobState=COMPLETED … ArrayJobId=1 ArrayTaskId=3": key `1_3` for tasks, the job id otherwise.
    const out = new Map<string, string>();
    const text = existsSync(join(dir, 'jobcomp.txt')) ? readFileSync(join(dir, 'jobcomp.txt'), 'utf8') : '';
    for (const line of text.split('\n')) {
      const f = Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1], m[2]]));
      if (!f['JobId'] || !f['JobState']) continue;
      out.set(f['ArrayJobId'] ? `${f['ArrayJobId']}_${f['ArrayTaskId']}` : (f['JobId'] as string), f['JobState'] as string);
    }
    return out;
  };
  const sameAsSingle = async (t: Test, db: string): Promise<void> => {
    const got = await rows(db);
    t.same([...got.keys()].sort(), [...want.keys()].sort(), 'the same job keys as the single-machine run');
    for (const [k, w] of want) {
      const g = got.get(k);
      t.equal(g?.status, w.status, `${w.title}: status ${w.status}`);
      const tol = 1e-9 * Math.max(1, Math.abs(w.objective ?? 0));
      t.ok(g !== undefined && w.objective !== null && g.objective !== null && Math.abs(g.objective - w.objective) <= tol, `${w.title}: objective ${g?.objective} = ${w.objective} (±${tol.toExponential(0)})`);
    }
    const s = await openReadOnly(db);
    t.equal(await s.integrityCheck(), 'ok', 'PRAGMA integrity_check');
    const all = await s.runs();
    t.equal(new Set(all.map((r) => r.job_key)).size, all.length, 'no job key twice');
    await s.close();
  };

  await t.test('a 4-task array plus the afterok merge = the single-machine run', async (t) => {
    const out = join(dir, 'study-a');
    const t1 = Date.now();
    const { array, merge } = submit(out);
    t.ok(array !== null);
    await until('the array and the merge to leave the queue', 240, () => queueEmpty([array as string, merge]));
    t.comment(`4-task array + merge finished in ${Date.now() - t1} ms`);
    const states = jobcomp();
    for (let i = 1; i <= 4; i++) t.equal(states.get(`${array}_${i}`), 'COMPLETED', `array task ${i} COMPLETED`);
    t.equal(states.get(merge), 'COMPLETED', 'merge job COMPLETED');
    for (let i = 1; i <= 4; i++) t.ok(existsSync(join(out, 'shards', `shard-${i}.db`)), `shard ${i} wrote its database`);
    await sameAsSingle(t, join(out, 'results.db'));
    t.ok(existsSync(join(out, 'report', 'index.html')), 'the merge job rendered the report');
  });

  await t.test('a cancelled array task, then --resume re-submits only that shard and completes the study', async (t) => {
    const out = join(dir, 'study-b');
    const { array, merge } = submit(out);
    const task = `${array}_1`;
    await until(`task ${task} to run`, 60, () => sh('squeue', ['-h', '-j', array as string, '-o', '%i %T']).includes(`${task} RUNNING`));
    sh('scancel', [task]);
    await until('the array and the merge to leave the queue', 240, () => queueEmpty([array as string, merge]));
    const states = jobcomp();
    t.equal(states.get(task), 'CANCELLED', 'the cancelled task is CANCELLED');
    for (let i = 2; i <= 4; i++) t.equal(states.get(`${array}_${i}`), 'COMPLETED', `array task ${i} COMPLETED`);
    t.not(states.get(merge), 'COMPLETED', `the merge did not run (its afterok dependency failed: ${states.get(merge)})`);
    t.notOk(existsSync(join(out, 'results.db')), 'no merged database yet');
    // What the cancelled task left (if it got as far as its database) is consistent and its own.
    const partial = join(out, 'shards', 'shard-1.db');
    if (existsSync(partial)) {
      try {
        const p = await openReadOnly(partial);
        const mine = new Set(JSON.parse(readFileSync(join(out, 'shards.json'), 'utf8')).shards[0].keys as string[]);
        t.equal(await p.integrityCheck(), 'ok', 'the partial shard database passes integrity_check');
        t.ok((await p.runs()).every((r) => mine.has(r.job_key)), 'and holds only its own shard\'s jobs');
        await p.close();
      } catch (e) {
        t.comment(`cancelled before its schema was in place (${(e as Error).message}); --resume reruns it`);
      }
    }

    const again = submit(out, ['--resume']);
    t.match(again.stdout, /unfinished shard\(s\): 1\n/, 'only shard 1 is unfinished');
    t.match(readFileSync(join(out, 'array.sbatch'), 'utf8'), /^#SBATCH --array=1$/m, 'array.sbatch runs shard 1 alone');
    await until('the resumed shard and the merge to leave the queue', 240, () => queueEmpty([again.array as string, again.merge]));
    const after = jobcomp();
    t.equal(after.get(`${again.array}_1`), 'COMPLETED', 'the resumed shard COMPLETED');
    t.equal(after.get(again.merge), 'COMPLETED', 'the merge COMPLETED');
    await sameAsSingle(t, join(out, 'results.db'));

    // Everything is done: --resume now only (re)runs the merge, which adds nothing.
    const done = submit(out, ['--resume']);
    t.equal(done.array, null);
    t.match(done.stdout, /all 4 shards are complete/);
    await until('the last merge', 120, () => queueEmpty([done.merge]));
    await sameAsSingle(t, join(out, 'results.db'));
  });
}

interface Row {
  readonly title: string;
  readonly status: string;
  readonly objective: number | null;
}

async function rows(db: string): Promise<Map<string, Row>> {
  const s = await openReadOnly(db);
  try {
    const out = new Map<string, Row>();
    for (const r of await s.runs()) out.set(r.job_key, { title: `${r.family}/${r.dataset} ${r.solver_label}`, status: r.status, objective: r.objective ?? null });
    return out;
  } finally {
    await s.close();
  }
}

if (!isRoot) {
  t.comment('skip: the one-node SLURM cluster of this test runs its daemons as root, and this user is not root');
  t.pass('skipped (not root)');
} else {
  const missing = NEEDED.filter((b) => !onPath(b, SBIN));
  if (missing.length) t.fail(`missing ${missing.join(', ')}: apt-get install -y slurmctld slurmd slurm-client munge (.ci/run does)`);
  else await clusterTests();
}
