/**
 * A pool worker runs many tensor jobs: each job releases its problem's tensors when it ends, so
 * the backend's allocated bytes are the same before every job of the worker and back to that
 * level after each (runs.extras.backendBytes). Before this, every Fashion-MNIST job left its
 * ~410 MB of data in the wasm heap and a worker failed every job after about the eighth.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-release-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('one worker, five tensor jobs: no backend memory carried from job to job', async (t) => {
  const plan = join(dir, 'plan.json');
  writeFileSync(plan, JSON.stringify({
    name: 'release', tol: 1e-12, maxIter: 2,
    problems: [{ family: 'nn-compression', datasets: ['digits'], lambdas: [1e-4, 1e-3, 1e-2], layers: [16], finetuneEpochs: 1 }],
    solvers: [{ name: 'prox-adam', params: { batchSize: 64 } }, { name: 'gmp', params: { batchSize: 64 } }, { name: 'dense', params: { batchSize: 64 } }],
  }));
  const db = join(dir, 'release.db');
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', plan, '--db', db, '--workers', '1', '--quiet'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const s = await openReadOnly(db);
  t.teardown(() => s.close());
  const runs = (await s.runs()).sort((a, b) => a.id - b.id);
  t.equal(runs.length, 5, 'prox-adam at 3 λ, gmp and dense at the first λ only');
  const bytes = runs.map((run) => (JSON.parse(run.extras as string) as { backendBytes: { before: number; after: number } }).backendBytes);
  t.ok(runs.every((run) => run.status === 'max_iter'), runs.map((run) => `${run.solver}: ${run.status} ${run.reason ?? ''}`).join('; '));
  t.ok(bytes.every((b) => b.after === b.before), `after = before in every job: ${JSON.stringify(bytes)}`);
  t.ok(bytes.every((b) => b.before === bytes[0]!.before), `before is the same for every job of the worker: ${bytes.map((b) => b.before).join(', ')}`);
});
