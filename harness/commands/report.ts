/**
 * `l1bench report` (HTML report) and `l1bench figures` (SVG paper figures), both rendered from
 * results.db alone (opened read-only).
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { UserError } from '../../problems/errors.ts';

interface OutFlags {
  db: string;
  out: string;
  quiet?: boolean;
}

interface FigureFlags extends OutFlags {
  only?: string;
  suite?: string;
  pdf?: boolean;
}

function checkFlag(value: string, flag: string): void {
  if (value.trim() === '') throw new UserError(`${flag} must not be empty; pass a path`);
}

/** Registers `report` and `figures` on the program. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('render the HTML report (opens from disk, no network) from results.db')
    .option('--db <file>', 'results database', 'results.db')
    .option('--out <dir>', 'output folder', 'report')
    .option('--quiet', 'print nothing on success')
    .action(async (flags: OutFlags) => {
      checkFlag(flags.db, '--db');
      checkFlag(flags.out, '--out');
      const { renderReport } = await import('../../reports/render.ts');
      const res = await renderReport({ db: flags.db, out: flags.out });
      if (!flags.quiet) {
        const index = relative(process.cwd(), res.pages[0] ?? flags.out) || flags.out;
        process.stdout.write(
          `wrote ${res.pages.length} pages (${(res.bytes / 1e6).toFixed(2)} MB of HTML, ${res.runs} runs) in ${res.seconds.toFixed(2)} s; open ${index}\n`,
        );
      }
    });

  program
    .command('figures')
    .description('write paper figures (SVG and PDF at one- and two-column width, with a JSON sidecar each) from results.db')
    .option('--db <file>', 'results database', 'results.db')
    .option('--out <dir>', 'output folder', 'figures')
    .option('--only <name>', 'only figures whose name starts with this (e.g. convergence, convergence-lasso-diabetes, l1-landscape)')
    .option('--suite <name>', "draw this suite's runs (default: the report's default suite)")
    .option('--no-pdf', 'write SVG only (PDF needs Chromium)')
    .option('--quiet', 'print nothing on success')
    .action(async (flags: FigureFlags) => {
      checkFlag(flags.db, '--db');
      checkFlag(flags.out, '--out');
      if (flags.only !== undefined) checkFlag(flags.only, '--only');
      if (flags.suite !== undefined) checkFlag(flags.suite, '--suite');
      const { renderFigures } = await import('../../reports/figures.ts');
      const res = await renderFigures({
        db: flags.db,
        out: flags.out,
        pdf: flags.pdf !== false,
        ...(flags.only !== undefined ? { only: flags.only } : {}),
        ...(flags.suite !== undefined ? { suite: flags.suite } : {}),
      });
      if (!flags.quiet) {
        process.stdout.write(`wrote ${res.files.length} files${res.suite !== null ? ` (suite ${res.suite})` : ''} to ${flags.out} in ${res.seconds.toFixed(2)} s\n`);
        for (const f of res.files) process.stdout.write(`  ${f}\n`);
      }
    });
}
