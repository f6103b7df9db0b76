/**
 * `l1bench figures` on a results.db of real runs (test/fixtures/report-db.ts): SVG and PDF at one-
 * and two-column widths, every font ≥ 8 pt at print size, a log time axis, one series per solver
 * in each solver's colour, file names from the instance (family, dataset, λ), human titles, a
 * JSON sidecar naming the runs and commits behind each figure, `--only` and `--suite`, and a
 * closed stdout (`| head`) that ends the command quietly.
 */
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { buildSampleDb } from './fixtures/report-db.ts';
import { MIN_FONT_PX, renderFigures, WIDTHS, type FigureSidecar } from '../reports/figures.ts';
import { CHROMIUM_PATH } from '../reports/screenshot.ts';
import { solverColor } from '../reports/style.ts';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-figures-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'results.db');

t.before(async () => {
  await buildSampleDb(db);
});

/** Width and height of an SVG root in CSS px (from its inch size). */
function sizeOf(svg: string): { w: number; h: number } {
  const head = /^<svg([^>]*)>/.exec(svg)?.[1] ?? '';
  const inch = (k: string): number => Number(new RegExp(`\\s${k}="([\\d.]+)in"`).exec(head)?.[1] ?? NaN) * 96;
  return { w: inch('width'), h: inch('height') };
}

t.test('SVG and PDF at one and two columns, named after the instance, with sidecars', async (t) => {
  if (!existsSync(CHROMIUM_PATH)) {
    t.fail(`no chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM)`);
    return;
  }
  const out = join(dir, 'figs');
  const res = await renderFigures({ db, out });
  const files = readdirSync(out).sort();
  t.same(res.files.map((f) => f.slice(out.length + 1)).sort(), files, 'every file written is listed');
  const stems = files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  t.ok(stems.includes('l1-landscape') && stems.includes('time-vs-dimension'), stems.join(', '));
  const conv = stems.filter((s) => s.startsWith('convergence-'));
  t.ok(conv.includes('convergence-lasso-diabetes-lam0.05'), 'family, dataset and λ/λmax in the name');
  t.equal(conv.length, 3, 'one convergence figure per instance');

  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const rows = await store.runs();
  for (const stem of stems) {
    const side = JSON.parse(readFileSync(join(out, `${stem}.json`), 'utf8')) as FigureSidecar;
    t.equal(side.figure, stem);
    for (const cols of ['1col', '2col'] as const) {
      const svg = readFileSync(join(out, `${stem}-${cols}.svg`), 'utf8');
      t.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${stem}-${cols}.svg is an SVG`);
      t.notMatch(svg, /<script/i, 'no script element');
      const { w } = sizeOf(svg);
      t.ok(w <= WIDTHS[cols] * 1.001 && w >= WIDTHS[cols] * 0.75, `${stem}-${cols}: ${w.toFixed(0)} px wide for a ${WIDTHS[cols]} px column`);
      const fonts = [...svg.matchAll(/font-size="([\d.]+)px"/g)].map((m) => Number(m[1]));
      t.ok(fonts.length > 0 && Math.min(...fonts) >= MIN_FONT_PX, `${stem}-${cols}: smallest font ${Math.min(...fonts)} px ≥ 8 pt`);
      const pdf = readFileSync(join(out, `${stem}-${cols}.pdf`));
      t.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', `${stem}-${cols}.pdf is a PDF`);
      const text = pdf.toString('latin1');
      t.equal(text.match(/\/Type\s*\/Page\b/g)?.length, 1, 'one page');
      t.notMatch(text, /\/Subtype\s*\/Image/, 'vector: no raster image inside');
      t.ok(side.files.includes(`${stem}-${cols}.svg`) && side.files.includes(`${stem}-${cols}.pdf`), 'the sidecar lists both files');
    }
    if (stem.startsWith('convergence-')) {
      t.ok(side.run_ids.length > 0, 'run ids behind the figure');
      const runs = rows.filter((r) => side.run_ids.includes(r.id));
      t.equal(runs.length, side.run_ids.length, 'every run id exists');
      t.same(side.commits, [...new Set(runs.map((r) => r.git_commit ?? '(no git)'))].sort(), 'the commits are those of the runs');
      t.equal(side.query['dataset'], runs[0]?.dataset, 'the query names the dataset');
      const svg = readFileSync(join(out, `${stem}-2col.svg`), 'utf8');
      t.match(svg, /Lasso, [^<]+, λ = [\d.]+·λmax/, 'a human title');
      t.match(svg, /solver time \(s\)/);
      t.match(svg, />10⁻[⁰¹²³⁴⁵⁶⁷⁸⁹]+</, 'log time axis labelled 10ⁿ');
      // One series per solver that has a trace, in its colour.
      const traced = [...new Set(runs.filter((r) => r.status !== 'skipped' && r.iterations !== null && r.iterations > 0).map((r) => r.solver_label))];
      for (const label of side.solvers.filter((l) => traced.includes(l))) {
        t.match(svg, new RegExp(`stroke="${solverColor(label)}"`, 'i'), `${label} drawn in its colour`);
        t.ok(svg.includes(`>${label}</text>`), `${label} in the legend`);
      }
    }
  }
  const land = readFileSync(join(out, 'l1-landscape-2col.svg'), 'utf8');
  t.match(land, /<linearGradient/, 'the heat map has a continuous (gradient) legend');
});

t.test('--only and --suite select figures; a bad choice is a one-line error', async (t) => {
  const out = join(dir, 'only');
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'figures', '--db', db, '--out', out, '--only', 'l1-landscape', '--no-pdf'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(readdirSync(out).sort(), ['l1-landscape-1col.svg', 'l1-landscape-2col.svg', 'l1-landscape.json']);
  const s = spawnSync(process.execPath, ['bin/l1bench.js', 'figures', '--db', db, '--out', join(dir, 'suite'), '--suite', 'test', '--only', 'convergence-lasso-diabetes', '--no-pdf'], { encoding: 'utf8' });
  t.equal(s.status, 0, s.stderr);
  t.match(s.stdout, /\(suite test\)/);
  t.same(readdirSync(join(dir, 'suite')).filter((f) => f.endsWith('.json')), ['convergence-lasso-diabetes-lam0.05.json']);
  const bad = spawnSync(process.execPath, ['bin/l1bench.js', 'figures', '--db', db, '--out', join(dir, 'x'), '--suite', 'nope'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^l1bench: suite 'nope' has no runs in .*; choose one of: test\n$/);
  const none = spawnSync(process.execPath, ['bin/l1bench.js', 'figures', '--db', db, '--out', join(dir, 'y'), '--only', 'nothing-like-this', '--no-pdf'], { encoding: 'utf8' });
  t.equal(none.status, 2);
  t.match(none.stderr, /^l1bench: --only nothing-like-this matches no figure; figures here: convergence-/);
});

t.test('a closed stdout (| head) ends quietly, without an EPIPE stack trace', async (t) => {
  const child = spawn(process.execPath, ['bin/l1bench.js', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.equal(err, '', 'nothing on stderr');
  t.equal(code, 0);
});
