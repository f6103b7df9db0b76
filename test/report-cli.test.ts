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
  const listed = await cli(['figures', '--db', db, '--out', figs]);
  const files = readdirSync(figs).sort();
  t.ok(files.includes('l1-landscape.svg') && files.includes('time-vs-dimension.svg'), files.join(', '));
  t.equal(files.filter((f) => f.startsWith('convergence-lasso-')).length, 3, 'one convergence figure per instance');
  for (const f of files) {
    const svg = readFileSync(join(figs, f), 'utf8');
    t.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${f} is an SVG`);
    t.notMatch(svg, /<script/i, `${f}: no script element (names are text)`);
    t.ok(listed.includes(f), `${f} listed on stdout`);
  }
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
