/**
 * `l1bench check`: the regression gate. Compares the latest run of each (family, dataset,
 * λ/λ_max, solver label) in results.db with a committed baseline (accuracy, never time), prints
 * a table, and exits 1 naming every regression and by how much; a baseline pair with no run in
 * the database is a regression too. `--update` writes a new baseline from the database instead.
 *
 * Exit codes: 0 no regression (or baseline written); 1 regressions; 2 bad input.
 */
import type { Command } from 'commander';
import { openReadOnly } from '../store/index.ts';
import { baselineFromDb, compareBaseline, formatComparisons, readBaseline, writeBaseline } from '../bench/baseline.ts';

interface CheckFlags {
  baseline: string;
  db: string;
  update?: boolean;
  description?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('regression gate: compare the latest runs in results.db with a baseline of expected accuracy')
    .requiredOption('--baseline <file>', 'baseline JSON (e.g. harness/baseline.json)')
    .option('--db <file>', 'results database', 'results.db')
    .option('--update', 'write the baseline from the latest run of every pair in the database')
    .option('--description <text>', 'description stored in the baseline written by --update')
    .action(async (flags: CheckFlags) => {
      const store = await openReadOnly(flags.db);
      try {
        if (flags.update) {
          const b = await baselineFromDb(store, flags.description ?? `written by l1bench check --update from ${flags.db}`);
          writeBaseline(flags.baseline, b);
          process.stdout.write(`wrote ${b.entries.length} baseline entries to ${flags.baseline}\n`);
          process.exitCode = 0;
          return;
        }
        const baseline = readBaseline(flags.baseline);
        const cs = await compareBaseline(baseline, store);
        process.stdout.write(formatComparisons(cs));
        const n = cs.filter((c) => c.verdict === 'regression').length;
        if (n > 0) {
          process.stderr.write(`l1bench: check failed: ${n} regression(s) against ${flags.baseline}\n`);
          process.exitCode = 1;
        } else {
          process.stdout.write(`check passed: ${cs.filter((c) => c.entry !== null).length} baseline pairs, no regression\n`);
          process.exitCode = 0;
        }
      } finally {
        await store.close();
      }
    });
}
