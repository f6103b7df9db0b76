/**
 * `l1bench merge --into TARGET.db SOURCE.db …`: gathers the databases of a sharded benchmark
 * (`l1bench bench --shard I/N`) into one. The target is opened with openStore (created,
 * migrated, and locked against other writers for the whole merge); sources with openReadOnly.
 *
 * For each source, in one transaction on the target:
 * - runs: the source's current runs, one per job key (a key the source holds more than once is
 *   copied once — the newest — and the others are counted as dropped duplicates); a key that
 *   already has a current run in the target keeps the target's (skipped-duplicate), so merging
 *   twice adds nothing. Copied runs bring their trace and repetition rows. Superseded history
 *   stays in the source.
 * - references: a source reference that claims to be certified is VERIFIED before it may be
 *   copied: its instance is rebuilt from the stored spec (the instance hash must match), F(x*)
 *   is recomputed from the stored x* and must equal the stored objective to a relative 1e-12,
 *   and the duality gap at x* must certify it (rel. gap ≤ CERTIFY_REL_GAP). A claim that fails
 *   is rejected (reported, not copied); a claim that cannot be checked (no x*, no spec, data not
 *   here) is copied only as uncertified, and only where the target has no reference. A verified
 *   reference replaces the target's if it is better (certified beats uncertified, then the
 *   smaller rel_gap); two certified references that disagree by more than a relative 1e-9 are
 *   reported as a conflict and the target's is kept.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Transaction } from 'kysely';
import { UserError } from '../../problems/errors.ts';
import { Certifier } from '../../problems/certificate.ts';
import { MAX_VARIABLES, TRACE_COLUMNS, openReadOnly, openStore } from '../store/index.ts';
import type { DB, ReadStore, ReferenceRow, RunRow, Store } from '../store/index.ts';
import { buildProblem, type ProblemSpec } from '../job.ts';
import { CERTIFY_REL_GAP } from '../bench/reference.ts';
import { errorMessage } from '../runner.ts';

/** What merging one source did. */
export interface MergeCounts {
  readonly source: string;
  /** Runs copied into the target. */
  readonly runs: number;
  /** Trace rows copied with them. */
  readonly traceRows: number;
  /** Runs not copied because their job key already has a current run in the target. */
  readonly skippedDuplicate: number;
  /** Runs not copied because the source itself holds their job key more than once (the newest is copied). */
  readonly droppedSourceDuplicates: number;
  /** Reference rows copied (new instance, or better than the target's). */
  readonly references: number;
  /** Reference rows not copied because the target's is as good or better. */
  readonly referencesKept: number;
  /** Certified claims that failed verification (not copied), one line each. */
  readonly rejected: readonly string[];
  /** Two certified references of one instance that disagree (the target's kept), one line each. */
  readonly conflicts: readonly string[];
}

/** Trace rows per INSERT statement: ⌊999 / 10 columns⌋ = 99 (as the store does). */
const TRACE_ROWS_PER_INSERT = Math.floor(MAX_VARIABLES / TRACE_COLUMNS.length);

/** |F(x*) − F_stored| ≤ this · max(|F|, 1): the recomputed objective must match the stored one. */
export const MERGE_OBJECTIVE_RTOL = 1e-12;
/** Two certified F* of one instance disagreeing by more than this (relative) are a conflict. */
export const MERGE_CONFLICT_RTOL = 1e-9;

/** Whether reference `a` is strictly better than `b`: certified first, then smaller rel_gap (null = +∞). */
export function betterReference(a: ReferenceRow, b: ReferenceRow): boolean {
  if (a.certified !== b.certified) return a.certified > b.certified;
  const ga = a.rel_gap ?? Infinity;
  const gb = b.rel_gap ?? Infinity;
  return ga < gb;
}

/** The outcome of re-checking a certified reference. */
export type Verification =
  | { readonly kind: 'verified'; readonly objective: number; readonly relGap: number }
  | { readonly kind: 'rejected'; readonly why: string }
  | { readonly kind: 'unverifiable'; readonly why: string };

/** Re-checks a reference row's certificate by rebuilding its instance (see the module comment). */
export async function verifyReference(ref: ReferenceRow): Promise<Verification> {
  if (ref.spec === null) return { kind: 'unverifiable', why: 'no problem spec stored with it' };
  if (ref.x === null) return { kind: 'unverifiable', why: 'no x* stored with it' };
  let problem;
  try {
    problem = await buildProblem(JSON.parse(ref.spec) as ProblemSpec);
  } catch (e) {
    return { kind: 'unverifiable', why: `its instance cannot be rebuilt here (${errorMessage(e)})` };
  }
  if (problem.instanceHash !== ref.instance_hash) {
    return { kind: 'rejected', why: 'its spec rebuilds a different instance here (the data or λ differ)' };
  }
  let x: Float64Array;
  try {
    const arr = JSON.parse(ref.x) as unknown;
    if (!Array.isArray(arr) || arr.length !== problem.dim || !arr.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return { kind: 'rejected', why: `its x* is not ${problem.dim} finite numbers` };
    }
    x = Float64Array.from(arr as number[]);
  } catch {
    return { kind: 'rejected', why: 'its x* is not valid JSON' };
  }
  const c = new Certifier(problem, 0).certify(x);
  const diff = Math.abs(c.objective - ref.objective);
  if (!(diff <= MERGE_OBJECTIVE_RTOL * Math.max(Math.abs(c.objective), 1))) {
    return { kind: 'rejected', why: `stored objective ${ref.objective} but F(x*) = ${c.objective} (differs by ${diff.toExponential(2)})` };
  }
  if (c.relGap === null || !(c.relGap <= CERTIFY_REL_GAP)) {
    return { kind: 'rejected', why: `the duality gap at x* does not certify it (relative gap ${c.relGap === null ? 'n/a' : c.relGap.toExponential(2)} > ${CERTIFY_REL_GAP})` };
  }
  return { kind: 'verified', objective: c.objective, relGap: c.relGap };
}

/** The source's current runs, one per job key (newest id), and how many duplicates were dropped. */
function dedupe(runs: readonly RunRow[]): { keep: RunRow[]; dropped: number } {
  const byKey = new Map<string, RunRow>();
  for (const r of runs) {
    const have = byKey.get(r.job_key);
    if (!have || r.id > have.id) byKey.set(r.job_key, r);
  }
  return { keep: [...byKey.values()].sort((a, b) => a.id - b.id), dropped: runs.length - byKey.size };
}

async function mergeOne(target: Store, source: ReadStore): Promise<MergeCounts> {
  const { keep, dropped } = dedupe(await source.runs({ current: true }));
  const refs = await source.db.selectFrom('reference').selectAll().execute();
  // verification rebuilds problems: done before the write transaction
  const checks = new Map<string, Verification>();
  for (const ref of refs) if (ref.certified === 1) checks.set(ref.instance_hash, await verifyReference(ref));
  return target.db.transaction().execute(async (trx: Transaction<DB>) => {
    const present = new Set((await trx.selectFrom('runs').select('job_key').where('current', '=', 1).execute()).map((r) => r.job_key));
    let copied = 0;
    let traceRows = 0;
    let skipped = 0;
    for (const run of keep) {
      if (present.has(run.job_key)) {
        skipped++;
        continue;
      }
      const { id: oldId, ...fields } = run;
      const { id } = await trx.insertInto('runs').values({ ...fields, current: 1 }).returning('id').executeTakeFirstOrThrow();
      const trace = await source.trace(oldId);
      for (let start = 0; start < trace.length; start += TRACE_ROWS_PER_INSERT) {
        const rows = trace.slice(start, start + TRACE_ROWS_PER_INSERT).map((p) => ({ ...p, run_id: id }));
        await trx.insertInto('trace').values(rows).execute();
      }
      const reps = await source.repetitions(oldId);
      if (reps.length > 0) await trx.insertInto('repetition').values(reps.map((r) => ({ ...r, run_id: id }))).execute();
      traceRows += trace.length;
      copied++;
    }
    let references = 0;
    let kept = 0;
    const rejected: string[] = [];
    const conflicts: string[] = [];
    for (const src of refs) {
      let ref = src;
      const check = checks.get(ref.instance_hash);
      const name = `${ref.family}/${ref.dataset} λ=${ref.lambda} (instance ${ref.instance_hash.slice(0, 12)})`;
      if (check?.kind === 'rejected') {
        rejected.push(`${name}: certified reference rejected: ${check.why}`);
        continue;
      }
      if (check?.kind === 'unverifiable') ref = { ...ref, certified: 0 };
      const have = await trx.selectFrom('reference').selectAll().where('instance_hash', '=', ref.instance_hash).executeTakeFirst();
      if (have && check?.kind === 'unverifiable') {
        kept++;
        continue;
      }
      if (have && have.certified === 1 && ref.certified === 1) {
        const d = Math.abs(have.objective - ref.objective) / Math.max(Math.abs(have.objective), 1e-300);
        if (d > MERGE_CONFLICT_RTOL) {
          conflicts.push(`${name}: target F* = ${have.objective}, source F* = ${ref.objective} (relative difference ${d.toExponential(2)}); kept the target's`);
          kept++;
          continue;
        }
      }
      if (have && !betterReference(ref, have)) {
        kept++;
        continue;
      }
      await trx.insertInto('reference').orReplace().values(ref).execute();
      references++;
    }
    return { source: source.path, runs: copied, traceRows, skippedDuplicate: skipped, droppedSourceDuplicates: dropped, references, referencesKept: kept, rejected, conflicts };
  });
}

/**
 * Merges `sources` into `into` (see the module comment), one transaction per source, in the
 * order given. A missing or non-l1bench source, or a source that is the target, is a UserError
 * raised before anything is written.
 */
export async function mergeDatabases(into: string, sources: readonly string[], options: { lockWaitSeconds?: number } = {}): Promise<MergeCounts[]> {
  const target = resolve(into);
  for (const s of sources) {
    if (!existsSync(s)) throw new UserError(`merge source ${s} does not exist; pass the results databases written by \`l1bench bench --db\``);
    if (resolve(s) === target) throw new UserError(`merge source ${s} is the target itself; pass other databases after --into ${into}`);
  }
  const opened: ReadStore[] = [];
  try {
    for (const s of sources) opened.push(await openReadOnly(s));
    const store = await openStore(into, options.lockWaitSeconds !== undefined ? { lockWaitSeconds: options.lockWaitSeconds } : {});
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
    .option('--lock-wait <seconds>', 'wait this long for another process writing the target (default 10)')
    .argument('<sources...>', 'source results databases')
    .action(async (sources: string[], flags: { into: string; lockWait?: string }) => {
      const wait = flags.lockWait === undefined ? undefined : Number(flags.lockWait);
      if (wait !== undefined && (flags.lockWait?.trim() === '' || !Number.isFinite(wait) || wait < 0)) {
        throw new UserError(`--lock-wait must be a number of seconds ≥ 0, got '${flags.lockWait}'`);
      }
      const counts = await mergeDatabases(flags.into, sources, wait !== undefined ? { lockWaitSeconds: wait } : {});
      for (const c of counts) {
        process.stdout.write(
          `${c.source}: ${c.runs} run(s) copied with ${c.traceRows} trace row(s), ${c.skippedDuplicate} skipped-duplicate, ` +
            `${c.droppedSourceDuplicates} duplicate(s) within the source dropped; ` +
            `${c.references} reference(s) copied, ${c.referencesKept} kept from the target, ${c.rejected.length} rejected\n`,
        );
        for (const line of [...c.rejected, ...c.conflicts]) process.stdout.write(`  ${line}\n`);
      }
      const sum = (f: (c: MergeCounts) => number): number => counts.reduce((a, c) => a + f(c), 0);
      process.stdout.write(
        `merged ${counts.length} database(s) into ${flags.into}: ${sum((c) => c.runs)} run(s), ${sum((c) => c.traceRows)} trace row(s), ` +
          `${sum((c) => c.skippedDuplicate)} skipped-duplicate, ${sum((c) => c.references)} reference(s)\n`,
      );
    });
}
