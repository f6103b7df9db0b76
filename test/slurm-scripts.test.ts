/**
 * `l1bench slurm` without a cluster: the scripts it writes (array, afterok merge, shard file),
 * the resource estimates worked by hand, the GPU request, and its bad-input lines (exit 2).
 */
import t from 'tap';
import { existsSync, chmodSync, mkdirSync, mkdtempSync, symlinkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfigFile } from '../harness/bench/config.ts';
import { expandPlan } from '../harness/bench/plan.ts';
import { makeShards, readShardFile } from '../harness/bench/shards.ts';
import { arraySpec, autoMemMiB, autoTimeSeconds, planWantsGpu, slurmTime } from '../harness/bench/slurm.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-slurm-scripts-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const cfg = join(dir, 'plan.json');
writeFileSync(
  cfg,
  JSON.stringify({
    name: 'scripts',
    timeout: 40,
    referenceTimeout: 10,
    problems: [
      { family: 'lasso', datasets: ['sim-lasso:n=20,p=10,k=2'], lambdaRatios: [0.1] },
      { family: 'logistic', datasets: ['sim-logistic:n=30,p=8,k=2'], lambdaRatios: [0.1] },
    ],
    solvers: [{ name: 'cd' }, { name: 'ista', timeout: 100 }],
  }),
);

const run = (args: string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['bin/l1bench.js', ...args], { encoding: 'utf8', env });

t.test('estimates by hand: time, memory, array lists', async (t) => {
  const plan = expandPlan(loadConfigFile(cfg));
  t.equal(plan.jobs.length, 4);
  // Two shards; per instance G = reference + budgets: lasso 10 + 10 (lars cross-check) + 40 + 100 =
  // 160, logistic 10 + 140 = 150; T = 155: each instance whole on its own shard.
  const f = makeShards(plan, 2);
  t.same(f.shards.map((s) => s.keys.length), [2, 2]);
  const budgets = f.shards.map((s) => s.budget).sort();
  t.same(budgets, [140 + 10, 140 + 20]);
  // 1.5 × 160 = 240 s = 4 min.
  t.equal(autoTimeSeconds(f), 240);
  t.equal(slurmTime(240), '00:04:00');
  t.equal(slurmTime(90061), '1-01:01:01');
  // 512 + 2·(7.63 + 7.63 MiB) + 4·(256 + 4·7.63) = 1688.5 → 1728 MiB (8·1000·1000 B = 8·500·2000 B = 7.63 MiB).
  t.equal(autoMemMiB([{ n: 1000, p: 1000 }, { n: 500, p: 2000 }], 4, false), 1728);
  t.equal(autoMemMiB([], 1, true), 1280, 'tensor workers: 512 + 768');
  t.equal(arraySpec([1, 2, 3, 4], 4), '1-4');
  t.equal(arraySpec([2, 4], 4), '2,4');
});

t.test('the written scripts: array over shards.json, merge after it, sbatch commands printed', async (t) => {
  const out = join(dir, 'out');
  const r = run(['slurm', '--config', cfg, '--shards', '2', '--out', out, '--partition', 'short', '--account', 'lab', '--cpus-per-task', '2']);
  t.equal(r.status, 0, r.stderr);
  const array = readFileSync(join(out, 'array.sbatch'), 'utf8');
  const merge = readFileSync(join(out, 'merge.sbatch'), 'utf8');
  for (const line of ['#SBATCH --array=1-2', '#SBATCH --time=00:04:00', '#SBATCH --cpus-per-task=2', '#SBATCH --partition=short', '#SBATCH --account=lab', '#SBATCH --ntasks=1']) {
    t.ok(array.split('\n').includes(line), `array.sbatch has ${line}`);
  }
  t.notMatch(array, /--gpus-per-task/, 'no GPU for a Float64 plan');
  t.match(array, /bench '--config' '[^']*plan\.json' --shard-plan '[^']*shards\.json' --shard "\$\{SLURM_ARRAY_TASK_ID\}\/2" --db '[^']*\/shards\/shard-'"\$\{SLURM_ARRAY_TASK_ID\}\.db"/);
  t.match(merge, /^#SBATCH --kill-on-invalid-dep=yes$/m);
  t.match(merge, / merge --into '[^']*results\.db' "\$\{shards\[@\]\}"\n.* report --db '[^']*results\.db' --out '[^']*report'/);
  t.match(r.stdout, /^jid=\$\(sbatch --parsable '.*array\.sbatch'\)$/m);
  t.match(r.stdout, /^sbatch --parsable --dependency=afterok:"\$\{jid%%;\*\}" '.*merge\.sbatch'$/m);
  // Every #SBATCH option is one SLURM 22.05's sbatch knows.
  const known = new Set(['job-name', 'array', 'ntasks', 'cpus-per-task', 'mem', 'time', 'gpus-per-task', 'partition', 'account', 'output', 'kill-on-invalid-dep']);
  for (const m of (array + merge).matchAll(/^#SBATCH --([a-z-]+)=/gm)) t.ok(known.has(m[1] as string), `--${m[1]}`);
  t.equal(spawnSync('bash', ['-n', join(out, 'array.sbatch')]).status, 0, 'array.sbatch parses in bash');
  t.equal(spawnSync('bash', ['-n', join(out, 'merge.sbatch')]).status, 0, 'merge.sbatch parses in bash');

  // The shard file covers the plan; `bench --shard-plan` runs exactly shard 2's jobs.
  const f = readShardFile(join(out, 'shards.json'));
  const plan = expandPlan(loadConfigFile(cfg));
  t.same(f.shards.flatMap((s) => s.keys).sort(), plan.jobs.map((j) => j.key).sort());
  const db = join(dir, 'shard2.db');
  const b = run(['bench', '--config', cfg, '--shard-plan', join(out, 'shards.json'), '--shard', '2/2', '--db', db, '--quiet', '--workers', '1']);
  t.equal(b.status, 0, b.stderr);
  t.match(b.stdout, /2 jobs planned, 0 already in .*, 2 run now/);
  // --costs: shard 2 (the logistic jobs) measured well under a second: G_lasso = 160, G_logistic ≈ 10,
  // T ≈ 85, so lasso is cut at 65: {ista} 120 → shard 1, {cd} 60 and logistic ≈ 10 → shard 2.
  const costed = run(['slurm', '--config', cfg, '--shards', '2', '--out', join(dir, 'costed'), '--costs', db]);
  t.equal(costed.status, 0, costed.stderr);
  const cf = readShardFile(join(dir, 'costed', 'shards.json'));
  const lassoIsta = plan.jobs.find((j) => j.job.solver === 'ista' && j.job.problem.family === 'lasso');
  t.same(cf.shards.map((s) => s.keys), [[lassoIsta?.key], plan.jobs.filter((j) => j !== lassoIsta).map((j) => j.key)]);
  t.ok((cf.shards[1]?.cost ?? Infinity) < 41, `shard 2 costs 40 s + the measured ${(cf.shards[1]?.cost ?? 0) - 40} s`);
  const mismatch = run(['bench', '--config', cfg, '--shard-plan', join(out, 'shards.json'), '--shard', '1/3', '--db', db]);
  t.equal(mismatch.status, 2);
  t.equal(mismatch.stderr, `l1bench: --shard 1/3 does not match shard plan ${join(out, 'shards.json')}, which has 2 shards; use --shard I/2\n`);
});

t.test('a plan on a GPU backend requests --gpus-per-task', async (t) => {
  const gpuCfg = join(dir, 'gpu.json');
  writeFileSync(
    gpuCfg,
    JSON.stringify({
      name: 'gpu',
      problems: [{ family: 'mlp', datasets: ['wine'], lambdaRatios: [0.1], hidden: 4, backend: 'tensorflow-gpu', standardize: true }],
      solvers: [{ name: 'spred-adam', maxIter: 10 }],
    }),
  );
  t.ok(planWantsGpu(expandPlan(loadConfigFile(gpuCfg))));
  const out = join(dir, 'gpu');
  const r = run(['slurm', '--config', gpuCfg, '--shards', '1', '--out', out]);
  t.equal(r.status, 0, r.stderr);
  t.match(readFileSync(join(out, 'array.sbatch'), 'utf8'), /^#SBATCH --gpus-per-task=1$/m);
  const r0 = run(['slurm', '--config', gpuCfg, '--shards', '1', '--out', out, '--gpus-per-task', '0']);
  t.equal(r0.status, 0, r0.stderr);
  t.notMatch(readFileSync(join(out, 'array.sbatch'), 'utf8'), /--gpus-per-task/);
});

t.test('--plugin travels to every array task (absolute path), and its solver is in the shards', async (t) => {
  const plugin = resolve('examples/my-solver.ts');
  const pcfg = join(dir, 'plugin.json');
  writeFileSync(pcfg, JSON.stringify({ name: 'with-plugin', problems: [{ family: 'lasso', datasets: ['diabetes'], lambdaRatios: [0.1] }], solvers: [{ name: 'cd' }, { name: 'my-solver' }] }));
  const out = join(dir, 'plugin-out');
  const r = run(['slurm', '--config', pcfg, '--plugin', 'examples/my-solver.ts', '--shards', '2', '--out', out]);
  t.equal(r.status, 0, r.stderr);
  t.ok(readFileSync(join(out, 'array.sbatch'), 'utf8').includes(`'--plugin' '${plugin}' --shard-plan`), 'bench gets --plugin with the absolute path');
  t.same(readShardFile(join(out, 'shards.json')).shards.map((s) => s.keys.length), [1, 1]);
});

t.test('bad input: one line on stderr, exit 2', async (t) => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  // A PATH with node but no sbatch.
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const noSbatch = { ...process.env, PATH: bin };
  const fake = join(bin, 'sbatch');
  const cases: [string, string[], RegExp, NodeJS.ProcessEnv?][] = [
    ['--shards 0', ['slurm', '--suite', 'quick', '--shards', '0', '--out', join(dir, 'o0')], /^l1bench: --shards must be an integer ≥ 1 \(the number of array tasks\), got '0'\n$/],
    ['unknown suite', ['slurm', '--suite', 'nope', '--shards', '2', '--out', join(dir, 'o1')], /^l1bench: unknown suite 'nope'; choose one of: .*\n$/],
    ['unwritable --out', ['slurm', '--suite', 'quick', '--shards', '2', '--out', join(file, 'sub')], /^l1bench: --out .*a-file\/sub is not a writable folder \(ENOTDIR\); choose a folder .*\n$/],
    ['--submit without sbatch', ['slurm', '--suite', 'quick', '--shards', '2', '--out', join(dir, 'o2'), '--submit'], /^l1bench: --submit needs SLURM's sbatch on PATH, and there is none; .*\n$/, noSbatch],
    ['bad --time', ['slurm', '--suite', 'quick', '--shards', '2', '--out', join(dir, 'o3'), '--time', '5h'], /^l1bench: --time must be auto or \[D-\]HH:MM:SS .*\n$/],
    ['--resume with nothing to resume', ['slurm', '--config', cfg, '--shards', '2', '--out', join(dir, 'o4'), '--resume'], /^l1bench: --resume: .*shards\.json does not exist; run `l1bench slurm` without --resume first\n$/],
  ];
  for (const [what, args, re, env] of cases) {
    const r = run(args, env);
    t.equal(r.status, 2, `${what}: exit 2`);
    t.match(r.stderr, re, what);
  }
  t.notOk(existsSync(join(dir, 'o2')), 'nothing written when --submit cannot submit');
  // A failing sbatch is one line too.
  writeFileSync(fake, '#!/bin/sh\necho "sbatch: error: invalid partition specified: nope" >&2\nexit 1\n');
  chmodSync(fake, 0o755);
  const r = run(['slurm', '--config', cfg, '--shards', '2', '--out', join(dir, 'o5'), '--submit'], noSbatch);
  t.equal(r.status, 2);
  t.match(r.stderr, /^l1bench: sbatch --parsable .*array\.sbatch failed: sbatch: error: invalid partition specified: nope; check the cluster settings .*\n$/);
});
