/**
 * `l1bench merge --into TARGET.db SOURCE.db …`: gathers the databases of a sharded benchmark
 * (`l1bench bench --shard I/N`) into one.
 *
 * For each source, in one transaction on the target:
 * - every run whose job_key is not already in the target is copied with its trace rows (the run
 *   gets a new id in the target; its trace rows follow it). A job key already in the target is
 *   kept from the target and counted as a skipped duplicate, so merging twice adds nothing.
 * - every reference row is copied unless the target has a better one for the same instance hash:
 *   certified beats uncertified, then the smaller rel_gap wins (null counts as +∞); ties keep the
 *   target's row.
 * The target is opened (created, migrated) with openStore; sources with openReadOnly.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Transaction } from 'kysely';
import { UserError } from '../../problems/errors.ts';
import { MAX_VARIABLES, TRACE_COLUMNS, openReadOnly, openStore } from '../store/index.ts';
import type { DB, ReadStore, ReferenceRow, Store } from '../store/index.ts';

/** What merging one source did. */
export interface MergeCounts {
  readonly source: string;
  /** Runs copied into the target. */
  readonly runs: number;
  /** Trace rows copied with them. */
  readonly traceRows: number;
  /** Runs not copied because their job key was already in the target. */
  readonly skippedDuplicate: number;
  /** Reference rows copied (new instance, or better than the target's). */
  readonly references: number;
  /** Reference rows not copied because the target's is as good or better. */
  readonly referencesKept: number;
}

/** Trace rows per INSERT statement: ⌊999 / 10 columns⌋ = 99 (as the store does). */
const TRACE_ROWS_PER_INSERT = Math.floor(MAX_VARIABLES / TRACE_COLUMNS.length);

/** Whether reference `a` is strictly better than `b`: certified first, then smaller rel_gap (null = +∞). */
export function betterReference(a: ReferenceRow, b: ReferenceRow): boolean {
  if (a.certified !== b.certified) return a.certified > b.certified;
  const ga = a.rel_gap ?? Infinity;
  const gb = b.rel_gap ?? Infinity;
  return ga < gb;
}

async function mergeOne(target: Store, source: ReadStore): Promise<MergeCounts> {
  const runs = await source.runs();
  const refs = await source.db.selectFrom('reference').selectAll().execute();
  return target.db.transaction().execute(async (trx: Transaction<DB>) => {
    const present = new Set((await trx.selectFrom('runs').select('job_key').distinct().execute()).map((r) => r.job_key));
    let copied = 0;
    let traceRows = 0;
    let skipped = 0;
    for (const run of runs) {
      if (present.has(run.job_key)) {
        skipped++;
        continue;
      }
      const { id: oldId, ...fields } = run;
      const { id } = await trx.insertInto('runs').values(fields).returning('id').executeTakeFirstOrThrow();
      const trace = await source.trace(oldId);
      for (let start = 0; start < trace.length; start += TRACE_ROWS_PER_INSERT) {
        const rows = trace.slice(start, start + TRACE_ROWS_PER_INSERT).map((p) => ({ ...p, run_id: id }));
        await trx.insertInto('trace').values(rows).execute();
      }
      traceRows += trace.length;
      copied++;
    }
    let references = 0;
    let kept = 0;
    for (const ref of refs) {
      const have = await trx.selectFrom('reference').selectAll().where('instance_hash', '=', ref.instance_hash).executeTakeFirst();
      if (have && !betterReference(ref, have)) {
        kept++;
        continue;
      }
      await trx.insertInto('reference').orReplace().values(ref).execute();
      references++;
    }
    return { source: source.path, runs: copied, traceRows, skippedDuplicate: skipped, references, referencesKept: kept };
  });
}

/**
 * Merges `sources` into `into` (see the module comment), one transaction per source, in the
 * order given. A missing or non-l1bench source, or a source that is the target, is a UserError
 * raised before anything is written.
 */
export async function mergeDatabases(into: string, sources: readonly string[]): Promise<MergeCounts[]> {
  const target = resolve(into);
  for (const s of sources) {
    if (!existsSync(s)) throw new UserError(`merge source ${s} does not exist; pass the results databases written by \`l1bench bench --db\``);
    if (resolve(s) === target) throw new UserError(`merge source ${s} is the target itself; pass other databases after --into ${into}`);
  }
  const opened: ReadStore[] = [];
  try {
    for (const s of sources) opened.push(await openReadOnly(s));
    const store = await openStore(into);
    try {
      const out: MergeCounts[] = [];
      for (const src of opened) out.push(await mergeOne(store, src));
      return out;
    } finally {
      await store.close();
    }
  } finally {
    for (const s of opened) await s.close();
  }
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge results databases (e.g. the shards of `bench --shard I/N`) into one; job keys already in the target are kept')
    .requiredOption('--into <file>', 'target results database (created if absent)')
    .argument('<sources...>', 'source results databases')
    .action(async (sources: string[], flags: { into: string }) => {
      const counts = await mergeDatabases(flags.into, sources);
      for (const c of counts) {
        process.stdout.write(
          `${c.source}: ${c.runs} run(s) copied with ${c.traceRows} trace row(s), ${c.skippedDuplicate} skipped-duplicate; ` +
            `${c.references} reference(s) copied, ${c.referencesKept} kept from the target\n`,
        );
      }
      const sum = (f: (c: MergeCounts) => number): number => counts.reduce((a, c) => a + f(c), 0);
      process.stdout.write(
        `merged ${counts.length} database(s) into ${flags.into}: ${sum((c) => c.runs)} run(s), ${sum((c) => c.traceRows)} trace row(s), ` +
          `${sum((c) => c.skippedDuplicate)} skipped-duplicate, ${sum((c) => c.references)} reference(s)\n`,
      );
    });
}
