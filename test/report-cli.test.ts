/**
 * `l1bench report` and `l1bench figures` as commands: their files, their one-line errors, and
 * the closed form behind the landscape figure (min over uw = x of (λ/2)(u² + w²) = λ|x|).
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerReport } from '../harness/commands/report.ts';
import { UserError } from '../problems/errors.ts';
import { landscapeSpec } from '../reports/figures.ts';
import { buildSampleDb } from './fixtures/report-db.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-report-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  registerReport(program);
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}

t.test('a missing database is a one-line UserError naming the fix', async (t) => {
  const missing = join(dir, 'nope.db');
  await t.rejects(cli(['report', '--db', missing, '--out', join(dir, 'r0')]), new UserError(`no results database at ${missing}; run \`l1bench bench\` first or pass --db`));
  await t.rejects(cli(['figures', '--db', missing]), UserError);
  t.notOk(existsSync(join(dir, 'r0')), 'nothing written');
});

t.test('report and figures write their files', async (t) => {
  const db = join(dir, 'results.db');
  await buildSampleDb(db);
  const out = join(dir, 'report');
  const said = await cli(['report', '--db', db, '--out', out]);
  t.match(said, /^wrote 4 pages \([\d.]+ MB of HTML, \d+ runs\) in [\d.]+ s; open .*index\.html\n$/);
  t.same(readdirSync(out).sort(), ['assets', 'family-lasso.html', 'history.html', 'index.html', 'ranking.html']);
  t.same(readdirSync(join(out, 'assets')).sort(), ['report.css', 'report.js', 'vega-bundle.js']);
  t.match(readFileSync(join(out, 'family-lasso.html'), 'utf8'), /<script src="assets\/vega-bundle\.js"><\/script>/, 'the bundle is loaded by a relative path');

  const figs = join(dir, 'figures');
  const listed = await cli(['figures', '--db', db, '--out', figs, '--no-pdf']);
  const files = readdirSync(figs).sort();
  t.ok(files.includes('l1-landscape-1col.svg') && files.includes('time-vs-dimension-2col.svg'), files.join(', '));
  t.equal(files.filter((f) => f.startsWith('convergence-lasso-') && f.endsWith('.json')).length, 3, 'one convergence figure per instance');
  t.notOk(files.some((f) => f.endsWith('.pdf')), '--no-pdf writes no PDF');
  for (const f of files) t.ok(listed.includes(f), `${f} listed on stdout`);
});

t.test('landscape: g on the balanced path equals f; on u = 2w it is above by λ|x|/4', async (t) => {
  const a = 1;
  const lambda = 0.5;
  const spec = landscapeSpec(a, lambda) as { hconcat: [{ data: { values: { x: number; v: number; c: string }[] } }, unknown] };
  const rows = spec.hconcat[0].data.values;
  const f = (x: number): number => 0.5 * (x - a) ** 2 + lambda * Math.abs(x);
  const balanced = rows.filter((r) => r.c.startsWith('g on the balanced'));
  const skewed = rows.filter((r) => r.c.startsWith('g on the path u = 2w'));
  t.equal(balanced.length, 201);
  t.ok(balanced.every((r) => Math.abs(r.v - f(r.x)) < 1e-12), 'AM–GM is tight at |u| = |w|');
  // u = 2w, uw = x: (λ/2)(u² + w²) = (λ/2)(5/2)|x| = (5/4)λ|x|.
  t.ok(skewed.every((r) => Math.abs(r.v - f(r.x) - 0.25 * lambda * Math.abs(r.x)) < 1e-12), 'the gap is λ|x|/4');
});

t.test('several suites: one set of pages each, a selector, and ad-hoc runs never replace a suite’s runs', async (t) => {
  const db = join(dir, 'suites.db');
  await buildSampleDb(db);
  const { openStore } = await import('../harness/store/index.ts');
  const s = await openStore(db);
  const [model] = await s.runs({ solverLabel: 'fista' });
  if (!model) throw new Error('no fista run');
  const { id: _id, ...row } = model;
  // A newer ad-hoc run of the same (instance, fista, seed), with a distinctive objective.
  await s.recordRun({ ...row, job_key: 'adhoc-1', suite: null, started_at: '2999-01-01T00:00:00.000Z', objective: 123.456789 }, []);
  await s.close();
  const out = join(dir, 'suites-report');
  await cli(['report', '--db', db, '--out', out]);
  t.same(readdirSync(out).sort(), ['assets', 'family-lasso.html', 'history.html', 'index.html', 'ranking.html', 'suite-ad-hoc']);
  t.same(readdirSync(join(out, 'suite-ad-hoc')).sort(), ['family-lasso.html', 'history.html', 'index.html', 'ranking.html']);
  const root = readFileSync(join(out, 'family-lasso.html'), 'utf8');
  const adhoc = readFileSync(join(out, 'suite-ad-hoc', 'family-lasso.html'), 'utf8');
  t.notOk(root.includes('123.456789'), 'the suite page keeps its own current run');
  t.ok(adhoc.includes('123.456789'), 'the ad-hoc run is on the ad-hoc page');
  t.match(root, /<nav class="suites"[^>]*>.*<a href="index\.html" aria-current="page">test<\/a><a href="suite-ad-hoc\/index\.html">ad hoc \(no suite\)<\/a>/s, 'selector at the top');
  t.match(adhoc, /href="\.\.\/assets\/report\.css"/, 'subfolder pages reach the shared assets');
  t.match(readFileSync(join(out, 'suite-ad-hoc', 'ranking.html'), 'utf8'), /<script src="\.\.\/assets\/vega-bundle\.js"><\/script>/);
  t.match(adhoc, /<a href="\.\.\/index\.html">test<\/a>/, 'and link back to the default suite');
});
