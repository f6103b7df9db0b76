/**
 * `l1bench check`: the regression gate. Compares the current runs of a suite in results.db (the
 * newest run of each seed of each (family, dataset, λ/λ_max, solver label)) with that suite's
 * committed baseline, harness/baselines/<suite>.json (accuracy, never time), prints a table, and
 * exits 1 naming every regression and by how much. A better result is reported as improved; a
 * baseline pair with no run in the database is reported as missing and fails only under
 * `--strict`. `--update` writes the suite's baseline from the database instead.
 *
 * Exit codes: 0 no regression (or baseline written); 1 regressions (or missing pairs under --strict); 2 bad input.
 */
import type { Command } from 'commander';
import { openReadOnly } from '../store/index.ts';
import { baselineFromDb, baselinePath, compareBaseline, formatComparisons, readBaseline, writeBaseline } from '../bench/baseline.ts';
import { UserError } from '../../problems/errors.ts';

interface CheckFlags {
  suite?: string;
  baseline?: string;
  db: string;
  update?: boolean;
  strict?: boolean;
  description?: string;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('regression gate: compare the current runs of a suite in results.db with its baseline of expected accuracy')
    .option('--suite <name>', 'suite whose runs are checked, against harness/baselines/<name>.json', 'default')
    .option('--baseline <file>', 'baseline JSON (default: harness/baselines/<suite>.json)')
    .option('--db <file>', 'results database', 'results.db')
    .option('--update', "write the suite's baseline from its current runs in the database")
    .option('--strict', 'also fail when a baseline pair has no run in the database')
    .option('--description <text>', 'description stored in the baseline written by --update')
    .action(async (flags: CheckFlags, cmd: Command) => {
      const suite = flags.suite ?? 'default';
      if (!/^[A-Za-z0-9_.-]+$/.test(suite)) throw new UserError(`--suite '${suite}' is not a suite name; use letters, digits, '.', '_' or '-'`);
      // An explicit --baseline without --suite reads the suite from the file (all runs for version-1 files).
      const suiteGiven = cmd.getOptionValueSource('suite') === 'cli';
      const path = flags.baseline ?? baselinePath(suite);
      const store = await openReadOnly(flags.db);
      try {
        if (flags.update) {
          const b = await baselineFromDb(store, flags.description ?? `written by l1bench check --update from ${flags.db}`, flags.baseline !== undefined && !suiteGiven ? null : suite);
          writeBaseline(path, b);
          process.stdout.write(`wrote ${b.entries.length} baseline entries${b.suite ? ` of suite ${b.suite}` : ''} to ${path}\n`);
          process.exitCode = 0;
          return;
        }
        const baseline = readBaseline(path);
        const scope = suiteGiven || flags.baseline === undefined ? { suite } : { suite: baseline.suite ?? null };
        const cs = await compareBaseline(baseline, store, scope);
        process.stdout.write(formatComparisons(cs, flags.strict === true));
        const n = cs.filter((c) => c.verdict === 'regression').length;
        const missing = cs.filter((c) => c.verdict === 'missing').length;
        const failed = n + (flags.strict ? missing : 0);
        if (failed > 0) {
          const parts = [n > 0 ? `${n} regression(s)` : '', flags.strict && missing > 0 ? `${missing} missing pair(s)` : ''].filter(Boolean);
          process.stderr.write(`l1bench: check failed: ${parts.join(' and ')} against ${path}\n`);
          process.exitCode = 1;
        } else {
          const improved = cs.filter((c) => c.verdict === 'improved').length;
          const extra = [improved ? `${improved} improved` : '', missing ? `${missing} missing` : ''].filter(Boolean).join(', ');
          process.stdout.write(`check passed: ${cs.filter((c) => c.entry !== null).length} baseline pairs, no regression${extra ? ` (${extra})` : ''}\n`);
          process.exitCode = 0;
        }
      } finally {
        await store.close();
      }
    });
}
